"""Metric-gated step downs (a series held past its planned end until the client passes the gate) and the sustainment
cadence after handover."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carebench.core.handover import GateTimeline, gate_reasons, handover_gate
from carebench.core.models import Assessment, Client, Handover, Kpi, Reading, Scores
from carebench.core.rules import RulesProblem, read_rules
from carebench.core.schedule import held_series, schedule
from carebench.core.terms import Gate

GREEN = dict.fromkeys(("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication"), 9) | {
    "satisfaction": 9,
    "expansion_interest": 9,
}
YELLOW = dict.fromkeys(GREEN, 7)
GO_LIVE = date(2026, 1, 5)  # a Monday; day 90 (the end of silver's weekly series) is Saturday 4 April
END = date(2026, 4, 4)
LAST_PLANNED_WEEKLY = date(2026, 3, 30)  # go-live + 12 weeks, day 85


def kpi(key: str, *readings: tuple[date, float]) -> Kpi:
    """A KPI whose target is 80 (higher is better): a reading of 85 is on target, 70 is not."""
    return Kpi(
        key=key,
        name=key.upper(),
        category="leading",
        unit="%",
        direction="higher",
        baseline=50,
        target=80,
        readings=[Reading(date=d, value=v) for d, v in readings],
    )


def silver(assessments=((GO_LIVE, GREEN),), kpis=(), tier="silver", **more) -> Client:
    return Client(
        id="acme",
        name="Acme",
        tier=tier,
        go_live=GO_LIVE,
        owner="ana",
        assessments=[Assessment(date=d, scores=Scores(**s)) for d, s in assessments],
        kpis=list(kpis),
        **more,
    )


def five_kpis(on_target: int, day: date = GO_LIVE) -> list[Kpi]:
    return [kpi(f"k{n}", (day, 85 if n < on_target else 70)) for n in range(5)]


def weeklies_after_plan(client: Client, until: date = date(2026, 7, 31)) -> list[date]:
    return [tp.date for tp in schedule(client, LAST_PLANNED_WEEKLY + timedelta(days=1), until) if "weekly" in (tp.kind, *tp.covers)]


@pytest.mark.parametrize(
    "on_target, held",
    [(4, False), (5, False), (3, True), (0, True)],
    ids=["exactly-80-percent-steps-down", "all-on-target", "60-percent-held", "none-on-target-held"],
)
def test_the_gate_decides_the_step_down_at_the_end_of_the_series(on_target, held):
    found = weeklies_after_plan(silver(kpis=five_kpis(on_target)))
    assert bool(found) is held
    if held:  # at its cadence, from the next one on, for as long as the client fails
        assert found[:3] == [date(2026, 4, 6), date(2026, 4, 13), date(2026, 4, 20)]
        assert all(later - earlier == timedelta(days=7) for earlier, later in zip(found, found[1:]))


def test_a_held_series_ends_on_the_first_day_the_client_passes_that_day_included():
    kpis = five_kpis(3)
    kpis[3] = kpi("k3", (GO_LIVE, 70), (date(2026, 4, 20), 90))  # the fourth on target from 20 April: 4 of 5
    assert weeklies_after_plan(silver(kpis=kpis)) == [date(2026, 4, 6), date(2026, 4, 13), date(2026, 4, 20)]


def test_a_band_below_the_gate_holds_until_an_assessment_lifts_it():
    client = silver(assessments=[(GO_LIVE, GREEN), (date(2026, 3, 20), YELLOW), (date(2026, 5, 1), GREEN)], kpis=five_kpis(5))
    assert weeklies_after_plan(client) == [date(2026, 4, 6), date(2026, 4, 13), date(2026, 4, 20), date(2026, 4, 27)]


def test_no_results_at_all_hold_the_series_to_the_end_of_the_range():
    found = weeklies_after_plan(silver(assessments=()), until=date(2026, 6, 30))
    assert found[0] == date(2026, 4, 6) and found[-1] == date(2026, 6, 29)


def test_a_held_daily_series_goes_on_every_working_day():
    client = silver(tier="platinum", kpis=five_kpis(2))
    day_30 = GO_LIVE + timedelta(days=29)
    dailies = [tp.date for tp in schedule(client, day_30 + timedelta(days=1), day_30 + timedelta(days=14)) if "daily" in (tp.kind, *tp.covers)]
    assert dailies == [d for d in (day_30 + timedelta(days=n) for n in range(1, 15)) if d.weekday() < 5]


@pytest.mark.parametrize(
    "day, held",
    [
        (END, []),  # the last day of the series: not held yet
        (END + timedelta(days=1), [("weekly", END + timedelta(days=1), "held at weekly: 3 of 5 KPIs on target (60%), needs 80%")]),
        (date(2026, 4, 19), [("weekly", END + timedelta(days=1), "held at weekly: 3 of 5 KPIs on target (60%), needs 80%")]),
        (date(2026, 4, 20), []),  # passes at the end of this day: released
        (date(2026, 6, 1), []),
    ],
)
def test_held_series_says_since_when_and_why(day, held):
    kpis = five_kpis(3)
    kpis[3] = kpi("k3", (GO_LIVE, 70), (date(2026, 4, 20), 90))
    assert held_series(silver(kpis=kpis), day) == held


def test_a_held_reason_names_the_band_and_the_kpis():
    client = silver(assessments=[(GO_LIVE, YELLOW)], kpis=five_kpis(1))
    [(kind, since, reason)] = held_series(client, date(2026, 4, 10))
    assert (kind, since) == ("weekly", END + timedelta(days=1))
    assert reason == "held at weekly: band is yellow, needs green; 1 of 5 KPIs on target (20%), needs 80%"


def test_a_gate_of_the_rules_lets_yellow_step_down():
    gate = Gate(band="yellow", kpis_on_target=0.6)
    timeline = GateTimeline.of([Assessment(date=GO_LIVE, scores=Scores(**YELLOW))], five_kpis(3), gate)
    assert timeline.reasons_on(END) == []
    client = silver(assessments=[(GO_LIVE, YELLOW)], kpis=five_kpis(3))
    assert weeklies_after_plan(client)  # held under the default gate
    assert [
        tp.date for tp in schedule(client, LAST_PLANNED_WEEKLY + timedelta(days=1), date(2026, 7, 31), gates=timeline) if tp.kind == "weekly"
    ] == []


@pytest.mark.parametrize(
    "band, measured, on_target, reasons",
    [
        ("green", 5, 4, []),
        ("green", 10, 7, ["7 of 10 KPIs on target (70%), needs 80%"]),
        (None, 0, 0, ["no health assessment yet", "no KPI has a current value yet"]),
        ("red", 1, 1, ["band is red, needs green"]),
    ],
)
def test_gate_reasons(band, measured, on_target, reasons):
    assert gate_reasons(band, measured, on_target) == reasons


def test_the_handover_gate_uses_the_rules_gate():
    class Standing:
        def __init__(self, on):
            self.on_target = on

    statuses = [Standing(True)] * 3 + [Standing(False)] * 2
    assert not handover_gate(70, "green", statuses, 0).ready
    assert handover_gate(70, "green", statuses, 0, Gate(kpis_on_target=0.6)).ready
    assert handover_gate(70, "yellow", statuses, 0, Gate(band="yellow", kpis_on_target=0.6)).ready


def test_after_handover_only_the_sustainment_cadence_runs():
    handover = date(2026, 5, 15)
    client = silver(kpis=five_kpis(5), status="handed_over", handover=Handover(date=handover, by="ana"))
    found = [(tp.date, tp.kind) for tp in schedule(client, GO_LIVE, date(2027, 6, 30))]
    before = [(d, k) for d, k in found if d < handover]
    after = [(d, k) for d, k in found if d >= handover]
    assert before and before[-1] == (date(2026, 5, 5), "monthly")  # the go-live plan up to the handover
    # Quarterly from the handover, moved off weekends, until the engagement ends (here: past the end of the range).
    assert after == [
        (date(2026, 8, 17), "quarterly"),
        (date(2026, 11, 16), "quarterly"),
        (date(2027, 2, 15), "quarterly"),
        (date(2027, 5, 17), "quarterly"),
    ]


def test_a_client_handed_over_without_a_recorded_handover_and_a_closed_one_get_nothing():
    assert schedule(silver(status="handed_over"), GO_LIVE, date(2027, 1, 1)) == []
    closed = silver(status="closed", handover=Handover(date=date(2026, 5, 15)))
    assert schedule(closed, GO_LIVE, date(2027, 1, 1)) == []


def test_an_active_client_cannot_carry_a_handover():
    with pytest.raises(ValueError, match="handed_over or closed, not active"):
        silver(handover=Handover(date=date(2026, 5, 15)))


@pytest.mark.parametrize(
    "table, problem",
    [
        ('[gate]\nband = "red"\n', 'gate.band.*must be "green" or "yellow"'),
        ("[gate]\nkpis_on_target = 1.5\n", "gate.kpis_on_target.*share from 0 to 1"),
        ("[gate]\nheld_days = 0\n", "gate.held_days.*whole number of days"),
        (
            '[[rule]]\ntier = "gold"\nkind = "monthly"\nunit = "months"\nevery = 1\ncount = 3\ngated = true\n',
            "only a days or working_day rule can be gated",
        ),
        ('[[rule]]\ntier = "gold"\nkind = "daily"\nunit = "working_day"\ncounted_from = "handover"\n', "sustainment rule"),
    ],
)
def test_bad_gate_rules_are_refused_with_where_and_what(table, problem):
    with pytest.raises(RulesProblem, match=problem):
        read_rules(table)
