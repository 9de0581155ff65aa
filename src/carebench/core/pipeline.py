"""Expansion pipeline rules: weighted value, readiness from health, stage moves and totals.

Nothing here imports pydantic: the totals are plain dataclasses and any object with a
stage, value and probability (a model or a read model's row) can be added up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from carebench.core.calendar import add_months, months_between
from carebench.core.terms import STAGES, Band, Stage


class Priced(Protocol):
    """What the totals read of an opportunity (a model or a read model's row)."""

    @property
    def stage(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def probability(self) -> int: ...


CENT = Decimal("0.01")

OPEN_STAGES: tuple[Stage, ...] = ("identified", "qualified", "proposed")
"""Stages of a deal still in play; won and lost are closed."""

FORWARD: tuple[Stage, ...] = ("identified", "qualified", "proposed", "won")
"""The path a winning opportunity walks, one step at a time."""

READINESS: dict[Band, str] = {
    "green": "ready to present",
    "yellow": "nurture",
    "red": "hold: recover health first",
}
"""Whether to bring an opportunity to the client, given the client's health band."""

UNKNOWN_READINESS = "unknown: no health assessment"


@dataclass(frozen=True, slots=True)
class StageTotals:
    """How many opportunities sit in one stage and what they are worth."""

    count: int
    value: float
    weighted: float


@dataclass(frozen=True, slots=True)
class PipelineTotals:
    """The live pipeline's worth (open stages only) and a breakdown per stage present."""

    count: int
    value: float
    weighted: float
    by_stage: dict[Stage, StageTotals]


def _decimal(value: float) -> Decimal:
    """Read a float amount as the decimal it was written as."""
    return Decimal(repr(float(value)))


def _weighted(value: float, probability: int) -> Decimal:
    """Return value x probability / 100 rounded half-up to cents, as a Decimal."""
    return (_decimal(value) * probability / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_value(value: float, probability: int) -> float:
    """Return an opportunity's value weighted by its probability, rounded half-up to cents."""
    if not 0 <= probability <= 100:
        raise ValueError(f"probability must be between 0 and 100, got {probability}")
    return float(_weighted(value, probability))


def readiness(band: Band | None) -> str:
    """Say whether to present expansion now, from the client's latest health band."""
    return UNKNOWN_READINESS if band is None else READINESS[band]


def _check_stage(stage: str) -> None:
    """Reject a stage name that is not one of the known stages."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of: {', '.join(STAGES)}")


def next_stage(stage: Stage) -> Stage:
    """Return the stage after this one on the way to won; closed deals have none."""
    _check_stage(stage)
    if stage not in OPEN_STAGES:
        raise ValueError(f"an opportunity that is {stage} has no next stage")
    return FORWARD[FORWARD.index(stage) + 1]


def previous_stage(stage: Stage) -> Stage:
    """Return the stage before this one, so a move can be undone; lost goes back to proposed."""
    _check_stage(stage)
    if stage == "lost":
        return "proposed"
    if stage == "identified":
        raise ValueError("identified is the first stage; there is no stage before it")
    return FORWARD[FORWARD.index(stage) - 1]


WON_PROBABILITY = 100
LOST_PROBABILITY = 0
REOPENED_PROBABILITY = 50


def stage_probability(before: Stage, after: Stage, probability: int) -> int:
    """The probability an opportunity has after a move from stage ``before`` to ``after`` (``probability`` before it).

    To won: 100 (the value is now certain); to lost: 0 (nothing of it is expected any more); back out of won
    or lost: 50, since the old 100 or 0 no longer holds; between open stages the probability set is kept.
    """
    if after == "won":
        return WON_PROBABILITY
    if after == "lost":
        return LOST_PROBABILITY
    if before in ("won", "lost"):
        return REOPENED_PROBABILITY
    return probability


def can_mark_lost(stage: Stage) -> bool:
    """Tell whether an opportunity can be marked lost: only open ones can."""
    _check_stage(stage)
    return stage in OPEN_STAGES


def mark_lost(stage: Stage) -> Stage:
    """Return "lost" for an open opportunity, refusing deals that are already closed."""
    if not can_mark_lost(stage):
        raise ValueError(f"an opportunity that is {stage} cannot be marked lost; only open ones can")
    return "lost"


def pipeline_totals(opportunities: Iterable[Priced]) -> PipelineTotals:
    """Add up opportunities: the top-line totals count open stages only, ``by_stage`` covers every stage present.

    Weighted sums add the per-opportunity weighted values (each rounded to cents),
    so a total matches the rows shown above it.
    """
    return priced_totals(opportunities)[1]


def priced_totals(opportunities: Iterable[Priced]) -> tuple[list[float], PipelineTotals]:
    """Each opportunity's weighted value (as ``weighted_value`` gives it) and their ``pipeline_totals``, each weighted
    value worked out once for both."""
    weighted: list[float] = []
    per_stage: dict[str, list[Decimal]] = {}
    for opportunity in opportunities:
        exact = _weighted(opportunity.value, opportunity.probability)
        weighted.append(float(exact))
        sums = per_stage.setdefault(opportunity.stage, [Decimal(0), Decimal(0), Decimal(0)])
        sums[0] += 1
        sums[1] += _decimal(opportunity.value)
        sums[2] += exact

    by_stage = {
        stage: StageTotals(
            count=int(per_stage[stage][0]),
            value=float(per_stage[stage][1].quantize(CENT, rounding=ROUND_HALF_UP)),
            weighted=float(per_stage[stage][2]),
        )
        for stage in STAGES
        if stage in per_stage
    }
    open_sums = [per_stage[stage] for stage in OPEN_STAGES if stage in per_stage]
    return weighted, PipelineTotals(
        count=int(sum((s[0] for s in open_sums), Decimal(0))),
        value=float(sum((s[1] for s in open_sums), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)),
        weighted=float(sum((s[2] for s in open_sums), Decimal(0))),
        by_stage=by_stage,
    )


def closed_on(stage: Stage, given: date | None, before_stage: Stage | None, before_closed: date | None, day: date) -> date | None:
    """When an opportunity was won or lost: as given, else kept from before if it was already closed, else ``day``.

    An opportunity back in an open stage has no closing date.
    """
    if stage in OPEN_STAGES:
        return None
    if given is not None:
        return given
    if before_stage == stage and before_closed is not None:
        return before_closed
    return day


# ----- the engagement's months ------------------------------------------------------------------

MAX_MONTH = 240
"""The latest month after go-live an opportunity's timeline or next action may name (as the model allows)."""
_MONTH_WORD = "month"


def engagement_month_of(text: str) -> int | None:
    """N when ``text`` is "month N" (any case; N a whole number from 1 to MAX_MONTH), None when it is not of that form.

    ValueError says what is wrong with a "month ..." that is not a month of the engagement ("month 0", "month x").
    """
    words = text.split()
    if not words or words[0].casefold() != _MONTH_WORD:
        return None
    if len(words) != 2 or not words[1].isdigit() or not 1 <= int(words[1]) <= MAX_MONTH:
        shown = " ".join(words[1:]) or "nothing"
        raise ValueError(f"'{text.strip()}': after 'month' write a whole number of months after go-live from 1 to {MAX_MONTH}, not {shown}")
    return int(words[1])


def engagement_month_date(go_live: date, month: int) -> date:
    """The day ``month`` months after go-live (clamped to the month's end, as the cadence plans are)."""
    if not 1 <= month <= MAX_MONTH:
        raise ValueError(f"month {month}: months after go-live run from 1 to {MAX_MONTH}")
    return add_months(go_live, month)


def engagement_month(go_live: date, day: date) -> int | None:
    """How many whole months after go-live ``day`` falls (the N of "Month N"), None before the first month is over."""
    months = months_between(go_live, day)
    return months if months >= 1 else None
