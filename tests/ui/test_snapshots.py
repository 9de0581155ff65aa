"""SVG snapshots of every screen at 80x24, 100x30, 120x40 and a phone's 43x40 on the fixed-date demo portfolio.

Update them deliberately, after looking at the difference: `pytest tests/ui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import date

import pytest

from carebench.app.demo import load_demo_portfolio
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from conftest import no_locale_currency

DAY = date(2026, 6, 15)
SIZES = [(80, 24), (100, 30), (120, 40)]
SCREENS = [("1", "today"), ("2", "portfolio"), ("3", "kpis"), ("4", "health"), ("5", "expansion"), ("6", "practice")]


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("snap") / "demo.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(load_demo_portfolio(DAY, "ana"))
    return path


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    no_locale_currency(monkeypatch)


def settled(key: str, screen: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        if app.current_mode != screen:
            await pilot.press(key)
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key, screen", SCREENS, ids=[name for _, name in SCREENS])
def test_screen_snapshot(snap_compare, snapshot_db, key, screen, size):
    app = CarebenchApp(snapshot_db, today=DAY, user="ana", theme="carebench-dark", client="corvane-freight")
    assert snap_compare(app, terminal_size=size, run_before=settled(key, screen))


@pytest.mark.parametrize("key, screen", SCREENS, ids=[name for _, name in SCREENS])
def test_stacked_screen_snapshot(snap_compare, snapshot_db, key, screen):
    """A phone's width: the screens stack, the tabs and keys wrap."""
    app = CarebenchApp(snapshot_db, today=DAY, user="ana", theme="carebench-dark", client="corvane-freight")
    assert snap_compare(app, terminal_size=(43, 40), run_before=settled(key, screen))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_checkin_runner_snapshot(snap_compare, snapshot_db, monkeypatch, size, tmp_path):
    import shutil

    from carebench.ui.screens.checkin import CheckinScreen

    # A copy of its own: a runner keeps a draft in the database, which the next size's runner would resume.
    own = tmp_path / "runner.db"
    shutil.copyfile(snapshot_db, own)
    own.chmod(0o600)

    monkeypatch.setattr("carebench.ui.screens.checkin.monotonic", lambda: 1000.0)  # the runner's clocks stand still

    async def run_before(pilot) -> None:
        app = pilot.app
        await app.workers.wait_for_complete()
        await app.push_screen(CheckinScreen("corvane-freight", DAY, "intervention"))
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)
        await pilot.wait_for_scheduled_animations()
        assert isinstance(app.screen, CheckinScreen), [n.message for n in app._notifications]
        notes = app.screen.query_one("#notes")
        notes.cursor_blink = False  # a blinking cursor is on or off by chance
        # A line drawn while the cursor was blinked off is cached under the same key as one with blinking
        # turned off, so it would be drawn again without its cursor: the styles' update empties that cache.
        notes.notify_style_update()
        notes.refresh()
        await pilot.pause()

    app = CarebenchApp(own, today=DAY, user="ana", theme="carebench-dark")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_tickets_and_checklist_panels_snapshot(snap_compare, snapshot_db, monkeypatch):
    """The Health screen's lower panels for the red client: its open P1, the checklist, the pulse answers."""
    from datetime import datetime

    class Noon(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 6, 15, 12, 0)

    monkeypatch.setattr("carebench.ui.screens.health.datetime", Noon)  # hours open are counted to a fixed noon

    async def run_before(pilot) -> None:
        await settled("4", "health")(pilot)
        pilot.app.screen.query_one("#health-scroll").scroll_end(animate=False)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    app = CarebenchApp(snapshot_db, today=DAY, user="ana", theme="carebench-dark", client="brackenfield-foods")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("opened", ["hits", "checkin"])
def test_search_snapshot(snap_compare, snapshot_db, opened):
    """The search dialog with ranked, highlighted hits over the demo portfolio, and a check-in opened from it."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await settled("1", "today")(pilot)
        await pilot.press("slash", *"shift")
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        if opened == "checkin":
            assert app.screen.hits[0]["source"] == "checkin"
            await pilot.press("enter", "enter")
            for _ in range(4):
                await app.workers.wait_for_complete()
                await pilot.pause()
        else:
            app.screen.query_one("#search-text").cursor_blink = False  # a blinking cursor is on or off by chance
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    app = CarebenchApp(snapshot_db, today=DAY, user="ana", theme="carebench-dark", client="corvane-freight")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
