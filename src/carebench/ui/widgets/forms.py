"""The workbench's forms: fields, defaults and validation through the core's models."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from textual.widgets import Input

from ...app.inputs import UserError, parse_date, parse_moment, parse_next_action_day, parse_number, parse_range, validation_message
from ...core.calibration import FACTORS as COMPLEXITY
from ...core.models import STAGES, TICKET_CATEGORIES, ActionItem, Learning, Opportunity, Ticket
from ...core.terms import IMPACTS, PRIORITIES, REACHES, SOURCES
from ..widgets.dialogs import FormDialog

# The default first, then the rest in their order.
PRIORITY_OPTIONS = ["medium", *(p for p in PRIORITIES if p != "medium")]


def action_item_form(client_name: str, owner: str, day: date) -> FormDialog[ActionItem]:
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


def ticket_form(client_name: str, now: datetime) -> FormDialog[Ticket]:
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


def resolve_form(ref: str, title: str, now: datetime) -> FormDialog[dict[str, Any]]:
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


def learning_form(client_name: str) -> FormDialog[dict[str, Any]]:
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


# ----- setting up and keeping clients, KPIs and readings ------------------------------------------------


def suggested_id(name: str, taken: set[str]) -> str:
    """The id a new client named ``name`` is offered: its name as a slug, with -2, -3... when that id is taken."""
    from ...core.models import slug_of

    base = slug_of(name)
    if not base or base not in taken:
        return base
    number = 2
    while f"{base}-{number}"[:64] in taken:
        number += 1
    return f"{base[: 64 - len(str(number)) - 1]}-{number}"


def _money(values: dict[str, str], name: str, label: str) -> float:
    text = values[name].strip()
    return parse_number(text, label) if text else 0.0


def first_problem(order: list[str], problems: dict[str, str]) -> str | None:
    """Of the problems found per field, the one of the field that comes first in the form (the one being typed, mostly)."""
    return next((problems[name] for name in order if name in problems), next(iter(problems.values()), None))


def model_problems(exc: ValidationError, names: dict[str, str] | None = None) -> dict[str, str]:
    """Every problem the core's model found, by field (``names`` maps a model's field to the form's)."""
    from ...core.models import error_text

    found: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        field = str(error["loc"][0]) if error["loc"] else ""
        found.setdefault((names or {}).get(field, field), f"{where}: {error_text(error)}" if where else error_text(error))
    return found


# What a field that could not be read stands in with while the other fields are checked (never stored).
DAY_PLACEHOLDER = date(2000, 1, 1)

# The choice that leaves a complexity factor unrecorded.
NOT_RECORDED = "not recorded"


def complexity_fields(groups: int | None = None, change: str | None = None, capability: str | None = None) -> list:
    """The form's fields for a client's complexity, filled with what is recorded."""
    from ...core.terms import LEVELS

    return [
        ("stakeholder_groups", "Stakeholder groups", "" if groups is None else str(groups), None),
        ("cultural_change", "Cultural change", change or NOT_RECORDED, [NOT_RECORDED, *LEVELS]),
        ("internal_capability", "Internal capability", capability or NOT_RECORDED, [NOT_RECORDED, *LEVELS]),
    ]


def read_complexity(values: dict[str, str]) -> dict[str, Any]:
    """The complexity factors as typed (None: not recorded); a count that is not a whole number is a UserError."""
    text = values["stakeholder_groups"].strip()
    try:
        groups = int(text) if text else None
    except ValueError:
        raise UserError(f"stakeholder groups: '{text}' is not a whole number (leave it empty when not known)") from None
    levels = {name: None if values[name] == NOT_RECORDED else values[name] for name in ("cultural_change", "internal_capability")}
    return {"stakeholder_groups": groups, **levels}


def suggested_tier_note(values: dict[str, str]) -> str:
    """The tier the complexity typed suggests, and why (core.calibration), for the form's live note."""
    from ...core.calibration import suggest_touch

    try:
        factors = read_complexity(values)
    except UserError:
        return "–"
    groups = factors["stakeholder_groups"]
    if groups is not None and not 1 <= groups <= 1000:
        return "–"
    found = suggest_touch(groups, factors["cultural_change"], factors["internal_capability"])
    if found is None:
        return "record the complexity for a suggestion"
    chosen = "" if values.get("tier") in (None, found.tier) else f" · now {values['tier']}"
    return f"{found.tier}: {found.reason}{chosen}"


SUGGESTION_NOTE = ("Suggested tier", suggested_tier_note)


def client_form(day: date, owner: str, taken: set[str]) -> FormDialog[str]:
    """A new engagement: name (its id suggested as it is typed), tier, go-live (default: the day), owner (default:
    the user), investment, ROI target, contacts and complexity (the tier it suggests shown as it is typed); stored by
    ``commands.add_client``."""
    from ...app.inputs import parse_contacts
    from ...core.models import Client
    from ...core.terms import TIERS

    offered = {"id": ""}

    def edited(form: FormDialog, name: str, value: str) -> None:
        if name == "name":
            field = form.query_one("#f-id", Input)
            if field.value == offered["id"]:  # the id was not typed over: it follows the name
                offered["id"] = suggested_id(value.strip(), taken)
                field.value = offered["id"]

    order = ["name", "id", "tier", "go_live", "owner", "investment", "roi_target", "contacts", *COMPLEXITY]

    def validate(values: dict[str, str]):
        problems: dict[str, str] = {}
        parsed: dict = {}
        for name, read in (
            ("investment", lambda: _money(values, "investment", "investment")),
            ("roi_target", lambda: _money(values, "roi_target", "ROI target")),
            ("contacts", lambda: parse_contacts(values["contacts"])),
            ("go_live", lambda: parse_date(values["go_live"])),
        ):
            try:
                parsed[name] = read()
            except UserError as exc:
                problems[name] = f"go-live: {exc}" if name == "go_live" else str(exc)
        try:
            parsed |= read_complexity(values)
        except UserError as exc:
            problems["stakeholder_groups"] = str(exc)
        try:
            client = Client(
                id=values["id"].strip(),
                name=values["name"].strip(),
                tier=values["tier"],
                owner=values["owner"].strip(),
                **{"go_live": DAY_PLACEHOLDER, "investment": 0.0, "roi_target": 0.0, "contacts": [], **parsed},
            )
        except ValidationError as exc:
            problems = {**model_problems(exc), **problems}
        else:
            if client.id in taken:
                problems["id"] = f"id: there is a client '{client.id}' already"
        if problems:
            return None, first_problem(order, problems)
        return client, None

    def save(session, client) -> str:
        from ...app import commands

        contacts = [c.model_dump(exclude_none=True) for c in client.contacts]
        complexity = {name: getattr(client, name) for name in COMPLEXITY}
        commands.add_client(
            session, client.id, client.name, client.tier, client.go_live, client.owner, client.investment, client.roi_target, contacts, **complexity
        )
        return f"{client.name} added ({client.id}, {client.tier}, go-live {client.go_live})"

    return FormDialog(
        "New client",
        [
            ("name", "Name", "", None),
            ("id", "Id", "", None),
            ("tier", "Tier", "gold", list(TIERS)),
            ("go_live", "Go-live", day.isoformat(), None),
            ("owner", "Owner", owner, None),
            ("investment", "Investment", "0", None),
            ("roi_target", "ROI target %", "0", None),
            ("contacts", "Contacts", "", None),
            *complexity_fields(),
        ],
        validate,
        save,
        edited,
        SUGGESTION_NOTE,
    )


def edit_client_form(card, day: date) -> FormDialog[str]:
    """A client's name, owner, investment, ROI target, contacts, status and complexity (with the tier it suggests as it
    is typed), and its tier (a change re-plans from the day given, default the planning day); stored in one
    transaction by ``commands.update_client``."""
    from ...app.inputs import contacts_text, parse_contacts
    from ...core.models import Client
    from ...core.terms import ENGAGEMENT_STATUSES, TIERS

    def validate(values: dict[str, str]):
        try:
            fields = {
                "name": values["name"].strip(),
                "owner": values["owner"].strip(),
                "investment": _money(values, "investment", "investment"),
                "roi_target": _money(values, "roi_target", "ROI target"),
                "contacts": parse_contacts(values["contacts"]),
                "status": values["status"],
                **read_complexity(values),
            }
        except UserError as exc:
            return None, str(exc)
        try:
            from_day = parse_date(values["tier_from"])
        except UserError as exc:
            return None, f"tier from: {exc}"
        try:
            client = Client(id=card.id, tier=values["tier"], go_live=card.go_live, **fields)
        except ValidationError as exc:
            return None, validation_message(exc)
        return {"client": client, "from_day": from_day}, None

    def save(session, result) -> str:
        from ...app import commands

        client = result["client"]
        fields = {name: getattr(client, name) for name in ("name", "owner", "investment", "roi_target", "status")}
        contacts = [c.model_dump(exclude_none=True) for c in client.contacts]
        tier = client.tier if client.tier != card.tier else None
        complexity = {name: getattr(client, name) for name in COMPLEXITY}
        fields |= {name: value for name, value in complexity.items() if value is not None}
        cleared = [name for name, value in complexity.items() if value is None]
        done = commands.update_client(session, card.id, tier=tier, from_day=result["from_day"], contacts=contacts, clear=cleared, **fields)
        what = ", ".join(name.replace("_", " ") for name in done.changed if name != "tier_changes")
        planned = f"; touchpoints from {result['from_day']} follow the {tier} plan" if tier else ""
        return f"{client.name}: {what} saved{planned}"

    money = card.financials
    return FormDialog(
        f"Edit {card.name}",
        [
            ("name", "Name", card.name, None),
            ("owner", "Owner", card.owner, None),
            ("investment", "Investment", f"{money.investment:g}", None),
            ("roi_target", "ROI target %", f"{money.roi_target:g}", None),
            ("contacts", "Contacts", contacts_text(card.contacts), None),
            ("status", "Status", card.status, list(ENGAGEMENT_STATUSES)),
            ("tier", "Tier", card.tier, list(TIERS)),
            ("tier_from", "New tier from", day.isoformat(), None),
            *complexity_fields(card.stakeholder_groups, card.cultural_change, card.internal_capability),
        ],
        validate,
        save,
        note=SUGGESTION_NOTE,
    )


def kpi_form(client: str, client_name: str, current=None) -> FormDialog[str]:
    """A new KPI, or ``current`` (a KPI read model) edited: key, name, category, unit, direction, baseline, target,
    benchmark (optional) and whether it shows on the team dashboard (which follows the category, leading KPIs on it,
    until it is set by hand)."""
    from textual.widgets import Select

    from ...core.models import Kpi
    from ...core.terms import CATEGORIES

    def text(name: str, default: str = "") -> str:
        value = getattr(current, name, None) if current is not None else None
        return default if value is None else (f"{value:g}" if isinstance(value, float) else str(value))

    def by_category(category: str) -> str:
        return "yes" if category == "leading" else "no"

    category = text("category", "lagging")
    team = ("yes" if current.team else "no") if current is not None else by_category(category)
    offered = {"team": by_category(category)}

    def edited(form: FormDialog, name: str, value: str) -> None:
        if name == "category":
            field = form.query_one("#f-team", Select)
            if field.value == offered["team"]:  # not set by hand: it follows the category
                offered["team"] = by_category(value)
                field.value = offered["team"]

    order = ["key", "name", "category", "unit", "direction", "baseline", "target", "benchmark", "team"]

    def validate(values: dict[str, str]):
        problems: dict[str, str] = {}
        numbers: dict[str, float | None] = {}
        for name in ("baseline", "target", "benchmark"):
            if name == "benchmark" and not values[name].strip():
                numbers[name] = None
                continue
            try:
                numbers[name] = parse_number(values[name], name)
            except UserError as exc:
                problems[name], numbers[name] = str(exc), 0.0
        try:
            kpi = Kpi(
                key=values["key"].strip(),
                name=values["name"].strip(),
                category=values["category"],
                unit=values["unit"].strip(),
                direction=values["direction"],
                team=values["team"] == "yes",
                **numbers,
            )
        except ValidationError as exc:
            problems = {**model_problems(exc), **problems}
        if problems:
            return None, first_problem(order, problems)
        return kpi, None

    def save(session, kpi) -> str:
        from ...app import commands

        fields = {**kpi.model_dump(exclude={"readings"}), "team": kpi.team}
        if current is None:
            commands.add_kpi(session, client, **fields)
            return f"{client_name}: KPI {kpi.key} added"
        commands.update_kpi(session, client, current.key, **fields)
        return f"{client_name}: KPI {kpi.key} saved"

    return FormDialog(
        f"{'Edit KPI' if current is not None else 'New KPI'} for {client_name}",
        [
            ("key", "Key", text("key"), None),
            ("name", "Name", text("name"), None),
            ("category", "Category", category, list(CATEGORIES)),
            ("unit", "Unit", text("unit"), None),
            ("direction", "Better when", text("direction", "higher"), ["higher", "lower"]),
            ("baseline", "Baseline", text("baseline"), None),
            ("target", "Target", text("target"), None),
            ("benchmark", "Benchmark", text("benchmark"), None),
            ("team", "Team dashboard", team, ["yes", "no"]),
        ],
        validate,
        save,
        changed=edited,
    )


def reading_form(client: str, client_name: str, kpis: list[str], day: date, kpi: str | None = None) -> FormDialog[str]:
    """A KPI reading outside a check-in: value (first), KPI, day (default: the planning day) and whether it is a real
    outlier outside the plausible range (``commands.record_reading`` refuses it otherwise)."""
    from ...core.models import Reading

    def validate(values: dict[str, str]):
        try:
            value = parse_number(values["value"], "value")
            when = parse_date(values["date"])
        except UserError as exc:
            text = str(exc)
            return None, text if text.startswith("value:") else f"date: {text}"
        try:
            entry = Reading(date=when, value=value)
        except ValidationError as exc:
            return None, validation_message(exc)
        return {"kpi": values["kpi"], "reading": entry, "force": values["outlier"] == "yes"}, None

    def save(session, result) -> str:
        from ...app import commands

        entry = result["reading"]
        done = commands.record_reading(session, client, result["kpi"], entry.value, entry.date, force=result["force"])
        replaced = f" (replacing {done.replaced:g})" if done.replaced is not None else ""
        return f"{client_name}: {done.kpi} = {done.value:g} on {done.date}{replaced}"

    return FormDialog(
        f"Reading for {client_name}",
        [
            ("value", "Value", "", None),
            ("kpi", "KPI", kpi or kpis[0], kpis),
            ("date", "Day", day.isoformat(), None),
            ("outlier", "Real outlier", "no", ["no", "yes"]),
        ],
        validate,
        save,
    )
