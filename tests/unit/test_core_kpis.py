"""Tests for the KPI rules in carebench.core.kpis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carebench.core.kpis import (
    DASHBOARD_CATEGORIES,
    KpiStatus,
    categories_for_dashboard,
    kpi_status,
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
    ("executive", ("lagging",)),
    ("operational", ("leading", "lagging", "diagnostic")),
    ("team", ("leading",)),
]


@pytest.mark.parametrize(("name", "categories"), DASHBOARD_CASES, ids=[c[0] for c in DASHBOARD_CASES])
def test_dashboard_categories(name, categories):
    assert categories_for_dashboard(name) == categories
    assert DASHBOARD_CATEGORIES[name] == categories


def test_unknown_dashboard():
    with pytest.raises(ValueError, match="unknown dashboard"):
        categories_for_dashboard("board")


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
