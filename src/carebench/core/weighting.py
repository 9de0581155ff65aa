"""How an assessment's sub-scores weigh: the three components, their configured weights and exact rounding.

Nothing here imports pydantic, so a read that only needs these figures (the health list) loads without the models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

COMPONENTS: dict[str, tuple[str, str, str]] = {
    "performance": ("achievement", "trend", "sustainability"),
    "adoption": ("adherence", "engagement", "leadership"),
    "relationship": ("communication", "satisfaction", "expansion_interest"),
}
"""The three components and the sub-scores each one averages."""


@dataclass(frozen=True)
class Bands:
    """Where the bands begin on the overall score (read after rounding to one decimal): green from, yellow from, red below."""

    green_from: Decimal = Decimal("8.0")
    yellow_from: Decimal = Decimal("6.0")

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.yellow_from < self.green_from <= Decimal(10):
            raise ValueError(f"bands need 0 <= yellow_from < green_from <= 10, got yellow_from {self.yellow_from} and green_from {self.green_from}")


DEFAULT_BANDS = Bands()


def _default_weights() -> dict[str, Decimal]:
    from .terms import DEFAULT_WEIGHTS

    return dict(DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class Scale:
    """How sub-scores give a band: the component weights and the bands (what escalation and triage read)."""

    weights: Mapping[str, Decimal] = field(default_factory=_default_weights, hash=False)
    bands: Bands = DEFAULT_BANDS


DEFAULT_SCALE = Scale()


def _weight(component: str, value: object) -> Decimal:
    """Turn one configured weight into an exact Decimal, reading floats as the decimal they were written as."""
    if isinstance(value, bool):
        raise ValueError(f"weight for {component} must be a number, not {value!r}")
    try:
        if isinstance(value, float):
            weight = Decimal(repr(value))
        elif isinstance(value, (Decimal, int, str)):
            weight = Decimal(value)
        else:
            raise ValueError(f"weight for {component} must be a number, not {value!r}")
    except InvalidOperation:
        raise ValueError(f"weight for {component} must be a number, not {value!r}") from None
    if not weight.is_finite():
        raise ValueError(f"weight for {component} must be a finite number, not {value!r}")
    if not Decimal(0) <= weight <= Decimal(1):
        raise ValueError(f"weight for {component} must be between 0 and 1, got {weight}")
    return weight


_CHECKED_WEIGHTS: dict[tuple[tuple[str, type, str], ...], dict[str, Decimal]] = {}


def validate_weights(weights: Mapping[str, object]) -> dict[str, Decimal]:
    """Check configured weights name exactly the three components, lie in 0..1 and sum to exactly 1."""
    # The same few weights are checked for every assessment of a portfolio: remembered by what was written.
    key = tuple((name, type(value), repr(value)) for name, value in weights.items())
    checked = _CHECKED_WEIGHTS.get(key)
    if checked is None:
        checked = _validate_weights(weights)
        if len(_CHECKED_WEIGHTS) < 64:
            _CHECKED_WEIGHTS[key] = checked
    return dict(checked)


def _validate_weights(weights: Mapping[str, object]) -> dict[str, Decimal]:
    expected = set(COMPONENTS)
    given = set(weights)
    if given != expected:
        parts = []
        if missing := sorted(expected - given):
            parts.append("missing " + ", ".join(missing))
        if unknown := sorted(given - expected, key=str):
            parts.append("unknown " + ", ".join(map(str, unknown)))
        raise ValueError("weights must name performance, adoption and relationship: " + "; ".join(parts))
    checked = {component: _weight(component, weights[component]) for component in COMPONENTS}
    total = sum(checked.values(), Decimal(0))
    if total != 1:
        raise ValueError(f"weights must sum to 1, they sum to {total.normalize():f}")
    return checked


def round_half_up(value: Fraction | Decimal | int, places: int = 0) -> Decimal:
    """Round exactly, halves away from zero, so 7.95 becomes 8.0 the way people expect."""
    exact = Fraction(value) * 10**places
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    rounded = magnitude if exact >= 0 else -magnitude
    return Decimal(rounded).scaleb(-places)


def component_mean(scores: Mapping[str, int], component: str) -> Decimal:
    """A component's mean of its sub-scores (by name in ``scores``), rounded half-up to two decimals, for display."""
    if component not in COMPONENTS:
        raise ValueError(f"unknown component {component!r}; expected one of: {', '.join(COMPONENTS)}")
    names = COMPONENTS[component]
    return _rounded_mean(sum(scores[name] for name in names), len(names))


@lru_cache(maxsize=1024)
def _rounded_mean(total: int, count: int) -> Decimal:
    """A mean of whole sub-scores rounded half-up to two decimals, remembered (there are few such sums)."""
    return round_half_up(Fraction(total, count), 2)
