"""Screen 3, KPIs: one client's executive, operational and team dashboards, with the selected KPI charted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Sparkline, Static, TabbedContent, TabPane

from ...app.inputs import inert
from ...app.present import NO_CURRENCY, Currency, kept, money, number, with_unit
from ...core.kpis import on_dashboard
from ..screens.base import WorkbenchScreen
from ..widgets.adoption import AdoptionPanel
from ..widgets.charts import KpiChart

if TYPE_CHECKING:
    from ...app.readmodels import DashboardKpi, KpiDashboard, OpenAction

DASHBOARDS = {"executive": "Executive", "operational": "Operational", "team": "Team"}
# What a dashboard without KPIs says the client lacks.
NONE_SHOWN = {
    "executive": "This client has no lagging KPIs.",
    "operational": "This client has no KPIs.",
    "team": "No KPI of this client is marked for the team dashboard: mark one with m on the Operational tab.",
}
ARROW = {1: "▲", 0: "▶", -1: "▼"}
NAME_WIDTH = 26


@dataclass(frozen=True)
class KpiData:
    """What the screen shows for one client on one day: the dashboard read model and its KPIs per dashboard."""

    dashboard: KpiDashboard
    day: date
    dashboards: Mapping[str, tuple[DashboardKpi, ...]]
    currency: Currency = NO_CURRENCY


class KpiRow(Widget, can_focus=True):
    """One KPI: on-target mark, name, current, change vs baseline, baseline and target, backsliding, recent readings."""

    DEFAULT_CSS = """
    KpiRow { height: auto; min-height: 2; layout: horizontal; padding: 0 1; }
    KpiRow > .kpi-text { width: 1fr; height: auto; }
    KpiRow > Sparkline { width: 20; height: 2; margin-left: 1; }
    """

    class Selected(Message):
        """The user moved to this row (by focus or click)."""

        def __init__(self, row: KpiRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, kpi: DashboardKpi, currency: Currency = NO_CURRENCY) -> None:
        super().__init__()
        self.kpi = kpi
        self.currency = currency  # a KPI whose unit names it reads as amounts

    @property
    def key(self) -> str:
        return self.kpi.standing.key

    def retained_tooltip(self) -> str | None:
        """Why the retained share reads "—", shown on hover, for a backsliding KPI that has no meaningful share."""
        s = self.kpi.standing
        return f"Retained share: — because {s.retained_note}" if s.backsliding and s.retained_note else None

    def compose(self):
        self.tooltip = self.retained_tooltip()
        yield Static(self.describe(), classes="kpi-text")
        yield Sparkline(self.values())

    def values(self) -> list[float]:
        return [reading.value for reading in self.kpi.recent]

    def update(self, kpi: DashboardKpi, currency: Currency = NO_CURRENCY) -> None:
        self.kpi, self.currency = kpi, currency
        self.tooltip = self.retained_tooltip()
        if self.children:
            self.query_one(".kpi-text", Static).update(self.describe())
            self.query_one(Sparkline).data = self.values()

    def describe(self) -> Text:
        s = self.kpi.standing
        colours = self.app.theme_variables
        good, bad, warn = colours.get("success", ""), colours.get("error", ""), colours.get("warning", "")
        if s.on_target is None:
            mark = Text("·", style="dim")
        elif s.on_target:
            mark = Text("✓", style=good)
        else:
            mark = Text("✗", style=bad)
        name, unit = inert(s.name), inert(s.unit)
        name = name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"
        line1 = Text.assemble(mark, " ", (f"{name:<{NAME_WIDTH}}", "bold"), " ")
        if s.current is None:
            line1.append("no readings yet", style="dim")
        else:
            line1.append(f"{with_unit(s.current, unit, self.currency):>11}")
            change = s.change
            if change is not None:
                sign = (change > 0) - (change < 0)
                better = sign == (1 if s.direction == "higher" else -1)
                style = good if better else (bad if sign else "")
                line1.append(f"  {ARROW[sign]} {change:+.1f}{' pp' if s.change_unit == 'pp' else '%'}", style=style)
        line2 = Text(f"  baseline {with_unit(s.baseline, unit, self.currency)} → target {with_unit(s.target, unit, self.currency)}", style="dim")
        if s.trend:
            line2.append(f" · {s.trend}", style="dim")
        if s.backsliding:
            # A share that cannot be meaningful reads "—"; the row's tooltip says why.
            line2.append(f"  ⚠ backsliding (retained {kept(s.retained)})", style=warn)
        return Text("\n").join([line1, line2])

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    def on_click(self) -> None:
        self.focus()


class KpiList(VerticalScroll, can_focus=False, inherit_bindings=False):
    """A dashboard's rows; it leaves up/down to the screen, which moves the selection."""

    DEFAULT_CSS = """
    KpiList { height: 1fr; }
    KpiList > .rows { height: auto; }
    """


class KpiScreen(WorkbenchScreen):
    TITLE = "KPIs"
    AUTO_FOCUS = ""  # the first data load focuses the selected KPI row instead
    BINDINGS = [
        Binding("e", "dashboard('executive')", "Executive", id="kpis.tab_exec", tooltip="Lagging KPIs and financial impact"),
        Binding("o", "dashboard('operational')", "Operational", id="kpis.tab_ops", tooltip="Every KPI vs target, open action items"),
        Binding("t", "dashboard('team')", "Team", id="kpis.tab_team", tooltip="The KPIs marked for the team, of any category"),
        Binding("r", "reading", "+Reading", id="kpis.reading", tooltip="Record a reading of the selected KPI"),
        Binding("n", "new_kpi", "+KPI", id="kpis.new", tooltip="Add a KPI to the client"),
        Binding(
            "m", "edit_kpi", "Edit KPI", id="kpis.edit", tooltip="Change the selected KPI's name, unit, baseline, target, benchmark or team mark"
        ),
        Binding("a", "add_action", "+Action", id="kpis.add_action", tooltip="Add an action item for the client"),
        Binding("down", "move(1)", "Next KPI", key_display="↓", id="kpis.next"),
        Binding("up", "move(-1)", "Prev KPI", key_display="↑", id="kpis.prev"),
        Binding("j", "move(1)", "Next KPI", show=False, id="kpis.next_j"),
        Binding("k", "move(-1)", "Prev KPI", show=False, id="kpis.prev_k"),
    ]
    DEFAULT_CSS = """
    KpiScreen #kpi-summary { height: auto; padding: 0 1; }
    KpiScreen TabbedContent { height: 1fr; min-height: 8; }
    KpiScreen TabbedContent > ContentSwitcher { height: 1fr; }
    KpiScreen TabPane { height: 1fr; padding: 0; }
    KpiScreen .financials { height: auto; }
    KpiScreen .actions { height: auto; }
    KpiScreen KpiChart { height: 1fr; min-height: 8; }
    KpiScreen.-stacked TabbedContent { height: 3fr; }
    KpiScreen.-stacked KpiChart { height: 2fr; }
    KpiScreen.-stacked KpiRow { layout: vertical; }
    KpiScreen.-stacked KpiRow > .kpi-text { width: 100%; }
    KpiScreen.-stacked KpiRow > Sparkline { width: 100%; height: 1; margin-left: 0; }
    """
    # Colours through theme variables only (a candidate for app.tcss).
    CSS = """
    KpiRow.-selected { background: $boost; }
    KpiRow.-selected:focus { background: $primary-muted; }
    KpiChart { border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.selected: dict[str, str | None] = {name: None for name in DASHBOARDS}
        self.rows: dict[str, list[KpiRow]] = {name: [] for name in DASHBOARDS}
        # The dashboards whose rows wait for their tab to be shown: (their KPIs, whether the client has any).
        self.waiting: dict[str, tuple[tuple[DashboardKpi, ...], bool]] = {}
        self.data: KpiData | None = None

    def compose_body(self):
        yield Static("Loading the KPIs…", id="kpi-summary")
        with TabbedContent(initial="executive", id="dashboards"):
            for name, label in DASHBOARDS.items():
                with TabPane(label, id=name):
                    with KpiList(id=f"list-{name}"):
                        if name == "executive":
                            yield Static("", id="financials", classes="panel financials")
                        if name == "operational":
                            yield AdoptionPanel(id="adoption", classes="panel")
                        yield Vertical(id=f"rows-{name}", classes="rows")
                        if name == "operational":
                            yield Static("", id="actions", classes="panel actions")
        yield KpiChart(id="chart")

    def on_mount(self) -> None:
        # Marks and money are coloured when drawn, so a new theme redraws them from the data we have.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.show(self.data) if self.data is not None else None)
        super().on_mount()

    # ----- data -----------------------------------------------------------

    def fetch(self, session, client_id: str | None) -> KpiData | None:
        from ...app import queries

        if client_id is None:
            return None
        dashboard = queries.kpi_dashboard(session, client_id)
        dashboards = {name: tuple(k for k in dashboard.kpis if on_dashboard(name, k.standing.category, k.standing.team)) for name in DASHBOARDS}
        return KpiData(dashboard, session.today, dashboards, queries.currency(session))

    def show(self, data: KpiData | None) -> None:
        new_client = data is not None and (self.data is None or self.data.dashboard.client != data.dashboard.client)
        self.data = data
        summary = self.query_one("#kpi-summary", Static)
        tabs = self.query_one(TabbedContent)
        if data is None:
            summary.update(Text("No client chosen: press c to pick one."))
            summary.add_class("empty")
            tabs.display = False
            self.query_one(KpiChart).display = False
            return
        summary.remove_class("empty")
        tabs.display = True
        self.query_one(KpiChart).display = True
        dashboard = data.dashboard
        kpis = [k.standing for k in dashboard.kpis]
        on_target = sum(1 for k in kpis if k.on_target)
        measured = sum(1 for k in kpis if k.on_target is not None)
        backsliding = sum(1 for k in kpis if k.backsliding)
        line = Text.assemble((inert(dashboard.client_name), "bold"), f" · {len(kpis)} KPIs")
        if kpis:
            line.append(f" · {on_target} of {measured} on target")
            if backsliding:
                line.append(f" · {backsliding} backsliding", style=self.app.theme_variables.get("warning", ""))
        else:
            line.append(" · no KPIs yet: add one with `carebench add-kpi`")
        summary.update(line)
        # Only the tab shown gets its rows now, the others when they are shown: mounting every tab's rows (three
        # widgets a KPI) made the first visit about twice as long.
        self.waiting = {name: (data.dashboards[name], bool(kpis)) for name in DASHBOARDS}
        self._show_waiting_rows(self.dashboard)
        self._show_financials(dashboard.financials)
        self.query_one(AdoptionPanel).show(dashboard.rollout)
        self._show_actions(dashboard.action_items, data.day)
        self._show_chart()
        # Put the keyboard on the selected row for a new client, or when the focused row went away.
        focused = self.focused
        if new_client or focused is None or (isinstance(focused, KpiRow) and focused not in self.rows[self.dashboard]):
            self.call_after_refresh(self._focus_selected)

    def _show_waiting_rows(self, name: str) -> None:
        if name in self.waiting:
            self._show_rows(name, *self.waiting.pop(name))

    def _show_rows(self, name: str, kpis: tuple[DashboardKpi, ...], has_any: bool) -> None:
        box = self.query_one(f"#rows-{name}", Vertical)
        keys = [k.standing.key for k in kpis]
        if self.selected[name] not in keys:
            self.selected[name] = keys[0] if keys else None
        if [row.key for row in self.rows[name]] == keys and keys:
            for row, kpi in zip(self.rows[name], kpis):
                row.update(kpi, self.currency)
        else:
            box.remove_children()
            if kpis:
                self.rows[name] = [KpiRow(k, self.currency) for k in kpis]
                box.mount_all(self.rows[name])
            else:
                self.rows[name] = []
                message = NONE_SHOWN[name] if has_any else "This client has no KPIs yet: add one with `carebench add-kpi`."
                box.mount(Static(message, classes="empty"))
        self._mark_selected(name)

    def _mark_selected(self, name: str) -> None:
        for row in self.rows[name]:
            row.set_class(row.key == self.selected[name], "-selected")

    @property
    def currency(self) -> Currency:
        return self.data.currency if self.data else NO_CURRENCY

    def _show_financials(self, money_: Mapping) -> None:
        colours = self.app.theme_variables
        currency = self.currency
        roi, target = money_["roi"], money_["roi_target"]
        text = Text.assemble(("Financial impact", "bold"), "\n")
        month = f" ({inert(money_['latest_month'])})" if money_["latest_month"] else ""
        text.append(
            f"Monthly savings {money(money_['monthly_savings'], currency=currency)}{month} · "
            f"YTD {money(money_['ytd_savings'], currency=currency)} · cumulative {money(money_['cumulative_savings'], currency=currency)}\n"
        )
        if roi is None:
            text.append("ROI – (no investment recorded)", style="dim")
        else:
            meets = roi >= target
            text.append(
                f"ROI {number(roi)}% (target {number(target)}%) · {'meets target' if meets else 'below target'}",
                style=colours.get("success" if meets else "error", ""),
            )
            text.append(f" · investment {money(money_['investment'], currency=currency)}", style="dim")
        self.query_one("#financials", Static).update(text)

    def _show_actions(self, items: tuple[OpenAction, ...], day: date) -> None:
        text = Text.assemble((f"Open action items ({len(items)})", "bold"))
        if not items:
            text.append("\nnone open", style="dim")
        colours = self.app.theme_variables
        priority_style = {"high": colours.get("error", ""), "medium": colours.get("warning", ""), "low": "dim"}
        for item in sorted(items, key=lambda a: ({"high": 0, "medium": 1, "low": 2}[a.priority], a.due)):
            overdue = item.due < day
            text.append("\n")
            text.append(f"{item.priority:<6}", style=priority_style[item.priority])
            text.append(f" {inert(item.text)}")
            text.append(f" · due {item.due}" + (" (overdue)" if overdue else ""), style=colours.get("error", "") if overdue else "dim")
            if item.owner:
                text.append(f" · {inert(item.owner)}", style="dim")
        self.query_one("#actions", Static).update(text)

    # ----- selection and chart -------------------------------------------

    # ----- keeping the KPIs ---------------------------------------------------

    def action_reading(self) -> None:
        from ..upkeep import record_reading

        kpi = self.selected_kpi()
        record_reading(self.app, self.data.dashboard.client if self.data else None, kpi.standing.key if kpi else None)

    def action_new_kpi(self) -> None:
        from ..upkeep import new_kpi

        new_kpi(self.app, self.data.dashboard.client if self.data else None)

    def action_edit_kpi(self) -> None:
        from ..upkeep import edit_kpi

        kpi = self.selected_kpi()
        if self.data is None or kpi is None:
            self.notify("No KPI selected: n adds one", severity="warning")
            return
        edit_kpi(self.app, self.data.dashboard.client, self.data.dashboard.client_name, kpi.standing)

    def action_add_action(self) -> None:
        from ..upkeep import new_action

        new_action(self.app, self.data.dashboard.client if self.data else None)

    @property
    def dashboard(self) -> str:
        return self.query_one(TabbedContent).active or "executive"

    def selected_kpi(self) -> DashboardKpi | None:
        name = self.dashboard
        return next((row.kpi for row in self.rows[name] if row.key == self.selected[name]), None)

    def _show_chart(self) -> None:
        chart = self.query_one(KpiChart)
        if self.data is None:
            return
        if not self.rows[self.dashboard]:
            chart.show_kpi(None, "No KPI to chart on this dashboard.")
        else:
            chart.show_kpi(self.selected_kpi(), currency=self.currency)

    def on_kpi_row_selected(self, message: KpiRow.Selected) -> None:
        name = self.dashboard
        if message.row in self.rows[name] and self.selected[name] != message.row.key:
            self.selected[name] = message.row.key
            self._mark_selected(name)
            self._show_chart()

    def on_tabbed_content_tab_activated(self, message: TabbedContent.TabActivated) -> None:
        self._show_waiting_rows(self.dashboard)
        self._show_chart()

    def action_dashboard(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        self._show_waiting_rows(name)
        self._show_chart()
        self._focus_selected()

    def action_move(self, step: int) -> None:
        name = self.dashboard
        rows = self.rows[name]
        if not rows:
            return
        keys = [row.key for row in rows]
        current = self.selected[name]
        index = keys.index(current) if current in keys else 0
        index = max(0, min(len(rows) - 1, index + step))
        self.selected[name] = keys[index]
        self._mark_selected(name)
        self._show_chart()
        self._focus_selected()

    def _focus_selected(self) -> None:
        name = self.dashboard
        for row in self.rows[name]:
            if row.key == self.selected[name]:
                row.focus(scroll_visible=False)
                row.scroll_visible(animate=False)
