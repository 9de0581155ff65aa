"""Health score rules: weighted components, the overall score, its band and what changed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter

from carebench.core.kpis import KpiStatus
from carebench.core.models import SUBSCORES, Assessment, Band, Pulse, Result, Scores
from carebench.core.models import Suggestion as Suggestion
from carebench.core.pulses import satisfaction_suggestion
from carebench.core.terms import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS

# The weighting rules, re-exported (`name as name`) for the rules' users.
from carebench.core.weighting import COMPONENTS as COMPONENTS
from carebench.core.weighting import DEFAULT_BANDS as DEFAULT_BANDS
from carebench.core.weighting import DEFAULT_SCALE, Scale
from carebench.core.weighting import Bands as Bands
from carebench.core.weighting import component_mean as component_mean
from carebench.core.weighting import round_half_up as round_half_up
from carebench.core.weighting import validate_weights as validate_weights

GREEN_FROM = DEFAULT_BANDS.green_from
YELLOW_FROM = DEFAULT_BANDS.yellow_from

BAND_LABEL: dict[Band, str] = {"green": "thriving", "yellow": "at risk", "red": "critical"}
"""A short word for each band."""

BAND_ADVICE: dict[Band, tuple[str, ...]] = {
    "green": (
        "Stay on the regular touchpoint schedule.",
        "Look for room to expand the engagement.",
        "Ask for a testimonial or a referral.",
    ),
    "yellow": (
        "Meet the client more often.",
        "Dig into what is going wrong and why.",
        "Agree a focused plan to fix it.",
    ),
    "red": (
        "Step in every working day.",
        "Escalate to executives on both sides.",
        "Write and run a recovery plan.",
    ),
}
"""What each band asks the consultant to do."""


class ComponentScore(Result):
    """One component's mean score, its weight and the sub-scores behind it."""

    score: Decimal
    weight: Decimal
    subscores: dict[str, int]


class Driver(Result):
    """A sub-score that moved between two assessments."""

    subscore: str
    before: int
    after: int
    change: int


class HealthReport(Result):
    """Everything shown for one assessment: breakdown, overall, band and change since the last one."""

    date: date
    overall: Decimal
    band: Band
    components: dict[str, ComponentScore]
    previous_overall: Decimal | None
    delta: Decimal | None
    drivers: list[Driver]
    note: str | None


def overall_score(scores: Scores, weights: Mapping[str, object] = DEFAULT_WEIGHTS) -> Decimal:
    """Return the overall health score, computed exactly and rounded half-up to one decimal."""
    sums = tuple(sum(getattr(scores, name) for name in names) for names in COMPONENTS.values())
    return _overall_of(sums, tuple(sorted(weights.items())))


@lru_cache(maxsize=65536)
def _overall_of(sums: tuple[int, ...], weights: tuple[tuple[str, object], ...]) -> Decimal:
    """The exact computation from each component's sum of sub-scores (all the score depends on), remembered.

    A portfolio's thousands of assessments come down to a few thousand such sums (at most 28 ** 3).
    """
    checked = validate_weights(dict(weights))
    exact = sum(
        (Fraction(checked[component]) * Fraction(total, len(COMPONENTS[component])) for component, total in zip(COMPONENTS, sums)), Fraction(0)
    )
    return round_half_up(exact, 1)


def component_score(scores: Scores, component: str) -> Decimal:
    """Return a component's mean rounded half-up to two decimals, for display."""
    return component_mean({name: getattr(scores, name) for name in SUBSCORES}, component)


@lru_cache(maxsize=1024)
def band_of(overall: Decimal, bands: Bands = DEFAULT_BANDS) -> Band:
    """Return the band for an overall score, reading it after rounding to one decimal."""
    rounded = round_half_up(Fraction(overall), 1)
    if rounded >= bands.green_from:
        return "green"
    if rounded >= bands.yellow_from:
        return "yellow"
    return "red"


def _drivers(before: Scores, after: Scores) -> list[Driver]:
    """List the sub-scores that changed, biggest move first, ties in the usual sub-score order."""
    drivers = [
        Driver(subscore=name, before=getattr(before, name), after=getattr(after, name), change=getattr(after, name) - getattr(before, name))
        for name in SUBSCORES
        if getattr(after, name) != getattr(before, name)
    ]
    drivers.sort(key=lambda d: (-abs(d.change), SUBSCORES.index(d.subscore)))
    return drivers


def health_report(
    assessment: Assessment,
    previous: Assessment | None,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    bands: Bands = DEFAULT_BANDS,
) -> HealthReport:
    """Build the breakdown of one assessment and how it moved since the previous one."""
    checked = validate_weights(weights)
    scores = assessment.scores
    components = {
        component: ComponentScore(
            score=component_score(scores, component),
            weight=checked[component],
            subscores={name: getattr(scores, name) for name in names},
        )
        for component, names in COMPONENTS.items()
    }
    overall, band, previous_overall, delta, drivers = assessment_figures(assessment, previous, checked, bands)
    return HealthReport(
        date=assessment.date,
        overall=overall,
        band=band,
        components=components,
        previous_overall=previous_overall,
        delta=delta,
        drivers=drivers,
        note=assessment.note,
    )


def assessment_figures(
    assessment: Assessment,
    previous: Assessment | None,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    bands: Bands = DEFAULT_BANDS,
) -> tuple[Decimal, Band, Decimal | None, Decimal | None, list[Driver]]:
    """What ``health_report`` says of an assessment beyond its breakdown: overall, band, previous overall, change, drivers."""
    checked = validate_weights(weights)
    overall = overall_score(assessment.scores, checked)
    previous_overall = None if previous is None else overall_score(previous.scores, checked)
    return (
        overall,
        band_of(overall, bands),
        previous_overall,
        None if previous_overall is None else overall - previous_overall,
        [] if previous is None else _drivers(previous.scores, assessment.scores),
    )


def latest_on_or_before(assessments: list[Assessment], day: date) -> Assessment | None:
    """Return the newest assessment dated on or before ``day``, whatever order they come in."""
    candidates = [a for a in assessments if a.date <= day]
    return max(candidates, key=lambda a: a.date) if candidates else None


def previous_of(assessments: list[Assessment], assessment: Assessment) -> Assessment | None:
    """Return the assessment just before the given one by date, to compare against."""
    earlier = [a for a in assessments if a.date < assessment.date]
    return max(earlier, key=lambda a: a.date) if earlier else None


def health_history(
    assessments: list[Assessment],
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    until: date | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> list[tuple[date, Decimal, Band]]:
    """Return (date, overall, band) per assessment up to ``until``, oldest first, for trend charts."""
    checked = validate_weights(weights)
    history = []
    for assessment in sorted(assessments, key=lambda a: a.date):
        if until is not None and assessment.date > until:
            continue
        overall = overall_score(assessment.scores, checked)
        history.append((assessment.date, overall, band_of(overall, bands)))
    return history


def share_to_score(share: float | Fraction) -> int:
    """Map a share in 0..1 to a 1-10 score as clamp(round_half_up(1 + 9 x share), 1, 10).

    Float shares are first read as the nearest simple fraction (denominator up to a
    million) so a share like 1/6 that came from counting lands on its exact tie.
    """
    if isinstance(share, float):
        if not math.isfinite(share):
            raise ValueError(f"share must be a finite number, not {share!r}")
        share = Fraction(share).limit_denominator(1_000_000)
    score = int(round_half_up(1 + 9 * Fraction(share)))
    return max(1, min(10, score))


def _percent(share: Fraction) -> str:
    """Write a share as a whole percent, rounded half-up."""
    return f"{round_half_up(share * 100)}%"


def suggest_subscores(
    kpi_statuses: list[KpiStatus],
    on_time_share: float | None,
    *,
    pulses: list[Pulse] | None = None,
    as_of: date | None = None,
) -> dict[str, Suggestion]:
    """Propose achievement, communication, sustainability and satisfaction scores from the evidence that exists.

    achievement comes from the share of KPIs (with a current value) on target,
    communication from the share of touchpoints done on time in the last 30 days
    (worked out by the caller), and sustainability from the mean share of their best
    gain that improved KPIs still hold (each capped to 0..1). When pulse answers are
    given, satisfaction comes from their mean satisfaction over the 90 days up to
    ``as_of`` (the newest answer's date when ``as_of`` is None; see
    support.satisfaction_suggestion). A sub-score with no evidence behind it gets no
    suggestion.
    """
    suggestions: dict[str, Suggestion] = {}

    measured = [status for status in kpi_statuses if status.on_target is not None]
    if measured:
        on_target = sum(1 for status in measured if status.on_target)
        share = Fraction(on_target, len(measured))
        noun = "KPI" if len(measured) == 1 else "KPIs"
        suggestions["achievement"] = Suggestion(
            subscore="achievement",
            score=share_to_score(share),
            reason=f"{on_target} of {len(measured)} {noun} on target",
        )

    if on_time_share is not None:
        share = Fraction(on_time_share).limit_denominator(1_000_000) if isinstance(on_time_share, float) else Fraction(on_time_share)
        share = max(Fraction(0), min(Fraction(1), share))
        suggestions["communication"] = Suggestion(
            subscore="communication",
            score=share_to_score(share),
            reason=f"{_percent(share)} of touchpoints in the last 30 days done on time",
        )

    improved = [status.retained for status in kpi_statuses if status.retained is not None]
    if improved:
        capped = [max(Fraction(0), min(Fraction(1), Fraction(value).limit_denominator(1_000_000))) for value in improved]
        mean = sum(capped, Fraction(0)) / len(capped)
        noun = "improved KPI keeps" if len(capped) == 1 else "improved KPIs keep"
        suggestions["sustainability"] = Suggestion(
            subscore="sustainability",
            score=share_to_score(mean),
            reason=f"{len(capped)} {noun} {_percent(mean)} of the best gain on average",
        )

    if pulses:
        day = as_of if as_of is not None else max(p.date for p in pulses)
        satisfaction = satisfaction_suggestion(pulses, day)
        if satisfaction is not None:
            suggestions["satisfaction"] = satisfaction

    return suggestions


_COMPONENT_SCORES = tuple(attrgetter(*names) for names in COMPONENTS.values())
_BANDS: dict[tuple[tuple[int, ...], Bands, tuple[tuple[str, Decimal], ...]], Band] = {}  # (component sums, bands, weights)


def assessment_band(scores: Scores, scale: Scale = DEFAULT_SCALE) -> Band:
    """``band_of(overall_score(scores, scale.weights), scale.bands)``, remembered per sum of each component's sub-scores.

    The overall score is the weighted mean of the component means, so those sums decide it:
    a portfolio's thousands of assessments come down to a few thousand such sums (at most
    28 ** 3), and the exact arithmetic runs once for each.
    """
    sums = tuple(sum(component(scores)) for component in _COMPONENT_SCORES)
    key = (sums, scale.bands, tuple(sorted(scale.weights.items())))
    band = _BANDS.get(key)
    if band is None:
        band = _BANDS[key] = band_of(overall_score(scores, scale.weights), scale.bands)
    return band
