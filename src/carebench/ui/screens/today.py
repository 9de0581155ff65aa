"""Screen 1, Today: overdue touchpoints, what is due, and action items due, for the planning day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widgets import Static

from ...app.inputs import UserError, parse_date
from ...app.readmodels import ActionDue, Agenda, AgendaRow
from ...core.phases import PHASE_LABEL
from ..screens.base import WorkbenchScreen
from ..widgets.dialogs import PromptDialog
from ..widgets.grid import Column, DataGrid
from ..widgets.tables import Cell, band_grid_cell

if TYPE_CHECKING:
    from ...app.session import Session


def check_date(text: str) -> tuple[date | None, str | None]:
    try:
        return parse_date(text), None
    except UserError as exc:
        return None, str(exc)


def check_reason(text: str) -> tuple[str | None, str | None]:
    text = text.strip()
    if not text:
        return None, "say why the touchpoint is skipped"
    if len(text) > 2000:
        return None, "keep the reason under 2,000 characters"
    return text, None


# The widths the columns always had; the covers and the action text also take what a wider terminal leaves.
AGENDA_COLUMNS = (
    Column("client", 30),
    Column("kind", 12),
    Column("band", 9),
    Column("when", 19),
    Column("phase", 18),
    Column("covers", None, min_width=16),
    Column("owner", 10),
)
ACTION_COLUMNS = (Column("client", 30), Column("due", 10), Column("priority", 8), Column("owner", 10), Column("action", None, min_width=80))


def agenda_key(row: AgendaRow) -> str:
    """An agenda row stands for one client's touchpoints of one kind, overdue or due."""
    return f"tp:{row.client}:{row.kind}:{row.status}"


def action_key(item: ActionDue) -> str:
    return f"ai:{item.id}"


def agenda_cells(row: AgendaRow) -> list:
    when: Cell | str
    if row.status == "overdue":
        when = Cell(f"overdue ×{row.missed} · {row.date:%d %b}", style="$error")
    else:
        when = "due"
    return [
        Cell(row.client_name),
        Cell(row.kind),
        band_grid_cell(row.band),
        when,
        PHASE_LABEL.get(row.phase, row.phase),
        Cell(", ".join(row.covers)),
        Cell(row.owner),
    ]


class AgendaTable(DataGrid):
    """The day's touchpoints: overdue groups first, then what is due."""

    BINDINGS = [Binding("enter", "select_row", "Check-in", id="today.checkin", tooltip="Start the guided check-in")]


class ActionTable(DataGrid):
    """Open action items due on or before the day."""

    BINDINGS = [Binding("enter", "select_row", "Open client", id="today.open_client")]


class TodayScreen(WorkbenchScreen):
    SHOWS_CLIENT = False
    TITLE = "Today"
    BINDINGS = [
        Binding("d", "done", "Done", id="today.done", tooltip="Mark the touchpoint (or action item) done"),
        Binding("s", "skip", "Skip", id="today.skip", tooltip="Skip the touchpoint, with a reason"),
        Binding("r", "move", "Move", id="today.move", tooltip="Move the touchpoint to another day"),
        Binding("u", "undo", "Undo", id="today.undo", tooltip="Take back the last outcome or closed action item"),
        Binding("a", "add_action", "+Action", id="today.add_action", tooltip="Add an action item for the client"),
        Binding("m", "toggle_mine", "Mine", id="today.mine", tooltip="Only my clients / everyone's"),
        Binding("left_square_bracket", "shift_day(-1)", "Prev", key_display="[", id="today.prev", tooltip="Previous day"),
        Binding("right_square_bracket", "shift_day(1)", "Next", key_display="]", id="today.next", tooltip="Next day"),
        Binding("t", "back_to_today", "Today", id="today.today", tooltip="Back to today"),
    ]
    DEFAULT_CSS = """
    TodayScreen #summary { height: 1; padding: 0 1; color: $text-muted; }
    TodayScreen AgendaTable { height: auto; max-height: 60%; }
    TodayScreen ActionTable { height: 1fr; }
    TodayScreen .table-title { height: 1; padding: 0 1; color: $primary; text-style: bold; }
    """

    day: date | None = None  # the day of the agenda shown
    last_change: tuple[str, Callable[[Session], object]] | None = None  # what ``u`` takes back: its summary and the command that does it

    def compose_body(self):
        yield Static("Loading the agenda…", id="summary")
        yield AgendaTable(AGENDA_COLUMNS, zebra_stripes=True, id="agenda")
        yield Static("Action items due", classes="table-title")
        yield ActionTable(ACTION_COLUMNS, zebra_stripes=True, id="actions")

    def on_mount(self) -> None:
        self.query_one(AgendaTable).focus()
        super().on_mount()

    def fetch(self, session, client_id) -> Agenda:
        from ...app import queries

        return queries.agenda(session, self.app.user if self.app.mine_only else None)

    def show(self, data: Agenda) -> None:
        self.day = data.date
        # The cursors stay on their rows (by key) through new rows; only the rows in view are drawn.
        self.query_one(AgendaTable).set_rows(data.items, key=agenda_key, cells=agenda_cells)
        self.query_one(ActionTable).set_rows(data.action_items, key=action_key, cells=self.action_cells)
        scope = f"mine ({self.app.user})" if self.app.mine_only else "everyone's"
        overdue_rows = sum(1 for row in data.items if row.status == "overdue")
        self.query_one("#summary", Static).update(
            f"{data.date:%A %d %B %Y} · {scope} · {len(data.items)} touchpoints ({overdue_rows} overdue) · "
            f"{len(data.action_items)} action items due" + ("" if data.items or data.action_items else " · nothing to do today")
        )

    def action_cells(self, item: ActionDue) -> list:
        late = self.day is not None and item.due < self.day
        return [
            Cell(item.client_name),
            Cell(item.due.isoformat(), style="$error" if late else ""),
            Cell(item.priority),
            Cell(item.owner),
            Cell(item.text),
        ]

    def focused_table(self) -> DataGrid:
        focused = self.focused
        return focused if isinstance(focused, ActionTable) else self.query_one(AgendaTable)

    def selected(self) -> AgendaRow | ActionDue | None:
        """The row under the cursor of the table in focus (the agenda's when neither is)."""
        table = self.focused_table()
        return table.rows[table.cursor_index] if table.row_count else None

    def selected_touchpoint(self) -> AgendaRow | None:
        row = self.selected()
        if not isinstance(row, AgendaRow):
            self.notify("Select a touchpoint first (tab switches between the two tables)", severity="warning")
            return None
        return row

    def on_data_grid_row_selected(self, event: DataGrid.RowSelected) -> None:
        event.stop()
        self.open(event.grid.rows[event.index])

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.open(row)

    def open(self, row: AgendaRow | ActionDue) -> None:
        """A touchpoint starts its guided check-in; an action item opens its client."""
        if isinstance(row, AgendaRow):
            from ..screens.checkin import CheckinScreen

            self.app.push_screen(CheckinScreen(row.client, row.date, row.kind))
        else:
            self.app.open_client(row.client)

    def _record(self, row: AgendaRow, status: str, reason: str | None = None, to: date | None = None) -> None:
        def change(session) -> str:
            from ...app import commands

            done = commands.record_touchpoint(session, row.client, row.date, status, row.kind, reason, to)
            where = f" to {to}" if to else ""
            summary = f"{row.client_name}: {done.kind} of {row.date} {status}{where}"
            self.undoable(summary, lambda later: commands.reopen_touchpoint(later, row.client, row.date, done.kind))
            return summary + " (u undoes it)"

        self.write(change)

    def undoable(self, summary: str, reverse: Callable[[Session], object]) -> None:
        """Remember the session's last outcome or closed action item, and how to take it back (``u``)."""
        self.last_change = (summary, reverse)

    def action_undo(self) -> None:
        if self.last_change is None:
            self.notify("Nothing to undo: no touchpoint outcome or closed action item in this session", severity="warning")
            return
        summary, reverse = self.last_change
        self.last_change = None

        def change(session) -> str:
            reverse(session)
            return f"Undone: {summary}"

        self.write(change)

    def action_done(self) -> None:
        row = self.selected()
        if row is None:
            return
        if isinstance(row, ActionDue):

            def change(session) -> str:
                from ...app import commands

                # Done on the day it really is, whatever day is being planned.
                commands.complete_action(session.on(self.app.real_today), row.id)
                summary = f"{row.client_name}: action item done"
                self.undoable(summary, lambda later: commands.reopen_action(later, row.id))
                return summary + " (u undoes it)"

            self.write(change)
            return
        self._record(row, "done")

    def action_skip(self) -> None:
        row = self.selected_touchpoint()
        if row:
            self.app.push_screen(
                PromptDialog(f"Skip the {row.kind} touchpoint of {row.client_name} on {row.date}: why?", check_reason),
                lambda reason: self._record(row, "skipped", reason=reason) if reason else None,
            )

    def action_move(self) -> None:
        row = self.selected_touchpoint()
        if not row:
            return
        original = row.date

        def check(text: str):
            from ...core.schedule import move_problem

            day, problem = check_date(text)
            if day == original:
                return None, f"the touchpoint is already on {original}"
            if day is not None and (past := move_problem(day, self.app.plan_day)):
                return None, past
            return day, problem

        self.app.push_screen(
            PromptDialog(
                f"Move the {row.kind} touchpoint of {row.client_name} from {row.date} to (YYYY-MM-DD):",
                check,
                value=(self.app.plan_day + timedelta(days=1)).isoformat(),
            ),
            lambda day: self._record(row, "moved", to=day) if day else None,
        )

    def action_add_action(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("Select a client's row first", severity="warning")
            return
        from ..widgets.forms import action_item_form

        self.app.push_screen(
            action_item_form(row.client_name, row.owner, self.app.plan_day), lambda item: self._add_action(row, item) if item else None
        )

    def _add_action(self, row: AgendaRow | ActionDue, item) -> None:
        def change(session) -> str:
            from ...app import commands

            commands.add_action(session, row.client, item.text, item.due, item.priority, item.owner, item.source)
            return f"{row.client_name}: action item added, due {item.due}"

        self.write(change)

    def action_toggle_mine(self) -> None:
        self.app.mine_only = not self.app.mine_only
        self.reload()

    def action_shift_day(self, days: int) -> None:
        self.app.set_plan_day(self.app.plan_day + timedelta(days=days))

    def action_back_to_today(self) -> None:
        self.app.set_plan_day(self.app.real_today)
