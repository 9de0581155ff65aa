"""Screen 4, Health: one client's score breakdown, what moved it, its history, what the band asks for and the handover gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from ...app.inputs import inert
from ...app.present import clip, due_clock
from ...core.health import BAND_LABEL, COMPONENTS
from ...core.phases import ADOPTION_LABEL, PHASE_LABEL
from ...core.terms import CONTACT_KIND_LABEL, TICKET_CATEGORY_LABEL
from ..screens.base import WorkbenchScreen
from ..widgets.tables import band_text, delta_text

if TYPE_CHECKING:
    from ...app.readmodels import (
        ClientCard,
        Component,
        Document,
        Health,
        HealthDetail,
        HistoryPoint,
        RedAttention,
        Suggestion,
        TicketCategories,
    )

HISTORY_ROWS = 6
"""How many of the latest assessments the history panel lists."""


def label(name: str) -> str:
    return name.replace("_", " ")


def signed(change: int) -> str:
    """A whole-number change with a real minus sign: +2, −3."""
    return f"+{change}" if change > 0 else f"−{-change}" if change < 0 else "0"


def score_style(app, value: float) -> str:
    """The band colour a score would have on its own (8+ green, 6+ yellow, else red)."""
    name = "success" if value >= 8 else "warning" if value >= 6 else "error"
    return app.theme_variables.get(name, "")


def breakdown_grid(hints: bool) -> Table:
    """Name, score or bar, and (side by side) a column for suggestions that wraps inside itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(min_width=20, no_wrap=True)
    grid.add_column(no_wrap=True)
    if hints:
        grid.add_column(ratio=1)
    return grid


class HealthBreakdown(Static):
    """The three components with weight and score, and their sub-scores as ten-cell bars, with evidence-based suggestions.

    Side by side, a suggestion wraps in a column of its own right of the bars; stacked (a phone),
    it is a paragraph under its bar.
    """

    def show_breakdown(self, components: Mapping[str, Component] | None, suggestions: Mapping[str, Suggestion], stacked: bool = False) -> None:
        grid = breakdown_grid(hints=not stacked)
        stack: list = []  # stacked: each row, then its suggestion, one under the other

        def add(first: Text, second: Text, hint: Text | None) -> None:
            if not stacked:
                grid.add_row(first, second, hint or Text(""))
                return
            line = breakdown_grid(hints=False)
            line.add_row(first, second)
            stack.append(line)
            if hint is not None:
                stack.append(Text.assemble("    ", hint))

        lines = []
        suggestion: Suggestion | None  # each sub-score's, when there is one
        if components is None:
            lines.append(Text("No assessment yet, so no sub-scores.", style="dim"))
            if suggestions:
                lines.append(Text("What the evidence suggests for the first one:"))
            for name, suggestion in suggestions.items():
                add(Text(f"  {label(name)}"), Text(f"suggest {suggestion.score}:", style="bold"), Text(inert(suggestion.reason), style="italic"))
        else:
            for component, names in COMPONENTS.items():
                part = components[component]
                add(
                    Text(component.capitalize(), style="bold"),
                    Text.assemble((f"{part.score:.2f}", score_style(self.app, part.score)), "  "),
                    Text(f"weight {part.weight * 100:.0f}%", style="dim"),
                )
                for name in names:
                    value = part.subscores[name]
                    bar = Text.assemble(("█" * value, score_style(self.app, value)), ("░" * (10 - value), "dim"), f" {value:>2}")
                    suggestion = suggestions.get(name)
                    hint = Text(f"suggest {suggestion.score}: {inert(suggestion.reason)}", style="italic") if suggestion else None
                    add(Text(f"  {label(name)}"), bar, hint)
        body = Group(*stack) if stacked else grid
        self.update(Group(*lines, body) if lines else body)


# How many past check-ins the timeline shows.
CHECKIN_TIMELINE = 8


# How many characters of a past check-in's first note and next steps the timeline shows (cut at a word, with …).
PREVIEW_WIDTH = 100

# How many open tickets the tickets panel lists.
OPEN_TICKETS_SHOWN = 6


def checkin_choice(checkin: Mapping[str, Any] | Document) -> str:
    """A past check-in in one line for choosing it: date, kind, author and the start of its first note."""
    first_note = next((s["notes"] for s in checkin["sections"] if (s.get("notes") or "").strip()), "")
    line = f"{checkin['date']} {checkin['kind']} · {checkin['author'] or 'unknown'}"
    return f"{line} · {clip(first_note, 60)}" if first_note else line


def categories_table(by_category: TicketCategories) -> Table:
    """Tickets by category: how many are open now, and how many came in over the support KPIs' weeks."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(Text("By category", style="bold"), Text("open", style="dim"), Text(f"since {by_category.since:%d %b}", style="dim"))
    for category in by_category.categories:
        opened, came_in = by_category.open.get(category, 0), by_category.came_in.get(category, 0)
        grid.add_row(f"  {TICKET_CATEGORY_LABEL.get(category, category)}", Text(str(opened), style="bold" if opened else "dim"), str(came_in))
    if not by_category.categories:
        grid.add_row(Text(f"  none open, none since {by_category.since:%d %b}", style="dim"), "", "")
    return grid


class HealthColumns(Widget):
    """The panels in one column, or two side by side on a wide terminal (a grid layout)."""

    DEFAULT_CSS = "HealthColumns { width: 1fr; height: auto; layout: grid; }"


@dataclass(frozen=True)
class HealthData:
    """What the screen shows for one client: its health, its card, recent check-ins, tickets (and by category) and checklist."""

    detail: HealthDetail
    client: ClientCard
    previous_date: date | None  # the assessment the latest one is compared with
    checkins: tuple[Document, ...]
    tickets: tuple[Document, ...]
    checklist: Document
    ticket_categories: TicketCategories | None = None


class HealthScreen(WorkbenchScreen):
    TITLE = "Health"
    TIMED = True  # tickets open for so many hours
    BINDINGS = [
        Binding("t", "log_ticket", "+Ticket", id="health.ticket", tooltip="Log a support ticket"),
        Binding("r", "resolve_ticket", "Resolve", id="health.resolve", tooltip="Resolve an open support ticket"),
        Binding("k", "checklist", "Checklist", id="health.checklist", tooltip="Tick knowledge-transfer items"),
        Binding("h", "hand_over", "Hand over", id="health.handover", tooltip="Hand the client over to its own team (its gate met, or with a reason)"),
        Binding("v", "view_checkin", "Check-ins", id="health.checkins", tooltip="Open one of the past check-ins in full"),
        Binding("s", "assess", "Assess", id="health.assess", tooltip="Record a health assessment (the nine sub-scores)"),
        Binding("e", "edit_client", "Edit client", id="health.edit_client", tooltip="Change the client's details, status or tier"),
        Binding("a", "add_action", "+Action", id="health.add_action", tooltip="Add an action item for the client"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    HealthScreen #health-title { height: auto; padding: 0 1; }
    HealthScreen #health-scroll { height: 1fr; }
    HealthScreen #health-grid { grid-size: 1; grid-rows: auto; height: auto; }
    HealthScreen.-wide #health-grid { grid-size: 2; grid-columns: 3fr 2fr; }
    HealthScreen .column { height: auto; }
    HealthScreen #history-line { height: 1; margin-bottom: 1; }
    """

    data: HealthData | None = None

    def compose_body(self):
        yield Static("Loading the health breakdown…", id="health-title")
        with VerticalScroll(id="health-scroll"):
            with HealthColumns(id="health-grid"):
                with Vertical(classes="column"):
                    yield Static("", id="overall", classes="panel")
                    yield HealthBreakdown("", id="breakdown", classes="panel")
                    yield Static("", id="checkins", classes="panel")
                with Vertical(classes="column"):
                    yield Static("", id="drivers", classes="panel")
                    with Vertical(id="history", classes="panel"):
                        yield Sparkline([], id="history-line")
                        yield Static("", id="history-list")
                    yield Static("", id="advice", classes="panel")
                    yield Static("", id="recovery", classes="panel")
                    yield Static("", id="people", classes="panel")
                    yield Static("", id="handover", classes="panel")
                    yield Static("", id="transfer", classes="panel")
                    yield Static("", id="tickets", classes="panel")
                    yield Static("", id="pulse", classes="panel")

    def on_mount(self) -> None:
        titles = {
            "#overall": "Overall",
            "#breakdown": "Components",
            "#drivers": "What changed",
            "#history": "History",
            "#advice": "What the band asks for",
            "#recovery": "Escalation and recovery plan",
            "#people": "Contacts",
            "#handover": "Handover",
            "#checkins": "Check-ins, newest first (v opens one)",
            "#transfer": "Knowledge transfer (k)",
            "#tickets": "Support tickets (t log · r resolve)",
            "#pulse": "Pulse surveys",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        # Bands and bars are coloured when drawn, so a new theme redraws them from the data we have.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.show(self.data) if self.data is not None else None)
        super().on_mount()

    def fetch(self, session, client_id) -> HealthData | None:
        from ...app import queries

        if client_id is None:
            return None
        detail = queries.health_detail(session, client_id)
        assessed = detail.health.date
        earlier = [point.date for point in detail.history if assessed and point.date < assessed]
        now = self.now(session.today)
        return HealthData(
            detail,
            queries.client_card(session, client_id),
            earlier[-1] if earlier else None,
            queries.checkins(session, client_id)[:CHECKIN_TIMELINE],
            queries.tickets(session, now, client_id),
            queries.checklist(session, client_id),
            queries.ticket_categories(session, client_id, now),
        )

    def stacking_changed(self) -> None:
        if self.data is not None:
            self.show(self.data)

    def now(self, day: date | None = None) -> datetime:
        """This minute, on the day being planned (or ``day``)."""
        return datetime.combine(day or self.app.plan_day, datetime.now().time()).replace(second=0, microsecond=0)

    def show(self, data: HealthData | None) -> None:
        self.data = data
        title = self.query_one("#health-title", Static)
        scroll = self.query_one("#health-scroll")
        if data is None:
            title.update(Text("No client chosen: press c to pick one."))
            title.add_class("empty")
            scroll.display = False
            return
        title.remove_class("empty")
        scroll.display = True
        detail, client = data.detail, data.client
        health = detail.health
        line = Text.assemble((inert(health.client_name), "bold"), f" · {client.tier} · owner {inert(client.owner)}")
        if client.status != "active":
            line.append(f" · {label(client.status)}")
        line.append(f" · day {client.day} · {PHASE_LABEL.get(client.phase, client.phase)}")
        line.append(f" · adoption: {ADOPTION_LABEL.get(client.adoption_phase, client.adoption_phase)}")
        title.update(line)
        assessed = health.overall is not None
        self._show_overall(health, data.previous_date)
        self.query_one(HealthBreakdown).show_breakdown(health.components, detail.suggestions, self.stacked)
        self._show_drivers(health, data.previous_date)
        self._show_history(detail.history)
        advice = self.query_one("#advice", Static)
        advice.display = assessed
        if assessed:
            advice.border_title = f"What {health.band} asks for"
            text = Text("\n".join(f"• {item}" for item in detail.advice))
            if detail.advocacy.ask:
                text.append("\n→ Ask for a testimonial or referral this quarter: none given yet.", style="bold")
            advice.update(text)
        self._show_recovery(detail.attention)
        self._show_people(detail)
        self._show_pulse(detail.pulse)
        self._show_handover(client)
        self._show_checklist(data.checklist)
        self._show_tickets(data.tickets, data.ticket_categories)
        self._show_checkins(data.checkins)

    def _show_overall(self, health: Health, previous_date: date | None) -> None:
        panel = self.query_one("#overall", Static)
        if health.overall is None or health.band is None:
            panel.update(
                Text.assemble(
                    ("Not assessed yet", "bold"),
                    "\nRecord a first assessment (nine sub-scores, 1-10) with `carebench assess`.",
                )
            )
            return
        text = Text.assemble((f"{health.overall:.1f}", "bold"), "  ", band_text(self.app, health.band), f" ({BAND_LABEL[health.band]})")
        if health.delta is not None:
            text.append(f"  {delta_text(health.delta)}")
            text.append(f" since {previous_date}", style="dim")
        text.append(f"\nassessed {health.date}", style="dim")
        if health.note:
            text.append(f" · “{inert(health.note)}”", style="dim")
        panel.update(text)

    def _show_drivers(self, health: Health, previous_date: date | None) -> None:
        panel = self.query_one("#drivers", Static)
        panel.display = health.overall is not None
        if health.overall is None:
            return
        if health.previous_overall is None:
            panel.update(Text("First assessment: nothing to compare with yet.", style="dim"))
            return
        text = Text(f"{health.previous_overall:.1f} → {health.overall:.1f} ({delta_text(health.delta)}) since {previous_date}")
        if not health.drivers:
            text.append("\nNo sub-score changed.", style="dim")
        good, bad = self.app.theme_variables.get("success", ""), self.app.theme_variables.get("error", "")
        for driver in health.drivers:
            text.append(f"\n  {label(driver.subscore)} {driver.before} → {driver.after} ")
            text.append(f"({signed(driver.change)})", style=good if driver.change > 0 else bad)
        panel.update(text)

    def _show_history(self, history: tuple[HistoryPoint, ...]) -> None:
        spark = self.query_one("#history-line", Sparkline)
        spark.data = [entry.overall for entry in history]
        spark.display = len(history) > 1
        listing = self.query_one("#history-list", Static)
        if not history:
            listing.update(Text("No assessments yet.", style="dim"))
            return
        text = Text(f"{len(history)} assessments, latest first:" if len(history) > 1 else "One assessment:", style="dim")
        for entry in reversed(history[-HISTORY_ROWS:]):
            text.append(f"\n{entry.date}  {entry.overall:>4.1f}  ")
            text.append_text(band_text(self.app, entry.band))
        if len(history) > HISTORY_ROWS:
            text.append(f"\n… {len(history) - HISTORY_ROWS} earlier", style="dim")
        listing.update(text)

    def _show_checkins(self, checkins: tuple[Document, ...]) -> None:
        """The client's recent check-ins: when, what, who, how long, what was captured, the first note."""
        if not checkins:
            self.query_one("#checkins", Static).update(Text("No check-ins recorded yet.", style="dim"))
            return
        text = Text()
        for checkin in checkins:
            captured = [f"{len(checkin['readings'])} readings"] if checkin["readings"] else []
            if checkin["assessment"]:
                captured.append("assessed")
            if checkin["action_items"]:
                captured.append(f"{len(checkin['action_items'])} actions")
            if checkin.get("learnings"):
                captured.append(f"{len(checkin['learnings'])} lessons")
            text.append(f"{checkin['date']} ", style="bold")
            text.append(inert(f"{checkin['kind']} · {checkin['author']} · {checkin['actual_minutes']}/{checkin['planned_minutes']} min"))
            if checkin.get("confidence") is not None:
                captured.append(f"confidence {checkin['confidence']}/10")
            if captured:
                text.append(" · " + ", ".join(captured))
            first_note = next((s["notes"] for s in checkin["sections"] if s["notes"].strip()), "")
            if first_note:
                text.append("\n  " + inert(clip(first_note.strip().splitlines()[0], PREVIEW_WIDTH)), style="dim")
            if checkin["next_steps"].strip():
                text.append("\n  next: " + inert(clip(checkin["next_steps"], PREVIEW_WIDTH)), style="dim")
            text.append("\n")
        text.rstrip()
        self.query_one("#checkins", Static).update(text)

    def _show_checklist(self, checklist: Document) -> None:
        done_style = self.app.theme_variables.get("success", "")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(no_wrap=True, style="dim")
        for item in checklist["items"]:
            if item["done"]:
                grid.add_row(Text("✓", style=done_style), Text(inert(item["label"])), Text(inert(item["done_on"] or "")))
            else:
                grid.add_row(Text("·", style="dim"), Text(inert(item["label"]), style="dim"), "")
        heading = Text(f"{checklist['done']} of {checklist['total']} done", style="bold" if checklist["complete"] else "")
        self.query_one("#transfer", Static).update(Group(heading, grid))

    def _show_recovery(self, attention: RedAttention) -> None:
        """A red client's executive escalations and recovery steps since it turned red (hidden when it is not red)."""
        panel = self.query_one("#recovery", Static)
        panel.display = attention.red_since is not None
        if attention.red_since is None:
            return
        text = Text(f"Red since {attention.red_since}", style="bold")
        if attention.unattended:
            text.append("\n! neither an executive escalation nor a recovery plan yet", style="bold")
            text.append("\n  carebench escalate CLIENT --to NAME --reason TEXT · carebench recovery CLIENT add STEP --due D", style="dim")
        for escalation in attention.escalations:
            text.append(f"\nEscalated {escalation.date} to {inert(escalation.to)}: {inert(escalation.reason)}")
            if escalation.by:
                text.append(f" ({inert(escalation.by)})", style="dim")
        for step in attention.recovery:
            state = f"done {step.done_on}" if step.done_on else ("LATE" if step.late else "open")
            mark = "✓" if step.done_on else "·"
            text.append(f"\n{mark} {step.number}. {inert(step.step)} · due {step.due} · {inert(step.owner or 'no owner')} · ")
            text.append(state, style="bold" if step.late else "")
        panel.update(text)

    def _show_people(self, detail: HealthDetail) -> None:
        """The client's contacts with the part each plays, promoters marked, and a warning when no champion is named."""
        panel = self.query_one("#people", Static)
        panel.display = bool(detail.contacts) or detail.champion_missing
        text = Text()
        for contact in detail.contacts:
            if text:
                text.append("\n")
            text.append(inert(contact.name), style="bold" if contact.kind in ("champion", "sponsor") else "")
            text.append(f" · {CONTACT_KIND_LABEL.get(contact.kind, contact.kind)}")
            if contact.role:
                text.append(f" · {inert(contact.role)}", style="dim")
            if contact.promoter:
                text.append(" · ★ promoter", style="bold")
        if detail.champion_missing:
            if text:
                text.append("\n")
            text.append('! No champion after day 30: identify one and empower them (edit-client --contact "NAME, ROLE, , champion")', style="bold")
        panel.update(text)

    def _show_pulse(self, pulse: Mapping) -> None:
        panel = self.query_one("#pulse", Static)
        if not pulse["answers"]:
            panel.update(Text("No pulse answers yet (carebench pulse).", style="dim"))
            return
        text = Text.assemble((f"NPS {pulse['nps']:+d}", "bold"), f" from {pulse['answers']} answers · satisfaction {pulse['satisfaction']:g} of 5")
        by_quarter = ", ".join(f"{q['from'][:7]} {'–' if q['nps'] is None else format(q['nps'], '+d')}" for q in pulse["quarters"])
        text.append(f"\nby quarter: {by_quarter}", style="dim")
        panel.update(text)

    def _show_tickets(self, tickets: tuple[Document, ...], by_category: TicketCategories | None = None) -> None:
        open_ones = sorted((t for t in tickets if t["status"] == "open"), key=lambda t: (t["priority"], t["opened"]))
        resolved = len(tickets) - len(open_ones)
        if not tickets:
            self.query_one("#tickets", Static).update(Text("No tickets logged.", style="dim"))
            return
        text = Text(f"{len(open_ones)} open · {resolved} resolved", style="bold")
        warn = self.app.theme_variables.get("error", "")
        now = self.now()
        for ticket in open_ones[:OPEN_TICKETS_SHOWN]:
            text.append(f"\n  {ticket['priority']} ", style=f"bold {warn}" if ticket["priority"] in ("P1", "P2") else "bold")
            text.append(inert(f"{ticket['ref']} {ticket['title'][:48]}"))
            text.append(f" · open {ticket['hours_open']:g} h", style="dim")
            # The clock that runs: the first response until there is one, then the resolution.
            if ticket["first_response"] is None:
                clock, late = due_clock(ticket["response_due"], now, "responds", "response"), ticket["response_breached"]
            else:
                clock, late = due_clock(ticket["resolve_due"], now, "resolves", "resolution"), ticket["resolve_breached"]
            text.append(f" · {clock}", style=f"bold {warn}" if late else "dim")
        if len(open_ones) > OPEN_TICKETS_SHOWN:
            text.append(f"\n  … {len(open_ones) - OPEN_TICKETS_SHOWN} more open", style="dim")
        self.query_one("#tickets", Static).update(Group(text, categories_table(by_category)) if by_category else text)

    # ----- tickets and the checklist -------------------------------------------

    def action_assess(self) -> None:
        from ..upkeep import assess

        assess(self.app, self.data.client.id if self.data else None)

    def action_edit_client(self) -> None:
        from ..upkeep import edit_client

        edit_client(self.app, self.data.client.id if self.data else None)

    def action_add_action(self) -> None:
        from ..upkeep import new_action

        new_action(self.app, self.data.client.id if self.data else None)

    def action_log_ticket(self) -> None:
        if not self.data:
            return
        from ..widgets.forms import ticket_form

        client = self.data.client

        def logged(ticket) -> None:
            if ticket is None:
                return
            from ...app import commands
            from ...core.terms import priority

            self.write(
                lambda session: (
                    f"{client.name}: ticket {commands.log_ticket(session, client.id, ticket)} logged ({priority(ticket.impact, ticket.users)})"
                )
            )

        self.app.push_screen(ticket_form(client.name, self.now()), logged)

    def action_resolve_ticket(self) -> None:
        if not self.data:
            return
        open_ones = [t for t in self.data.tickets if t["status"] == "open"]
        if not open_ones:
            self.notify("No open tickets to resolve")
            return
        from ..widgets.dialogs import ChoiceDialog
        from ..widgets.forms import resolve_form

        client = self.data.client
        by_ref = {t["ref"]: t for t in open_ones}

        def resolved(ref: str, answer: dict | None) -> None:
            if answer is None:
                return
            from ...app import commands

            def change(session) -> str:
                commands.resolve_ticket(session, client.id, ref, **answer)
                return f"{client.name}: {ref} resolved"

            self.write(change)

        def chosen(ref: str | None) -> None:
            if ref is not None:
                self.app.push_screen(resolve_form(ref, by_ref[ref]["title"], self.now()), lambda answer: resolved(ref, answer))

        options = [(t["ref"], f"{t['priority']} {t['ref']} {t['title'][:50]} · open {t['hours_open']:g} h") for t in open_ones]
        self.app.push_screen(ChoiceDialog(f"Resolve a ticket of {client.name}", options), chosen)

    def action_view_checkin(self) -> None:
        """Choose one of the check-ins listed, then read it in full."""
        if not self.data:
            return
        if not self.data.checkins:
            self.notify("No check-ins recorded yet for this client")
            return
        from ..widgets.dialogs import ChoiceDialog
        from .search import RecordView

        client = self.data.client

        def chosen(checkin_id: str | None) -> None:
            if checkin_id is not None:
                self.app.push_screen(RecordView(client.id, checkin_id=int(checkin_id)))

        options = [(str(c["id"]), checkin_choice(c)) for c in self.data.checkins]
        self.app.push_screen(ChoiceDialog(f"Check-ins of {client.name}, newest first", options, "enter: open in full · escape: close"), chosen)

    def action_checklist(self) -> None:
        if not self.data:
            return
        from ..widgets.dialogs import ChoiceDialog

        client, checklist = self.data.client, self.data.checklist
        items = {item["key"]: item for item in checklist["items"]}

        def chosen(key: str | None) -> None:
            if key is None:
                return
            from ...app import commands

            done = not items[key]["done"]

            def change(session) -> str:
                commands.tick_checklist(session, client.id, key, done)
                return f"{client.name}: {items[key]['label']} {'done' if done else 'not done'}"

            self.write(change)

        options = [(key, f"{'✓' if item['done'] else '·'} {item['label']}") for key, item in items.items()]
        self.app.push_screen(ChoiceDialog(f"Knowledge transfer at {client.name}", options, "enter: mark done / not done · escape: close"), chosen)

    def _show_handover(self, client: ClientCard) -> None:
        gate = client.handover
        colours = self.app.theme_variables
        done = client.handed_over
        if done is not None:
            text = Text(f"✓ Handed over on {done.date}" + (f" by {inert(done.by)}" if done.by else ""), style=f"bold {colours.get('success', '')}")
            if done.override:
                text.append(f"\n  overriding the gate: {inert(done.override)}")
        elif gate.ready:
            text = Text("✓ Ready for handover: h hands it over", style=f"bold {colours.get('success', '')}")
        else:
            text = Text("✗ Not ready for handover", style=f"bold {colours.get('error', '')}")
            for reason in gate.reasons:
                text.append(f"\n  • {inert(reason)}")
        for held in client.held:
            text.append(f"\n⏸ {inert(held.reason[:1].upper() + held.reason[1:])} (since {held.since})", style=colours.get("warning", ""))
        self.query_one("#handover", Static).update(text)

    def action_hand_over(self) -> None:
        """Hand the client over: asked to confirm when its gate is met, else for the reason to override it."""
        if not self.data:
            return
        from ..widgets.dialogs import ConfirmDialog, PromptDialog

        client = self.data.client
        if client.status != "active":
            self.notify(f"{client.name} is {label(client.status).lower()}: only an active client can be handed over", severity="warning")
            return

        def hand_over(reason: str | None):
            from ...app import commands

            def change(session) -> str:
                done = commands.hand_over(session, client.id, override=reason)
                return f"{client.name}: handed over on {done.date}" + (" (gate overridden)" if done.override else "")

            self.write(change)

        if client.handover.ready:
            self.app.push_screen(ConfirmDialog(f"Hand {client.name} over to its own team today?"), lambda yes: hand_over(None) if yes else None)
            return

        def check(text: str) -> tuple[object, str | None]:
            return (text.strip(), None) if text.strip() else (None, "say why it is handed over anyway (it is recorded)")

        question = f"{client.name} is not ready for handover ({'; '.join(client.handover.reasons)}). Why hand it over anyway?"
        self.app.push_screen(
            PromptDialog(question, check, placeholder="the reason, recorded with the handover"), lambda r: hand_over(r) if r else None
        )
