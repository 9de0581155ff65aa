"""Screen 1, Today: overdue touchpoints, what is due, and action items due, for the planning day."""

from __future__ import annotations

from datetime import date, timedelta

from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core.phases import PHASE_LABEL
from ...app.inputs import UserError, parse_date
from ..widgets.tables import CachedTable, Cell, band_cell
from ..screens.base import WorkbenchScreen
from ..widgets.dialogs import PromptDialog


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


AGENDA_COLUMNS = [("client", 30), ("kind", 12), ("band", 9), ("when", 19), ("phase", 18), ("covers", 16), ("owner", 10)]
ACTION_COLUMNS = [("client", 30), ("due", 10), ("priority", 8), ("owner", 10), ("action", 80)]


class AgendaTable(CachedTable):
    """The day's touchpoints: overdue groups first, then what is due."""

    BINDINGS = [Binding("enter", "select_cursor", "Check-in", id="today.checkin", tooltip="Start the guided check-in")]


class ActionTable(CachedTable):
    """Open action items due on or before the day."""

    BINDINGS = [Binding("enter", "select_cursor", "Open client", id="today.open_client")]


class TodayScreen(WorkbenchScreen):
    SHOWS_CLIENT = False
    TITLE = "Today"
    BINDINGS = [
        Binding("d", "done", "Done", id="today.done", tooltip="Mark the touchpoint (or action item) done"),
        Binding("s", "skip", "Skip", id="today.skip", tooltip="Skip the touchpoint, with a reason"),
        Binding("r", "move", "Move", id="today.move", tooltip="Move the touchpoint to another day"),
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

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}

    def compose_body(self):
        yield Static("Loading the agenda…", id="summary")
        yield AgendaTable(cursor_type="row", zebra_stripes=True, id="agenda")
        yield Static("Action items due", classes="table-title")
        yield ActionTable(cursor_type="row", zebra_stripes=True, id="actions")

    def on_mount(self) -> None:
        # Fixed widths: the columns are laid out once, before the first rows arrive.
        for table, columns in ((self.query_one(AgendaTable), AGENDA_COLUMNS), (self.query_one(ActionTable), ACTION_COLUMNS)):
            for label, width in columns:
                table.add_column(label, width=width)
        self.query_one(AgendaTable).focus()
        super().on_mount()

    def fetch(self, store, day, client_id):
        from ...views import today_view

        return today_view(store, day, self.app.user if self.app.mine_only else None, self.app.rules)

    def show(self, data: dict) -> None:
        agenda_table, action_table = self.query_one(AgendaTable), self.query_one(ActionTable)
        keep = {table: self.selected_key(table) for table in (agenda_table, action_table)}
        agenda_table.clear()
        action_table.clear()
        error = self.app.theme_variables.get("error", "")
        day = date.fromisoformat(data["date"])
        touchpoints = {f"tp:{item['client']}:{item['kind']}:{item['status']}": {"type": "touchpoint", **item}
                       for item in data["items"]}
        actions = {f"ai:{item['id']}": {"type": "action", **item} for item in data["action_items"]}
        self.rows = {**touchpoints, **actions}

        def agenda_row(key: str) -> tuple[list, str]:
            item = touchpoints[key]
            if item["status"] == "overdue":
                last = date.fromisoformat(item["date"])
                when = Cell(f"overdue ×{item['missed']} · {last:%d %b}", style=error)
            else:
                when = "due"
            return [Cell(item["client_name"]), item["kind"], band_cell(self.app, item["band"]), when,
                    PHASE_LABEL.get(item["phase"], item["phase"]), ", ".join(item["covers"]), Cell(item["owner"])], key

        def action_row(key: str) -> tuple[list, str]:
            item = actions[key]
            due = Cell(item["due"], style=error if date.fromisoformat(item["due"]) < day else "")
            return [Cell(item["client_name"]), due, item["priority"], Cell(item["owner"]), Cell(item["text"])], key

        # A long day fills in parts: the first rows show at once and keys keep working.
        agenda_table.fill(list(touchpoints), agenda_row, keep[agenda_table])
        action_table.fill(list(actions), action_row, keep[action_table])
        scope = f"mine ({self.app.user})" if self.app.mine_only else "everyone's"
        overdue_rows = sum(1 for i in data["items"] if i["status"] == "overdue")
        self.query_one("#summary", Static).update(
            f"{day:%A %d %B %Y} · {scope} · {len(touchpoints)} touchpoints ({overdue_rows} overdue) · "
            f"{len(actions)} action items due"
            + ("" if touchpoints or actions else " · nothing to do today")
        )

    def selected_key(self, table: DataTable | None = None) -> str | None:
        table = table or self.focused_table()
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def focused_table(self) -> DataTable:
        focused = self.focused
        return focused if isinstance(focused, ActionTable) else self.query_one(AgendaTable)

    def selected(self) -> dict | None:
        key = self.selected_key()
        return self.rows.get(key) if key else None

    def selected_touchpoint(self) -> dict | None:
        row = self.selected()
        if row is None or row["type"] != "touchpoint":
            self.notify("Select a touchpoint first (tab switches between the two tables)", severity="warning")
            return None
        return row

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """A touchpoint starts its guided check-in; an action item opens its client."""
        row = self.selected()
        if row is None:
            return
        if row["type"] == "touchpoint":
            from ..screens.checkin import CheckinScreen

            self.app.push_screen(CheckinScreen(row["client"], date.fromisoformat(row["date"]), row["kind"]))
        else:
            self.app.open_client(row["client"])

    def _record(self, row: dict, status: str, reason: str | None = None, to: date | None = None) -> None:
        from ...core.schedule import touchpoint_outcome

        def change(store) -> str:
            client = store.client(row["client"], parts={"assessments", "exceptions"})
            outcome = touchpoint_outcome(client, date.fromisoformat(row["date"]), status, row["kind"], reason, to,
                                         self.app.rules.plans, self.app.rules.calendar)
            store.record_exception(row["client"], outcome)
            where = f" to {to}" if to else ""
            return f"{row['client_name']}: {row['kind']} of {row['date']} {status}{where}"

        self.write(change)

    def action_done(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row["type"] == "action":
            def change(store) -> str:
                store.complete_action_item(row["id"])
                return f"{row['client_name']}: action item done"

            self.write(change)
            return
        self._record(row, "done")

    def action_skip(self) -> None:
        row = self.selected_touchpoint()
        if row:
            self.app.push_screen(
                PromptDialog(f"Skip the {row['kind']} touchpoint of {row['client_name']} on {row['date']}: why?", check_reason),
                lambda reason: reason and self._record(row, "skipped", reason=reason),
            )

    def action_move(self) -> None:
        row = self.selected_touchpoint()
        if not row:
            return
        original = date.fromisoformat(row["date"])

        def check(text: str):
            day, problem = check_date(text)
            if day == original:
                return None, f"the touchpoint is already on {original}"
            return day, problem

        self.app.push_screen(
            PromptDialog(f"Move the {row['kind']} touchpoint of {row['client_name']} from {row['date']} to (YYYY-MM-DD):",
                         check, value=(self.app.plan_day + timedelta(days=1)).isoformat()),
            lambda day: day and self._record(row, "moved", to=day),
        )

    def action_add_action(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("Select a client's row first", severity="warning")
            return
        from ..widgets.forms import action_item_form

        self.app.push_screen(action_item_form(row["client_name"], row["owner"], self.app.plan_day), lambda item: item and self._add_action(row, item))

    def _add_action(self, row: dict, item) -> None:
        def change(store) -> str:
            store.add_action_item(row["client"], item)
            return f"{row['client_name']}: action item added, due {item.due}"

        self.write(change)

    def action_toggle_mine(self) -> None:
        self.app.mine_only = not self.app.mine_only
        self.reload()

    def action_shift_day(self, days: int) -> None:
        self.app.set_plan_day(self.app.plan_day + timedelta(days=days))

    def action_back_to_today(self) -> None:
        self.app.set_plan_day(self.app.real_today)
