"""The core's vocabulary: the kinds, bands, tiers and other names a portfolio uses, and the rules of plain text.

Nothing here imports pydantic, so what only needs the words (the workbench's first
screen, the agenda) can be loaded without the models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args

Tier = Literal["platinum", "gold", "silver"]
Kind = Literal["quarterly", "monthly", "retrospective", "biweekly", "weekly", "intervention", "recovery", "daily"]
# Most senior first: when kinds meet on one date the first one stands.
KINDS: tuple[Kind, ...] = get_args(Kind)
# What each kind is called in prose (reports, alerts, calendars).
KIND_LABEL: dict[str, str] = {
    "quarterly": "quarterly business review",
    "monthly": "monthly optimization session",
    "retrospective": "phase retrospective",
    "biweekly": "biweekly performance review",
    "weekly": "weekly review",
    "intervention": "intervention call",
    "recovery": "recovery call",
    "daily": "daily check-in",
}
Band = Literal["green", "yellow", "red"]
Category = Literal["leading", "lagging", "diagnostic"]
Direction = Literal["higher", "lower"]
Priority = Literal["high", "medium", "low"]
ActionStatus = Literal["open", "done"]
Stage = Literal["identified", "qualified", "proposed", "won", "lost"]
STAGES: tuple[Stage, ...] = get_args(Stage)
Source = Literal["performance_gap", "capability_need", "strategic_alignment", "competitive_response"]
EngagementStatus = Literal["active", "handed_over", "closed"]
OutcomeKind = Literal["renewed", "extended", "ended"]
OutcomeStatus = Literal["done", "skipped", "moved"]  # what happened to a touchpoint
# A check-in is held on a touchpoint of its kind, or to work on an opportunity.
Expansion = Literal["expansion"]
Answer = Literal["pending", "given", "declined"]
TicketCategory = Literal["defect", "question", "data", "access", "performance", "integration", "change_request", "other"]
TICKET_CATEGORIES: tuple[str, ...] = get_args(TicketCategory)
TICKET_CATEGORY_LABEL = {category: category.replace("_", " ") for category in TICKET_CATEGORIES}
Impact = Literal["high", "medium", "low"]
Reach = Literal["many", "some", "few"]  # how many users an issue affects
LearningKind = Literal["lesson", "decision"]
# How much of something a client has: cultural change its implementation asks for, its own team's capability.
Level = Literal["low", "medium", "high"]
LEVELS: tuple[Level, ...] = get_args(Level)
# The part a client's contact plays for the engagement (DOMAIN: identify and empower champions).
ContactKind = Literal["sponsor", "champion", "power_user", "other"]
CONTACT_KINDS: tuple[ContactKind, ...] = get_args(ContactKind)
CONTACT_KIND_LABEL: dict[str, str] = {"sponsor": "sponsor", "champion": "champion", "power_user": "power user", "other": "other"}
# The words of a free-text role that say its kind, most telling first (a role "Executive sponsor" is a sponsor).
ROLE_WORDS: tuple[tuple[str, ContactKind], ...] = (
    ("champion", "champion"),
    ("sponsor", "sponsor"),
    ("power user", "power_user"),
    ("power_user", "power_user"),
    ("super user", "power_user"),
    ("superuser", "power_user"),
    ("key user", "power_user"),
)
PROMOTER_FROM = 9
"""A pulse answer of at least this "would recommend" makes its respondent a promoter (NPS: 9-10)."""


def kind_from_role(role: str | None) -> ContactKind:
    """The kind a free-text role names (``ROLE_WORDS``, ignoring case), ``other`` when none."""
    text = (role or "").lower()
    for word, kind in ROLE_WORDS:
        if word in text:
            return kind
    return "other"


# The choices each type allows, in the order shown (command-line choices, form options): one list per type.
# The database keeps them, and the ranges below, as CHECK constraints (store/integrity.py): a database made
# before a change keeps the old ones until a new migration rebuilds its tables (as store/schema.py's step 15 does).
TIERS: tuple[Tier, ...] = get_args(Tier)
ENGAGEMENT_STATUSES: tuple[EngagementStatus, ...] = get_args(EngagementStatus)
CATEGORIES: tuple[Category, ...] = get_args(Category)
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
SOURCES: tuple[Source, ...] = get_args(Source)
OUTCOME_KINDS: tuple[OutcomeKind, ...] = get_args(OutcomeKind)
OUTCOME_STATUSES: tuple[OutcomeStatus, ...] = get_args(OutcomeStatus)
IMPACTS: tuple[Impact, ...] = get_args(Impact)
REACHES: tuple[Reach, ...] = get_args(Reach)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
ACTION_STATUSES: tuple[ActionStatus, ...] = get_args(ActionStatus)
ANSWERS: tuple[Answer, ...] = get_args(Answer)
LEARNING_KINDS: tuple[LearningKind, ...] = get_args(LearningKind)
CHECKIN_KINDS: tuple[str, ...] = (*KINDS, *get_args(Expansion))

# The whole numbers a portfolio keeps, lowest and highest (both allowed).
SCORE_RANGE = (1, 10)  # an assessment's sub-scores, a check-in's confidence
PROBABILITY_RANGE = (0, 100)  # an opportunity's chance of being won, in %
MONTHS_RANGE = (0, 240)  # an opportunity's start and end, counted in months
MINUTES_RANGE = (0, 1440)  # a check-in's planned and actual length
RECOMMEND_RANGE = (0, 10)  # a pulse answer's "would recommend" (NPS)
PULSE_SATISFACTION_RANGE = (1, 5)  # a pulse answer's satisfaction
STAKEHOLDER_GROUPS_RANGE = (1, 1000)  # how many stakeholder groups a client's change touches
MAX_NUMBER = 1e15
"""The largest number carebench keeps (larger ones are typing mistakes, and lose precision as floats)."""
SUBSCORES: tuple[str, ...] = (
    "achievement",
    "trend",
    "sustainability",
    "adherence",
    "engagement",
    "leadership",
    "communication",
    "satisfaction",
    "expansion_interest",
)

# The characters that stored text must not carry to a terminal, each set defined once (for regex classes):
# C0 controls, DEL and C1 controls can drive the terminal; bidi marks, embeddings, overrides and isolates
# reorder what is shown around them, so that a name reads as another; line and paragraph separators break a line.
CONTROL_CHARS = "\x00-\x1f\x7f-\x9f"
BIDI_CHARS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
SEPARATOR_CHARS = "\u2028\u2029"
# Control characters other than tab and newline; they could drive the terminal.
CONTROL_RE = re.compile(f"(?![\t\n])[{CONTROL_CHARS}]")
BIDI_RE = re.compile(f"[{BIDI_CHARS}]")


_SENIORITY: dict[str, int] = {kind: rank for rank, kind in enumerate(KINDS)}


def seniority(kind: str) -> int:
    """0 for the most senior kind (quarterly), rising towards daily."""
    try:
        return _SENIORITY[kind]
    except KeyError:
        raise ValueError(f"{kind!r} is not a touchpoint kind") from None


# Dates outside these years are typing slips, and date arithmetic near year 9999 overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def check_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


def text_problem(value: str) -> str | None:
    """What makes ``value`` unfit to be stored as text (control or bidi characters), or None."""
    if CONTROL_RE.search(value):
        return "contains control characters"
    bidi = BIDI_RE.search(value)
    if bidi:
        return f"contains bidirectional-text control characters (U+{ord(bidi.group()):04X}); remove them"
    return None


DEFAULT_WEIGHTS: dict[str, Decimal] = {
    "performance": Decimal("0.40"),
    "adoption": Decimal("0.30"),
    "relationship": Decimal("0.30"),
}
"""How much each health component counts towards the overall score unless configured."""

TicketPriority = Literal["P1", "P2", "P3", "P4"]

PRIORITY_MATRIX: dict[tuple[str, str], TicketPriority] = {
    # (business impact, users affected): priority
    ("high", "many"): "P1",
    ("high", "some"): "P2",
    ("high", "few"): "P3",
    ("medium", "many"): "P2",
    ("medium", "some"): "P3",
    ("medium", "few"): "P4",
    ("low", "many"): "P3",
    ("low", "some"): "P4",
    ("low", "few"): "P4",
}
"""Ticket priority from business impact (high, medium, low) and how many users are affected (many, some, few)."""


def priority(impact: str, users: str) -> TicketPriority:
    """Return P1..P4 for a business impact and a reach of users, read from PRIORITY_MATRIX."""
    try:
        return PRIORITY_MATRIX[(impact, users)]
    except KeyError:
        raise ValueError(
            f"no priority for impact {impact!r} and users {users!r}: impact is high, medium or low and users is many, some or few"
        ) from None


BAND_ORDER = {"red": 0, "yellow": 1, "green": 2, None: 3}
"""Bands from the most critical to not assessed."""


def agenda_order(item: object) -> tuple[bool, int, int, str, str]:
    """Overdue rows first; within each, red clients first, then the more senior kind (items, their JSON form, or rows)."""
    if isinstance(item, dict):
        return agenda_key(item["status"], item["band"], item["kind"], item["client_name"], item["date"])
    return agenda_key(item.status, item.band, item.kind, item.client_name, item.date)  # type: ignore[attr-defined]


def agenda_key(status: str, band: str | None, kind: str, client_name: str, day: object) -> tuple[bool, int, int, str, str]:
    """The sort key of one agenda row from its fields (see agenda_order)."""
    return (status != "overdue", BAND_ORDER[band], seniority(kind), client_name.lower(), str(day))


@dataclass(frozen=True)
class Gate:
    """What a step down in intensity (and the handover) asks of a client's latest results.

    ``band``: the lowest latest band that passes; ``kpis_on_target``: the share of the KPIs with
    readings that must be on target; a series held longer than ``held_days`` is a `check` finding.
    """

    band: str = "green"
    kpis_on_target: float = 0.8
    held_days: int = 14


DEFAULT_GATE = Gate()


def bundled_text(name: str) -> str:
    """The text of a file carebench ships in its ``resources`` folder (read beside this package: importing
    importlib.resources, with the tempfile and zipfile it brings, cost every command about 8 ms)."""
    return (Path(__file__).parent.parent / "resources" / name).read_text(encoding="utf-8")
