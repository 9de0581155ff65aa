"""Tests for the KPI rules in carebench.core.kpis."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from carebench.core.kpis import (
    FORECAST_YEARS,
    KpiStatus,
    forecast_of,
    improvement,
    kpi_status,
    latest_achievement,
    on_dashboard,
    versus_benchmark,
)
from carebench.core.models import Kpi, Reading

START = date(2026, 1, 5)


def kpi(values, *, direction="higher", baseline=50.0, target=80.0, unit="", every=7, start=START) -> Kpi:
    """A KPI with one reading every ``every`` days, oldest first."""
    readings = [Reading(date=start + timedelta(days=i * every), value=v) for i, v in enumerate(values)]
    return Kpi(key="k", name="KPI", category="lagging", unit=unit, direction=direction, baseline=baseline, target=target, readings=readings)


def test_status_fields_are_the_json_contract():
    assert list(KpiStatus.model_fields) == [
        "key",
        "name",
        "category",
        "unit",
        "direction",
        "baseline",
        "target",
        "current",
        "change",
        "change_unit",
        "on_target",
        "trend",
        "backsliding",
        "retained",
        "peak",
        "previous",
        "current_date",
        "readings_count",
        "team",
        "benchmark",
        "forecast",
        "forecast_date",
    ]


def test_status_of_a_kpi_without_readings():
    s = kpi_status(kpi([]))
    assert (s.current, s.change, s.on_target, s.trend, s.retained, s.peak, s.previous, s.current_date) == (None,) * 8
    assert s.backsliding is False
    assert s.readings_count == 0
    assert s.change_unit == "%"


def test_current_and_previous_come_from_dates_not_list_order():
    readings = [
        Reading(date=date(2026, 3, 1), value=30),
        Reading(date=date(2026, 1, 1), value=10),
        Reading(date=date(2026, 2, 1), value=20),
    ]
    k = Kpi(key="k", name="KPI", category="leading", direction="higher", baseline=0, target=25, readings=readings)
    s = kpi_status(k)
    assert (s.current, s.previous, s.current_date, s.readings_count) == (30, 20, date(2026, 3, 1), 3)
    assert s.trend == "improving"


AS_OF_CASES = [
    ("before-any", date(2025, 12, 31), None, None, None, 0),
    ("on-first", date(2026, 1, 1), 10, None, date(2026, 1, 1), 1),
    ("between", date(2026, 2, 15), 20, 10, date(2026, 2, 1), 2),
    ("on-last", date(2026, 3, 1), 30, 20, date(2026, 3, 1), 3),
    ("none-means-all", None, 30, 20, date(2026, 3, 1), 3),
]


@pytest.mark.parametrize(("as_of", "current", "previous", "current_date", "count"), [c[1:] for c in AS_OF_CASES], ids=[c[0] for c in AS_OF_CASES])
def test_as_of_uses_readings_on_or_before(as_of, current, previous, current_date, count):
    readings = [
        Reading(date=date(2026, 3, 1), value=30),
        Reading(date=date(2026, 1, 1), value=10),
        Reading(date=date(2026, 2, 1), value=20),
    ]
    k = Kpi(key="k", name="KPI", category="leading", direction="higher", baseline=0, target=25, readings=readings)
    s = kpi_status(k, as_of=as_of)
    assert (s.current, s.previous, s.current_date, s.readings_count) == (current, previous, current_date, count)


def test_as_of_also_limits_peak_and_backsliding():
    k = kpi([60, 100, 62], baseline=50)  # peak 100 arrives on day 7
    assert kpi_status(k, as_of=START).backsliding is False
    assert kpi_status(k, as_of=START).peak == 60
    later = kpi_status(k)
    assert later.peak == 100 and later.backsliding is True


TARGET_CASES = [
    ("higher-above", "higher", 81, True),
    ("higher-equal", "higher", 80, True),
    ("higher-below", "higher", 79.99, False),
    ("lower-below", "lower", 79.99, True),
    ("lower-equal", "lower", 80, True),
    ("lower-above", "lower", 80.01, False),
]


@pytest.mark.parametrize(("direction", "current", "expected"), [c[1:] for c in TARGET_CASES], ids=[c[0] for c in TARGET_CASES])
def test_on_target(direction, current, expected):
    assert kpi_status(kpi([current], direction=direction, target=80)).on_target is expected


CHANGE_CASES = [
    ("percent-unit-points", "%", 40.0, 55.5, 15.5, "pp"),
    ("percent-unit-points-down", "%", 40.0, 32.3, -7.7, "pp"),
    ("percent-unit-zero-baseline", "%", 0.0, 12.5, 12.5, "pp"),
    ("relative-down", "min", 200.0, 150.0, -25.0, "%"),
    ("relative-up", "", 50.0, 75.0, 50.0, "%"),
    ("relative-rounded", "EUR", 3.0, 4.0, 33.33, "%"),
    ("relative-negative-baseline", "", -10.0, -5.0, 50.0, "%"),
    ("relative-zero-baseline-none", "tickets", 0.0, 12.0, None, "%"),
    # a baseline next to zero (a float below the normal range): the relative change would not fit a float
    ("relative-tiny-baseline-none", "", 2.225073858507e-311, 1.0, None, "%"),
    ("relative-largest-reported", "", 1e-13, 1.0, 999999999999900.0, "%"),
    ("unchanged", "", 50.0, 50.0, 0.0, "%"),
]


@pytest.mark.parametrize(("unit", "baseline", "current", "change", "change_unit"), [c[1:] for c in CHANGE_CASES], ids=[c[0] for c in CHANGE_CASES])
def test_change_vs_baseline(unit, baseline, current, change, change_unit):
    s = kpi_status(kpi([current], unit=unit, baseline=baseline, target=100))
    assert s.change == change
    assert s.change_unit == change_unit


TREND_CASES = [
    ("no-readings", "higher", 50, 80, [], None),
    ("one-reading", "higher", 50, 80, [60], None),
    ("higher-rising", "higher", 50, 80, [50, 55, 60], "improving"),
    ("higher-falling", "higher", 50, 80, [60, 55, 50], "declining"),
    ("higher-wobble-flat", "higher", 50, 80, [50, 51, 50, 51], "flat"),
    # fitted change 1.5 over a gap of 30 is exactly 5%: not flat
    ("higher-at-threshold", "higher", 50, 80, [50, 51.5], "improving"),
    ("higher-just-under-threshold", "higher", 50, 80, [50, 51.49], "flat"),
    ("lower-falling-improves", "lower", 20, 10, [20, 18, 15], "improving"),
    ("lower-rising-declines", "lower", 20, 10, [15, 18, 20], "declining"),
    ("lower-small-move-flat", "lower", 20, 10, [20, 20.2], "flat"),
    ("lower-at-threshold-declining", "lower", 20, 10, [20, 20.5], "declining"),
    # target == baseline: the scale falls back to |baseline| = 10, so 0.4 is 4%
    ("scale-falls-back-to-baseline", "higher", 10, 10, [10, 10.4], "flat"),
    ("scale-baseline-fallback-moves", "higher", 10, 10, [10, 10.5], "improving"),
    # target == baseline == 0: the scale is 1, so 0.04 is flat and 0.06 is not
    ("scale-falls-back-to-one-flat", "higher", 0, 0, [0, 0.04], "flat"),
    ("scale-falls-back-to-one-moves", "lower", 0, 0, [0, 0.06], "declining"),
]


@pytest.mark.parametrize(("direction", "baseline", "target", "values", "trend"), [c[1:] for c in TREND_CASES], ids=[c[0] for c in TREND_CASES])
def test_trend(direction, baseline, target, values, trend):
    assert kpi_status(kpi(values, direction=direction, baseline=baseline, target=target)).trend == trend


def test_trend_uses_the_last_eight_readings_only():
    values = [100, 100] + [50] * 8  # two old highs, then eight level readings
    assert kpi_status(kpi(values)).trend == "flat"
    assert kpi_status(kpi(values[:9])).trend == "declining"  # the window still holds one high


def test_trend_accounts_for_uneven_spacing():
    readings = [Reading(date=START, value=50), Reading(date=START + timedelta(days=1), value=50), Reading(date=START + timedelta(days=60), value=70)]
    k = Kpi(key="k", name="KPI", category="lagging", direction="higher", baseline=50, target=80, readings=readings)
    assert kpi_status(k).trend == "improving"


BACKSLIDING_CASES = [
    # name, direction, baseline, values (oldest first), threshold, retained, backsliding
    ("higher-exactly-at-threshold", "higher", 0, [10, 8], 0.8, 0.8, False),
    ("higher-just-below", "higher", 0, [10, 7.99], 0.8, 0.799, True),
    # float division says 0.7999999999999999 here; the exact ratio is 0.8
    ("higher-decimal-noise-at-threshold", "higher", 0, [1.5, 1.2], 0.8, 0.8, False),
    ("higher-at-peak", "higher", 50, [60, 70], 0.8, 1.0, False),
    ("higher-below-baseline-again", "higher", 0, [10, -5], 0.8, -0.5, True),
    ("higher-rounded-to-3", "higher", 0, [3, 2], 0.8, 0.667, True),
    ("higher-custom-threshold", "higher", 0, [10, 7], 0.5, 0.7, False),
    ("higher-never-improved", "higher", 50, [50, 40, 45], 0.8, None, False),
    ("lower-exactly-at-threshold", "lower", 20, [10, 12], 0.8, 0.8, False),
    ("lower-just-below", "lower", 20, [10, 12.5], 0.8, 0.75, True),
    ("lower-decimal-noise-at-threshold", "lower", 1.5, [0, 0.3], 0.8, 0.8, False),
    ("lower-at-peak", "lower", 20, [15, 10], 0.8, 1.0, False),
    ("lower-never-improved", "lower", 20, [25, 20], 0.8, None, False),
]


@pytest.mark.parametrize(
    ("direction", "baseline", "values", "threshold", "retained", "backsliding"),
    [c[1:] for c in BACKSLIDING_CASES],
    ids=[c[0] for c in BACKSLIDING_CASES],
)
def test_backsliding(direction, baseline, values, threshold, retained, backsliding):
    s = kpi_status(kpi(values, direction=direction, baseline=baseline, target=baseline), retained_threshold=threshold)
    assert s.retained == retained
    assert s.backsliding is backsliding


PEAK_CASES = [
    ("higher-max", "higher", [5, 9, 7], 9),
    ("lower-min", "lower", [5, 2, 7], 2),
]


@pytest.mark.parametrize(("direction", "values", "peak"), [c[1:] for c in PEAK_CASES], ids=[c[0] for c in PEAK_CASES])
def test_peak_is_direction_aware(direction, values, peak):
    assert kpi_status(kpi(values, direction=direction, baseline=4 if direction == "higher" else 8)).peak == peak


DASHBOARD_CASES = [
    # dashboard, category, marked for the team, shown
    ("executive-lagging", "executive", "lagging", False, True),
    ("executive-lagging-marked", "executive", "lagging", True, True),
    ("executive-leading", "executive", "leading", True, False),
    ("executive-diagnostic", "executive", "diagnostic", False, False),
    ("operational-leading", "operational", "leading", False, True),
    ("operational-lagging", "operational", "lagging", False, True),
    ("operational-diagnostic", "operational", "diagnostic", True, True),
    ("team-leading-marked", "team", "leading", True, True),
    ("team-leading-unmarked", "team", "leading", False, False),
    ("team-lagging-marked", "team", "lagging", True, True),
    ("team-lagging-unmarked", "team", "lagging", False, False),
    ("team-diagnostic-marked", "team", "diagnostic", True, True),
]


@pytest.mark.parametrize(("name", "category", "team", "shown"), [c[1:] for c in DASHBOARD_CASES], ids=[c[0] for c in DASHBOARD_CASES])
def test_which_kpis_each_dashboard_shows(name, category, team, shown):
    assert on_dashboard(name, category, team) is shown


def test_unknown_dashboard():
    with pytest.raises(ValueError, match="unknown dashboard"):
        on_dashboard("board", "lagging", False)


@pytest.mark.parametrize(("category", "team"), [("leading", True), ("lagging", False), ("diagnostic", False)])
def test_a_kpi_without_a_team_mark_is_on_the_team_dashboard_when_leading(category, team):
    k = Kpi(key="k", name="K", category=category, direction="higher", baseline=0, target=1)
    assert k.team is team
    assert "team" not in k.model_dump()  # what the category gives is not written
    marked = Kpi(key="k", name="K", category=category, direction="higher", baseline=0, target=1, team=not team)
    assert marked.team is (not team) and marked.model_dump()["team"] is (not team)
    assert kpi_status(marked).team is (not team)


# ----- forecast: when the target is reached at the current slope ---------------------------------------------------

DAY = timedelta(days=1)
FORECAST_CASES = [
    # name, direction, baseline, target, values (one every ``every`` days from START), every, (forecast, days after START)
    ("no-readings", "higher", 50, 80, [], 7, (None, None)),
    ("one-reading-off-target", "higher", 50, 80, [60], 7, (None, None)),
    ("one-reading-on-target", "higher", 50, 80, [85], 7, ("on_target", None)),
    # slope 5/7 a day from 60 on day 14: 20 / (5/7) = 28 days on, day 42
    ("higher-improving", "higher", 50, 80, [50, 55, 60], 7, ("reaches", 42)),
    # slope -2/7 a day from 16 on day 14: 6 / (2/7) = 21 days on, day 35
    ("lower-improving", "lower", 20, 10, [20, 18, 16], 7, ("reaches", 35)),
    # slope 10/3 a day from 60 on day 3: 21 / (10/3) = 6.3, so the 7th day after it
    ("part-of-a-day-rounds-up", "higher", 50, 81, [50, 60], 3, ("reaches", 10)),
    ("flat", "higher", 50, 80, [50, 51, 50, 51], 7, ("not_at_current_slope", None)),
    ("wrong-way-higher", "higher", 50, 80, [60, 55, 50], 7, ("not_at_current_slope", None)),
    ("wrong-way-lower", "lower", 20, 10, [15, 18, 20], 7, ("not_at_current_slope", None)),
    ("lower-flat", "lower", 20, 10, [15, 15.2, 15], 7, ("not_at_current_slope", None)),
    # on target wins over any trend, also a declining one
    ("on-target-declining", "higher", 50, 80, [95, 90, 85], 7, ("on_target", None)),
    ("on-target-exactly", "higher", 50, 80, [70, 80], 7, ("on_target", None)),
    ("lower-on-target", "lower", 20, 10, [14, 9], 7, ("on_target", None)),
    # a year for 5% of the way (just improving): 950 / (50/365) days is about 19 years, past FORECAST_YEARS
    ("too-slow", "higher", 0, 1000, [0, 50], 365, ("not_at_current_slope", None)),
    # a year for 50% of the way: 500 / (500/365) = 365 days
    ("slow-but-within-the-horizon", "higher", 0, 1000, [0, 500], 365, ("reaches", 730)),
]


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "values", "every", "expected"), [c[1:] for c in FORECAST_CASES], ids=[c[0] for c in FORECAST_CASES]
)
def test_forecast(direction, baseline, target, values, every, expected):
    forecast, days = expected
    s = kpi_status(kpi(values, direction=direction, baseline=baseline, target=target, every=every))
    assert (s.forecast, s.forecast_date) == (forecast, None if days is None else START + days * DAY)
    assert forecast_of(direction, baseline, target, kpi(values, every=every).readings) == (s.forecast, s.forecast_date)
    if forecast == "reaches":  # never against the trend shown beside it, and always ahead of the latest reading
        assert s.trend == "improving" and s.forecast_date > s.current_date


def test_a_forecast_past_the_horizon_is_no_forecast():
    # 500 a year, from 500: a target ``days`` days of that slope away (half a day short, so ceil gives ``days``)
    def status(days: int) -> KpiStatus:
        return kpi_status(kpi([0, 500], baseline=0, target=500 + (days - 0.5) * 500 / 365, every=365))

    last = int(FORECAST_YEARS * 365.25)  # 3652 days
    assert (status(last).forecast, status(last).forecast_date) == ("reaches", START + (365 + last) * DAY)
    assert (status(last + 1).forecast, status(last + 1).forecast_date) == ("not_at_current_slope", None)


def test_readings_all_on_one_day_have_no_slope_and_no_forecast():
    # Two readings of one day cannot be stored (one per KPI per date); built without the check, they fit no line.
    k = Kpi.model_construct(
        key="k", name="K", category="lagging", direction="higher", baseline=50, target=80, readings=[Reading(date=START, value=v) for v in (55, 60)]
    )
    s = kpi_status(k)
    assert (s.trend, s.forecast, s.forecast_date) == (None, None, None)


def test_the_forecast_uses_the_trend_window_and_the_latest_reading():
    # Two old lows, then eight readings rising 2 a week: the slope is that of the last eight (2/7 a day), from 64.
    values = [0, 0, 50, 52, 54, 56, 58, 60, 62, 64]
    s = kpi_status(kpi(values, target=80))
    assert s.forecast == "reaches" and s.forecast_date == START + (9 * 7 + 56) * DAY  # 16 / (2/7) = 56 days after the latest


def test_the_forecast_as_of_a_day_uses_the_readings_up_to_it():
    k = kpi([50, 55, 60, 70, 80])  # on target from day 28
    assert kpi_status(k, as_of=START + 14 * DAY).forecast_date == START + 42 * DAY
    assert kpi_status(k, as_of=START + 28 * DAY).forecast == "on_target"


def test_uneven_spacing_gives_the_slope_per_day():
    readings = [Reading(date=START, value=50), Reading(date=START + 1 * DAY, value=50), Reading(date=START + 60 * DAY, value=70)]
    k = Kpi(key="k", name="KPI", category="lagging", direction="higher", baseline=50, target=80, readings=readings)
    s = kpi_status(k)
    # the least-squares slope per day through (day 0, 50), (day 1, 50), (day 60, 70), on from 70 on day 60
    xs, ys = [0, 1, 60], [50, 50, 70]
    mx, my = sum(xs) / 3, sum(ys) / 3
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    assert s.forecast_date == START + (60 + math.ceil(10 / slope)) * DAY


# ----- benchmark ----------------------------------------------------------------------------------------------------

BENCHMARK_CASES = [
    ("none", "%", None, 70, None),
    ("no-reading", "%", 75, None, None),
    ("percent-points-below", "%", 75, 72, -3),
    ("percent-points-above", "%", 75, 80.5, 5.5),
    ("relative-above", "h", 8, 10, 25),
    ("relative-below", "USD", 200, 150, -25),
    ("level", "", 5, 5, 0),
    ("zero-benchmark-relative-is-none", "tickets", 0, 3, None),
]


@pytest.mark.parametrize(("unit", "benchmark", "current", "expected"), [c[1:] for c in BENCHMARK_CASES], ids=[c[0] for c in BENCHMARK_CASES])
def test_versus_benchmark(unit, benchmark, current, expected):
    assert versus_benchmark(unit, benchmark, current) == expected


def test_the_status_carries_the_benchmark():
    k = Kpi(key="k", name="K", category="lagging", unit="%", direction="higher", baseline=50, target=80, benchmark=75, readings=[])
    assert kpi_status(k).benchmark == 75
    assert kpi_status(kpi([60])).benchmark is None


@pytest.mark.parametrize(
    ("value", "problem"), [(float("nan"), "finite"), (2e15, "too large"), (True, "must be a number"), ("75", "must be a number")]
)
def test_a_benchmark_is_a_finite_number(value, problem):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=problem):
        Kpi(key="k", name="K", category="lagging", direction="higher", baseline=0, target=1, benchmark=value)


# ----- the latest achievement: the largest improvement on the reading before ------------------------------------

IMPROVEMENT_CASES = [
    # direction, baseline, target, before, after, improvement (share of the baseline-to-target gap)
    ("higher-up", "higher", 50, 80, 60, 66, 0.2),
    ("higher-down", "higher", 50, 80, 66, 60, -0.2),
    ("lower-down-is-better", "lower", 20, 10, 16, 14, 0.2),
    ("lower-up-is-worse", "lower", 20, 10, 14, 16, -0.2),
    ("unchanged", "higher", 50, 80, 60, 60, 0.0),
    ("no-before", "higher", 50, 80, None, 60, None),
    ("no-after", "higher", 50, 80, 60, None, None),
    # baseline == target: measured against |baseline|, as the trend is
    ("no-gap-uses-baseline", "higher", 10, 10, 10, 12, 0.2),
]


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "before", "after", "expected"), [c[1:] for c in IMPROVEMENT_CASES], ids=[c[0] for c in IMPROVEMENT_CASES]
)
def test_improvement(direction, baseline, target, before, after, expected):
    moved = improvement(direction, baseline, target, before, after)
    assert moved == (None if expected is None else pytest.approx(expected))


ACHIEVEMENT_CASES = [
    ("none", [], None),
    ("only-one-reading", [("higher", 0, 10, None, 5)], None),
    ("none-improved", [("higher", 0, 10, 5, 4), ("lower", 10, 0, 4, 5)], None),
    ("unchanged-is-no-achievement", [("higher", 0, 10, 5, 5)], None),
    # in their own units the first moved most (10 against 1); against their gaps the second did (10% against 50%)
    ("share-of-the-gap-not-the-units", [("higher", 0, 100, 50, 60), ("higher", 0, 2, 1, 2)], 1),
    ("lower-is-better-falls", [("higher", 0, 10, 5, 6), ("lower", 10, 0, 6, 3)], 1),
    ("a-tie-goes-to-the-first", [("higher", 0, 10, 5, 6), ("lower", 10, 0, 6, 5)], 0),
    ("worse-ones-are-passed-over", [("higher", 0, 10, 6, 1), ("higher", 0, 10, 1, 2)], 1),
]


@pytest.mark.parametrize(("moves", "expected"), [c[1:] for c in ACHIEVEMENT_CASES], ids=[c[0] for c in ACHIEVEMENT_CASES])
def test_latest_achievement(moves, expected):
    assert latest_achievement(moves) == expected


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_on_target_on_a_day_is_what_the_status_on_that_day_says(direction):
    from carebench.core.kpis import on_target_on

    kpi = Kpi(
        key="k",
        name="K",
        category="lagging",
        direction=direction,
        baseline=10,
        target=20,
        readings=[{"date": "2026-01-10", "value": 25}, {"date": "2026-02-10", "value": 15}, {"date": "2026-03-10", "value": 20}],
    )
    for day in ("2026-01-09", "2026-01-10", "2026-02-09", "2026-02-10", "2026-03-09", "2026-03-10", "2026-12-31"):
        assert on_target_on(kpi, date.fromisoformat(day)) == kpi_status(kpi, as_of=date.fromisoformat(day)).on_target
    assert on_target_on(kpi, date(2026, 1, 9)) is None
    assert on_target_on(kpi, date(2026, 2, 10)) is (direction == "lower")


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "values", "meaningful"),
    [
        ("higher", 60, 90, [85, 70], True),  # keeps (70-60)/(85-60) = 40%
        ("higher", 60, 90, [85, 60], True),  # back at the baseline: 0% is a real answer
        ("lower", 14, 8, [13, 32], False),  # worse than the baseline: -1800% means nothing
        ("lower", 3.5, 24, [1.5, 4.2], False),  # median hours, now above the baseline
        ("higher", 0, 100, [1, 0.5], False),  # a best gain of 1% of the way to target: the share of a sliver
        ("higher", 60, 90, [55, 50], False),  # never improved on its baseline
        ("higher", 60, 90, [], False),  # no reading yet
    ],
    ids=["kept-share", "back-at-baseline", "worse-than-baseline", "worse-lower-is-better", "barely-improved", "never-improved", "no-reading"],
)
def test_retained_share_is_shown_only_when_meaningful(direction, baseline, target, values, meaningful):
    from carebench.core.kpis import retained_note

    kpi = Kpi(
        key="k",
        name="K",
        category="lagging",
        unit="%",
        direction=direction,
        baseline=baseline,
        target=target,
        readings=[Reading(date=date(2026, 1, 1 + i), value=v) for i, v in enumerate(values)],
    )
    s = kpi_status(kpi)
    note = retained_note(kpi.direction, kpi.baseline, kpi.target, s.peak, s.retained)
    assert (note is None) is meaningful
    if not meaningful:
        assert note and note[0].islower()  # a reason, to follow "because"
