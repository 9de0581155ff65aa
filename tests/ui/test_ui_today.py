"""The Today screen and the app's navigation, driven through Pilot on the fixed-date demo portfolio."""

from __future__ import annotations

from datetime import date

from carebench.app import queries
from carebench.app.session import Session
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.today import ActionTable, AgendaTable
from conftest import drawn_lines, record_notifications, settle

DAY = date(2026, 6, 15)


def agenda_rows(app):
    return list(app.screen.query_one(AgendaTable).rows)


def drawn(table) -> list[str]:
    """The lines the table draws: its header, then one per row."""
    return [table.render_line(y).text for y in range(table.row_count + 1)]


async def test_today_lists_overdue_first_then_due(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        rows = agenda_rows(app)
        expected = queries.agenda(Session(demo_db, DAY, actor="ana"))
        assert [(r.client, r.kind, r.status) for r in rows] == [(i.client, i.kind, i.status) for i in expected.items]
        statuses = [r.status for r in rows]
        assert statuses == sorted(statuses, key=lambda s: s != "overdue")
        actions = app.screen.query_one(ActionTable)
        assert list(actions.rows) == list(expected.action_items)
        overdue = sum(1 for r in rows if r.status == "overdue")
        summary = str(app.screen.query_one("#summary").render())
        assert (
            f"Monday 15 June 2026 · everyone's · {len(rows)} touchpoints ({overdue} overdue) · {len(expected.action_items)} action items due"
        ) == summary

        # What each row says: the client, the kind, the band as a word, when (an overdue one since when), the phase.
        lines = drawn(app.screen.query_one(AgendaTable))
        # The covers column is there only when a touchpoint of the day covers another (a held daily series under a weekly).
        covering = ["covers"] if any(r.covers for r in rows) else []
        assert lines[0].split() == ["client", "kind", "band", "when", "phase", *covering, "owner"]
        for row, line in zip(rows, lines[1:]):
            name = lines[0].index(" kind") - 2  # the width the names get (less when the covers column takes room)
            shown = line[1 : name + 1].rstrip()
            assert shown == row.client_name or (shown.endswith("…") and row.client_name.startswith(shown[:-1].rstrip()))
            assert line[name + 1 :].startswith(f"  {row.kind:<13}  {'● ' + row.band if row.band else '– none':<9}  ")
            when = f"overdue ×{row.missed} · {row.date:%d %b}" if row.status == "overdue" else "due"
            assert f"  {when:<19}  " in line
        late = [item for item in expected.action_items if item.due < DAY]
        assert late, "the demo portfolio has action items past due"
        for item, line in zip(expected.action_items, drawn(actions)[1:]):
            assert f" {item.client_name:<30}  {item.due.isoformat()}  {item.priority:<8}  {item.owner:<10}  " in line
            assert item.text[:40] in line


async def test_at_120_columns_no_column_is_drawn_empty_and_owners_and_action_texts_fit_the_screen(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for table in (app.screen.query_one(AgendaTable), app.screen.query_one(ActionTable)):
            assert table.virtual_size.width <= table.size.width  # nothing to scroll sideways to
            lines = drawn(table)
            header = lines[0]
            labels = header.split()
            assert ("covers" in labels) == any(getattr(row, "covers", None) for row in table.rows)
            for label in labels:  # every column drawn has something in some row
                start = header.index(f" {label}") + 1
                assert any(line[start : start + len(label)].strip() for line in lines[1:]), label
            owner = header.index(" owner") + 1
            assert [line[owner:].split()[0] for line in lines[1:]] == [row.owner for row in table.rows]
        actions = app.screen.query_one(ActionTable)
        assert any(item.text in line for item, line in zip(actions.rows, drawn(actions)[1:]))


async def test_overdue_rows_say_so_in_the_theme_s_error_colour_and_the_cursor_s_row_reads_in_its_own(demo_db):
    from rich.color import Color

    app = CarebenchApp(demo_db, today=DAY, user="ana", theme="carebench-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        agenda = app.screen.query_one(AgendaTable)
        assert [r.status for r in agenda.rows[:2]] == ["overdue", "overdue"] and agenda.cursor_index == 0

        def when(y: int):
            return next(segment.style for segment in agenda.render_line(y) if segment.text.startswith("overdue"))

        error = Color.parse(app.theme_variables["error"])
        assert when(2).color == error  # the second row
        assert when(1).color != error and when(1).bgcolor == Color.parse(app.theme_variables["block-cursor-background"])
        agenda.action_cursor_down()
        await pilot.pause()
        assert when(1).color == error and when(2).color != error
        app.theme = "high-contrast"
        await settle(app, pilot)
        assert when(1).color == Color.parse(app.theme_variables["error"])


async def test_opening_the_workbench_leaves_the_settings_file_as_it_is_and_a_theme_chosen_then_is_remembered(demo_db):
    import json
    import os

    from carebench.app.settings import remembered

    settings = demo_db.parent / "xdg_config_home" / "carebench" / "settings.json"
    settings.parent.mkdir(parents=True)
    kept = json.dumps({"theme": "high-contrast", "other": "kept"}, indent=2)
    settings.write_text(kept, encoding="utf-8")
    os.chmod(settings, 0o600)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.theme == "high-contrast"
        assert settings.read_text(encoding="utf-8") == kept  # the remembered theme is read, nothing is written
        app.theme = "carebench-dark"
        await settle(app, pilot)
    assert remembered("theme") == "carebench-dark" and remembered("other") == "kept"


async def test_done_removes_the_row_and_is_stored(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        due = [r for r in agenda_rows(app) if r.status == "due"]
        target = due[0]
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(agenda_rows(app).index(target))
        notes = record_notifications(app, monkeypatch)
        await pilot.press("d")
        await settle(app, pilot)
        remaining = [(r.client, r.kind, r.status) for r in agenda_rows(app)]
        assert (target.client, target.kind, "due") not in remaining
        assert notes == [("information", f"{target.client_name}: {target.kind} of {target.date} done (u undoes it)")]
    with Store(demo_db) as store:
        log = store.audit_log(target.client, 1)[0]
    assert log["action"] == "done" and log["actor"] == "ana"


async def test_u_takes_back_the_last_outcome_and_the_row_is_on_the_agenda_again(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        notes = record_notifications(app, monkeypatch)
        await pilot.press("u")
        assert notes == [("warning", "Nothing to undo: no touchpoint outcome or closed action item in this session")]
        before = [(r.client, r.kind, r.status) for r in agenda_rows(app)]
        target = next(r for r in agenda_rows(app) if r.status == "due")
        app.screen.query_one(AgendaTable).move_cursor(agenda_rows(app).index(target))
        await pilot.press("d")
        await settle(app, pilot)
        assert (target.client, target.kind, "due") not in [(r.client, r.kind, r.status) for r in agenda_rows(app)]
        await pilot.press("u")
        await settle(app, pilot)
        assert [(r.client, r.kind, r.status) for r in agenda_rows(app)] == before
        assert notes[-1] == ("information", f"Undone: {target.client_name}: {target.kind} of {target.date} done")
        notes.clear()
        await pilot.press("u")  # once only
        assert notes[0][0] == "warning"
    with Store(demo_db) as store:
        log = store.audit_log(target.client, 2)
    assert [entry["action"] for entry in log] == ["reopen", "done"]


async def test_u_opens_again_an_action_item_closed_by_mistake(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("tab")
        actions = app.screen.query_one(ActionTable)
        before = [item.id for item in actions.rows]
        await pilot.press("d")
        await settle(app, pilot)
        assert len(actions.rows) == len(before) - 1
        await pilot.press("u")
        await settle(app, pilot)
        assert [item.id for item in actions.rows] == before


async def test_done_on_an_action_item_marks_it_done_on_the_real_day_even_when_planning_another(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("right_square_bracket")  # planning tomorrow
        await settle(app, pilot)
        await pilot.press("tab")
        actions = app.screen.query_one(ActionTable)
        assert actions.has_focus and actions.cursor_index == 0
        actions.move_cursor(1)
        target = app.screen.selected()
        notes = record_notifications(app, monkeypatch)
        await pilot.press("d")
        await settle(app, pilot)
        assert target.id not in [item.id for item in actions.rows]
        assert notes == [("information", f"{target.client_name}: action item done (u undoes it)")]
        assert actions.cursor_index == 1  # the cursor stays where it was, on the next item
    with Store(demo_db) as store:
        items = store.client(target.client, parts={"action_items"}).action_items
    done = next(item for item in items if item.text == target.text)
    assert done.status == "done" and done.done_on == DAY


async def test_enter_on_a_touchpoint_starts_its_check_in(demo_db, monkeypatch):
    from textual.screen import Screen

    class StubCheckin(Screen):
        """Stands in for the check-in runner, which this test is not about."""

        def __init__(self, client, touchpoint_date, kind):
            super().__init__()
            self.started = (client, touchpoint_date, kind)

    monkeypatch.setattr("carebench.ui.screens.checkin.CheckinScreen", StubCheckin)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        agenda = app.screen.query_one(AgendaTable)
        agenda.move_cursor(2)
        row = agenda_rows(app)[2]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StubCheckin)
        assert app.screen.started == (row.client, row.date, row.kind)


async def test_skip_and_move_need_a_touchpoint_and_the_cursor_keeps_its_row_through_a_reload(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        agenda = app.screen.query_one(AgendaTable)
        agenda.move_cursor(3)
        kept = agenda_rows(app)[3]
        # Another user marks the first touchpoint done: the agenda loses a row, the cursor stays on its touchpoint.
        first = agenda_rows(app)[0]
        from carebench.core.models import TouchpointException

        with Store(demo_db, actor="sam") as other:
            other.record_exception(first.client, TouchpointException(date=first.date, kind=first.kind, status="done"))
        app.screen.reload()
        await settle(app, pilot)
        assert first not in agenda_rows(app)
        assert agenda.rows[agenda.cursor_index] == kept

        notes = record_notifications(app, monkeypatch)
        await pilot.press("tab", "s", "r")
        await pilot.pause()
        assert type(app.screen).__name__ == "TodayScreen"
        assert [severity for severity, _ in notes] == ["warning", "warning"]
        assert all(text == "Select a touchpoint first (tab switches between the two tables)" for _, text in notes)


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
        client = store.client(first.client, parts={"exceptions"})
    moved = [e for e in client.exceptions if e.status == "moved"]
    assert any(e.moved_to == date(2026, 6, 17) and e.kind == first.kind for e in moved)


async def test_add_action_item_form_validates_and_saves(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        client = agenda_rows(app)[0].client
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
        assert all(r.owner == "sam" for r in agenda_rows(app))
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
        first = app.screen.selected().client
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
        assert {"d", "s", "r", "u", "a", "m", "[", "]", "t", "1", "5", "c", "q"} <= set(keys)
        await pilot.press("escape")
        assert type(app.screen).__name__ == "TodayScreen"


async def test_another_process_writing_refreshes_the_screen(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        target = next(r for r in agenda_rows(app) if r.status == "due")
        from carebench.core.models import TouchpointException

        with Store(demo_db, actor="sam") as other:
            other.record_exception(target.client, TouchpointException(date=DAY, kind=target.kind, status="done"))
        app.poll_changes()
        await settle(app, pilot)
        app.poll_changes()
        await settle(app, pilot)
        assert (target.client, target.kind, "due") not in [(r.client, r.kind, r.status) for r in agenda_rows(app)]


async def test_empty_database_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = tmp_path / "empty.db"
    Store(path).close()
    app = CarebenchApp(path, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "No clients yet: press n to add the first one" in str(app.screen.query_one("#summary").render())
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "TodayScreen"


async def test_the_screen_paints_and_answers_keys_while_a_slow_store_loads(demo_db, monkeypatch):
    """The agenda's data comes from a store that takes as long as the test wants; the UI never waits for it."""
    import threading

    release = threading.Event()
    real = queries.agenda

    def slow_agenda(*args, **kwargs):
        release.wait(timeout=30)  # in a worker thread: only the data is late
        return real(*args, **kwargs)

    monkeypatch.setattr(queries, "agenda", slow_agenda)
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


def test_the_sqlite_library_warning_comes_once_per_database_and_user(tmp_path, monkeypatch):
    import sqlite3

    from carebench.app.errors import sqlite_warning_once

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.40.1")  # older than the WAL fix
    first, other = tmp_path / "team.db", tmp_path / "other.db"
    assert "SQLite 3.40.1 predates" in sqlite_warning_once(first)
    assert sqlite_warning_once(first) is None
    assert sqlite_warning_once(other) is not None  # another database: said once there too
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.41.0")  # still old, but another library: said again
    assert sqlite_warning_once(first) is not None
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.53.0")
    assert sqlite_warning_once(tmp_path / "new.db") is None


async def test_help_lists_this_screens_keys_then_carebenchs_then_moving_around_and_scrolls_at_80x24(demo_db):
    from carebench.ui.widgets.dialogs import KeysDialog

    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, KeysDialog)
        titles = [title for title, _ in dialog.groups]
        assert titles == ["Today", "carebench", "Moving around"]
        groups = {title: [key for key, _ in rows] for title, rows in dialog.groups}
        assert {"d", "s", "r", "u"} <= set(groups["Today"]) and "tab" not in groups["Today"]
        assert {"1", "6", "c", "?", "q", "^p"} <= set(groups["carebench"])
        assert "⏎" in groups["Today"]  # the agenda's enter: start the check-in
        assert "tab" in groups["Moving around"]
        scroll = dialog.query_one("VerticalScroll")
        assert scroll.max_scroll_y > 0  # more than 24 lines: it scrolls
        await pilot.press("down", "down", "pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("escape")
        assert type(app.screen).__name__ == "TodayScreen"


async def test_the_footer_keeps_help_and_quit_at_every_width(demo_db):
    from carebench.ui.widgets.chrome import KeyBar

    for width in (60, 80, 120):
        app = CarebenchApp(demo_db, today=DAY, user="ana")
        async with app.run_test(size=(width, 24)) as pilot:
            await settle(app, pilot)
            for key in ("1", "2"):
                await pilot.press(key)
                await settle(app, pilot)
                bar = app.screen.query_one(KeyBar)
                line = bar.render().plain
                assert len(line) <= width and line.rstrip().endswith("? Keys q Quit ^p palette"), (width, key, line)
                # The screen's keys before the right end are whole: each shown as "KEY Description", none cut in two.
                screen_keys, _ = bar.keys()
                left = line.split("▏")[0].rstrip()
                whole = [f"{key} {description}" for key, description, *_ in screen_keys]
                shown = [part for part in whole if part in left]
                assert left == " ".join(shown), (width, key, left)


async def test_at_80_columns_today_fits_the_screen_with_phase_and_owner_in_the_line_under_each_table(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        agenda, actions = app.screen.query_one(AgendaTable), app.screen.query_one(ActionTable)
        for table in (agenda, actions):
            assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing off to the right
            assert table.scroll_x == 0
        assert drawn(agenda)[0].split() == ["client", "kind", "band", "when"]
        header = drawn(actions)[0]
        assert header.split() == ["client", "due", "priority", "action"]
        # The first action item's text is on screen, whole or cut at the end of a word with an ellipsis.
        item = actions.rows[0]
        shown = drawn(actions)[1][header.index(" action") + 1 :].strip()
        assert len(shown) > 10
        if shown != item.text:
            assert shown.endswith("…") and item.text.startswith(shown[:-1]) and item.text[len(shown) - 1] in " ,;:.-"
        # What the tables leave out is in the line under each, for the row under its cursor.
        row = agenda.rows[0]
        agenda_line = str(app.screen.query_one("#agenda-detail").render())
        assert f"owner {row.owner}" in agenda_line and "Scaling & handover" in agenda_line
        assert f"owner {item.owner}" in str(app.screen.query_one("#action-detail").render())
        lines = drawn_lines(app.screen)
        assert any(agenda_line[:60] in line for line in lines)
        assert all(len(line) <= 80 for line in lines)
