"""The workbench at a phone's width (43 columns): screens stack, every screen's tab and every key can be tapped."""

from __future__ import annotations

from datetime import date

from carebench.ui.app import CarebenchApp
from carebench.ui.screens.health import HealthBreakdown
from carebench.ui.screens.today import ActionTable, AgendaTable
from carebench.ui.widgets.chrome import KeyBar, ScreenTabs
from conftest import settle, settle_until

DAY = date(2026, 6, 15)
PHONE = (43, 40)


def lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def place_of(widget, words: str) -> tuple[int, int]:
    """Where ``words`` stand in what the widget draws (column, line), relative to the widget."""
    for y, line in enumerate(lines(widget)):
        if words in line:
            return line.index(words) + 1, y
    raise AssertionError(f"{words!r} is not on {widget}: {lines(widget)}")


async def test_today_stacks_below_60_columns_and_shows_the_rest_of_the_row_under_its_table(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=PHONE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.has_class("-stacked")
        agenda, actions = screen.query_one(AgendaTable), screen.query_one(ActionTable)
        assert [c.label for c in agenda.columns] == ["client", "kind", "band"]
        assert [c.label for c in actions.columns] == ["due", "action"]
        for table in (agenda, actions):
            assert all(len(line) <= PHONE[0] for line in lines(table))
        first = agenda.rows[0]
        detail = str(screen.query_one("#agenda-detail").render())
        assert detail.startswith(first.client_name) and f"overdue ×{first.missed}" in detail and f"owner {first.owner}" in detail
        item = actions.rows[0]
        assert item.text in str(screen.query_one("#action-detail").render()).replace("\n", " ")
        await pilot.press("down")
        await settle(app, pilot)
        assert str(screen.query_one("#agenda-detail").render()).startswith(agenda.rows[1].client_name)

        # wide again: every column, no detail lines
        await pilot.resize_terminal(120, 40)
        await settle_until(app, pilot, lambda: not screen.has_class("-stacked") and len(agenda.columns) > 3)
        assert [c.label for c in agenda.columns][:4] == ["client", "kind", "band", "when"]
        assert not screen.query_one("#agenda-detail").display


async def test_health_puts_each_suggestion_under_its_bar_when_stacked(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana", client="corvane-freight")
    async with app.run_test(size=PHONE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle_until(app, pilot, lambda: getattr(app.screen, "data", None) is not None)
        breakdown = app.screen.query_one(HealthBreakdown)
        drawn = lines(breakdown)
        assert all(len(line) <= PHONE[0] for line in drawn)
        at = next(i for i, line in enumerate(drawn) if line.strip().startswith("achievement"))
        assert "█" in drawn[at] and "suggest" not in drawn[at]
        assert drawn[at + 1].strip().startswith("suggest 4: 5 of 16 KPIs on target")


async def test_screen_tabs_wrap_and_a_tap_on_one_shows_its_screen(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana", client="corvane-freight")
    async with app.run_test(size=PHONE) as pilot:
        await settle(app, pilot)
        tabs = app.screen.query_one(ScreenTabs)
        drawn = lines(tabs)
        assert len(drawn) == 2 and all(len(line) <= PHONE[0] for line in drawn)
        for label in ("1 Today", "2 Portfolio", "3 KPIs", "4 Health", "5 Expansion", "6 Practice"):
            assert any(label in line for line in drawn), label
        for label, mode in (("5 Expansion", "expansion"), ("2 Portfolio", "portfolio"), ("6 Practice", "practice"), ("1 Today", "today")):
            tabs = app.screen.query_one(ScreenTabs)
            await pilot.click(tabs, offset=place_of(tabs, label))
            await settle_until(app, pilot, lambda mode=mode: app.current_mode == mode)


async def test_a_tap_on_a_key_in_the_key_bar_presses_it(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=PHONE) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        drawn = lines(bar)
        assert len(drawn) > 1 and all(len(line) <= PHONE[0] for line in drawn)
        for words in ("Check-in", "Done", "Mine", "Today", "Keys", "Quit"):
            assert any(words in line for line in drawn), words  # every key is there to tap, none cropped
        assert not app.mine_only
        await pilot.click(bar, offset=place_of(bar, "Mine"))
        await settle_until(app, pilot, lambda: app.mine_only)


async def test_at_desktop_width_the_key_bar_is_one_line_and_its_keys_work_by_click(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        assert bar.size.height == 1
        await pilot.click(bar, offset=place_of(bar, "Keys"))
        await settle_until(app, pilot, lambda: type(app.screen).__name__ == "KeysDialog")
        await pilot.press("escape")
        await settle(app, pilot)
        tabs = app.screen.query_one(ScreenTabs)
        assert tabs.size.height == 1
        await pilot.click(tabs, offset=place_of(tabs, "3 KPIs"))
        await settle_until(app, pilot, lambda: app.current_mode == "kpis")


async def test_screens_that_refit_their_columns_on_resize_stack_and_unstack_too(demo_db):
    # Portfolio, Expansion and Practice handle Resize themselves; the shared handler that sets -stacked still runs.
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=PHONE) as pilot:
        await settle(app, pilot)
        for mode in ("portfolio", "expansion", "practice"):
            await app.switch_mode(mode)
            await settle(app, pilot)
            screen = app.screen
            assert screen.has_class("-stacked") and screen.stacked, mode
            await pilot.resize_terminal(120, 40)
            await settle_until(app, pilot, lambda screen=screen: not screen.has_class("-stacked"))
            assert not screen.stacked, mode
            await pilot.resize_terminal(*PHONE)
            await settle_until(app, pilot, lambda screen=screen: screen.has_class("-stacked"))
