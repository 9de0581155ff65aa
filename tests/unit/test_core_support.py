"""Tests for the support rules in carebench.core.support and the open-P1 alert in carebench.core.alerts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebench.core import alerts
from carebench.core.models import Client, Pulse, Ticket
from carebench.core.support import (
    PRIORITY_MATRIX,
    SUPPORT_KPI_KEYS,
    is_open,
    nps,
    nps_by_quarter,
    priority,
    resolution_hours,
    satisfaction_suggestion,
    support_kpis,
    ticket_subject,
)


def ticket(
    ref: str,
    impact: str,
    users: str,
    opened: str,
    resolved: str | None = None,
    *,
    escalated: bool = False,
    first_contact: bool = False,
    title: str = "Something broke",
) -> Ticket:
    return Ticket(
        ref=ref,
        title=title,
        impact=impact,
        users=users,
        opened=datetime.fromisoformat(opened),
        resolved=datetime.fromisoformat(resolved) if resolved else None,
        escalated=escalated,
        first_contact=first_contact,
    )


def pulse(day: str, recommend: int, satisfaction: int = 3) -> Pulse:
    return Pulse(date=date.fromisoformat(day), respondent="someone", recommend=recommend, satisfaction=satisfaction)


# ----- priority ----------------------------------------------------------------------------

PRIORITY_CASES = [
    ("high", "many", "P1"),
    ("high", "some", "P2"),
    ("high", "few", "P3"),
    ("medium", "many", "P2"),
    ("medium", "some", "P3"),
    ("medium", "few", "P4"),
    ("low", "many", "P3"),
    ("low", "some", "P4"),
    ("low", "few", "P4"),
]


@pytest.mark.parametrize(("impact", "users", "expected"), PRIORITY_CASES, ids=[f"{i}-{u}" for i, u, _ in PRIORITY_CASES])
def test_priority_matrix(impact, users, expected):
    assert priority(impact, users) == expected


def test_priority_matrix_is_complete():
    assert len(PRIORITY_MATRIX) == 9


@pytest.mark.parametrize(("impact", "users"), [("urgent", "many"), ("high", "all"), ("High", "many")], ids=["bad-impact", "bad-users", "capitalised"])
def test_priority_rejects_unknown_values(impact, users):
    with pytest.raises(ValueError, match="no priority"):
        priority(impact, users)


# ----- open and resolution time ----------------------------------------------------------

OPEN_TICKET = ticket("T-1", "high", "many", "2026-06-10T09:00", "2026-06-11T10:30")

OPEN_CASES = [
    ("before-opening", "2026-06-10T08:59", False),
    ("at-opening", "2026-06-10T09:00", True),
    ("in-between", "2026-06-11T10:29", True),
    ("at-resolution", "2026-06-11T10:30", False),
    ("after-resolution", "2026-06-12T00:00", False),
]


@pytest.mark.parametrize(("at", "expected"), [c[1:] for c in OPEN_CASES], ids=[c[0] for c in OPEN_CASES])
def test_is_open(at, expected):
    assert is_open(OPEN_TICKET, datetime.fromisoformat(at)) is expected


def test_unresolved_ticket_stays_open():
    t = ticket("T-2", "low", "few", "2026-06-10T09:00")
    assert is_open(t, datetime(2030, 1, 1))
    assert resolution_hours(t) is None


def test_resolution_hours():
    # 09:00 to 10:30 the next day = 25.5 hours
    assert resolution_hours(OPEN_TICKET) == 25.5


# ----- weekly support KPIs -------------------------------------------------------------------

# as_of Wednesday 2026-06-17. Weeks: 06-01..06-07, 06-08..06-14, running 06-15..06-17.
LOG = [
    ticket("T1", "high", "many", "2026-06-03T09:00", "2026-06-03T13:00", first_contact=True),  # P1, 4 h
    ticket("T2", "medium", "few", "2026-06-05T10:00", "2026-06-09T10:00", escalated=True),  # P4, 96 h, across weeks
    ticket("T3", "high", "some", "2026-06-06T08:00", "2026-06-16T08:00"),  # P2, 240 h
    ticket("T4", "low", "few", "2026-06-10T09:00", "2026-06-10T09:30", first_contact=True),  # P4, 0.5 h
    ticket("T5", "medium", "many", "2026-06-16T12:00"),  # P2, open
    ticket("T6", "high", "many", "2026-06-18T08:00"),  # after as_of: ignored
]
AS_OF = date(2026, 6, 17)


def by_key(kpis) -> dict:
    return {k.key: k for k in kpis}


def series(kpi) -> list[tuple[str, float]]:
    return [(r.date.isoformat(), r.value) for r in kpi.readings]


SERIES_CASES = [
    # week 1 opened T1 T2 T3; week 2 opened T4; the running week opened T5 (T6 is after as_of)
    ("volume", "support-volume", [("2026-06-07", 3), ("2026-06-14", 1), ("2026-06-17", 1)]),
    # week 1 resolved T1 (4 h); week 2 T2 and T4: median (96 + 0.5) / 2 = 48.25 -> 48.3; running week T3 (240 h)
    ("median-resolution", "support-resolution-hours", [("2026-06-07", 4.0), ("2026-06-14", 48.3), ("2026-06-17", 240.0)]),
    # resolved at first contact: 1 of 1, 1 of 2 (T4 yes, T2 no), 0 of 1
    ("first-contact", "support-first-contact", [("2026-06-07", 100.0), ("2026-06-14", 50.0), ("2026-06-17", 0.0)]),
    # escalated among opened: 1 of 3 = 33.33 -> 33.3, 0 of 1, 0 of 1
    ("escalation", "support-escalation", [("2026-06-07", 33.3), ("2026-06-14", 0.0), ("2026-06-17", 0.0)]),
    # open P1/P2 at week end: T3 (P2) at 06-07 and 06-14; T5 (P2) on 06-17 (T3 resolved 06-16)
    ("open-p1p2", "support-open-p1p2", [("2026-06-07", 1), ("2026-06-14", 1), ("2026-06-17", 1)]),
]


@pytest.mark.parametrize(("key", "expected"), [c[1:] for c in SERIES_CASES], ids=[c[0] for c in SERIES_CASES])
def test_support_kpi_weeks(key, expected):
    kpi = by_key(support_kpis(LOG, AS_OF))[key]
    assert series(kpi) == expected
    assert kpi.category == "diagnostic"


SHAPE_CASES = [
    # key, unit, direction, baseline, target
    ("support-volume", "", "lower", 3, 1.5),  # volume target: half the first week's 3
    ("support-resolution-hours", "h", "lower", 4.0, 24.0),
    ("support-first-contact", "%", "higher", 100.0, 70.0),
    ("support-escalation", "%", "lower", 33.3, 10.0),
    ("support-open-p1p2", "", "lower", 1, 0.0),
]


@pytest.mark.parametrize(("key", "unit", "direction", "baseline", "target"), SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_support_kpi_shape(key, unit, direction, baseline, target):
    kpi = by_key(support_kpis(LOG, AS_OF))[key]
    assert (kpi.unit, kpi.direction, kpi.baseline, kpi.target) == (unit, direction, baseline, target)


def test_support_kpis_come_in_a_fixed_order():
    # the share of responses on time needs each ticket's response due time
    assert [k.key for k in support_kpis(LOG, AS_OF)] == [key for key in SUPPORT_KPI_KEYS if key != "support-response-on-time"]


def test_only_the_last_weeks_count_and_the_baseline_moves_with_them():
    kpis = by_key(support_kpis(LOG, AS_OF, weeks=2))
    assert series(kpis["support-volume"]) == [("2026-06-14", 1), ("2026-06-17", 1)]
    # baseline is now week 2's volume 1, target half of it
    assert (kpis["support-volume"].baseline, kpis["support-volume"].target) == (1, 0.5)
    assert kpis["support-resolution-hours"].baseline == 48.3


def test_week_without_resolutions_or_new_tickets_gives_no_reading():
    # opened Monday 06-08, resolved Tuesday 06-16 (8 days = 192 h); nothing else
    log = [ticket("X", "low", "few", "2026-06-08T09:00", "2026-06-16T09:00", escalated=True)]
    kpis = by_key(support_kpis(log, AS_OF))
    assert series(kpis["support-volume"]) == [("2026-06-14", 1), ("2026-06-17", 0)]
    assert series(kpis["support-resolution-hours"]) == [("2026-06-17", 192.0)]
    assert series(kpis["support-first-contact"]) == [("2026-06-17", 0.0)]
    assert series(kpis["support-escalation"]) == [("2026-06-14", 100.0)]  # nobody opened in the running week
    assert series(kpis["support-open-p1p2"]) == [("2026-06-14", 0), ("2026-06-17", 0)]  # P4 is not counted


def test_kpi_without_any_reading_is_left_out():
    log = [ticket("X", "low", "few", "2026-06-08T09:00")]  # never resolved
    assert [k.key for k in support_kpis(log, AS_OF)] == ["support-volume", "support-escalation", "support-open-p1p2"]


def test_running_week_on_a_sunday_is_dated_that_sunday():
    kpis = by_key(support_kpis(LOG, date(2026, 6, 14)))
    assert series(kpis["support-volume"]) == [("2026-06-07", 3), ("2026-06-14", 1)]


def test_p1_resolved_in_the_weeks_last_minute_is_not_open_at_its_end():
    log = [ticket("X", "high", "many", "2026-06-08T09:00", "2026-06-14T23:59"), ticket("Y", "high", "many", "2026-06-08T09:00", "2026-06-15T00:00")]
    kpis = by_key(support_kpis(log, AS_OF))
    assert series(kpis["support-open-p1p2"]) == [("2026-06-14", 1), ("2026-06-17", 0)]  # only Y was open


@pytest.mark.parametrize(
    ("tickets", "as_of"),
    [
        ([], AS_OF),
        ([ticket("late", "high", "many", "2026-06-18T08:00")], AS_OF),
    ],
    ids=["no-tickets", "only-future-tickets"],
)
def test_no_tickets_no_kpis(tickets, as_of):
    assert support_kpis(tickets, as_of) == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60 * 24 * 40),
            st.one_of(st.none(), st.integers(0, 60 * 24 * 20)),
            st.sampled_from(["high", "medium", "low"]),
            st.sampled_from(["many", "some", "few"]),
        ),
        max_size=12,
    )
)
def test_weekly_volumes_add_up_to_the_tickets_in_the_window(raw):
    start = datetime(2026, 5, 11)  # a Monday; 40 days of openings stay inside 12 weeks up to AS_OF
    log = [
        Ticket(
            ref=f"T{i}",
            title="t",
            impact=impact,
            users=users,
            opened=start + timedelta(minutes=opened),
            resolved=None if took is None else start + timedelta(minutes=opened + took),
        )
        for i, (opened, took, impact, users) in enumerate(raw)
    ]
    kpis = by_key(support_kpis(log, AS_OF))
    known = [t for t in log if t.opened.date() <= AS_OF]
    if not known:
        assert kpis == {}
        return
    assert sum(r.value for r in kpis["support-volume"].readings) == len(known)
    assert all(r.value >= 0 for r in kpis["support-open-p1p2"].readings)
    assert all(r.date <= AS_OF and r.date.weekday() == 6 or r.date == AS_OF for k in kpis.values() for r in k.readings)


# ----- NPS ----------------------------------------------------------------------------------

NPS_CASES = [
    ("no-answers", [], None),
    ("all-promoters", [9, 10, 10], 100),
    ("all-detractors", [0, 6, 3], -100),
    ("passives-only", [7, 8], 0),
    ("promoters-cancel-detractors", [10, 9, 8, 3, 6, 7], 0),
    ("half-rounds-up", [9, 7, 7, 7, 7, 7, 7, 7], 13),  # 1/8 = 12.5 -> 13
    ("half-rounds-away-from-zero", [6, 7, 7, 7, 7, 7, 7, 7], -13),  # -12.5 -> -13
    ("third-rounds-down", [9, 7, 7], 33),  # 33.33 -> 33
    ("two-thirds-rounds-up", [9, 9, 7], 67),  # 66.67 -> 67
    ("edges-6-and-9", [6, 9], 0),
]


@pytest.mark.parametrize(("answers", "expected"), [c[1:] for c in NPS_CASES], ids=[c[0] for c in NPS_CASES])
def test_nps(answers, expected):
    assert nps([pulse("2026-06-01", value) for value in answers]) == expected


def test_nps_by_quarter():
    pulses = [pulse("2026-03-31", 10), pulse("2026-04-01", 0), pulse("2026-06-30", 10), pulse("2026-06-30", 8)]
    quarters = [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 9, 30))]
    # Q2: one promoter, one detractor, one passive -> 0
    assert nps_by_quarter(pulses, quarters) == [100, 0, None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=40))
def test_nps_stays_in_range(answers):
    assert -100 <= nps([pulse("2026-06-01", value) for value in answers]) <= 100


# ----- satisfaction suggestion ----------------------------------------------------------------

SATISFACTION_CASES = [
    ("all-ones", [1, 1], 2),
    ("middle", [3], 6),
    ("all-fives", [5, 5], 10),
    ("4.25-half-up", [5, 4, 4, 4], 9),  # 8.5 -> 9
    ("2.5", [2, 3], 5),
    ("3.67", [3, 4, 4], 7),  # 22/3 = 7.33 -> 7
]


@pytest.mark.parametrize(("values", "score"), [c[1:] for c in SATISFACTION_CASES], ids=[c[0] for c in SATISFACTION_CASES])
def test_satisfaction_mapping(values, score):
    found = satisfaction_suggestion([pulse("2026-06-01", 8, s) for s in values], date(2026, 6, 30))
    assert found.subscore == "satisfaction"
    assert found.score == score


def test_satisfaction_reason():
    pulses = [pulse("2026-06-01", r, s) for r, s in [(10, 5), (9, 4), (8, 4), (7, 4), (10, 5), (3, 3)]]
    found = satisfaction_suggestion(pulses, date(2026, 6, 30))
    # mean 25/6 = 4.17 -> 4.2 shown, 8.33 -> 8; NPS (3 - 1) / 6 = 33.3 -> +33
    assert found.score == 8
    assert found.reason == "mean satisfaction 4.2 of 5 from 6 answers in 90 days, NPS +33"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-01", None),  # the 90 days ending 06-30 run from 04-02
        ("2026-04-02", 2),
        ("2026-06-30", 2),
        ("2026-07-01", None),  # after as_of
    ],
    ids=["day-before-window", "first-day", "as-of-day", "after-as-of"],
)
def test_satisfaction_window(day, expected):
    found = satisfaction_suggestion([pulse(day, 0, 1)], date(2026, 6, 30))
    assert (found.score if found else None) == expected
    if found:
        assert found.reason == "mean satisfaction 1.0 of 5 from 1 answer in 90 days, NPS -100"


# ----- open P1 findings ---------------------------------------------------------------------

NOW = datetime(2026, 6, 15, 10, 0)


def support_client(*tickets: Ticket) -> Client:
    return Client(id="acme", name="Acme", tier="silver", go_live=date(2026, 6, 10), owner="ana", tickets=list(tickets))


P1_CASES = [
    ("exactly-24h", ticket("INC-1", "high", "many", "2026-06-14T10:00"), []),
    ("24h-and-a-minute", ticket("INC-1", "high", "many", "2026-06-14T09:59"), ["ticket-p1-open:acme:inc-1"]),
    ("resolved", ticket("INC-1", "high", "many", "2026-06-10T09:00", "2026-06-15T09:00"), []),
    ("resolved-later", ticket("INC-1", "high", "many", "2026-06-10T09:00", "2026-06-15T10:01"), ["ticket-p1-open:acme:inc-1"]),
    ("p2-not-raised", ticket("INC-1", "high", "some", "2026-06-01T09:00"), []),
    ("opened-later", ticket("INC-1", "high", "many", "2026-06-15T11:00"), []),
]


@pytest.mark.parametrize(("t", "expected"), [c[1:] for c in P1_CASES], ids=[c[0] for c in P1_CASES])
def test_open_p1_finding_after_24_hours(t, expected):
    found = alerts.open_p1_findings(support_client(t), NOW)
    assert [f.id for f in found] == expected
    assert all(f.severity == "high" and f.rule == "ticket-p1-open" for f in found)


def test_open_p1_message_and_id_parse():
    (finding,) = alerts.open_p1_findings(support_client(ticket("INC-7", "high", "many", "2026-06-13T08:30", title="Orders stuck")), NOW)
    # 06-13 08:30 to 06-15 10:00 is 49.5 hours -> 49 whole hours
    assert finding.message == 'Acme: P1 ticket INC-7 "Orders stuck" has been open for 49 hours (since 2026-06-13 08:30)'
    assert alerts.parse_finding_id(finding.id) == ("ticket-p1-open", "acme", "inc-7")


SUBJECT_CASES = [
    ("plain", "INC-0042", "inc-0042"),
    ("symbols", "#A/b  7", "a-b-7"),
    ("underscore-kept", "ops_12", "ops_12"),
    ("leading-junk", "__-x", "x"),
    ("long", "A" * 40, "a" * 40),
]


@pytest.mark.parametrize(("ref", "expected"), [c[1:] for c in SUBJECT_CASES], ids=[c[0] for c in SUBJECT_CASES])
def test_ticket_subject(ref, expected):
    assert ticket_subject(ref) == expected


def test_ticket_subject_without_letters_is_stable_and_valid():
    subject = ticket_subject("!!!")
    assert subject == ticket_subject("!!!") and subject.startswith("ticket-") and len(subject) == 15
    assert subject != ticket_subject("???")
    assert alerts.ID_RE.match(f"ticket-p1-open:acme:{subject}")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: not any(ord(c) < 32 or 127 <= ord(c) <= 159 for c in s)))
def test_ticket_subject_always_makes_a_valid_id(ref):
    assert alerts.ID_RE.match(alerts.finding_id("ticket-p1-open", "acme", ticket_subject(ref)))


def test_the_rule_is_known_to_check():
    assert "ticket-p1-open" in alerts.RULES
    assert alerts.SUBJECT_RULES["ticket-p1-open"] == "ticket"
    with pytest.raises(ValueError, match="name a ticket after the client"):
        alerts.parse_finding_id("ticket-p1-open:acme")


@pytest.mark.parametrize(
    ("opened", "now", "expected"),
    [
        ("2026-06-14T23:59", None, []),  # default now: 06-15 23:59, exactly 24 h
        ("2026-06-14T23:58", None, ["ticket-p1-open:acme:inc-1"]),  # 24 h and a minute
        ("2026-06-14T23:58", datetime(2026, 6, 15, 12, 0), []),  # an earlier now
    ],
    ids=["default-now-exactly-24h", "default-now-over", "explicit-now"],
)
def test_run_checks_measures_tickets_at_now(opened, now, expected):
    client = support_client(ticket("INC-1", "high", "many", opened))
    found = alerts.run_checks([client], [], date(2026, 6, 15), now=now)
    assert [f.id for f in found if f.rule == "ticket-p1-open"] == expected


def test_pulse_summary_counts_answers_up_to_the_day():
    from carebench.core.models import Pulse
    from carebench.core.support import pulse_summary

    answers = [
        Pulse(date=date(2026, 3, 10), respondent="a", recommend=6, satisfaction=3),
        Pulse(date=date(2026, 5, 10), respondent="a", recommend=9, satisfaction=4),
        Pulse(date=date(2026, 5, 12), respondent="b", recommend=10, satisfaction=4),
        Pulse(date=date(2026, 7, 1), respondent="b", recommend=0, satisfaction=1),
    ]  # after the day
    quarters = [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 15))]
    # three answers: 2 promoters, 1 detractor -> +33; satisfaction (3 + 4 + 4) / 3 = 3.67 -> 3.7
    assert pulse_summary(answers, date(2026, 6, 15), quarters) == {
        "answers": 3,
        "nps": 33,
        "satisfaction": 3.7,
        "quarters": [{"from": "2026-01-01", "to": "2026-03-31", "nps": -100}, {"from": "2026-04-01", "to": "2026-06-15", "nps": 100}],
    }
    assert pulse_summary([], date(2026, 6, 15), [])["satisfaction"] is None
