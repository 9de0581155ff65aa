"""Large tables fill in parts (the first rows at once, the rest while keys keep working); tables and footer keep what they drew."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Callable

import pytest
from rich.text import Text
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.widgets import DataTable

from carebench.core.models import Client, Opportunity, Portfolio
from carebench.store import Store
from carebench.ui import app as app_module
from carebench.ui.screens import base
from carebench.ui.widgets import tables
from carebench.ui.app import CarebenchApp
from carebench.ui.widgets.tables import CachedTable, Cell
from carebench.ui.widgets.chrome import KeyBar
from carebench.ui.screens.expansion import NextActionsTable, PipelineTable
from carebench.ui.screens.today import AgendaTable

DAY = date(2026, 6, 15)
COUNT = 57


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setattr(app_module, "POLL_SECONDS", 3600)
    # Small parts, so a few dozen opportunities take several turns of the event loop.
    monkeypatch.setattr(tables, "FIRST_ROWS", 10)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "big.db"
    opportunities = [Opportunity(title=f"Deal {n:02d}", value=1000.0 * (n + 1), probability=50, stage="qualified",
                                 next_action=f"Call {n}", next_action_date=DAY + timedelta(days=n)) for n in range(COUNT)]
    with Store(path, actor="ana") as store:
        store.import_portfolio(Portfolio(clients=[Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 1, 5),
                                                         owner="ana", opportunities=opportunities)]))
    return path


async def settle(app, pilot, turns: int = 3):
    for _ in range(turns):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def filled(pilot, table, rows: int) -> None:
    for _ in range(200):
        if table.row_count == rows:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{table.row_count} of {rows} rows")


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

CELLS = [  # plain text only (measured directly), then rows with markup, numbers and emoji codes (measured by Rich)
    ["plain", Text("styled", style="bold"), "wide 日本語", Text("two\nlines longer"), "x"],
    ["a much longer plain cell", Text(""), "日本", Text("x"), "a  b"],
    ["[b]markup[/b]", 7, 2.5, ":smile: x", "no markup"],
    ["s", 123456, 0.125, Text("y"), "[i]slanted text here[/i]"],
]


class SideBySide(App):
    """Two tables given the same rows (each made by the table's own maker), to compare how they measure and draw."""

    AUTO_FOCUS = None  # neither table focused, so both draw with the same styles

    def __init__(self, tables: list[tuple[str, type, Callable]], rows: list[list], fixed_width: int) -> None:
        super().__init__()
        self.tables, self.table_rows, self.fixed_width = tables, rows, fixed_width

    def compose(self):
        for name, kind, _ in self.tables:
            yield kind(id=name)

    def on_mount(self) -> None:
        for name, _, make in self.tables:
            table = self.query_one(f"#{name}", DataTable)
            table.add_columns(*(f"c{i}" for i in range(len(self.table_rows[0]))))
            table.add_column("fixed", width=self.fixed_width)
            for n, cells in enumerate(self.table_rows):
                table.add_row(*map(make, cells), "fixed cell", key=str(n))


def two_tables() -> SideBySide:
    """A plain DataTable and a CachedTable with the same cells."""
    return SideBySide([("plain", DataTable, lambda cell: cell), ("cached", CachedTable, lambda cell: cell)], CELLS, 4)


@asynccontextmanager
async def measured_alike(app: SideBySide, size: tuple[int, int]):
    """The app's two tables, once their columns are checked to measure alike."""
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        first, second = (app.query_one(f"#{name}", DataTable) for name, _, _ in app.tables)
        assert [c.content_width for c in second.ordered_columns] == [c.content_width for c in first.ordered_columns]
        yield first, second


async def test_column_widths_are_measured_as_a_datatable_measures_them():
    async with measured_alike(two_tables(), (200, 20)) as (plain, cached):
        assert cached.virtual_size == plain.virtual_size
        assert [cached.render_line(y).text for y in range(5)] == [plain.render_line(y).text for y in range(5)]
        # Cells of plain text are measured as text: "wide 日本語" is 11 cells wide, not 8 characters.
        assert [c.content_width for c in cached.ordered_columns] == [24, 6, 11, 12, 17, 10]


CELL_ROWS = [  # (text, style, justify): as Cell and as the Text it stands for
    [("plain", "", None), ("12,500", "", "right"), ("● ready", "#4ebf71", None), ("wide 日本語", "bold", None)],
    [("a much longer cell than its column", "dim", None), ("7%", "", "right"), ("", "", None), ("x", "red", "center")],
    [("[b]not markup[/b]", "", None), ("1", "italic", "right"), ("● hold", "", "left"), ("overdue", "#ff0000", None)],
]


async def test_cells_measure_and_draw_exactly_as_the_texts_they_stand_for():
    app = SideBySide([("texts", CachedTable, lambda cell: Text(cell[0], style=cell[1], justify=cell[2])),
                      ("cells", CachedTable, lambda cell: Cell(*cell))], CELL_ROWS, 8)
    async with measured_alike(app, (120, 20)) as (texts, cells):
        assert [c.content_width for c in cells.ordered_columns] == [34, 6, 7, 11, 5]
        for y in range(len(CELL_ROWS) + 1):  # the segments, styles included
            assert list(cells.render_line(y)) == list(texts.render_line(y))
        cell = cells.get_row("0")[2]
        assert (str(cell), cell.style) == ("● ready", "#4ebf71")


async def test_rows_cleared_from_a_table_go_at_once_not_at_the_next_full_garbage_collection():
    import gc
    import weakref

    app = two_tables()
    async with app.run_test(size=(200, 20)) as pilot:
        await pilot.pause()
        for table in app.query(DataTable):
            table.render_line(1)  # rows are cached as drawn, in order
            assert table.ordered_rows
        gc.disable()
        try:
            gone = {}
            for table in app.query(DataTable):
                row = weakref.ref(table.ordered_rows[0])
                table.clear()
                table.add_row(*CELLS[0], "new", key="new")  # filled again
                assert [r.key.value for r in table.ordered_rows] == ["new"]
                gone[table.id] = row() is None
            # A plain DataTable leaves its cached rows in a reference cycle; a CachedTable lets them go.
            assert gone == {"plain": False, "cached": True}
        finally:
            gc.enable()


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
