"""Reading what people type: dates, scores, numbers; each problem is one plain line."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..core.terms import BIDI_CHARS, CONTROL_CHARS, SEPARATOR_CHARS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pydantic import ValidationError

    from ..core.models import Contact
    from .readmodels import ContactCard

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?")

# What inert() writes out: whatever could drive a terminal, break a line or reorder the text around it.
UNSAFE_RE = re.compile(f"[{CONTROL_CHARS}{BIDI_CHARS}{SEPARATOR_CHARS}]")
UNSAFE_IN_LINES_RE = re.compile(f"(?!\n){UNSAFE_RE.pattern}")


def _written_out(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` on one line, safe for a terminal: control, bidi and line-breaking characters written out (\\x1b, \\u202e).

    Everything read from the database goes through this (or inert_lines) before it is shown,
    since another member may have stored anything there; printable text comes out unchanged.
    """
    return UNSAFE_RE.sub(_written_out, text)


def inert_lines(text: str) -> str:
    """As inert(), but newlines stay: for text shown on several lines (a note in a text area or a panel)."""
    return UNSAFE_IN_LINES_RE.sub(_written_out, text)


class UserError(Exception):
    """Bad input: reported as one line (exit code 2 on the command line)."""


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD, with a message that says what is wrong with it."""
    if not DATE_RE.fullmatch(text.strip()):
        raise UserError(f"'{text}' is not a date; write it as YYYY-MM-DD")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UserError(f"'{text}' is not a real date ({exc})") from None
    from ..core.terms import check_day

    try:
        return check_day(day)
    except ValueError as exc:
        raise UserError(f"'{text}' {exc}") from None


def parse_moment(text: str) -> datetime:
    """A local time written 'YYYY-MM-DD HH:MM' (or just the date, meaning its start)."""
    match = MOMENT_RE.fullmatch(text.strip())
    if not match:
        raise UserError(f"'{text}' is not a time; write it as YYYY-MM-DD HH:MM")
    day = parse_date(match.group(1))
    hour, minute = int(match.group(2) or 0), int(match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise UserError(f"'{text}' is not a real time of day")
    return datetime(day.year, day.month, day.day, hour, minute)


def parse_number(text: str, what: str) -> float:
    """A finite number (thousands separators allowed)."""
    try:
        value = float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise UserError(f"{what}: '{text}' is not a number") from None
    if not math.isfinite(value):
        raise UserError(f"{what}: must be a finite number")
    return value


def parse_scores(text: str) -> dict[str, int]:
    """All nine sub-scores from ``name=value,...``, each a whole number 1-10."""
    from ..core.terms import SUBSCORES

    scores: dict[str, int] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise UserError(f"--scores: '{part}' is not name=value")
        if name not in SUBSCORES:
            raise UserError(f"--scores: unknown sub-score '{name}' (expected {', '.join(SUBSCORES)})")
        if name in scores:
            raise UserError(f"--scores: '{name}' is given twice")
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 10:
            raise UserError(f"--scores: {name} must be a whole number from 1 to 10, got '{value}'")
        scores[name] = int(value)
    missing = [s for s in SUBSCORES if s not in scores]
    if missing:
        raise UserError(f"--scores: missing {', '.join(missing)} (all nine are needed)")
    return scores


def parse_contacts(text: str) -> list[dict[str, str]]:
    """Contacts typed on one line: ``name, role, email, kind`` each (all but the name may be left out), ``;`` between them.

    The kind is sponsor, champion, power user (or power_user) or other; left out, it is read from the role's words.
    """
    from ..core.terms import CONTACT_KINDS

    contacts = []
    for part in text.split(";"):
        if not part.strip():
            continue
        fields = [field.strip() for field in part.split(",")]
        if len(fields) > 4 or not fields[0]:
            raise UserError(f"contacts: write each as name, role, email, kind with ';' between contacts, not '{part.strip()}'")
        contact = {name: value for name, value in zip(("name", "role", "email", "kind"), fields) if value}
        if "kind" in contact:
            kind = contact["kind"].lower().replace(" ", "_")
            if kind not in CONTACT_KINDS:
                raise UserError(f"contacts: {contact['name']}'s kind must be sponsor, champion, power user or other, not '{contact['kind']}'")
            contact["kind"] = kind
        contacts.append(contact)
    return contacts


def contacts_text(contacts: Iterable[ContactCard | Contact]) -> str:
    """Contacts (anything with name, role, email, kind) as ``parse_contacts`` reads them: the kind written only when the
    role's words do not say it."""
    from ..core.terms import CONTACT_KIND_LABEL, kind_from_role

    def one(contact: ContactCard | Contact) -> str:
        fields = [contact.name, contact.role or "", contact.email or ""]
        kind = getattr(contact, "kind", "other")
        if kind != kind_from_role(contact.role):
            fields.append(CONTACT_KIND_LABEL[kind])
        while len(fields) > 1 and not fields[-1]:
            fields.pop()
        return ", ".join(fields)

    return "; ".join(one(c) for c in contacts)


def validation_message(exc: ValidationError) -> str:
    """The first problem of a pydantic ValidationError as one line."""
    from ..core.models import error_text

    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    message = error_text(error)
    return f"{where}: {message}" if where else message


def parse_next_action_day(text: str) -> tuple[date | None, int | None]:
    """A next action's day as typed: (date, None) for YYYY-MM-DD, (None, N) for "month N" (N months after go-live)."""
    from ..core.pipeline import engagement_month_of

    try:
        month = engagement_month_of(text)
    except ValueError as exc:
        raise UserError(f"next action date: {exc}") from None
    if month is not None:
        return None, month
    if not DATE_RE.fullmatch(text.strip()):
        raise UserError(f"next action date: '{text.strip()}' is neither a date (YYYY-MM-DD) nor 'month N' (N months after go-live)")
    return parse_date(text), None


def parse_range(text: str, what: str, whole: bool = False) -> tuple[float | None, float | None]:
    """A range typed as "LOW-HIGH" (or "LOW–HIGH", or one number for both; empty: none), each end a number."""
    text = text.strip().replace("–", "-")
    if not text:
        return None, None
    ends = text.split("-")
    if len(ends) > 2 or not all(part.strip() for part in ends):
        raise UserError(f"{what}: '{text}' is not a range; write it as LOW-HIGH, e.g. 45000-65000")
    low, high = parse_number(ends[0], what), parse_number(ends[-1], what)
    if whole and not (low.is_integer() and high.is_integer()):
        raise UserError(f"{what}: months are whole numbers")
    return low, high
