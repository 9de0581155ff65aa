"""The portfolio's data model: one pydantic model per thing a consultant records.

These models define the portfolio file (``carebench schema``) and are what the
core's rule functions take as input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

# The vocabulary, used by the models and re-exported (`name as name`) to their users.
from .terms import BIDI_CHARS as BIDI_CHARS
from .terms import BIDI_RE as BIDI_RE
from .terms import CONTROL_CHARS as CONTROL_CHARS
from .terms import CONTROL_RE as CONTROL_RE
from .terms import FIRST_DAY as FIRST_DAY
from .terms import KIND_LABEL as KIND_LABEL
from .terms import KINDS as KINDS
from .terms import LAST_DAY as LAST_DAY
from .terms import MAX_NUMBER as MAX_NUMBER
from .terms import (
    MINUTES_RANGE,
    MONTHS_RANGE,
    PROBABILITY_RANGE,
    PULSE_SATISFACTION_RANGE,
    RECOMMEND_RANGE,
    SCORE_RANGE,
    STAKEHOLDER_GROUPS_RANGE,
)
from .terms import SEPARATOR_CHARS as SEPARATOR_CHARS
from .terms import STAGES as STAGES
from .terms import SUBSCORES as SUBSCORES
from .terms import TICKET_CATEGORIES as TICKET_CATEGORIES
from .terms import ActionStatus as ActionStatus
from .terms import Answer as Answer
from .terms import Band as Band
from .terms import Category as Category
from .terms import ContactKind as ContactKind
from .terms import Direction as Direction
from .terms import EngagementStatus as EngagementStatus
from .terms import Expansion as Expansion
from .terms import Impact as Impact
from .terms import Kind as Kind
from .terms import LearningKind as LearningKind
from .terms import Level as Level
from .terms import OutcomeKind as OutcomeKind
from .terms import OutcomeStatus as OutcomeStatus
from .terms import Priority as Priority
from .terms import Reach as Reach
from .terms import Source as Source
from .terms import Stage as Stage
from .terms import TicketCategory as TicketCategory
from .terms import Tier as Tier
from .terms import check_day as check_day
from .terms import kind_from_role as kind_from_role
from .terms import seniority as seniority
from .terms import text_problem as text_problem

MAX_TEXT = 20_000
# A check-in's notes and next steps hold what a pasted call transcript needs.
MAX_NOTES = 200_000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$", re.ASCII)


DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# RFC 3339's date-time (what JSON Schema's "date-time" format means): seconds and an offset are part of it.
MOMENT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.ASCII)
# What stored text may not hold (control characters but tab and line feed; bidirectional-text controls), and what a
# one-line name may not hold besides: said to JSON Schema as a pattern that must not match anywhere.
NOT_TEXT = f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CHARS}]"
NOT_ONE_LINE = f"[{CONTROL_CHARS}{BIDI_CHARS}]"


def slug_of(name: str) -> str:
    """An id suggested from a name: lower-case letters and digits, other runs of characters as one '-' (at most 64)."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower().encode("ascii", "ignore").decode()).strip("-")
    return text[:64].rstrip("-")


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise ValueError("must be lower-case letters, digits, '-' or '_' (at most 64, starting with a letter or digit)")
    return value


def _json_number(value: Any) -> Any:
    """A number as JSON writes one: true, false and "12" are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return _finite(value)


def _json_integer(value: Any) -> Any:
    """A whole number as JSON Schema's "integer" means it: 8 and 8.0, never 8.5, true or "8"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _json_day(value: Any) -> Any:
    """A date written YYYY-MM-DD (not a number, not a date and time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not (isinstance(value, str) and DAY_RE.fullmatch(value)):
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


def _json_moment(value: Any) -> Any:
    """A time in a file carries its offset (RFC 3339); carebench keeps it in UTC, without the offset."""
    if isinstance(value, str):
        if not MOMENT_RE.fullmatch(value):
            raise ValueError("must be a date and time with its offset, YYYY-MM-DDTHH:MM:SS+00:00 (Z for UTC)")
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be a real date and time, YYYY-MM-DDTHH:MM:SS+00:00") from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _finite(value: float) -> float:
    """Said before the schema's bounds are checked: NaN and infinities are not JSON, and 1e16 says more than 'too big'."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if abs(value) > MAX_NUMBER:
        raise ValueError("is too large (at most 1e15 in size)")
    return value


def _month(value: str) -> str:
    if not MONTH_RE.fullmatch(value):
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
    check_day(value.date())
    return value.replace(second=0, microsecond=0)


def _utc_text(value: datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%S}+00:00"


# Each type below says in its Field what the JSON Schema says, and checks the same in its validators: what the
# schema accepts, import accepts.
Day = Annotated[date, BeforeValidator(_json_day), AfterValidator(check_day)]
# A time to the minute (tickets are timed in hours, not days), kept in UTC; the file writes it with +00:00.
Moment = Annotated[datetime, BeforeValidator(_json_moment), AfterValidator(_moment), PlainSerializer(_utc_text, return_type=str, when_used="json")]
Slug = Annotated[str, Field(json_schema_extra={"pattern": SLUG_RE.pattern}), AfterValidator(_slug)]
Number = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER), BeforeValidator(_json_number)]
Money = Annotated[float, Field(ge=0, le=MAX_NUMBER), BeforeValidator(_json_number)]
Month = Annotated[str, Field(json_schema_extra={"pattern": MONTH_RE.pattern}), AfterValidator(_month)]
Name = Annotated[str, Field(min_length=1, max_length=200, json_schema_extra={"not": {"pattern": NOT_ONE_LINE}}), AfterValidator(_one_line)]
Text = Annotated[str, Field(max_length=MAX_TEXT, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
Notes = Annotated[str, Field(max_length=MAX_NOTES, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
Login = Annotated[str, Field(min_length=1, max_length=64, json_schema_extra={"not": {"pattern": NOT_ONE_LINE}}), AfterValidator(_one_line)]
Flag = Annotated[bool, Field(strict=True)]


# A whole number as JSON Schema's "integer" means it (8 and 8.0), inside the bounds the Field in front of it gives.
Whole = BeforeValidator(_json_integer)
Score = Annotated[int, Field(ge=SCORE_RANGE[0], le=SCORE_RANGE[1]), Whole]


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


class Suggestion(Result):
    """A sub-score proposed from evidence, for the person to confirm or change."""

    subscore: str
    score: int
    reason: str


class Contact(Model):
    name: Name
    role: Name | None = None
    email: Name | None = None
    kind: ContactKind = Field(
        default="other", description="The part the contact plays: sponsor, champion, power_user or other (left out: read from the role's words)."
    )

    @model_validator(mode="before")
    @classmethod
    def _kind_from_role(cls, data: Any) -> Any:
        """A contact written before contacts had kinds takes the kind its role names ("Executive sponsor": sponsor)."""
        if isinstance(data, Mapping) and "kind" not in data:
            role = data.get("role")
            return {**data, "kind": kind_from_role(role if isinstance(role, str) else None)}
        return data


class Reading(Model):
    date: Day
    value: Number


class Kpi(Model):
    key: Slug
    name: Name
    category: Category
    unit: Annotated[str, Field(max_length=20, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)] = ""
    direction: Direction
    baseline: Number
    target: Number
    benchmark: Number | None = Field(
        default=None, description="A value to compare the KPI with (an industry or peer figure), shown against the current one."
    )
    team: Flag = Field(
        default=False, description="Shown on the team dashboard, whatever its category (left out: leading KPIs are, the others are not)."
    )
    readings: list[Reading] = []

    @model_validator(mode="before")
    @classmethod
    def _team_from_category(cls, data: Any) -> Any:
        """A KPI written before KPIs were marked for the team dashboard is on it when it is a leading one, as then."""
        if isinstance(data, Mapping) and "team" not in data:
            return {**data, "team": data.get("category") == "leading"}
        return data

    @model_serializer(mode="wrap")
    def _team_when_not_by_category(self, handler: SerializerFunctionWrapHandler) -> Any:
        """``team`` is written only where it departs from what the category gives (files stay as they were)."""
        data = handler(self)
        if isinstance(data, dict) and data.get("team") == (self.category == "leading"):
            data.pop("team")
        return data

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
    amount: Number


class Opportunity(Model):
    title: Name
    source: Source = "performance_gap"
    value: Money
    probability: Annotated[int, Field(ge=PROBABILITY_RANGE[0], le=PROBABILITY_RANGE[1]), Whole]
    stage: Stage = "identified"
    investment_low: Money | None = None
    investment_high: Money | None = None
    start_month: Annotated[int, Field(ge=MONTHS_RANGE[0], le=MONTHS_RANGE[1]), Whole] | None = None
    end_month: Annotated[int, Field(ge=MONTHS_RANGE[0], le=MONTHS_RANGE[1]), Whole] | None = None
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
    text: Annotated[str, Field(min_length=1, max_length=2000, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
    owner: Login | None = None
    due: Day
    priority: Priority = "medium"
    status: ActionStatus = "open"
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
    kind: Kind | Expansion
    author: Login | None = None
    planned_minutes: Annotated[int, Field(ge=MINUTES_RANGE[0], le=MINUTES_RANGE[1]), Whole] = 0
    actual_minutes: Annotated[int, Field(ge=MINUTES_RANGE[0], le=MINUTES_RANGE[1]), Whole] = 0
    attendees: list[Name] = []
    sections: list[Section] = []
    next_steps: Notes = ""
    confidence: Annotated[int, Field(ge=SCORE_RANGE[0], le=SCORE_RANGE[1], strict=True)] | None = Field(
        default=None, description="How confident the client's team is in the new way of working, 1-10 (asked by the daily script)."
    )


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
    became_engagement: Flag = False
    note: Text | None = None


class Ticket(Model):
    """One support request; its priority (P1-P4) follows from business impact and users affected."""

    ref: Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)] | None = (
        Field(default=None, description="The ticket's reference, unique per client; T-1, T-2... when left out.")
    )
    title: Name
    category: TicketCategory = "other"
    impact: Impact
    users: Reach
    opened: Moment
    first_response: Moment | None = None
    resolved: Moment | None = None
    escalated: Flag = False
    first_contact: Flag = Field(default=False, description="Resolved at first contact.")

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
    recommend: Annotated[int, Field(ge=RECOMMEND_RANGE[0], le=RECOMMEND_RANGE[1]), Whole]
    satisfaction: Annotated[int, Field(ge=PULSE_SATISFACTION_RANGE[0], le=PULSE_SATISFACTION_RANGE[1]), Whole]
    comment: Text | None = None
    contact: Name | None = Field(default=None, description="The client's contact who answered, by name (one of the client's contacts).")


class Escalation(Model):
    """A red client taken to an executive: to whom, why, when and by whom."""

    date: Day
    to: Name
    reason: Annotated[str, Field(min_length=1, max_length=2000, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
    by: Login | None = None


class RecoveryStep(Model):
    """One step of a red client's recovery plan: what, by when, who, and when it was done."""

    added: Day
    step: Annotated[str, Field(min_length=1, max_length=2000, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
    due: Day
    owner: Login | None = None
    done_on: Day | None = None

    @model_validator(mode="after")
    def _in_order(self) -> RecoveryStep:
        if self.done_on is not None and self.done_on < self.added:
            raise ValueError("a recovery step is done before it was added")
        return self


# The most users (or sites, stores...) a rollout wave counts: more is a typing slip.
MAX_WAVE_COUNT = 100_000_000
WaveCount = Annotated[int, Field(ge=0, le=MAX_WAVE_COUNT), Whole]


class RolloutWave(Model):
    """One wave of a client's rollout in the scaling phase: how many users (or units) it brings in, how many are live."""

    name: Name
    unit: Annotated[str, Field(min_length=1, max_length=20, json_schema_extra={"not": {"pattern": NOT_ONE_LINE}}), AfterValidator(_one_line)] = Field(
        default="users", description="What the wave counts: users, sites, stores... (one unit for all of a client's waves)."
    )
    planned: Annotated[int, Field(ge=1, le=MAX_WAVE_COUNT), Whole] | None = Field(
        default=None, description="How many the wave brings in; left out while it is not sized yet (the adoption share leaves it out)."
    )
    live: WaveCount = Field(default=0, description="How many of them are live (may be above planned: more joined than planned).")
    planned_date: Day | None = Field(default=None, description="The day the wave is planned to go live.")
    live_on: Day | None = Field(default=None, description="The day the live count was last recorded.")


class Learning(Model):
    """A lesson learned or a decision taken: what, why, who, when."""

    date: Day
    kind: LearningKind = "lesson"
    what: Annotated[str, Field(min_length=1, max_length=2000, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)]
    why: Text = ""
    who: Name | None = None
    source: Text | None = None


class ChecklistItem(Model):
    """One knowledge-transfer step that must be done before handover."""

    key: Slug
    label: Name
    done: Flag = False
    done_on: Day | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _done_date(self) -> ChecklistItem:
        if self.done_on is not None and not self.done:
            raise ValueError("an item not done has no done_on date")
        return self


class TierChange(Model):
    """A change of support tier: the client was on ``previous`` until the day before ``date``; from ``date`` on its
    cadence follows the next tier (that of the next change's ``previous``, or the client's tier after the last change)."""

    date: Day
    previous: Tier


class Handover(Model):
    """The day a client was handed over to its own team, by whom, and why when its gate was not met (an override)."""

    date: Day
    by: Login | None = None
    override: (
        Annotated[str, Field(min_length=1, max_length=2000, json_schema_extra={"not": {"pattern": NOT_TEXT}}), AfterValidator(_plain_text)] | None
    ) = None


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
    tier_changes: list[TierChange] = Field(default=[], description="Earlier tiers: each change's day and the tier before it (oldest first).")
    escalations: list[Escalation] = Field(default=[], description="Executive escalations, oldest first.")
    recovery: list[RecoveryStep] = Field(default=[], description="The recovery plan's steps, in the order they were added (step N is the Nth).")
    handover: Handover | None = Field(default=None, description="When and how the client was handed over (status handed_over or closed).")
    stakeholder_groups: Annotated[int, Field(ge=STAKEHOLDER_GROUPS_RANGE[0], le=STAKEHOLDER_GROUPS_RANGE[1]), Whole] | None = Field(
        default=None, description="How many stakeholder groups the implementation touches (a complexity factor; left out: not recorded)."
    )
    cultural_change: Level | None = Field(default=None, description="How much cultural change it asks of the client: low, medium or high.")
    internal_capability: Level | None = Field(default=None, description="How capable the client's own team is: low, medium or high.")
    rollout: list[RolloutWave] = Field(default=[], description="The rollout's waves, in the order they were added (wave N is the Nth).")

    @model_validator(mode="after")
    def _unique_keys(self) -> Client:
        _no_duplicates([k.key for k in self.kpis], "KPI key")
        _no_duplicates([t.ref for t in self.tickets if t.ref is not None], "ticket ref")
        _no_duplicates([i.key for i in self.checklist], "checklist item")
        _no_duplicates([a.date for a in self.assessments], "assessment date")
        _no_duplicates([s.month for s in self.savings], "savings month")
        _no_duplicates([(e.date, e.kind) for e in self.exceptions], "touchpoint exception")
        _no_duplicates([c.date for c in self.tier_changes], "tier change date")
        if self.handover is not None and self.status == "active":
            raise ValueError("a client with a handover is handed_over or closed, not active")
        if self.handover is not None and self.handover.date < self.go_live:
            raise ValueError(f"the handover ({self.handover.date}) is before the go-live ({self.go_live})")
        _no_duplicates([w.name for w in self.rollout], "rollout wave")
        units = sorted({w.unit for w in self.rollout})
        if len(units) > 1:
            raise ValueError(f"the rollout waves count in one unit, not several ({', '.join(units)})")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_tier_history(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A client that kept its tier (never escalated, no recovery plan, no rollout waves) is written as before those
        existed: no empty ``tier_changes``, ``escalations``, ``recovery`` or ``rollout``."""
        data = handler(self)
        if isinstance(data, dict):
            for key in ("tier_changes", "escalations", "recovery", "handover", "rollout"):
                if not data.get(key):
                    data.pop(key, None)
        return data


# What a portfolio file must say at its top level (a Portfolio built in code may leave them to their defaults).
FILE_REQUIRED = ("format", "version", "clients")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _file_schema(schema: dict[str, Any]) -> None:
    schema["required"] = list(FILE_REQUIRED)


class Portfolio(Model):
    """A whole portfolio: what ``carebench export`` writes and ``import`` reads."""

    model_config = ConfigDict(json_schema_extra=_file_schema)

    format: Literal["carebench-portfolio"] = "carebench-portfolio"
    version: Annotated[Literal[1], BeforeValidator(_json_integer)] = 1
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


def portfolio_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of the portfolio file: exactly what ``import`` accepts, but for the rules that
    compare values with each other (no duplicates, ranges in order, dates in sequence), which import checks besides."""
    return {"$schema": JSON_SCHEMA_DIALECT, **Portfolio.model_json_schema()}
