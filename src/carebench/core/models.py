"""The portfolio's data model: one pydantic model per thing a consultant records.

These models define the portfolio file (``carebench schema``) and are what the
core's rule functions take as input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# The vocabulary, used by the models and re-exported (`name as name`) to their users.
from .terms import BIDI_CHARS as BIDI_CHARS
from .terms import BIDI_RE as BIDI_RE
from .terms import CONTROL_CHARS as CONTROL_CHARS
from .terms import CONTROL_RE as CONTROL_RE
from .terms import FIRST_DAY as FIRST_DAY
from .terms import KIND_LABEL as KIND_LABEL
from .terms import KINDS as KINDS
from .terms import LAST_DAY as LAST_DAY
from .terms import SEPARATOR_CHARS as SEPARATOR_CHARS
from .terms import STAGES as STAGES
from .terms import SUBSCORES as SUBSCORES
from .terms import TICKET_CATEGORIES as TICKET_CATEGORIES
from .terms import Answer as Answer
from .terms import Band as Band
from .terms import Category as Category
from .terms import Direction as Direction
from .terms import EngagementStatus as EngagementStatus
from .terms import Impact as Impact
from .terms import Kind as Kind
from .terms import LearningKind as LearningKind
from .terms import OutcomeKind as OutcomeKind
from .terms import OutcomeStatus as OutcomeStatus
from .terms import Priority as Priority
from .terms import Reach as Reach
from .terms import Source as Source
from .terms import Stage as Stage
from .terms import TicketCategory as TicketCategory
from .terms import Tier as Tier
from .terms import check_day as check_day
from .terms import seniority as seniority
from .terms import text_problem as text_problem

MAX_TEXT = 20_000
# A check-in's notes and next steps hold what a pasted call transcript needs.
MAX_NOTES = 200_000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError("must be lower-case letters, digits, '-' or '_' (at most 64, starting with a letter or digit)")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if abs(value) > 1e15:
        raise ValueError("is too large (at most 1e15 in size)")
    return value


def _month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise ValueError("must be a month written YYYY-MM")
    return value


def _one_line(value: str) -> str:
    """Names, logins and labels are one line: a line break in one could end up as a line of its own in a file."""
    if "\n" in value or "\t" in value:
        raise ValueError("must be one line (no line breaks or tabs)")
    return _plain_text(value)


def _plain_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _moment(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("must be a local time without a time zone")
    check_day(value.date())
    return value.replace(second=0, microsecond=0)


Day = Annotated[date, AfterValidator(check_day)]
# A local date and time to the minute (tickets are timed in hours, not days).
Moment = Annotated[datetime, AfterValidator(_moment)]
Slug = Annotated[str, AfterValidator(_slug)]
Number = Annotated[float, AfterValidator(_finite)]
Money = Annotated[float, Field(ge=0), AfterValidator(_finite)]
Month = Annotated[str, AfterValidator(_month)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_plain_text)]
Notes = Annotated[str, Field(max_length=MAX_NOTES), AfterValidator(_plain_text)]
Login = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_one_line)]
Score = Annotated[int, Field(ge=1, le=10, strict=True)]


def error_text(error: Mapping[str, Any]) -> str:
    """One problem pydantic found, said as carebench says it: the rule broken, not the validator's wording."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"must be at least {ctx['min_length']} characters long"
    said: Callable[[], str] | None = {
        "string_too_long": lambda: f"must be at most {ctx['max_length']} characters long",
        "greater_than_equal": lambda: f"must be at least {ctx['ge']}",
        "greater_than": lambda: f"must be more than {ctx['gt']}",
        "less_than_equal": lambda: f"must be at most {ctx['le']}",
        "less_than": lambda: f"must be less than {ctx['lt']}",
        "int_parsing": lambda: "must be a whole number",
        "int_type": lambda: "must be a whole number",
        "int_from_float": lambda: "must be a whole number",
        "float_parsing": lambda: "must be a number",
        "float_type": lambda: "must be a number",
        "bool_parsing": lambda: "must be true or false",
        "bool_type": lambda: "must be true or false",
        "literal_error": lambda: f"must be one of {ctx['expected']}",
        "missing": lambda: "is required",
        "extra_forbidden": lambda: "is not a field carebench knows",
        "string_type": lambda: "must be text",
        "list_type": lambda: "must be a list",
        "dict_type": lambda: "must be an object with named fields",
        "model_type": lambda: "must be an object with named fields",
        "model_attributes_type": lambda: "must be an object with named fields",
    }.get(kind)
    if said is not None:
        return said()
    if kind.startswith("datetime"):
        return "must be a date and time, YYYY-MM-DD HH:MM"
    if kind.startswith("date"):
        return "must be a date, YYYY-MM-DD"
    return str(error.get("msg", "")).removeprefix("Value error, ")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, defer_build=True)


class Result(BaseModel):
    """The core's other models (what it works out, the settings it reads): validators built on first use, for a quick import."""

    model_config = ConfigDict(defer_build=True)


class Contact(Model):
    name: Name
    role: Name | None = None
    email: Name | None = None


class Reading(Model):
    date: Day
    value: Number


class Kpi(Model):
    key: Slug
    name: Name
    category: Category
    unit: Annotated[str, Field(max_length=20), AfterValidator(_plain_text)] = ""
    direction: Direction
    baseline: Number
    target: Number
    readings: list[Reading] = []

    @model_validator(mode="after")
    def _one_reading_per_date(self) -> Kpi:
        seen: set[date] = set()
        for reading in self.readings:
            if reading.date in seen:
                raise ValueError(f"two readings dated {reading.date}")
            seen.add(reading.date)
        return self


class Scores(Model):
    """The nine sub-scores, whole numbers 1-10."""

    achievement: Score
    trend: Score
    sustainability: Score
    adherence: Score
    engagement: Score
    leadership: Score
    communication: Score
    satisfaction: Score
    expansion_interest: Score


class Assessment(Model):
    date: Day
    scores: Scores
    note: Text | None = None
    author: Login | None = None


class Savings(Model):
    month: Month
    amount: Annotated[float, AfterValidator(_finite)]


class Opportunity(Model):
    title: Name
    source: Source = "performance_gap"
    value: Money
    probability: Annotated[int, Field(ge=0, le=100, strict=True)]
    stage: Stage = "identified"
    investment_low: Money | None = None
    investment_high: Money | None = None
    start_month: Annotated[int, Field(ge=0, le=240)] | None = None
    end_month: Annotated[int, Field(ge=0, le=240)] | None = None
    next_action: Text | None = None
    next_action_date: Day | None = None
    closed_on: Day | None = Field(default=None, description="When it was won or lost.")

    @model_validator(mode="after")
    def _ranges(self) -> Opportunity:
        if self.investment_low is not None and self.investment_high is not None and self.investment_low > self.investment_high:
            raise ValueError("investment_low is above investment_high")
        if self.start_month is not None and self.end_month is not None and self.start_month > self.end_month:
            raise ValueError("start_month is after end_month")
        return self


class ActionItem(Model):
    text: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_plain_text)]
    owner: Login | None = None
    due: Day
    priority: Priority = "medium"
    status: Literal["open", "done"] = "open"
    done_on: Day | None = None
    source: Text | None = None


class TouchpointException(Model):
    """A stored departure from the generated schedule; ``date`` is where the touchpoint stood."""

    date: Day
    kind: Kind
    status: OutcomeStatus
    reason: Text | None = None
    moved_to: Day | None = None

    @model_validator(mode="after")
    def _move_has_target(self) -> TouchpointException:
        if self.status == "moved" and self.moved_to is None:
            raise ValueError("a moved touchpoint needs moved_to")
        if self.status != "moved" and self.moved_to is not None:
            raise ValueError("moved_to is only for moved touchpoints")
        return self


class Section(Model):
    title: Name
    notes: Notes = ""


class CheckIn(Model):
    date: Day
    kind: Kind | Literal["expansion"]
    author: Login | None = None
    planned_minutes: Annotated[int, Field(ge=0, le=1440)] = 0
    actual_minutes: Annotated[int, Field(ge=0, le=1440)] = 0
    attendees: list[Name] = []
    sections: list[Section] = []
    next_steps: Notes = ""


class Outcome(Model):
    """How an engagement continued: renewed, extended or ended, and when."""

    date: Day
    kind: OutcomeKind
    note: Text | None = None


class Testimonial(Model):
    """A testimonial asked for, and the client's answer once there is one."""

    requested: Day
    answer: Answer = "pending"
    answered: Day | None = None

    @model_validator(mode="after")
    def _answered(self) -> Testimonial:
        if (self.answer == "pending") != (self.answered is None):
            raise ValueError("an answered testimonial needs the date it was answered (and a pending one has none)")
        if self.answered is not None and self.answered < self.requested:
            raise ValueError("answered before it was requested")
        return self


class Referral(Model):
    """A prospect the client referred, and whether it became an engagement."""

    date: Day
    prospect: Name
    became_engagement: bool = False
    note: Text | None = None


class Ticket(Model):
    """One support request; its priority (P1-P4) follows from business impact and users affected."""

    ref: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_plain_text)] | None = Field(
        default=None, description="The ticket's reference, unique per client; T-1, T-2... when left out."
    )
    title: Name
    category: TicketCategory = "other"
    impact: Impact
    users: Reach
    opened: Moment
    first_response: Moment | None = None
    resolved: Moment | None = None
    escalated: bool = False
    first_contact: bool = Field(default=False, description="Resolved at first contact.")

    @model_validator(mode="after")
    def _times(self) -> Ticket:
        for name in ("resolved", "first_response"):
            moment = getattr(self, name)
            if moment is not None and moment < self.opened:
                raise ValueError(f"{name.replace('_', ' ')} is before the ticket was opened")
        if self.first_contact and self.resolved is None:
            raise ValueError("only a resolved ticket can be resolved at first contact")
        return self


class Pulse(Model):
    """One answer to a pulse survey: would they recommend us (0-10), how satisfied (1-5)."""

    date: Day
    respondent: Name
    recommend: Annotated[int, Field(ge=0, le=10, strict=True)]
    satisfaction: Annotated[int, Field(ge=1, le=5, strict=True)]
    comment: Text | None = None


class Learning(Model):
    """A lesson learned or a decision taken: what, why, who, when."""

    date: Day
    kind: LearningKind = "lesson"
    what: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_plain_text)]
    why: Text = ""
    who: Name | None = None
    source: Text | None = None


class ChecklistItem(Model):
    """One knowledge-transfer step that must be done before handover."""

    key: Slug
    label: Name
    done: bool = False
    done_on: Day | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _done_date(self) -> ChecklistItem:
        if self.done_on is not None and not self.done:
            raise ValueError("an item not done has no done_on date")
        return self


class Client(Model):
    id: Slug
    name: Name
    tier: Tier
    go_live: Day
    owner: Login
    investment: Money = 0
    roi_target: Number = 0
    status: EngagementStatus = "active"
    contacts: list[Contact] = []
    kpis: list[Kpi] = []
    assessments: list[Assessment] = []
    savings: list[Savings] = []
    opportunities: list[Opportunity] = []
    action_items: list[ActionItem] = []
    exceptions: list[TouchpointException] = []
    checkins: list[CheckIn] = []
    outcomes: list[Outcome] = []
    testimonials: list[Testimonial] = []
    referrals: list[Referral] = []
    tickets: list[Ticket] = []
    pulses: list[Pulse] = []
    learnings: list[Learning] = []
    checklist: list[ChecklistItem] = Field(default=[], description="Knowledge-transfer checklist; empty means the defaults, none done.")

    @model_validator(mode="after")
    def _unique_keys(self) -> Client:
        _no_duplicates([k.key for k in self.kpis], "KPI key")
        _no_duplicates([t.ref for t in self.tickets if t.ref is not None], "ticket ref")
        _no_duplicates([i.key for i in self.checklist], "checklist item")
        _no_duplicates([a.date for a in self.assessments], "assessment date")
        _no_duplicates([s.month for s in self.savings], "savings month")
        _no_duplicates([(e.date, e.kind) for e in self.exceptions], "touchpoint exception")
        return self


class Portfolio(Model):
    """A whole portfolio: what ``carebench export`` writes and ``import`` reads."""

    format: Literal["carebench-portfolio"] = "carebench-portfolio"
    version: Literal[1] = 1
    as_of: Day | None = Field(default=None, description="The date the portfolio was written for (demo data is shifted from it).")
    clients: list[Client] = []

    @model_validator(mode="after")
    def _unique_clients(self) -> Portfolio:
        _no_duplicates([c.id for c in self.clients], "client id")
        return self


def _no_duplicates(values: list[Hashable], what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value}")
        seen.add(value)
