"""The team rules in force: cadence plans, working calendar, health scoring, KPI and ticket rules, calendar events.

A team keeps its rules as one TOML document (the bundled one is ``resources/rules.toml``).
``read_rules`` checks a document whole and says the line of what is wrong; ``Rules`` holds
the settings every rule of the core reads. Only the plans need pydantic, so they are worked
out on first use: a program that only checks whether stored rows were made under these
rules (``fingerprint``) never loads the models.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from .calendar import WorkCalendar
from .terms import DEFAULT_GATE, DEFAULT_WEIGHTS, KINDS, TIERS, Gate, bundled_text, check_day
from .weighting import DEFAULT_BANDS, Bands, Scale, validate_weights

if TYPE_CHECKING:
    from .schedule import Plans

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PRIORITY_KEYS = ("P1", "P2", "P3", "P4")
SAME_BUSINESS_DAY = "same_business_day"
SUPPORT_HOURS = ("any", "working")
# The keys a document may hold, per table, and what each one is (a missing key keeps the bundled value).
KEYS: dict[str, tuple[str, ...]] = {
    "calendar": ("working_days", "holidays", "business_hours"),
    "calendar_events": ("time_zone", *KINDS),
    "health": ("weights", "green_from", "yellow_from"),
    "kpis": ("backsliding_below",),
    "money": ("currency",),
    "response": TIERS,
    "tickets": ("resolve_within_hours", "median_resolution_hours"),
    "escalation": ("red_working_days",),
    "gate": ("band", "kpis_on_target", "held_days"),
}
MAX_HOURS = 24 * 14
MAX_CURRENCY = 4  # "$", "€", "CHF", "US$": a symbol or code, not a sentence
MAX_EVENT_MINUTES = 8 * 60
MAX_RED_WORKING_DAYS = 60
MAX_HELD_DAYS = 366
GATE_BANDS = ("green", "yellow")


def bundled_rules_text() -> str:
    """The rules document carebench ships (TOML)."""
    return bundled_text("rules.toml")


class RulesProblem(ValueError):
    """What is wrong with a rules document: ``file:line: where: what``."""


@dataclass(frozen=True)
class ResponseCommitment:
    """What a tier is promised for a support ticket: when support is given and how soon the first response comes."""

    hours: str  # "any": around the clock; "working": working days only
    first_response_hours: int | None  # within so many hours, or
    same_business_day: bool = False  # by the end of the working day it came in (the next one when it came in on a day off)


@dataclass(frozen=True)
class EventTime:
    """When a kind of touchpoint starts in the calendar, and for how long (None: its check-in script's planned minutes)."""

    at: time
    minutes: int | None = None


@dataclass(frozen=True)
class CalendarEvents:
    """How touchpoints stand in the iCalendar export: per kind a time of day and a length, in one time zone.

    ``time_zone`` is an IANA name (``Europe/Berlin``, ``UTC``); None leaves it to the computer the export runs on.
    """

    times: dict[str, EventTime]
    time_zone: str | None = None


DEFAULT_EVENTS = CalendarEvents(
    times={kind: EventTime(time(9, 0), 20) if kind == "daily" else EventTime(time(9, 0) if kind == "recovery" else time(10, 0)) for kind in KINDS}
)


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a time zone carebench can write (None when it is one): an IANA name such as Europe/Berlin."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{name}" is not a time zone name known here (an IANA name such as "Europe/Berlin" or "UTC")'
    return None


@dataclass(frozen=True)
class Settings:
    """A rules document's settings, all but the cadence plans (see ``Rules``)."""

    calendar: WorkCalendar
    weights: dict[str, Decimal]
    bands: Bands
    retained_threshold: float
    response: dict[str, ResponseCommitment]
    resolve_within_hours: dict[str, float]
    median_resolution_hours: float
    currency: str | None = None  # the symbol amounts carry; None: the user's locale decides
    events: CalendarEvents = DEFAULT_EVENTS
    business_hours: tuple[time, time] = (time(9), time(17))
    red_working_days: int = 3  # a red client with neither an escalation nor a recovery plan after so many working days is a finding
    gate: Gate = DEFAULT_GATE


DEFAULT_SETTINGS = Settings(
    calendar=WorkCalendar(),
    weights=dict(DEFAULT_WEIGHTS),
    bands=DEFAULT_BANDS,
    retained_threshold=0.8,
    response={
        "platinum": ResponseCommitment("any", 1),
        "gold": ResponseCommitment("working", None, same_business_day=True),
        "silver": ResponseCommitment("working", 24),
    },
    resolve_within_hours=dict.fromkeys(PRIORITY_KEYS, 24.0),
    median_resolution_hours=24.0,
)


class Rules:
    """The settings every rule of the core reads; ``fingerprint`` names their content.

    They come from ``document`` (TOML text; the bundled one by default); a setting given
    as an argument replaces the document's. Rows worked out under one set of rules are
    only valid under the same one: the fingerprint is a hash of the document and of any
    setting given beside it, so it changes with any plan, working day, holiday, weight or
    threshold. Nothing can be changed once made.
    """

    __slots__ = ("_given", "_plans", "_settings", "document", "fingerprint")
    document: str
    fingerprint: str
    _given: dict[str, Any]
    _plans: Plans | None
    _settings: Settings | None

    def __init__(
        self,
        plans: Plans | None = None,
        calendar: WorkCalendar | None = None,
        weights: dict[str, Decimal] | None = None,
        retained_threshold: float | None = None,
        bands: Bands | None = None,
        *,
        document: str | None = None,
    ) -> None:
        given = {"calendar": calendar, "weights": weights, "retained_threshold": retained_threshold, "bands": bands}
        set_ = object.__setattr__
        set_(self, "document", bundled_rules_text() if document is None else document)
        set_(self, "_given", {key: value for key, value in given.items() if value is not None})
        set_(self, "_plans", plans)
        set_(self, "_settings", None)
        content: list[Any] = [self.document]
        if plans is not None:
            content.append(plans.model_dump(mode="json"))
        if calendar is not None:
            content += [sorted(calendar.weekdays), sorted(map(str, calendar.holidays))]
        if weights is not None:
            content.append({k: str(v) for k, v in weights.items()})
        if retained_threshold is not None:
            content.append(repr(float(retained_threshold)))
        if bands is not None:
            content.append([str(bands.green_from), str(bands.yellow_from)])
        set_(self, "fingerprint", sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("rules cannot be changed once made")

    def _values(self) -> Settings:
        if self._settings is None:
            settings = read_settings(self.document)
            if self._given:
                from dataclasses import replace

                settings = replace(settings, **self._given)
            object.__setattr__(self, "_settings", settings)
        assert self._settings is not None
        return self._settings

    @property
    def plans(self) -> Plans:
        if self._plans is None:
            object.__setattr__(self, "_plans", plans_of(self.document))
        assert self._plans is not None
        return self._plans

    @property
    def calendar(self) -> WorkCalendar:
        return self._values().calendar

    @property
    def weights(self) -> dict[str, Decimal]:
        return self._values().weights

    @property
    def bands(self) -> Bands:
        return self._values().bands

    @property
    def scale(self) -> Scale:
        """The weights and bands together: what gives an assessment its band."""
        return Scale(self.weights, self.bands)

    @property
    def retained_threshold(self) -> float:
        return self._values().retained_threshold

    @property
    def response(self) -> dict[str, ResponseCommitment]:
        return self._values().response

    @property
    def resolve_within_hours(self) -> dict[str, float]:
        return self._values().resolve_within_hours

    @property
    def median_resolution_hours(self) -> float:
        return self._values().median_resolution_hours

    @property
    def currency(self) -> str | None:
        """The symbol every amount carries ("$", "€", "CHF"); "" for none; None: the user's locale decides."""
        return self._values().currency

    @property
    def events(self) -> CalendarEvents:
        return self._values().events

    @property
    def business_hours(self) -> tuple[time, time]:
        """When a working day's support opens and closes."""
        return self._values().business_hours

    @property
    def red_working_days(self) -> int:
        return self._values().red_working_days

    @property
    def gate(self) -> Gate:
        """What a gated step down and the handover ask of a client's results."""
        return self._values().gate


# ----- reading a document ------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*=")


def line_of(text: str, where: tuple[str | int, ...]) -> int:
    """The line that best shows ``where`` (a path of table names, keys and [[array]] indexes): the longest match."""
    best, best_len = 1, 0
    table: list[str | int] = []
    counts: dict[tuple[str, ...], int] = {}
    target = [str(part) for part in where]

    def consider(path: list[str | int], number: int) -> None:
        nonlocal best, best_len
        path = [str(part) for part in path]
        if len(path) > best_len and target[: len(path)] == path:
            best, best_len = number, len(path)

    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            name = [part.strip() for part in header.group(1).split(".")]
            if line.lstrip().startswith("[["):
                index = counts.get(tuple(name), 0)
                counts[tuple(name)] = index + 1
                table = [*name, index]
            else:
                table = name
            consider(table, number)
        elif key := _KEY.match(line):
            consider([*table, *key.group(1).split(".")], number)
    return best


def _not_toml(exc: tomllib.TOMLDecodeError, text: str, name: str) -> RulesProblem:
    """The line TOML stopped reading at (the last one when the document ended too soon)."""
    match = re.search(r"line (\d+)", str(exc))
    line = match.group(1) if match else max(len(text.splitlines()), 1)
    return RulesProblem(f"{name}:{line}: not valid TOML ({exc})")


def _problem(text: str, name: str, where: tuple[str | int, ...], what: str) -> RulesProblem:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where).lstrip(".")
    return RulesProblem(f"{name}:{line_of(text, where)}: {path}: {what}")


def _number(value: Any, where: tuple[str | int, ...], text: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _problem(text, name, where, f"must be a number, not {_shown(value)}")
    return float(value)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _table(value: Any, where: tuple[str | int, ...], text: str, name: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _problem(text, name, where, f"must be a table, not {_shown(value)}")
    for key in value:
        if key not in known:
            raise _problem(text, name, (*where, key), f"is not a rule carebench knows (known here: {', '.join(known)})")
    return value


def read_settings(text: str, name: str = "<rules>") -> Settings:
    """The settings of a rules document other than its plans; RulesProblem says where and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _not_toml(exc, text, name) from None
    for key in data:
        if key != "rule" and key not in KEYS:
            raise _problem(text, name, (key,), f"is not a rule carebench knows (known: rule, {', '.join(KEYS)})")
    tables = {key: _table(data.get(key, {}), (key,), text, name, known) for key, known in KEYS.items()}
    d = DEFAULT_SETTINGS
    calendar, health, kpis, response, tickets, escalation = (
        tables[key] for key in ("calendar", "health", "kpis", "response", "tickets", "escalation")
    )
    currency = d.currency
    if "currency" in tables["money"]:
        currency = tables["money"]["currency"]
        if (
            not isinstance(currency, str)
            or len(currency) > MAX_CURRENCY
            or any(ch.isspace() or ch.isdigit() or not ch.isprintable() for ch in currency)
        ):
            raise _problem(
                text,
                name,
                ("money", "currency"),
                f'must be a currency symbol or code of at most {MAX_CURRENCY} characters ("$", "€", "CHF"), not {_shown(currency)}',
            )
    events = _events(tables["calendar_events"], text, name)

    weekdays = d.calendar.weekdays
    if "working_days" in calendar:
        days = calendar["working_days"]
        if not isinstance(days, list) or not days or any(day not in WEEKDAYS for day in days):
            raise _problem(text, name, ("calendar", "working_days"), f"must be a non-empty list of day names ({', '.join(WEEKDAYS)})")
        weekdays = frozenset(WEEKDAYS.index(day) for day in days)
    holidays = d.calendar.holidays
    if "holidays" in calendar:
        given = calendar["holidays"]
        if not isinstance(given, list):
            raise _problem(text, name, ("calendar", "holidays"), "must be a list of dates, like [2026-12-25]")
        found = set()
        for index, value in enumerate(given):
            try:
                day = date.fromisoformat(value) if isinstance(value, str) else value
                if type(day) is not date:
                    raise ValueError
                found.add(check_day(day))
            except ValueError as exc:
                what = str(exc) if str(exc).startswith("must be between") else f"must be a date like 2026-12-25, not {_shown(value)}"
                raise _problem(text, name, ("calendar", "holidays"), f"item {index + 1} {what}") from None
        holidays = frozenset(found)
    business_hours = d.business_hours
    if "business_hours" in calendar:
        business_hours = _business_hours(calendar["business_hours"], ("calendar", "business_hours"), text, name)

    weights = d.weights
    if "weights" in health:
        given = _table(health["weights"], ("health", "weights"), text, name, ("performance", "adoption", "relationship"))
        for component, value in given.items():
            _number(value, ("health", "weights", component), text, name)
        try:
            checked = validate_weights(given)
        except ValueError as exc:
            raise _problem(text, name, ("health", "weights"), str(exc)) from None
        weights = d.weights if checked == d.weights else checked
    limits = {}
    for key in ("green_from", "yellow_from"):
        value = _number(health[key], ("health", key), text, name) if key in health else float(getattr(d.bands, key))
        if not 0 <= value <= 10:
            raise _problem(text, name, ("health", key), f"must be between 0 and 10, got {value:g}")
        limits[key] = Decimal(repr(value))
    if limits["yellow_from"] >= limits["green_from"]:
        raise _problem(text, name, ("health", "yellow_from"), f"must be below green_from ({limits['green_from']})")
    bands = d.bands if limits == {"green_from": d.bands.green_from, "yellow_from": d.bands.yellow_from} else Bands(**limits)

    threshold = d.retained_threshold
    if "backsliding_below" in kpis:
        threshold = _number(kpis["backsliding_below"], ("kpis", "backsliding_below"), text, name)
        if not 0 < threshold <= 1:
            raise _problem(text, name, ("kpis", "backsliding_below"), f"must be more than 0 and at most 1, got {threshold:g}")

    commitments = dict(d.response)
    for tier, value in response.items():
        where = ("response", tier)
        given = _table(value, where, text, name, ("hours", "first_response"))
        hours = given.get("hours", d.response[tier].hours)
        if hours not in SUPPORT_HOURS:
            raise _problem(text, name, (*where, "hours"), f'must be "any" or "working", not {_shown(hours)}')
        first = given.get("first_response", SAME_BUSINESS_DAY if d.response[tier].same_business_day else d.response[tier].first_response_hours)
        if first == SAME_BUSINESS_DAY:
            commitments[tier] = ResponseCommitment(hours, None, same_business_day=True)
        elif isinstance(first, int) and not isinstance(first, bool) and 1 <= first <= MAX_HOURS:
            commitments[tier] = ResponseCommitment(hours, first)
        else:
            raise _problem(
                text,
                name,
                (*where, "first_response"),
                f'must be a whole number of hours (1-{MAX_HOURS}) or "{SAME_BUSINESS_DAY}", not {_shown(first)}',
            )

    resolve = dict(d.resolve_within_hours)
    if "resolve_within_hours" in tickets:
        given = _table(tickets["resolve_within_hours"], ("tickets", "resolve_within_hours"), text, name, PRIORITY_KEYS)
        for key, value in given.items():
            resolve[key] = _hours(value, ("tickets", "resolve_within_hours", key), text, name)
    median = d.median_resolution_hours
    if "median_resolution_hours" in tickets:
        median = _hours(tickets["median_resolution_hours"], ("tickets", "median_resolution_hours"), text, name)
    red_days = d.red_working_days
    if "red_working_days" in escalation:
        red_days = escalation["red_working_days"]
        if not isinstance(red_days, int) or isinstance(red_days, bool) or not 1 <= red_days <= MAX_RED_WORKING_DAYS:
            raise _problem(
                text,
                name,
                ("escalation", "red_working_days"),
                f"must be a whole number of working days from 1 to {MAX_RED_WORKING_DAYS}, got {_shown(red_days)}",
            )

    gate = _gate(tables["gate"], text, name)

    return Settings(
        calendar=WorkCalendar(weekdays=weekdays, holidays=holidays)
        if (weekdays, holidays) != (d.calendar.weekdays, d.calendar.holidays)
        else d.calendar,
        weights=weights,
        bands=bands,
        retained_threshold=threshold,
        response=commitments,
        resolve_within_hours=resolve,
        median_resolution_hours=median,
        currency=currency,
        events=events,
        business_hours=business_hours,
        red_working_days=red_days,
        gate=gate,
    )


def _gate(table: dict[str, Any], text: str, name: str) -> Gate:
    """The ``[gate]`` table: ``band``, ``kpis_on_target`` (a share) and ``held_days``."""
    d = DEFAULT_GATE
    band = table.get("band", d.band)
    if band not in GATE_BANDS:
        raise _problem(text, name, ("gate", "band"), f'must be "green" or "yellow", not {_shown(band)}')
    share = d.kpis_on_target
    if "kpis_on_target" in table:
        share = _number(table["kpis_on_target"], ("gate", "kpis_on_target"), text, name)
        if not 0 <= share <= 1:
            raise _problem(text, name, ("gate", "kpis_on_target"), f"must be a share from 0 to 1, got {share:g}")
    held = table.get("held_days", d.held_days)
    if not isinstance(held, int) or isinstance(held, bool) or not 1 <= held <= MAX_HELD_DAYS:
        raise _problem(text, name, ("gate", "held_days"), f"must be a whole number of days from 1 to {MAX_HELD_DAYS}, got {_shown(held)}")
    found = Gate(band, share, held)
    return d if found == d else found


_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _events(table: dict[str, Any], text: str, name: str) -> CalendarEvents:
    """The ``[calendar_events]`` table: ``time_zone`` and, per kind, ``at`` ("HH:MM") and ``minutes``."""
    d = DEFAULT_EVENTS
    zone = d.time_zone
    if "time_zone" in table:
        zone = table["time_zone"]
        if not isinstance(zone, str):
            raise _problem(text, name, ("calendar_events", "time_zone"), f"must be a time zone name, not {_shown(zone)}")
        if problem := zone_problem(zone):
            raise _problem(text, name, ("calendar_events", "time_zone"), problem)
    times = dict(d.times)
    for kind in KINDS:
        if kind not in table:
            continue
        where = ("calendar_events", kind)
        given = _table(table[kind], where, text, name, ("at", "minutes"))
        at = times[kind].at
        if "at" in given:
            value = given["at"]
            if isinstance(value, time) and value.tzinfo is None and not value.second and not value.microsecond:
                at = value
            elif isinstance(value, str) and (clock := _CLOCK.match(value)):
                at = time(int(clock.group(1)), int(clock.group(2)))
            else:
                raise _problem(text, name, (*where, "at"), f'must be a time of day like "09:00", not {_shown(value)}')
        minutes = times[kind].minutes
        if "minutes" in given:
            minutes = given["minutes"]
            if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_EVENT_MINUTES:
                raise _problem(text, name, (*where, "minutes"), f"must be a whole number of minutes (1-{MAX_EVENT_MINUTES}), not {_shown(minutes)}")
        times[kind] = EventTime(at, minutes)
    return d if (times, zone) == (d.times, d.time_zone) else CalendarEvents(times, zone)


_SPAN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")


def _business_hours(value: Any, where: tuple[str, ...], text: str, name: str) -> tuple[time, time]:
    """Business hours written "HH:MM-HH:MM" (24-hour clock), opening before closing."""
    match = _SPAN.match(value) if isinstance(value, str) else None
    if match is None:
        raise _problem(text, name, where, f'must be opening and closing times like "09:00-17:00", not {_shown(value)}')
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if (start_h, start_m) >= (end_h, end_m):
        raise _problem(text, name, where, f"must open before it closes, got {value}")
    return time(start_h, start_m), time(end_h, end_m)


def _hours(value: Any, where: tuple[str | int, ...], text: str, name: str) -> float:
    hours = _number(value, where, text, name)
    if not 0 < hours <= MAX_HOURS:
        raise _problem(text, name, where, f"must be more than 0 and at most {MAX_HOURS} hours, got {hours:g}")
    return hours


def plans_of(text: str, name: str = "<rules>") -> Plans:
    """The cadence plans (the ``[[rule]]`` tables) of a rules document; RulesProblem says where and what is wrong."""
    from pydantic import ValidationError

    from .models import error_text
    from .schedule import DEFAULT_PLANS, Plans

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _not_toml(exc, text, name) from None
    gate = _gate(_table(data.get("gate", {}), ("gate",), text, name, KEYS["gate"]), text, name)
    if "rule" not in data:
        return DEFAULT_PLANS if gate == DEFAULT_GATE else DEFAULT_PLANS.model_copy(update={"gate": gate})
    try:
        return Plans.model_validate({"rule": data["rule"], "gate": gate}, strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith(("function-", "literal["))))
        raise _problem(text, name, where, error_text(error)) from None


def read_rules(text: str, name: str = "<rules>") -> Rules:
    """A rules document checked whole (plans included) and made into rules; RulesProblem says the line of what is wrong."""
    read_settings(text, name)
    plans = plans_of(text, name)
    rules = Rules(document=text)
    object.__setattr__(rules, "_plans", plans)
    return rules


DEFAULT_RULES = Rules()
