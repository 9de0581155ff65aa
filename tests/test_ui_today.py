"""The Today screen and the app's navigation, driven through Pilot on the fixed-date demo portfolio."""

from __future__ import annotations

from datetime import date


from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.today import ActionTable, AgendaTable
from carebench.views import today_view

DAY = date(2026, 6, 15)


async def settle(app, pilot):
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def agenda_rows(app):
    table = app.screen.query_one(AgendaTable)
    return [app.screen.rows[key.value] for key in table.rows]


async def test_today_lists_overdue_first_then_due(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        rows = agenda_rows(app)
        with Store(demo_db) as store:
            expected = today_view(store, DAY)
        assert [(r["client"], r["kind"], r["status"]) for r in rows] == [
            (i["client"], i["kind"], i["status"]) for i in expected["items"]
        ]
        statuses = [r["status"] for r in rows]
        assert statuses == sorted(statuses, key=lambda s: s != "overdue")
        assert app.screen.query_one(ActionTable).row_count == len(expected["action_items"])
        assert "touchpoints" in str(app.screen.query_one("#summary").render())


async def test_done_removes_the_row_and_is_stored(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        due = [r for r in agenda_rows(app) if r["status"] == "due"]
        target = due[0]
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(row=agenda_rows(app).index(target))
        await pilot.press("d")
        await settle(app, pilot)
        remaining = [(r["client"], r["kind"], r["status"]) for r in agenda_rows(app)]
        assert (target["client"], target["kind"], "due") not in remaining
    with Store(demo_db) as store:
        log = store.audit_log(target["client"], 1)[0]
    assert log["action"] == "done" and log["actor"] == "ana"


async def test_skip_asks_a_reason_and_refuses_an_empty_one(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        before = len(agenda_rows(app))
        await pilot.press("s")
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptDialog"
        await pilot.press("enter")
        await pilot.pause()
        assert "say why" in str(app.screen.query_one("#error").render())
        for key in "client away":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "TodayScreen"
        assert len(agenda_rows(app)) == before - 1


async def test_move_rejects_a_bad_date_inline_then_moves(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        first = agenda_rows(app)[0]
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("Input").value = "2026-02-30"
        await pilot.press("enter")
        await pilot.pause()
        assert "not a real date" in str(dialog.query_one("#error").render())
        dialog.query_one("Input").value = "2026-06-17"
        await pilot.press("enter")
        await settle(app, pilot)
    with Store(demo_db) as store:
        client = store.client(first["client"], parts={"exceptions"})
    moved = [e for e in client.exceptions if e.status == "moved"]
    assert any(e.moved_to == date(2026, 6, 17) and e.kind == first["kind"] for e in moved)


async def test_add_action_item_form_validates_and_saves(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        client = agenda_rows(app)[0]["client"]
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert form.focused is form.query_one("#f-text")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "text" in str(form.query_one("#error").render())
        form.query_one("#f-text").value = "Send the recovery plan"
        form.query_one("#f-due").value = "2026-06-19"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    with Store(demo_db) as store:
        items = store.client(client, parts={"action_items"}).action_items
    assert any(i.text == "Send the recovery plan" and i.due == date(2026, 6, 19) for i in items)


async def test_days_mine_and_back_to_today(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="sam")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        everyone = len(agenda_rows(app))
        await pilot.press("m")
        await settle(app, pilot)
        assert all(r["owner"] == "sam" for r in agenda_rows(app))
        assert len(agenda_rows(app)) < everyone
        await pilot.press("m", "right_square_bracket")
        await settle(app, pilot)
        assert app.plan_day == date(2026, 6, 16)
        assert "planning" in app.sub_title
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(app, pilot)
        assert app.plan_day == date(2026, 6, 14)
        await pilot.press("t")
        await settle(app, pilot)
        assert app.plan_day == DAY


async def test_enter_on_an_action_item_opens_the_client_and_number_keys_switch_screens(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("tab")
        assert isinstance(app.screen.focused, ActionTable)
        first = app.screen.selected()["client"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "health" and app.client_id == first
        for key, mode in (("1", "today"), ("2", "portfolio"), ("3", "kpis"), ("5", "expansion"), ("4", "health")):
            await pilot.press(key)
            await settle(app, pilot)
            assert app.current_mode == mode


async def test_client_picker_filters_and_sets_the_client(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        for key in "corvane":
            await pilot.press(key)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.client_id == "corvane-freight"


async def test_keys_dialog_lists_screen_and_app_keys(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        keys = [k for k, _ in app.screen.rows]
        assert {"d", "s", "r", "a", "m", "[", "]", "t", "1", "5", "c", "q"} <= set(keys)
        await pilot.press("escape")
        assert type(app.screen).__name__ == "TodayScreen"


async def test_another_process_writing_refreshes_the_screen(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        target = next(r for r in agenda_rows(app) if r["status"] == "due")
        from carebench.core.models import TouchpointException

        with Store(demo_db, actor="sam") as other:
            other.record_exception(target["client"], TouchpointException(date=DAY, kind=target["kind"], status="done"))
        app.poll_changes()
        await settle(app, pilot)
        app.poll_changes()
        await settle(app, pilot)
        assert (target["client"], target["kind"], "due") not in [(r["client"], r["kind"], r["status"]) for r in agenda_rows(app)]


async def test_empty_database_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = tmp_path / "empty.db"
    Store(path).close()
    app = CarebenchApp(path, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "nothing to do" in str(app.screen.query_one("#summary").render())
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "TodayScreen"


async def test_the_screen_paints_and_answers_keys_while_a_slow_store_loads(demo_db, monkeypatch):
    """The agenda's data comes from a store that takes as long as the test wants; the UI never waits for it."""
    import threading

    import carebench.views as views

    release = threading.Event()
    real = views.today_view

    def slow_today_view(*args, **kwargs):
        release.wait(timeout=30)  # in a worker thread: only the data is late
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "today_view", slow_today_view)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(3):
                await pilot.pause()
            screen = app.screen
            painted = app.export_screenshot()
            assert "Loading" in painted and "Today" in painted and "Portfolio" in painted  # frame, tabs, footer drawn
            assert screen.query_one(AgendaTable).row_count == 0
            # Keys are answered at once while the agenda is still on its way.
            await pilot.press("question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "KeysDialog"
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            assert app.current_mode == "portfolio"
            await pilot.press("1")
            await pilot.pause()
            assert app.current_mode == "today" and app.screen.query_one(AgendaTable).row_count == 0
            release.set()
            await settle(app, pilot)
            assert agenda_rows(app), "the agenda arrives once the store answers"
    finally:
        release.set()


async def test_a_screen_mounting_while_the_user_quits_is_not_a_crash(demo_db, tmp_path, monkeypatch):
    """Quitting right after a number key: the new screen's widgets are gone before its mount handler runs."""
    from textual.css.query import NoMatches

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test() as pilot:
        await settle(app, pilot)
        app.exit()
        app._handle_exception(NoMatches("No nodes match 'PortfolioTable' on PortfolioScreen()"))
    assert app.return_code == 0
    assert not (tmp_path / "state" / "carebench" / "crashes").exists()
