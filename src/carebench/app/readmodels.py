"""What screens, commands and reports show: typed, frozen records, each with its JSON form.

The field names and their order are the JSON contracts of the ``--json`` outputs
(``to_json()``); nothing here imports pydantic, so the workbench can paint its first
screen without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast, dataclass_transform

if TYPE_CHECKING:
    from ..core.terms import Band, Stage

# The type, where a field named ``date`` hides it in a class body.
Date = date
_K = TypeVar("_K")
_V = TypeVar("_V")
_R = TypeVar("_R")
_AS_IS = frozenset({str, int, float, bool, type(None)})
_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {}
_RECORDS: dict[type, Any] = {}
# Field types whose values are already JSON (or None): stored as they are, without a call per value.
_PLAIN_TYPES = frozenset({"str", "int", "float", "bool"} | {f"{t} | None" for t in ("str", "int", "float", "bool", "Band")} | {"Band", "Stage"})


def _encoder(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function giving a record's JSON object in field order, written once per class from its fields (JSON key,
    type, ``omit_none``): the fields before the first optional one as one dict display, then one line per field."""
    encoder = _ENCODERS.get(cls)
    if encoder is None:
        every = fields(cls)
        leading = next((i for i, f in enumerate(every) if f.metadata.get("omit_none")), len(every))

        def entry(f: Field[Any]) -> tuple[str, str]:
            return repr(f.metadata.get("key", f.name)), f"v.{f.name}" if f.type in _PLAIN_TYPES else f"to_json(v.{f.name})"

        lines = ["def encode(v):", "    out = {" + ", ".join("{}: {}".format(*entry(f)) for f in every[:leading]) + "}"]
        for f in every[leading:]:
            key, value = entry(f)
            lines.append(f"    if v.{f.name} is not None:" if f.metadata.get("omit_none") else "    if True:")
            lines.append(f"        out[{key}] = {value}")
        scope: dict[str, Any] = {"to_json": to_json}
        exec("\n".join([*lines, "    return out"]), scope)  # noqa: S102  (made from the class's own field names)
        encoder = _ENCODERS[cls] = scope["encode"]
    return encoder


def to_json_fields(value: Any) -> dict[str, Any]:
    """A record's fields as a JSON object, in field order (``omit_none`` fields left out when None)."""
    return _encoder(type(value))(value)


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready data: records as objects (in field order), dates as ISO text, tuples as lists."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    encode = _RECORDS.get(kind)
    if encode is not None:
        return encode(value)
    if isinstance(value, Record):
        # A record's own to_json when it has one, else its fields' encoder (called directly from then on).
        encode = _RECORDS[kind] = kind.to_json if kind.to_json is not Record.to_json else _encoder(kind)
        return encode(value)
    if kind is tuple or kind is list:
        return [to_json(v) for v in value]
    if kind is MappingProxyType or kind is dict:
        return {k: to_json(v) for k, v in value.items()}
    if kind is date:
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return to_json_fields(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def frozen_map(mapping: Mapping[_K, _V] | None) -> Mapping[_K, _V]:
    """A read-only view of ``mapping`` (records hold no dicts anyone could change)."""
    return MappingProxyType(dict(mapping or {}))


def named(key: str, **kw: Any) -> Any:
    """A field whose JSON name is not a Python name (``from``, ``to``)."""
    return field(metadata={"key": key}, **kw)


class Record:
    """Base of every read model: ``to_json()`` gives its JSON contract.

    Records compare, hash and print by their fields, stay frozen and copy through the methods here, written
    once for all of them. The dataclass machinery would write and compile those methods for each class (on
    Python 3.11 about 0.4 ms a class, paid by every command and by the workbench before its first paint); each
    record gets only its own ``__init__`` (see ``record``).
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple[Any, ...]:
        return self._values()

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self._names(), state, strict=True):
            object.__setattr__(self, name, value)

    def _names(self) -> tuple[str, ...]:
        names = _NAMES.get(type(self))
        if names is None:
            names = _NAMES[type(self)] = tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return names

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._names())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._names())
        return f"{type(self).__qualname__}({shown})"

    def to_json(self) -> Any:
        return to_json_fields(self)


_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_R]) -> type[_R]:
    """Make ``cls`` a frozen, slotted dataclass record (comparing, hashing, printing and frozen as Record is).

    The dataclass is made without methods; its ``__init__`` is written here, as the dataclass writes a frozen
    one (fields in order, defaults and factories as declared, set past Record's ``__setattr__``).
    """
    made: Any = dataclass(slots=True, init=False, eq=False, repr=False)(cls)
    if hasattr(made, "__post_init__") or any(not f.init or f.kw_only for f in fields(made)):
        raise TypeError(f"{cls.__name__}: a record takes each of its fields by position or name, with no __post_init__")
    scope: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": MISSING}
    params, lines = [], []
    for f in fields(made):
        value = f.name
        if f.default is not MISSING:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"_factory_{f.name}() if {f.name} is _MISSING else {f.name}"
        else:
            params.append(f.name)
        lines.append(f"    _set(self, {f.name!r}, {value})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(lines) or "    pass"), scope)
    init = scope["__init__"]
    init.__qualname__ = f"{made.__qualname__}.__init__"
    made.__init__ = init
    return cast("type[_R]", made)  # slots made the class again


# ----- Today ----------------------------------------------------------------------------------


@record
class AgendaRow(Record):
    """A touchpoint on a day's agenda; an overdue row stands for every missed one of its kind."""

    client: str
    client_name: str
    owner: str
    kind: str
    date: date
    status: str  # due | overdue
    missed: int
    covers: tuple[str, ...]
    band: Band | None
    phase: str


@record
class ActionDue(Record):
    """An open action item due on or before the day."""

    client: str
    client_name: str
    id: int
    text: str
    owner: str
    due: date
    priority: str


@record
class Agenda(Record):
    """A day's agenda: its touchpoints (overdue first) and the open action items due by then."""

    date: date
    items: tuple[AgendaRow, ...]
    action_items: tuple[ActionDue, ...]


# ----- schedules ---------------------------------------------------------------------------------


@record
class ScheduledTouchpoint(Record):
    """A touchpoint of a client's schedule, with its state."""

    date: date
    kind: str
    covers: tuple[str, ...]
    status: str
    moved_from: Date | None
    reason: str | None = field(default=None, metadata={"omit_none": True})


@record
class HeldSeries(Record):
    """A gated series going on past its planned end because the client does not pass the gate yet."""

    kind: str
    since: date
    reason: str


@record
class HandoverRecord(Record):
    """How a client was handed over: the day, by whom, and why when the gate was overridden (None: it was met)."""

    date: date
    by: str | None
    override: str | None


@record
class Schedule(Record):
    """A client's touchpoints over a range, and the series held back by its handover gate."""

    client: str
    start: date = named("from")
    end: date = named("to")
    touchpoints: tuple[ScheduledTouchpoint, ...] = ()
    held: tuple[HeldSeries, ...] = ()


@record
class NextTouchpoint(Record):
    """The next touchpoint a client has scheduled."""

    date: date
    kind: str


# ----- health ------------------------------------------------------------------------------------


@record
class Component(Record):
    """One of the three components of a health score: its mean, weight and sub-scores."""

    score: float
    weight: float
    subscores: Mapping[str, int]


@record
class Driver(Record):
    """A sub-score that moved since the assessment before."""

    subscore: str
    before: int
    after: int
    change: int


@record
class Health(Record):
    """A client's latest assessment on a day: components, overall, band and what moved since the one before."""

    client: str
    client_name: str
    date: date | None
    overall: float | None
    band: Band | None
    components: Mapping[str, Component] | None
    previous_overall: float | None
    delta: float | None
    drivers: tuple[Driver, ...]
    note: str | None = None
    reason: str | None = None  # in the portfolio's list: why the client stands where it does (core.triage)

    def to_json(self) -> Any:
        data = to_json_fields(self)
        if self.date is None:  # never assessed: there is no note to speak of
            del data["note"]
        if self.reason is None:  # one client's breakdown: its place in the list is not asked for
            del data["reason"]
        return data


@record
class HistoryPoint(Record):
    """An assessment's overall score and band, for a client's health history."""

    date: date
    overall: float
    band: Band


@record
class Suggestion(Record):
    """A sub-score suggested by the evidence, and why."""

    subscore: str
    score: int
    reason: str


@record
class Advocacy(Record):
    """Whether to ask the client for a testimonial or referral, and why (not)."""

    ask: bool
    reason: str


@record
class EscalationEntry(Record):
    """An executive escalation of a client."""

    date: Date
    to: str
    reason: str
    by: str | None


@record
class RecoveryStepEntry(Record):
    """Step ``number`` of a client's recovery plan (``late``: open and past its due date on the day shown)."""

    number: int
    step: str
    due: Date
    owner: str | None
    added: Date
    done_on: Date | None
    late: bool


@record
class RedAttention(Record):
    """What a red client has been given since it turned red: escalations and the recovery plan's steps added since;
    ``unattended`` when the rules' working days have passed with neither (what `check` raises)."""

    red_since: Date | None
    escalations: tuple[EscalationEntry, ...]
    recovery: tuple[RecoveryStepEntry, ...]
    unattended: bool


@record
class ContactRole(Record):
    """A contact with the part it plays and whether its latest linked pulse answer makes it a promoter."""

    name: str
    role: str | None
    kind: str
    promoter: bool


@record
class HealthDetail(Record):
    """One client's health breakdown with its history, what the band asks for, suggestions, advocacy and pulse; the
    red client's escalations and recovery plan; its contacts and whether a champion is missing."""

    health: Health
    history: tuple[HistoryPoint, ...]
    advice: tuple[str, ...]
    suggestions: Mapping[str, Suggestion]
    advocacy: Advocacy
    pulse: Mapping[str, Any]
    attention: RedAttention = RedAttention(None, (), (), False)
    contacts: tuple[ContactRole, ...] = ()
    champion_missing: bool = False

    def to_json(self) -> Any:
        return {
            **self.health.to_json(),
            "history": to_json(self.history),
            "advice": list(self.advice),
            "suggestions": to_json(self.suggestions),
            "advocacy": to_json(self.advocacy),
            "pulse": to_json(self.pulse),
            "red_since": to_json(self.attention.red_since),
            "escalations": to_json(self.attention.escalations),
            "recovery": to_json(self.attention.recovery),
            "unattended": self.attention.unattended,
            "contacts": to_json(self.contacts),
            "champion_missing": self.champion_missing,
        }


# ----- KPIs and money --------------------------------------------------------------------------------


@record
class KpiStanding(Record):
    """Where one KPI stands on a day (the field names are a JSON contract)."""

    key: str
    name: str
    category: str
    unit: str
    direction: str
    baseline: float
    target: float
    current: float | None
    change: float | None
    change_unit: str
    on_target: bool | None
    trend: str | None
    backsliding: bool
    retained: float | None
    peak: float | None
    previous: float | None
    current_date: date | None
    readings_count: int
    retained_note: str | None = None  # why there is no meaningful retained share (core.kpis.retained_note)
    team: bool = False  # shown on the team dashboard
    benchmark: float | None = None
    forecast: str | None = None  # on_target | reaches | not_at_current_slope (core.kpis.forecast_of; None: no slope yet)
    forecast_date: date | None = None  # the day it reaches its target at the current slope
    vs_benchmark: float | None = None  # the current value against the benchmark, in change_unit (core.kpis.versus_benchmark)


@record
class ReadingPoint(Record):
    """A KPI reading."""

    date: date
    value: float


@record
class DashboardKpi(Record):
    """A KPI on a client's dashboard: its standing and its latest readings."""

    standing: KpiStanding
    recent: tuple[ReadingPoint, ...]

    def to_json(self) -> Any:
        return {**self.standing.to_json(), "recent": to_json(self.recent)}


@record
class Financials(Record):
    """A client's savings and return on investment."""

    monthly_savings: float | None
    ytd_savings: float
    cumulative_savings: float
    roi: float | None
    roi_target: float
    investment: float


@record
class OpenAction(Record):
    """An action item of a client."""

    text: str
    owner: str | None
    due: date
    priority: str
    status: str
    done_on: date | None
    source: str | None


# ----- the rollout (scaling phase) -------------------------------------------------------------


@record
class RolloutWaveEntry(Record):
    """Wave ``number`` of a client's rollout on the day shown: its counts, its own share (%) and its state
    (not_sized | planned | late | rolling_out | complete)."""

    number: int
    name: str
    unit: str
    planned: int | None
    live: int
    planned_date: Date | None
    live_on: Date | None
    share: float | None
    state: str


@record
class Rollout(Record):
    """A client's rollout waves and the adoption share across the sized ones (%, one decimal; None when none is sized);
    the waves not sized yet, and how many are live in them, are said apart."""

    client: str
    adoption_share: float | None
    live: int
    planned: int
    unit: str | None
    not_sized: int
    live_not_sized: int
    waves: tuple[RolloutWaveEntry, ...]


@record
class TicketCategories(Record):
    """A client's support tickets by category: how many came in from ``since`` to ``until`` (the support KPIs' weeks),
    and how many are open at ``at`` however long ago they came in; each most first, categories without any left out."""

    since: date
    until: date
    at: datetime
    came_in: Mapping[str, int]
    open: Mapping[str, int]

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category with a ticket in either count: those that came in most first, then those only open."""
        return (*self.came_in, *(c for c in self.open if c not in self.came_in))


@record
class KpiDashboard(Record):
    """A client's KPIs, financials, action items and tickets, as its dashboard shows them."""

    client: str
    client_name: str
    kpis: tuple[DashboardKpi, ...]
    financials: Mapping[str, Any]
    action_items: tuple[OpenAction, ...]
    ticket_categories: Mapping[str, int]  # tickets opened in the support KPIs' twelve weeks, per category, most first
    tickets_by_category: TicketCategories  # the same, with the open ones by category at the end of the day
    rollout: Rollout | None = None  # the operational dashboard's adoption share and waves


# ----- one client ----------------------------------------------------------------------------------------


@record
class Gate(Record):
    """Whether a client is ready to be handed over, and what stands in the way."""

    ready: bool
    reasons: tuple[str, ...]


@record
class ContactCard(Record):
    """A contact on a client's card."""

    name: str
    kind: str = "other"  # sponsor | champion | power_user | other
    role: str | None = field(default=None, metadata={"omit_none": True})
    email: str | None = field(default=None, metadata={"omit_none": True})


@record
class TierStep(Record):
    """A tier change: on ``previous`` until the day before ``date``."""

    date: date
    previous: str


@record
class Upcoming(Record):
    """A touchpoint coming up for a client."""

    date: date
    kind: str
    covers: tuple[str, ...]


@record
class ClientCard(Record):
    """One engagement on a day: tier, day number, phases, band, the handover gate, money, contacts, what is next."""

    id: str
    name: str
    tier: str
    owner: str
    status: str
    go_live: date
    day: int
    phase: str
    adoption_phase: str
    band: Band | None
    handover: Gate
    financials: Financials
    contacts: tuple[ContactCard, ...]
    next_touchpoint: Upcoming | None
    open_action_items: int
    tier_changes: tuple[TierStep, ...] = ()
    held: tuple[HeldSeries, ...] = ()
    handed_over: HandoverRecord | None = None
    # The complexity factors recorded (None: not recorded) and the touch and tier they suggest (core.calibration).
    stakeholder_groups: int | None = None
    cultural_change: str | None = None
    internal_capability: str | None = None
    suggested_touch: str | None = None
    suggested_tier: str | None = None
    suggestion_reason: str | None = None
    adoption_share: float | None = None  # of the rollout's sized waves, in % (None: no wave sized)


# ----- the pipeline ------------------------------------------------------------------------------------------


@record
class PipelineRow(Record):
    """An opportunity, with its id and version (for editing), weighted value and readiness."""

    id: int
    version: int
    client: str
    client_name: str
    title: str
    stage: Stage
    source: str
    value: float
    probability: int
    weighted: float
    readiness: str
    investment_low: float | None
    investment_high: float | None
    start_month: int | None
    end_month: int | None
    next_action: str | None
    next_action_date: date | None
    go_live: date | None = None  # the client's, which the months of the timeline and "Month N" count from
    next_action_month: int | None = None  # core.pipeline.engagement_month of the next action's date


@record
class StageTotal(Record):
    """How many opportunities a stage holds, their value and weighted value."""

    count: int
    value: float
    weighted: float


@record
class PipelineTotals(Record):
    """The pipeline's totals, overall and per stage."""

    count: int
    value: float
    weighted: float
    by_stage: Mapping[str, StageTotal]


@record
class Pipeline(Record):
    """Every opportunity and the totals."""

    opportunities: tuple[PipelineRow, ...]
    totals: PipelineTotals


# ----- triage -------------------------------------------------------------------------------------------------


@record
class TriageRow(Record):
    """One client's place in the portfolio on a day: health and its change, phase, next touchpoint, KPIs, pipeline."""

    client: str
    client_name: str
    owner: str
    tier: str
    status: str
    day: int
    phase: str
    overall: float | None
    band: Band | None
    delta: float | None
    assessed: date | None
    next_touchpoint: NextTouchpoint | None
    backsliding: int
    kpis_on_target: int
    kpis: int
    weighted_pipeline: float
    overdue: int = 0  # touchpoints missed by the day
    open_p1: int = 0  # P1 tickets open at the day's end
    open_tickets: int = 0
    reason: str = ""  # core.triage.triage_reason: why the client stands where it does, in words
    reason_short: str = ""  # the same in at most core.triage.SHORT_WIDTH cells
    critical: tuple[int | float, ...] = ()  # core.triage.critical_order: the key of "most critical first"


# ----- lists --------------------------------------------------------------------------------------------------


@record
class Document(Record):
    """A read model whose shape is a nested JSON document (a check-in's context, the practice's results).

    Its parts are read-only mappings and tuples; ``data`` is the whole, in its JSON form.
    """

    data: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def to_json(self) -> Any:
        return to_json(self.data)


def frozen(value: Any) -> Any:
    """``value`` (JSON-like data) with every dict made a read-only mapping and every list a tuple."""
    if isinstance(value, dict):
        return MappingProxyType({k: frozen(v) if isinstance(v, _NESTED) else v for k, v in value.items()})
    if isinstance(value, list):
        return tuple([frozen(v) if isinstance(v, _NESTED) else v for v in value])
    return value


_NESTED = (dict, list)  # what frozen goes into (tested before the call: most values are plain, as they stay)
