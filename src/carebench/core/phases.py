"""Phase rules: day numbers, the 90-day support phase and the adoption curve (no pydantic: the agenda needs them)."""

from __future__ import annotations

from datetime import date

from .calendar import months_between

HANDOVER_FROM_DAY = 61
"""The first day number on which handover is considered."""

PHASE_LABEL: dict[str, str] = {
    "pre_go_live": "Before go-live",
    "stabilization": "Stabilization",
    "optimization": "Optimization",
    "scaling_handover": "Scaling & handover",
    "steady_state": "Steady state",
}
"""Readable names for the support phases."""

ADOPTION_LABEL: dict[str, str] = {
    "pre_go_live": "Before go-live",
    "honeymoon": "Honeymoon",
    "reality": "Reality",
    "integration": "Integration",
    "sustainability": "Sustainability",
}
"""Readable names for the adoption-curve phases."""


def day_number(go_live: date, day: date) -> int:
    """Return the day number of ``day``, counting the go-live date as day 1 (the day before is 0)."""
    return (day - go_live).days + 1


def support_phase(day_number: int) -> str:
    """Return the 90-day support phase a day number falls in."""
    if day_number < 1:
        return "pre_go_live"
    if day_number <= 30:
        return "stabilization"
    if day_number <= 60:
        return "optimization"
    if day_number <= 90:
        return "scaling_handover"
    return "steady_state"


def month_index(go_live: date, day: date) -> int:
    """Return whole calendar months elapsed since go-live plus one (0 before go-live)."""
    if day < go_live:
        return 0
    return months_between(go_live, day) + 1


def adoption_phase(go_live: date, day: date) -> str:
    """Return the adoption-curve phase for a date, from its month index."""
    index = month_index(go_live, day)
    if index < 1:
        return "pre_go_live"
    if index <= 3:
        return "honeymoon"
    if index <= 8:
        return "reality"
    if index <= 18:
        return "integration"
    return "sustainability"
