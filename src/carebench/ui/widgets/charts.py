"""Charts drawn with plotext, behind one wrapper widget so plotext is imported only when a chart is shown."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.color import Color
from textual.widget import Widget
from textual.widgets import Static

from ...app.inputs import inert
from ...app.present import NO_CURRENCY, Currency, benchmark_text, forecast_text, money, names_currency, with_unit

if TYPE_CHECKING:
    from ...app.readmodels import DashboardKpi

DAY = timedelta(days=1)
Y_TICKS = 5  # how many values an amount's axis names


class KpiChart(Widget):
    """One KPI's readings over time, with its baseline and target as labelled flat lines; above it, when the KPI reaches
    its target at the current slope and how it compares with its benchmark."""

    DEFAULT_CSS = """
    KpiChart { height: 1fr; min-height: 8; layout: vertical; }
    KpiChart > #chart-title { height: auto; padding: 0 1; }
    KpiChart > #chart-outlook { height: auto; padding: 0 1; }
    KpiChart > #chart-empty { height: auto; padding: 1 2; }
    KpiChart > PlotextPlot { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.kpi: DashboardKpi | None = None
        self.currency = NO_CURRENCY
        self._empty_reason = "No KPI selected"

    @property
    def kpi_key(self) -> str | None:
        """The key of the KPI drawn now (None when nothing is drawn)."""
        return self.kpi.standing.key if self.kpi else None

    def compose(self):
        # Imported here, not at module level: the app starts without loading plotext.
        from textual_plotext import PlotextPlot

        yield Static("", id="chart-title")
        yield Static("", id="chart-outlook")
        yield Static("", id="chart-empty", classes="empty")
        yield PlotextPlot(id="chart-plot")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())
        self._draw()

    def show_kpi(self, kpi: DashboardKpi | None, empty_reason: str = "No KPI selected", currency: Currency = NO_CURRENCY) -> None:
        """Draw ``kpi`` (a KPI's standing with its recent readings), or say why there is nothing to draw.

        A KPI whose unit names ``currency`` is drawn as amounts: its axis and lines are labelled as money is written."""
        self.kpi, self.currency = kpi, currency
        self._empty_reason = empty_reason
        if self.is_mounted:
            self._draw()

    def _colour(self, name: str) -> tuple[int, int, int]:
        """A theme colour as plotext wants it; translucent ones are blended over the surface first."""
        variables = self.app.theme_variables
        colour = Color.parse(variables.get(name, variables.get("foreground", "white")))
        return (Color.parse(variables.get("surface", "black")) + colour).rgb

    def _outlook(self) -> Text:
        """When the KPI reaches its target at the current slope (once it has readings), and its benchmark against now."""
        assert self.kpi is not None
        kpi, variables = self.kpi.standing, self.app.theme_variables
        text = Text()
        if self.kpi.recent:
            style = {"reaches": "success", "not_at_current_slope": "warning"}.get(kpi.forecast or "")
            text.append(forecast_text(kpi.forecast, kpi.forecast_date), style=variables.get(style, "") if style else "dim")
        against = benchmark_text(kpi.direction, inert(kpi.unit), kpi.benchmark, kpi.current, kpi.vs_benchmark)
        if against:
            text.append(" · " if text else "")
            text.append(against)
        return text

    def _draw(self) -> None:
        if not self.children:
            return
        from textual_plotext import PlotextPlot

        title = self.query_one("#chart-title", Static)
        outlook = self.query_one("#chart-outlook", Static)
        empty = self.query_one("#chart-empty", Static)
        plot = self.query_one(PlotextPlot)
        if self.kpi is None:
            title.update(Text(""))
            outlook.display = False
            empty.update(Text(self._empty_reason))
            empty.display, plot.display = True, False
            return
        kpi, readings = self.kpi.standing, self.kpi.recent
        better = "higher" if kpi.direction == "higher" else "lower"
        count = f"{len(readings)} reading" + ("" if len(readings) == 1 else "s")
        # Stored names and units are made inert: plotext's output is read back as ANSI codes.
        name, unit = inert(kpi.name), inert(kpi.unit)
        title.update(Text.assemble((name, "bold"), f" · {better} is better · {count}"))
        line = self._outlook()
        outlook.update(line)
        outlook.display = bool(line)
        if not readings:
            empty.update(Text(f"No readings yet for {name}: record one with `carebench reading`."))
            empty.display, plot.display = True, False
            return
        empty.display, plot.display = False, True
        plt = plot.plt
        plt.clear_figure()
        plt.date_form("Y-m-d", "Y-m-d")
        dates = [r.date.isoformat() for r in readings]
        values = [r.value for r in readings]
        # Baseline and target as flat lines across the chart, each labelled at its right end; around a single reading
        # they span the day before to the day after (a line from a day to itself would be a dot under its label).
        first, last = (readings[0].date, readings[-1].date) if len(readings) > 1 else (readings[0].date - DAY, readings[0].date + DAY)
        ends = [first.isoformat(), last.isoformat()]
        for label, value, colour, marker in (("baseline", kpi.baseline, "foreground-muted", "┄"), ("target", kpi.target, "success", "━")):
            plt.plot(ends, [value] * len(ends), marker=marker, color=self._colour(colour))
            # plotext places text at a date on a date axis; its hint for x names only numbers.
            plt.text(f"{label} {with_unit(value, unit, self.currency)}", x=ends[-1], y=value, alignment="right", color=self._colour(colour))  # type: ignore[arg-type]
        plt.plot(dates, values, marker="braille", color=self._colour("primary"))
        if names_currency(unit, self.currency):
            # The value axis of an amount reads as amounts do elsewhere ("$212"), not as plotext writes numbers.
            low, high = min([*values, kpi.baseline, kpi.target]), max([*values, kpi.baseline, kpi.target])
            whole = high - low >= 10  # cents only on an axis that spans a few units
            ticks = sorted({round(low + (high - low) * step / (Y_TICKS - 1), 0 if whole else 2) for step in range(Y_TICKS)})
            plt.yticks(ticks, [money(tick, whole=whole, currency=self.currency) for tick in ticks])
        if len(dates) == 1:
            plt.scatter(dates, values, marker="●", color=self._colour("primary"))
            # The three days, each once (plotext takes dates on a date axis; its hint names only numbers).
            plt.xticks([ends[0], dates[0], ends[-1]])  # type: ignore[list-item]
        plot.refresh()
