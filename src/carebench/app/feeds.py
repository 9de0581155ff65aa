"""Data feeds: KPI readings as CSV (import and export) and the touchpoint calendar as iCalendar."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, cast

from ..core.calendar import DEFAULT_CALENDAR, WorkCalendar
from ..core.kpis import implausible
from ..core.models import KIND_LABEL, Client
from ..core.schedule import DEFAULT_PLANS, Plans, schedule
from .inputs import UserError, inert, inert_lines, parse_date

if TYPE_CHECKING:
    from ..core.scripts import ScriptTemplate

COLUMNS = ("client", "kpi", "date", "value")
MAX_ERRORS = 20
LARGEST = 1e15


def _value(text: str) -> tuple[float | None, str | None]:
    text = text.strip()
    if not text:
        return None, "value is empty"
    try:
        value = float(text)
    except ValueError:
        return None, f"value '{text}' is not a number"
    if not math.isfinite(value):
        return None, f"value must be a finite number, not '{text}'"
    if abs(value) > LARGEST:
        return None, f"value '{text}' is too large (at most 1e15 in size)"
    return value, None


def parse_readings_csv(raw: bytes, label: str, kpis: Mapping[str, Mapping[str, tuple[float, float] | None]]) -> list[tuple[str, str, date, float]]:
    """Every reading of a CSV file (header client,kpi,date,value, in any order), checked whole.

    ``kpis`` maps each known client to its KPI keys, each with the plausible span of a new
    reading (None: any value). Raises UserError with one ``label:line: problem`` line per
    problem (at most 20, then a count).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{label}: not a UTF-8 text file (invalid byte at offset {exc.start})") from None
    if not text.strip():
        raise UserError(f"{label}: the file is empty; it needs a header line: {','.join(COLUMNS)}")
    if "\x00" in text:
        raise UserError(f"{label}: contains NUL bytes; not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[str] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UserError(f"{label}:1: {exc}") from None
    names = [h.strip().lower() for h in header]
    header_problems = []
    for name in sorted({n for n in names if names.count(n) > 1}):
        header_problems.append(f"column '{name}' appears twice")
    for name in names:
        if name not in COLUMNS:
            header_problems.append(f"unknown column '{name}'" if name else "a column has no name")
    for name in COLUMNS:
        if name not in names:
            header_problems.append(f"missing column '{name}'")
    if header_problems:
        raise UserError("\n".join(f"{label}:1: {p} (the header must name {', '.join(COLUMNS)})" for p in header_problems))
    where = {name: names.index(name) for name in COLUMNS}
    rows: list[tuple[str, str, date, float]] = []
    seen: dict[tuple[str, str, date], int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"{label}:{line}: {exc}")
            break
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(names):
            errors.append(f"{label}:{line}: expected {len(names)} fields, got {len(record)}")
            continue
        client, kpi, day_text, value_text = (record[where[n]].strip() for n in COLUMNS)
        problems = []
        if not client:
            problems.append("client is empty")
        elif client not in kpis:
            problems.append(f"unknown client '{client}'")
        elif not kpi:
            problems.append("kpi is empty")
        elif kpi not in kpis[client]:
            problems.append(f"client '{client}' has no KPI '{kpi}'")
        day = None
        try:
            day = parse_date(day_text)
        except UserError as exc:
            problems.append(f"date: {exc}" if day_text else "date is empty")
        value, problem = _value(value_text)
        if problem:
            problems.append(problem)
        if not problems and day is not None and value is not None:
            span, key = kpis[client][kpi], (client, kpi, day)
            if span is not None and (problem := implausible(value, span)):
                problems.append(f"{client} {kpi}: {problem}; if it is real, import with --force")
            elif key in seen:
                problems.append(f"a second reading of {client} {kpi} on {day} (the first is on line {seen[key]})")
            else:
                seen[key] = line
                rows.append((client, kpi, day, value))
        errors += [f"{label}:{line}: {p}" for p in problems]
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"{label}: ... and {len(errors) - MAX_ERRORS} more problems")
        raise UserError("\n".join(line.replace("\r", "\\r").replace("\n", "\\n") for line in shown))
    return rows


def format_value(value: float) -> str:
    """A reading as text that reads back to exactly the same number."""
    if value.is_integer() and abs(value) < LARGEST:
        return str(int(value))
    return repr(float(value))


def readings_csv(clients: Iterable[Client], start: date | None = None, end: date | None = None) -> str:
    """Readings of the clients' KPIs (by client, KPI order, date) in the import format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for client in clients:
        for kpi in client.kpis:
            for reading in sorted(kpi.readings, key=lambda r: r.date):
                if (start and reading.date < start) or (end and reading.date > end):
                    continue
                writer.writerow([client.id, kpi.key, reading.date.isoformat(), format_value(reading.value)])
    return out.getvalue()


# ----- calendar ------------------------------------------------------------------

START_TIME = time(9, 0)
DEFAULT_MINUTES = 30


def event_uid(client_id: str, kind: str, original: date) -> str:
    """Stable across runs and moves, so re-importing the file updates events instead of duplicating them."""
    return f"{client_id}-{kind}-{original.isoformat()}@carebench"


def touchpoint_calendar(
    clients: Iterable[Client],
    start: date,
    end: date,
    templates: Mapping[str, ScriptTemplate],
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    stamp: datetime | None = None,
) -> bytes:
    """An RFC 5545 calendar: one event per scheduled touchpoint from ``start`` to ``end``, at 09:00 floating time.

    Stored text is made inert: the file goes to the terminal without -o, and RFC 5545 text has no control characters.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//carebench//touchpoints//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "carebench touchpoints")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    events = []
    for client in clients:
        for tp in schedule(client, start, end, plans, calendar):
            if tp.status == "scheduled":
                events.append((tp.date, client.name.lower(), client, tp))
    for _, _, client, tp in sorted(events, key=lambda e: e[:2]):
        template = templates.get(tp.kind)
        minutes = template.planned_minutes if template else DEFAULT_MINUTES
        lines = [
            f"Client: {client.name} ({client.id}), {client.tier} tier",
            f"Consultant: {client.owner}",
            f"Touchpoint: {KIND_LABEL[tp.kind]}" + (f", also covering the {' and '.join(KIND_LABEL[k] for k in tp.covers)}" if tp.covers else ""),
        ]
        if tp.moved_from:
            lines.append(f"Moved from {tp.moved_from.isoformat()}")
        lines.append("")
        if template:
            lines.append(f"Agenda: {template.title}, {template.planned_minutes} min")
            lines += [f"- {section.title} ({section.minutes} min)" for section in template.section]
        else:
            lines.append(f"No check-in script for {tp.kind} touchpoints; {DEFAULT_MINUTES} minutes set aside.")
        event = Event()
        event.add("uid", event_uid(client.id, tp.kind, tp.moved_from or tp.date))
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.combine(tp.date, START_TIME))
        event.add("duration", timedelta(minutes=minutes))
        event.add("summary", inert(f"{client.name}: {tp.kind}"))
        event.add("description", inert_lines("\n".join(lines)))
        event.add("categories", ["carebench", tp.kind])
        cal.add_component(event)
    # icalendar leaves to_ical() unannotated; it gives the file's bytes.
    return cast(bytes, cal.to_ical())
