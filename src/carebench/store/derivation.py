"""What the derived rows were made under, and the rows the store's reads give back (no pydantic: opening a store needs it).

See projections.py for how the rows are worked out.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from hashlib import sha256
from typing import TYPE_CHECKING, NamedTuple

from ..core.rules import Rules

if TYPE_CHECKING:
    from ..core.terms import Band, Stage

# Raise this whenever projections.py would derive other rows from the same data: rows made by
# an older version are then rebuilt before they are read.
DERIVATION_VERSION = 7
# Touchpoints are generated up to this many days after the day the rows were last brought up to date
# (a red client's recovery calls reach that far: each of its assessments writes that many rows),
HORIZON_DAYS = 460
# and the horizon is moved on once it is less than this far ahead (a triage looks this far for the next touchpoint).
NEXT_TOUCHPOINT_DAYS = 400
# What refresh_client can bring up to date, in the order it does so (standing reads the assessment rows),
# and the tables of derived rows.
PARTS = ("touchpoints", "health", "kpis", "standing", "summary")
DERIVED_TABLES = ("touchpoints", "assessment_health", "kpi_standing", "standing", "client_summary")


def rules_version(rules: Rules) -> str:
    """What the stored rows were made under: these rules worked out by this version of the derivation code."""
    return sha256(f"{DERIVATION_VERSION}:{rules.fingerprint}".encode()).hexdigest()[:16]


def stored_state(conn: sqlite3.Connection) -> tuple[str | None, date | None]:
    """The rules version the rows were made under and their horizon (None, None before the first rebuild)."""
    found = dict(conn.execute("SELECT key, value FROM derivation").fetchall())
    horizon = found.get("horizon")
    return found.get("rules_version"), date.fromisoformat(horizon) if horizon else None


def needed(conn: sqlite3.Connection, rules: Rules, today: date) -> str | None:
    """ "rebuild" when the rows were made under other rules or code, "extend" when the horizon is too near, else None."""
    version, horizon = stored_state(conn)
    if version != rules_version(rules) or horizon is None:
        return "rebuild"
    if today + timedelta(days=NEXT_TOUCHPOINT_DAYS) > horizon:
        return "extend"
    return None


# ----- the rows read back (see the Store's reads) ---------------------------------------------


class AgendaRow(NamedTuple):
    """One row of a day's agenda: a touchpoint due that day, or the missed ones of one kind of one client."""

    status: str  # "overdue" | "due"
    client: str
    client_name: str
    owner: str
    go_live: str
    kind: str
    date: str  # the touchpoint's day; for an overdue row the latest missed one
    missed: int  # how many were missed (0 for a due row)
    covers: tuple[str, ...]
    band: Band | None  # the client's band on the day asked for


class TriageRow(NamedTuple):
    """One client's standing on a day (the day number and phase follow from go_live)."""

    client: str
    client_name: str
    owner: str
    tier: str
    status: str
    go_live: str
    overall: float | None
    band: Band | None
    delta: float | None
    assessed: str | None
    next_date: str | None  # the next scheduled touchpoint within NEXT_TOUCHPOINT_DAYS
    next_kind: str | None
    backsliding: int
    kpis_on_target: int
    kpis: int
    weighted_pipeline: float
    drop: tuple[str, int, int] | None  # the latest assessment's biggest sub-score fall (core.triage.biggest_drop)


class OpportunityRow(NamedTuple):
    """An opportunity as the pipeline lists it, with its client's name and go-live (days as ISO text)."""

    id: int
    version: int
    client: str
    client_name: str
    title: str
    stage: Stage
    source: str
    value: float
    probability: int
    investment_low: float | None
    investment_high: float | None
    start_month: int | None
    end_month: int | None
    next_action: str | None
    next_action_date: str | None
    go_live: str


class ClientRow(NamedTuple):
    """A client's own fields that lists of clients read."""

    id: str
    name: str
    owner: str
    status: str
    go_live: date


class TouchpointRow(NamedTuple):
    date: str
    kind: str
    covers: list[str]
    status: str
    moved_from: str | None
    reason: str | None
    superseded_from: str | None


class KpiStandingRow(NamedTuple):
    """A KPI's standing on a day, field for field what ``core.kpis.kpi_status`` gives."""

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
    current_date: str | None
    readings_count: int
    team: bool
    benchmark: float | None
    forecast: str | None
    forecast_date: str | None
