"""What screens, commands and reports show: typed, frozen records, each with its JSON form.

The field names and their order are the JSON contracts of the ``--json`` outputs
(``to_json()``); nothing here imports pydantic, so the workbench can paint its first
screen without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Mapping


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready data: records as objects (in field order), dates as ISO text, tuples as lists."""
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is None and f.metadata.get("omit_none"):
                continue
            out[f.metadata.get("key", f.name)] = to_json(item)
        return out
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


def frozen_map(mapping: Mapping | None) -> Mapping:
    """A read-only view of ``mapping`` (records hold no dicts anyone could change)."""
    return MappingProxyType(dict(mapping or {}))


def named(key: str, **kw: Any) -> Any:
    """A field whose JSON name is not a Python name (``from``, ``to``)."""
    return field(metadata={"key": key}, **kw)


class Record:
    """Base of every read model: ``to_json()`` gives its JSON contract."""

    __slots__ = ()

    def to_json(self) -> Any:
        return to_json(self)


def record(cls):
    """Make ``cls`` a frozen, slotted dataclass record."""
    return dataclass(frozen=True, slots=True)(cls)


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
    band: str | None
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
    date: date
    items: tuple[AgendaRow, ...]
    action_items: tuple[ActionDue, ...]


# ----- schedules ---------------------------------------------------------------------------------


@record
class ScheduledTouchpoint(Record):
    date: date
    kind: str
    covers: tuple[str, ...]
    status: str
    moved_from: date | None
    reason: str | None = field(default=None, metadata={"omit_none": True})


@record
class Schedule(Record):
    client: str
    start: date = named("from")
    end: date = named("to")
    touchpoints: tuple[ScheduledTouchpoint, ...] = ()


@record
class NextTouchpoint(Record):
    date: date
    kind: str


# ----- health ------------------------------------------------------------------------------------


@record
class Component(Record):
    score: float
    weight: float
    subscores: Mapping[str, int]


@record
class Driver(Record):
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
    band: str | None
    components: Mapping[str, Component] | None
    previous_overall: float | None
    delta: float | None
    drivers: tuple[Driver, ...]
    note: str | None = field(default=None, metadata={"omit_none": True})
