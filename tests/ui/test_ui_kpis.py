"""The KPI screen (3) driven with Pilot over a small fixed-date database.

northwind  gold, go-live 2026-04-07, so 2026-06-15 is day 70 (scaling & handover).
  fcr            lagging    %     higher  60 -> 80   readings 65, 75, 85, 70: +10.0 pp, off target,
                                                      peak 85, retained (70-60)/(85-60) = 40%: backsliding
  cost_per_case  lagging    USD   lower   50 -> 40   45, 38: (38-50)/50 = -24.0 %, on target
  training       leading    %     higher   0 -> 90   40, 95: +95.0 pp, on target
  dau            leading    users higher 100 -> 150  no readings
  backlog        diagnostic tickets lower 200 -> 100 150: -25.0 %, off target
  savings 2026-04 10,000 and 2026-05 12,500.50, investment 20,000, ROI target 50 %:
  monthly 12,500.50, YTD = cumulative = 22,500.50, ROI (22,500.50 - 20,000) / 20,000 = 12.5 % (below target).
  Assessments 2026-05-04 (8.3 green) and 2026-06-01 (6.7 yellow, delta -1.6; communication 9 -> 5 drives it).
  Action items: "Fix the nightly export" high, due 2026-06-12, open; "Old chore" high, done.
quietco    silver, go-live 2026-06-01, no KPIs, no assessment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from textual.widgets import Static, TabbedContent

from carebench.core.kpis import RETAINED_WORSE
from carebench.core.models import ActionItem, Assessment, Client, Kpi, Reading, Savings, Scores
from carebench.store import Store
from conftest import rendered, settle

TODAY = date(2026, 6, 15)
NAMES = ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction", "expansion_interest")


def scores(*values: int) -> Scores:
    return Scores(**dict(zip(NAMES, values)))


def readings(*pairs: tuple[str, float]) -> list[Reading]:
    return [Reading(date=date.fromisoformat(day), value=value) for day, value in pairs]


def build_database(path) -> None:
    """Write the two clients described in this module's docstring."""
    northwind = Client(
        id="northwind",
        name="Northwind Traders",
        tier="gold",
        go_live=date(2026, 4, 7),
        owner="ana",
        investment=20000,
        roi_target=50,
        kpis=[
            Kpi(
                key="fcr",
                name="First contact resolution",
                category="lagging",
                unit="%",
                direction="higher",
                baseline=60,
                target=80,
                readings=readings(("2026-04-15", 65), ("2026-05-01", 75), ("2026-05-15", 85), ("2026-06-01", 70)),
            ),
            Kpi(
                key="cost_per_case",
                name="Cost per case",
                category="lagging",
                unit="USD",
                direction="lower",
                baseline=50,
                target=40,
                readings=readings(("2026-05-01", 45), ("2026-06-01", 38)),
            ),
            Kpi(
                key="training",
                name="Training completion",
                category="leading",
                unit="%",
                direction="higher",
                baseline=0,
                target=90,
                readings=readings(("2026-05-01", 40), ("2026-06-01", 95)),
            ),
            Kpi(key="dau", name="Daily active users", category="leading", unit="users", direction="higher", baseline=100, target=150),
            Kpi(
                key="backlog",
                name="Ticket backlog",
                category="diagnostic",
                unit="tickets",
                direction="lower",
                baseline=200,
                target=100,
                readings=readings(("2026-06-01", 150)),
            ),
        ],
        assessments=[
            # (0.4*24 + 0.3*24 + 0.3*27) / 3 = 8.3 green
            Assessment(date=date(2026, 5, 4), scores=scores(8, 8, 8, 8, 8, 8, 9, 9, 9)),
            # every component 20/3, so 6.666... -> 6.7 yellow
            Assessment(date=date(2026, 6, 1), scores=scores(7, 7, 6, 7, 6, 7, 5, 8, 7), note="calls missed"),
        ],
        savings=[Savings(month="2026-04", amount=10000), Savings(month="2026-05", amount=12500.5)],
        action_items=[
            ActionItem(text="Fix the nightly export", owner="ana", due=date(2026, 6, 12), priority="high"),
            ActionItem(text="Old chore", owner="ana", due=date(2026, 5, 1), priority="high", status="done", done_on=date(2026, 5, 2)),
        ],
    )
    quietco = Client(id="quietco", name="Quiet Company", tier="silver", go_live=date(2026, 6, 1), owner="bob")
    with Store(path, actor="ana") as store:
        store.add_client(northwind)
        store.add_client(quietco)


def private_database(tmp_path, monkeypatch):
    """The database of this module's docstring in ``tmp_path``, with private user folders (the Health tests use it too)."""
    for name, sub in (
        ("HOME", "home"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(name, str(tmp_path / sub))
    path = tmp_path / "ui.db"
    build_database(path)
    return path


@pytest.fixture
def database(tmp_path, monkeypatch):
    return private_database(tmp_path, monkeypatch)


def make_app(path, client: str | None = "northwind"):
    from carebench.ui.app import CarebenchApp

    return CarebenchApp(path, today=TODAY, user="ana", client=client)


async def open_kpis(app, pilot):
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    return app.screen


def row_keys(screen, dashboard: str) -> list[str]:
    from carebench.ui.screens.kpis import KpiRow

    return [row.key for row in screen.query(f"#rows-{dashboard} KpiRow").results(KpiRow)]


def row(screen, dashboard: str, key: str):
    return next(r for r in screen.rows[dashboard] if r.key == key)


async def test_executive_tab_shows_lagging_kpis_with_marks_and_financials(database):
    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        assert screen.TITLE == "KPIs"
        assert screen.query_one(TabbedContent).active == "executive"
        assert row_keys(screen, "executive") == ["fcr", "cost_per_case"]
        summary = rendered(screen.query_one("#kpi-summary"))
        assert "Northwind Traders · 5 KPIs · 2 of 4 on target · 1 backsliding" in summary

        fcr = rendered(row(screen, "executive", "fcr"))
        assert "✗ First contact resolution" in fcr
        assert "70% ▲ +10.0 pp" in fcr
        assert "baseline 60% → target 80%" in fcr
        assert "⚠ backsliding (retained 40%)" in fcr
        cost = rendered(row(screen, "executive", "cost_per_case"))
        assert "✓ Cost per case" in cost and "38 USD ▼ -24.0%" in cost
        assert "backsliding" not in cost
        assert row(screen, "executive", "fcr").query_one("Sparkline").data == [65, 75, 85, 70]

        money = rendered(screen.query_one("#financials"))
        assert "Monthly savings 12,500.50 (2026-05)" in money
        assert "YTD 22,500.50" in money and "cumulative 22,500.50" in money
        assert "ROI 12.5% (target 50%) · below target" in money

        chart = screen.query_one("KpiChart")
        assert chart.kpi_key == "fcr"
        assert "First contact resolution · higher is better · 4 readings" in rendered(chart)
        assert "target 80%" in rendered(chart) and "baseline 60%" in rendered(chart)
        assert row(screen, "executive", "fcr").has_class("-selected")
        assert app.focused is row(screen, "executive", "fcr")  # keys work at once

        # A reload (here: planning as of 2026-05-20) keeps the selected KPI and updates the rows in place.
        await pilot.press("down")
        await pilot.pause()
        before = row(screen, "executive", "cost_per_case")
        app.set_plan_day(date(2026, 5, 20))
        await settle(app, pilot)
        assert chart.kpi_key == "cost_per_case"
        assert row(screen, "executive", "cost_per_case") is before
        assert "45 USD ▼ -10.0%" in rendered(before)
        assert "lower is better · 1 reading" in rendered(chart)
        assert "85% ▲ +25.0 pp" in rendered(row(screen, "executive", "fcr"))  # the peak: no backsliding yet
        assert "backsliding" not in rendered(row(screen, "executive", "fcr"))


async def test_tab_keys_switch_dashboards_and_up_down_move_the_selection_and_chart(database):
    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        tabs = screen.query_one(TabbedContent)
        chart = screen.query_one("KpiChart")

        await pilot.press("o")
        await pilot.pause()
        assert tabs.active == "operational"
        assert row_keys(screen, "operational") == ["fcr", "cost_per_case", "training", "dau", "backlog"]
        actions = rendered(screen.query_one("#actions"))
        assert "Open action items (1)" in actions
        assert "high Fix the nightly export · due 2026-06-12 (overdue) · ana" in actions
        assert "Old chore" not in actions
        assert "150 tickets ▼ -25.0%" in rendered(row(screen, "operational", "backlog"))
        assert chart.kpi_key == "fcr"

        await pilot.press("down")
        await pilot.pause()
        assert chart.kpi_key == "cost_per_case"
        assert "Cost per case · lower is better · 2 readings" in rendered(chart)
        assert row(screen, "operational", "cost_per_case").has_class("-selected")
        assert not row(screen, "operational", "fcr").has_class("-selected")
        await pilot.press("j", "j")
        await pilot.pause()
        assert chart.kpi_key == "dau"
        assert "No readings yet for Daily active users" in rendered(chart)
        await pilot.press("k", "up")
        await pilot.pause()
        assert chart.kpi_key == "cost_per_case"

        await pilot.press("t")
        await pilot.pause()
        assert tabs.active == "team"
        assert row_keys(screen, "team") == ["training", "dau"]
        assert chart.kpi_key == "training"
        assert "95% ▲ +95.0 pp" in rendered(row(screen, "team", "training"))
        assert "no readings yet" in rendered(row(screen, "team", "dau"))

        # Each dashboard keeps its own selection; moving stops at the last row.
        await pilot.press("e", "down", "down")
        await pilot.pause()
        assert tabs.active == "executive"
        assert chart.kpi_key == "cost_per_case"
        await pilot.press("t")
        await pilot.pause()
        assert chart.kpi_key == "training"


async def test_client_without_kpis_and_switching_client_refreshes(database):
    app = make_app(database, client="quietco")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        assert "Quiet Company · 0 KPIs · no KPIs yet" in rendered(screen.query_one("#kpi-summary"))
        assert row_keys(screen, "executive") == []
        assert "This client has no KPIs yet" in rendered(screen.query_one("#rows-executive"))
        assert "ROI – (no investment recorded)" in rendered(screen.query_one("#financials"))
        chart = screen.query_one("KpiChart")
        assert chart.kpi_key is None
        assert "No KPI to chart on this dashboard." in rendered(chart)
        await pilot.press("o", "down")  # nothing to move; no error
        await pilot.pause()
        assert "none open" in rendered(screen.query_one("#actions"))

        app.set_client("northwind")
        await settle(app, pilot)
        assert "Northwind Traders · 5 KPIs" in rendered(screen.query_one("#kpi-summary"))
        assert row_keys(screen, "operational") == ["fcr", "cost_per_case", "training", "dau", "backlog"]
        assert chart.kpi_key == "fcr"
        assert app.focused is row(screen, "operational", "fcr")
        await pilot.press("e")
        await settle(app, pilot)
        assert row_keys(screen, "executive") == ["fcr", "cost_per_case"]


async def test_a_dashboard_draws_its_rows_when_its_tab_is_shown_and_from_the_latest_data(database):
    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        assert row_keys(screen, "executive") == ["fcr", "cost_per_case"]
        assert row_keys(screen, "operational") == []  # not drawn while its tab is hidden
        edit(database, "training", team=True)
        edit(database, "dau", name="Daily active users (all sites)")
        app.refresh_all()
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert row_keys(screen, "operational") == ["fcr", "cost_per_case", "training", "dau", "backlog"]
        assert "Daily active users (all" in rendered(row(screen, "operational", "dau"))
        await pilot.press("t")
        await settle(app, pilot)
        assert "training" in row_keys(screen, "team")


async def test_no_client_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    Store(tmp_path / "empty.db", actor="ana").close()
    app = make_app(tmp_path / "empty.db", client=None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        assert "No client chosen: press c" in rendered(screen.query_one("#kpi-summary"))
        assert not screen.query_one(TabbedContent).display
        await pilot.press("4")
        await settle(app, pilot)
        assert "No client chosen: press c" in str(app.screen.query_one("#health-title", Static).content)


def test_starting_the_app_does_not_import_plotext():
    code = (
        "import sys, json, carebench.ui.app, carebench.ui.screens.kpis, carebench.ui.widgets.charts, carebench.ui.screens.health\n"
        "print(json.dumps(sorted(m for m in sys.modules if 'plotext' in m)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


async def test_a_retained_share_that_means_nothing_reads_a_dash_and_says_why_on_hover(database):
    # The backlog falls to 150, then rises to 260: worse than its baseline of 200, a share of -120%.
    with Store(database, actor="ana") as store:
        store.add_reading("northwind", "backlog", date(2026, 6, 10), 260)
    app = make_app(database)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await open_kpis(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        backlog = row(screen, "operational", "backlog")
        assert "⚠ backsliding (retained —)" in rendered(backlog)
        assert "%)" not in rendered(backlog)
        assert backlog.tooltip == "Retained share: — because " + RETAINED_WORSE
        assert row(screen, "operational", "fcr").tooltip is None  # a share that means something needs no word


def edit(database, key: str, **fields) -> None:
    """Change KPI ``key`` of northwind (its benchmark, its team mark) as the KPI form would."""
    with Store(database, actor="ana") as store:
        kpi = next(k for k in store.client("northwind").kpis if k.key == key)
        store.update_kpi("northwind", key, kpi.model_copy(update=fields))


async def test_the_chart_says_when_the_kpi_reaches_its_target_at_the_current_slope_and_how_it_compares_with_its_benchmark(database):
    edit(database, "fcr", benchmark=75.0)
    app = make_app(database)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        chart = screen.query_one("KpiChart")
        outlook = chart.query_one("#chart-outlook", Static)
        # fcr's trend line through (0, 65) (16, 75) (30, 85) (47, 70) rises 181.25/1202.75 a day: from 70 on 06-01,
        # 10 more take 66.4 days, so it reaches 80 on 2026-08-07
        assert chart.kpi_key == "fcr"
        assert rendered(outlook) == "reaches target about 2026-08 at the current slope · benchmark 75%, now 5 pp worse"
        assert chart.kpi.standing.forecast_date == date(2026, 8, 7)
        await pilot.press("down")  # cost per case: 38 against a target of 40, lower is better
        await settle(app, pilot)
        assert chart.kpi_key == "cost_per_case" and rendered(outlook) == "on target now"
        await pilot.press("o", "down", "down", "down", "down")  # the backlog: one reading, so no slope yet
        await settle(app, pilot)
        assert chart.kpi_key == "backlog" and rendered(outlook) == "no forecast: too few readings"
        await pilot.press("up")  # daily active users: no readings, nothing to forecast
        await settle(app, pilot)
        assert chart.kpi_key == "dau" and not outlook.display
        # the backlog read again, higher: the wrong way for it
        with Store(database, actor="ana") as store:
            store.add_reading("northwind", "backlog", date(2026, 6, 10), 170)
        await pilot.press("down")
        app.refresh_all()
        await settle(app, pilot)
        assert chart.kpi_key == "backlog" and rendered(outlook) == "does not reach target at the current slope"


async def test_the_team_tab_shows_the_kpis_marked_for_the_team_of_any_category(database):
    edit(database, "fcr", team=True)  # a lagging KPI the team works on
    edit(database, "training", team=False)  # a leading one it does not
    app = make_app(database)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert row_keys(screen, "team") == ["fcr", "dau"]
        assert screen.query_one("KpiChart").kpi_key == "fcr"
        assert row_keys(screen, "executive") == ["fcr", "cost_per_case"]  # the other dashboards as before
        await pilot.press("o")
        await settle(app, pilot)
        assert row_keys(screen, "operational") == ["fcr", "cost_per_case", "training", "dau", "backlog"]
        await pilot.press("t")
        await settle(app, pilot)
        edit(database, "fcr", team=False)
        edit(database, "dau", team=False)
        app.refresh_all()
        await settle(app, pilot)
        assert row_keys(screen, "team") == []
        assert "No KPI of this client is marked for the team dashboard" in rendered(screen.query_one("#rows-team"))


def chart_rows(lines: list[str]) -> tuple[list[str], list[float]]:
    """The plot rows of a drawn plotext chart (between its frame's top and bottom lines, the y-axis labels cut off)
    and the y value each row stands for, read from the labels of its top and bottom rows (plotext puts the ends of its
    range there) and spaced evenly between them."""
    import re

    labelled = [(y, re.match(r"\s*(-?[\d.,]+)┤(.*)$", line)) for y, line in enumerate(lines)]
    labelled = [(y, match) for y, match in labelled if match]
    top, bottom = labelled[0], labelled[-1]
    first, last = top[0], bottom[0]
    high, low = (float(match.group(1).replace(",", "")) for _, match in (top, bottom))
    edge = lines[first].index("┤") + 1
    rows = [line[edge:] for line in lines[first : last + 1]]
    step = (high - low) / (last - first)
    return rows, [high - step * y for y in range(len(rows))]


@pytest.mark.parametrize("key", ["fcr", "cost_per_case", "training", "backlog"])
async def test_at_80x24_the_chart_draws_baseline_and_target_across_it_on_the_rows_nearest_their_values(database, key):
    from textual_plotext import PlotextPlot

    from conftest import drawn_lines

    app = make_app(database)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        await pilot.press("o")
        chart = screen.query_one("KpiChart")
        for _ in range(5):
            if chart.kpi_key == key:
                break
            await pilot.press("down")
            await settle(app, pilot)
        assert chart.kpi_key == key
        kpi = chart.kpi.standing
        rows, values = chart_rows(drawn_lines(screen.query_one(PlotextPlot)))
        assert len(rows) >= 4, rows
        for label, value, marker in (("baseline", kpi.baseline, "┄"), ("target", kpi.target, "━")):
            nearest = min(range(len(rows)), key=lambda y: abs(values[y] - value))
            drawn = [y for y, row in enumerate(rows) if row.count(marker) >= len(row) // 3]  # a line across the chart
            assert drawn == [nearest], (label, value, values, rows)
            assert f"{label} " in rows[nearest]
