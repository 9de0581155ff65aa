"""Screen 6, Practice: the practice's outcomes across clients, who is behind each number, and its lessons learned."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...app.inputs import inert
from ...app.present import NO_CURRENCY, Currency, percent
from ...app.readmodels import Document
from ...core.calendar import add_months
from ..screens.base import WorkbenchScreen
from ..screens.portfolio import money
from ..widgets.chrome import KeyBar
from ..widgets.grid import Column, DataGrid
from ..widgets.tables import Cell, cycle

BLOCKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"

# The periods `p` steps through, the first one shown when the screen opens.
PERIODS: tuple[str, ...] = ("12m", "ytd", "3m")
PERIOD_LABELS = {"12m": "last 12 months", "ytd": "year to date", "3m": "last 3 months"}

LABEL_MIN, LABEL_MAX = 18, 34
VALUE_MIN = 12
TREND_HEADER, TREND_HEADER_SHORT = "6 quarters", "trend"
COUNT_HEADER = "clients"
# Labels for narrow terminals, where the full ones would squeeze the values.
SHORT_LABELS = {
    "sustained_6m": "Sustained at 6 months",
    "sustained_12m": "Sustained at 12 months",
    "follow_on_revenue": "Follow-on revenue won",
    "referrals_converted": "Referrals converted",
}


# ----- pure helpers (tested without a terminal) ---------------------------------


def period_start(period: str, end: date) -> date:
    """The first day of ``period`` (see PERIODS) when it ends on ``end``."""
    if period == "12m":
        return add_months(end, -12) + timedelta(days=1)
    if period == "3m":
        return add_months(end, -3) + timedelta(days=1)
    if period == "ytd":
        return date(end.year, 1, 1)
    raise ValueError(f"unknown period {period!r}; expected one of: {', '.join(PERIODS)}")


def spark(values: list[float | None]) -> str:
    """A trend as block characters, lowest to highest of the known values; · where there is no data.

    A flat trend sits at the bottom when it is zero, in the middle otherwise.
    """
    known = [v for v in values if v is not None]
    if not known:
        return NO_DATA * len(values)
    low, high = min(known), max(known)
    marks = []
    for value in values:
        if value is None:
            marks.append(NO_DATA)
        elif high == low:
            marks.append(BLOCKS[0] if value == 0 else BLOCKS[3])
        else:
            marks.append(BLOCKS[round((value - low) / (high - low) * (len(BLOCKS) - 1))])
    return "".join(marks)


def health_text(value: float | None, change: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" + ("" if change is None else f" {change:+.1f}")


# The per-consultant table: header and how a cell reads from that consultant's metrics (amounts in the currency given).
OWNER_COLUMNS: list[tuple[str, Callable[[Mapping[str, Any], Currency], str]]] = [
    ("clients", lambda m, cur: str(m["clients"])),
    ("retention", lambda m, cur: percent(m["retention_rate"])),
    ("6m ok", lambda m, cur: percent(m["sustained_6m"])),
    ("12m ok", lambda m, cur: percent(m["sustained_12m"])),
    ("health", lambda m, cur: health_text(m["average_health"], m["average_health_change"])),
    ("done", lambda m, cur: percent(m["on_time_share"])),
    ("won", lambda m, cur: money(m["follow_on_revenue"], compact=True, currency=cur)),
    ("pipeline", lambda m, cur: money(m["weighted_pipeline"], compact=True, currency=cur)),
    ("NPS", lambda m, cur: "–" if m["nps"] is None else f"{m['nps']:+d}"),
]
# Stacked (a phone), the consultants' columns shown; and the metrics' and asks' columns.
STACKED_OWNER_COLUMNS = frozenset({"consultant", "clients", "health", "pipeline"})


def owner_cells(metrics: Mapping, currency: Currency = NO_CURRENCY) -> list[str]:
    return [cell(metrics, currency) for _, cell in OWNER_COLUMNS]


def trend_cell(values: Sequence[float | None]) -> Cell:
    """A metric's quarterly trend as a sparkline, in the theme's accent; dim when no quarter has data."""
    marks = spark(list(values))
    return Cell(marks, style="dim" if set(marks) <= {NO_DATA} else "$accent")


def content_widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's width: its widest text, the header's included."""
    return [max([cell_len(header), *(cell_len(inert(row[n])) for row in rows)]) for n, header in enumerate(headers)]


def metric_key(row: Mapping) -> str:
    return row["key"]


def ask_key(ask: Mapping) -> str:
    return ask["client"]


def ask_cells(ask: Mapping) -> list:
    return [Cell(ask["client_name"]), Cell(ask["owner"]), Cell(ask["reason"])]


# ----- widgets ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodResults:
    """The practice's results (see app.practice) for one of the periods `p` steps through, and the currency of its amounts."""

    period: str
    results: Document
    currency: Currency = NO_CURRENCY


class MetricsTable(DataGrid):
    """One row per practice metric: what it is, its value, its quarterly trend, how many clients are behind it."""

    BINDINGS = [Binding("enter", "select_row", "Clients", id="practice.clients", tooltip="List the clients behind the selected number")]


class OwnersTable(DataGrid, can_focus=False):
    """The period's figures per consultant (shown for everyone's clients)."""


class AsksTable(DataGrid):
    """Clients to ask for a testimonial or referral, with why."""

    BINDINGS = [Binding("enter", "select_row", "Open client", id="practice.open_ask", tooltip="Show the selected client's health")]


class Lower(VerticalScroll, can_focus=False):
    """The consultants' figures and the suggested asks, scrolled when the terminal is short."""


class ClientList(OptionList):
    BINDINGS = [Binding("enter", "select", "Open client", id="practice.open_client", tooltip="Show the selected client's health")]


class BehindPanel(ModalScreen[str | None]):
    """The clients behind one number; enter opens one (its id is the result), escape closes."""

    DEFAULT_CSS = """
    BehindPanel { align: center middle; }
    BehindPanel > Vertical { width: 72; max-width: 96%; height: auto; max-height: 85%; border: round $primary;
                             background: $surface; padding: 0 1; }
    BehindPanel #behind-title { height: auto; }
    BehindPanel ClientList, BehindPanel ClientList:focus { height: auto; max-height: 18; border: none; padding: 0; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="practice.close_panel", tooltip="Back to the metrics")]

    def __init__(self, metric: Mapping, period: str) -> None:
        super().__init__()
        self.metric = metric
        self.period = period

    def compose(self):
        metric = self.metric
        count = len(metric["clients"])
        title = Text.assemble(
            (metric["label"], "bold"),
            f": {metric['text']}\n",
            (f"{count} client{'s' if count != 1 else ''} behind this number, {self.period}", "dim"),
        )
        names = sorted(zip(metric["client_names"], metric["clients"]), key=lambda pair: (pair[0].casefold(), pair[1]))
        with Vertical():
            yield Static(title, id="behind-title")
            yield ClientList(*[Option(Text.assemble(inert(name), ("  " + inert(cid), "dim")), id=cid) for name, cid in names], id="behind")
        yield KeyBar()

    def on_mount(self) -> None:
        clients = self.query_one(ClientList)
        clients.highlighted = 0
        clients.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


# ----- the screen ------------------------------------------------------------------


class PracticeScreen(WorkbenchScreen):
    """Practice outcomes for a period: metrics with their trend, per consultant, and asks.

    The period ends on the planning day; `p` steps through the periods, `o` shows only the user's clients
    (shared with Today and Portfolio's mine filter). Lessons and decisions are found with `/`, the search
    every screen has (with nothing typed it lists them all, newest first).
    """

    SHOWS_CLIENT = False

    TITLE = "Practice"
    BINDINGS = [
        Binding("p", "cycle_period", "Period", id="practice.period", tooltip="Last 12 months, year to date or last 3 months, up to the planning day"),
        Binding("o", "toggle_mine", "Mine/all", id="practice.mine", tooltip="Only the clients you own, or everyone's"),
    ]
    DEFAULT_CSS = """
    PracticeScreen #practice-title { height: auto; padding: 0 1; }
    PracticeScreen #overview { height: 1fr; }
    PracticeScreen MetricsTable { height: auto; max-height: 12; }
    PracticeScreen Lower { height: 1fr; }
    PracticeScreen .table-title { height: 1; padding: 0 1; margin-top: 1; }
    PracticeScreen.-stacked .table-title { height: auto; }
    PracticeScreen OwnersTable { height: auto; }
    PracticeScreen AsksTable { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.period = PERIODS[0]
        self.data: PeriodResults | None = None
        self.metrics: dict[str, Mapping] = {}
        self.labels: dict[str, str] = {}  # the metrics' labels, full or short for the width shown
        self._last_width = 0

    def compose_body(self):
        yield Static("Loading the practice's results…", id="practice-title")
        with Vertical(id="overview"):
            yield MetricsTable(zebra_stripes=True, id="metrics")
            yield Static("", id="metric-detail", classes="row-line stacked-only")
            with Lower(id="lower"):
                yield Static("", id="owners-title", classes="table-title panel-title")
                yield OwnersTable(zebra_stripes=True, show_cursor=False, id="owners")
                yield Static("", id="asks-title", classes="table-title panel-title")
                yield AsksTable(zebra_stripes=True, id="asks")
                yield Static("", id="ask-detail", classes="row-line stacked-only")

    def on_mount(self) -> None:
        # The cells name theme variables, so the tables follow a new theme by themselves.
        self.query_one(MetricsTable).focus()
        super().on_mount()

    def fetch(self, session, client_id) -> PeriodResults:
        from ...app import practice, queries

        period, day = self.period, session.today
        owner = self.app.user if self.app.mine_only else None
        return PeriodResults(period, practice.practice(session, period_start(period, day), day, owner), queries.currency(session))

    # ----- drawing ---------------------------------------------------------

    def show(self, data: PeriodResults) -> None:
        self.data = data
        results = data.results
        self.metrics = {row["key"]: row for row in results["metrics"]}
        scope = f"mine ({results['owner']})" if results["owner"] else "everyone's"
        count = results["clients"]
        title = Text.assemble(
            ("Practice", "bold"),
            f" — {results['from']} to {results['to']} · {count} client{'s' if count != 1 else ''}",
            f" · {PERIOD_LABELS[data.period]} · {scope}",
        )
        if not count:
            title.append(
                "\nNo client was live in this period: press p for a longer one" + (", or o for everyone's clients." if results["owner"] else "."),
                style="dim",
            )
        self.query_one("#practice-title", Static).update(title)
        self._fill_metrics()
        self._fill_owners(results)
        self._fill_asks(results)

    def _fill_metrics(self) -> None:
        """The metrics in columns fitted to the table's width: the labels first, the values take what is left."""
        table = self.query_one(MetricsTable)
        rows = list(self.metrics.values())
        # Room inside the table, less a vertical scrollbar and the padding of four columns.
        room = (table.size.width or self.size.width or 100) - 2 - 8
        longest_value = max([cell_len(r["text"]) for r in rows] + [5])
        labels = {r["key"]: r["label"] for r in rows}
        trend_header = TREND_HEADER
        if self.stacked or room - len(TREND_HEADER) - len(COUNT_HEADER) - longest_value < max(map(len, labels.values()), default=0):
            labels = {key: SHORT_LABELS.get(key, label) for key, label in labels.items()}
            trend_header = TREND_HEADER_SHORT
        self.labels = labels
        trend_w = max(len(trend_header), max([len(r["trend"]) for r in rows] + [0]))
        fixed = trend_w + len(COUNT_HEADER)
        longest_label = max([len(label) for label in labels.values()] + [6])
        # The value may be cut (with an ellipsis) when the terminal is too narrow for the longest.
        label_w = max(LABEL_MIN, min(LABEL_MAX, longest_label, room - fixed - VALUE_MIN))
        value_w = max(VALUE_MIN, min(longest_value, room - fixed - label_w))
        columns: tuple[Column, ...] = (
            Column("metric", label_w),
            Column("value", value_w),
            Column(trend_header, trend_w),
            Column(COUNT_HEADER, len(COUNT_HEADER), justify="right"),
        )
        if self.stacked:  # a phone: the metric and its value, the line under the table says the rest
            label_w = min(longest_label, room + 4 - VALUE_MIN)  # room + 4: the table less its scrollbar and two columns' padding
            columns = (Column("metric", label_w), Column("value", None, min_width=VALUE_MIN), *(replace(c, visible=False) for c in columns[2:]))
        if columns != table.columns:
            table.set_columns(columns)
        # The cursor stays on its metric; the cells are asked for again (the labels may have changed).
        table.set_rows(rows, key=metric_key, cells=self.metric_cells)
        self._last_width = table.size.width
        self.show_details()

    def metric_cells(self, row: Mapping) -> list:
        count = len(row["clients"])
        return [
            self.labels.get(row["key"], row["label"]),
            row["text"],
            trend_cell(row["trend"]),
            Cell(str(count), justify="right") if count else Cell("–", style="dim", justify="right"),
        ]

    def _fill_owners(self, results: Document) -> None:
        table = self.query_one(OwnersTable)
        title = self.query_one("#owners-title", Static)
        owners = results["by_owner"]
        shown = bool(owners)
        table.display = title.display = shown
        title.update("By consultant" if self.stacked else "By consultant  [dim](6m/12m ok: results sustained; done: touchpoints done)[/]")
        currency = self.data.currency if self.data else NO_CURRENCY
        rows = [(self._owner_name(owner), *owner_cells(metrics, currency), owner) for owner, metrics in owners.items()]
        headers = ["consultant", *(header for header, _ in OWNER_COLUMNS)]
        widths = content_widths(headers, rows)
        table.set_columns(
            [
                Column(headers[0], widths[0]),
                *(
                    Column(header, width, justify="right", visible=not self.stacked or header in STACKED_OWNER_COLUMNS)
                    for header, width in zip(headers[1:], widths[1:])
                ),
            ]
        )
        user = self.app.user
        table.set_rows(rows, key=lambda row: row[-1], cells=lambda row: [Cell(row[0], style="bold" if row[-1] == user else ""), *row[1:-1]])

    def _owner_name(self, owner: str) -> str:
        return owner + (" (you)" if owner == self.app.user else "")

    def _fill_asks(self, results: Document) -> None:
        table = self.query_one(AsksTable)
        title = self.query_one("#asks-title", Static)
        asks = results["suggested_asks"]
        table.display = bool(asks)
        if asks:
            title.update(f"Ask for a testimonial or referral: {len(asks)} client{'s' if len(asks) != 1 else ''}")
        else:
            title.update(
                "Ask for a testimonial or referral: nobody right now  "
                "[dim](green clients who have not given one or referred anyone, once a quarter)[/]"
            )
        headers = ["client", "owner", "why"]
        widths = content_widths(headers, [(ask["client_name"], ask["owner"], ask["reason"]) for ask in asks])
        # Stacked (a phone), the client and its owner: the line under the table says why.
        table.set_columns([Column(header, width, visible=not (self.stacked and header == "why")) for header, width in zip(headers, widths)])
        table.set_rows(asks, key=ask_key, cells=ask_cells)
        self.show_details()

    def show_details(self) -> None:
        """Stacked, what the metric and the ask under the cursors have beyond their columns, in the lines under the tables."""
        if not self.stacked:
            return
        metrics, asks = self.query_one(MetricsTable), self.query_one(AsksTable)
        metric = metrics.rows[metrics.cursor_index] if metrics.row_count else None
        text = ""
        if metric is not None:
            count = len(metric["clients"])
            behind = f"{count} client{'s' if count != 1 else ''} behind it" + (" (enter lists them)" if count else "")
            text = f"{metric['label']}: {metric['text']} · trend {spark(list(metric['trend']))} · {behind}"
        self.query_one("#metric-detail", Static).update(inert(text))
        ask = asks.rows[asks.cursor_index] if asks.row_count else None
        self.query_one("#ask-detail", Static).update(inert(f"{ask['client_name']}: {ask['reason']}") if ask else "")

    def on_data_grid_row_highlighted(self, event: DataGrid.RowHighlighted) -> None:
        self.show_details()

    def stacking_changed(self) -> None:
        if self.data is not None:
            self.show(self.data)

    def on_resize(self, event: events.Resize) -> None:
        # Textual calls WorkbenchScreen.on_resize (the stacked class) too: it runs each class's handler in the MRO.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Give the value column what a new terminal width leaves."""
        if self.data is not None and self.query_one(MetricsTable).size.width != self._last_width:
            self._fill_metrics()

    # ----- opening -----------------------------------------------------------

    def on_data_grid_row_selected(self, event: DataGrid.RowSelected) -> None:
        event.stop()
        if isinstance(event.grid, MetricsTable):
            self.open_metric(cast(str, event.key))  # metrics are keyed by name, asks by client id
        elif isinstance(event.grid, AsksTable):
            self.app.open_client(cast(str, event.key))

    def open_metric(self, key: str) -> None:
        metric = self.metrics.get(key)
        if metric is None or self.data is None:
            return
        if not metric["clients"]:
            self.notify(f"{metric['label']}: no client is behind this number for {PERIOD_LABELS[self.data.period]}")
            return
        period = f"{self.data.results['from']} to {self.data.results['to']}"
        self.app.push_screen(BehindPanel(metric, period), lambda chosen: self.app.open_client(chosen) if chosen else None)

    # ----- period and scope ----------------------------------------------------

    def action_cycle_period(self) -> None:
        self.period = cycle(PERIODS, self.period)
        self.reload()

    def action_toggle_mine(self) -> None:
        self.app.mine_only = not self.app.mine_only
        self.reload()
