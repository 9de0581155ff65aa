"""Screen 5, Expansion: the pipeline by stage with totals and readiness, next actions by date, and stage moves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple, cast

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static

from ...app.inputs import inert
from ...app.present import NO_CURRENCY, Currency, engagement_when, investment_range, next_action_text, timeline
from ...app.present import money as present_money
from ...core.models import STAGES, Opportunity
from ...core.pipeline import OPEN_STAGES, READINESS, mark_lost, next_stage, previous_stage, stage_probability
from ..screens.base import WorkbenchScreen
from ..widgets.dialogs import ConfirmDialog
from ..widgets.grid import Column, DataGrid
from ..widgets.tables import Cell

if TYPE_CHECKING:
    from ...app.readmodels import Pipeline, PipelineRow, PipelineTotals
    from ...core.terms import Stage

# Opportunity fields as the pipeline rows carry them; the form edits them all.
FORM_FIELDS = (
    "title",
    "value",
    "probability",
    "stage",
    "source",
    "investment_low",
    "investment_high",
    "start_month",
    "end_month",
    "next_action",
    "next_action_date",
)
OTHER_FIELDS: tuple[str, ...] = ()

READINESS_STYLE = {text: variable for text, variable in zip(READINESS.values(), ("success", "warning", "error"))}
READINESS_SHORT = {"ready to present": "ready", "nurture": "nurture", "hold: recover health first": "hold"}
NAME_MIN, NAME_MAX, TITLE_MIN, TITLE_MAX, NEXT_MIN = 10, 20, 24, 40, 12
# "100%", "● nurture" / "– unknown"; and in the next actions, "Month 12 (06-10)" and the client's name.
PROB_WIDTH, READINESS_WIDTH, WHEN_WIDTH, CLIENT_WIDTH = 4, 9, 16, 16


# ----- pure helpers (tested without a terminal) ---------------------------------


class NextAction(NamedTuple):
    """An open opportunity's next action, marked overdue when its date is before the day planned."""

    row: PipelineRow
    overdue: bool

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def when(self) -> date | None:
        return self.row.next_action_date


def by_stage(rows: Iterable[PipelineRow]) -> list[PipelineRow]:
    """Pipeline rows grouped by stage in stage order (identified ... won, lost), then by client name and title."""
    return sorted(rows, key=lambda r: (STAGES.index(r.stage), r.client_name.casefold(), r.title.casefold(), r.id))


def next_actions(rows: Iterable[PipelineRow], day: date) -> list[NextAction]:
    """Open opportunities' next actions, soonest first (undated ones last), each marked overdue when its date is before ``day``."""
    planned = [
        NextAction(row, row.next_action_date is not None and row.next_action_date < day)
        for row in rows
        if row.stage in OPEN_STAGES and (row.next_action or row.next_action_date)
    ]
    return sorted(planned, key=lambda a: (a.when is None, a.when or day, a.row.client_name.casefold(), a.id))


def opportunity_of(row: PipelineRow) -> Opportunity:
    """The core model of a pipeline row (validated)."""
    return Opportunity(**{name: getattr(row, name) for name in FORM_FIELDS + OTHER_FIELDS})


def form_values(row: PipelineRow) -> dict:
    """The fields of a pipeline row the opportunity form edits."""
    return {name: getattr(row, name) for name in FORM_FIELDS}


def with_stage(opportunity: Opportunity, stage: Stage) -> Opportunity:
    """The opportunity moved to ``stage``, with the probability the move implies (core.pipeline.stage_probability).

    The form saves what was typed: the rule applies to the stage keys only.
    """
    probability = stage_probability(opportunity.stage, stage, opportunity.probability)
    return Opportunity(**{**opportunity.model_dump(), "stage": stage, "probability": probability})


def stage_moved(row: PipelineRow, step: str) -> Opportunity:
    """The row's opportunity one ``step`` ("next", "previous" or "lost") along; ValueError says why a move is impossible."""
    moves = {"next": next_stage, "previous": previous_stage, "lost": mark_lost}
    return with_stage(opportunity_of(row), moves[step](row.stage))


def edited(row: PipelineRow, form_result: Opportunity) -> Opportunity:
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


def next_text(row: PipelineRow) -> str:
    """The next action as the pipeline lists it: its day, also as the month of the engagement, before its text:
    "Month 3 (09-14) Present the supply-chain opportunity"."""
    when = engagement_when(row.next_action_date, row.next_action_month, short=True)
    return f"{when} {row.next_action or ''}".strip()


def investment_text(row: PipelineRow, currency: Currency = NO_CURRENCY) -> str:
    return investment_range(row.investment_low, row.investment_high, compact=True, currency=currency)


def timeline_text(row: PipelineRow) -> str:
    return timeline(row.start_month, row.end_month, compact=True)


def money(value: float | None, currency: Currency = NO_CURRENCY, compact: bool = False) -> str:
    """Amounts on this screen are whole units, in the team's currency."""
    return present_money(value, whole=True, compact=compact, currency=currency)


@dataclass(frozen=True)
class Longest:
    """The widest text of each sized column of the pipeline, in cells (worked out once per load)."""

    client: int = 6
    title: int = 5
    stage: int = 5
    value: int = 5
    weighted: int = 8
    investment: int = 6
    timeline: int = 6
    next: int = 0

    @classmethod
    def of(cls, rows: Sequence[PipelineRow], currency: Currency = NO_CURRENCY) -> Longest:
        if not rows:
            return cls()

        def widest(least: int, text: Callable[[PipelineRow], str], *fields: str) -> int:
            # Each text is made once per distinct value of the fields it shows: thousands of rows hold a few
            # hundred amounts, ranges and next actions.
            distinct = {attrgetter(*fields)(row): row for row in rows}.values()
            return max(least, *(cell_len(text(row)) for row in distinct))

        return cls(
            widest(6, attrgetter("client_name"), "client_name"),
            widest(5, attrgetter("title"), "title"),
            widest(5, attrgetter("stage"), "stage"),
            widest(5, lambda r: money(r.value, currency), "value"),
            widest(8, lambda r: money(r.weighted, currency), "weighted"),
            widest(6, lambda r: investment_text(r, currency), "investment_low", "investment_high"),
            widest(6, timeline_text, "start_month", "end_month"),
            widest(0, next_text, "next_action_date", "next_action_month", "next_action"),
        )


def pipeline_columns(width: int, longest: Longest, show_client: bool, stacked: bool = False) -> tuple[Column, ...]:
    """The pipeline's columns for a table ``width`` cells wide.

    Client and title share what the other columns leave (see fit_names); the next action,
    also listed below, takes the rest, or is hidden when that is too little to read. When the
    names would not keep their least, the investment range and timeline go first, then the
    readiness: the line under the table says them for the row under the cursor. Stacked (a
    phone), only the title, stage and weighted value have columns, and that line says the rest.
    """
    if stacked:
        shown = {"title", "stage", "weighted"}
        columns = pipeline_columns(width, longest, show_client)
        title = Column("title", None, min_width=NAME_MIN)
        return tuple(title if c.label == "title" else replace(c, visible=c.label in shown) for c in columns)
    fixed = sum(w + 2 for w in (longest.stage, longest.value, PROB_WIDTH, longest.weighted))
    names_least = (NAME_MIN + 2 if show_client else 0) + TITLE_MIN + 2
    show_readiness = width - fixed - (READINESS_WIDTH + 2) >= names_least
    if show_readiness:
        fixed += READINESS_WIDTH + 2
    extras = longest.investment + longest.timeline + 4
    show_extras = show_readiness and width - fixed - extras >= names_least
    room = width - fixed - (extras if show_extras else 0)
    client_w, title_w = fit_names(room, longest.client if show_client else 0, longest.title)
    spare = room - (client_w + 2 if show_client else 0) - (title_w + 2) - 2
    show_next = longest.next > 0 and spare >= NEXT_MIN
    return (
        Column("client", client_w or NAME_MIN, visible=show_client),
        Column("title", title_w),
        Column("stage", longest.stage),
        Column("value", longest.value, justify="right"),
        Column("invest", longest.investment, justify="right", visible=show_extras),
        Column("months", longest.timeline, visible=show_extras),
        Column("prob", PROB_WIDTH, justify="right"),
        Column("weighted", longest.weighted, justify="right"),
        Column("readiness", READINESS_WIDTH, visible=show_readiness),
        Column("next action", None, min_width=NEXT_MIN, visible=show_next),
    )


def action_columns(width: int, stacked: bool = False) -> tuple[Column, ...]:
    """The next actions' columns for a table ``width`` cells wide: the action takes what the opportunity leaves.

    Stacked (a phone), when and the action only: the line under the pipeline says whose it is."""
    if stacked:
        return (Column("when", WHEN_WIDTH), Column("client", CLIENT_WIDTH, visible=False), Column("next action", None, min_width=NEXT_MIN))
    avail = width - (WHEN_WIDTH + 2) - (CLIENT_WIDTH + 2) - 4
    title_w = max(12, min(30, avail * 2 // 5))
    return (Column("when", WHEN_WIDTH), Column("client", CLIENT_WIDTH), Column("next action", None, min_width=16), Column("opportunity", title_w))


# ----- widgets ----------------------------------------------------------------


class PipelineTable(DataGrid):
    """Every opportunity in scope, grouped by stage."""


class NextActionsTable(DataGrid):
    """Open opportunities' next actions by date, overdue ones marked."""


@dataclass(frozen=True)
class ExpansionData:
    """The pipeline shown, whose it is (None: every client's) and the currency of its amounts; and, worked out with
    the read (off the UI thread), its rows by stage, their widest texts and the next actions planned (as of the
    planning day it was read for)."""

    scope: str | None
    pipeline: Pipeline
    currency: Currency
    rows: tuple[PipelineRow, ...]
    longest: Longest
    planned: tuple[NextAction, ...]

    @classmethod
    def of(cls, scope: str | None, pipeline: Pipeline, currency: Currency, day: date) -> ExpansionData:
        rows = by_stage(pipeline.opportunities)
        return cls(scope, pipeline, currency, tuple(rows), Longest.of(rows, currency), tuple(next_actions(rows, day)))


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
        Binding(
            "v", "converse", "Conversation", id="expansion.conversation", tooltip="Run the expansion conversation script on the selected opportunity"
        ),
    ]
    DEFAULT_CSS = """
    ExpansionScreen #scope { height: auto; padding: 0 1; }
    ExpansionScreen #totals { height: auto; padding: 0 1; }
    ExpansionScreen #empty { display: none; height: auto; }
    ExpansionScreen #empty.-shown { display: block; }
    ExpansionScreen PipelineTable { height: 1fr; min-height: 4; }
    ExpansionScreen #actions-title { height: 1; padding: 0 1; }
    ExpansionScreen NextActionsTable { height: auto; max-height: 25%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.scope_client = False
        self.rows: dict[int, PipelineRow] = {}
        self.scope: str | None = None
        self.data: ExpansionData | None = None
        self.pending_select: int | None = None
        self._longest = Longest()

    def compose_body(self):
        yield Static("Loading the pipeline…", id="scope")
        yield Static("", id="totals")
        yield Static("", id="empty", classes="empty")
        yield PipelineTable(zebra_stripes=True, id="pipeline")
        yield Static("", id="detail", classes="muted row-line")
        yield Static("Next actions", id="actions-title", classes="panel-title")
        yield NextActionsTable(zebra_stripes=True, id="next-actions")

    def on_mount(self) -> None:
        self.query_one(PipelineTable).focus()
        super().on_mount()

    def fetch(self, session, client_id) -> ExpansionData:
        from ...app import queries

        scope = client_id if self.scope_client else None
        return ExpansionData.of(scope, queries.pipeline(session, scope), queries.currency(session), session.today)

    def on_write_done(self, message) -> None:
        super().on_write_done(message)
        # The 2 s poll's reload may already show the new opportunity; its data is then not drawn again, so the
        # cursor goes to it here.
        if self.pending_select in self.rows:
            key, self.pending_select = self.pending_select, None
            self.query_one(PipelineTable).move_cursor(key=key)
            self.query_one(NextActionsTable).move_cursor(key=key)  # a key it does not hold leaves its cursor

    # ----- drawing ---------------------------------------------------------

    def show(self, data: ExpansionData) -> None:
        self.data = data
        self.scope = data.scope
        rows = list(data.rows)
        self.rows = {r.id: r for r in rows}
        self._longest = data.longest
        # A new opportunity takes the cursor once a load includes it (a load started before the write may come first).
        added = self.pending_select if self.pending_select in self.rows else None
        if added:
            self.pending_select = None
        self._fill_pipeline(rows, added)
        self._fill_actions(list(data.planned), added)
        self._show_totals(data.pipeline.totals, len(rows))
        self._show_detail()

    def _width(self, grid: DataGrid) -> int:
        """The width a table's columns are fitted to (its scrollbar's room left aside)."""
        return (grid.size.width or self.size.width or 80) - 2

    def _fit_columns(self) -> None:
        """Give both tables the columns their width holds (the rows stay)."""
        pipeline, actions = self.query_one(PipelineTable), self.query_one(NextActionsTable)
        columns = pipeline_columns(self._width(pipeline), self._longest, self.scope is None, self.stacked)
        if pipeline.columns != columns:
            pipeline.set_columns(columns)
        columns = action_columns(self._width(actions), self.stacked)
        if actions.columns != columns:
            actions.set_columns(columns)

    def pipeline_cells(self, row: PipelineRow) -> list:
        """A pipeline row's cells, one for each column (hidden ones included)."""
        readiness = READINESS_SHORT.get(row.readiness)
        ready = Cell(f"● {readiness}", style=f"${READINESS_STYLE[row.readiness]}") if readiness else Cell("– unknown", style="dim")
        closed = row.stage not in OPEN_STAGES
        currency = self.currency
        return [
            Cell(row.client_name),
            Cell(row.title),
            Cell(row.stage, style="dim" if closed else ""),
            money(row.value, currency),
            investment_text(row, currency),
            timeline_text(row),
            f"{row.probability}%",
            money(row.weighted, currency),
            ready,
            Cell(next_text(row)),
        ]

    def action_cells(self, item: NextAction) -> list:
        """A next action's cells: when (overdue in the error colour), client, the action, the opportunity."""
        when: Cell | str
        if item.when is None:
            when = Cell("no date", style="dim")
        elif item.overdue:
            when = Cell(f"{item.when:%m-%d} overdue", style="$error")
        elif item.when == self.app.plan_day:
            when = "today"
        else:
            when = engagement_when(item.when, item.row.next_action_month, short=True)
        return [when, Cell(item.row.client_name), Cell(item.row.next_action or "–"), Cell(item.row.title)]

    @staticmethod
    def _kept(table: DataGrid, ids: list[int], added: int | None) -> int | None:
        """The row the cursor goes to in new rows: the opportunity just added, else the one it is on, else the first."""
        for candidate in (added, table.cursor_key):
            if candidate is not None and candidate in ids:
                return candidate
        return ids[0] if ids else None

    def _fill_pipeline(self, rows: list[PipelineRow], added: int | None = None) -> None:
        self._fit_columns()
        table = self.query_one(PipelineTable)
        keep = self._kept(table, [row.id for row in rows], added)
        table.set_rows(rows, key=lambda row: row.id, cells=self.pipeline_cells, keep=keep)
        empty = self.query_one("#empty", Static)
        if not rows:
            whose = f" for {self._client_name(self.scope)}" if self.scope else ""
            empty.update(Text(inert(f"No opportunities{whose} yet: press n to add one.")))
        empty.set_class(not rows, "-shown")

    def _fill_actions(self, planned: list[NextAction], added: int | None = None) -> None:
        table = self.query_one(NextActionsTable)
        keep = self._kept(table, [item.id for item in planned], added)
        table.set_rows(planned, key=lambda item: item.id, cells=self.action_cells, keep=keep)
        overdue = sum(1 for item in planned if item.overdue)
        title = self.query_one("#actions-title", Static)
        if planned:
            title.update(f"Next actions: {len(planned)}" + (f", {overdue} overdue" if overdue else ""))
        else:
            title.update("Next actions: none planned (e adds one to the selected opportunity)")
        table.display = bool(planned)

    @property
    def currency(self) -> Currency:
        return self.data.currency if self.data else NO_CURRENCY

    def _show_totals(self, totals: PipelineTotals, count: int) -> None:
        who = self._client_name(self.scope) if self.scope else "All clients"
        currency = self.currency
        self.query_one("#scope", Static).update(
            Text.assemble(
                (inert(who), "bold"),
                f" · {count} opportunities · open pipeline {money(totals.value, currency)}, weighted {money(totals.weighted, currency)}",
            )
        )
        by_stage_totals = totals.by_stage
        grid = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
        fields = (("count", str), ("value", lambda v: money(v, currency, self.stacked)), ("weighted", lambda v: money(v, currency, self.stacked)))
        if self.stacked:
            # A phone: a line per stage, the amounts in short (490k), so the table stays within the width.
            grid.add_column("")
            for name, _ in fields:
                grid.add_column(name, justify="right")
            for stage in STAGES:
                total = by_stage_totals.get(stage)
                grid.add_row(stage, *(fmt(getattr(total, name)) if total else "–" for name, fmt in fields))
            grid.add_row(Text("open", style="bold"), *(Text(fmt(getattr(totals, name)), style="bold") for name, fmt in fields))
            self.query_one("#totals", Static).update(grid)
            return
        grid.add_column("")
        for stage in STAGES:
            grid.add_column(stage, justify="right")
        grid.add_column("open", justify="right", style="bold")

        def line(label: str, field: str, fmt) -> list[str]:
            cells = [fmt(getattr(by_stage_totals[s], field)) if s in by_stage_totals else "–" for s in STAGES]
            return [label, *cells, fmt(getattr(totals, field))]

        for name, fmt in fields:
            grid.add_row(*line(name, name, fmt))
        self.query_one("#totals", Static).update(grid)

    def _client_name(self, client_id: str | None) -> str:
        for row in self.rows.values():
            if row.client == client_id:
                return row.client_name
        return dict(self.app.clients).get(client_id or "", client_id or "")

    def on_resize(self, event: events.Resize) -> None:
        # Textual calls WorkbenchScreen.on_resize (the stacked class) too: it runs each class's handler in the MRO.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Give the columns what a new terminal width leaves."""
        if self.data is not None:
            self._fit_columns()

    def stacking_changed(self) -> None:
        if self.data is not None:
            self.show(self.data)  # the totals turn round, and the columns change

    # ----- selection -------------------------------------------------------

    def selected(self) -> PipelineRow | None:
        """The opportunity under the cursor of the focused table (the pipeline unless Next actions has focus)."""
        focused = self.focused
        table = focused if isinstance(focused, NextActionsTable) else self.query_one(PipelineTable)
        key = table.cursor_key
        return self.rows.get(cast(int, key)) if key is not None else None  # the tables are keyed by opportunity id

    def _show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("")
            return
        parts = [row.client_name, row.title]
        if self.stacked:  # the columns left out
            parts += [row.stage, f"{money(row.value, self.currency)} at {row.probability}%"]
        parts += [row.readiness, row.source.replace("_", " ")]
        if row.investment_low is not None or row.investment_high is not None:
            parts.append(f"investment {investment_range(row.investment_low, row.investment_high, currency=self.currency)}")
        if row.start_month is not None or row.end_month is not None:
            parts.append(timeline(row.start_month, row.end_month))
        if row.next_action or row.next_action_date:
            parts.append(f"next: {next_action_text(row.next_action, row.next_action_date, row.next_action_month)}")
        detail.update(Text(inert(" · ".join(parts))))

    def on_data_grid_row_highlighted(self, event: DataGrid.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

    def on_data_grid_row_selected(self, event: DataGrid.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _need_selected(self) -> PipelineRow | None:
        row = self.selected()
        if row is None:
            self.notify("Select an opportunity first", severity="warning")
        return row

    # ----- writing ---------------------------------------------------------

    def _save(self, row: PipelineRow, opportunity: Opportunity, summary: str, month: int | None = None) -> None:
        """Save over the version this screen loaded; a refusal (someone saved in between) reloads their version.

        ``month`` N puts the next action N months after the client's go-live.
        """
        from ...app import commands
        from ...app.errors import StoreError

        def change(session) -> str:
            try:
                commands.update_opportunity(session, row.id, opportunity, row.version, next_action_month=month)
            except StoreError as exc:
                # A failed write reloads the screen, so the store's advice to reload becomes a statement.
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
        summary = f"{row.client_name}: {row.title} {row.stage} → {opportunity.stage} ({opportunity.probability}%)"
        if step != "lost" and (opportunity.stage == "won" or row.stage in ("won", "lost")):
            # Closing a deal, or opening a closed one again, sets its probability: asked first, as lost is.
            self.app.push_screen(ConfirmDialog(f"{summary}?"), lambda yes: self._save(row, opportunity, summary) if yes else None)
            return
        self._save(row, opportunity, summary)

    def action_converse(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("Select an opportunity first", severity="warning")
            return
        from ..screens.checkin import CheckinScreen

        self.app.push_screen(CheckinScreen(row.client, self.app.plan_day, "expansion", opportunity_id=row.id))

    def action_lost(self) -> None:
        row = self._need_selected()
        if row is None:
            return
        if row.stage not in OPEN_STAGES:
            self.notify(f"'{row.title}' is {row.stage} already; only open opportunities can be marked lost", severity="warning")
            return
        self.app.push_screen(
            ConfirmDialog(f"Mark '{row.title}' of {row.client_name} as lost?"), lambda yes: self.action_move("lost") if yes else None
        )

    def action_edit(self) -> None:
        from ..widgets.forms import opportunity_form

        row = self._need_selected()
        if row is None:
            return

        def save(result: tuple[Opportunity, int | None] | None) -> None:
            if result is not None:
                opportunity, month = result
                self._save(row, edited(row, opportunity), f"{row.client_name}: '{opportunity.title}' saved", month)

        self.app.push_screen(opportunity_form(row.client_name, form_values(row)), save)

    def new_for(self) -> str | None:
        """Whose opportunity ``n`` adds: the client in scope, else the selected row's client, else the current client."""
        if self.scope:
            return self.scope
        row = self.selected()
        return row.client if row else self.app.client_id

    def action_new(self) -> None:
        from ..widgets.forms import opportunity_form

        client_id = self.new_for()
        if client_id is None:
            self.notify("There are no clients yet: add one first", severity="warning")
            return
        name = self._client_name(client_id)

        def add(result: tuple[Opportunity, int | None] | None) -> None:
            if result is None:
                return
            from ...app import commands

            opportunity, month = result

            def change(session) -> str:
                self.pending_select = commands.add_opportunity(session, client_id, next_action_month=month, **opportunity.model_dump())
                return f"{name}: opportunity '{opportunity.title}' added"

            self.write(change)

        self.app.push_screen(opportunity_form(name, None), add)

    def action_toggle_scope(self) -> None:
        if not self.scope_client and self.app.client_id is None:
            self.notify("Choose a client first (c)", severity="warning")
            return
        self.scope_client = not self.scope_client
        self.reload()
