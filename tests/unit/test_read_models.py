"""What the application layer's queries read from the derived rows is what the plain computation gives.

The agenda, the triage, health and the KPI dashboard come from rows kept at write time;
each is checked here, on many days, against the straightforward computation of the core's
rules over a client's whole history. The core's own fast paths (an agenda window worked out
once for several days, retention on floats) are checked against their plain rules too.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebench.app import queries
from carebench.app.session import Session
from carebench.core.calendar import WorkCalendar
from carebench.core.finance import financials
from carebench.core.health import assessment_band, band_of, health_report, latest_on_or_before, overall_score, previous_of
from carebench.core.kpis import exact, kpi_status, retained_note, retention, versus_benchmark
from carebench.core.models import (
    SUBSCORES,
    Assessment,
    Client,
    Kpi,
    Opportunity,
    Portfolio,
    Reading,
    RolloutWave,
    Scores,
    TouchpointException,
)
from carebench.core.phases import day_number, support_phase
from carebench.core.pipeline import pipeline_totals
from carebench.core.rules import DEFAULT_RULES, Rules
from carebench.core.schedule import (
    AgendaItem,
    agenda_rows,
    agenda_window,
    client_agenda,
    client_band,
    overdue,
    schedule,
)
from carebench.core.support import is_open, priority_of, support_kpis
from carebench.core.terms import seniority
from carebench.core.triage import TriageFacts, biggest_drop, critical_order, triage_reason
from carebench.store import Store

DAY = date(2026, 6, 15)
GREEN = dict(achievement=9, trend=9, sustainability=9, adherence=8, engagement=8, leadership=8, communication=8, satisfaction=8, expansion_interest=8)
YELLOW = {k: 7 for k in GREEN}
RED = {k: 4 for k in GREEN}


# ----- the plain computations the fast paths must agree with ------------------------------


def plain_agenda(client: Client, day: date) -> list[dict]:
    """The agenda rows as defined: the schedule since go-live, missed touchpoints grouped per kind, then what is due."""
    touchpoints = schedule(client, min(client.go_live, day), day)
    common = dict(
        client=client.id,
        client_name=client.name,
        owner=client.owner,
        band=client_band(client, day),
        phase=support_phase(day_number(client.go_live, day)),
    )
    groups = defaultdict(list)
    for tp in overdue(touchpoints, day):
        groups[tp.kind].append(tp)
    items = [
        AgendaItem(kind=kind, date=missed[-1].date, status="overdue", missed=len(missed), covers=missed[-1].covers, **common)
        for kind, missed in groups.items()
    ]
    items += [
        AgendaItem(kind=tp.kind, date=tp.date, status="due", covers=tp.covers, **common)
        for tp in touchpoints
        if tp.date == day and tp.status == "scheduled"
    ]
    return [item.model_dump(mode="json") for item in items]


def plain_retention(direction, baseline, current, peak, threshold):
    gained = exact(peak) - exact(baseline)
    if (gained if direction == "higher" else -gained) <= 0:
        return None, False
    ratio = (exact(current) - exact(baseline)) / gained
    return round(float(ratio), 3), ratio < exact(threshold)


def _num(value):
    return float(value) if hasattr(value, "as_tuple") else value


def plain_health(client: Client, day: date, rules: Rules = DEFAULT_RULES) -> dict:
    """A client's health on ``day`` from every assessment it has."""
    latest = latest_on_or_before(client.assessments, day)
    if latest is None:
        return {
            "client": client.id,
            "client_name": client.name,
            "date": None,
            "overall": None,
            "band": None,
            "components": None,
            "previous_overall": None,
            "delta": None,
            "drivers": [],
        }
    report = health_report(latest, previous_of(client.assessments, latest), rules.weights)
    return {
        "client": client.id,
        "client_name": client.name,
        "date": report.date.isoformat(),
        "overall": _num(report.overall),
        "band": report.band,
        "components": {
            name: {"score": _num(c.score), "weight": _num(c.weight), "subscores": dict(c.subscores)} for name, c in report.components.items()
        },
        "previous_overall": _num(report.previous_overall),
        "delta": _num(report.delta),
        "drivers": [d.model_dump() for d in report.drivers],
        "note": report.note,
    }


def plain_triage_row(client: Client, day: date, rules: Rules = DEFAULT_RULES) -> dict:
    """A client's triage row from its whole history: the schedule from ``day`` on, every KPI's every reading."""
    health = plain_health(client, day, rules)
    number = day_number(client.go_live, day)
    upcoming = schedule(client, day, day + timedelta(days=400), rules.plans, rules.calendar)
    next_tp = next((tp for tp in upcoming if tp.status == "scheduled"), None)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    facts = plain_facts(client, day, rules)
    reason = triage_reason(facts)
    return {
        "client": client.id,
        "client_name": client.name,
        "owner": client.owner,
        "tier": client.tier,
        "status": client.status,
        "day": number,
        "phase": support_phase(number),
        "overall": health["overall"],
        "band": health["band"],
        "delta": health["delta"],
        "assessed": health["date"],
        "next_touchpoint": next_tp.model_dump(mode="json", include={"date", "kind"}) if next_tp else None,
        "backsliding": sum(s.backsliding for s in statuses),
        "kpis_on_target": sum(bool(s.on_target) for s in statuses),
        "kpis": len(statuses),
        "weighted_pipeline": pipeline_totals(client.opportunities).weighted,
        "overdue": facts.overdue,
        "open_p1": facts.open_p1,
        "open_tickets": facts.open_tickets,
        "reason": reason.text,
        "reason_short": reason.short,
        "critical": list(critical_order(facts)),
    }


def plain_facts(client: Client, day: date, rules: Rules = DEFAULT_RULES) -> TriageFacts:
    """What triage weighs of a client on ``day``, from its whole history."""
    health = plain_health(client, day, rules)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    missed = [(i["kind"], i["missed"]) for i in plain_agenda(client, day) if i["status"] == "overdue"] if client.status == "active" else []
    midnight = datetime.combine(day + timedelta(days=1), time())
    priorities = [priority_of(t) for t in client.tickets if is_open(t, midnight)]
    return TriageFacts(
        tier=client.tier,
        day=day_number(client.go_live, day),
        band=health["band"],
        overall=health["overall"],
        drop=biggest_drop(tuple((d["subscore"], d["before"], d["after"]) for d in health["drivers"])),
        backsliding=sum(s.backsliding for s in statuses),
        overdue=sum(count for _, count in missed),
        overdue_kind=min((kind for kind, _ in missed), key=seniority, default=None),
        open_p1=priorities.count("P1"),
        open_p2=priorities.count("P2"),
        open_tickets=len(priorities),
        status=client.status,
    )


def plain_dashboard(client: Client, day: date, recent: int, rules: Rules = DEFAULT_RULES) -> dict:
    """A client's KPI dashboard from every reading: its own KPIs, then the support KPIs of its tickets."""
    kpis = []
    from carebench.core.support import response_due, ticket_tier

    due = lambda ticket: response_due(ticket, ticket_tier(client, ticket), rules)  # noqa: E731
    for kpi in [*client.kpis, *support_kpis(client.tickets, day, response_due=due)]:
        status = kpi_status(kpi, day, rules.retained_threshold).model_dump(mode="json")
        later = {name: status.pop(name) for name in ("team", "benchmark", "forecast", "forecast_date")}  # after the note
        status["retained_note"] = retained_note(kpi.direction, kpi.baseline, kpi.target, status["peak"], status["retained"])
        if status["retained_note"]:
            status["retained"] = None
        status.update(later, vs_benchmark=versus_benchmark(kpi.unit, kpi.benchmark, status["current"]))
        upto = [r for r in kpi.readings if r.date <= day]
        status["recent"] = [{"date": r.date.isoformat(), "value": r.value} for r in (upto[-recent:] if recent > 0 else upto)]
        kpis.append(status)
    return {
        "client": client.id,
        "client_name": client.name,
        "kpis": kpis,
        "financials": financials(client.savings, client.investment, client.roi_target, day).model_dump(mode="json"),
        "action_items": [a.model_dump(mode="json") for a in client.action_items if a.status == "open"],
        "ticket_categories": plain_categories(client, day),
        "tickets_by_category": {
            "since": (day - timedelta(days=day.weekday()) - timedelta(weeks=11)).isoformat(),
            "until": day.isoformat(),
            "at": f"{day.isoformat()}T23:59",
            "came_in": plain_categories(client, day),
            "open": plain_open_categories(client, datetime.combine(day, time(23, 59))),
        },
        "rollout": plain_rollout(client, day),
    }


def plain_rollout(client: Client, day: date) -> dict:
    """The rollout as the rule says it: live over planned across the sized waves, in % to one decimal (halves up)."""
    sized = [w for w in client.rollout if w.planned is not None]
    live, planned = sum(w.live for w in sized), sum(w.planned or 0 for w in sized)

    def pct(part: int, whole: int) -> float:
        return float((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))

    def state(w) -> str:
        if w.planned is None:
            return "not_sized"
        if w.live >= w.planned:
            return "complete"
        return "rolling_out" if w.live else "late" if w.planned_date and w.planned_date < day else "planned"

    waves = [
        {
            "number": n,
            "name": w.name,
            "unit": w.unit,
            "planned": w.planned,
            "live": w.live,
            "planned_date": w.planned_date and w.planned_date.isoformat(),
            "live_on": w.live_on and w.live_on.isoformat(),
            "share": None if w.planned is None else pct(w.live, w.planned),
            "state": state(w),
        }
        for n, w in enumerate(client.rollout, 1)
    ]
    unsized = [w for w in client.rollout if w.planned is None]
    return {
        "client": client.id,
        "adoption_share": pct(live, planned) if planned else None,
        "live": live,
        "planned": planned,
        "unit": client.rollout[0].unit if client.rollout else None,
        "not_sized": len(unsized),
        "live_not_sized": sum(w.live for w in unsized),
        "waves": waves,
    }


def plain_open_categories(client: Client, at: datetime) -> dict[str, int]:
    """Tickets opened by ``at`` and not resolved by then, per category, most first."""
    counts: dict[str, int] = defaultdict(int)
    for ticket in client.tickets:
        if ticket.opened <= at and (ticket.resolved is None or ticket.resolved > at):
            counts[ticket.category] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def plain_categories(client: Client, day: date) -> dict[str, int]:
    """Tickets opened from the Monday eleven weeks before the day's week up to the day, per category, most first."""
    first = day - timedelta(days=day.weekday()) - timedelta(weeks=11)
    counts: dict[str, int] = defaultdict(int)
    for ticket in client.tickets:
        if first <= ticket.opened.date() <= day:
            counts[ticket.category] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def same_json(a, b) -> bool:
    """Equal, keys in the same order too (the CLI prints them)."""
    return json.dumps(a) == json.dumps(b)


# ----- a generated portfolio with every kind of departure ---------------------------------


def scores(rng: random.Random) -> Scores:
    base = rng.choice([GREEN, GREEN, YELLOW, RED])
    return Scores(**{k: max(1, min(10, v + rng.randint(-1, 1))) for k, v in base.items()})


def make_client(n: int, rng: random.Random, moves: bool = True) -> Client:
    tier = rng.choice(["platinum", "gold", "silver"])
    go_live = DAY - timedelta(days=rng.randint(-20, 700))
    assessments = [
        Assessment(date=go_live + timedelta(days=d), scores=scores(rng))
        for d in range(7, max(8, (DAY - go_live).days + 30), rng.choice([12, 14, 21]))
    ]
    plain = Client(id=f"c{n:02d}", name=f"Client {n:02d}", tier=tier, go_live=go_live, owner=rng.choice(["ana", "bob"]), assessments=assessments)
    exceptions = {}
    for tp in schedule(plain, go_live, DAY + timedelta(days=20)):
        roll = rng.random()
        if roll < 0.45:
            exceptions[(tp.date, tp.kind)] = TouchpointException(date=tp.date, kind=tp.kind, status="done")
        elif roll < 0.55:
            exceptions[(tp.date, tp.kind)] = TouchpointException(date=tp.date, kind=tp.kind, status="skipped", reason="away")
        elif moves and roll < 0.6:
            exceptions[(tp.date, tp.kind)] = TouchpointException(
                date=tp.date, kind=tp.kind, status="moved", moved_to=tp.date + timedelta(days=rng.randint(-40, 40) or 1)
            )
    kpis = []
    for k in range(3):
        direction = rng.choice(["higher", "lower"])
        baseline = round(rng.uniform(20, 60), 1)
        target = baseline + (15 if direction == "higher" else -15)
        start = go_live - timedelta(days=rng.randint(0, 30))
        readings = [
            Reading(date=start + timedelta(days=7 * w), value=round(baseline + rng.uniform(-8, 20) * (1 if direction == "higher" else -1), 2))
            for w in range(rng.randint(0, 130))
        ]
        kpis.append(
            Kpi(key=f"k{k}", name=f"KPI {k}", category="leading", unit="%", direction=direction, baseline=baseline, target=target, readings=readings)
        )
    opportunities = [
        Opportunity(
            title=f"Deal {i}",
            value=1000.0 * rng.randint(1, 90),
            probability=rng.randint(0, 100),
            stage=rng.choice(["identified", "qualified", "proposed"]),
        )
        for i in range(rng.randint(0, 3))
    ]
    waves_rng = random.Random(n)  # its own numbers, so the rest of the portfolio is as it was before waves
    rollout = [
        RolloutWave(
            name=f"Wave {w}",
            planned=waves_rng.choice([None, 1, 3, 40, 250]),
            live=waves_rng.choice([0, 1, 2, 30, 260]),
            planned_date=waves_rng.choice([None, DAY - timedelta(days=60), DAY + timedelta(days=30)]),
        )
        for w in range(waves_rng.choice([0, 0, 1, 3]))
    ]
    return plain.model_copy(
        update={
            "exceptions": list(exceptions.values()),
            "kpis": kpis,
            "opportunities": opportunities,
            "status": "active" if rng.random() < 0.9 else "handed_over",
            "rollout": rollout,
        }
    )


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    rng = random.Random(20260615)
    return Portfolio(clients=[make_client(n, rng) for n in range(24)])


@pytest.fixture
def store(tmp_path, portfolio):
    with Store(tmp_path / "p.db", actor="ana") as store:
        store.import_portfolio(portfolio)
        yield store


@pytest.fixture
def session(store):
    return Session(store.path, DAY)


# ----- the agenda -------------------------------------------------------------------------


def test_the_generated_portfolio_has_moves_and_all_bands(portfolio):
    statuses = {e.status for c in portfolio.clients for e in c.exceptions}
    assert statuses == {"done", "skipped", "moved"}
    assert {client_band(c, DAY) for c in portfolio.clients} >= {"green", "yellow", "red"}


@pytest.mark.parametrize("offset", [-30, 0, 1, 6, 13])
def test_a_window_gives_the_plain_agenda_on_each_of_its_days(portfolio, offset):
    start = DAY + timedelta(days=offset)
    for client in portfolio.clients:
        window = agenda_window(client, start, start + timedelta(days=13))
        for later in range(14):
            day = start + timedelta(days=later)
            assert agenda_rows(window, day) == plain_agenda(client, day), (client.id, day)
            assert [i.model_dump(mode="json") for i in client_agenda(client, day)] == plain_agenda(client, day)


def test_agenda_rows_have_the_agenda_item_fields_in_order(portfolio):
    rows = [row for c in portfolio.clients for row in agenda_rows(agenda_window(c, DAY, DAY), DAY)]
    assert rows and all(list(row) == list(AgendaItem.model_fields) for row in rows)


def test_a_day_outside_the_window_is_refused(portfolio):
    window = agenda_window(portfolio.clients[0], DAY, DAY + timedelta(days=3))
    with pytest.raises(ValueError):
        agenda_rows(window, DAY + timedelta(days=4))


dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30))
score = st.integers(min_value=1, max_value=10)


@settings(max_examples=60, deadline=None)
@given(
    tier=st.sampled_from(["platinum", "gold", "silver"]),
    go_live=dates,
    assessments=st.lists(st.tuples(st.integers(-20, 300), st.fixed_dictionaries({k: score for k in GREEN})), max_size=5, unique_by=lambda t: t[0]),
    outcomes=st.lists(st.tuples(st.integers(0, 400), st.sampled_from(["done", "skipped", "moved"]), st.integers(-30, 30)), max_size=12),
    start=st.integers(-30, 300),
    days=st.integers(1, 20),
)
def test_property_windowed_agenda_is_the_plain_agenda(tier, go_live, assessments, outcomes, start, days):
    base = Client(
        id="acme",
        name="Acme",
        tier=tier,
        go_live=go_live,
        owner="ana",
        assessments=[Assessment(date=go_live + timedelta(days=d), scores=Scores(**s)) for d, s in assessments],
    )
    plain = schedule(base, go_live, go_live + timedelta(days=420))
    exceptions = {}
    for index, status, shift in outcomes:
        if plain:
            tp = plain[index % len(plain)]
            moved_to = tp.date + timedelta(days=shift or 1) if status == "moved" else None
            exceptions[(tp.date, tp.kind)] = TouchpointException(
                date=tp.date, kind=tp.kind, status=status, moved_to=moved_to, reason="r" if status == "skipped" else None
            )
    client = base.model_copy(update={"exceptions": list(exceptions.values())})
    first = go_live + timedelta(days=start)
    window = agenda_window(client, first, first + timedelta(days=days - 1))
    for later in range(days):
        day = first + timedelta(days=later)
        assert agenda_rows(window, day) == plain_agenda(client, day)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({k: score for k in SUBSCORES}))
def test_property_remembered_band_is_the_band_of_the_overall_score(values):
    found = Scores(**values)
    assert assessment_band(found) == band_of(overall_score(found))


@pytest.mark.parametrize("offset", [-30, 0, 1, 5, 13])
def test_the_agenda_is_the_plain_agenda(session, portfolio, offset):
    day = DAY + timedelta(days=offset)
    active = [c for c in portfolio.clients if c.status == "active"]
    shown = queries.agenda(session.on(day)).to_json()["items"]
    assert sorted(json.dumps(i, sort_keys=True) for i in shown) == sorted(json.dumps(i, sort_keys=True) for c in active for i in plain_agenda(c, day))
    mine = queries.agenda(session.on(day), owner="bob").to_json()["items"]
    assert mine == [i for i in shown if i["owner"] == "bob"]


# ----- triage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day", [DAY, DAY - timedelta(days=40), DAY - timedelta(days=300), DAY + timedelta(days=9)], ids=["today", "weeks-ago", "months-ago", "ahead"]
)
def test_triage_is_the_plain_triage_row_of_every_client(store, session, day):
    plain = [plain_triage_row(c, day) for c in store.clients(parts={"kpis", "readings", "assessments", "exceptions", "opportunities"})]
    assert same_json([row.to_json() for row in queries.triage(session.on(day))], plain)


@settings(max_examples=2000, deadline=None)
@given(
    direction=st.sampled_from(["higher", "lower"]),
    values=st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.decimals(-1000, 1000, places=3).map(float), st.sampled_from([0.0, -0.0, 0.8, 0.1, 0.2, 0.3, 1e-9])),
        min_size=3,
        max_size=3,
    ),
    threshold=st.sampled_from([0.8, 0.5, 0.75, 1.0, 0.1, 0.333]),
)
def test_property_retention_is_the_exact_fraction_rule(direction, values, threshold):
    baseline, current, peak = values

    def outcome(rule):
        try:
            return rule(direction, baseline, current, peak, threshold)
        except OverflowError:  # a share beyond any float (a gain of 1e-311): both give up alike
            return "overflow"

    assert outcome(retention) == outcome(plain_retention)


def test_retention_on_an_exact_tie_with_the_threshold():
    # current keeps exactly 80% of the gain: not backsliding; a hair less is
    assert retention("higher", 10.0, 18.0, 20.0, 0.8) == (0.8, False)
    assert retention("higher", 10.0, 17.999999, 20.0, 0.8) == (0.8, True)
    assert retention("lower", 20.0, 12.0, 10.0, 0.8) == (0.8, False)
    assert Fraction(0.8) != exact(0.8)  # why the rule works on the written decimals


# ----- the KPI dashboard ------------------------------------------------------------------


@pytest.mark.parametrize("recent", [30, 5, 100_000, 0])
@pytest.mark.parametrize("day", [DAY, DAY - timedelta(days=200), DAY - timedelta(days=900)], ids=["today", "earlier", "before"])
def test_dashboard_from_the_deciding_readings_is_the_whole_history_result(store, session, day, recent):
    for client_id in [c for c in store.client_ids()][:12]:
        whole = plain_dashboard(store.client(client_id), day, recent)
        assert same_json(queries.kpi_dashboard(session.on(day), client_id, recent=recent).to_json(), whole), client_id


def test_dashboard_of_a_long_history_with_an_early_peak(tmp_path):
    """600 readings, the best one long before the latest 30: status, count and recent readings all as from the whole."""
    readings = [Reading(date=date(2014, 1, 6) + timedelta(days=7 * w), value=50.0 + (40.0 if w == 3 else (w % 17) / 3)) for w in range(600)]
    client = Client(
        id="long",
        name="Long History",
        tier="gold",
        go_live=date(2014, 1, 1),
        owner="ana",
        kpis=[
            Kpi(key="up", name="Up", category="lagging", unit="%", direction="higher", baseline=50.0, target=70.0, readings=readings),
            Kpi(
                key="down",
                name="Down",
                category="leading",
                unit="days",
                direction="lower",
                baseline=60.0,
                target=40.0,
                readings=[Reading(date=r.date, value=100.0 - r.value) for r in readings],
            ),
            Kpi(key="none", name="None yet", category="diagnostic", direction="higher", baseline=1.0, target=2.0),
        ],
    )
    with Store(tmp_path / "long.db", actor="ana") as store:
        store.import_portfolio(Portfolio(clients=[client]))
    session = Session(tmp_path / "long.db", readings[-1].date)
    with Store(tmp_path / "long.db", readonly=True) as store:
        for day in (readings[-1].date, readings[100].date, readings[2].date, date(2013, 1, 1)):
            whole = plain_dashboard(store.client("long"), day, 30)
            shown = queries.kpi_dashboard(session.on(day), "long").to_json()
            assert same_json(shown, whole)
        latest = queries.kpi_dashboard(session, "long").to_json()
        up = latest["kpis"][0]
        assert up["readings_count"] == 600 and up["peak"] == 90.0 and len(up["recent"]) == 30 and up["backsliding"]


# ----- building models ---------------------------------------------------------------------


def test_model_builder_makes_what_model_construct_makes():
    from carebench.core.models import Reading
    from carebench.store.construct import constructor

    made, expected = constructor(Reading, ("date", "value"))(DAY, 1.5), Reading.model_construct(date=DAY, value=1.5)
    assert made == expected and made.model_dump() == expected.model_dump() and made.model_fields_set == expected.model_fields_set
    assert (made.__pydantic_extra__, made.__pydantic_private__) == (expected.__pydantic_extra__, expected.__pydantic_private__)
    copy = made.model_copy(update={"value": 2.0})
    assert copy.value == 2.0 and made.value == 1.5 and copy.model_fields_set is not made.model_fields_set


def test_model_builder_falls_back_when_fields_do_not_line_up():
    build = Store._constructor(Assessment, ("date", "scores"))  # note and author left to their defaults
    made = build(DAY, Scores(**GREEN))
    assert made == Assessment.model_construct(date=DAY, scores=Scores(**GREEN)) and made.note is None


# ----- health ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", [DAY, DAY - timedelta(days=100), DAY - timedelta(days=800)], ids=["today", "earlier", "before"])
def test_health_of_every_client_is_its_whole_history_health(store, session, day):
    clients = store.clients(parts={"kpis", "readings", "assessments", "exceptions", "tickets"}, active_only=True)
    facts = {c.id: plain_facts(c, day) for c in clients}
    plain = sorted(
        ({**plain_health(c, day), "reason": triage_reason(facts[c.id]).text} for c in clients),
        key=lambda r: (critical_order(facts[r["client"]]), r["client_name"].casefold(), r["client"]),
    )
    shown = [h.to_json() for h in queries.health_list(session.on(day))]
    assert same_json(shown, plain)


def test_the_week_calendar_of_the_rules_is_used(store, session, portfolio):
    from dataclasses import replace

    every_day = Rules(calendar=WorkCalendar(weekdays=frozenset(range(7))))
    saturday = DAY + timedelta(days=5)
    items = queries.agenda(replace(session, given_rules=every_day).on(saturday)).to_json()["items"]
    active = [c for c in portfolio.clients if c.status == "active"]
    expected = [i.model_dump(mode="json") for c in active for i in client_agenda(c, saturday, calendar=every_day.calendar)]
    assert sorted(json.dumps(i, sort_keys=True) for i in items) == sorted(json.dumps(i, sort_keys=True) for i in expected)
    assert items != queries.agenda(session.on(saturday)).to_json()["items"]
