"""Support intensity calibration: from a client's complexity, the touch it needs and the tier that gives it.

The method calls for high touch where an implementation is complex: several stakeholder groups, or significant
cultural change, or (the reverse of the strong teams that need little) a client team of limited capability;
medium touch for moderate complexity with a capable team; low touch for a simple implementation with strong
internal capability. So each factor recorded asks for a touch of its own, and the most demanding one decides:

| factor | low touch | medium touch | high touch |
|---|---|---|---|
| stakeholder groups | 1 | 2-3 | 4 or more |
| cultural change | low | medium | high |
| internal capability | high | medium | low |

High touch is platinum, medium gold, low silver. Factors not recorded are left out (and named in the reason);
with none recorded there is no suggestion. Nothing here imports pydantic (the client form shows it as typed).
"""

from __future__ import annotations

from dataclasses import dataclass

from .terms import Level, Tier

# The complexity factors a client records, as the portfolio's fields are named.
FACTORS = ("stakeholder_groups", "cultural_change", "internal_capability")
# From how many stakeholder groups an implementation asks for medium, and for high touch.
GROUPS_MEDIUM_FROM = 2
GROUPS_HIGH_FROM = 4
TOUCH_TIER: dict[Level, Tier] = {"high": "platinum", "medium": "gold", "low": "silver"}
_RANK: dict[Level, int] = {"low": 0, "medium": 1, "high": 2}
_CHANGE_WORDS: dict[Level, str] = {"low": "little cultural change", "medium": "moderate cultural change", "high": "significant cultural change"}
_CAPABILITY_WORDS: dict[Level, str] = {
    "high": "strong internal capability",
    "medium": "moderate internal capability",
    "low": "limited internal capability",
}
# Internal capability asks for touch the other way round: the stronger the team, the lighter the touch.
_CAPABILITY_TOUCH: dict[Level, Level] = {"high": "low", "medium": "medium", "low": "high"}


@dataclass(frozen=True)
class TouchSuggestion:
    """The touch a client's complexity asks for, the tier that gives it, and why in words."""

    touch: Level
    tier: Tier
    reason: str


def groups_touch(groups: int) -> Level:
    """The touch a number of stakeholder groups asks for."""
    if groups >= GROUPS_HIGH_FROM:
        return "high"
    return "medium" if groups >= GROUPS_MEDIUM_FROM else "low"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def suggest_touch(stakeholder_groups: int | None, cultural_change: Level | None, internal_capability: Level | None) -> TouchSuggestion | None:
    """The touch and tier a client's recorded complexity suggests (see the module's docstring); None when none is recorded."""
    factors: list[tuple[Level, str]] = []  # (the touch a factor asks for, the factor in words)
    missing = []
    if stakeholder_groups is None:
        missing.append("stakeholder groups")
    else:
        words = "a single stakeholder group" if stakeholder_groups == 1 else f"{stakeholder_groups} stakeholder groups"
        factors.append((groups_touch(stakeholder_groups), words))
    if cultural_change is None:
        missing.append("cultural change")
    else:
        factors.append((cultural_change, _CHANGE_WORDS[cultural_change]))
    if internal_capability is None:
        missing.append("internal capability")
    else:
        factors.append((_CAPABILITY_TOUCH[internal_capability], _CAPABILITY_WORDS[internal_capability]))
    if not factors:
        return None
    touch = max((level for level, _ in factors), key=_RANK.__getitem__)
    reason = f"{touch} touch: {_and([words for level, words in factors if level == touch])}"
    if missing:
        reason += f" ({_and(missing)} not recorded)"
    return TouchSuggestion(touch, TOUCH_TIER[touch], reason)
