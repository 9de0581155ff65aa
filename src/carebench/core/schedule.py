"""Touchpoint scheduling: cadence plans, health escalation, stored exceptions and the agenda.

Touchpoints are generated; only departures from the plan (done, skipped, moved) are
recorded. Everything here is a pure function of the client's data (the store keeps what
these functions give as derived rows, see store/projections.py).
"""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Literal, TypeVar, cast

from pydantic import Field, ValidationError, model_validator

from .calendar import DEFAULT_CALENDAR, WorkCalendar, add_months
from .handover import GateTimeline
from .health import assessment_band, latest_on_or_before
from .models import KINDS, Assessment, Band, Client, Kind, Model, Result, Tier, TierChange, TouchpointException, seniority
from .phases import day_number, support_phase
from .terms import BAND_ORDER, DEFAULT_GATE, OUTCOME_STATUSES, TIERS, Gate, OutcomeStatus, agenda_order, bundled_text  # noqa: F401  (the agenda's order, used here and by its callers)
from .weighting import DEFAULT_SCALE, Scale

# The type, where a field named ``date`` hides it in a class body.
Date = date

PlanKind = Literal["quarterly", "monthly", "retrospective", "biweekly", "weekly", "daily"]


class CadenceRule(Model):
    """One series of touchpoints for a tier (see rules.toml for the meaning of the fields)."""

    tier: Tier
    kind: PlanKind
    unit: Literal["working_day", "days", "months", "day_numbers"]
    every: int = Field(default=1, ge=1, le=366)
    first_day: int = Field(default=1, ge=1)
    last_day: int | None = Field(default=None, ge=1, le=3660)
    count: int | None = Field(default=None, ge=1, le=120)
    days: list[int] | None = None
    gated: bool = False
    counted_from: Literal["go_live", "handover"] = "go_live"

    @model_validator(mode="after")
    def _bounded(self) -> CadenceRule:
        if self.unit == "day_numbers":
            self._check_day_numbers()
        elif self.days is not None:
            raise ValueError("only a day_numbers rule takes days (the day numbers it falls on)")
        elif self.counted_from == "handover":
            if self.unit == "working_day":
                raise ValueError("a sustainment rule (counted_from handover) is a days or months rule")
            if self.gated:
                raise ValueError("a sustainment rule (counted_from handover) has no gate: nothing steps down after it")
        elif self.unit == "months" and self.count is None:
            raise ValueError("a months rule needs count")
        elif self.unit in ("days", "working_day") and self.last_day is None:
            raise ValueError(f"a {self.unit} rule needs last_day")
        if self.gated and self.unit == "months":
            raise ValueError("only a days or working_day rule can be gated: a months rule has no last day to hold")
        if self.last_day is not None and self.first_day > self.last_day:
            raise ValueError(f"first_day ({self.first_day}) is after last_day ({self.last_day})")
        return self

    def _check_day_numbers(self) -> None:
        if not self.days:
            raise ValueError("a day_numbers rule needs days: the day numbers it falls on, such as [30, 60, 90]")
        if wrong := [n for n in self.days if not 1 <= n <= 3660]:
            raise ValueError(f"days are day numbers from 1 to 3660, not {wrong[0]}")
        if twice := [n for n in self.days if self.days.count(n) > 1]:
            raise ValueError(f"days names day {twice[0]} twice")
        if self.last_day is not None or self.count is not None:
            raise ValueError("a day_numbers rule ends at its last day number: it takes days, not last_day or count")
        if self.gated:
            raise ValueError("a day_numbers rule cannot be gated: it holds no series to keep going")
        if "every" in self.model_fields_set:
            raise ValueError("a day_numbers rule falls on its days: it takes no every")

    @property
    def bounded(self) -> bool:
        """Whether the rule's series ends by itself (a sustainment rule may run until the engagement ends)."""
        return self.last_day is not None or self.count is not None or self.days is not None

    @property
    def last(self) -> int:
        """The last day of a days or working-day rule (the validator makes sure it is given)."""
        assert self.last_day is not None
        return self.last_day

    @property
    def times(self) -> int:
        """How many touchpoints a months rule makes (the validator makes sure it is given)."""
        assert self.count is not None
        return self.count


class Plans(Model):
    """The cadence rules of every tier, and the gate their gated step downs ask the client to pass."""

    rule: list[CadenceRule]
    gate: Gate = DEFAULT_GATE


def load_plans(text: str | None = None) -> Plans:
    """Cadence plans (the ``[[rule]]`` tables) from a rules document's TOML text; the bundled ones when ``text`` is None."""
    if text is None:
        text = bundled_text("rules.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    try:
        return Plans.model_validate({"rule": data.get("rule", [])})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None


DEFAULT_PLANS = load_plans()


class Touchpoint(Result):
    date: date
    kind: Kind
    covers: list[Kind] = []
    status: Literal["scheduled", "done", "skipped"] = "scheduled"
    moved_from: Date | None = None
    reason: str | None = None


class AgendaItem(Result):
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


def step_down_day(rule: CadenceRule, go_live: date) -> date:
    """The last day of a gated rule's series as planned: the day its step down is decided."""
    return go_live + timedelta(days=rule.last - 1)


def release_day(rule: CadenceRule, go_live: date, gates: GateTimeline) -> tuple[date, date | None]:
    """A gated rule's planned last day, and the day its series ends: the first day from then on at whose end the
    client passes the gate (None: it has not passed by its latest results)."""
    end = step_down_day(rule, go_live)
    return end, gates.first_pass(end)


def _series(rule: CadenceRule, start: date, stop: date | None, calendar: WorkCalendar) -> list[date]:
    """The dates of a rule's series counted from ``start`` (its day 1) up to ``stop`` (when given) or to the rule's own end."""
    first = start + timedelta(days=rule.first_day - 1)
    if rule.unit == "day_numbers":
        assert rule.days is not None  # the validator makes sure they are given
        dates = sorted(start + timedelta(days=n - 1) for n in rule.days)
        return [calendar.next_working(day) for day in dates if day >= first and (stop is None or day <= stop)]
    if rule.unit == "working_day":
        return list(calendar.working_days(first, stop or start + timedelta(days=rule.last - 1)))
    dates = []
    k = 1
    while True:
        if rule.unit == "days":
            day = start + timedelta(days=k * rule.every)
            if stop is None and k * rule.every + 1 > rule.last:
                break
        else:
            if stop is None and k > rule.times:
                break
            day = add_months(start, k * rule.every)
        if stop is not None and day > stop:
            break
        dates.append(day)
        k += 1
    return [calendar.next_working(day) for day in dates if day >= first]


def plan_occurrences(
    tier: str,
    go_live: date,
    plans: Plans,
    calendar: WorkCalendar,
    *,
    gates: GateTimeline | None = None,
    until: date | None = None,
) -> list[tuple[date, Kind]]:
    """Every (date, kind) the tier's cadence plan (counted from go-live) produces, non-daily ones moved off non-working days.

    Whatever the unit, an occurrence whose day number is below the rule's ``first_day`` is left out.
    With ``gates`` and ``until``, a gated series whose client does not pass the gate on its last day
    goes on at its cadence up to the first day it passes (that day included), or up to ``until``.
    """
    found: list[tuple[date, Kind]] = []
    for rule in plans.rule:
        if rule.tier != tier or rule.counted_from != "go_live":
            continue
        dates = _series(rule, go_live, None, calendar)
        if rule.gated and gates is not None and until is not None:
            end, released = release_day(rule, go_live, gates)
            stop = until if released is None else min(released, until)
            if stop > end:  # held: the series as if it had no end, up to ``stop``
                dates = _series(rule, go_live, stop, calendar)
        found.extend((day, rule.kind) for day in dates)
    return found


def sustainment_occurrences(tier: str, start: date, until: date, plans: Plans, calendar: WorkCalendar) -> list[tuple[date, Kind]]:
    """The tier's sustainment cadence (the rules counted from the handover) counted from ``start``, up to ``until``."""
    found: list[tuple[date, Kind]] = []
    for rule in plans.rule:
        if rule.tier == tier and rule.counted_from == "handover":
            found.extend((day, rule.kind) for day in _series(rule, start, None if rule.bounded else until, calendar) if day <= until)
    return found


def held_series(
    client: Client, day: date, plans: Plans = DEFAULT_PLANS, gates: GateTimeline | None = None, *, scale: Scale = DEFAULT_SCALE
) -> list[tuple[Kind, date, str]]:
    """The gated series of the client's plan that are held on ``day``: (kind, the first day held, why), most intensive first.

    A series is held from the day after its planned end until the first day the client passes
    the gate (on that day it is no longer held). A client handed over or closed holds nothing.
    """
    if client.status != "active":
        return []
    gates = gates or GateTimeline.of(client.assessments, client.kpis, plans.gate, scale)
    tier = tier_on(client, day)
    found = []
    for rule in plans.rule:
        if rule.tier != tier or not rule.gated:
            continue
        end, released = release_day(rule, client.go_live, gates)
        if end >= day:
            continue
        if released is None or released > day:
            found.append((rule.kind, end + timedelta(days=1), f"held at {rule.kind}: " + "; ".join(gates.reasons_on(day))))
    return sorted(found, key=lambda held: -seniority(held[0]))


def tier_periods(client: Client) -> list[tuple[date | None, date | None, Tier]]:
    """The tiers the client was on, oldest first: (first day or None, day it ended (exclusive) or None, tier)."""
    changes = sorted(getattr(client, "tier_changes", None) or [], key=lambda c: c.date)
    periods: list[tuple[date | None, date | None, Tier]] = []
    start: date | None = None
    for change in changes:
        periods.append((start, change.date, change.previous))
        start = change.date
    periods.append((start, None, client.tier))
    return periods


def tier_on(client: Client, day: date) -> Tier:
    """The tier whose cadence plan holds on ``day``."""
    return next(tier for start, stop, tier in tier_periods(client) if stop is None or day < stop)


def client_plan_occurrences(
    client: Client, plans: Plans, calendar: WorkCalendar, *, gates: GateTimeline | None = None, until: date | None = None
) -> list[tuple[date, Kind]]:
    """Every (date, kind) the client's cadence plans produce.

    Each tier's plan (counted from go-live) on the days that tier held; a touchpoint of an earlier
    tier's plan that already has an outcome (done or skipped) stays. ``gates`` and ``until``: see
    ``plan_occurrences``. With ``until``, the sustainment cadence follows, up to ``until``: counted
    from the handover for a client handed over (the plan stops the day before it), and from the
    last touchpoint of its plan for an active client not handed over yet.
    """
    handover = client.handover.date if client.status == "handed_over" and client.handover is not None else None
    periods = tier_periods(client)
    if len(periods) == 1:
        found = plan_occurrences(client.tier, client.go_live, plans, calendar, gates=gates, until=until)
    else:
        recorded = {(e.date, e.kind) for e in client.exceptions if e.status != "moved"}
        found = []
        for start, stop, tier in periods:
            for day, kind in plan_occurrences(tier, client.go_live, plans, calendar, gates=gates, until=until):
                held = (start is None or day >= start) and (stop is None or day < stop)
                if held or (stop is not None and day >= stop and (day, kind) in recorded):
                    found.append((day, kind))
        found = list(dict.fromkeys(found))
    if handover is not None:
        found = [(day, kind) for day, kind in found if day < handover]
    if until is not None:
        start = handover or max((day for day, _ in found), default=None)
        if start is not None:
            found += sustainment_occurrences(tier_on(client, start), start, until, plans, calendar)
    return found


def tier_changed(client: Client, tier: str, day: date) -> list[TierChange]:
    """The client's tier changes once it moves to ``tier`` from ``day`` on; ValueError says why not.

    Changes stored for ``day`` or later give way: the new tier holds from ``day`` on.
    """
    if tier not in TIERS:
        raise ValueError(f"a tier is one of {', '.join(TIERS)}, not {tier!r}")
    before = tier_on(client, day - timedelta(days=1)) if day > date.min else client.tier
    kept = [c for c in client.tier_changes if c.date < day]
    if tier == before:
        if len(kept) == len(client.tier_changes):
            raise ValueError(f"{client.id} is already {tier} on {day}")
        return kept
    return [*kept, TierChange(date=day, previous=before)]


def escalation_occurrences(
    assessments: Iterable[Assessment],
    until: date,
    calendar: WorkCalendar,
    since: date | None = None,
    keep: Iterable[date] = (),
    *,
    scale: Scale = DEFAULT_SCALE,
) -> list[tuple[date, Kind]]:
    """Recovery (red) and intervention (yellow) touchpoints, each while its assessment is the latest.

    With ``since``, an assessment whose time as the latest ended before that day adds nothing
    (and its band is not worked out), unless that time holds one of the ``keep`` days: a
    touchpoint that started there may have been moved to a later day.
    """
    ordered = sorted(assessments, key=lambda a: a.date)
    kept = sorted(set(keep)) if since is not None else []
    found: list[tuple[date, Kind]] = []
    for index, assessment in enumerate(ordered):
        stop = ordered[index + 1].date if index + 1 < len(ordered) else until + timedelta(days=1)
        stop = min(stop, until + timedelta(days=1))
        # Its touchpoints fall strictly between the assessment and ``stop``.
        if since is not None and stop <= since:
            at = bisect_right(kept, assessment.date)
            if at == len(kept) or kept[at] >= stop:
                continue
        band = assessment_band(assessment.scores, scale)
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
    moves = {(e.date, e.kind): e.moved_to for e in exceptions if e.status == "moved" and e.moved_to is not None}
    result = []
    for day, kind in occurrences:
        original, hops = day, 0
        while (day, kind) in moves and hops <= len(moves):
            day = moves[(day, kind)]
            hops += 1
        result.append((day, kind, original if day != original else None))
    return result


# A touchpoint as (date, kind, covers, status, moved_from, reason); a day as a date or its ISO text.
TouchpointTuple = tuple[date, Kind, list[Kind], Literal["scheduled", "done", "skipped"], date | None, str | None]
_Day = TypeVar("_Day", date, str)


def schedule(
    client: Client,
    start: date,
    end: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    scale: Scale = DEFAULT_SCALE,
    gates: GateTimeline | None = None,
) -> list[Touchpoint]:
    """The client's touchpoints dated from ``start`` to ``end``: one per date, most senior kind standing.

    ``scale`` gives each assessment its band, which decides the escalation touchpoints. Gated step
    downs read the client's results (its assessments and KPI readings) through ``gates``, by default
    worked out from the client under the plans' gate.
    """
    # Every field is given and already of its type, so there is nothing to validate.
    return [
        Touchpoint.model_construct(date=day, kind=kind, covers=covers, status=status, moved_from=moved_from, reason=reason)
        for day, kind, covers, status, moved_from, reason in schedule_tuples(client, start, end, plans, calendar, scale=scale, gates=gates)
    ]


def schedule_tuples(
    client: Client,
    start: date,
    end: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    scale: Scale = DEFAULT_SCALE,
    gates: GateTimeline | None = None,
) -> list[TouchpointTuple]:
    """``schedule`` as (date, kind, covers, status, moved_from, reason) tuples, without a model per touchpoint."""
    handed_over = client.status == "handed_over" and client.handover is not None
    if (client.status != "active" and not handed_over) or end < start:
        return []
    # Escalation is generated far enough ahead for a touchpoint moved back into the range.
    origins = [e.date for e in client.exceptions if e.status == "moved"]
    horizon = max([end, *origins])
    if gates is None and any(rule.gated for rule in plans.rule):
        gates = GateTimeline.of(client.assessments, client.kpis, plans.gate, scale)
    raw = client_plan_occurrences(client, plans, calendar, gates=gates, until=horizon)
    # Escalation before ``start`` matters only where a touchpoint was moved from; it ends with the handover.
    escalation = escalation_occurrences(client.assessments, horizon, calendar, since=start, keep=origins, scale=scale)
    if handed_over:
        assert client.handover is not None
        escalation = [(day, kind) for day, kind in escalation if day < client.handover.date]
    raw += escalation
    placed = _apply_moves(raw, client.exceptions)
    by_date: dict[date, dict[Kind, date | None]] = defaultdict(dict)
    for day, kind, moved_from in placed:
        if start <= day <= end:
            by_date[day].setdefault(kind, moved_from)
    # Done and skipped outcomes: a moved one is placed by _apply_moves instead.
    outcomes = {(e.date, e.kind): e for e in client.exceptions if e.status != "moved"}
    touchpoints: list[TouchpointTuple] = []
    for day in sorted(by_date):
        landing = by_date[day]
        kinds = sorted(landing, key=seniority) if len(landing) > 1 else list(landing)
        standing = kinds[0]
        outcome = outcomes.get((day, standing))
        touchpoints.append(
            (
                day,
                standing,
                kinds[1:],
                cast('Literal["done", "skipped"]', outcome.status) if outcome else "scheduled",
                landing[standing],
                outcome.reason if outcome else None,
            )
        )
    return touchpoints


def touchpoint_on(
    client: Client, day: date, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR, *, scale: Scale = DEFAULT_SCALE
) -> Touchpoint | None:
    """The touchpoint standing on ``day``, if any."""
    found = schedule(client, day, day, plans, calendar, scale=scale)
    return found[0] if found else None


def _superseded(latest_done: Mapping[str, _Day], floor: _Day) -> dict[str, _Day]:
    """Per kind, the latest day a touchpoint of that kind or a more senior one was done (``floor`` when none)."""
    return dict(zip(KINDS, accumulate((latest_done.get(kind, floor) for kind in KINDS), max)))


def superseded_dates(touchpoints: Sequence[tuple[date, str, str]]) -> list[date | None]:
    """For each (date, kind, status) of one client's touchpoints, the first later day one of the same or a more senior kind was done.

    None when that never happened. A scheduled touchpoint is overdue on a day D after its
    own when this is None or after D: nothing at least as senior was done in between.
    Touchpoints of the same day do not supersede each other.
    """
    found: list[date | None] = [None] * len(touchpoints)
    # Walking back in time: per seniority rank, the earliest done touchpoint of that rank or a more senior one so far.
    earliest: list[date | None] = [None] * len(KINDS)
    today, done_today = None, cast("list[int]", [])  # the day being walked, and the ranks done on it (they count from the day before)
    for index in sorted(range(len(touchpoints)), key=lambda i: touchpoints[i][0], reverse=True):
        day, kind, status = touchpoints[index]
        if day != today:
            for rank in done_today:
                earliest[rank:] = [today] * (len(KINDS) - rank)
            today, done_today = day, []
        rank = seniority(kind)
        found[index] = earliest[rank]
        if status == "done":
            done_today.append(rank)
    return found


def open_runs(touchpoints: Sequence[tuple[date, str, str]], superseded: Sequence[date | None], go_live: date) -> list[tuple[int, date | None]]:
    """For each (date, kind, status) of one client's touchpoints and its ``superseded_dates`` day: its run and the
    day of the next scheduled touchpoint of its kind (None: none follows), both 0 and None unless it is scheduled.

    The run of a scheduled touchpoint from go-live on is how many scheduled ones of its kind, from go-live up to
    and including it, nothing at least as senior was done after by its day (they share its superseded day). On a
    day D after it and up to the next one of its kind, when it is overdue on D, it is the latest missed one of its
    kind and its run is how many of that kind D's agenda counts as missed: every earlier one is overdue on D
    exactly when it is in the run.
    """
    found: list[tuple[int, date | None]] = [(0, None)] * len(touchpoints)
    runs: dict[tuple[str, date | None], int] = {}
    following: dict[str, date] = {}  # walking back in time: per kind, the next scheduled one
    order = sorted(range(len(touchpoints)), key=lambda i: touchpoints[i][0])
    for index in order:
        day, kind, status = touchpoints[index]
        if status == "scheduled" and day >= go_live:
            key = (kind, superseded[index])
            runs[key] = runs.get(key, 0) + 1
            found[index] = (runs[key], None)
    for index in reversed(order):
        day, kind, status = touchpoints[index]
        if status == "scheduled":
            found[index] = (found[index][0], following.get(kind))
            following[kind] = day
    return found


def overdue(touchpoints: list[Touchpoint], day: date) -> list[Touchpoint]:
    """Touchpoints missed before ``day`` and not superseded by a same-or-more-senior one done after them (on or before ``day``)."""
    since = superseded_dates([(tp.date, tp.kind, tp.status) for tp in touchpoints])
    return [tp for tp, first in zip(touchpoints, since) if tp.date < day and tp.status == "scheduled" and (first is None or first > day)]


def client_band(client: Client, day: date, scale: Scale = DEFAULT_SCALE) -> Band | None:
    """The band of the client's latest assessment on or before ``day``."""
    latest = latest_on_or_before(client.assessments, day)
    return assessment_band(latest.scores, scale) if latest else None


def client_agenda(
    client: Client,
    day: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[AgendaItem]:
    """The client's rows on ``day``'s agenda: overdue groups (per kind) and what is due that day."""
    return [AgendaItem(**row) for row in agenda_rows(agenda_window(client, day, day, plans, calendar), day)]


def agenda_window(
    client: Client,
    start: date,
    end: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> dict[str, Any]:
    """All that the client's agenda rows depend on for the days from ``start`` to ``end``, as JSON-ready data.

    The schedule is generated once: the touchpoints of those days, the earlier ones that
    can still be overdue, the latest done of each kind before ``start``, and the bands.
    ``agenda_rows`` then gives the rows of any of those days, exactly as if the schedule
    had been generated for that day.
    """
    first = client.go_live
    touchpoints = schedule_tuples(client, min(first, start), end, plans, calendar)
    # On or after go-live an agenda looks back to go-live; before it, only at its own day.
    earlier = [tp for tp in touchpoints if first <= tp[0] < start]
    latest_done: dict[str, date] = {}
    for day, kind, _covers, status, *_ in earlier:
        if status == "done" and day > latest_done.get(kind, date.min):
            latest_done[kind] = day
    superseded_until = _superseded(latest_done, date.min)
    # Once a touchpoint is superseded it stays so, whatever happens later.
    carried = [
        [day.isoformat(), kind, covers] for day, kind, covers, status, *_ in earlier if status == "scheduled" and superseded_until[kind] <= day
    ]
    ahead = [[day.isoformat(), kind, covers, status] for day, kind, covers, status, *_ in touchpoints if day >= start]
    done: dict[str, str] = {}
    bands: list[list[str | None]] = []
    # Nothing carried and nothing scheduled: no day of the window has a row, and the rest is not needed.
    if carried or any(status == "scheduled" for *_, status in ahead):
        # A kind's latest done counts only when it is later than those of the kinds senior to it.
        running = date.min
        for kind in KINDS:
            if latest_done.get(kind, date.min) > running:
                done[kind] = latest_done[kind].isoformat()
                running = latest_done[kind]
        assessed = sorted(client.assessments, key=lambda a: a.date)
        bands = [
            [a.date.isoformat(), assessment_band(a.scores)]
            for i, a in enumerate(assessed)
            if start < a.date <= end or (a.date <= start and (i + 1 == len(assessed) or assessed[i + 1].date > start))
        ]
    else:
        ahead = []
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "client": client.id,
        "client_name": client.name,
        "owner": client.owner,
        "go_live": first.isoformat(),
        "bands": bands,
        "done": done,
        "carried": carried,
        "touchpoints": ahead,
    }


def agenda_rows(window: Mapping[str, Any], day: date) -> list[dict[str, Any]]:
    """The client's agenda rows on ``day`` (a day of ``window``, from ``agenda_window``), as ``AgendaItem`` JSON."""
    today = day.isoformat()
    if not window["from"] <= today <= window["to"]:
        raise ValueError(f"{today} is outside the window {window['from']} to {window['to']}")
    first = window["go_live"]
    if today < first:
        considered = [tp for tp in window["touchpoints"] if tp[0] == today]
        carried, done = [], {}
    else:
        considered = [tp for tp in window["touchpoints"] if first <= tp[0] <= today]
        carried, done = window["carried"], window["done"]
    missed_here = [tp for tp in considered if tp[3] == "scheduled" and tp[0] < today]
    due = [tp for tp in considered if tp[3] == "scheduled" and tp[0] == today]
    groups: dict[str, list[Any]] = {}  # kind -> [missed, date, covers] of the latest missed one
    if carried or missed_here:
        # ISO dates compare as the dates do; "" comes before every one of them.
        latest_done = dict(done)
        for when, kind, _covers, status in considered:
            if status == "done" and when > latest_done.get(kind, ""):
                latest_done[kind] = when
        superseded_until = _superseded(latest_done, "")
        for missed in (carried, missed_here):
            for when, kind, covers, *_ in missed:
                if superseded_until[kind] <= when:
                    group = groups.get(kind)
                    if group is None:
                        groups[kind] = [1, when, covers]
                    else:
                        group[0] += 1
                        group[1], group[2] = when, covers
    if not groups and not due:
        return []  # nothing missed, nothing due
    band = None
    for when, found in window["bands"]:
        if when <= today:
            band = found
    phase = support_phase(day_number(date.fromisoformat(first), day))
    client, name, owner = window["client"], window["client_name"], window["owner"]
    rows = [
        {
            "client": client,
            "client_name": name,
            "owner": owner,
            "kind": kind,
            "date": when,
            "status": "overdue",
            "missed": missed,
            "covers": list(covers),
            "band": band,
            "phase": phase,
        }
        for kind, (missed, when, covers) in groups.items()
    ]
    rows += [
        {
            "client": client,
            "client_name": name,
            "owner": owner,
            "kind": kind,
            "date": when,
            "status": "due",
            "missed": 0,
            "covers": list(covers),
            "band": band,
            "phase": phase,
        }
        for when, kind, covers, _status in due
    ]
    return rows


def agenda(
    clients: Iterable[Client],
    day: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> list[AgendaItem]:
    """The whole portfolio's agenda for ``day``, in the order a consultant works through it."""
    items = [item for client in clients for item in client_agenda(client, day, plans, calendar)]
    return sorted(items, key=agenda_order)


def on_time_share(
    client: Client,
    day: date,
    window_days: int = 30,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    scale: Scale = DEFAULT_SCALE,
) -> float | None:
    """Share of the touchpoints in the last ``window_days`` before ``day`` that were done (None when there were none)."""
    touchpoints = schedule(client, day - timedelta(days=window_days), day - timedelta(days=1), plans, calendar, scale=scale)
    if not touchpoints:
        return None
    return sum(tp.status == "done" for tp in touchpoints) / len(touchpoints)


def move_problem(to: date, today: date) -> str | None:
    """Why a touchpoint cannot be moved to ``to`` when planning on ``today`` (None when it can): only to a day ahead
    or today, since a day already past cannot hold the call."""
    if to < today:
        return f"{to} is in the past (today is {today}); move the touchpoint to a day still ahead"
    return None


def touchpoint_outcome(
    client: Client,
    day: date,
    status: str,
    kind: str | None = None,
    reason: str | None = None,
    to: date | None = None,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    scale: Scale = DEFAULT_SCALE,
) -> TouchpointException:
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
    tp = touchpoint_on(client, day, plans, calendar, scale=scale)
    if tp is None:
        raise ValueError(f"{client.id} has no touchpoint on {day}")
    if kind and kind != tp.kind and kind not in tp.covers:
        raise ValueError(f"{client.id} has a {tp.kind} touchpoint on {day}, not a {kind}")
    if status == "moved" and tp.status != "scheduled":
        raise ValueError(f"the {tp.kind} touchpoint of {client.id} on {day} is already {tp.status}")
    if status not in OUTCOME_STATUSES:
        raise ValueError(f"an outcome is one of {', '.join(OUTCOME_STATUSES)}, not {status!r}")
    return TouchpointException(date=day, kind=tp.kind, status=status, reason=reason, moved_to=to)
