"""KPI rules: current value, change vs baseline, trend, forecast, target, benchmark and backsliding."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

from carebench.core.models import Category, Direction, Kpi, Reading, Result

TREND_WINDOW = 8
"""How many of the latest readings the trend line is fitted over."""

FLAT_SHARE = Fraction(1, 20)
"""A fitted move smaller than 5% of the baseline-to-target gap counts as flat."""

Trend = Literal["improving", "flat", "declining"]

Forecast = Literal["on_target", "reaches", "not_at_current_slope"]
"""What the forecast says: already on target; reaches it on ``forecast_date``; or does not at the current slope."""

FORECAST_YEARS = 10
"""A target further off than this many years after the latest reading is not reached at the current slope."""

DASHBOARDS = ("executive", "operational", "team")
"""The three dashboards: executive (lagging KPIs), operational (every KPI), team (the KPIs marked for the team)."""


def on_dashboard(name: str, category: str, team: bool) -> bool:
    """Whether a KPI of ``category`` (marked for the team dashboard or not) shows on dashboard ``name``.

    The executive dashboard shows the lagging KPIs, the operational one every KPI, and the team
    one the KPIs marked for the team, whatever their category (leading KPIs are, unless unmarked).
    """
    if name == "executive":
        return category == "lagging"
    if name == "operational":
        return True
    if name == "team":
        return team
    raise ValueError(f"unknown dashboard {name!r}; expected one of: {', '.join(DASHBOARDS)}")


class KpiStatus(Result):
    """Where one KPI stands on a date; the field names are a JSON contract."""

    key: str
    name: str
    category: Category
    unit: str
    direction: Direction
    baseline: float
    target: float
    current: float | None
    change: float | None
    change_unit: Literal["pp", "%"]
    on_target: bool | None
    trend: Trend | None
    backsliding: bool
    retained: float | None
    peak: float | None
    previous: float | None
    current_date: date | None
    readings_count: int
    team: bool = False
    benchmark: float | None = None
    forecast: Forecast | None = None
    forecast_date: date | None = None


def exact(value: float) -> Fraction:
    """Return the decimal a float was written as, exactly, so 0.8 compares as 4/5 and not its binary neighbour."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return Fraction(Decimal(repr(float(value))))


@lru_cache(maxsize=1 << 16)  # thresholds, baselines, targets and readings recur across a portfolio
def _exact_ratio(value: float) -> tuple[int, int]:
    """``exact(value)`` as (numerator, denominator), the denominator positive."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return Decimal(repr(float(value))).as_integer_ratio()


def change_vs_baseline(unit: str, baseline: float, current: float) -> float | None:
    """Return the change from baseline, in points for % KPIs and relative percent otherwise.

    None where a relative change says nothing: a zero baseline, or one so close to zero that the change would pass
    MAX_RELATIVE_CHANGE percent (a baseline of 1e-300 makes any reading an astronomical "gain").
    """
    if unit.strip() == "%":
        return round(float(exact(current) - exact(baseline)), 2)
    if baseline == 0:
        return None
    relative = (exact(current) - exact(baseline)) / abs(exact(baseline)) * 100
    if abs(relative) > MAX_RELATIVE_CHANGE:
        return None
    return round(float(relative), 2)


MAX_RELATIVE_CHANGE = 10**15
"""The largest relative change (in percent) carebench reports; beyond it the baseline is as good as zero."""


def change_unit_of(unit: str) -> Literal["pp", "%"]:
    """Return "pp" for KPIs measured in percent and "%" for the rest, so a change is never read the wrong way."""
    return "pp" if unit.strip() == "%" else "%"


def best_of(direction: Direction) -> Callable[..., Any]:
    """The function picking the best of readings (``max`` for a "higher" KPI, ``min`` otherwise): the peak is its best so far."""
    return max if direction == "higher" else min


def is_on_target(direction: Direction, current: float, target: float) -> bool:
    """Tell whether a value meets the target in the KPI's good direction."""
    return current >= target if direction == "higher" else current <= target


def _scale(baseline: float, target: float) -> float:
    """What a KPI's moves are measured against: the gap from baseline to target (or |baseline|, or 1 when both are zero)."""
    return abs(target - baseline) or abs(baseline) or 1.0


def trend_line(readings: list[Reading]) -> tuple[list[Reading], float] | None:
    """The trend window (the last TREND_WINDOW readings, oldest first) and the slope of its least-squares line, per day.

    None under two readings, or when they all share one date (no line runs through them).
    """
    window = sorted(readings, key=lambda r: r.date)[-TREND_WINDOW:]
    if len(window) < 2:
        return None
    first = window[0].date
    # Floats: a trend is a judgement over noisy readings, and this runs for every KPI of a portfolio.
    xs = [float((r.date - first).days) for r in window]
    ys = [r.value for r in window]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return window, sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread


def _trend(direction: Direction, baseline: float, target: float, window: list[Reading], slope: float) -> Trend:
    fitted_change = slope * (window[-1].date - window[0].date).days
    if abs(fitted_change) / _scale(baseline, target) < float(FLAT_SHARE):
        return "flat"
    good_way = fitted_change > 0 if direction == "higher" else fitted_change < 0
    return "improving" if good_way else "declining"


def trend_of(direction: Direction, baseline: float, target: float, readings: list[Reading]) -> Trend | None:
    """Classify the least-squares line through the last 8 readings as improving, flat or declining.

    The fitted change over the window (slope x days from first to last reading) is
    compared with the gap between baseline and target (or |baseline|, or 1 when both
    are zero): below 5% of it the KPI is "flat", otherwise it is "improving" when it
    moves the good way for its direction and "declining" when it does not. Fewer than
    two readings give None.
    """
    return outlook(direction, baseline, target, readings)[0]


def forecast_of(direction: Direction, baseline: float, target: float, readings: list[Reading]) -> tuple[Forecast | None, date | None]:
    """When the KPI reaches its target at the current slope: (what the forecast says, the day it reaches it).

    The current slope is the slope of the trend line (``trend_line``: least squares over the
    last TREND_WINDOW readings, the line ``trend_of`` judges). From the latest reading's value
    and date the KPI moves on at that slope; the forecast day is the first whole day on which
    it meets the target.

    - no reading: (None, None); the latest reading on target: ("on_target", None);
    - under two readings (or all on one date): (None, None), there is no slope;
    - a trend that is not "improving" (flat, declining): ("not_at_current_slope", None), so the
      forecast never contradicts the trend shown beside it;
    - improving, but further off than FORECAST_YEARS: ("not_at_current_slope", None);
    - otherwise ("reaches", the day).
    """
    return outlook(direction, baseline, target, readings)[1:]


def outlook(direction: Direction, baseline: float, target: float, readings: list[Reading]) -> tuple[Trend | None, Forecast | None, date | None]:
    """``trend_of`` and ``forecast_of`` at once, from one fit of the trend line."""
    line = trend_line(readings)
    trend = None if line is None else _trend(direction, baseline, target, *line)
    if not readings:
        return trend, None, None
    latest = max(readings, key=lambda r: r.date)
    if is_on_target(direction, latest.value, target):
        return trend, "on_target", None
    if line is None:
        return trend, None, None
    if trend != "improving":
        return trend, "not_at_current_slope", None
    days = math.ceil((target - latest.value) / line[1])  # > 0: an improving slope points at a target not yet met
    if days > FORECAST_YEARS * 365.25:
        return trend, "not_at_current_slope", None
    return trend, "reaches", latest.date + timedelta(days=days)


def versus_benchmark(unit: str, benchmark: float | None, current: float | None) -> float | None:
    """The current value against the benchmark, as the change vs baseline is said: points for % KPIs, else relative
    percent of the benchmark (None without both, or for a zero benchmark of a KPI not in %)."""
    if benchmark is None or current is None:
        return None
    return change_vs_baseline(unit, benchmark, current)


def improvement(direction: Direction, baseline: float, target: float, before: float | None, after: float | None) -> float | None:
    """How far a KPI moved the good way from ``before`` to ``after``, as a share of the gap from baseline to target.

    Positive is better for the KPI's direction (a "lower" KPI improves as it falls); the share of
    the gap lets KPIs in different units be compared. None unless there are both values.
    """
    if before is None or after is None:
        return None
    moved = after - before if direction == "higher" else before - after
    return moved / _scale(baseline, target)


Move = tuple[Direction, float, float, float | None, float | None]
"""A KPI's latest move: its direction, baseline and target, the value before and the value after."""


def latest_achievement(moves: list[Move]) -> int | None:
    """Of KPIs' latest moves, the index of the one that improved most (``improvement``), or None when none improved.

    The daily check-in names it as the latest achievement. A tie goes to the KPI listed first.
    """
    best, most = None, 0.0
    for index, (direction, baseline, target, before, after) in enumerate(moves):
        moved = improvement(direction, baseline, target, before, after)
        if moved is not None and moved > most:
            best, most = index, moved
    return best


def retention(
    direction: Direction, baseline: float, current: float | None, peak: float | None, retained_threshold: float = 0.8
) -> tuple[float | None, bool]:
    """How much of its best gain over the baseline a KPI keeps, and whether that is backsliding.

    ``current`` is the latest reading and ``peak`` the best one (the highest for a "higher"
    KPI, the lowest for a "lower" one). Returns (retained share rounded to 3 places,
    backsliding); a KPI that never improved on its baseline keeps nothing: (None, False).
    The comparison with the threshold is exact, on the decimals the numbers were written as.
    """
    if current is None or peak is None:
        return None, False
    share = _retained(direction, _exact_ratio(baseline), _exact_ratio(current), _exact_ratio(peak))
    if share is None:
        return None, False
    numerator, denominator = share
    # Integer true division rounds correctly, as float() of the exact fraction does.
    return round(numerator / denominator, 3), _below(share, _exact_ratio(retained_threshold))


RETAINED_NO_READING = "it has no reading yet"
RETAINED_NEVER_IMPROVED = "it never improved on its baseline, so there is no gain to keep"
RETAINED_WORSE = "it is now worse than its baseline: none of its best gain is left, and a share of it means nothing"
RETAINED_BARELY = "its best was barely better than its baseline (under 5% of the way to its target), so a share of that gain means nothing"


def retained_note(direction: Direction, baseline: float, target: float, peak: float | None, retained: float | None) -> str | None:
    """Why the retained share of a KPI's best gain cannot be meaningful, or None when it is.

    It is not when the KPI never improved on its baseline (no share), when it is now worse than
    its baseline (a negative share: "-3783%"), or when its best gain was under FLAT_SHARE of the
    gap between baseline and target (the share of a sliver of gain swings wildly). Screens show
    "—" for such a share, with this reason; JSON gives null.
    """
    if peak is None:
        return RETAINED_NO_READING
    if retained is None:
        return RETAINED_NEVER_IMPROVED
    if retained < 0:
        return RETAINED_WORSE
    gap = abs(exact(target) - exact(baseline))
    if gap and abs(exact(peak) - exact(baseline)) < gap * FLAT_SHARE:
        return RETAINED_BARELY
    return None


def _retained(direction: Direction, baseline: tuple[int, int], current: tuple[int, int], peak: tuple[int, int]) -> tuple[int, int] | None:
    """(current - baseline) / (peak - baseline) as (numerator, denominator), from exact ratios; None when the peak never improved.

    As fractions of integers (for speed: this runs for every reading of a portfolio), denominators positive.
    """
    (pn, pd), (bn, bd) = peak, baseline
    gained = pn * bd - bn * pd  # (peak - baseline) * pd * bd
    if (gained <= 0) if direction == "higher" else (gained >= 0):
        return None
    cn, cd = current
    return (cn * bd - bn * cd) * pd, cd * gained


def _below(share: tuple[int, int], threshold: tuple[int, int]) -> bool:
    """Whether the retained share is below the threshold (backsliding), exactly."""
    (numerator, denominator), (tn, td) = share, threshold
    return numerator * td < tn * denominator if denominator > 0 else numerator * td > tn * denominator


def flag_changes(
    direction: Direction,
    baseline: float,
    target: float,
    values: list[float],
    retained_threshold: float = 0.8,
    *,
    current: float | None = None,
    peak: float | None = None,
) -> tuple[tuple[bool, bool], list[tuple[int, bool, bool]]]:
    """How a KPI's on-target and backsliding flags move along its readings, as ``kpi_status`` gives them on each reading's day.

    ``values`` are readings oldest first; ``current`` and ``peak`` the latest and the best
    reading before them (None when there was none). Returns the flags before the first of
    ``values`` ((False, False) without a reading) and (index, on target, backsliding) for
    each reading after which they differ from the ones before it.
    """
    best = best_of(direction)
    base, threshold = _exact_ratio(baseline), _exact_ratio(retained_threshold)
    if current is None or peak is None:
        flags = (False, False)
    else:
        share = _retained(direction, base, _exact_ratio(current), _exact_ratio(peak))
        flags = (is_on_target(direction, current, target), share is not None and _below(share, threshold))
    first, changes = flags, []
    higher, limit = direction == "higher", float(retained_threshold)
    for index, value in enumerate(values):
        if peak is None or best(peak, value) != peak:
            peak = value
        on = value >= target if higher else value <= target  # is_on_target, inlined: this runs for every reading
        gained = peak - baseline
        if (gained <= 0) if higher else (gained >= 0):
            back = False
        else:
            retained = (value - baseline) / gained
            if abs(retained - limit) > 1e-6:  # clearly on one side: floats decide as the exact comparison would
                back = retained < limit
            else:  # at the threshold: the exact comparison on the decimals the numbers were written as
                share = _retained(direction, base, _exact_ratio(value), _exact_ratio(peak))
                back = share is not None and _below(share, threshold)
        if (on, back) != flags:
            flags = (on, back)
            changes.append((index, on, back))
    return first, changes


def on_target_on(kpi: Kpi, day: date) -> bool | None:
    """Whether the KPI's latest reading on or before ``day`` meets its target (None without one): kpi_status's on_target."""
    latest = max((r for r in kpi.readings if r.date <= day), key=lambda r: r.date, default=None)
    return None if latest is None else is_on_target(kpi.direction, latest.value, kpi.target)


def kpi_status(kpi: Kpi, as_of: date | None = None, retained_threshold: float = 0.8, *, count: int | None = None) -> KpiStatus:
    """Work out a KPI's standing from its readings up to ``as_of`` so every screen reports it the same way.

    The latest eight readings and the best one decide it. A KPI loaded with only those
    (and perhaps more of the latest) gives the same status when ``count`` says how many
    readings it has up to ``as_of``.
    """
    readings = sorted(
        (r for r in kpi.readings if as_of is None or r.date <= as_of),
        key=lambda r: r.date,
    )
    latest = readings[-1] if readings else None
    current = latest.value if latest else None
    previous = readings[-2].value if len(readings) >= 2 else None

    peak: float | None = None
    if readings:
        peak = best_of(kpi.direction)(r.value for r in readings)
    retained, backsliding = retention(kpi.direction, kpi.baseline, current, peak, retained_threshold)
    trend, forecast, forecast_date = outlook(kpi.direction, kpi.baseline, kpi.target, readings)

    return KpiStatus(
        key=kpi.key,
        name=kpi.name,
        category=kpi.category,
        unit=kpi.unit,
        direction=kpi.direction,
        baseline=kpi.baseline,
        target=kpi.target,
        current=current,
        change=None if current is None else change_vs_baseline(kpi.unit, kpi.baseline, current),
        change_unit=change_unit_of(kpi.unit),
        on_target=None if current is None else is_on_target(kpi.direction, current, kpi.target),
        trend=trend,
        backsliding=backsliding,
        retained=retained,
        peak=peak,
        previous=previous,
        current_date=latest.date if latest else None,
        readings_count=len(readings) if count is None else count,
        team=kpi.team,
        benchmark=kpi.benchmark,
        forecast=forecast,
        forecast_date=forecast_date,
    )


def plausible_range(unit: str, baseline: float, target: float, recent: list[float]) -> tuple[float, float]:
    """The span a new reading may reasonably fall in, to catch typing slips (a misplaced decimal point).

    Percentages whose baseline and target lie in 0..100 stay in 0..100; otherwise the
    range reaches twice the spread of baseline, target and recent values beyond them,
    and never below zero for a KPI whose known values are all non-negative.
    """
    known = [baseline, target, *recent]
    low, high = min(known), max(known)
    spread = max(high - low, abs(high) * 0.25, 1.0)
    if unit == "%" and 0 <= low and high <= 100:
        return 0.0, 100.0
    lower = low - 2 * spread
    if low >= 0:
        lower = max(lower, 0.0)
    return lower, high + 2 * spread


# How many of a KPI's latest readings the plausible span of a new one looks at.
SPAN_READINGS = 30


def reading_span(kpi: Kpi, day: date) -> tuple[float, float]:
    """The plausible span of a new reading of ``kpi`` on ``day``: from its baseline, target and latest readings."""
    recent = [r.value for r in kpi.readings if r.date <= day][-SPAN_READINGS:]
    return plausible_range(kpi.unit, kpi.baseline, kpi.target, recent)


def implausible(value: float, span: tuple[float, float]) -> str | None:
    """Why ``value`` is not a plausible reading (outside ``span``), or None when it is."""
    low, high = span
    return None if low <= value <= high else f"{value:g} is outside the plausible range {low:g}..{high:g}"
