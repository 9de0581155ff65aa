"""Triage: where a client stands in "most critical first", and the one phrase that says why.

Both are worked out from the figures the portfolio already holds for a day (band and score,
the latest assessment's sub-score moves, backsliding KPIs, overdue touchpoints, open tickets,
tier and day of support). Nothing here imports pydantic: the Portfolio screen loads it first.
"""

from __future__ import annotations

from typing import NamedTuple

from .terms import KIND_LABEL

HYPERCARE_DAYS = 30
"""The stabilization days: a client not assessed yet counts as at risk while it is in them."""

BIG_DROP = 2
"""A sub-score that fell by at least this much outweighs backsliding KPIs and overdue touchpoints."""

TIER_RANK = {"platinum": 0, "gold": 1, "silver": 2}
ESCALATIONS = ("recovery", "intervention")
ESCALATION_SHORT = {"recovery": "recov. late", "intervention": "interv. late"}

# Where each band stands in "most critical first"; clients not assessed go between them by what is known.
_RED, _UNASSESSED_AT_RISK, _YELLOW, _UNASSESSED_QUIET, _GREEN = range(5)
_BAND_RANK = {"red": _RED, "yellow": _YELLOW, "green": _GREEN}

SUBSCORE_SHORT = {
    "achievement": "achiev.",
    "trend": "trend",
    "sustainability": "sustain.",
    "adherence": "adher.",
    "engagement": "engag.",
    "leadership": "leader.",
    "communication": "comms",
    "satisfaction": "satisf.",
    "expansion_interest": "exp. int.",
}
SHORT_WIDTH = 12
"""The most cells a reason's short form takes (the Portfolio's narrow layout)."""


class TriageFacts(NamedTuple):
    """What is known of a client on a day, as triage weighs it (a named tuple: a portfolio makes one per client)."""

    tier: str
    day: int  # day number of support (go-live is day 1)
    band: str | None = None  # None: not assessed by then
    overall: float | None = None
    drop: tuple[str, int, int] | None = None  # biggest_drop of the latest assessment's sub-score moves
    backsliding: int = 0  # KPIs slipping back from their best
    overdue: int = 0  # touchpoints missed
    overdue_kind: str | None = None  # the most senior kind among them
    open_p1: int = 0
    open_p2: int = 0
    open_tickets: int = 0  # of any priority
    status: str = "active"


class Reason(NamedTuple):
    """Why a client stands where it does: in words, and in at most SHORT_WIDTH cells; ``rule`` names what decided it."""

    text: str
    short: str
    rule: str


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def biggest_drop(moves: tuple[tuple[str, int, int], ...]) -> tuple[str, int, int] | None:
    """Of an assessment's sub-score moves (sub-score, before, after), the one that fell furthest (the first in
    order on a tie), or None when none fell. Kept with each assessment's figures, for triage to read."""
    falls = [d for d in moves if d[2] < d[1]]
    return min(falls, key=lambda d: d[2] - d[1]) if falls else None


def _strongest(facts: TriageFacts) -> Reason | None:
    """The strongest reason the day's facts give (the band aside), None when they give none."""
    if facts.open_p1:
        return Reason(f"{_count(facts.open_p1, 'open P1 ticket')}", f"{facts.open_p1} P1 open" if facts.open_p1 > 1 else "P1 open", "ticket-p1")
    if facts.overdue_kind in ESCALATIONS:
        return Reason(f"{KIND_LABEL[facts.overdue_kind]} overdue", ESCALATION_SHORT[facts.overdue_kind], "escalation-overdue")
    drop = facts.drop
    if drop and drop[1] - drop[2] >= BIG_DROP:
        return _drop_reason(drop)
    if facts.backsliding:
        return Reason(f"{_count(facts.backsliding, 'KPI')} slipping back", f"{_count(facts.backsliding, 'KPI')} ↘", "backsliding")
    if facts.overdue:
        what = KIND_LABEL.get(facts.overdue_kind or "", "touchpoint")
        text = f"{what} overdue" if facts.overdue == 1 else f"{facts.overdue} touchpoints overdue"
        return Reason(text, f"{facts.overdue} overdue", "overdue")
    if drop:
        return _drop_reason(drop)
    if facts.open_p2:
        return Reason(_count(facts.open_p2, "open P2 ticket"), f"{facts.open_p2} P2 open", "ticket-p2")
    return None


def _drop_reason(drop: tuple[str, int, int]) -> Reason:
    name, before, after = drop
    return Reason(
        f"{name.replace('_', ' ')} down {before - after} ({before} → {after})", f"{SUBSCORE_SHORT[name]} −{before - after}", "subscore-drop"
    )


def triage_reason(facts: TriageFacts) -> Reason:
    """The strongest reason for the client's place: an open P1, a missed escalation call, a sub-score drop, backsliding
    KPIs, overdue touchpoints, then the band itself. A client never assessed says so first, with what is known."""
    if facts.status != "active":
        word = facts.status.replace("_", " ")
        return Reason(f"engagement {word}: no support touchpoints", word, "inactive")
    known = _strongest(facts)
    if facts.band is None:
        if known:
            return Reason(f"not assessed, day {facts.day}; {known.text}", "not assessed", "not-assessed")
        tickets = f", {_count(facts.open_tickets, 'open ticket')}" if facts.open_tickets else ""
        return Reason(f"not assessed, day {facts.day} of support{tickets}", "not assessed", "not-assessed")
    if known:
        return known
    if facts.band == "green":
        return Reason("on track: nothing overdue or slipping", "on track", "on-track")
    score = "–" if facts.overall is None else f"{facts.overall:.1f}"
    limit = "6.0" if facts.band == "red" else "8.0"
    word = "critical" if facts.band == "red" else "at risk"
    return Reason(f"{word}: scored {score}, under {limit}", f"{word} {score}", "band")


def critical_order(facts: TriageFacts) -> tuple[int | float, ...]:
    """The sort key of "most critical first": red, then clients not assessed that carry a known risk (an open P1,
    overdue touchpoints, backsliding KPIs, or still in the stabilization days), yellow, the other clients not
    assessed, green. Within a band the lower score first; clients not assessed by open P1s, tier, the earlier day
    of support, open tickets, overdue touchpoints and backsliding KPIs."""
    if facts.band is not None:
        return (_BAND_RANK[facts.band], facts.overall if facts.overall is not None else 0.0)
    at_risk = facts.open_p1 or facts.overdue or facts.backsliding or facts.day <= HYPERCARE_DAYS
    return (
        _UNASSESSED_AT_RISK if at_risk else _UNASSESSED_QUIET,
        -facts.open_p1,
        TIER_RANK.get(facts.tier, len(TIER_RANK)),
        facts.day,
        -facts.open_tickets,
        -facts.overdue,
        -facts.backsliding,
    )
