"""Support rules: ticket priority, weekly support KPIs from the ticket log, NPS and satisfaction.

Everything here is worked out from the stored tickets and pulse answers; none of
the numbers below is stored. Nothing here reads the database or prints.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from .health import round_half_up
from .models import Direction, Kpi, Reading, Ticket
from .pulses import mean_satisfaction as mean_satisfaction
from .pulses import net_promoter as net_promoter
from .pulses import nps as nps
from .pulses import nps_by_period as nps_by_period
from .pulses import nps_by_quarter as nps_by_quarter
from .pulses import pulse_summary as pulse_summary
from .pulses import satisfaction_suggestion as satisfaction_suggestion
from .pulses import signed as signed
from .terms import PRIORITY_MATRIX, priority  # noqa: F401  (the ticket priority rule lives with the words, without pydantic)
from .terms import TicketPriority as Priority

if TYPE_CHECKING:
    from .calendar import WorkCalendar
    from .models import Client, Tier
    from .rules import Rules

URGENT: tuple[Priority, ...] = ("P1", "P2")
"""The priorities counted by the open P1/P2 KPI."""

RESOLUTION_TARGET_HOURS = 24.0
"""A ticket should be resolved within a working day: the median resolution time aims at 24 hours or less."""

FIRST_CONTACT_TARGET = 70.0
"""At least 70% of resolved tickets should be resolved at first contact."""

ESCALATION_TARGET = 10.0
"""At most 10% of new tickets should need escalating."""

OPEN_URGENT_TARGET = 0.0
"""No P1 or P2 ticket should be left open at the end of a week."""

VOLUME_TARGET_SHARE = Fraction(1, 2)
"""Ticket volume should halve from its first measured week as users learn the system."""

RESPONSE_ON_TIME_TARGET = 100.0
"""Every first response should come within the tier's commitment."""

SUPPORT_WEEKS = 12
"""How many ISO weeks the support KPIs cover, the running one last; tickets are counted by category over the same weeks."""

SUPPORT_KPI_KEYS: tuple[str, ...] = (
    "support-volume",
    "support-resolution-hours",
    "support-first-contact",
    "support-escalation",
    "support-open-p1p2",
    "support-response-on-time",
)
"""The keys of the derived support KPIs, in the order they are returned."""


def priority_of(ticket: Ticket) -> Priority:
    """The ticket's priority from its impact and reach."""
    return priority(ticket.impact, ticket.users)


def is_open(ticket: Ticket, at: datetime) -> bool:
    """Whether the ticket was open at ``at``: opened by then and not resolved by then."""
    return ticket.opened <= at and (ticket.resolved is None or ticket.resolved > at)


def resolution_hours(ticket: Ticket) -> float | None:
    """Hours from opening to resolution (None while unresolved)."""
    if ticket.resolved is None:
        return None
    return (ticket.resolved - ticket.opened).total_seconds() / 3600


def ticket_subject(ref: str) -> str:
    """Turn a ticket reference into the subject of a finding id: lower-case, [a-z0-9_-] only, at most 64 characters.

    Other characters become "-" (runs of them one "-"), and leading "-" or "_" are
    dropped. A reference with no letter or digit at all gets "ticket-" and a short
    fingerprint of the reference, so the subject stays the same from run to run.
    """
    subject = re.sub(r"[^a-z0-9_-]+", "-", ref.lower()).lstrip("-_")[:64]
    if not subject:
        subject = "ticket-" + hashlib.sha1(ref.encode("utf-8")).hexdigest()[:8]
    return subject


# ----- the support clock ---------------------------------------------------------------------


def working_time_after(start: datetime, hours: float, calendar: WorkCalendar, business_hours: tuple[time, time]) -> datetime:
    """The moment ``hours`` of business hours on working days have passed since ``start``.

    The clock stands still outside business hours and on days off: a start before opening
    counts from opening, one after closing from the next working day's opening.
    """
    remaining = timedelta(hours=hours)
    day, moment = start.date(), start
    while True:
        if calendar.is_working(day):
            opens, closes = datetime.combine(day, business_hours[0]), datetime.combine(day, business_hours[1])
            begin = max(moment, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)
        moment = datetime.combine(day, time())


def end_of_business_day(start: datetime, calendar: WorkCalendar, business_hours: tuple[time, time]) -> datetime:
    """Closing time of the working day ``start`` falls on, or of the next working day when it is after closing or a day off."""
    day = start.date()
    if not (calendar.is_working(day) and start < datetime.combine(day, business_hours[1])):
        day = calendar.next_working(day + timedelta(days=1))
    return datetime.combine(day, business_hours[1])


def _after(start: datetime, hours: float, clock: str, rules: Rules) -> datetime:
    """``start`` plus ``hours`` on the tier's clock: every hour ("any") or business hours of working days ("working")."""
    if clock == "any":
        return start + timedelta(hours=hours)
    return working_time_after(start, hours, rules.calendar, rules.business_hours)


def response_due(ticket: Ticket, tier: Tier, rules: Rules) -> datetime:
    """When the first response to the ticket is due under the tier's commitment in ``rules``."""
    commitment = rules.response[tier]
    if commitment.same_business_day:
        return end_of_business_day(ticket.opened, rules.calendar, rules.business_hours)
    assert commitment.first_response_hours is not None  # a commitment is either
    return _after(ticket.opened, commitment.first_response_hours, commitment.hours, rules)


def resolve_due(ticket: Ticket, rules: Rules) -> datetime:
    """When the ticket should be resolved: its priority's ``resolve_within_hours``, counting every hour, for every tier."""
    return ticket.opened + timedelta(hours=rules.resolve_within_hours[priority_of(ticket)])


def breached(due: datetime, done: datetime | None, now: datetime) -> bool:
    """Whether a target was missed: done after ``due``, or not done and ``now`` is past it (exactly on time is kept)."""
    return (done if done is not None else now) > due


def due_soon(due: datetime, opened: datetime, now: datetime) -> bool:
    """Whether a target not yet met is about to be missed: less than an hour left, or the last tenth of the
    window from ``opened`` to ``due`` when that is shorter (a 1-hour promise warns in its last 6 minutes)."""
    return now <= due and due - now <= min(timedelta(hours=1), (due - opened) / 10)


@dataclass(frozen=True)
class Clock:
    """A ticket's targets and whether they were kept (as of ``now`` for what is not done yet)."""

    response_due: datetime
    resolve_due: datetime
    response_breached: bool
    resolve_breached: bool


def ticket_tier(client: Client, ticket: Ticket) -> Tier:
    """The client's tier on the day the ticket came in (its commitment is the one in force then)."""
    from .schedule import tier_on

    return tier_on(client, ticket.opened.date())


def ticket_clock(ticket: Ticket, tier: Tier, rules: Rules, now: datetime) -> Clock:
    """The ticket's response and resolution targets and whether each is breached at ``now``."""
    respond, resolve = response_due(ticket, tier, rules), resolve_due(ticket, rules)
    return Clock(respond, resolve, breached(respond, ticket.first_response, now), breached(resolve, ticket.resolved, now))


def _most_first(found: Counter[str]) -> dict[str, int]:
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def tickets_by_category(tickets: Iterable[Ticket], start: date, end: date) -> dict[str, int]:
    """How many tickets came in from ``start`` to ``end`` (both included) in each category, most first (then by name)."""
    return _most_first(Counter(t.category for t in tickets if start <= t.opened.date() <= end))


def open_by_category(tickets: Iterable[Ticket], at: datetime) -> dict[str, int]:
    """How many tickets are open at ``at`` (see is_open) in each category, however long ago they came in, most first."""
    return _most_first(Counter(t.category for t in tickets if is_open(t, at)))


def support_weeks_start(as_of: date, weeks: int = SUPPORT_WEEKS) -> date:
    """The Monday the last ``weeks`` ISO weeks up to ``as_of`` begin on (the week of ``as_of`` is the last of them)."""
    return as_of - timedelta(days=as_of.weekday(), weeks=weeks - 1)


# ----- weekly support KPIs --------------------------------------------------------------


def _percent(part: int, whole: int) -> float:
    """part / whole as a percent, rounded half-up to one decimal."""
    return float(round_half_up(Fraction(part, whole) * 100, 1))


def _median_hours(tickets: list[Ticket]) -> float:
    """The median resolution time in hours, exact in minutes, rounded half-up to one decimal."""
    minutes = sorted(int((t.resolved - t.opened).total_seconds()) // 60 for t in tickets if t.resolved is not None)
    middle = len(minutes) // 2
    median = Fraction(minutes[middle]) if len(minutes) % 2 else Fraction(minutes[middle - 1] + minutes[middle], 2)
    return float(round_half_up(median / 60, 1))


def _week_values(tickets: list[Ticket], monday: date, last_day: date, due: Callable[[Ticket], datetime] | None = None) -> dict[str, float | None]:
    """The support values of one week (Monday to ``last_day``); None where a value has no basis."""
    start = datetime.combine(monday, time())
    stop = datetime.combine(last_day + timedelta(days=1), time())
    opened = [t for t in tickets if start <= t.opened < stop]
    resolved = [t for t in tickets if t.resolved is not None and start <= t.resolved < stop]
    responded = [t for t in tickets if t.first_response is not None and start <= t.first_response < stop]
    week_end = datetime.combine(last_day, time(23, 59))
    on_time = None
    if due is not None and responded:
        on_time = _percent(sum(1 for t in responded if t.first_response is not None and t.first_response <= due(t)), len(responded))
    return {
        "support-response-on-time": on_time,
        "support-volume": float(len(opened)),
        "support-resolution-hours": _median_hours(resolved) if resolved else None,
        "support-first-contact": _percent(sum(t.first_contact for t in resolved), len(resolved)) if resolved else None,
        "support-escalation": _percent(sum(t.escalated for t in opened), len(opened)) if opened else None,
        "support-open-p1p2": float(sum(1 for t in tickets if priority_of(t) in URGENT and is_open(t, week_end))),
    }


_KPI_SHAPE: dict[str, tuple[str, str, Direction]] = {
    "support-volume": ("Support tickets opened (week)", "", "lower"),
    "support-resolution-hours": ("Median time to resolve", "h", "lower"),
    "support-first-contact": ("Resolved at first contact", "%", "higher"),
    "support-escalation": ("Tickets escalated", "%", "lower"),
    "support-open-p1p2": ("Open P1/P2 tickets at week end", "", "lower"),
    "support-response-on-time": ("First responses on time", "%", "higher"),
}


def _target(key: str, baseline: float, resolution_target: float = RESOLUTION_TARGET_HOURS) -> float:
    if key == "support-volume":
        return float(round_half_up(Fraction(baseline) * VOLUME_TARGET_SHARE, 1))
    return {
        "support-resolution-hours": resolution_target,
        "support-first-contact": FIRST_CONTACT_TARGET,
        "support-escalation": ESCALATION_TARGET,
        "support-open-p1p2": OPEN_URGENT_TARGET,
        "support-response-on-time": RESPONSE_ON_TIME_TARGET,
    }[key]


def support_kpis(
    tickets: list[Ticket],
    as_of: date,
    weeks: int = SUPPORT_WEEKS,
    *,
    resolution_target: float = RESOLUTION_TARGET_HOURS,
    response_due: Callable[[Ticket], datetime] | None = None,
) -> list[Kpi]:
    """Weekly support KPIs (category "diagnostic") worked out from the ticket log, for the last ``weeks`` ISO weeks.

    Weeks run Monday to Sunday; the week containing ``as_of`` is the last one and is
    counted up to ``as_of`` only. Each week gives one reading, dated on its Sunday (the
    running week on ``as_of``):

    - support-volume: tickets opened that week;
    - support-resolution-hours: median hours to resolve the tickets resolved that week
      (rounded half-up to 0.1 h; no reading in a week without resolutions);
    - support-first-contact: % of that week's resolved tickets resolved at first contact;
    - support-escalation: % of that week's new tickets that were escalated (no reading
      in a week without new tickets);
    - support-open-p1p2: P1 and P2 tickets still open at the end of the week's last day;
    - support-response-on-time: % of the first responses given that week that came by
      the time ``response_due`` gives the ticket (only when it is given; no reading in a
      week without first responses).

    Percentages are rounded half-up to one decimal. Weeks before the week of the first
    ticket are left out (the log had not started), and so is anything dated after
    ``as_of``. The baseline is each KPI's first reading; the targets are the module
    constants (volume: half its baseline), but the median hours aim at ``resolution_target``
    (the team rules' ``median_resolution_hours``). A KPI with no reading at all is left out,
    and a client with no tickets gets an empty list.
    """
    known = [t for t in tickets if t.opened.date() <= as_of]
    if not known or weeks < 1:
        return []
    first_monday = min(t.opened.date() for t in known)
    first_monday -= timedelta(days=first_monday.weekday())
    last_monday = support_weeks_start(as_of, 1)
    monday = max(first_monday, support_weeks_start(as_of, weeks))

    readings: dict[str, list[Reading]] = {key: [] for key in SUPPORT_KPI_KEYS}
    while monday <= last_monday:
        last_day = min(monday + timedelta(days=6), as_of)
        for key, value in _week_values(known, monday, last_day, response_due).items():
            if value is not None:
                readings[key].append(Reading(date=last_day, value=value))
        monday += timedelta(weeks=1)

    kpis = []
    for key in SUPPORT_KPI_KEYS:
        if not readings[key]:
            continue
        name, unit, direction = _KPI_SHAPE[key]
        baseline = readings[key][0].value
        kpis.append(
            Kpi(
                key=key,
                name=name,
                category="diagnostic",
                unit=unit,
                direction=direction,
                baseline=baseline,
                target=_target(key, baseline, resolution_target),
                readings=readings[key],
            )
        )
    return kpis


# ----- pulse surveys ----------------------------------------------------------------------


def resolve_ticket(ticket: Ticket, at: datetime, first_contact: bool = False, escalated: bool = False) -> Ticket:
    """The ticket resolved at ``at``: a ticket never answered before counts as answered then; escalation sticks.

    ValueError (a pydantic ValidationError) when the times do not fit, or it was resolved already.
    """
    if ticket.resolved is not None:
        raise ValueError(f"{ticket.ref} was already resolved at {ticket.resolved:%Y-%m-%d %H:%M}")
    return Ticket(
        **{
            **ticket.model_dump(),
            "resolved": at,
            "first_contact": first_contact,
            "escalated": ticket.escalated or escalated,
            "first_response": ticket.first_response or at,
        }
    )
