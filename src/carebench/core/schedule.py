"""Touchpoint scheduling: cadence plans, health escalation, stored exceptions and the agenda.

Touchpoints are generated, never stored; only departures from the plan (done,
skipped, moved) are. Everything here is a pure function of the client's data.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import date, timedelta
from importlib import resources
from typing import Iterable, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from .calendar import DEFAULT_CALENDAR, WorkCalendar, add_months
from .health import band_of, latest_on_or_before, overall_score
from .models import KINDS, Assessment, Band, Client, Kind, Model, Tier, TouchpointException, seniority
from .phases import day_number, support_phase

PlanKind = Literal["quarterly", "monthly", "biweekly", "weekly", "daily"]
BAND_ORDER = {"red": 0, "yellow": 1, "green": 2, None: 3}


class CadenceRule(Model):
    """One series of touchpoints for a tier (see plans.toml for the meaning of the fields)."""

    tier: Tier
    kind: PlanKind
    unit: Literal["working_day", "days", "months"]
    every: int = Field(default=1, ge=1, le=366)
    first_day: int = Field(default=1, ge=1)
    last_day: int | None = Field(default=None, ge=1, le=3660)
    count: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _bounded(self) -> CadenceRule:
        if self.unit == "months" and self.count is None:
            raise ValueError("a months rule needs count")
        if self.unit in ("days", "working_day") and self.last_day is None:
            raise ValueError(f"a {self.unit} rule needs last_day")
        return self


class Plans(Model):
    rule: list[CadenceRule]


def load_plans(text: str | None = None) -> Plans:
    """Cadence plans from TOML text; the bundled defaults when ``text`` is None."""
    if text is None:
        text = resources.files("carebench.core").joinpath("plans.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    try:
        return Plans.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None


DEFAULT_PLANS = load_plans()


class Touchpoint(BaseModel):
    date: date
    kind: Kind
    covers: list[Kind] = []
    status: Literal["scheduled", "done", "skipped"] = "scheduled"
    moved_from: date | None = None
    reason: str | None = None


class AgendaItem(BaseModel):
    """One row of a day's agenda; overdue rows stand for every missed touchpoint of that kind."""

    client: str
    client_name: str
    owner: str
    kind: Kind
    date: date
    status: Literal["due", "overdue"]
    missed: int = 0
    covers: list[Kind] = []
    band: Band | None = None
    phase: str


def plan_occurrences(tier: str, go_live: date, plans: Plans, calendar: WorkCalendar) -> list[tuple[date, Kind]]:
    """Every (date, kind) the tier's cadence plan produces, non-daily ones moved off non-working days."""
    found: list[tuple[date, Kind]] = []
    for rule in plans.rule:
        if rule.tier != tier:
            continue
        if rule.unit == "working_day":
            start = go_live + timedelta(days=rule.first_day - 1)
            end = go_live + timedelta(days=rule.last_day - 1)
            found.extend((day, rule.kind) for day in calendar.working_days(start, end))
            continue
        if rule.unit == "days":
            dates = []
            k = 1
            while k * rule.every + 1 <= rule.last_day:
                dates.append(go_live + timedelta(days=k * rule.every))
                k += 1
        else:
            dates = [add_months(go_live, n * rule.every) for n in range(1, rule.count + 1)]
        found.extend((calendar.next_working(day), rule.kind) for day in dates)
    return found


def escalation_occurrences(assessments: Iterable[Assessment], until: date, calendar: WorkCalendar) -> list[tuple[date, Kind]]:
    """Recovery (red) and intervention (yellow) touchpoints, each while its assessment is the latest."""
    ordered = sorted(assessments, key=lambda a: a.date)
    found: list[tuple[date, Kind]] = []
    for index, assessment in enumerate(ordered):
        stop = ordered[index + 1].date if index + 1 < len(ordered) else until + timedelta(days=1)
        stop = min(stop, until + timedelta(days=1))
        band = band_of(overall_score(assessment.scores))
        if band == "red":
            found.extend((day, "recovery") for day in calendar.working_days(assessment.date + timedelta(days=1), stop - timedelta(days=1)))
        elif band == "yellow":
            k = 1
            while True:
                day = calendar.next_working(assessment.date + timedelta(days=7 * k))
                if day >= stop:
                    break
                found.append((day, "intervention"))
                k += 1
    return found


def _apply_moves(occurrences: list[tuple[date, Kind]], exceptions: list[TouchpointException]) -> list[tuple[date, Kind, date | None]]:
    """Follow stored moves (also chains of them); returns (date, kind, original date when moved)."""
    moves = {(e.date, e.kind): e.moved_to for e in exceptions if e.status == "moved"}
    result = []
    for day, kind in occurrences:
        original, hops = day, 0
        while (day, kind) in moves and hops <= len(moves):
            day = moves[(day, kind)]
            hops += 1
        result.append((day, kind, original if day != original else None))
    return result


def schedule(
    client: Client,
    start: date,
    end: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[Touchpoint]:
    """The client's touchpoints dated from ``start`` to ``end``: one per date, most senior kind standing."""
    if client.status != "active" or end < start:
        return []
    # Escalation is generated far enough ahead for a touchpoint moved back into the range.
    horizon = max([end] + [e.date for e in client.exceptions if e.status == "moved"])
    raw = plan_occurrences(client.tier, client.go_live, plans, calendar)
    raw += escalation_occurrences(client.assessments, horizon, calendar)
    placed = _apply_moves(raw, client.exceptions)
    by_date: dict[date, dict[Kind, date | None]] = defaultdict(dict)
    for day, kind, moved_from in placed:
        if start <= day <= end:
            by_date[day].setdefault(kind, moved_from)
    outcomes = {(e.date, e.kind): e for e in client.exceptions if e.status != "moved"}
    touchpoints = []
    for day in sorted(by_date):
        kinds = sorted(by_date[day], key=seniority)
        standing = kinds[0]
        outcome = outcomes.get((day, standing))
        touchpoints.append(
            Touchpoint(
                date=day,
                kind=standing,
                covers=kinds[1:],
                status=outcome.status if outcome else "scheduled",
                moved_from=by_date[day][standing],
                reason=outcome.reason if outcome else None,
            )
        )
    return touchpoints


def touchpoint_on(client: Client, day: date, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR) -> Touchpoint | None:
    """The touchpoint standing on ``day``, if any."""
    found = schedule(client, day, day, plans, calendar)
    return found[0] if found else None


def overdue(touchpoints: list[Touchpoint], day: date) -> list[Touchpoint]:
    """Touchpoints missed before ``day`` and not superseded by a same-or-more-senior one done after them."""
    # Latest done date per kind, then carried to every less senior kind.
    latest_done: dict[str, date] = {}
    for tp in touchpoints:
        if tp.status == "done" and tp.date <= day:
            if tp.date > latest_done.get(tp.kind, date.min):
                latest_done[tp.kind] = tp.date
    superseded_until: dict[str, date] = {}
    running = date.min
    for kind in KINDS:
        running = max(running, latest_done.get(kind, date.min))
        superseded_until[kind] = running
    return [
        tp for tp in touchpoints
        if tp.date < day and tp.status == "scheduled" and superseded_until[tp.kind] <= tp.date
    ]


def client_band(client: Client, day: date) -> Band | None:
    """The band of the client's latest assessment on or before ``day``."""
    latest = latest_on_or_before(client.assessments, day)
    return band_of(overall_score(latest.scores)) if latest else None


def client_agenda(
    client: Client,
    day: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[AgendaItem]:
    """The client's rows on ``day``'s agenda: overdue groups (per kind) and what is due that day."""
    touchpoints = schedule(client, min(client.go_live, day), day, plans, calendar)
    band = client_band(client, day)
    phase = support_phase(day_number(client.go_live, day))
    common = dict(client=client.id, client_name=client.name, owner=client.owner, band=band, phase=phase)
    groups: dict[str, list[Touchpoint]] = defaultdict(list)
    for tp in overdue(touchpoints, day):
        groups[tp.kind].append(tp)
    items = [
        AgendaItem(kind=kind, date=missed[-1].date, status="overdue", missed=len(missed), covers=missed[-1].covers, **common)
        for kind, missed in groups.items()
    ]
    items += [
        AgendaItem(kind=tp.kind, date=tp.date, status="due", covers=tp.covers, **common)
        for tp in touchpoints
        if tp.date == day and tp.status == "scheduled"
    ]
    return items


def agenda_order(item: AgendaItem | dict) -> tuple:
    """Overdue rows first; within each, red clients first, then the more senior kind (items or their JSON form)."""
    row = item if isinstance(item, dict) else item.__dict__
    return (row["status"] != "overdue", BAND_ORDER[row["band"]], seniority(row["kind"]), row["client_name"].lower(),
            str(row["date"]))


def agenda(
    clients: Iterable[Client],
    day: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[AgendaItem]:
    """The whole portfolio's agenda for ``day``, in the order a consultant works through it."""
    items = [item for client in clients for item in client_agenda(client, day, plans, calendar)]
    return sorted(items, key=agenda_order)


def on_time_share(client: Client, day: date, window_days: int = 30, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR) -> float | None:
    """Share of the touchpoints in the last ``window_days`` before ``day`` that were done (None when there were none)."""
    touchpoints = schedule(client, day - timedelta(days=window_days), day - timedelta(days=1), plans, calendar)
    if not touchpoints:
        return None
    return sum(tp.status == "done" for tp in touchpoints) / len(touchpoints)


def touchpoint_outcome(client: Client, day: date, status: str, kind: str | None = None, reason: str | None = None,
                       to: date | None = None, plans: Plans = DEFAULT_PLANS,
                       calendar: WorkCalendar = DEFAULT_CALENDAR) -> TouchpointException:
    """What to store when the touchpoint standing on ``day`` is done, skipped or moved; ValueError says why not.

    ``kind`` may name the standing kind or one it covers; the outcome is stored against the standing one.
    """
    if status == "skipped" and not (reason or "").strip():
        raise ValueError("say why the touchpoint is skipped")
    if status == "moved":
        if to is None:
            raise ValueError("say which day the touchpoint moves to")
        if to == day:
            raise ValueError(f"the touchpoint is already on {day}")
    elif to is not None:
        raise ValueError("only a moved touchpoint has a new day")
    tp = touchpoint_on(client, day, plans, calendar)
    if tp is None:
        raise ValueError(f"{client.id} has no touchpoint on {day}")
    if kind and kind != tp.kind and kind not in tp.covers:
        raise ValueError(f"{client.id} has a {tp.kind} touchpoint on {day}, not a {kind}")
    if status == "moved" and tp.status != "scheduled":
        raise ValueError(f"the {tp.kind} touchpoint of {client.id} on {day} is already {tp.status}")
    return TouchpointException(date=day, kind=tp.kind, status=status, reason=reason, moved_to=to)
