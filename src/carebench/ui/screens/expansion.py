"""Screen 5, Expansion: the pipeline by stage with totals and readiness, next actions by date, and stage moves."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from ...core.models import STAGES, Opportunity
from ...core.pipeline import OPEN_STAGES, READINESS, mark_lost, next_stage, previous_stage
from ...app.inputs import inert
from ..widgets.tables import CachedTable, Cell
from ..screens.base import WorkbenchScreen

# Opportunity fields as the pipeline rows carry them; the form edits only the first seven.
FORM_FIELDS = ("title", "value", "probability", "stage", "source", "next_action", "next_action_date")
OTHER_FIELDS = ("investment_low", "investment_high", "start_month", "end_month")

WON_PROBABILITY = 100
LOST_PROBABILITY = 0
REOPENED_PROBABILITY = 50
"""A deal moved back out of won or lost is live again, but its 100 % or 0 % no longer says anything: even odds until edited."""

READINESS_STYLE = {text: variable for text, variable in zip(READINESS.values(), ("success", "warning", "error"))}
READINESS_SHORT = {"ready to present": "ready", "nurture": "nurture", "hold: recover health first": "hold"}
NAME_MIN, NAME_MAX, TITLE_MIN, TITLE_MAX, NEXT_MAX = 10, 20, 14, 40, 36
# stage, value, prob, weighted and readiness with their padding, for typical amounts (up to 9,999,999).
FIXED_COLUMNS = (10 + 2) + (9 + 2) + (4 + 2) + (9 + 2) + (9 + 2)
# A large table is filled in parts: more rows than a screen holds at once, then chunks with a pause between them.


# ----- pure helpers (tested without a terminal) ---------------------------------

def by_stage(rows: list[dict]) -> list[dict]:
    """Pipeline rows grouped by stage in stage order (identified ... won, lost), then by client name and title."""
    return sorted(rows, key=lambda r: (STAGES.index(r["stage"]), r["client_name"].casefold(), r["title"].casefold(), r["id"]))


def next_actions(rows: list[dict], day: date) -> list[dict]:
    """Open opportunities' next actions, soonest first (undated ones last), each marked overdue when its date is before ``day``."""
    planned = []
    for row in rows:
        if row["stage"] not in OPEN_STAGES or not (row["next_action"] or row["next_action_date"]):
            continue
        when = date.fromisoformat(row["next_action_date"]) if row["next_action_date"] else None
        planned.append({**row, "when": when, "overdue": when is not None and when < day})
    return sorted(planned, key=lambda r: (r["when"] is None, r["when"] or day, r["client_name"].casefold(), r["id"]))


def opportunity_of(row: dict) -> Opportunity:
    """The core model of a pipeline row (validated)."""
    fields = {name: row[name] for name in FORM_FIELDS + OTHER_FIELDS}
    fields["next_action_date"] = date.fromisoformat(row["next_action_date"]) if row["next_action_date"] else None
    return Opportunity(**fields)


def with_stage(opportunity: Opportunity, stage: str) -> Opportunity:
    """The opportunity moved to ``stage``, with the probability a stage move implies.

    - to won: probability 100 (the value is now certain);
    - to lost: probability 0 (nothing of it is expected any more);
    - back out of won or lost (to proposed): REOPENED_PROBABILITY, 50, since the old 100 or 0 no longer holds;
    - between open stages: the probability the user set is kept.

    The form saves what was typed: these rules apply to the stage keys only.
    """
    if stage == "won":
        probability = WON_PROBABILITY
    elif stage == "lost":
        probability = LOST_PROBABILITY
    elif opportunity.stage in ("won", "lost"):
        probability = REOPENED_PROBABILITY
    else:
        probability = opportunity.probability
    return Opportunity(**{**opportunity.model_dump(), "stage": stage, "probability": probability})


def stage_moved(row: dict, step: str) -> Opportunity:
    """The row's opportunity one ``step`` ("next", "previous" or "lost") along; ValueError says why a move is impossible."""
    moves = {"next": next_stage, "previous": previous_stage, "lost": mark_lost}
    return with_stage(opportunity_of(row), moves[step](row["stage"]))


def edited(row: dict, form_result: Opportunity) -> Opportunity:
    """The row's opportunity with the form's fields replaced; fields the form does not show are kept."""
    kept = opportunity_of(row).model_dump(include=set(OTHER_FIELDS))
    return Opportunity(**{**form_result.model_dump(include=set(FORM_FIELDS)), **kept})


def fit_names(room: int, client_long: int, title_long: int) -> tuple[int, int]:
    """Widths for the client and title columns within ``room`` (padding included); a client_long of 0 hides the client.

    Each starts at its longest text (capped); when they do not fit, the wider one gives way first, down to its minimum.
    """
    client = min(client_long, NAME_MAX) if client_long else 0
    title = min(title_long, TITLE_MAX)
    pads = 4 if client else 2
    while client + title + pads > room:
        if title > TITLE_MIN and (title >= client or client <= NAME_MIN):
            title -= 1
        elif client > NAME_MIN:
            client -= 1
        else:
            break
    return client, title


def money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


# ----- widgets ----------------------------------------------------------------

class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y confirms, n or escape declines."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 64; max-width: 95%; height: auto; border: round $primary; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(inert(self.question), markup=False)
            yield Label("[dim]y: yes · n or escape: no[/]")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PipelineTable(CachedTable):
    """Every opportunity in scope, grouped by stage."""


class NextActionsTable(CachedTable):
    """Open opportunities' next actions by date, overdue ones marked."""


# ----- the screen --------------------------------------------------------------

class ExpansionScreen(WorkbenchScreen):
    """The expansion pipeline of every client (or of the current client, with ``a``).

    Stage keys move the selected opportunity one stage (see ``with_stage`` for the probability
    they set); every save names the version it was loaded at, so a change someone else made
    in between is refused, shown, and the screen reloads with their version.
    """

    TITLE = "Expansion"
    BINDINGS = [
        Binding("a", "toggle_scope", "All/client", id="expansion.scope", tooltip="All clients' pipeline, or the current client's"),
        Binding("n", "new", "New", id="expansion.new", tooltip="New opportunity for the current (or selected) client"),
        Binding("e", "edit", "Edit", id="expansion.edit", tooltip="Edit the selected opportunity"),
        Binding("enter", "edit", "Edit", show=False, id="expansion.open"),
        Binding("greater_than_sign,full_stop", "move('next')", "Next stage", key_display=">", id="expansion.next_stage"),
        Binding("less_than_sign,comma", "move('previous')", "Prev stage", key_display="<", id="expansion.previous_stage"),
        Binding("x", "lost", "Lost", id="expansion.lost", tooltip="Mark the selected opportunity lost (asks first)"),
        Binding("v", "converse", "Conversation", id="expansion.conversation",
                tooltip="Run the expansion conversation script on the selected opportunity"),
    ]
    DEFAULT_CSS = """
    ExpansionScreen #scope { height: auto; padding: 0 1; }
    ExpansionScreen #totals { height: auto; padding: 0 1; }
    ExpansionScreen #empty { display: none; height: auto; }
    ExpansionScreen #empty.-shown { display: block; }
    ExpansionScreen PipelineTable { height: 1fr; min-height: 4; }
    ExpansionScreen #detail { height: 1; padding: 0 1; }
    ExpansionScreen #actions-title { height: 1; padding: 0 1; }
    ExpansionScreen NextActionsTable { height: auto; max-height: 25%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.scope_client = False
        self.rows: dict[str, dict] = {}
        self.scope: str | None = None
        self.data: dict | None = None
        self.pending_select: str | None = None
        self._last_width = 0

    def compose_body(self):
        yield Static("Loading the pipeline…", id="scope")
        yield Static("", id="totals")
        yield Static("", id="empty", classes="empty")
        yield PipelineTable(cursor_type="row", zebra_stripes=True, id="pipeline")
        yield Static("", id="detail", classes="muted")
        yield Static("Next actions", id="actions-title", classes="panel-title")
        yield NextActionsTable(cursor_type="row", zebra_stripes=True, id="next-actions")

    def on_mount(self) -> None:
        self.query_one(NextActionsTable).add_columns("when", "client", "next action", "opportunity")
        self.query_one(PipelineTable).focus()
        # Cell colours come from the theme's variables: draw again when the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.data is not None and self.show(self.data))
        super().on_mount()

    def fetch(self, store, day, client_id):
        from ...views import pipeline_view

        scope = client_id if self.scope_client else None
        return {"scope": scope, **pipeline_view(store, day, scope, self.app.rules)}

    # ----- drawing ---------------------------------------------------------

    def show(self, data: dict) -> None:
        self.data = data
        self.scope = data["scope"]
        pipeline = self.query_one(PipelineTable)
        actions = self.query_one(NextActionsTable)
        rows = by_stage(data["opportunities"])
        self.rows = {str(r["id"]): r for r in rows}
        # A new opportunity takes the cursor once a load includes it (a load started before the write may come first).
        added = self.pending_select if self.pending_select in self.rows else None
        if added:
            self.pending_select = None
        keep_pipeline = added or self._key(pipeline)
        keep_actions = added or self._key(actions)
        self._fill_pipeline(rows, keep_pipeline)
        self._fill_actions(rows, keep_actions)
        self._show_totals(data["totals"], len(rows))
        self._show_detail()

    def _fill_pipeline(self, rows: list[dict], keep: str | None = None) -> None:
        table = self.query_one(PipelineTable)
        variables = self.app.theme_variables
        show_client = self.scope is None
        next_texts = [f"{r['next_action_date'][5:] + ' ' if r['next_action_date'] else ''}{r['next_action'] or ''}".strip()
                      for r in rows]
        # Client and title share what the fixed columns leave; the next action (also listed below) may scroll off.
        room = (table.size.width or self.size.width or 80) - 2 - FIXED_COLUMNS
        client_w, title_w = fit_names(room, max([len(r["client_name"]) for r in rows] + [6]) if show_client else 0,
                                      max([len(r["title"]) for r in rows] + [5]))
        # The next action gets what is left, or no column when that is too little to read (the list below has them).
        spare = room - (client_w + 2 if show_client else 0) - (title_w + 2) - 2
        next_w = min(NEXT_MAX, max([len(t) for t in next_texts] + [11]), spare)
        show_next = next_w >= 12
        table.clear(columns=True)
        if show_client:
            table.add_column("client", width=client_w, key="client")
        table.add_column("title", width=title_w, key="title")
        table.add_column("stage", key="stage")
        table.add_column(Text("value", justify="right"), key="value")
        table.add_column(Text("prob", justify="right"), key="prob")
        table.add_column(Text("weighted", justify="right"), key="weighted")
        table.add_column("readiness", key="readiness")
        if show_next:
            table.add_column("next action", width=next_w, key="next")

        def row_of(item: tuple[dict, str]) -> tuple[list, str]:
            row, next_text = item
            readiness = READINESS_SHORT.get(row["readiness"])
            ready = (Cell(f"● {readiness}", style=variables.get(READINESS_STYLE[row["readiness"]], ""))
                     if readiness else Cell("– unknown", style="dim"))
            closed = row["stage"] not in OPEN_STAGES
            cells = [Cell(clip(row["title"], title_w)), Cell(row["stage"], style="dim" if closed else ""),
                     Cell(money(row["value"]), justify="right"), Cell(f"{row['probability']}%", justify="right"),
                     Cell(money(row["weighted"]), justify="right"), ready]
            if show_next:
                cells.append(Cell(clip(next_text, next_w)))
            if show_client:
                cells.insert(0, Cell(clip(row["client_name"], client_w)))
            return cells, str(row["id"])

        table.fill(list(zip(rows, next_texts)), row_of, keep)
        self._last_width = table.size.width

        empty = self.query_one("#empty", Static)
        if not rows:
            whose = f" for {self._client_name(self.scope)}" if self.scope else ""
            empty.update(Text(inert(f"No opportunities{whose} yet: press n to add one.")))
        empty.set_class(not rows, "-shown")

    def _fill_actions(self, rows: list[dict], keep: str | None = None) -> None:
        table = self.query_one(NextActionsTable)
        table.clear()
        error = self.app.theme_variables.get("error", "")
        planned = next_actions(rows, self.app.plan_day)
        # After "when" (13) and the client (16), the action text and the opportunity share the rest, 3 to 2.
        avail = (table.size.width or self.size.width or 80) - 2 - 15 - 18 - 4
        title_w = max(12, min(30, avail * 2 // 5))
        action_w = max(16, min(60, avail - title_w))
        plan_day = self.app.plan_day

        def row_of(item: dict) -> tuple[list, str]:
            if item["when"] is None:
                when = Cell("no date", style="dim")
            elif item["overdue"]:
                when = Cell(f"{item['when']:%m-%d} overdue", style=error)
            else:
                when = "today" if item["when"] == plan_day else f"{item['when']:%m-%d}"
            return [when, Cell(clip(item["client_name"], 16)), Cell(clip(item["next_action"] or "–", action_w)),
                    Cell(clip(item["title"], title_w))], str(item["id"])

        table.fill(planned, row_of, keep)
        overdue = sum(1 for item in planned if item["overdue"])
        title = self.query_one("#actions-title", Static)
        if planned:
            title.update(f"Next actions: {len(planned)}" + (f", {overdue} overdue" if overdue else ""))
        else:
            title.update("Next actions: none planned (e adds one to the selected opportunity)")
        table.display = bool(planned)

    def _show_totals(self, totals: dict, count: int) -> None:
        who = self._client_name(self.scope) if self.scope else "All clients"
        self.query_one("#scope", Static).update(
            Text.assemble((inert(who), "bold"), f" · {count} opportunities · open pipeline {money(totals['value'])}, "
                                         f"weighted {money(totals['weighted'])}"))
        grid = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
        grid.add_column("")
        for stage in STAGES:
            grid.add_column(stage, justify="right")
        grid.add_column("open", justify="right", style="bold")
        by_stage_totals = totals["by_stage"]

        def line(label: str, field: str, fmt) -> list[str]:
            cells = [fmt(by_stage_totals[s][field]) if s in by_stage_totals else "–" for s in STAGES]
            return [label, *cells, fmt(totals[field])]

        grid.add_row(*line("count", "count", str))
        grid.add_row(*line("value", "value", money))
        grid.add_row(*line("weighted", "weighted", money))
        self.query_one("#totals", Static).update(grid)

    def _client_name(self, client_id: str | None) -> str:
        for row in self.rows.values():
            if row["client"] == client_id:
                return row["client_name"]
        return dict(self.app.clients).get(client_id, client_id or "")

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Give the title column what a new terminal width leaves."""
        if self.data is not None and self.query_one(PipelineTable).size.width != self._last_width:
            rows = by_stage(list(self.rows.values()))
            for table, fill in ((self.query_one(PipelineTable), self._fill_pipeline),
                                (self.query_one(NextActionsTable), self._fill_actions)):
                fill(rows, self._key(table))

    # ----- selection -------------------------------------------------------

    @staticmethod
    def _key(table: DataTable) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected(self) -> dict | None:
        """The opportunity under the cursor of the focused table (the pipeline unless Next actions has focus)."""
        focused = self.focused
        table = focused if isinstance(focused, NextActionsTable) else self.query_one(PipelineTable)
        key = self._key(table)
        return self.rows.get(key) if key else None

    def _show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("")
            return
        parts = [row["client_name"], row["title"], row["source"].replace("_", " "), row["readiness"]]
        if row["next_action"] or row["next_action_date"]:
            parts.append(f"next: {row['next_action'] or '–'}" + (f" ({row['next_action_date']})" if row["next_action_date"] else ""))
        detail.update(Text(inert(" · ".join(parts)), no_wrap=True, overflow="ellipsis"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _need_selected(self) -> dict | None:
        row = self.selected()
        if row is None:
            self.notify("Select an opportunity first", severity="warning")
        return row

    # ----- writing ---------------------------------------------------------

    def _save(self, row: dict, opportunity: Opportunity, summary: str) -> None:
        """Save over the version this screen loaded; a refusal (someone saved in between) reloads their version."""
        from ...store import StoreError

        def change(store) -> str:
            try:
                store.update_opportunity(row["id"], opportunity, expected_version=row["version"])
            except StoreError as exc:
                self.app.call_from_thread(self.reload)
                # The screen reloads by itself, so the store's advice to reload becomes a statement.
                reason = str(exc).replace("; reload to see their version", "")
                raise StoreError(f"Not saved: {reason}; their version is shown now") from None
            return summary

        self.write(change)

    def action_move(self, step: str) -> None:
        row = self._need_selected()
        if row is None:
            return
        try:
            opportunity = stage_moved(row, step)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._save(row, opportunity, f"{row['client_name']}: {row['title']} {row['stage']} → {opportunity.stage}"
                                     f" ({opportunity.probability}%)")

    def action_converse(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("Select an opportunity first", severity="warning")
            return
        from ..screens.checkin import CheckinScreen

        self.app.push_screen(CheckinScreen(row["client"], self.app.plan_day, "expansion", opportunity_id=row["id"]))

    def action_lost(self) -> None:
        row = self._need_selected()
        if row is None:
            return
        if row["stage"] not in OPEN_STAGES:
            self.notify(f"'{row['title']}' is {row['stage']} already; only open opportunities can be marked lost",
                        severity="warning")
            return
        self.app.push_screen(ConfirmDialog(f"Mark '{row['title']}' of {row['client_name']} as lost?"),
                             lambda yes: yes and self.action_move("lost"))

    def action_edit(self) -> None:
        from ..widgets.forms import opportunity_form

        row = self._need_selected()
        if row is None:
            return

        def save(result: Opportunity | None) -> None:
            if result is not None:
                self._save(row, edited(row, result), f"{row['client_name']}: '{result.title}' saved")

        self.app.push_screen(opportunity_form(row["client_name"], row), save)

    def new_for(self) -> str | None:
        """Whose opportunity ``n`` adds: the client in scope, else the selected row's client, else the current client."""
        if self.scope:
            return self.scope
        row = self.selected()
        return row["client"] if row else self.app.client_id

    def action_new(self) -> None:
        from ..widgets.forms import opportunity_form

        client_id = self.new_for()
        if client_id is None:
            self.notify("There are no clients yet: add one first", severity="warning")
            return
        name = self._client_name(client_id)

        def add(result: Opportunity | None) -> None:
            if result is None:
                return

            def change(store) -> str:
                new_id = store.add_opportunity(client_id, result)
                self.pending_select = str(new_id)
                return f"{name}: opportunity '{result.title}' added"

            self.write(change)

        self.app.push_screen(opportunity_form(name, None), add)

    def action_toggle_scope(self) -> None:
        if not self.scope_client and self.app.client_id is None:
            self.notify("Choose a client first (c)", severity="warning")
            return
        self.scope_client = not self.scope_client
        self.reload()
