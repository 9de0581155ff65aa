"""Screen 2, Portfolio: every client's health for quick triage, sorted and filtered on the rows already loaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Input, Static

from ...app.inputs import inert
from ...app.present import NO_CURRENCY, Currency
from ...app.present import money as present_money
from ...app.readmodels import TriageRow
from ...core.terms import BAND_ORDER
from ..screens.base import WorkbenchScreen
from ..widgets.grid import Column, DataGrid, Justify
from ..widgets.tables import Cell, band_grid_cell, band_text, cycle, delta_text

BAND_FILTERS: tuple[str | None, ...] = (None, "red", "yellow", "green")
TIER_FILTERS: tuple[str | None, ...] = (None, "platinum", "gold", "silver")

# What each sort means when first pressed; pressing its key again reverses it.
SORT_LABELS = {
    "critical": "most critical first",
    "overall": "lowest score first",
    "name": "name A-Z",
    "phase": "earliest day first",
    "pipeline": "largest pipeline first",
}
SORT_LABELS_REVERSED = {
    "critical": "healthiest first",
    "overall": "highest score first",
    "name": "name Z-A",
    "phase": "latest day first",
    "pipeline": "smallest pipeline first",
}

# Phase words and touchpoint kinds, full and in the compact layout used on narrow terminals.
PHASE_WORD = {
    "pre_go_live": "pre-go-live",
    "stabilization": "stabilization",
    "optimization": "optimization",
    "scaling_handover": "scaling",
    "steady_state": "steady",
}
PHASE_SHORT = {"pre_go_live": "pre", "stabilization": "stab.", "optimization": "optim.", "scaling_handover": "scale", "steady_state": "steady"}
KIND_SHORT = {
    "quarterly": "QBR",
    "monthly": "month",
    "retrospective": "retro",
    "biweekly": "biwk",
    "weekly": "week",
    "intervention": "interv",
    "recovery": "recov",
    "daily": "daily",
}
TIER_SHORT = {"platinum": "plat", "gold": "gold", "silver": "silv"}
NAME_MIN, NAME_MAX, NAME_FULL = 13, 32, 18


# ----- pure helpers (tested without a terminal) ---------------------------------


def _sort_value(row: TriageRow, key: str):
    """The value a sort orders by, or None for rows that always go last (never assessed, in a sort by score).

    "Most critical first" is core.triage.critical_order, which the row carries: clients not assessed
    take their place by what is known of them.
    """
    if key == "critical":
        return row.critical
    if key == "overall":
        return row.overall
    if key == "name":
        return row.client_name.casefold()
    if key == "phase":
        return row.day
    if key == "pipeline":
        return -(row.weighted_pipeline or 0)
    raise ValueError(f"unknown sort {key!r}; expected one of: {', '.join(SORT_LABELS)}")


def sort_rows(rows: Sequence[TriageRow], key: str = "critical", reverse: bool = False) -> list[TriageRow]:
    """Portfolio rows in the order of ``key`` (see SORT_LABELS), or its reverse.

    Clients never assessed stay last whichever way a sort by score runs; ties go by name, then id.
    """
    by_name = sorted(rows, key=lambda r: (r.client_name.casefold(), r.client))
    present = [r for r in by_name if _sort_value(r, key) is not None]
    missing = [r for r in by_name if _sort_value(r, key) is None]
    return sorted(present, key=lambda r: _sort_value(r, key), reverse=reverse) + missing


def matches(row: TriageRow, query: str) -> bool:
    """True when ``query`` is part of the client's name or id, ignoring case."""
    query = query.strip().casefold()
    return not query or query in row.client_name.casefold() or query in row.client.casefold()


def filter_rows(
    rows: Sequence[TriageRow], band: str | None = None, tier: str | None = None, owner: str | None = None, query: str = ""
) -> list[TriageRow]:
    """The rows that pass every filter given (None or "" means: do not filter on it)."""
    return [
        r
        for r in rows
        if (band is None or r.band == band) and (tier is None or r.tier == tier) and (owner is None or r.owner == owner) and matches(r, query)
    ]


def band_counts(rows: Sequence[TriageRow]) -> dict[str | None, int]:
    """How many rows are in each band (None: never assessed), most critical first."""
    counts: dict[str | None, int] = {band: 0 for band in BAND_ORDER}
    for row in rows:
        counts[row.band] += 1
    return counts


def money(value: float | None, compact: bool = False, currency: Currency = NO_CURRENCY) -> str:
    """A pipeline in whole units (in at most six characters and the currency when compact); none at all reads as a dash."""
    return present_money(value or None, whole=True, compact=compact, currency=currency)


def phase_text(row: TriageRow, compact: bool = False) -> str:
    """Support phase and day number in words, "optimization, day 45"; compact (80 columns) "optim. d45"."""
    if compact:
        return f"{PHASE_SHORT.get(row.phase, row.phase)} d{row.day}"
    return f"{PHASE_WORD.get(row.phase, row.phase)}, day {row.day}"


def touchpoint_text(row: TriageRow, day: date | None = None, compact: bool = False) -> str:
    """The next touchpoint: "06-15 weekly"; given the planning ``day``, relative in words, "weekly in 2 days",
    "recovery today", and compact (80 columns) "+2d week", "today recov".

    Engagements no longer active have no touchpoints and say so instead.
    """
    if row.status != "active":
        return row.status.replace("_", " ")
    touchpoint = row.next_touchpoint
    if not touchpoint:
        return "–"
    if day is None:
        return f"{touchpoint.date:%m-%d} {touchpoint.kind}"
    days = (touchpoint.date - day).days
    if compact:
        return f"{'today' if days == 0 else f'+{days}d'} {KIND_SHORT.get(touchpoint.kind, touchpoint.kind)}"
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
    return f"{touchpoint.kind} {when}"


def score_text(row: TriageRow) -> str:
    return "–" if row.overall is None else f"{row.overall:.1f}"


def on_target_text(row: TriageRow) -> str:
    return f"{row.kpis_on_target}/{row.kpis}" if row.kpis else "–"


def kpis_text(row: TriageRow) -> str:
    """KPIs on target, and how many are slipping back after an arrow: "1/10 ↘7"."""
    return on_target_text(row) + (f" ↘{row.backsliding}" if row.backsliding else "")


def reason_text(row: TriageRow, compact: bool = False) -> str:
    """Why the client stands where it does (core.triage), in words or, compact, in at most SHORT_WIDTH cells."""
    return (row.reason_short if compact else row.reason) or "–"


def health_text(row: TriageRow) -> str:
    return band_grid_cell(row.band, f" {score_text(row)}").plain if row.band else NOT_ASSESSED


# How a client never assessed reads where its band would.
NOT_ASSESSED = "– not assessed"

# The columns after the client's, in three layouts: label, how a row's text reads, and how it lines up.
# Full: every field in words in a column of its own. Words: the fields merged, still in words (the columns
# after the next touchpoint may scroll). Compact (80 columns): short forms; the tier goes last, the column
# that scrolls out of sight on the narrowest terminals.
Columns = tuple[tuple[str, Callable[[TriageRow, date, Currency], str], Justify], ...]
FULL_COLUMNS: Columns = (
    ("score", lambda r, day, cur: score_text(r), "right"),
    ("band", lambda r, day, cur: band_grid_cell(r.band).plain if r.band else NOT_ASSESSED, "left"),
    ("Δ", lambda r, day, cur: delta_text(r.delta), "left"),
    ("why", lambda r, day, cur: reason_text(r), "left"),
    ("tier", lambda r, day, cur: r.tier, "left"),
    ("phase, day", lambda r, day, cur: phase_text(r), "left"),
    ("next touchpoint", lambda r, day, cur: touchpoint_text(r, day), "left"),
    ("slipping", lambda r, day, cur: str(r.backsliding), "right"),
    ("on target", lambda r, day, cur: on_target_text(r), "left"),
    ("pipeline", lambda r, day, cur: money(r.weighted_pipeline, currency=cur), "right"),
)
WORDS_COLUMNS: Columns = (
    ("health", lambda r, day, cur: health_text(r), "left"),
    ("Δ", lambda r, day, cur: delta_text(r.delta), "left"),
    ("why", lambda r, day, cur: reason_text(r), "left"),
    ("phase, day", lambda r, day, cur: phase_text(r), "left"),
    ("next touchpoint", lambda r, day, cur: touchpoint_text(r, day), "left"),
    ("KPIs ↘", lambda r, day, cur: kpis_text(r), "left"),
    ("pipe", lambda r, day, cur: money(r.weighted_pipeline, True, cur), "right"),
    ("tier", lambda r, day, cur: r.tier, "left"),
)
COMPACT_COLUMNS: Columns = (
    ("health", lambda r, day, cur: band_grid_cell(r.band, f" {score_text(r)}").plain, "left"),
    ("Δ", lambda r, day, cur: delta_text(r.delta), "left"),
    ("why", lambda r, day, cur: reason_text(r, True), "left"),
    ("phase", lambda r, day, cur: phase_text(r, True), "left"),
    ("next", lambda r, day, cur: touchpoint_text(r, day, True), "left"),
    ("KPIs ↘", lambda r, day, cur: kpis_text(r), "left"),
    ("pipe", lambda r, day, cur: money(r.weighted_pipeline, True, cur), "right"),
    ("tier", lambda r, day, cur: TIER_SHORT.get(r.tier, r.tier), "left"),
)
# In words the reason is cut at WHY_MAX cells, WHY_WORDS_MAX in the words layout (the line under the table
# has it whole); the words layout is taken when its columns up to the next touchpoint fit.
WHY_MAX, WHY_WORDS_MAX, WORDS_SHOWN = 30, 24, 5
# Stacked (below NARROW_WIDTH), the columns of the compact layout shown after the name: health and change.
STACKED_SHOWN = 2


@dataclass(frozen=True)
class Layouts:
    """How wide each column's longest text is over the whole portfolio, in both layouts, and the longest name."""

    full: tuple[int, ...]
    words: tuple[int, ...]
    compact: tuple[int, ...]
    name: int


def layouts(rows: Sequence[TriageRow], day: date, currency: Currency = NO_CURRENCY) -> Layouts:
    """The widths the columns need for ``rows`` (worked out once per load, so filtering never moves them)."""

    # Measured as drawn (text from the database is shown inert, its controls written out), each text once.
    def widest(texts) -> int:
        return max(map(cell_len, map(inert, set(texts))), default=0)

    def widths(columns) -> tuple[int, ...]:
        return tuple(max(cell_len(label), widest(text(row, day, currency) for row in rows)) for label, text, _ in columns)

    longest = widest(row.client_name for row in rows)

    def capped(columns, most: int) -> tuple[int, ...]:
        return tuple(min(w, most) if label == "why" else w for (label, _, _), w in zip(columns, widths(columns)))

    return Layouts(capped(FULL_COLUMNS, WHY_MAX), capped(WORDS_COLUMNS, WHY_WORDS_MAX), widths(COMPACT_COLUMNS), max(6, longest))


@dataclass(frozen=True)
class Portfolio:
    """The triage rows of the planning day, the column widths they need and the currency of the pipelines."""

    rows: tuple[TriageRow, ...]
    layouts: Layouts
    day: date
    currency: Currency = NO_CURRENCY


def client_key(row: TriageRow) -> str:
    return row.client


# ----- the screen --------------------------------------------------------------


class PortfolioTable(DataGrid):
    """One row per client: health, phase, next touchpoint, KPIs and pipeline."""


class PortfolioScreen(WorkbenchScreen):
    """Every client in one table; sorting, filters and search work on the loaded rows without a reload.

    The filters: band, tier, mine (owner is the user, shared with Today) and a search on name or id.
    The band counts in the summary line count what the other filters let through.
    """

    SHOWS_CLIENT = False

    TITLE = "Portfolio"
    BINDINGS = [
        Binding("enter", "open", "Open", id="portfolio.open", tooltip="Show the selected client's health"),
        Binding("o", "sort('overall')", "Score", id="portfolio.sort_overall", tooltip="Sort by overall score (again: reverse)"),
        Binding("n", "sort('name')", "Name", id="portfolio.sort_name", tooltip="Sort by name (again: reverse)"),
        Binding("p", "sort('phase')", "Phase", id="portfolio.sort_phase", tooltip="Sort by phase and day (again: reverse)"),
        Binding("w", "sort('pipeline')", "Pipeline", id="portfolio.sort_pipeline", tooltip="Sort by weighted pipeline (again: reverse)"),
        Binding("b", "cycle_band", "Band", id="portfolio.band", tooltip="Show all, red, yellow or green clients"),
        Binding("f", "cycle_tier", "Tier", id="portfolio.tier", tooltip="Show all, platinum, gold or silver clients"),
        Binding("m", "toggle_mine", "Mine/all", id="portfolio.mine", tooltip="Only the clients you own, or everyone's"),
        Binding("slash", "search", "Search", key_display="/", id="portfolio.search", tooltip="Filter by name or id as you type"),
        Binding("plus", "new_client", "+Client", key_display="+", id="portfolio.new_client", tooltip="Add a client engagement"),
        Binding("e", "edit_client", "Edit", id="portfolio.edit_client", tooltip="Change the selected client's details, status or tier"),
        Binding("a", "add_action", "+Action", id="portfolio.add_action", tooltip="Add an action item for the selected client"),
        Binding("escape", "clear_search", "Clear search", id="portfolio.clear_search"),
    ]
    DEFAULT_CSS = """
    PortfolioScreen #summary { height: auto; padding: 0 1; }
    PortfolioScreen #search { display: none; height: 1; border: none; padding: 0 1; }
    PortfolioScreen #search.-shown { display: block; }
    PortfolioScreen #empty { display: none; height: auto; }
    PortfolioScreen #empty.-shown { display: block; }
    PortfolioScreen PortfolioTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.data = Portfolio((), layouts((), date.today()), date.today())
        self.shown: list[TriageRow] = []
        self.loaded = False
        self.compact = False  # the layout shown is the compact one (80 columns)
        self.layout_kind = "full"  # full | words | compact
        self.sort_key = "critical"
        self.sort_reverse = False
        self.band: str | None = None
        self.tier: str | None = None
        self.query_text = ""
        self._last_width = 0

    @property
    def rows(self) -> tuple[TriageRow, ...]:
        """Every client's row as loaded, before sorting and filters."""
        return self.data.rows

    def compose_body(self):
        yield Static("Loading the portfolio…", id="summary")
        yield Input(placeholder="Search: part of a client's name or id (escape clears)", id="search")
        yield Static("", id="empty", classes="empty")
        yield PortfolioTable(zebra_stripes=True, id="portfolio")
        yield Static("", id="reason", classes="muted row-line")

    def on_mount(self) -> None:
        self.query_one(PortfolioTable).focus()
        # The cells name theme variables and follow a new theme by themselves; the summary is drawn again.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update_summary() if self.loaded else None)
        super().on_mount()

    def fetch(self, session, client_id) -> Portfolio:
        from ...app import queries

        rows, currency = queries.triage(session), queries.currency(session)
        return Portfolio(rows, layouts(rows, session.today, currency), session.today, currency)

    def show(self, data: Portfolio) -> None:
        self.data = data
        self.loaded = True
        self.render_rows()

    # ----- drawing ---------------------------------------------------------

    def visible_rows(self) -> list[TriageRow]:
        owner = self.app.user if self.app.mine_only else None
        shown = filter_rows(self.rows, self.band, self.tier, owner, self.query_text)
        return sort_rows(shown, self.sort_key, self.sort_reverse)

    def columns_for(self, width: int) -> tuple[str, tuple[Column, ...]]:
        """The layout a table ``width`` cells wide takes ("full", "words", "compact" or "stacked"), and its columns.

        Every field has a column of its own when the client's name keeps NAME_FULL cells beside
        them; else the fields are merged, still in words, when those up to the next touchpoint fit
        beside NAME_MIN cells of name; else they are shortened. Stacked (a phone), only the name,
        health and change have columns: the line under the table says the rest of the row under
        the cursor. The name takes what is left.
        """
        layouts_ = self.data.layouts
        room = width - 2 - 2  # less a vertical scrollbar and the name column's padding
        if self.stacked:
            specs, widths = COMPACT_COLUMNS[:STACKED_SHOWN], layouts_.compact[:STACKED_SHOWN]
            name_width = max(6, min(NAME_MAX, layouts_.name, room - sum(w + 2 for w in widths)))
            return "stacked", (Column("client", name_width), *(Column(label, w, justify=justify) for (label, _, justify), w in zip(specs, widths)))
        if room - sum(w + 2 for w in layouts_.full) >= NAME_FULL:
            kind, specs, widths, counted = "full", FULL_COLUMNS, layouts_.full, layouts_.full
        elif room - sum(w + 2 for w in layouts_.words[:WORDS_SHOWN]) >= NAME_MIN:
            kind, specs, widths, counted = "words", WORDS_COLUMNS, layouts_.words, layouts_.words[:WORDS_SHOWN]
        else:
            kind, specs, widths, counted = "compact", COMPACT_COLUMNS, layouts_.compact, layouts_.compact
        name_width = max(NAME_MIN, min(NAME_MAX, layouts_.name, room - sum(w + 2 for w in counted)))
        return kind, (Column("client", name_width), *(Column(label, w, justify=justify) for (label, _, justify), w in zip(specs, widths)))

    def row_cells(self, row: TriageRow) -> list:
        """A row's cells in the layout shown."""
        name = Cell(row.client_name)
        day, currency = self.data.day, self.data.currency
        if self.layout_kind != "full":
            compact = self.layout_kind in ("compact", "stacked")
            kpis = Cell(kpis_text(row), style="$warning" if row.backsliding else "")
            health = band_grid_cell(row.band, f" {score_text(row)}") if row.band or compact else Cell(NOT_ASSESSED, style="dim")
            return [
                name,
                health,
                delta_text(row.delta),
                reason_text(row, compact),
                phase_text(row, compact),
                touchpoint_text(row, day, compact),
                kpis,
                money(row.weighted_pipeline, True, currency),
                TIER_SHORT.get(row.tier, row.tier) if compact else row.tier,
            ]
        slipping = Cell(str(row.backsliding), style="$warning" if row.backsliding else "dim")
        return [
            name,
            score_text(row),
            band_grid_cell(row.band) if row.band else Cell(NOT_ASSESSED, style="dim"),
            delta_text(row.delta),
            reason_text(row),
            Cell(row.tier),
            phase_text(row),
            touchpoint_text(row, day),
            slipping,
            on_target_text(row),
            money(row.weighted_pipeline, currency=currency),
        ]

    def reason_line(self, row: TriageRow | None) -> Text:
        """The line under the table: the selected client's reason, phase and next touchpoint, all in words; stacked,
        also its KPIs, pipeline and tier, which have no column then."""
        if row is None:
            return Text("")
        parts = [row.client_name, reason_text(row), phase_text(row), f"next: {touchpoint_text(row, self.data.day)}"]
        if self.layout_kind == "stacked":
            if row.kpis:
                parts.append(f"{on_target_text(row)} KPIs on target" + (f", {row.backsliding} slipping" if row.backsliding else ""))
            parts += [f"pipeline {money(row.weighted_pipeline, currency=self.data.currency)}", row.tier]
        return Text(inert(" · ".join(parts)))

    def show_reason(self) -> None:
        key = self.query_one(PortfolioTable).cursor_key
        selected = next((r for r in self.shown if r.client == key), None)
        self.query_one("#reason", Static).update(self.reason_line(selected))

    def on_data_grid_row_highlighted(self, event: DataGrid.RowHighlighted) -> None:
        event.stop()
        self.show_reason()

    def render_rows(self) -> None:
        table = self.query_one(PortfolioTable)
        self.shown = self.visible_rows()
        self.layout_kind, columns = self.columns_for(table.size.width or self.size.width or 80)
        self.compact = self.layout_kind == "compact"
        if columns != table.columns:
            table.set_columns(columns)
        # The cursor stays on its client; the cells are asked for again, in the layout now shown.
        table.set_rows(self.shown, key=client_key, cells=self.row_cells)
        self._last_width = table.size.width
        self.update_summary()
        self.show_reason()

    def update_summary(self) -> None:
        owner = self.app.user if self.app.mine_only else None
        # Band counts over what the other filters let through, so they say what the band filter would show.
        counts = band_counts(filter_rows(self.rows, None, self.tier, owner, self.query_text))
        summary = Text()
        for band, count in counts.items():
            summary.append_text(band_text(self.app, band))
            summary.append(f" {count}  ")
        filters = [
            f"band {self.band}" if self.band else "",
            f"tier {self.tier}" if self.tier else "",
            f"mine ({self.app.user})" if self.app.mine_only else "",
            f"search “{inert(self.query_text)}”" if self.query_text else "",
        ]
        filters = [f for f in filters if f]
        summary.append(f"│ {len(self.shown)} of {len(self.rows)} clients" + (": " + ", ".join(filters) if filters else ""))
        labels = SORT_LABELS_REVERSED if self.sort_reverse else SORT_LABELS
        summary.append(f" │ {labels[self.sort_key]}", style="dim")
        self.query_one("#summary", Static).update(summary)

        empty = self.query_one("#empty", Static)
        if not self.rows:
            empty.update("No clients yet: press + to add one, or import a portfolio (carebench import FILE).")
        elif not self.shown:
            empty.update("No client matches: press b, f or m to widen the filters, or escape to clear the search.")
        empty.set_class(not self.shown, "-shown")

    def on_resize(self, event: events.Resize) -> None:
        # Textual calls WorkbenchScreen.on_resize (the stacked class) too: it runs each class's handler in the MRO.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Lay the columns out again for a new terminal width."""
        if self.loaded and self.query_one(PortfolioTable).size.width != self._last_width:
            self.render_rows()

    # ----- selection -------------------------------------------------------

    def selected_id(self) -> str | None:
        return cast("str | None", self.query_one(PortfolioTable).cursor_key)  # the rows are keyed by client id

    def action_new_client(self) -> None:
        from ..upkeep import new_client

        new_client(self.app)

    def action_edit_client(self) -> None:
        from ..upkeep import edit_client

        if self.selected_id():
            edit_client(self.app, self.selected_id())

    def action_add_action(self) -> None:
        from ..upkeep import new_action

        if self.selected_id():
            new_action(self.app, self.selected_id())

    def action_open(self) -> None:
        client_id = self.selected_id()
        if client_id:
            self.app.open_client(client_id, "health")

    def on_data_grid_row_selected(self, event: DataGrid.RowSelected) -> None:
        event.stop()
        self.app.open_client(cast(str, event.key), "health")

    # ----- sorting and filters ----------------------------------------------

    def action_sort(self, key: str) -> None:
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.render_rows()

    def action_cycle_band(self) -> None:
        self.band = cycle(BAND_FILTERS, self.band)
        self.render_rows()

    def action_cycle_tier(self) -> None:
        self.tier = cycle(TIER_FILTERS, self.tier)
        self.render_rows()

    def action_toggle_mine(self) -> None:
        self.app.mine_only = not self.app.mine_only
        self.render_rows()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-shown")
        search.focus()
        self.refresh_bindings()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.remove_class("-shown")
        search.value = ""
        self.query_text = ""
        self.query_one(PortfolioTable).focus()
        self.render_rows()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_search":
            return self.is_mounted and self.query_one("#search", Input).has_class("-shown")
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value
        if self.loaded:
            self.render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search keeps the filter and moves to the table, where enter opens a client."""
        event.stop()
        self.query_one(PortfolioTable).focus()
