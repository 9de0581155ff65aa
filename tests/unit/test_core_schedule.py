"""Cadence plans, escalation, exceptions, seniority, overdue grouping and the agenda."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebench.core.calendar import WorkCalendar, add_months, months_between
from carebench.core.models import KINDS, Assessment, Client, Kpi, Reading, Scores, TouchpointException
from carebench.core.schedule import (
    agenda,
    client_agenda,
    escalation_occurrences,
    load_plans,
    open_runs,
    overdue,
    schedule,
    superseded_dates,
    touchpoint_on,
)

GREEN = dict(achievement=9, trend=9, sustainability=9, adherence=8, engagement=8, leadership=8, communication=8, satisfaction=8, expansion_interest=8)
YELLOW = {k: 7 for k in GREEN}
RED = {k: 4 for k in GREEN}


def client(tier="platinum", go_live=date(2026, 3, 2), assessments=(), exceptions=(), status="active", cid="acme", results="passing"):
    """A client; with ``results="passing"`` it passes the step-down gate from go-live on (a green assessment on its go-live
    day besides those given, and a KPI on target), so its plan steps down on the calendar; ``None``: no results at all."""
    kpis = []
    if results == "passing":
        kpis = [
            Kpi(
                key="fcr",
                name="FCR",
                category="leading",
                unit="%",
                direction="higher",
                baseline=50,
                target=80,
                readings=[Reading(date=go_live, value=85)],
            )
        ]
        assessments = [(go_live, GREEN), *(a for a in assessments if a[0] != go_live)]
    return Client(
        id=cid,
        name=cid.title(),
        tier=tier,
        go_live=go_live,
        owner="ana",
        status=status,
        assessments=[Assessment(date=d, scores=Scores(**s)) for d, s in assessments],
        exceptions=list(exceptions),
        kpis=kpis,
    )


def kinds_on(c, start, end):
    return {tp.date: tp.kind for tp in schedule(c, start, end)}


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
    ],
    ids=["jan31+1", "leap-jan31+1", "jan31+3", "aug31+6", "nov30+3", "plain+12"],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_months_between_counts_clamped_months():
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 1, 31), date(2026, 2, 27)) == 0
    assert months_between(date(2026, 3, 2), date(2027, 3, 1)) == 11


def test_platinum_daily_runs_on_working_days_of_days_1_to_30():
    c = client(go_live=date(2026, 3, 2))  # a Monday
    dailies = [tp for tp in schedule(c, date(2026, 3, 1), date(2026, 4, 30)) if tp.kind == "daily" or "daily" in tp.covers]
    assert dailies[0].date == date(2026, 3, 2)
    assert dailies[-1].date == date(2026, 3, 31)  # day 30
    assert all(tp.date.weekday() < 5 for tp in dailies)
    assert len(dailies) == 22


def test_weekly_stops_at_day_90_and_covers_daily():
    c = client(go_live=date(2026, 3, 2))
    tps = schedule(c, date(2026, 3, 1), date(2026, 7, 1))
    weeklies = [tp.date for tp in tps if tp.kind == "weekly" or "weekly" in tp.covers]
    assert weeklies[0] == date(2026, 3, 9)
    assert weeklies[-1] == date(2026, 3, 2) + timedelta(days=84)  # day 85; day 92 is past 90
    first_week = next(tp for tp in tps if tp.date == date(2026, 3, 9))
    assert first_week.kind == "weekly" and first_week.covers == ["daily"]


def test_monthly_on_weekend_moves_to_monday_and_quarterly_covers_it():
    c = client(tier="silver", go_live=date(2026, 1, 30))  # a Friday; +1 month = Feb 28 (Saturday)
    days = kinds_on(c, date(2026, 2, 1), date(2026, 5, 31))
    assert days[date(2026, 3, 2)] == "monthly"
    assert date(2026, 2, 28) not in days
    q = touchpoint_on(c, date(2026, 4, 30))
    assert q.kind == "quarterly" and q.covers == ["monthly"]


def test_jan31_go_live_month_end_clamp_in_schedule():
    c = client(tier="gold", go_live=date(2028, 1, 31))
    days = kinds_on(c, date(2028, 2, 1), date(2028, 3, 31))
    assert days[date(2028, 2, 29)] == "monthly"  # leap year, a Tuesday


def test_a_retrospective_ends_each_phase_and_stands_over_a_daily_check_in():
    c = client(go_live=date(2026, 3, 2))  # platinum: daily check-ins through day 30 (Tuesday 03-31)
    retrospectives = [tp for tp in schedule(c, date(2026, 3, 1), date(2026, 7, 1)) if "retrospective" in [tp.kind, *tp.covers]]
    # day 60 is Thursday 04-30; day 90 is Saturday 05-30, held on Monday 06-01 (the quarterly is on 06-02)
    assert [(tp.date, tp.kind, tp.covers) for tp in retrospectives] == [
        (date(2026, 3, 31), "retrospective", ["daily"]),
        (date(2026, 4, 30), "retrospective", []),
        (date(2026, 6, 1), "retrospective", []),
    ]


def test_a_quarterly_review_on_the_day_of_a_retrospective_covers_it():
    c = client(tier="silver", go_live=date(2026, 1, 31))  # day 90 is 04-30, the day the first quarter ends (clamped)
    tp = touchpoint_on(c, date(2026, 4, 30))
    assert tp.kind == "quarterly" and tp.covers == ["monthly", "retrospective"]


def test_gold_weekly_then_biweekly():
    c = client(tier="gold", go_live=date(2026, 3, 2))
    days = kinds_on(c, date(2026, 3, 1), date(2026, 6, 30))
    weeklies = sorted(d for d, k in days.items() if k == "weekly")
    assert weeklies == [date(2026, 3, 9), date(2026, 3, 23)]  # day 29 is the last <= 30; day 15 is a biweekly
    biweeklies = sorted(d for d, k in days.items() if k == "biweekly")
    assert biweeklies[0] == date(2026, 3, 16) and biweeklies[-1] == date(2026, 3, 2) + timedelta(days=84)
    assert len(biweeklies) == 6


def test_gold_day_15_is_biweekly_covering_weekly():
    c = client(tier="gold", go_live=date(2026, 3, 2))
    tp = touchpoint_on(c, date(2026, 3, 16))
    assert tp.kind == "biweekly" and tp.covers == ["weekly"]


def test_silver_monthly_only_six_months():
    c = client(tier="silver", go_live=date(2026, 3, 2))
    monthly = [tp for tp in schedule(c, date(2026, 3, 1), date(2027, 6, 1)) if "monthly" in [tp.kind, *tp.covers]]
    assert len(monthly) == 6


def test_inactive_client_has_no_touchpoints():
    assert schedule(client(status="handed_over"), date(2026, 3, 1), date(2026, 6, 1)) == []


def test_custom_plan_file_changes_the_cadence():
    plans = load_plans('[[rule]]\ntier = "silver"\nkind = "weekly"\nunit = "days"\nevery = 7\nlast_day = 15\n')
    c = client(tier="silver")
    tps = schedule(c, date(2026, 3, 1), date(2026, 12, 31), plans)
    assert [tp.date for tp in tps] == [date(2026, 3, 9), date(2026, 3, 16)]


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        '[[rule]]\ntier = "bronze"\nkind = "weekly"\nunit = "days"\nlast_day = 9',
        '[[rule]]\ntier = "gold"\nkind = "weekly"\nunit = "months"',
    ],
    ids=["syntax", "tier", "months-without-count"],
)
def test_bad_plan_file_is_a_clear_error(text):
    with pytest.raises(ValueError):
        load_plans(text)


def test_red_assessment_adds_recovery_every_working_day_until_next_assessment():
    c = client(tier="silver", go_live=date(2025, 1, 6), assessments=[(date(2026, 6, 3), RED), (date(2026, 6, 10), GREEN)])
    days = kinds_on(c, date(2026, 6, 1), date(2026, 6, 30))
    recovery = sorted(d for d, k in days.items() if k == "recovery")
    assert recovery == [date(2026, 6, 4), date(2026, 6, 5), date(2026, 6, 8), date(2026, 6, 9)]


def test_red_escalation_keeps_going_while_latest():
    c = client(tier="silver", go_live=date(2024, 1, 8), assessments=[(date(2026, 6, 3), RED)])
    tps = schedule(c, date(2026, 6, 1), date(2026, 7, 31))
    assert sum(1 for tp in tps if "recovery" in (tp.kind, *tp.covers)) == 42
    # Past the end of its plan, not handed over: the sustainment cadence's quarterly review stands on 8 July.
    assert [(tp.date, tp.kind, tp.covers) for tp in tps if tp.kind != "recovery"] == [(date(2026, 7, 8), "quarterly", ["recovery"])]


def test_yellow_assessment_adds_weekly_intervention_moved_off_weekends():
    c = client(tier="silver", go_live=date(2024, 1, 8), assessments=[(date(2026, 6, 6), YELLOW), (date(2026, 6, 30), GREEN)])  # a Saturday
    days = kinds_on(c, date(2026, 6, 1), date(2026, 7, 31))
    assert sorted(d for d, k in days.items() if k == "intervention") == [date(2026, 6, 15), date(2026, 6, 22), date(2026, 6, 29)]


def test_escalation_ignores_green_and_stops_when_health_recovers():
    found = escalation_occurrences([Assessment(date=date(2026, 6, 1), scores=Scores(**GREEN))], date(2026, 12, 31), WorkCalendar())
    assert found == []


def test_done_skip_and_move_exceptions():
    c = client(
        tier="silver",
        go_live=date(2026, 3, 2),
        exceptions=[
            TouchpointException(date=date(2026, 3, 9), kind="weekly", status="done"),
            TouchpointException(date=date(2026, 3, 16), kind="weekly", status="skipped", reason="client holiday"),
            TouchpointException(date=date(2026, 3, 23), kind="weekly", status="moved", moved_to=date(2026, 3, 25)),
        ],
    )
    tps = {tp.date: tp for tp in schedule(c, date(2026, 3, 1), date(2026, 3, 31))}
    assert tps[date(2026, 3, 9)].status == "done"
    assert tps[date(2026, 3, 16)].status == "skipped" and tps[date(2026, 3, 16)].reason == "client holiday"
    assert date(2026, 3, 23) not in tps
    assert tps[date(2026, 3, 25)].moved_from == date(2026, 3, 23)


def test_moved_onto_a_senior_touchpoint_is_covered():
    c = client(
        tier="silver",
        go_live=date(2026, 3, 2),
        exceptions=[
            TouchpointException(date=date(2026, 3, 30), kind="weekly", status="moved", moved_to=date(2026, 4, 2)),
        ],
    )
    tp = touchpoint_on(c, date(2026, 4, 2))  # go_live + 1 month
    assert tp.kind == "monthly" and tp.covers == ["weekly"]


def test_overdue_grouped_per_kind_with_latest_missed_and_count():
    c = client(tier="platinum", go_live=date(2026, 3, 2))
    items = client_agenda(c, date(2026, 3, 12))
    overdue_rows = {i.kind: i for i in items if i.status == "overdue"}
    assert overdue_rows["daily"].missed == 7  # Mar 2-6, 10, 11 (Mar 9 is the weekly)
    assert overdue_rows["daily"].date == date(2026, 3, 11)
    assert overdue_rows["weekly"].missed == 1
    due = [i for i in items if i.status == "due"]
    assert [i.kind for i in due] == ["daily"]


def test_done_senior_touchpoint_supersedes_earlier_missed_ones():
    c = client(
        tier="platinum",
        go_live=date(2026, 3, 2),
        exceptions=[
            TouchpointException(date=date(2026, 3, 9), kind="weekly", status="done"),
        ],
    )
    items = client_agenda(c, date(2026, 3, 12))
    daily = next(i for i in items if i.kind == "daily" and i.status == "overdue")
    assert daily.missed == 2  # only Mar 10 and 11, after the done weekly
    assert not any(i.kind == "weekly" and i.status == "overdue" for i in items)


def test_done_junior_touchpoint_does_not_supersede_senior_one():
    c = client(
        tier="platinum",
        go_live=date(2026, 3, 2),
        exceptions=[
            TouchpointException(date=date(2026, 3, 10), kind="daily", status="done"),
        ],
    )
    items = client_agenda(c, date(2026, 3, 12))
    assert any(i.kind == "weekly" and i.status == "overdue" for i in items)


def test_skipped_is_not_overdue():
    c = client(
        tier="silver",
        go_live=date(2026, 3, 2),
        exceptions=[
            TouchpointException(date=date(2026, 3, 9), kind="weekly", status="skipped", reason="holiday"),
        ],
    )
    assert client_agenda(c, date(2026, 3, 12)) == []


def test_agenda_orders_overdue_first_then_red_clients_then_seniority():
    day = date(2026, 6, 15)
    red = client(cid="zeta", tier="silver", go_live=date(2025, 1, 6), assessments=[(date(2026, 6, 12), RED)])
    green_monthly = client(cid="alpha", tier="gold", go_live=date(2026, 5, 15), results=None)  # monthly due Jun 15
    missed = client(cid="mid", tier="silver", go_live=date(2026, 6, 1), results=None)  # weekly Jun 8 missed
    rows = agenda([green_monthly, red, missed], day)
    statuses = [r.status for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue")
    overdue_rows = [(r.client, r.kind) for r in rows if r.status == "overdue"]
    assert overdue_rows[0][0] == "zeta"  # red first among overdue rows too
    assert ("mid", "weekly") in overdue_rows
    due = [(r.client, r.kind, r.band) for r in rows if r.status == "due"]
    assert due == [("zeta", "recovery", "red"), ("alpha", "monthly", None), ("mid", "weekly", None)]


def test_phase_on_agenda_rows():
    c = client(tier="silver", go_live=date(2026, 6, 1))
    assert client_agenda(c, date(2026, 6, 15))[-1].phase == "stabilization"


dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
score = st.integers(min_value=1, max_value=10)
scores = st.fixed_dictionaries({k: score for k in GREEN})


@settings(max_examples=60, deadline=None)
@given(
    tier=st.sampled_from(["platinum", "gold", "silver"]),
    go_live=dates,
    assessments=st.lists(st.tuples(dates, scores), max_size=4, unique_by=lambda t: t[0]),
    moves=st.lists(st.tuples(st.integers(0, 120), st.integers(-10, 10)), max_size=5),
)
def test_property_at_most_one_touchpoint_per_date(tier, go_live, assessments, moves):
    base = client(tier=tier, go_live=go_live, assessments=assessments)
    plain = schedule(base, go_live, go_live + timedelta(days=150))
    exceptions = {}
    for index, shift in moves:
        if plain and shift:
            tp = plain[index % len(plain)]
            exceptions[(tp.date, tp.kind)] = TouchpointException(date=tp.date, kind=tp.kind, status="moved", moved_to=tp.date + timedelta(days=shift))
    moved = base.model_copy(update={"exceptions": list(exceptions.values())})
    tps = schedule(moved, go_live - timedelta(days=20), go_live + timedelta(days=170))
    assert len({tp.date for tp in tps}) == len(tps)
    for tp in tps:
        assert tp.kind not in tp.covers


@settings(max_examples=40, deadline=None)
@given(go_live=dates, offset=st.integers(0, 200))
def test_property_overdue_only_before_the_day_and_not_done(go_live, offset):
    day = go_live + timedelta(days=offset)
    tps = schedule(client(go_live=go_live), go_live, day)
    for tp in overdue(tps, day):
        assert tp.date < day and tp.status == "scheduled"


def test_touchpoint_outcome_finds_the_standing_touchpoint_and_refuses_what_cannot_be():
    from carebench.core.schedule import touchpoint_outcome

    c = client(tier="platinum", go_live=date(2026, 3, 2))
    done = touchpoint_outcome(c, date(2026, 3, 9), "done", kind="daily")  # the daily is covered by the weekly
    assert (done.kind, done.status) == ("weekly", "done")
    for args, problem in [
        ((date(2026, 3, 7), "done"), "no touchpoint"),
        ((date(2026, 3, 9), "skipped"), "say why"),
        ((date(2026, 3, 9), "moved"), "which day"),
        ((date(2026, 3, 9), "done", "quarterly"), "not a quarterly"),
    ]:
        with pytest.raises(ValueError, match=problem):
            touchpoint_outcome(c, *args)
    with pytest.raises(ValueError, match="already on"):
        touchpoint_outcome(c, date(2026, 3, 9), "moved", to=date(2026, 3, 9))
    skipped = c.model_copy(update={"exceptions": [TouchpointException(date=date(2026, 3, 9), kind="weekly", status="done")]})
    with pytest.raises(ValueError, match="already done"):
        touchpoint_outcome(skipped, date(2026, 3, 9), "moved", to=date(2026, 3, 10))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(KINDS), st.sampled_from(["scheduled", "done", "skipped"])), max_size=25))
def test_property_superseded_dates_are_the_first_later_senior_done(touchpoints):
    dated = [(date(2026, 1, 1) + timedelta(days=d), kind, status) for d, kind, status in touchpoints]
    found = superseded_dates(dated)
    for (day, kind, _status), first in zip(dated, found):
        later = [d for d, k, s in dated if d > day and s == "done" and KINDS.index(k) <= KINDS.index(kind)]
        assert first == (min(later) if later else None)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(KINDS), st.sampled_from(["scheduled", "scheduled", "done", "skipped"])),
        max_size=25,
        unique_by=lambda t: t[0],
    ),
    st.integers(0, 45),
    st.integers(0, 45),
)
def test_property_the_latest_overdue_touchpoint_of_a_kind_carries_how_many_are_missed(touchpoints, live, on):
    """What the stored agenda reads: on any day, of each kind's overdue touchpoints only the latest has no scheduled
    one of its kind between it and the day, and its run is how many of them there are."""
    start = date(2026, 1, 1)
    dated = [(start + timedelta(days=d), kind, status) for d, kind, status in touchpoints]
    go_live, day = start + timedelta(days=live), start + timedelta(days=on)
    superseded = superseded_dates(dated)
    runs = open_runs(dated, superseded, go_live)
    missed = [
        (when, kind)
        for (when, kind, status), first in zip(dated, superseded)
        if status == "scheduled" and go_live <= when < day and (first is None or first > day)
    ]
    shown = {
        kind: (when, run)
        for (when, kind, status), first, (run, following) in zip(dated, superseded, runs)
        if status == "scheduled" and go_live <= when < day and (first is None or first > day) and (following is None or following >= day)
    }
    expected = {}
    for when, kind in sorted(missed):
        expected[kind] = (when, expected.get(kind, (None, 0))[1] + 1)
    assert shown == expected
    for (when, kind, status), (run, following) in zip(dated, runs):
        later = sorted(d for d, k, s in dated if k == kind and s == "scheduled" and d > when)
        assert following == (later[0] if later and status == "scheduled" else None)
        assert (run > 0) == (status == "scheduled" and when >= go_live)
