"""Amounts on the workbench carry the team's currency as the reports write them, once the rules name one.

The demo portfolio of 2026-06-15 with ``[money] currency = "USD"`` imported through `carebench rules import`, as
the report tests set it; "USD" is also the unit of one of Corvane Freight's KPIs (cost per shipment), whose values
are then amounts too.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from carebench.app.present import NO_CURRENCY, Currency, names_currency, with_unit
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.expansion import PipelineTable
from carebench.ui.screens.kpis import KpiRow
from carebench.ui.screens.portfolio import PortfolioTable
from carebench.ui.screens.practice import MetricsTable, OwnersTable
from conftest import drawn_lines, rendered, settle, settle_until

DAY = date(2026, 6, 15)


@pytest.fixture
def usd_db(demo_db, run, tmp_path):
    exported = run.ok("rules", "export", db=demo_db).stdout
    rules = tmp_path / "rules.toml"
    rules.write_text(re.sub(r"(?m)^#? ?currency = .*$", 'currency = "USD"', exported), encoding="utf-8")
    run.ok("rules", "import", rules, db=demo_db)
    return demo_db


async def shown(app, pilot, mode: str):
    await settle(app, pilot)
    await app.switch_mode(mode)
    await settle_until(app, pilot, lambda: getattr(app.screen, "data", None) is not None)
    await settle(app, pilot)
    return app.screen


def test_a_unit_that_names_the_currency_makes_a_value_an_amount():
    usd, dollar = Currency("USD", before=True, space=True), Currency("$")
    assert names_currency("usd", usd) and names_currency(" $ ", dollar)
    assert not names_currency("USD", dollar) and not names_currency("", NO_CURRENCY) and not names_currency("%", usd)
    assert with_unit(192.35, "USD", usd) == "USD 192.35" and with_unit(1500, "$", dollar) == "$1,500"
    assert with_unit(192.35, "USD") == "192.35 USD" and with_unit(192.35, "USD", dollar) == "192.35 USD"  # another currency: a unit
    assert with_unit(90.4, "%", usd) == "90.4%" and with_unit(None, "USD", usd) == "–"


async def test_portfolio_pipelines_carry_the_currency(usd_db):
    app = CarebenchApp(usd_db, today=DAY, user="ana")
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await shown(app, pilot, "portfolio")
        table = screen.query_one(PortfolioTable)
        corvane = next(i for i, row in enumerate(table.rows) if row.client == "corvane-freight")
        assert screen.layout_kind == "full" and drawn_lines(table)[1 + corvane].rstrip().endswith("USD 64,500")
        await pilot.resize_terminal(100, 30)  # compact: in short
        await settle_until(app, pilot, lambda: screen.layout_kind == "compact")
        assert "USD 64.5k" in drawn_lines(table)[1 + corvane]
        await pilot.resize_terminal(45, 40)  # stacked: the pipeline is said under the table
        await settle_until(app, pilot, lambda: screen.layout_kind == "stacked")
        table.move_cursor(corvane)
        await settle(app, pilot)
        assert "pipeline USD 64,500" in rendered(screen.query_one("#reason"))


async def test_kpi_money_the_money_kpis_and_the_charts_axis_carry_the_currency(usd_db):
    app = CarebenchApp(usd_db, today=DAY, user="ana", client="corvane-freight")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await shown(app, pilot, "kpis")
        financials = rendered(screen.query_one("#financials"))
        assert "Monthly savings USD 33,800 (2026-05) · YTD USD 223,700 · cumulative USD 336,600" in financials
        assert "investment USD 420,000" in financials
        row = screen.query(KpiRow).first()
        assert row.key == "cost_per_shipment" and screen.query_one("KpiChart").kpi_key == "cost_per_shipment"
        text = rendered(row.query_one(".kpi-text"))
        assert "USD 192.35" in text and "baseline USD 212 → target USD 175" in text
        from textual_plotext import PlotextPlot

        plot = drawn_lines(screen.query_one(PlotextPlot))
        ticks = [line.split("┤")[0].strip() for line in plot if "┤" in line]
        assert ticks[0] == "USD 212" and ticks[-1] == "USD 175" and all(tick.startswith("USD ") for tick in ticks), ticks
        assert any("baseline USD 212" in line for line in plot) and any("target USD 175" in line for line in plot)
        # a KPI in another unit keeps its axis as plotext writes numbers
        await pilot.press("down")
        await settle(app, pilot)
        plot = drawn_lines(screen.query_one(PlotextPlot))
        assert not any("USD" in line for line in plot)


async def test_expansion_values_carry_the_currency(usd_db):
    app = CarebenchApp(usd_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await shown(app, pilot, "expansion")
        assert "open pipeline USD 976,000, weighted USD 327,800" in rendered(screen.query_one("#scope"))
        totals = rendered(screen.query_one("#totals"))
        assert "value USD 490,000 USD 190,000" in totals and "USD 976,000" in totals
        first = drawn_lines(screen.query_one(PipelineTable))[1]
        assert "USD 150,000" in first and "USD 22,500" in first
        assert "investment USD 60,000–USD 90,000" in rendered(screen.query_one("#detail"))


async def test_practice_revenue_carries_the_currency(usd_db):
    app = CarebenchApp(usd_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await shown(app, pilot, "practice")
        metrics = " ".join(drawn_lines(screen.query_one(MetricsTable)))
        assert "USD 143,000" in metrics and "USD 327,800" in metrics
        owners = drawn_lines(screen.query_one(OwnersTable))
        sam = next(line for line in owners if line.startswith(" sam"))
        assert "USD 95k" in sam and "USD 198k" in sam
