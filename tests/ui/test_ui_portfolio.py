"""The Portfolio screen: triage order, sorting, filters, search and opening a client, through Pilot; and its pure helpers.

The portfolio, as of 2026-06-15:
acme    platinum, go-live 06-01 (day 15), owner ana, red 5.2; 1 KPI, not on target; pipeline 80,000 x 10 % = 8,000
beta    gold, go-live 04-01 (day 76), owner bob, green 8.3 then yellow 6.9 (delta -1.4); 2 KPIs, 1 on target,
        1 backsliding (60 -> 85 -> 70); pipeline 50,000 x 25 % = 12,500 (the won deal is not open pipeline)
cobalt  silver, go-live 02-02 (day 134), owner ana, green 9.0; pipeline 120,000 x 40 % = 48,000
dune    gold, go-live 06-08 (day 8), owner carl, never assessed, no pipeline
"""

from __future__ import annotations

import sys
import types
from datetime import date

import pytest
from textual.widgets import Input, Static

from carebench.app.readmodels import NextTouchpoint, TriageRow
from carebench.core.models import Assessment, Client, Kpi, Opportunity, Portfolio, Reading, Scores
from carebench.core.triage import TriageFacts, critical_order, triage_reason
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens import portfolio as portfolio_screen
from carebench.ui.screens.base import WorkbenchScreen
from carebench.ui.screens.portfolio import (
    PortfolioTable,
    band_counts,
    cycle,
    filter_rows,
    layouts,
    money,
    phase_text,
    sort_rows,
    touchpoint_text,
)
from conftest import rendered, settle

DAY = date(2026, 6, 15)
NAMES = ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction", "expansion_interest")


def scores(*values: int) -> Scores:
    return Scores(**dict(zip(NAMES, values)))


def portfolio() -> Portfolio:
    return Portfolio(
        clients=[
            Client(
                id="acme",
                name="Acme Logistics",
                tier="platinum",
                go_live=date(2026, 6, 1),
                owner="ana",
                kpis=[
                    Kpi(
                        key="uptime",
                        name="Uptime",
                        category="lagging",
                        unit="%",
                        direction="higher",
                        baseline=95,
                        target=99,
                        readings=[Reading(date=date(2026, 6, 10), value=97)],
                    )
                ],
                assessments=[Assessment(date=date(2026, 6, 5), scores=scores(5, 5, 6, 4, 5, 5, 6, 6, 5))],
                opportunities=[Opportunity(title="Extra site", value=80000, probability=10, stage="proposed")],
            ),
            Client(
                id="beta",
                name="Beta Health",
                tier="gold",
                go_live=date(2026, 4, 1),
                owner="bob",
                kpis=[
                    Kpi(
                        key="fcr",
                        name="First contact resolution",
                        category="lagging",
                        unit="%",
                        direction="higher",
                        baseline=60,
                        target=80,
                        readings=[Reading(date=date(2026, 5, 15), value=85), Reading(date=date(2026, 6, 1), value=70)],
                    ),
                    Kpi(
                        key="aht",
                        name="Handle time",
                        category="leading",
                        unit="min",
                        direction="lower",
                        baseline=10,
                        target=8,
                        readings=[Reading(date=date(2026, 6, 1), value=7.5)],
                    ),
                ],
                assessments=[
                    Assessment(date=date(2026, 5, 4), scores=scores(8, 8, 8, 8, 8, 8, 9, 9, 9)),
                    Assessment(date=date(2026, 6, 1), scores=scores(7, 7, 6, 7, 6, 7, 7, 8, 7)),
                ],
                opportunities=[
                    Opportunity(title="Analytics add-on", value=50000, probability=25),
                    Opportunity(title="Training", value=10000, probability=100, stage="won"),
                ],
            ),
            Client(
                id="cobalt",
                name="Cobalt Retail",
                tier="silver",
                go_live=date(2026, 2, 2),
                owner="ana",
                assessments=[Assessment(date=date(2026, 5, 4), scores=scores(9, 9, 9, 9, 9, 9, 9, 9, 9))],
                opportunities=[Opportunity(title="Self-service portal", value=120000, probability=40, stage="qualified")],
            ),
            Client(id="dune", name="Dune Energy", tier="gold", go_live=date(2026, 6, 8), owner="carl"),
        ]
    )


@pytest.fixture(autouse=True)
def private_folders(quiet_app):
    """Private user folders, no background polling (conftest)."""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "portfolio.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(portfolio())
    return path


async def open_portfolio(app, pilot):
    await settle(app, pilot)
    await pilot.press("2")
    await settle(app, pilot)
    return app.screen


def order(screen) -> list[str]:
    return [row.client for row in screen.query_one(PortfolioTable).rows]


def cells(table, client: str) -> list[str]:
    """The text of each cell of the client's row, as given to the table (before it is cut to its column)."""
    index = [row.client for row in table.rows].index(client)
    return [str(cell) for cell in table.row_cells(index)]


def drawn(table, client: str | None) -> list[str]:
    """The text the client's row (None: the header) shows in each column, as drawn (cut to the column's width)."""
    line = table.render_line(0 if client is None else 1 + [row.client for row in table.rows].index(client)).text
    texts, start = [], 0
    for column in table.columns:
        texts.append(line[start + 1 : start + 1 + column.width].strip())
        start += column.width + 2
    return texts


def summary(screen) -> str:
    return str(screen.query_one("#summary", Static).render())


# ----- pure helpers ------------------------------------------------------------


def row(
    client, name, band=None, overall=None, tier="gold", owner="ana", day=10, pipeline=0.0, phase="optimization", status="active", next_touchpoint=None
):
    facts = TriageFacts(tier=tier, day=day, band=band, overall=overall, status=status)
    reason = triage_reason(facts)
    return TriageRow(
        client=client,
        client_name=name,
        owner=owner,
        tier=tier,
        status=status,
        day=day,
        phase=phase,
        overall=overall,
        band=band,
        delta=None,
        assessed=None,
        next_touchpoint=next_touchpoint,
        backsliding=0,
        kpis_on_target=0,
        kpis=0,
        weighted_pipeline=pipeline,
        reason=reason.text,
        reason_short=reason.short,
        critical=critical_order(facts),
    )


ROWS = [
    row("g", "Green Co", "green", 8.5, "silver", "bob", 200, 5000.0),
    row("n", "Nobody", None, None, "platinum", "ana", 3, 0.0),
    row("r", "red one", "red", 4.0, "platinum", "ana", 40, 100.0),
    row("y", "Yellow", "yellow", 6.5, "gold", "carl", 80, 90000.0),
    row("r2", "Another red", "red", 5.5, "gold", "bob", 20, 100.0),
]


@pytest.mark.parametrize(
    ("key", "reverse", "expected"),
    [
        # Never assessed, platinum, on day 3: at risk, so after the reds and before the yellows.
        ("critical", False, ["r", "r2", "n", "y", "g"]),
        ("critical", True, ["g", "y", "n", "r2", "r"]),
        ("overall", False, ["r", "r2", "y", "g", "n"]),
        ("overall", True, ["g", "y", "r2", "r", "n"]),
        ("name", False, ["r2", "g", "n", "r", "y"]),
        ("name", True, ["y", "r", "n", "g", "r2"]),
        ("phase", False, ["n", "r2", "r", "y", "g"]),
        ("phase", True, ["g", "y", "r", "r2", "n"]),
        ("pipeline", False, ["y", "g", "r2", "r", "n"]),
        ("pipeline", True, ["n", "r2", "r", "g", "y"]),
    ],
    ids=lambda v: str(v),
)
def test_sort_rows(key, reverse, expected):
    assert [r.client for r in sort_rows(ROWS, key, reverse)] == expected


def test_sort_rows_refuses_an_unknown_key():
    with pytest.raises(ValueError, match="unknown sort"):
        sort_rows(ROWS, "colour")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["g", "n", "r", "y", "r2"]),
        ({"band": "red"}, ["r", "r2"]),
        ({"band": "green"}, ["g"]),
        ({"tier": "platinum"}, ["n", "r"]),
        ({"owner": "bob"}, ["g", "r2"]),
        ({"band": "red", "tier": "gold", "owner": "bob"}, ["r2"]),
        ({"query": "RED"}, ["r", "r2"]),
        ({"query": "  co "}, ["g"]),
        ({"query": "r2"}, ["r2"]),
        ({"query": "zzz"}, []),
    ],
    ids=["none", "band-red", "band-green", "tier", "owner", "combined", "search-ignores-case", "search-trims", "search-by-id", "search-no-match"],
)
def test_filter_rows(filters, expected):
    assert [r.client for r in filter_rows(ROWS, **filters)] == expected


def test_band_counts_and_cycles():
    assert band_counts(ROWS) == {"red": 2, "yellow": 1, "green": 1, None: 1}
    assert cycle((None, "red", "yellow", "green"), None) == "red"
    assert cycle((None, "red", "yellow", "green"), "green") is None


@pytest.mark.parametrize(
    ("value", "compact", "expected"),
    [
        (0, False, "–"),
        (None, True, "–"),
        (327800, False, "327,800"),
        (950, True, "950"),
        (8000, True, "8k"),
        (82500, True, "82.5k"),
        (327800, True, "328k"),
        (1250000, True, "1.25M"),
    ],
    ids=str,
)
def test_money(value, compact, expected):
    assert money(value, compact) == expected


def test_phase_and_touchpoint_text():
    active = row("a", "A", day=45, next_touchpoint=NextTouchpoint(date(2026, 6, 17), "intervention"))
    assert phase_text(active) == "optimization, day 45"
    assert phase_text(active, compact=True) == "optim. d45"
    assert touchpoint_text(active) == "06-17 intervention"
    assert touchpoint_text(active, DAY) == "intervention in 2 days"
    assert touchpoint_text(active, DAY, compact=True) == "+2d interv"
    tomorrow = row("a", "A", next_touchpoint=NextTouchpoint(date(2026, 6, 16), "recovery"))
    assert touchpoint_text(tomorrow, DAY) == "recovery tomorrow"
    assert touchpoint_text(tomorrow, DAY, compact=True) == "+1d recov"
    assert touchpoint_text(row("a", "A", next_touchpoint=NextTouchpoint(DAY, "daily")), DAY) == "daily today"
    assert touchpoint_text(row("a", "A", next_touchpoint=NextTouchpoint(DAY, "daily")), DAY, compact=True) == "today daily"
    assert touchpoint_text(row("a", "A", status="handed_over")) == "handed over"
    assert touchpoint_text(row("a", "A")) == "–"


# ----- the screen --------------------------------------------------------------


async def test_columns_summary_layout_for_wide_and_narrow_terminals_and_empty_state(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await open_portfolio(app, pilot)
        assert screen.TITLE == "Portfolio"
        assert order(screen) == ["acme", "dune", "beta", "cobalt"]  # red, not assessed in its first days, yellow, green
        table = screen.query_one(PortfolioTable)
        assert screen.layout_kind == "full"
        assert [c.label for c in table.columns] == [
            "client",
            "score",
            "band",
            "Δ",
            "why",
            "tier",
            "phase, day",
            "next touchpoint",
            "slipping",
            "on target",
            "pipeline",
        ]
        beta = [
            "Beta Health",
            "6.9",
            "● yellow",
            "▼ -1.4",
            "sustainability down 2 (8 → 6)",
            "gold",
            "scaling, day 76",
            "intervention today",
            "1",
            "1/2",
            "12,500",
        ]
        assert cells(table, "beta") == beta
        assert drawn(table, "beta") == beta  # every column wide enough for what it shows
        dune = cells(table, "dune")
        assert dune[1:5] == ["–", "– not assessed", "", "not assessed, day 8 of support"] and dune[9:] == ["–", "–"]
        assert drawn(table, "dune") == dune
        text = summary(screen)
        assert "● red 1" in text and "● yellow 1" in text and "● green 1" in text and "– none 1" in text
        assert "4 of 4 clients" in text and "most critical first" in text

        # Narrower, the fields are merged but stay in words; the reason is cut, whole on the line below.
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        await pilot.pause()
        assert screen.layout_kind == "words"
        labels = [c.label for c in table.columns]
        assert labels == ["client", "health", "Δ", "why", "phase, day", "next touchpoint", "KPIs ↘", "pipe", "tier"]
        words = ["Beta Health", "● yellow 6.9", "▼ -1.4", "sustainability down 2 (8 → 6)", "scaling, day 76", "intervention today", "1/2 ↘1", "12.5k"]
        assert cells(table, "beta")[:8] == words
        assert drawn(table, "beta")[:8] == [*words[:3], "sustainability down 2…", *words[4:]]  # whole on the line below
        assert drawn(table, "acme")[3] == "10 touchpoints overdue"
        assert cells(table, "dune")[1:4] == ["– not assessed", "", "not assessed, day 8 of support"]

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert screen.layout_kind == "compact"
        labels = [c.label for c in table.columns]
        assert labels == ["client", "health", "Δ", "why", "phase", "next", "KPIs ↘", "pipe", "tier"]
        compact = ["Beta Health", "● yellow 6.9", "▼ -1.4", "sustain. −2", "scale d76", "today interv"]
        assert cells(table, "beta")[:6] == compact and drawn(table, "beta")[:6] == compact
        assert drawn(table, "dune")[3] == "not assessed"
        # Everything up to the next touchpoint fits in 80 columns; KPIs, pipeline and tier may need a scroll.
        widths = [c.width + 2 for c in table.columns]
        assert sum(widths[:6]) <= 80
        assert drawn(table, None)[:6] == labels[:6]

        screen.show(portfolio_screen.Portfolio((), layouts((), DAY), DAY))  # what an empty database loads
        assert order(screen) == []
        assert "No clients yet" in str(screen.query_one("#empty", Static).render())
        assert screen.query_one("#empty").display


async def test_the_line_under_the_table_gives_the_selected_clients_reason_in_words(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_portfolio(app, pilot)
        line = screen.query_one("#reason", Static)
        assert str(line.render()) == "Acme Logistics · 10 touchpoints overdue · stabilization, day 15 · next: weekly today"
        await pilot.press("down")
        assert str(line.render()) == "Dune Energy · not assessed, day 8 of support · stabilization, day 8 · next: weekly today"
        await pilot.press("down")
        assert str(line.render()).startswith("Beta Health · sustainability down 2 (8 → 6) · scaling, day 76")


async def test_sort_keys_reverse_and_the_cursor_stays_on_its_client(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_portfolio(app, pilot)
        expected = {
            "o": (["acme", "beta", "cobalt", "dune"], ["cobalt", "beta", "acme", "dune"]),
            "n": (["acme", "beta", "cobalt", "dune"], ["dune", "cobalt", "beta", "acme"]),
            "p": (["dune", "acme", "beta", "cobalt"], ["cobalt", "beta", "acme", "dune"]),
            "w": (["cobalt", "beta", "acme", "dune"], ["dune", "acme", "beta", "cobalt"]),
        }
        for key, (first, again) in expected.items():
            await pilot.press(key)
            assert order(screen) == first, key
            await pilot.press(key)
            assert order(screen) == again, key
        assert "smallest pipeline first" in summary(screen)

        table = screen.query_one(PortfolioTable)
        table.move_cursor(order(screen).index("beta"))
        await pilot.press("n")
        assert screen.selected_id() == "beta" and table.cursor_index == 1
        await pilot.press("w")
        assert screen.selected_id() == "beta" and table.cursor_index == 1
        await pilot.press("o", "o")
        assert screen.selected_id() == "beta" and table.cursor_index == 1
        await pilot.press("p")
        assert screen.selected_id() == "beta" and table.cursor_index == 2
        screen.reload()
        await settle(app, pilot)
        assert screen.selected_id() == "beta" and table.cursor_index == 2
        # Another user's change loads the rows again: the cursor stays on its client.
        with Store(db, actor="bob") as store:
            store.add_opportunity("dune", Opportunity(title="Pilot", value=1000, probability=50))
        screen.reload()
        await settle(app, pilot)
        assert screen.selected_id() == "beta" and table.cursor_index == 2


class StubHealth(WorkbenchScreen):
    """Stands in for the Health screen, which these tests are not about."""

    def fetch(self, session, client_id):
        return client_id

    def show(self, data):
        self.shown = data


async def test_band_tier_mine_filters_search_and_enter_opens_the_client(db, monkeypatch):
    monkeypatch.setitem(sys.modules, "carebench.ui.screens.health", types.SimpleNamespace(HealthScreen=StubHealth))
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_portfolio(app, pilot)
        bands = []
        for _ in range(4):
            await pilot.press("b")
            bands.append(order(screen))
        assert bands == [["acme"], ["beta"], ["cobalt"], ["acme", "dune", "beta", "cobalt"]]
        tiers = []
        for _ in range(4):
            await pilot.press("f")
            tiers.append(order(screen))
        assert tiers == [["acme"], ["dune", "beta"], ["cobalt"], ["acme", "dune", "beta", "cobalt"]]
        await pilot.press("m")
        assert app.mine_only is True
        assert order(screen) == ["acme", "cobalt"]
        assert "mine (ana)" in summary(screen)
        await pilot.press("b", "b")  # yellow: none of ana's
        assert order(screen) == []
        assert "No client matches" in str(screen.query_one("#empty", Static).render())
        assert screen.query_one("#empty").display
        await pilot.press("b", "b", "m")
        assert app.mine_only is False
        assert order(screen) == ["acme", "dune", "beta", "cobalt"]
        assert not screen.query_one("#empty").display

        search = screen.query_one("#search", Input)
        assert not search.display
        await pilot.press("slash")
        assert search.display and search.has_focus
        await pilot.press("E", "t")  # Beta Health and Cobalt Retail; the letters go to the search, not to the keys
        assert search.value == "Et"
        assert order(screen) == ["beta", "cobalt"]
        assert "search “Et”" in summary(screen)
        await pilot.press("backspace", "backspace", "d", "u", "n")
        assert order(screen) == ["dune"]
        await pilot.press("escape")
        assert not search.display and search.value == ""
        assert screen.query_one(PortfolioTable).has_focus
        assert order(screen) == ["acme", "dune", "beta", "cobalt"]

        await pilot.press("slash", "b", "e", "t", "enter")  # enter in the search keeps the filter, back in the table
        assert screen.query_one(PortfolioTable).has_focus
        assert order(screen) == ["beta"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "health"
        assert app.client_id == "beta"
        assert app.screen.shown == "beta"


async def test_a_name_stored_with_escape_sequences_is_drawn_written_out(db):
    import re
    import sqlite3

    with sqlite3.connect(db) as conn:  # stored behind carebench's back, as any member with sqlite3 could
        conn.execute("UPDATE clients SET name = ? WHERE id = 'beta'", ("Beta\x1b]0;pwned\x07\u202e",))
    conn.close()
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await open_portfolio(app, pilot)
        table = screen.query_one(PortfolioTable)
        lines = [table.render_line(y).text for y in range(table.row_count + 1)]
        assert drawn(table, "beta")[0] == "Beta\\x1b]0;pwned\\x07\\u202e"
        assert not any(re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", line) for line in lines)


async def test_enter_on_a_row_opens_that_clients_health_breakdown(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_portfolio(app, pilot)
        table = screen.query_one(PortfolioTable)
        table.move_cursor(order(screen).index("beta"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "health" and app.client_id == "beta"
        health = app.screen
        assert "Beta Health" in str(health.query_one("#health-title", Static).render())
        breakdown = rendered(health.query_one("#breakdown"))
        assert "Performance 6.67 weight 40%" in breakdown and "sustainability" in breakdown
