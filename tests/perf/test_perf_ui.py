"""Large tables are there at once and keep the cursor; tables and footer keep what they drew."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from textual.css.stylesheet import Stylesheet

from carebench.core.models import Client, Opportunity, Portfolio
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens import base
from carebench.ui.screens.expansion import NextActionsTable, PipelineTable
from carebench.ui.screens.today import AgendaTable
from carebench.ui.widgets.chrome import KeyBar
from conftest import settle

DAY = date(2026, 6, 15)
COUNT = 57


@pytest.fixture(autouse=True)
def private_folders(quiet_app):
    """Private user folders, no background polling (conftest)."""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "big.db"
    opportunities = [
        Opportunity(
            title=f"Deal {n:02d}",
            value=1000.0 * (n + 1),
            probability=50,
            stage="qualified",
            next_action=f"Call {n}",
            next_action_date=DAY + timedelta(days=n),
        )
        for n in range(COUNT)
    ]
    with Store(path, actor="ana") as store:
        store.import_portfolio(
            Portfolio(clients=[Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 1, 5), owner="ana", opportunities=opportunities)])
        )
    return path


async def test_a_large_pipeline_is_there_at_once_and_keeps_the_cursor(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        screen = app.screen
        pipeline, actions = screen.query_one(PipelineTable), screen.query_one(NextActionsTable)
        # The totals and every row are there at once (the tables draw only the rows in view).
        assert f"{COUNT} opportunities" in str(screen.query_one("#scope").content)
        assert pipeline.row_count == COUNT and actions.row_count == COUNT
        ids = [row.id for row in pipeline.rows]
        assert ids == sorted(ids) and len(set(ids)) == COUNT

        # A row far down keeps the cursor through a reload, and stays in view.
        pipeline.move_cursor(50)
        kept = pipeline.cursor_key
        screen.reload()
        await settle(app, pilot)
        assert pipeline.cursor_key == kept and pipeline.cursor_index == 50
        assert pipeline.scroll_y <= 50 < pipeline.scroll_y + pipeline.page_rows

        # The same data shown again: no row twice, none missing, the cursor where it was.
        screen.show(screen.data)
        screen.show(screen.data)
        await pilot.pause()
        assert pipeline.row_count == COUNT and pipeline.cursor_key == kept


# ----- the tables and the footer keep what they drew -----------------------------------


async def test_switching_screens_keeps_drawn_rows_the_footer_follows_focus_and_a_new_theme_redraws(demo_db, monkeypatch):
    from carebench.ui.screens import today as today_module

    asked = []  # the agenda rows whose cells were worked out
    cells_of = today_module.agenda_cells
    monkeypatch.setattr(today_module, "agenda_cells", lambda row: (asked.append(row), cells_of(row))[1])
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        today = app.screen
        agenda = today.query_one(AgendaTable)
        assert agenda.row_count
        line = agenda.render_line(1)
        assert len(asked) == agenda.row_count  # each row's cells once, when it was first drawn

        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        assert app.screen is today
        # The rows drawn before are still there: nothing worked out again, the same line drawn.
        assert len(asked) == agenda.row_count
        assert list(agenda.render_line(1)) == list(line)

        # Focus on the action items changes the keys: the footer follows.
        assert "Check-in" in footer_text(today)
        await pilot.press("tab")
        await settle(app, pilot)
        assert "Open client" in footer_text(today) and "Check-in" not in footer_text(today)

        # Another theme draws the rows again in its colours (from the cells already worked out).
        app.theme = "high-contrast" if app.theme != "high-contrast" else "carebench-light"
        await settle(app, pilot)
        assert agenda.render_line(1).text == line.text and list(agenda.render_line(1)) != list(line)
        assert len(asked) == agenda.row_count


def footer_text(screen) -> str:
    return screen.query_one(KeyBar).render().plain


async def test_a_screen_shown_again_loads_only_when_the_database_or_the_day_moved_on(demo_db, monkeypatch):
    from carebench.core.models import ActionItem
    from carebench.ui.screens.today import ActionTable, TodayScreen

    fetched: list[date] = []
    original = TodayScreen.fetch

    def fetch(self, session, client_id):
        fetched.append(session.today)
        return original(self, session, client_id)

    monkeypatch.setattr(TodayScreen, "fetch", fetch)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:  # live refresh is off here (see private_folders)
        await settle(app, pilot)
        assert fetched == [DAY]
        actions = app.screen.query_one(ActionTable)
        before = actions.row_count

        await pilot.press("2", "1")
        await settle(app, pilot)
        assert fetched == [DAY]  # nothing changed: nothing loaded again

        # Another user adds an action item due today: Today shown again loads it.
        with Store(demo_db, actor="bo") as store:
            client = next(c for c in store.clients(parts=()) if c.status == "active")
            store.add_action_item(client.id, ActionItem(text="Send the recap", due=DAY))
        await pilot.press("2", "1")
        await settle(app, pilot)
        assert fetched == [DAY, DAY]
        assert actions.row_count == before + 1

        # A new planning day loads, and so does the same screen later if the day changed meanwhile.
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert fetched[-1] == DAY + timedelta(days=1)
        count = len(fetched)
        app.plan_day = DAY
        await pilot.press("2", "1")
        await settle(app, pilot)
        assert len(fetched) == count + 1 and fetched[-1] == DAY


async def test_only_a_screen_that_depends_on_the_time_loads_again_in_a_later_minute(demo_db, monkeypatch):
    from carebench.ui.screens.health import HealthScreen
    from carebench.ui.screens.today import TodayScreen

    fetched: list[str] = []
    for screen in (TodayScreen, HealthScreen):

        def fetch(self, session, client_id, original=screen.fetch):
            fetched.append(self.TITLE)
            return original(self, session, client_id)

        monkeypatch.setattr(screen, "fetch", fetch)
    minute = ["202606150900"]
    monkeypatch.setattr(base, "current_minute", lambda: minute[0])
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        assert fetched == ["Today", "Health"]
        await pilot.press("1", "4")
        await settle(app, pilot)
        assert fetched == ["Today", "Health"]  # the same minute: nothing loaded again

        minute[0] = "202606150901"  # tickets open so many hours: Health loads again, Today does not
        await pilot.press("1", "4")
        await settle(app, pilot)
        assert fetched == ["Today", "Health", "Health"]


async def test_a_screen_first_shown_after_a_theme_change_wears_it_without_parsing_the_stylesheet_again(demo_db, monkeypatch):
    from carebench.ui.screens.portfolio import PortfolioTable

    parsed = []
    reparse = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: (parsed.append(1), reparse(self))[1])

    async def portfolio_header(theme: str, change_first: bool):
        app = CarebenchApp(demo_db, today=DAY, user="ana", theme=None if change_first else theme)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            if change_first:
                app.theme = theme
                await settle(app, pilot)
            before = len(parsed)
            await pilot.press("2")
            await settle(app, pilot)
            assert len(parsed) == before  # a first visit parses nothing again
            table = app.screen.query_one(PortfolioTable)
            return [list(table.render_line(y)) for y in range(3)]

    # Made after the change, Portfolio draws as it does in an app started with that theme.
    assert await portfolio_header("high-contrast", True) == await portfolio_header("high-contrast", False)
