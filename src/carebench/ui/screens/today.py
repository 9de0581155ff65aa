"""Screen 1, Today: overdue touchpoints, what is due, and action items due, for the planning day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static

from ...app.inputs import UserError, inert, parse_date
from ...app.readmodels import ActionDue, Agenda, AgendaRow
from ...core.phases import PHASE_LABEL
from ...core.terms import KINDS
from ..screens.base import WorkbenchScreen
from ..widgets.chrome import NARROW_WIDTH
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


# The client's name and the covers take what the other columns leave; a column with nothing in view is not drawn
# (covers, mostly), so its room goes to the names. The action text takes the rest of its table's width.
KIND_WIDTH = max(map(len, KINDS))  # the longest kind's name, whole
AGENDA_COLUMNS = (
    Column("client", None, min_width=16),
    Column("kind", KIND_WIDTH),
    Column("band", 9),
    Column("when", 19),
    Column("phase", 18),
    Column("covers", None, min_width=16),
    Column("owner", 10),
)
ACTION_COLUMNS = (Column("client", 30), Column("due", 10), Column("priority", 8), Column("owner", 10), Column("action", None, min_width=24))
# Stacked (a phone): what tells the rows apart, with the rest of the row under the cursor in a line below its table.
STACKED_AGENDA_COLUMNS = (Column("client", None, min_width=12), Column("kind", KIND_WIDTH), Column("band", 9))
STACKED_ACTION_COLUMNS = (Column("due", 10), Column("action", None, min_width=16))
# Compact (narrower than COMPACT_WIDTH, 80 columns say): phase and owner go to the line below each table, so the
# rest fits the width with nothing off to the right.
COMPACT_WIDTH = 100
COMPACT_AGENDA_COLUMNS = (Column("client", None, min_width=12), Column("kind", KIND_WIDTH), Column("band", 9), Column("when", 19))
COMPACT_ACTION_COLUMNS = (Column("client", 20), Column("due", 10), Column("priority", 8), Column("action", None, min_width=16))


def agenda_key(row: AgendaRow) -> str:
    """An agenda row stands for one client's touchpoints of one kind, overdue or due."""
    return f"tp:{row.client}:{row.kind}:{row.status}"


def action_key(item: ActionDue) -> str:
    return f"ai:{item.id}"


def when_text(row: AgendaRow) -> str:
    return f"overdue ×{row.missed} · {row.date:%d %b}" if row.status == "overdue" else "due"


def agenda_cells(row: AgendaRow) -> list:
    return [
        Cell(row.client_name),
        Cell(row.kind),
        band_grid_cell(row.band),
        Cell(when_text(row), style="$error") if row.status == "overdue" else "due",
        PHASE_LABEL.get(row.phase, row.phase),
        Cell(", ".join(row.covers)),
        Cell(row.owner),
    ]


def stacked_agenda_cells(row: AgendaRow) -> list:
    return agenda_cells(row)[:3]


def compact_agenda_cells(row: AgendaRow) -> list:
    return agenda_cells(row)[:4]


def agenda_detail(row: AgendaRow) -> Text:
    """The rest of an agenda row, for the line under the stacked or compact table."""
    covers = f" · covers {', '.join(row.covers)}" if row.covers else ""
    return Text.assemble(
        (inert(row.client_name), "bold"),
        " · ",
        (when_text(row), "bold" if row.status == "overdue" else ""),
        inert(f" · {PHASE_LABEL.get(row.phase, row.phase)}{covers} · owner {row.owner}"),
    )


def action_detail(item: ActionDue) -> Text:
    """The rest of an action item, for the line under the stacked or compact table."""
    return Text.assemble((inert(item.client_name), "bold"), inert(f" · {item.priority} · owner {item.owner} · {item.text}"))


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
        Binding("n", "new_client", "+Client", id="today.new_client", tooltip="Add a client engagement"),
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
    TodayScreen .row-detail { display: none; height: auto; max-height: 4; padding: 0 1; background: $panel; }
    TodayScreen.-stacked .row-detail, TodayScreen.-compact .row-detail { display: block; }
    TodayScreen.-compact #summary { height: auto; }
    TodayScreen.-stacked AgendaTable { max-height: 45%; }
    TodayScreen.-stacked #summary { height: auto; }
    """

    day: date | None = None  # the day of the agenda shown
    compact = False  # narrower than COMPACT_WIDTH but not stacked: phase and owner shown under the tables
    last_change: tuple[str, Callable[[Session], object]] | None = None  # what ``u`` takes back: its summary and the command that does it

    def compose_body(self):
        yield Static("Loading the agenda…", id="summary")
        yield AgendaTable(AGENDA_COLUMNS, zebra_stripes=True, id="agenda")
        yield Static("", id="agenda-detail", classes="row-detail")
        yield Static("Action items due", classes="table-title")
        yield ActionTable(ACTION_COLUMNS, zebra_stripes=True, id="actions")
        yield Static("", id="action-detail", classes="row-detail")

    def on_mount(self) -> None:
        self.query_one(AgendaTable).focus()
        super().on_mount()

    def fetch(self, session, client_id) -> tuple[Agenda, bool]:
        """The agenda, and whether the database holds any client at all (an empty one says how to add the first)."""
        from ...app import queries

        return queries.agenda(session, self.app.user if self.app.mine_only else None), bool(queries.client_names(session))

    def show(self, loaded: tuple[Agenda, bool]) -> None:
        data, any_client = loaded
        self.day = data.date
        # The cursors stay on their rows (by key) through new rows; only the rows in view are drawn.
        agenda, actions = self.query_one(AgendaTable), self.query_one(ActionTable)
        layout: tuple[tuple[Column, ...], Callable[[AgendaRow], list], tuple[Column, ...], Callable[[ActionDue], list]]
        if self.stacked:
            layout = (STACKED_AGENDA_COLUMNS, stacked_agenda_cells, STACKED_ACTION_COLUMNS, self.stacked_action_cells)
        elif self.compact:
            layout = (COMPACT_AGENDA_COLUMNS, compact_agenda_cells, COMPACT_ACTION_COLUMNS, self.compact_action_cells)
        else:
            layout = (AGENDA_COLUMNS, agenda_cells, ACTION_COLUMNS, self.action_cells)
        agenda_columns, agenda_cells_of, action_columns, action_cells_of = layout
        for table, columns in ((agenda, agenda_columns), (actions, action_columns)):
            if table.columns != columns:
                table.set_columns(columns)
        agenda.set_rows(data.items, key=agenda_key, cells=agenda_cells_of)
        actions.set_rows(data.action_items, key=action_key, cells=action_cells_of)
        self.show_details()
        scope = f"mine ({self.app.user})" if self.app.mine_only else "everyone's"
        overdue_rows = sum(1 for row in data.items if row.status == "overdue")
        self.query_one("#summary", Static).update(
            f"{data.date:%A %d %B %Y} · {scope} · {len(data.items)} touchpoints ({overdue_rows} overdue) · "
            f"{len(data.action_items)} action items due" + ("" if data.items or data.action_items else " · nothing to do today")
            if any_client
            else "No clients yet: press n to add the first one (its touchpoints then appear here)"
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

    def stacked_action_cells(self, item: ActionDue) -> list:
        _client, due, _priority, _owner, text = self.action_cells(item)
        return [due, text]

    def compact_action_cells(self, item: ActionDue) -> list:
        client, due, priority, _owner, text = self.action_cells(item)
        return [client, due, priority, text]

    def on_resize(self, event: events.Resize) -> None:
        # Besides stacking (the base screen's): compact between NARROW_WIDTH and COMPACT_WIDTH.
        compact = NARROW_WIDTH <= event.size.width < COMPACT_WIDTH
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            self.stacking_changed()

    def stacking_changed(self) -> None:
        if isinstance(self._shown, tuple):  # what fetch gave, once shown
            self.show(self._shown)

    def on_data_grid_row_highlighted(self, event: DataGrid.RowHighlighted) -> None:
        self.show_details()

    def show_details(self) -> None:
        """Stacked or compact, the row under each table's cursor in full below the table."""
        if not (self.stacked or self.compact):
            return
        agenda, actions = self.query_one(AgendaTable), self.query_one(ActionTable)
        self.query_one("#agenda-detail", Static).update(agenda_detail(agenda.rows[agenda.cursor_index]) if agenda.row_count else "")
        self.query_one("#action-detail", Static).update(action_detail(actions.rows[actions.cursor_index]) if actions.row_count else "")

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

    def action_new_client(self) -> None:
        from ..upkeep import new_client

        new_client(self.app)

    def action_add_action(self) -> None:
        row = self.selected()
        if row is None:
            from ..upkeep import new_action

            new_action(self.app)  # for the client screens 3-5 show
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
