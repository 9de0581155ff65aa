"""The demo portfolio (sample_data/demo_portfolio.json) keeps the promises the demo relies on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import pytest

from carebench.core import phases
from carebench.core.calendar import add_months
from carebench.core.handover import default_checklist
from carebench.core.health import band_of, overall_score
from carebench.core.kpis import kpi_status
from carebench.core.models import Client, Kpi, Portfolio, Scores
from carebench.core.rules import DEFAULT_RULES
from carebench.core.schedule import Touchpoint
from carebench.core.schedule import overdue as core_overdue
from carebench.core.schedule import schedule as core_schedule
from carebench.core.support import priority_of

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
DEMO = SAMPLE_DIR / "demo_portfolio.json"
BUILD = Path(__file__).resolve().parents[2] / "tools" / "build_demo.py"
AS_OF = date(2026, 6, 15)
RULES = DEFAULT_RULES
# The demo's "now": nothing in the file happens later than 09:00 on AS_OF.
NOW = datetime.combine(AS_OF, time(9, 0))


@cache
def portfolio() -> Portfolio:
    return Portfolio.model_validate_json(DEMO.read_text(encoding="utf-8"))


def clients() -> list[Client]:
    return portfolio().clients


def day_number(client: Client, on: date = AS_OF) -> int:
    return phases.day_number(client.go_live, on)


def month_index(client: Client, on: date = AS_OF) -> int:
    return phases.month_index(client.go_live, on)


def is_working(on: date) -> bool:
    return RULES.calendar.is_working(on)


def band(scores: Scores) -> str:
    return band_of(overall_score(scores, RULES.weights), RULES.bands)


def latest_band(client: Client) -> str | None:
    if not client.assessments:
        return None
    return band(max(client.assessments, key=lambda a: a.date).scores)


def backsliding(kpi: Kpi) -> bool:
    return kpi_status(kpi, retained_threshold=RULES.retained_threshold).backsliding


def touchpoints(client: Client, until: date = AS_OF) -> list[Touchpoint]:
    return core_schedule(client, client.go_live, until, RULES.plans, RULES.calendar, scale=RULES.scale)


def schedule(client: Client, until: date = AS_OF) -> dict[date, str]:
    """The standing touchpoint kind per date, following the cadence and escalation rules."""
    return {t.date: t.kind for t in touchpoints(client, until)}


def overdue(client: Client, on: date = AS_OF) -> list[tuple[date, str]]:
    return [(t.date, t.kind) for t in core_overdue(touchpoints(client, on), on)]


# ---------------------------------------------------------------- the file


def test_file_loads_and_round_trips():
    text = DEMO.read_text(encoding="utf-8")
    assert portfolio().as_of == AS_OF
    assert text == portfolio().model_dump_json(indent=2, exclude_none=True) + "\n"
    assert len(text.encode("utf-8")) < 2_500_000


def test_build_script_reproduces_the_file_byte_for_byte(tmp_path):
    out = tmp_path / "demo.json"
    subprocess.run([sys.executable, str(BUILD), str(out)], check=True, cwd=tmp_path, timeout=120)
    assert out.read_bytes() == DEMO.read_bytes()


def test_build_script_help_explains_and_writes_nothing(tmp_path):
    done = subprocess.run([sys.executable, str(BUILD), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "output" in done.stdout.lower()
    assert list(tmp_path.iterdir()) == []


MONTH_WORDS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b"
)


def texts(value: object) -> Iterator[str]:
    """Every string in the demo file's JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def test_no_text_names_a_month():
    """The demo is shifted so today plays its AS_OF: a month named in a text would read wrong on another day."""
    named = [text for text in texts(json.loads(DEMO.read_text(encoding="utf-8"))) if MONTH_WORDS.search(text)]
    assert named == []


def test_month_words_are_found():
    assert [bool(MONTH_WORDS.search(t)) for t in ("since mid-May", "on 8 June", "Sept review", "maybe in Marchetti's", "mayday")] == [
        True,
        True,
        True,
        False,
        False,
    ]


# ---------------------------------------------------------------- clients


def test_clients_tiers_and_owners():
    assert 8 <= len(clients()) <= 12
    assert Counter(c.tier for c in clients()).keys() == {"platinum", "gold", "silver"}
    owners = Counter(c.owner for c in clients())
    assert 4 <= owners["you"] <= 6
    assert set(owners) == {"you", "sam", "priya"}
    assert {c.status for c in clients()} <= {"active", "handed_over"}
    assert sum(c.status == "handed_over" for c in clients()) <= 2


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_client_basics(client):
    assert is_working(client.go_live)
    assert client.go_live <= AS_OF
    assert 80_000 <= client.investment <= 600_000
    assert 150 <= client.roi_target <= 300
    assert 1 <= len(client.contacts) <= 3
    for contact in client.contacts:
        assert contact.role and contact.email and contact.email.endswith(".example")


@pytest.mark.parametrize(
    "days, months",
    [(3, None), (20, None), (45, None), (75, None), (None, 5), (None, 10), (None, 20)],
    ids=["day-3", "day-20", "day-45", "day-75", "month-5", "month-10", "month-20"],
)
def test_every_stage_is_present(days, months):
    if days is not None:
        assert any(abs(day_number(c) - days) <= 3 for c in clients())
    else:
        assert any(month_index(c) == months for c in clients())


# ---------------------------------------------------------------- KPIs


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_kpis(client):
    assert 5 <= len(client.kpis) <= 10
    assert {k.category for k in client.kpis} == {"leading", "lagging", "diagnostic"}
    for kpi in client.kpis:
        dates = sorted(r.date for r in kpi.readings)
        assert len(dates) >= 60, kpi.key
        assert (dates[-1] - dates[0]).days >= 60, kpi.key
        assert AS_OF - timedelta(days=7) <= dates[-1] <= AS_OF, kpi.key
        assert kpi.baseline != kpi.target
        better = kpi.target > kpi.baseline if kpi.direction == "higher" else kpi.target < kpi.baseline
        assert better, f"{kpi.key}: target is not better than baseline"
        if kpi.unit == "%":
            assert all(0 <= r.value <= 100 for r in kpi.readings), kpi.key


def test_one_client_backslides_and_no_other_does():
    sliding = {}
    for client in clients():
        big_slides = [
            k
            for k in client.kpis
            if k.category == "lagging"
            and backsliding(k)
            and abs(max((r.value for r in k.readings), key=lambda v: v if k.direction == "higher" else -v) - k.baseline)
            >= 0.5 * abs(k.target - k.baseline)
        ]
        if len(big_slides) >= 2:
            sliding[client.id] = client
    assert len(sliding) == 1, sorted(sliding)
    (slider,) = sliding.values()
    assert month_index(slider) >= 5
    assert latest_band(slider) in ("yellow", "red")
    for client in clients():
        if client is not slider:
            assert sum(backsliding(k) for k in client.kpis) <= 1, client.id


# ---------------------------------------------------------------- health


def test_latest_bands():
    bands = {c.id: latest_band(c) for c in clients() if c.assessments}
    counts = Counter(bands.values())
    assert counts["red"] == 1 and counts["yellow"] == 2, bands
    assert counts["green"] == len(bands) - 3


def test_red_client_slid_from_yellow_recently():
    (red,) = [c for c in clients() if latest_band(c) == "red"]
    history = sorted(red.assessments, key=lambda a: a.date)
    assert AS_OF - timedelta(days=10) <= history[-1].date < AS_OF
    assert band(history[-2].scores) == "yellow"


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_assessments_are_regular(client):
    if day_number(client) < 15:
        return
    dates = sorted(a.date for a in client.assessments)
    assert dates, "a client past its first weeks needs assessments"
    assert all(b - a <= timedelta(days=42) for a, b in zip(dates, dates[1:]))
    assert all(a.note and a.author for a in client.assessments)
    if client.status == "active":
        assert AS_OF - dates[-1] <= timedelta(days=35)


# ---------------------------------------------------------------- savings


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_savings_cover_every_full_month(client):
    first = client.go_live if client.go_live.day == 1 else add_months(client.go_live.replace(day=1), 1)
    expected = []
    while (first.year, first.month) <= (2026, 5):
        expected.append(f"{first.year:04d}-{first.month:02d}")
        first = add_months(first, 1)
    assert [s.month for s in client.savings] == expected
    assert all(s.amount > 0 for s in client.savings)


def test_roi_above_and_below_target():
    roi = {c.id: (sum(s.amount for s in c.savings) - c.investment) / c.investment * 100 - c.roi_target for c in clients() if len(c.savings) >= 6}
    assert any(v > 0 for v in roi.values()) and any(v < 0 for v in roi.values()), roi


# ---------------------------------------------------------------- opportunities and actions


def test_opportunities():
    opportunities = [o for c in clients() for o in c.opportunities]
    assert 10 <= len(opportunities) <= 16
    assert {o.stage for o in opportunities} == {"identified", "qualified", "proposed", "won", "lost"}
    for o in opportunities:
        if o.stage == "won":
            assert o.probability == 100
        elif o.stage == "lost":
            assert o.probability == 0
        else:
            assert o.next_action and o.next_action_date
        assert o.investment_low is not None and o.investment_high is not None
        assert o.start_month is not None and o.end_month is not None
    open_dates = [o.next_action_date for o in opportunities if o.stage not in ("won", "lost")]
    assert any(d < AS_OF for d in open_dates) and any(d > AS_OF for d in open_dates)


def test_action_items():
    items = [i for c in clients() for i in c.action_items]
    open_items = [i for i in items if i.status == "open"]
    assert open_items and any(i.status == "done" for i in items)
    assert all(i.done_on for i in items if i.status == "done")
    assert {i.priority for i in items} == {"high", "medium", "low"}
    assert any(i.due < AS_OF for i in open_items)
    assert any(i.due == AS_OF for i in open_items)
    assert any(i.due > AS_OF for i in open_items)


def test_handover_gate_blocked_by_open_high_item():
    assert any(61 <= day_number(c) <= 90 and any(i.status == "open" and i.priority == "high" for i in c.action_items) for c in clients())


# ---------------------------------------------------------------- touchpoints


def test_exceptions_done_and_skipped():
    exceptions = [e for c in clients() for e in c.exceptions]
    assert any(e.status == "done" for e in exceptions)
    skipped = [e for e in exceptions if e.status == "skipped"]
    assert skipped and all(e.reason for e in skipped)


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_exceptions_sit_on_scheduled_touchpoints(client):
    plan = schedule(client)
    for e in client.exceptions:
        assert e.date < AS_OF
        assert plan.get(e.date) == e.kind, f"{e.date} {e.kind}: the schedule has {plan.get(e.date)}"


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_every_done_touchpoint_has_its_check_in(client):
    done = sorted((e.date, e.kind) for e in client.exceptions if e.status == "done")
    assert done == sorted((c.date, c.kind) for c in client.checkins)
    for checkin in client.checkins:
        assert checkin.author and checkin.attendees and checkin.next_steps
        assert checkin.planned_minutes > 0 and checkin.actual_minutes > 0
        assert checkin.sections and all(s.title and s.notes for s in checkin.sections)


def test_young_clients_have_most_touchpoints_recorded():
    young = [c for c in clients() if c.status == "active" and day_number(c) <= 100]
    assert len(young) >= 4
    for client in young:
        past = [d for d in schedule(client) if d < AS_OF]
        recorded = {e.date for e in client.exceptions}
        assert len(recorded & set(past)) >= 0.7 * len(past), client.id


def test_some_touchpoints_are_overdue():
    rows = {c.id: overdue(c) for c in clients()}
    recent = [d for found in rows.values() for d, _ in found if AS_OF - d <= timedelta(days=14)]
    assert len(recent) >= 2, rows


# ---------------------------------------------------------------- practice records: tickets


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_ticket_log_is_consistent(client):
    tickets = client.tickets
    assert [t.ref for t in tickets] == [f"T-{n}" for n in range(1, len(tickets) + 1)]
    assert [t.opened for t in tickets] == sorted(t.opened for t in tickets)
    for t in tickets:
        assert datetime.combine(client.go_live, time()) <= t.opened < NOW, t.ref
        moments = [m for m in (t.opened, t.first_response, t.resolved) if m is not None]
        assert moments == sorted(moments), t.ref
        assert moments[-1] <= NOW, t.ref
        if t.resolved is not None:
            assert t.first_response is not None, t.ref
        if t.first_contact:
            assert t.resolved is not None and not t.escalated, t.ref


def test_exactly_one_open_p1_at_the_red_client():
    open_p1 = [(c, t) for c in clients() for t in c.tickets if t.resolved is None and priority_of(t) == "P1"]
    assert len(open_p1) == 1, [(c.id, t.ref) for c, t in open_p1]
    client, ticket = open_p1[0]
    assert client.id == "brackenfield-foods" and latest_band(client) == "red"
    assert NOW - ticket.opened >= timedelta(days=2)


def test_ticket_volume_is_modest_and_falls_after_go_live():
    assert 150 <= sum(len(c.tickets) for c in clients()) <= 300
    for client in clients():
        live = (AS_OF - client.go_live).days
        if live >= 540:
            assert 1 <= len(client.tickets) <= 6, client.id  # years after go-live: a handful
            continue
        assert len(client.tickets) >= 10, client.id
        offsets = [(t.opened.date() - client.go_live).days for t in client.tickets]
        first = sum(1 for o in offsets if o < 30)
        later = [sum(1 for o in offsets if 30 * k <= o < 30 * (k + 1)) for k in range(1, live // 30)]
        assert all(first >= 2 * n for n in later), (client.id, first, later)


def test_ticket_mix():
    tickets = [t for c in clients() for t in c.tickets]
    assert {t.impact for t in tickets} == {"high", "medium", "low"}
    assert {t.users for t in tickets} == {"many", "some", "few"}
    assert Counter(priority_of(t) for t in tickets).keys() == {"P1", "P2", "P3", "P4"}
    resolved = [t for t in tickets if t.resolved is not None]
    assert len(resolved) >= 0.9 * len(tickets)
    assert len(tickets) - len(resolved) >= 5
    answered = [t for t in tickets if t.first_response is not None]
    assert sum(t.first_response - t.opened <= timedelta(hours=4) for t in answered) >= 0.75 * len(answered)
    assert 0.02 <= sum(t.escalated for t in tickets) / len(tickets) <= 0.12
    assert 0.25 <= sum(t.first_contact for t in resolved) / len(resolved) <= 0.8


# ---------------------------------------------------------------- practice records: pulses


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_pulses_follow_the_band(client):
    pulses = client.pulses
    assert pulses
    assert all(client.go_live <= p.date <= AS_OF for p in pulses)
    by_person: dict[str, list[date]] = defaultdict(list)
    for p in sorted(pulses, key=lambda p: p.date):
        by_person[p.respondent].append(p.date)
    assert len(by_person) >= 2
    for dates in by_person.values():
        assert all(14 <= (b - a).days <= 31 for a, b in zip(dates, dates[1:])), dates
    recent = [p for p in pulses if AS_OF - p.date <= timedelta(days=30)]
    band = latest_band(client)
    if band == "green":
        assert sum(p.recommend >= 9 for p in pulses) > len(pulses) / 2
        assert not any(p.recommend <= 6 for p in pulses)
    elif band == "red":
        assert sum(p.recommend <= 6 for p in recent) > len(recent) / 2
        assert not any(p.recommend >= 9 for p in recent)
    elif band == "yellow":
        assert sum(p.recommend <= 6 for p in recent) >= sum(p.recommend >= 9 for p in recent)


# ---------------------------------------------------------------- practice records: outcomes and advocacy


def test_outcomes_give_non_trivial_retention():
    for client in clients():
        assert all(client.go_live < o.date <= AS_OF for o in client.outcomes), client.id
        if day_number(client) > 366:
            assert client.outcomes, client.id
        if client.status != "active":
            assert any(o.kind == "ended" for o in client.outcomes), client.id
    kinds = Counter(o.kind for c in clients() for o in c.outcomes)
    assert kinds.keys() == {"renewed", "extended", "ended"}, kinds


def test_testimonials_and_referrals_come_from_green_clients():
    answers = Counter(t.answer for c in clients() for t in c.testimonials)
    assert answers["given"] >= 2 and answers["pending"] == 1 and answers["declined"] == 1, answers
    referrals = [r for c in clients() for r in c.referrals]
    assert len(referrals) >= 2
    for client in clients():
        if client.testimonials or client.referrals:
            assert latest_band(client) == "green", client.id
        for t in client.testimonials:
            assert client.go_live < t.requested <= AS_OF and (t.answered is None or t.answered <= AS_OF)
        assert all(client.go_live < r.date <= AS_OF for r in client.referrals), client.id
    (became,) = [r for r in referrals if r.became_engagement]
    (engaged,) = [c for c in clients() if c.name.startswith(became.prospect)]
    assert became.date < engaged.go_live


# ---------------------------------------------------------------- practice records: learnings, checklist, closed


@pytest.mark.parametrize("client", clients(), ids=lambda c: c.id)
def test_learnings(client):
    assert 1 <= len(client.learnings) <= 4
    people = {c.name for c in client.contacts} | {c.owner for c in clients()}
    for learning in client.learnings:
        assert learning.what and learning.why
        assert learning.who in people, learning.who
        assert learning.date <= AS_OF


def test_knowledge_transfer_checklists():
    keys = [i.key for i in default_checklist()]
    full, partial = [], []
    for client in clients():
        if not client.checklist:
            assert not 61 <= day_number(client) <= 120, client.id
            continue
        assert [i.key for i in client.checklist] == keys, client.id
        for item in client.checklist:
            assert item.done == (item.done_on is not None), (client.id, item.key)
            assert item.done_on is None or client.go_live <= item.done_on <= AS_OF, (client.id, item.key)
        done = sum(i.done for i in client.checklist)
        if done == len(keys):
            full.append(client.id)
        else:
            assert done > 0 and 61 <= day_number(client) <= 120, client.id
            partial.append(client.id)
    assert len(full) == 1 and len(partial) >= 2, (full, partial)


def test_won_and_lost_opportunities_have_a_close_date():
    for client in clients():
        for o in client.opportunities:
            if o.stage in ("won", "lost"):
                assert o.closed_on is not None and client.go_live < o.closed_on <= AS_OF, o.title
            else:
                assert o.closed_on is None, o.title


def test_days_written_inside_texts_move_with_the_demo():
    """A day named in a text ("QBR 2026-06-03") moves with the demo as its dates do, so a December agenda's texts
    do not speak of June."""
    from carebench.app.demo import load_demo_portfolio, read_demo_portfolio

    anchor = date(2026, 12, 2)
    days = (anchor - date(2026, 6, 15)).days
    written = re.compile(r"\d{4}-\d{2}-\d{2}")

    def texts(value, path=()):
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from texts(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from texts(item, (*path, index))

    before = dict(texts(read_demo_portfolio().model_dump()))
    after = dict(texts(load_demo_portfolio(anchor, "ana").model_dump()))
    named = {path: text for path, text in before.items() if written.search(text)}
    assert named, "the demo names days in its texts"
    for path, text in named.items():
        moved = written.sub(lambda found: (date.fromisoformat(found.group()) + timedelta(days=days)).isoformat(), text)
        assert after[path] == moved, path
