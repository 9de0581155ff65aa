"""Tests for the practice outcomes in carebench.core.practice."""

from __future__ import annotations

from datetime import date

import pytest

from carebench.core.models import (
    SUBSCORES,
    Assessment,
    Client,
    Kpi,
    Opportunity,
    Outcome,
    Pulse,
    Reading,
    Referral,
    Scores,
    TouchpointException,
)
from carebench.core.models import Testimonial as Asked  # renamed so pytest does not take it for a test class
from carebench.core.practice import (
    PracticeMetrics,
    advocacy_reason,
    ask_for_advocacy,
    by_owner,
    practice_metrics,
    quarter_of,
    quarterly_trend,
    quarters,
)
from carebench.core.schedule import load_plans

START, END = date(2026, 4, 1), date(2026, 6, 30)  # Q2 2026
AS_OF = END
D = date.fromisoformat


def client(cid: str, go_live: str = "2025-06-01", owner: str = "ana", **parts) -> Client:
    return Client(id=cid, name=cid.title(), tier="silver", go_live=D(go_live), owner=owner, **parts)


def scores(*values: int) -> Scores:
    """Nine sub-scores; one value means all nine are that value."""
    values = values * 9 if len(values) == 1 else values
    return Scores(**dict(zip(SUBSCORES, values)))


def assessed(day: str, *values: int) -> Assessment:
    return Assessment(date=D(day), scores=scores(*values))


def metrics(clients, start=START, end=END, as_of=AS_OF, **kw) -> PracticeMetrics:
    return practice_metrics(clients, start, end, as_of, **kw)


# ----- scope ----------------------------------------------------------------------------------


def test_clients_in_scope_went_live_by_the_end():
    found = metrics([client("a", "2026-06-30"), client("b", "2026-07-01"), client("c", "2020-01-01", status="closed")])
    assert found.clients == 2
    assert found.behind["clients"] == ["a", "c"]


def test_owner_filter():
    found = metrics([client("a", owner="ana"), client("b", owner="bob")], owner="bob")
    assert (found.clients, found.owner, found.behind["clients"]) == (1, "bob", ["b"])


def test_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        practice_metrics([], END, START, AS_OF)


def test_empty_practice_has_no_rates():
    found = metrics([])
    assert found.clients == 0
    assert found.retention_rate is found.sustained_6m is found.referral_rate is found.average_health is None
    assert found.on_time_share is found.nps is found.average_health_change is None
    assert (found.follow_on_revenue, found.weighted_pipeline, found.referrals) == (0, 0, 0)


# ----- retention ------------------------------------------------------------------------------


def outcome(day: str, kind: str) -> Outcome:
    return Outcome(date=D(day), kind=kind)


RETENTION_CASES = [
    # outcomes, how the client counts (None: not counted)
    ("renewed-on-start-day", [outcome("2026-04-01", "renewed")], "renewed"),
    ("extended-on-end-day", [outcome("2026-06-30", "extended")], "extended"),
    ("ended", [outcome("2026-05-01", "ended")], "ended"),
    ("before-period", [outcome("2026-03-31", "renewed")], None),
    ("after-period", [outcome("2026-07-01", "ended")], None),
    ("latest-in-period-wins", [outcome("2026-06-15", "ended"), outcome("2026-05-01", "renewed")], "ended"),
    ("later-outside-ignored", [outcome("2026-05-01", "renewed"), outcome("2026-07-02", "ended")], "renewed"),
    ("none", [], None),
]


@pytest.mark.parametrize(("outcomes", "kind"), [c[1:] for c in RETENTION_CASES], ids=[c[0] for c in RETENTION_CASES])
def test_retention_per_client(outcomes, kind):
    found = metrics([client("a", outcomes=outcomes)])
    assert {k: getattr(found, k) for k in ("renewed", "extended", "ended")} == {k: int(k == kind) for k in ("renewed", "extended", "ended")}
    expected = None if kind is None else (0.0 if kind == "ended" else 100.0)
    assert found.retention_rate == expected
    assert found.behind["retention_rate"] == ([] if kind is None else ["a"])


def test_retention_rate_across_clients():
    found = metrics(
        [
            client("a", outcomes=[outcome("2026-04-01", "renewed")]),
            client("b", outcomes=[outcome("2026-05-01", "ended"), outcome("2026-06-30", "extended")]),
            client("c", outcomes=[outcome("2026-03-31", "renewed")]),
            client("d", outcomes=[outcome("2026-05-01", "renewed"), outcome("2026-06-15", "ended")]),
        ]
    )
    # a renewed, b extended, d ended; c outside: 2 of 3 = 66.67 -> 66.7
    assert found.retention_rate == 66.7
    assert (found.renewed, found.extended, found.ended) == (1, 1, 1)
    assert found.behind["retention_rate"] == ["a", "b", "d"]
    assert found.behind["ended"] == ["d"]


# ----- sustained results ----------------------------------------------------------------------


def kpi(key: str, category: str = "lagging", *readings: tuple[str, float], target: float = 10) -> Kpi:
    return Kpi(
        key=key,
        name=key,
        category=category,
        direction="higher",
        baseline=0,
        target=target,
        readings=[Reading(date=D(day), value=value) for day, value in readings],
    )


SUSTAINED_CASES = [
    # go-live 2025-10-01: the 6-month mark is 2026-04-01, the period's first day
    ("on-target-at-the-mark", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 12))], 100.0),
    ("off-target-at-the-mark", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 9))], 0.0),
    ("reading-only-after-the-mark", "2025-10-01", [kpi("k", "lagging", ("2026-04-02", 12))], None),
    ("earlier-reading-counts", "2025-10-01", [kpi("k", "lagging", ("2026-03-01", 10))], 100.0),
    ("later-slip-not-counted", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 12), ("2026-05-01", 1))], 100.0),
    ("mixed-on-and-off", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 12)), kpi("m", "lagging", ("2026-03-01", 5))], 0.0),
    ("unread-kpi-ignored", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 12)), kpi("m", "lagging")], 100.0),
    ("leading-kpi-ignored", "2025-10-01", [kpi("k", "lagging", ("2026-04-01", 12)), kpi("m", "leading", ("2026-04-01", 0))], 100.0),
    ("only-leading-kpis", "2025-10-01", [kpi("m", "leading", ("2026-04-01", 12))], None),
    # go-live 2025-12-31: mark 2026-06-30 (the last day); go-live 2025-09-30: mark 2026-03-30, before the period
    ("mark-on-the-last-day", "2025-12-31", [kpi("k", "lagging", ("2026-06-30", 12))], 100.0),
    ("mark-before-the-period", "2025-09-30", [kpi("k", "lagging", ("2026-03-30", 12))], None),
    # go-live 2025-10-31: mark clamps to 2026-04-30
    ("mark-clamped-to-month-end", "2025-10-31", [kpi("k", "lagging", ("2026-04-30", 12), ("2026-05-01", 1))], 100.0),
]


@pytest.mark.parametrize(("go_live", "kpis", "expected"), [c[1:] for c in SUSTAINED_CASES], ids=[c[0] for c in SUSTAINED_CASES])
def test_sustained_at_six_months(go_live, kpis, expected):
    found = metrics([client("a", go_live, kpis=kpis)])
    assert found.sustained_6m == expected
    assert found.behind["sustained_6m"] == ([] if expected is None else ["a"])
    assert found.sustained_12m is None


def test_sustained_at_twelve_months_and_across_clients():
    on = [kpi("k", "lagging", ("2026-05-15", 11))]
    off = [kpi("k", "lagging", ("2026-05-15", 9))]
    found = metrics(
        [
            client("a", "2025-05-15", kpis=on),
            client("b", "2025-05-15", kpis=off),
            client("c", "2025-06-30", kpis=on),
            client("d", "2025-11-15", kpis=on),
        ]
    )
    # 12-month marks 2026-05-15 (a, b) and 2026-06-30 (c, whose reading 05-15 is by then): 2 of 3 = 66.7
    assert found.sustained_12m == 66.7
    assert found.behind["sustained_12m"] == ["a", "b", "c"]
    # d: 6-month mark 2026-05-15, on target
    assert found.sustained_6m == 100.0 and found.behind["sustained_6m"] == ["d"]


def test_a_mark_after_as_of_is_not_measured_yet():
    found = metrics([client("a", "2025-12-31", kpis=[kpi("k", "lagging", ("2026-06-01", 12))])], as_of=D("2026-06-29"))
    assert found.sustained_6m is None


# ----- revenue ---------------------------------------------------------------------------------


def opp(value: float, stage: str = "identified", closed: str | None = None, probability: int = 50) -> Opportunity:
    return Opportunity(title="More", value=value, stage=stage, probability=probability, closed_on=D(closed) if closed else None)


FOLLOW_ON_CASES = [
    ("day-before-start", "2026-03-31", 0.0),
    ("start", "2026-04-01", 1000.0),
    ("end", "2026-06-30", 1000.0),
    ("day-after-end", "2026-07-01", 0.0),
    ("no-close-date", None, 0.0),
]


@pytest.mark.parametrize(("closed", "expected"), [c[1:] for c in FOLLOW_ON_CASES], ids=[c[0] for c in FOLLOW_ON_CASES])
def test_follow_on_revenue_edges(closed, expected):
    found = metrics([client("a", opportunities=[opp(1000, "won", closed)])])
    assert found.follow_on_revenue == expected
    assert found.behind["follow_on_revenue"] == (["a"] if expected else [])


def test_follow_on_revenue_counts_won_only():
    found = metrics(
        [
            client("a", opportunities=[opp(1000, "won", "2026-05-01"), opp(500, "lost", "2026-05-01")]),
            client("b", opportunities=[opp(0.1, "won", "2026-05-01"), opp(0.2, "won", "2026-06-01")]),
        ]
    )
    assert found.follow_on_revenue == 1000.3  # exact decimals: 1000 + 0.1 + 0.2


def test_weighted_pipeline_over_open_opportunities():
    found = metrics(
        [
            client("a", opportunities=[opp(10000, "identified", probability=25), opp(9000, "won", "2026-05-01", 90)]),
            client("b", opportunities=[opp(3333.33, "proposed", probability=30), opp(8000, "lost", "2026-05-01", 10)]),
            client("c", opportunities=[opp(5000, "won", "2025-01-01", 100)]),
        ]
    )
    # 10000 x 25% = 2500; 3333.33 x 30% = 999.999 -> 1000.00
    assert found.weighted_pipeline == 3500.0
    assert found.behind["weighted_pipeline"] == ["a", "b"]


# ----- referrals --------------------------------------------------------------------------------


def referral(day: str, converted: bool = False) -> Referral:
    return Referral(date=D(day), prospect="Prospect Ltd", became_engagement=converted)


def test_referral_rate():
    found = metrics(
        [
            client("a", referrals=[referral("2026-04-10", True), referral("2026-05-01")]),
            client("b", referrals=[referral("2026-03-31", True)]),
            client("c", referrals=[referral("2026-06-30", True)]),
            client("d"),
            client("late", "2026-07-01", referrals=[referral("2026-07-02")]),  # not in scope
        ]
    )
    # a and c referred in the period, of 4 clients in scope: 50%; 3 referrals, 2 became engagements
    assert (found.referral_rate, found.referrals, found.referrals_converted) == (50.0, 3, 2)
    assert found.behind["referral_rate"] == ["a", "c"]
    assert found.behind["referrals_converted"] == ["a", "c"]


@pytest.mark.parametrize(
    ("refs", "rate"), [([], 0.0), ([referral("2026-04-01")], 100.0), ([referral("2026-07-01")], 0.0)], ids=["none", "on-start-day", "after-end"]
)
def test_referral_rate_single_client(refs, rate):
    assert metrics([client("a", referrals=refs)]).referral_rate == rate


# ----- health ----------------------------------------------------------------------------------

# performance (7, 7, 8) and the rest 7: 0.4 x 22/3 + 0.6 x 7 = 7.1333 -> 7.1
SEVEN_ONE = (7, 7, 8, 7, 7, 7, 7, 7, 7)

HEALTH_CASES = [
    (
        "change-up",
        [
            client("a", assessments=[assessed("2026-03-01", 6), assessed("2026-06-01", 8)]),
            client("b", assessments=[assessed("2026-05-01", *SEVEN_ONE)]),
            client("c", assessments=[assessed("2026-01-01", 9)]),
            client("d", assessments=[assessed("2026-07-01", 2)]),
        ],
        8.0,
        0.5,
    ),  # end (8 + 7.1 + 9) / 3 = 8.033 -> 8.0; start (6 + 9) / 2 = 7.5
    (
        "half-rounds-up",
        [
            client("a", assessments=[assessed("2026-04-01", 8)]),
            client("b", assessments=[assessed("2026-04-01", *SEVEN_ONE)]),
        ],
        7.6,
        0.0,
    ),  # (8.0 + 7.1) / 2 = 7.55 -> 7.6, also on the start day (assessed on it)
    ("nothing-at-start", [client("a", assessments=[assessed("2026-04-02", 8)])], 8.0, None),
    ("change-down", [client("a", assessments=[assessed("2026-03-01", 9), assessed("2026-06-30", 6)])], 6.0, -3.0),
    ("never-assessed", [client("a")], None, None),
]


@pytest.mark.parametrize(("clients", "average", "change"), [c[1:] for c in HEALTH_CASES], ids=[c[0] for c in HEALTH_CASES])
def test_average_health_and_change(clients, average, change):
    found = metrics(clients)
    assert (found.average_health, found.average_health_change) == (average, change)


def test_average_health_names_the_clients_assessed():
    found = metrics(HEALTH_CASES[0][1])
    assert found.behind["average_health"] == ["a", "b", "c"]


# ----- touchpoints done ------------------------------------------------------------------------

# Only a monthly series: go-live Thu 2026-01-15 gives Wed 04-15, Fri 05-15 and Mon 06-15 in Q2.
MONTHLY = load_plans('[[rule]]\ntier = "silver"\nkind = "monthly"\nunit = "months"\ncount = 12\n')
DONE_APRIL = TouchpointException(date=D("2026-04-15"), kind="monthly", status="done")
SKIPPED_MAY = TouchpointException(date=D("2026-05-15"), kind="monthly", status="skipped", reason="holiday")

ON_TIME_CASES = [
    ("all-three-due", AS_OF, "active", 33.3),  # 1 done of 3
    ("june-not-yet-due", D("2026-06-14"), "active", 50.0),  # 1 of 2
    ("june-due-on-as-of", D("2026-06-15"), "active", 33.3),
    ("nothing-due-yet", D("2026-04-14"), "active", None),
    ("as-of-before-start", D("2026-03-01"), "active", None),
    ("handed-over-has-none", AS_OF, "handed_over", None),
]


@pytest.mark.parametrize(("as_of", "status", "expected"), [c[1:] for c in ON_TIME_CASES], ids=[c[0] for c in ON_TIME_CASES])
def test_on_time_share(as_of, status, expected):
    c = client("a", "2026-01-15", status=status, exceptions=[DONE_APRIL, SKIPPED_MAY])
    found = metrics([c], as_of=as_of, plans=MONTHLY)
    assert found.on_time_share == expected
    assert found.behind["on_time_share"] == ([] if expected is None else ["a"])


def test_on_time_share_pools_the_touchpoints_of_all_clients():
    a = client("a", "2026-01-15", exceptions=[DONE_APRIL, SKIPPED_MAY])
    b = client(
        "b",
        "2026-01-15",
        exceptions=[TouchpointException(date=D(day), kind="monthly", status="done") for day in ("2026-04-15", "2026-05-15", "2026-06-15")],
    )
    # 1 + 3 done of 6 = 66.7
    assert metrics([a, b], plans=MONTHLY).on_time_share == 66.7


# ----- NPS ---------------------------------------------------------------------------------------


def test_nps_over_the_period():
    def p(day, value):
        return Pulse(date=D(day), respondent="x", recommend=value, satisfaction=4)

    found = metrics(
        [client("a", pulses=[p("2026-04-01", 10), p("2026-03-31", 0)]), client("b", pulses=[p("2026-06-30", 3), p("2026-05-01", 9)]), client("c")]
    )
    # in the period: 10, 3, 9 -> (2 - 1) / 3 = 33.3 -> 33
    assert found.nps == 33
    assert found.behind["nps"] == ["a", "b"]


def test_behind_names_every_metric():
    found = metrics([client("a")])
    metric_fields = set(PracticeMetrics.model_fields) - {"start", "end", "as_of", "owner", "behind"}
    assert set(found.behind) == metric_fields


# ----- quarters, owners and trends -----------------------------------------------------------------

QUARTER_CASES = [
    (
        "mid-quarter",
        date(2026, 5, 20),
        3,
        [(D("2025-10-01"), D("2025-12-31")), (D("2026-01-01"), D("2026-03-31")), (D("2026-04-01"), D("2026-05-20"))],
    ),
    ("first-day", date(2026, 4, 1), 2, [(D("2026-01-01"), D("2026-03-31")), (D("2026-04-01"), D("2026-04-01"))]),
    ("last-day", date(2026, 12, 31), 1, [(D("2026-10-01"), D("2026-12-31"))]),
    ("over-year-start", date(2026, 2, 1), 2, [(D("2025-10-01"), D("2025-12-31")), (D("2026-01-01"), D("2026-02-01"))]),
    ("none", date(2026, 2, 1), 0, []),
]


@pytest.mark.parametrize(("end", "count", "expected"), [c[1:] for c in QUARTER_CASES], ids=[c[0] for c in QUARTER_CASES])
def test_quarters(end, count, expected):
    assert quarters(end, count) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D("2026-01-01"), (D("2026-01-01"), D("2026-03-31"))),
        (D("2026-06-30"), (D("2026-04-01"), D("2026-06-30"))),
        (D("2026-08-15"), (D("2026-07-01"), D("2026-09-30"))),
    ],
    ids=["q1-first", "q2-last", "q3-middle"],
)
def test_quarter_of(day, expected):
    assert quarter_of(day) == expected


def test_quarterly_trend_oldest_first():
    clients = [client("a", "2025-12-01"), client("b", "2026-02-01"), client("c", "2026-05-01", owner="bob")]
    trend = quarterly_trend(clients, D("2026-05-20"), D("2026-05-20"), count=3)
    assert [(m.start, m.end, m.clients) for m in trend] == [
        (D("2025-10-01"), D("2025-12-31"), 1),
        (D("2026-01-01"), D("2026-03-31"), 2),
        (D("2026-04-01"), D("2026-05-20"), 3),
    ]
    assert [m.clients for m in quarterly_trend(clients, D("2026-05-20"), D("2026-05-20"), count=3, owner="ana")] == [1, 2, 2]


def test_by_owner():
    found = by_owner([client("a", owner="bob"), client("b", owner="ana"), client("c", owner="ana")], START, END, AS_OF)
    assert list(found) == ["ana", "bob"]
    assert (found["ana"].clients, found["bob"].clients) == (2, 1)
    assert found["ana"].owner == "ana"


# ----- advocacy ------------------------------------------------------------------------------------

DAY = D("2026-05-20")  # Q2 2026


def asked(requested: str, answer: str = "pending", answered: str | None = None) -> Asked:
    return Asked(requested=D(requested), answer=answer, answered=D(answered) if answered else None)


ADVOCACY_CASES = [
    ("green-never-asked", {}, True),
    ("green-asked-earlier-this-quarter", {"testimonials": [asked("2026-04-01")]}, False),
    ("green-asked-last-quarter", {"testimonials": [asked("2026-03-31")]}, True),
    ("asked-later-this-quarter", {"testimonials": [asked("2026-06-30")]}, False),
    ("gave-testimonial", {"testimonials": [asked("2025-06-01", "given", "2025-06-10")]}, False),
    ("declined", {"testimonials": [asked("2025-06-01", "declined", "2025-06-10")]}, False),
    ("answer-after-day-not-known-yet", {"testimonials": [asked("2026-01-10", "given", "2026-05-21")]}, True),
    ("referred", {"referrals": [referral("2025-01-01")]}, False),
    ("yellow", {"assessments": [assessed("2026-05-01", 7)]}, False),
    ("not-assessed", {"assessments": []}, False),
    ("green-after-yellow", {"assessments": [assessed("2026-04-01", 6), assessed("2026-05-20", 8)]}, True),
]


@pytest.mark.parametrize(("parts", "expected"), [c[1:] for c in ADVOCACY_CASES], ids=[c[0] for c in ADVOCACY_CASES])
def test_ask_for_advocacy(parts, expected):
    c = client("a", **{"assessments": [assessed("2026-05-01", 9)], **parts})
    assert ask_for_advocacy(c, DAY) is expected
    assert advocacy_reason(c, DAY).startswith("green and no testimonial") is expected


@pytest.mark.parametrize(
    ("parts", "expected"),
    [c[1:] for c in ADVOCACY_CASES if "assessments" not in c[1]],
    ids=[c[0] for c in ADVOCACY_CASES if "assessments" not in c[1]],
)
def test_advocacy_of_the_parts_read_is_that_of_the_whole_client(parts, expected):
    from carebench.core.practice import AdvocacyFacts, advocacy, advocates

    contacts = [{"name": "Dana", "kind": "champion"}, {"name": "Eli", "kind": "other"}]
    c = client("a", contacts=contacts, assessments=[assessed("2026-05-01", 9)], **parts)
    alone = AdvocacyFacts(testimonials=c.testimonials, referrals=c.referrals, contacts=c.contacts, pulses=c.pulses)
    assert advocacy(alone, DAY, "green") == advocacy(c, DAY, "green") == (expected, advocacy_reason(c, DAY))
    assert advocates(alone, DAY) == advocates(c, DAY) == [("Dana", ("champion",))]


def test_advocacy_reasons():
    c = client("a", assessments=[assessed("2026-05-01", 7)], testimonials=[asked("2026-04-02")])
    assert advocacy_reason(c, DAY) == "no ask: band is yellow, ask once it is green; already asked this quarter, on 2026-04-02"
    c = client("a", assessments=[assessed("2026-05-01", 9)], testimonials=[asked("2026-02-02")])
    assert advocacy_reason(c, DAY) == "green and no testimonial or referral yet: ask for one (last asked 2026-02-02)"


def test_touchpoints_generated_once_give_every_period_what_generating_per_period_gives():
    """practice_metrics(schedules=...) over the demo portfolio, per quarter, per owner and for the year."""
    from datetime import timedelta

    from carebench.app.demo import load_demo_portfolio
    from carebench.core.practice import quarters, schedules_for

    as_of = date(2026, 6, 15)
    clients = load_demo_portfolio(as_of, "ana").clients
    periods = quarters(as_of, 6)
    start = as_of - timedelta(days=364)
    schedules = schedules_for(clients, min(start, periods[0][0]), as_of, as_of)
    assert sum(map(len, schedules.values())) > 100
    plain = [practice_metrics(clients, a, b, as_of) for a, b in [*periods, (start, as_of)]]
    shared = [practice_metrics(clients, a, b, as_of, schedules=schedules) for a, b in [*periods, (start, as_of)]]
    assert shared == plain and {m.on_time_share for m in plain} - {None}
    assert by_owner(clients, start, as_of, as_of, schedules=schedules) == by_owner(clients, start, as_of, as_of)
    assert quarterly_trend(clients, as_of, as_of, schedules=schedules) == quarterly_trend(clients, as_of, as_of)
