"""Screen 2, Portfolio: every client's health for quick triage, sorted and filtered on the rows already loaded."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from ..widgets.tables import CachedTable, Cell, band_cell, band_text, cycle, delta_text
from ..screens.base import WorkbenchScreen

BAND_RANK = {"red": 0, "yellow": 1, "green": 2, None: 3}
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
PHASE_SHORT = {"pre_go_live": "pre", "stabilization": "stab.", "optimization": "optim.", "scaling_handover": "scale",
               "steady_state": "steady"}
KIND_SHORT = {"quarterly": "QBR", "monthly": "month", "biweekly": "biwk", "weekly": "week", "intervention": "interv",
              "recovery": "recov", "daily": "daily"}
TIER_SHORT = {"platinum": "plat", "gold": "gold", "silver": "silv"}
NAME_MIN, NAME_MAX, NAME_FULL = 13, 32, 18


# ----- pure helpers (tested without a terminal) ---------------------------------

def _sort_value(row: dict, key: str):
    """The value a sort orders by, or None for rows that always go last (never assessed)."""
    if key == "critical":
        return None if row["band"] is None else (BAND_RANK[row["band"]], row["overall"])
    if key == "overall":
        return row["overall"]
    if key == "name":
        return row["client_name"].casefold()
    if key == "phase":
        return row["day"]
    if key == "pipeline":
        return -(row["weighted_pipeline"] or 0)
    raise ValueError(f"unknown sort {key!r}; expected one of: {', '.join(SORT_LABELS)}")


def sort_rows(rows: list[dict], key: str = "critical", reverse: bool = False) -> list[dict]:
    """Portfolio rows in the order of ``key`` (see SORT_LABELS), or its reverse.

    Clients never assessed stay last whichever way a health sort runs; ties go by name, then id.
    """
    by_name = sorted(rows, key=lambda r: (r["client_name"].casefold(), r["client"]))
    present = [r for r in by_name if _sort_value(r, key) is not None]
    missing = [r for r in by_name if _sort_value(r, key) is None]
    return sorted(present, key=lambda r: _sort_value(r, key), reverse=reverse) + missing


def matches(row: dict, query: str) -> bool:
    """True when ``query`` is part of the client's name or id, ignoring case."""
    query = query.strip().casefold()
    return not query or query in row["client_name"].casefold() or query in row["client"].casefold()


def filter_rows(rows: list[dict], band: str | None = None, tier: str | None = None,
                owner: str | None = None, query: str = "") -> list[dict]:
    """The rows that pass every filter given (None or "" means: do not filter on it)."""
    return [
        r for r in rows
        if (band is None or r["band"] == band)
        and (tier is None or r["tier"] == tier)
        and (owner is None or r["owner"] == owner)
        and matches(r, query)
    ]


def band_counts(rows: list[dict]) -> dict[str | None, int]:
    """How many rows are in each band (None: never assessed), most critical first."""
    counts: dict[str | None, int] = {band: 0 for band in BAND_RANK}
    for row in rows:
        counts[row["band"]] += 1
    return counts


def money(value: float | None, compact: bool = False) -> str:
    """Money as 327,800, or in at most six characters when compact: 950, 82.5k, 328k, 1.25M."""
    if not value:
        return "–"
    if not compact:
        return f"{value:,.0f}"
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e5:
        return f"{value / 1e3:.0f}k"
    if value >= 1e3:
        return f"{value / 1e3:.1f}k".replace(".0k", "k")
    return f"{value:.0f}"


def phase_text(row: dict, compact: bool = False) -> str:
    """Support phase and day number: "optimization · d45", compact "optim. d45"."""
    if compact:
        return f"{PHASE_SHORT.get(row['phase'], row['phase'])} d{row['day']}"
    return f"{PHASE_WORD.get(row['phase'], row['phase'])} · d{row['day']}"


def touchpoint_text(row: dict, day: date | None = None) -> str:
    """The next touchpoint as "06-15 weekly"; given the planning ``day``, compact and relative: "+2d week", "today recov".

    Engagements no longer active have no touchpoints and say so instead.
    """
    if row["status"] != "active":
        return row["status"].replace("_", " ")
    touchpoint = row["next_touchpoint"]
    if not touchpoint:
        return "–"
    if day is None:
        return f"{touchpoint['date'][5:]} {touchpoint['kind']}"
    days = (date.fromisoformat(touchpoint["date"]) - day).days
    return f"{'today' if days == 0 else f'+{days}d'} {KIND_SHORT[touchpoint['kind']]}"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ----- the screen --------------------------------------------------------------

class PortfolioTable(CachedTable):
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
        self.rows: list[dict] = []
        self.loaded = False
        self.sort_key = "critical"
        self.sort_reverse = False
        self.band: str | None = None
        self.tier: str | None = None
        self.query_text = ""
        self._last_width = 0

    def compose_body(self):
        yield Static("Loading the portfolio…", id="summary")
        yield Input(placeholder="Search: part of a client's name or id (escape clears)", id="search")
        yield Static("", id="empty", classes="empty")
        yield PortfolioTable(cursor_type="row", zebra_stripes=True, id="portfolio")

    def on_mount(self) -> None:
        self.query_one(PortfolioTable).focus()
        # Cell colours come from the theme's variables: draw again when the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.loaded and self.render_rows())
        super().on_mount()

    def fetch(self, store, day, client_id):
        from ...views import portfolio_view

        return portfolio_view(store, day, self.app.rules)

    def show(self, data: list[dict]) -> None:
        self.rows = data
        self.loaded = True
        self.render_rows()

    # ----- drawing ---------------------------------------------------------

    def visible_rows(self) -> list[dict]:
        owner = self.app.user if self.app.mine_only else None
        shown = filter_rows(self.rows, self.band, self.tier, owner, self.query_text)
        return sort_rows(shown, self.sort_key, self.sort_reverse)

    def _layout(self, rows: list[dict], compact: bool) -> tuple[list[str], list[list]]:
        """Headers and cells after the client column: every field in its own column, or merged and shortened."""
        variables = self.app.theme_variables
        warning = variables.get("warning", "")
        cells = []
        for row in rows:
            overall = "–" if row["overall"] is None else f"{row['overall']:.1f}"
            on_target = f"{row['kpis_on_target']}/{row['kpis']}" if row["kpis"] else "–"
            pipeline = Cell(money(row["weighted_pipeline"], compact), justify="right")
            if compact:
                health = band_text(self.app, row["band"]).append(f" {overall}")
                kpis = Text(on_target)
                if row["backsliding"]:
                    kpis.append(f" ↘{row['backsliding']}", style=warning)
                cells.append([health, delta_text(row["delta"]), phase_text(row, True), touchpoint_text(row, self.app.plan_day), kpis,
                              pipeline, TIER_SHORT.get(row["tier"], row["tier"])])
            else:
                backsliding = Cell(str(row["backsliding"]), style=warning if row["backsliding"] else "dim", justify="right")
                cells.append([Cell(overall, justify="right"), band_cell(self.app, row["band"]), delta_text(row["delta"]),
                              row["tier"], phase_text(row), touchpoint_text(row), backsliding, on_target, pipeline])
        if compact:
            # The tier goes last: on the narrowest terminals it is the column that scrolls out of sight.
            headers = ["health", "Δ", "phase", "next", "KPIs ↘", "pipe", "tier"]
        else:
            headers = ["score", "band", "Δ", "tier", "phase · day", "next touchpoint", "slipping", "on target", "pipeline"]
        return headers, cells

    @staticmethod
    def _widths(headers: list[str], cells: list[list]) -> int:
        """Room the columns take, with one space of padding either side of each."""
        columns = zip(*cells) if cells else [[] for _ in headers]
        return sum(max([len(h)] + [c.cell_len if isinstance(c, (Text, Cell)) else len(c) for c in column]) + 2
                   for h, column in zip(headers, columns))

    def render_rows(self) -> None:
        table = self.query_one(PortfolioTable)
        selected = self.selected_id()
        shown = self.visible_rows()
        # Room for the table's content: its width less a vertical scrollbar and the name column's padding.
        room = (table.size.width or self.size.width or 80) - 2 - 2
        headers, cells = self._layout(shown, compact=False)
        if room - self._widths(headers, cells) < NAME_FULL:
            headers, cells = self._layout(shown, compact=True)
        longest = max([len(r["client_name"]) for r in shown] + [6])
        name_width = max(NAME_MIN, min(NAME_MAX, longest, room - self._widths(headers, cells)))
        table.clear(columns=True)
        table.add_column("client", width=name_width, key="client")
        for header in headers:
            table.add_column(header, key=header)
        table.fill(list(zip(shown, cells)),
                   lambda item: ([Cell(clip(item[0]["client_name"], name_width)), *item[1]], item[0]["client"]), selected)
        self._last_width = table.size.width
        self.update_summary(shown)

    def update_summary(self, shown: list[dict]) -> None:
        owner = self.app.user if self.app.mine_only else None
        # Band counts over what the other filters let through, so they say what the band filter would show.
        counts = band_counts(filter_rows(self.rows, None, self.tier, owner, self.query_text))
        summary = Text()
        for band, count in counts.items():
            summary.append_text(band_text(self.app, band))
            summary.append(f" {count}  ")
        filters = [f"band {self.band}" if self.band else "", f"tier {self.tier}" if self.tier else "",
                   f"mine ({self.app.user})" if self.app.mine_only else "",
                   f"search “{self.query_text}”" if self.query_text else ""]
        filters = [f for f in filters if f]
        summary.append(f"│ {len(shown)} of {len(self.rows)} clients" + (": " + ", ".join(filters) if filters else ""))
        labels = SORT_LABELS_REVERSED if self.sort_reverse else SORT_LABELS
        summary.append(f" │ {labels[self.sort_key]}", style="dim")
        self.query_one("#summary", Static).update(summary)

        empty = self.query_one("#empty", Static)
        if not self.rows:
            empty.update("No clients yet: import a portfolio (carebench import FILE) or try the demo (carebench demo-data).")
        elif not shown:
            empty.update("No client matches: press b, f or m to widen the filters, or escape to clear the search.")
        empty.set_class(not shown, "-shown")

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Give the name column what a new terminal width leaves."""
        if self.loaded and self.query_one(PortfolioTable).size.width != self._last_width:
            self.render_rows()

    # ----- selection -------------------------------------------------------

    def selected_id(self) -> str | None:
        table = self.query_one(PortfolioTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_open(self) -> None:
        client_id = self.selected_id()
        if client_id:
            self.app.open_client(client_id, "health")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_client(event.row_key.value, "health")

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
