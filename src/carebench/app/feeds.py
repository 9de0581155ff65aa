"""Data feeds: KPI readings as CSV (import and export) and the touchpoint calendar as iCalendar."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from ..core.calendar import DEFAULT_CALENDAR, WorkCalendar
from ..core.kpis import implausible
from ..core.models import KIND_LABEL, Client, seniority
from ..core.rules import DEFAULT_EVENTS, CalendarEvents, zone_problem
from ..core.schedule import DEFAULT_PLANS, Plans, Touchpoint, schedule
from ..core.weighting import DEFAULT_SCALE, Scale
from .inputs import UserError, inert, inert_lines, parse_date

if TYPE_CHECKING:
    from icalendar import Timezone

    from ..core.scripts import ScriptTemplate

COLUMNS = ("client", "kpi", "date", "value")
# What the export adds for people reading the file; import reads past them.
DESCRIPTIVE = ("kpi_name", "unit")
MAX_ERRORS = 20
LARGEST = 1e15
# The separators spreadsheets write, and how messages and --sep name them.
SEPARATORS = {",": "a comma", ";": "a semicolon", "\t": "a tab"}
SEP_OPTION = {",": ",", ";": "';'", "\t": "tab"}
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


def _value(text: str, decimal: str) -> tuple[float | None, str | None]:
    text = text.strip()
    if not text:
        return None, "value is empty"
    if "," in text and "." in text:
        return None, f"value '{text}' is not a number: write it without a thousands separator"
    other = "." if decimal == "," else ","
    try:
        if other in text:
            raise ValueError
        value = float(text.replace(",", ".") if decimal == "," else text)
    except ValueError:
        hint = f" (the file's decimal mark is '{decimal}'; pass --decimal '{other}' if it is '{other}')" if other in text else ""
        return None, f"value '{text}' is not a number{hint}"
    if not math.isfinite(value):
        return None, f"value must be a finite number, not '{text}'"
    if abs(value) > LARGEST:
        return None, f"value '{text}' is too large (at most 1e15 in size)"
    return value, None


def _decode(raw: bytes, label: str) -> str:
    """The file's text: UTF-8 (a BOM is dropped), or UTF-16 with its BOM (Excel's 'Unicode text')."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{label}: not a UTF-8 text file (invalid byte at offset {exc.start}); save it from the spreadsheet as 'CSV UTF-8'") from None


def _names(line: str, sep: str) -> list[str]:
    """The column names of a header line split at ``sep``, the empty ones a spreadsheet leaves at the end dropped."""
    try:
        fields = next(csv.reader([line], delimiter=sep))
    except (csv.Error, StopIteration):
        return []
    names = [f.strip().lower() for f in fields]
    while names and not names[-1]:
        names.pop()
    return names


def _fits(names: list[str]) -> bool:
    return set(COLUMNS) <= set(names) <= {*COLUMNS, *DESCRIPTIVE} and len(names) == len(set(names))


def _separator(line: str, label: str, sep: str | None) -> str:
    """The separator the header line uses: the one given, else the one of , ; and tab that splits it into the columns."""
    if sep is not None:
        return sep
    fitting = [s for s in SEPARATORS if _fits(_names(line, s))]
    if len(fitting) == 1:
        return fitting[0]
    best = max(SEPARATORS, key=lambda s: (len(_names(line, s)), s == ","))
    if not fitting and set(_names(line, best)) & {*COLUMNS, *DESCRIPTIVE}:
        return best  # a header with a column wrong or missing: said column by column
    said = " or ".join(SEPARATORS.values())
    raise UserError(
        f"{label}:1: cannot tell the separator from the header line '{inert(line)}': it must name {', '.join(COLUMNS)} "
        f"with {said} between them; pass --sep with the one the file uses (--sep ',', --sep ';' or --sep tab)"
    )


def _decimal(values: list[tuple[int, str]], label: str, sep: str, decimal: str | None) -> str:
    """The decimal mark of the values: the one given, else a comma when values are written 93,5 and none 93.5."""
    if decimal is not None:
        return decimal
    comma = next(((line, v) for line, v in values if DECIMAL_COMMA.match(v.strip())), None)
    point = next(((line, v) for line, v in values if "." in v), None)
    if comma is None:
        return "."
    if point is None and sep != ",":
        return ","
    if point is None:
        return "."  # with commas between fields, a value "93,5" is quoted on purpose: said value by value
    raise UserError(
        f"{label}: cannot tell the decimal mark: line {point[0]} has '{inert(point[1].strip())}' and line {comma[0]} has "
        f"'{inert(comma[1].strip())}'; pass --decimal '.' or --decimal ',' (and write every value with that mark)"
    )


def parse_readings_csv(
    raw: bytes,
    label: str,
    kpis: Mapping[str, Mapping[str, tuple[float, float] | None]],
    sep: str | None = None,
    decimal: str | None = None,
) -> list[tuple[str, str, date, float]]:
    """Every reading of a CSV file (header client,kpi,date,value, in any order), checked whole.

    The file may be what a spreadsheet writes: separated by commas, semicolons or tabs (``sep``,
    else read from the header), with a decimal comma (``decimal``, else read from the values),
    a BOM, CRLF line ends and empty columns at the end; kpi_name and unit columns are read past.
    ``kpis`` maps each known client to its KPI keys, each with the plausible span of a new
    reading (None: any value). Raises UserError with one ``label:line: problem`` line per
    problem (at most 20, then a count).
    """
    text = _decode(raw, label)
    if not text.strip():
        raise UserError(f"{label}: the file is empty; it needs a header line: {','.join(COLUMNS)}")
    if "\x00" in text:
        raise UserError(f"{label}: contains NUL bytes; not a CSV text file")
    sep = _separator(text.splitlines()[0], label, sep)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    errors: list[str] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UserError(f"{label}:1: {exc}") from None
    names = [h.strip().lower() for h in header]
    while names and not names[-1]:
        names.pop()
    header_problems = []
    for name in sorted({n for n in names if names.count(n) > 1}):
        header_problems.append(f"column '{name}' appears twice")
    for name in names:
        if name not in COLUMNS and name not in DESCRIPTIVE:
            header_problems.append(f"unknown column '{name}'" if name else "a column has no name")
    for name in COLUMNS:
        if name not in names:
            header_problems.append(f"missing column '{name}'")
    if header_problems:
        said = f", separated by {SEPARATORS[sep]} (--sep {SEP_OPTION[sep]})"
        raise UserError("\n".join(f"{label}:1: {p} (the header must name {', '.join(COLUMNS)}{said})" for p in header_problems))
    where = {name: names.index(name) for name in COLUMNS}
    records: list[tuple[int, list[str]]] = []
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
        while len(record) > len(names) and not record[-1].strip():
            record.pop()  # the empty columns a spreadsheet leaves at the end of a row
        if len(record) != len(names):
            errors.append(f"{label}:{line}: expected {len(names)} fields, got {len(record)}")
            continue
        records.append((line, record))
    decimal = _decimal([(line, record[where["value"]]) for line, record in records], label, sep, decimal)
    rows: list[tuple[str, str, date, float]] = []
    seen: dict[tuple[str, str, date], int] = {}
    for line, record in records:
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
        value, problem = _value(value_text, decimal)
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
    errors.sort(key=lambda e: int(e[len(label) + 1 :].split(":", 1)[0]))
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


def _cell(text: str) -> str:
    """Text for a spreadsheet cell: one that would start a formula (=, +, -, @) is written with a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def readings_csv(clients: Iterable[Client], start: date | None = None, end: date | None = None) -> str:
    """Readings of the clients' KPIs (by client, KPI order, date) in the import format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *DESCRIPTIVE))
    for client in clients:
        for kpi in client.kpis:
            described = [_cell(kpi.name), _cell(kpi.unit)]
            for reading in sorted(kpi.readings, key=lambda r: r.date):
                if (start and reading.date < start) or (end and reading.date > end):
                    continue
                writer.writerow([client.id, kpi.key, reading.date.isoformat(), format_value(reading.value), *described])
    return out.getvalue()


# ----- calendar ------------------------------------------------------------------

DEFAULT_MINUTES = 30
# What a touchpoint's outcome makes of its event: done ones stay as they were, skipped ones are called off.
EVENT_STATUS = {"scheduled": "CONFIRMED", "done": "CONFIRMED", "skipped": "CANCELLED"}
# (client id, touchpoint date, kind) -> how many changes of that touchpoint the audit trail holds.
Changes = Mapping[tuple[str, date, str], int]


def event_uid(client_id: str, kind: str, original: date) -> str:
    """Stable across runs and moves, so re-importing the file updates events instead of duplicating them."""
    return f"{client_id}-{kind}-{original.isoformat()}@carebench"


def local_zone_name() -> str:
    """The IANA name of this computer's time zone (``TZ``, ``/etc/timezone``, ``/etc/localtime``), else UTC."""
    import os
    from pathlib import Path

    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        pass
    linked = os.path.realpath("/etc/localtime")
    if "/zoneinfo/" in linked:
        candidates.append(linked.split("/zoneinfo/", 1)[1])
    for name in candidates:
        if name and not name.startswith("/") and zone_problem(name) is None:
            return name
    return "UTC"


def zone_definition(zone: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE of ``zone`` from its own transitions between ``first`` and ``last``: one component per
    transition, each with its own DTSTART (some readers ignore a component's RDATE list)."""
    from icalendar import Timezone

    found = Timezone.from_tzid(zone, first_date=first, last_date=last)
    parts = []
    for part in found.subcomponents:
        again = [part.decoded("DTSTART")]
        listed = part.pop("RDATE", None)
        for dates in listed if isinstance(listed, list) else [listed] if listed is not None else []:
            again += [value.dt for value in dates.dts]
        for when in again:
            one = type(part)()
            for key, value in part.items():
                if key != "DTSTART":
                    one.add(key, value)
            one.add("dtstart", when)
            parts.append(one)
    found.subcomponents = sorted(parts, key=lambda part: part.decoded("DTSTART"))
    return found


def _chain(client: Client, original: date, kind: str) -> list[date]:
    """The dates a touchpoint stood on, from its planned one along its recorded moves."""
    moves: dict[tuple[date, str], date] = {(e.date, e.kind): e.moved_to for e in client.exceptions if e.status == "moved" and e.moved_to is not None}
    days = [original]
    while (days[-1], kind) in moves and len(days) <= len(moves):
        days.append(moves[days[-1], kind])
    return days


def event_sequence(client: Client, original: date, kind: str, changes: Changes) -> int:
    """How often the touchpoint changed: the outcomes, moves and reopenings the audit trail records for the dates it
    stood on (at least the outcomes stored now, for data imported with them). It only grows, and the same data
    gives the same number, so a calendar app takes every export's changed event over the one it holds."""
    days = _chain(client, original, kind)
    recorded = sum(changes.get((client.id, day, kind), 0) for day in days)
    stored = sum((e.date, e.kind) in {(day, kind) for day in days} for e in client.exceptions)
    return max(recorded, stored)


def touchpoint_calendar(
    clients: Iterable[Client],
    start: date,
    end: date,
    templates: Mapping[str, ScriptTemplate],
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    stamp: datetime | None = None,
    *,
    scale: Scale = DEFAULT_SCALE,
    events: CalendarEvents = DEFAULT_EVENTS,
    zone: str = "UTC",
    changes: Changes | None = None,
) -> bytes:
    """An RFC 5545 calendar: one event per touchpoint from ``start`` to ``end``, scheduled, done or skipped.

    Each kind starts at its time of day (``events``) in the time zone ``zone`` (a VTIMEZONE describes it; UTC
    times when it is UTC); one consultant's touchpoints of a day follow one another in a fixed order, never
    overlapping. A touchpoint moved away from a day keeps its place there, so the others of that day stay where
    they were. Stored text is made inert: the file goes to the terminal without -o, and RFC 5545 text has no
    control characters.
    """
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    tz = UTC if zone == "UTC" else ZoneInfo(zone)
    changes = changes or {}
    cal = Calendar()
    cal.add("prodid", "-//carebench//touchpoints//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "carebench touchpoints")
    cal.add("x-wr-timezone", zone)
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)

    def minutes_of(kind: str) -> int:
        template = templates.get(kind)
        return events.times[kind].minutes or (template.planned_minutes if template else DEFAULT_MINUTES)

    # Per consultant and day, what takes a slot: (time of day, moved in, client name, client id, seniority, touchpoint).
    days: dict[tuple[str, date], list[tuple[Any, ...]]] = defaultdict(list)
    for client in clients:
        for tp in schedule(client, start, end, plans, calendar, scale=scale):
            days[client.owner, tp.date].append(
                (events.times[tp.kind].at, tp.moved_from is not None, client.name.lower(), client.id, seniority(tp.kind), client, tp)
            )
        for e in client.exceptions:
            if e.status == "moved" and start <= e.date <= end:
                # Where a moved touchpoint stood: it keeps its place, so the day's other events keep theirs.
                days[client.owner, e.date].append((events.times[e.kind].at, False, client.name.lower(), client.id, seniority(e.kind), client, e))
    placed = []
    for (_, day), slots in days.items():
        free = None
        for at, _moved, name, _, _, client, tp in sorted(slots, key=lambda slot: slot[:5]):
            begins = datetime.combine(day, at, tzinfo=tz)
            if free is not None and free > begins:
                begins = free
            length = timedelta(minutes=minutes_of(tp.kind))
            free = begins + length
            if isinstance(tp, Touchpoint):
                placed.append((begins, name, client, tp, length))
    for begins, _, client, tp, length in sorted(placed, key=lambda e: e[:2]):
        template = templates.get(tp.kind)
        lines = [
            f"Client: {client.name} ({client.id}), {client.tier} tier",
            f"Consultant: {client.owner}",
            f"Touchpoint: {KIND_LABEL[tp.kind]}" + (f", also covering the {' and '.join(KIND_LABEL[k] for k in tp.covers)}" if tp.covers else ""),
        ]
        if tp.moved_from:
            lines.append(f"Moved from {tp.moved_from.isoformat()}")
        if tp.status == "done":
            lines.append("Done.")
        elif tp.status == "skipped":
            lines.append(f"Skipped: {tp.reason}" if tp.reason else "Skipped.")
        lines.append("")
        if template:
            lines.append(f"Agenda: {template.title}, {template.planned_minutes} min")
            lines += [f"- {section.title} ({section.minutes} min)" for section in template.section]
        else:
            lines.append(f"No check-in script for {tp.kind} touchpoints; {DEFAULT_MINUTES} minutes set aside.")
        original = tp.moved_from or tp.date
        event = Event()
        event.add("uid", event_uid(client.id, tp.kind, original))
        event.add("sequence", event_sequence(client, original, tp.kind, changes))
        event.add("dtstamp", stamp)
        event.add("dtstart", begins)
        event.add("duration", length)
        event.add("status", EVENT_STATUS[tp.status])
        event.add("summary", inert(f"{client.name}: {tp.kind}"))
        event.add("description", inert_lines("\n".join(lines)))
        event.add("categories", ["carebench", tp.kind])
        cal.add_component(event)
    if zone != "UTC":
        # Whole years, so exports of the same years describe the zone alike (some readers keep the first they saw).
        cal.subcomponents.insert(0, zone_definition(zone, date(start.year, 1, 1), date(end.year + 1, 12, 31)))
    # icalendar leaves to_ical() unannotated; it gives the file's bytes.
    return cast(bytes, cal.to_ical())
