"""The workbench's forms: fields, defaults and validation through the core's models."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import ValidationError

from ...app.inputs import UserError, parse_date, parse_moment, parse_next_action_day, parse_number, parse_range, validation_message
from ...core.models import STAGES, TICKET_CATEGORIES, ActionItem, Learning, Opportunity, Ticket
from ...core.terms import IMPACTS, PRIORITIES, REACHES, SOURCES
from ..widgets.dialogs import FormDialog

# The default first, then the rest in their order.
PRIORITY_OPTIONS = ["medium", *(p for p in PRIORITIES if p != "medium")]


def action_item_form(client_name: str, owner: str, day: date) -> FormDialog:
    """Text, owner (default: the client's owner), due date (default: a week on) and priority."""

    def validate(values: dict[str, str]):
        try:
            return ActionItem(
                text=values["text"].strip(), owner=values["owner"].strip() or owner, due=parse_date(values["due"]), priority=values["priority"]
            ), None
        except UserError as exc:
            return None, f"due: {exc}"
        except ValidationError as exc:
            return None, validation_message(exc)

    return FormDialog(
        f"New action item for {client_name}",
        [
            ("text", "What", "", None),
            ("owner", "Owner", owner, None),
            ("due", "Due (YYYY-MM-DD)", (day + timedelta(days=7)).isoformat(), None),
            ("priority", "Priority", "medium", PRIORITY_OPTIONS),
        ],
        validate,
    )


def ticket_form(client_name: str, now: datetime) -> FormDialog:
    """Log a support ticket: what, business impact, users affected, category, when it came in (default: now)."""

    def validate(values: dict[str, str]):
        try:
            return Ticket(
                title=values["title"].strip(),
                impact=values["impact"],
                users=values["users"],
                category=values["category"],
                opened=parse_moment(values["opened"]),
            ), None
        except UserError as exc:
            return None, f"opened: {exc}"
        except ValidationError as exc:
            return None, validation_message(exc)

    return FormDialog(
        f"New support ticket for {client_name}",
        [
            ("title", "What", "", None),
            ("impact", "Business impact", "medium", list(IMPACTS)),
            ("users", "Users affected", "some", list(REACHES)),
            ("category", "Category", "other", list(TICKET_CATEGORIES)),
            ("opened", "Opened", f"{now:%Y-%m-%d %H:%M}", None),
        ],
        validate,
    )


def resolve_form(ref: str, title: str, now: datetime) -> FormDialog:
    """When a ticket was resolved, and whether at the first contact or after escalating it."""

    def validate(values: dict[str, str]):
        try:
            return {
                "at": parse_moment(values["at"]),
                "first_contact": values["first_contact"] == "yes",
                "escalated": values["escalated"] == "yes",
            }, None
        except UserError as exc:
            return None, f"resolved: {exc}"

    return FormDialog(
        f"Resolve {ref}: {title}",
        [
            ("at", "Resolved at", f"{now:%Y-%m-%d %H:%M}", None),
            ("first_contact", "At first contact", "no", ["no", "yes"]),
            ("escalated", "Escalated", "no", ["no", "yes"]),
        ],
        validate,
    )


def learning_form(client_name: str) -> FormDialog:
    """A lesson learned or a decision: what, and why (who and when come from the check-in)."""

    def validate(values: dict[str, str]):
        try:
            entry = Learning(date=date.today(), kind=values["kind"], what=values["what"].strip(), why=values["why"].strip())
        except ValidationError as exc:
            return None, validation_message(exc)
        return entry.model_dump(include={"kind", "what", "why"}), None

    return FormDialog(
        f"Lesson or decision at {client_name}",
        [("what", "What", "", None), ("why", "Why", "", None), ("kind", "Kind", "lesson", ["lesson", "decision"])],
        validate,
    )


def opportunity_form(client_name: str, current: dict | None = None) -> FormDialog:
    """Add or edit an opportunity, as the expansion tracking sheet keeps it: value, investment range, timeline in
    months after go-live, probability, next action. Numbers and dates are checked as on the command line; the next
    action's day may be "month N" (N months after go-live), which the save turns into its date.

    The result is (the opportunity, the month N or None).
    """
    current = current or {}

    def text(name: str, default: str = "") -> str:
        value = current.get(name)
        return default if value is None else (f"{value:g}" if isinstance(value, float) else str(value))

    def span(low: str, high: str) -> str:
        ends = [text(low), text(high)]
        return "" if not any(ends) else ends[0] if ends[0] == ends[1] else "-".join(e for e in ends if e)

    def validate(values: dict[str, str]):
        try:
            low, high = parse_range(values["investment"], "investment range")
            start, end = parse_range(values["timeline"], "timeline (months after go-live)", whole=True)
            day, month = parse_next_action_day(values["next_action_date"]) if values["next_action_date"].strip() else (None, None)
            fields = {
                "title": values["title"].strip(),
                "value": parse_number(values["value"], "value"),
                "probability": int(parse_number(values["probability"], "probability")),
                "stage": values["stage"],
                "source": values["source"],
                "investment_low": low,
                "investment_high": high,
                "start_month": None if start is None else int(start),
                "end_month": None if end is None else int(end),
                "next_action": values["next_action"].strip() or None,
                "next_action_date": day,
            }
            if not fields["probability"] == parse_number(values["probability"], "probability"):
                raise UserError("probability: must be a whole number from 0 to 100")
            return (Opportunity(**fields), month), None
        except UserError as exc:
            return None, str(exc)
        except ValidationError as exc:
            return None, validation_message(exc)

    return FormDialog(
        f"{'Edit' if current else 'New'} opportunity for {client_name}",
        [
            ("title", "Title", text("title"), None),
            ("value", "Annual value", text("value"), None),
            ("investment", "Investment range", span("investment_low", "investment_high"), None),
            ("timeline", "Timeline (months)", span("start_month", "end_month"), None),
            ("probability", "Probability %", text("probability", "20"), None),
            ("stage", "Stage", text("stage", "identified"), list(STAGES)),
            ("source", "Source", text("source", "performance_gap"), list(SOURCES)),
            ("next_action", "Next action", text("next_action"), None),
            ("next_action_date", "When (or month N)", text("next_action_date"), None),
        ],
        validate,
    )
