"""First visits: once Today is painted, the other screens' data is read ahead, and a first visit shows it at once,
unless the database, the day, the client or the mine/all choice moved on since (then it loads as any visit does)."""

from __future__ import annotations

from datetime import date

from textual.color import Color

from carebench.app import commands
from carebench.app.session import Session
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.expansion import ExpansionScreen
from carebench.ui.screens.practice import PracticeScreen
from conftest import settle

DAY = date(2026, 6, 15)


def counted_fetches(monkeypatch, screen_class) -> list[str | None]:
    """The client of every read of ``screen_class``'s data from now on (the read ahead and the visits' own)."""
    calls: list[str | None] = []
    real = screen_class.fetch

    def fetch(self, session, client_id):
        calls.append(client_id)
        return real(self, session, client_id)

    monkeypatch.setattr(screen_class, "fetch", fetch)
    return calls


def practice_title(app) -> str:
    return str(app.screen.query_one("#practice-title").render())


async def test_a_first_visit_shows_the_data_read_ahead_without_reading_it_again(demo_db, monkeypatch):
    reads = counted_fetches(monkeypatch, PracticeScreen)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert len(reads) == 1  # read ahead while Today is shown
        await pilot.press("6")
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen) and "everyone's" in practice_title(app)
        assert len(reads) == 1
        await pilot.press("p")  # another period: the screen's own setting, read for it
        await settle(app, pilot)
        assert len(reads) == 2 and "last 12 months" not in practice_title(app)


async def test_a_write_since_the_read_ahead_is_shown_on_the_first_visit(demo_db, monkeypatch):
    reads = counted_fetches(monkeypatch, ExpansionScreen)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert len(reads) == 1
        # Someone else adds an opportunity after the read ahead (and before the workbench's poll sees it).
        commands.add_opportunity(Session(demo_db, DAY, actor="sam"), "corvane-freight", title="Yard management pilot", value=40000, probability=20)
        await pilot.press("5")
        await settle(app, pilot)
        assert isinstance(app.screen, ExpansionScreen) and len(reads) == 2
        assert "Yard management pilot" in [o.title for o in app.screen.data.pipeline.opportunities]


async def test_mine_only_chosen_before_the_first_visit_is_what_it_shows(demo_db, monkeypatch):
    reads = counted_fetches(monkeypatch, PracticeScreen)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")  # Today's mine/all, shared with Practice
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        assert "mine (ana)" in practice_title(app) and len(reads) == 2


async def test_a_read_ahead_that_fails_leaves_the_first_visit_to_load(demo_db, monkeypatch):
    real = PracticeScreen.fetch
    failures = [RuntimeError("the disk went away for a moment")]

    def fetch(self, session, client_id):
        if failures:
            raise failures.pop()
        return real(self, session, client_id)

    monkeypatch.setattr(PracticeScreen, "fetch", fetch)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert not failures  # the read ahead was tried, and nothing was shown of it
        await pilot.press("6")
        await settle(app, pilot)
        assert "everyone's" in practice_title(app)


async def test_a_theme_chosen_before_the_first_visit_styles_the_screen_made_ahead(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana", theme="textual-dark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "practice" in app.unshown_screens  # made, and its data read, while Today is shown
        app.theme = "textual-light"
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen)
        assert app.screen.styles.background == Color.parse(app.current_theme.background)


async def test_a_first_visit_while_its_data_is_read_ahead_waits_for_it_and_reads_it_once(demo_db, monkeypatch):
    import time

    reads = counted_fetches(monkeypatch, ExpansionScreen)
    counted = ExpansionScreen.fetch

    def slow(self, session, client_id):  # a busy shared server
        time.sleep(0.5)
        return counted(self, session, client_id)

    monkeypatch.setattr(ExpansionScreen, "fetch", slow)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(500):
            screen = app.unshown_screens.get("expansion")
            if screen is not None and screen._ahead_read is not None:
                break
            await pilot.pause(0.01)
        assert not screen._ahead_read.is_set()  # its data is being read
        await pilot.press("5")
        await settle(app, pilot)
        assert app.screen is screen and screen.data is not None
        assert len(reads) == 1


async def test_what_start_up_loaded_is_kept_from_the_collector_while_the_app_runs_and_given_back_when_it_leaves(demo_db):
    import gc

    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # a process that runs the app again (or anything else) collects it as usual


async def test_a_visit_does_not_wait_for_another_screens_read_ahead(demo_db, monkeypatch):
    """The read ahead has a connection of its own: a screen opened meanwhile reads through the shared one at once."""
    import threading

    from carebench.ui.screens.portfolio import PortfolioScreen

    release, reading = threading.Event(), threading.Event()
    real = PracticeScreen.fetch

    def held(self, session, client_id):  # the practice figures of a large portfolio, still being read
        with session.reading():
            reading.set()
            release.wait(10)
        return real(self, session, client_id)

    monkeypatch.setattr(PracticeScreen, "fetch", held)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(500):
                if reading.is_set():
                    break
                await pilot.pause(0.01)
            assert reading.is_set()
            assert app.reader.lock.acquire(timeout=2)  # free while the read ahead goes on
            app.reader.lock.release()
            await pilot.press("2")
            for _ in range(300):
                if isinstance(app.screen, PortfolioScreen) and app.screen.loaded:
                    break
                await pilot.pause(0.01)
            assert isinstance(app.screen, PortfolioScreen) and app.screen.loaded and not release.is_set()
            release.set()
            await settle(app, pilot)
    finally:
        release.set()
