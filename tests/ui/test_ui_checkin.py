"""The guided check-in runner through Pilot: full runs, drafts, validation and the expansion conversation."""

from __future__ import annotations

from datetime import date

import pytest

from carebench.core.models import Client, Kpi, Opportunity, Reading
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.checkin import CheckinScreen, check_reading
from conftest import burst, drawn_lines, settle, settle_until, slowed

DAY = date(2026, 6, 15)


def stored_draft(db, client: str, kind: str = "daily"):
    """ana's stored draft of the client's touchpoint on DAY: (data, version, recovered copies), or None."""
    with Store(db, actor="ana") as store:
        return store.load_draft(client, DAY, kind)


def checkins_of(db, client: str) -> int:
    with Store(db) as store:
        return len(store.checkins(client))


async def open_runner(app, pilot, client: str, day: date, kind: str, **kwargs) -> CheckinScreen:
    await settle(app, pilot)
    screen = CheckinScreen(client, day, kind, **kwargs)
    await app.push_screen(screen)
    await settle(app, pilot)
    assert screen.ctx is not None
    return screen


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def finish(app, pilot) -> None:
    """Finish the check-in (ctrl+f) and close its summary."""
    await pilot.press("ctrl+f")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "SummaryDialog"
    await pilot.press("enter")
    await settle(app, pilot)


def slow_context(monkeypatch, seconds: float) -> None:
    """The check-in's load takes ``seconds``."""
    from carebench.app import checkin

    slowed(monkeypatch, checkin, "context", seconds)


async def leave_after_a_section(app, pilot, client: str, text: str, answer: str) -> None:
    """Open the client's daily check-in, type ``text``, move on a section, then leave it (escape, ``answer``)."""
    await open_runner(app, pilot, client, DAY, "daily")
    await type_text(pilot, text)
    await pilot.press("ctrl+n")  # a section change saves at once
    await settle(app, pilot)
    await pilot.press("escape")
    await pilot.pause()
    await pilot.press(answer)
    await settle(app, pilot)


def kpi_input(screen, key):
    return screen.query_one(f"#kpi-{key}")


async def test_enter_on_a_touchpoint_starts_its_script_with_the_cursor_in_the_notes(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CheckinScreen)
        assert screen.focused is screen.query_one("#notes")
        assert "section 1/" in drawn_lines(screen.query_one("#runbar"))[0]


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_header_shows_the_section_and_its_clocks_at_any_width(demo_db, size, monkeypatch):
    monkeypatch.setattr("carebench.ui.screens.checkin.monotonic", lambda: 1000.0)  # the clocks stand still
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=size) as pilot:
        screen = await open_runner(app, pilot, "brackenfield-foods", DAY, "recovery")
        lines = drawn_lines(screen.query_one("#runbar"))
        assert len(lines) == 1
        line = lines[0]
        assert "section 1/3 00:00/15:00 · total 00:00/35:00" in line
        assert "Brackenfield" in line  # the client, cut with an ellipsis if need be


async def test_keys_typed_while_the_check_in_opens_land_in_the_notes(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await app.push_screen(CheckinScreen("kestrel-ridge-outfitters", DAY, "daily"))
        await type_text(pilot, "early words")  # before the script has loaded
        await settle(app, pilot)
        assert app.screen.query_one("#notes").text == "early words"
        await type_text(pilot, " and more")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.screen.state["notes"]["0"] == "early words and more"


async def test_full_daily_check_in_is_stored_and_leaves_today(demo_db):
    client, kind = "kestrel-ridge-outfitters", "daily"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, kind)
        assert [s["minutes"] for s in screen.ctx["script"]["sections"]] == [5, 10, 5]
        await type_text(pilot, "Packing went live")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        key = screen.ctx["script"]["sections"][1]["kpis"][0]
        kpi = screen.ctx["kpis"][key]
        good = str(round((kpi["low"] + kpi["high"]) / 2, 1))
        kpi_input(screen, key).value = good
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-text").value = "Reprint the bench labels"
        form.query_one("#f-due").value = "2026-06-17"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Reprint the bench labels" in str(screen.query_one("#actions").render())
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        screen.query_one("#next-steps").value = "Call again tomorrow at nine"
        await pilot.pause()
        await finish(app, pilot)
        assert type(app.screen).__name__ == "TodayScreen"
        from carebench.ui.screens.today import AgendaTable

        assert not any(r.client == client and r.status == "due" for r in app.screen.query_one(AgendaTable).rows)
    with Store(demo_db) as store:
        stored = store.checkins(client)[0]
        assert store.drafts() == []
    assert stored["kind"] == kind and stored["author"] == "ana" and stored["planned_minutes"] == 20
    assert stored["sections"][0]["notes"] == "Packing went live"
    assert [{k: r[k] for k in ("kpi", "date", "value")} for r in stored["readings"]] == [{"kpi": key, "date": DAY.isoformat(), "value": float(good)}]
    assert stored["action_items"][0]["text"] == "Reprint the bench labels"
    assert stored["next_steps"] == "Call again tomorrow at nine"
    assert stored["attendees"] == list(screen.ctx["contacts"]) and stored["attendees"]  # the client's contacts by default
    assert stored["assessment"] is None


async def test_qbr_with_new_scores_records_an_assessment(demo_db):
    client = "meridale-health-supplies"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "quarterly")
        assert screen.ctx["script"]["planned_minutes"] == 80
        scores_at = next(i for i, s in enumerate(screen.ctx["script"]["sections"]) if "scores" in s["capture"])
        await pilot.press(*["ctrl+n"] * scores_at)
        await settle(app, pilot)
        assert screen.query_one("#score-achievement").value == str(screen.ctx["last_scores"]["achievement"])
        screen.query_one("#score-communication").value = "3"
        await pilot.pause()
        live = str(screen.query_one("#live-health").render())
        assert "overall" in live and "since" in live
        await finish(app, pilot)
    with Store(demo_db) as store:
        stored = store.checkins(client)[0]
        latest = store.client(client, parts={"assessments"}).assessments[-1]
    assert stored["assessment"]["scores"]["communication"] == 3
    assert latest.date == DAY and latest.scores.communication == 3


async def test_validation_errors_keep_the_runner_open_and_point_at_the_section(demo_db):
    client = "kestrel-ridge-outfitters"
    with Store(demo_db) as store:
        before = store.checkins(client)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        key = screen.ctx["script"]["sections"][1]["kpis"][0]
        kpi_input(screen, key).value = "12abc"
        await pilot.pause()
        assert "not a number" in str(screen.query_one(f"#hint-{key}").render())
        kpi_input(screen, key).value = str(screen.ctx["kpis"][key]["high"] * 10 + 1000)
        await pilot.pause()
        assert "plausible range" in str(screen.query_one(f"#hint-{key}").render())
        await pilot.press("ctrl+n", "ctrl+f")
        await settle(app, pilot)
        assert app.screen is screen and screen.section == 1
        # The cursor is in the value that is wrong, not in the notes: what is typed next goes there.
        assert screen.focused is kpi_input(screen, key)
        notes_before = screen.query_one("#notes").text
        kpi_input(screen, key).value = ""
        await type_text(pilot, "42")
        assert kpi_input(screen, key).value == "42" and screen.query_one("#notes").text == notes_before
    with Store(demo_db) as store:
        assert store.checkins(client) == before


@pytest.mark.parametrize("text, expected", [("", None), ("  ", None), ("42", 42.0), ("1,250", 1250.0)], ids=["empty", "blank", "plain", "thousands"])
def test_check_reading_accepts(text, expected):
    kpi = {"name": "Orders", "low": 0.0, "high": 5000.0}
    assert check_reading(text, kpi) == (expected, None)


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-1", "5001", "1e400"], ids=lambda t: t)
def test_check_reading_refuses(text):
    value, problem = check_reading(text, {"name": "Orders", "low": 0.0, "high": 5000.0})
    assert value is None and problem


async def test_interrupted_check_in_resumes_where_it_was(demo_db):
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await leave_after_a_section(app, pilot, client, "first notes", "k")
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        assert screen.section == 1
        assert screen.state["notes"]["0"] == "first notes"
        assert "Resumed your draft" in str(screen.query_one("#notice").render())
    app = CarebenchApp(demo_db, today=DAY, user="ben")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        assert screen.section == 0
        assert "ana also has a draft" in str(screen.query_one("#notice").render())


async def test_keeping_the_draft_stores_it_before_the_runner_closes(demo_db, monkeypatch):
    # A slow write (a busy shared server): the runner closes only once the draft is stored, so the write is
    # neither cancelled with the screen nor still running when the next session reads it.
    from carebench.app import commands

    slowed(monkeypatch, commands, "save_draft", 0.3)
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await leave_after_a_section(app, pilot, client, "first notes", "k")
        assert type(app.screen).__name__ == "TodayScreen"
        data, _, _ = stored_draft(demo_db, client)
        assert data["section"] == 1 and data["notes"]["0"] == "first notes"


async def test_cancel_and_discard_removes_the_draft(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await leave_after_a_section(app, pilot, "kestrel-ridge-outfitters", "to be thrown away", "d")
        assert type(app.screen).__name__ == "TodayScreen"
    with Store(demo_db) as store:
        assert store.drafts() == []


async def test_typing_is_saved_as_a_draft_after_a_pause(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_runner(app, pilot, "kestrel-ridge-outfitters", DAY, "daily")
        await type_text(pilot, "autosaved")
        assert stored_draft(demo_db, "kestrel-ridge-outfitters") is None  # not at each key: after the pause
        await settle_until(app, pilot, lambda: stored_draft(demo_db, "kestrel-ridge-outfitters") is not None, step=0.1)
        data, _, _ = stored_draft(demo_db, "kestrel-ridge-outfitters")
        assert data["notes"]["0"] == "autosaved"


async def test_expansion_conversation_records_its_outcome(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = tmp_path / "x.db"
    with Store(path, actor="ana") as store:
        store.add_client(
            Client(
                id="acme",
                name="Acme",
                tier="gold",
                go_live=date(2026, 1, 5),
                owner="ana",
                kpis=[
                    Kpi(
                        key="otd",
                        name="On time",
                        category="lagging",
                        unit="%",
                        direction="higher",
                        baseline=80,
                        target=95,
                        readings=[Reading(date=date(2026, 6, 1), value=96)],
                    )
                ],
            )
        )
        opp_id = store.add_opportunity("acme", Opportunity(title="Second site", value=100000, probability=30))
    app = CarebenchApp(path, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, "acme", DAY, "expansion", opportunity_id=opp_id)
        assert "Second site" in "\n".join(screen.ctx["script"]["sections"][1]["prompts"])
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")
        await settle(app, pilot)
        screen.query_one("#outcome-stage").value = "qualified"
        screen.query_one("#outcome-action").value = "Send the proposal outline"
        screen.query_one("#outcome-date").value = "2026-06-22"
        await pilot.pause()
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SummaryDialog"
    with Store(path) as store:
        opportunity = store.opportunities("acme")[0]
        checkin = store.checkins("acme")[0]
    assert opportunity["stage"] == "qualified" and opportunity["next_action"] == "Send the proposal outline"
    assert opportunity["next_action_date"] == "2026-06-22" and opportunity["version"] == 2
    assert checkin["kind"] == "expansion"


async def test_past_check_ins_show_on_the_health_screen_newest_first(demo_db):
    with Store(demo_db) as store:
        expected = store.checkins("corvane-freight")
    app = CarebenchApp(demo_db, today=DAY, user="ana", client="corvane-freight")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        timeline = str(app.screen.query_one("#checkins").render())
        assert expected and timeline.index(expected[0]["date"]) < timeline.index(expected[-1]["date"])
        assert expected[0]["kind"] in timeline


async def test_v_on_the_expansion_screen_starts_the_conversation(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        row = app.screen.selected()
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert app.screen.kind == "expansion" and app.screen.opportunity_id == row.id
        assert app.screen.ctx["opportunity"]["title"] == row.title


async def test_notes_box_paints_blank_while_textual_removes_it():
    """Textual clears a removed TextArea's styles before the compositor forgets it; a frame painted
    then must not end the check-in (it did, on a busy machine, between two sections)."""
    from textual.app import App
    from textual.geometry import Region

    from carebench.ui.screens.checkin import NotesArea

    class One(App):
        def compose(self):
            yield NotesArea("kept", id="notes")

    app = One()
    async with app.run_test() as pilot:
        area = app.query_one(NotesArea)
        await pilot.pause()
        assert any("kept" in line.text for line in area.render_lines(Region(0, 0, 20, 3)))
        # The state Textual leaves a TextArea in while removing it, after its focus moved on.
        area._component_styles.clear()
        area._rich_style_cache.clear()
        lines = area.render_lines(Region(0, 0, 20, 3))
        assert len(lines) == 3 and all(not line.text.strip() for line in lines)


async def test_a_lesson_noted_in_a_check_in_is_stored_with_it_and_survives_a_draft(demo_db):
    client, kind = "kestrel-ridge-outfitters", "daily"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, kind)
        await pilot.press("ctrl+l")
        await pilot.pause()
        form = app.screen
        assert form.focused.id == "f-what"
        await type_text(pilot, "Label stock runs out on Fridays")
        form.query_one("#f-why").value = "the supplier delivers on Mondays"
        form.query_one("#f-kind").value = "decision"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.state["learnings"] == [
            {"kind": "decision", "what": "Label stock runs out on Fridays", "why": "the supplier delivers on Mondays"}
        ]
        await app.workers.wait_for_complete()
        screen.save_draft_now()
        await settle(app, pilot)
    # Reopened (as after a dropped connection): the noted decision is still there, and Finish stores it.
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, kind)
        assert len(screen.state["learnings"]) == 1
        await finish(app, pilot)
    with Store(demo_db) as store:
        stored = store.checkins(client)[0]
        found = store.clients([client], parts={"learnings"})[0].learnings
    assert stored["learnings"] == [
        {"kind": "decision", "what": "Label stock runs out on Fridays", "why": "the supplier delivers on Mondays", "who": "ana"}
    ]
    assert [(x.kind, x.who) for x in found if x.source == f"daily check-in {DAY}"] == [("decision", "ana")]


async def test_the_hang_up_flush_writes_the_draft_at_once_on_the_ui_thread(demo_db):
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_runner(app, pilot, client, DAY, "daily")
        await type_text(pilot, "typed as the line dropped")
        app.flush_drafts()  # what SIGHUP does: no worker, no waiting for the debounce
        assert stored_draft(demo_db, client)[0]["notes"]["0"] == "typed as the line dropped"


async def test_a_hang_up_keeps_the_keys_read_just_before_it(demo_db, monkeypatch):
    """Keys the workbench had read but not yet handed to the notes when the line dropped are in the draft kept."""
    import signal

    from textual import events

    class NoWatchdog:  # the real one ends the process (here: the test run) a second on
        def __init__(self, *args) -> None:
            self.daemon = False

        def start(self) -> None:
            pass

    monkeypatch.setattr("carebench.ui.app.threading.Timer", NoWatchdog)
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_runner(app, pilot, client, DAY, "daily")
        for char in "typed as the line dropped":
            app.post_message(events.Key("space" if char == " " else char, char))
        app.post_message(events.Callback(callback=lambda: app.hang_up(signal.SIGHUP)))  # read after the keys
        await settle(app, pilot)
    assert stored_draft(demo_db, client)[0]["notes"]["0"] == "typed as the line dropped"


async def test_quitting_mid_check_in_asks_and_keeps_the_last_keystrokes(demo_db):
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_runner(app, pilot, client, DAY, "daily")
        await type_text(pilot, "said just before quitting")
        await pilot.press("ctrl+q")  # within the draft's debounce: nothing is stored yet
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceDialog"
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert isinstance(app.screen, CheckinScreen) and app.is_running
        await type_text(pilot, "!")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
    assert app.return_code in (0, None)
    assert stored_draft(demo_db, client)[0]["notes"]["0"] == "said just before quitting!"


async def test_screen_keys_do_not_leave_a_check_in_behind_on_another_screen(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, "kestrel-ridge-outfitters", DAY, "daily")
        await pilot.press("tab")  # focus off the notes
        assert screen.focused is not screen.query_one("#notes")
        await pilot.press("3")
        await pilot.pause()
        assert app.screen is screen and app.current_mode == "today"


async def test_pressing_finish_twice_stores_one_check_in(demo_db):
    client = "kestrel-ridge-outfitters"
    before = checkins_of(demo_db, client)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_runner(app, pilot, client, DAY, "daily")
        await type_text(pilot, "one finish")
        await pilot.press("ctrl+f", "ctrl+f", "ctrl+f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SummaryDialog"
        await pilot.press("enter")
        await settle(app, pilot)
    assert checkins_of(demo_db, client) == before + 1


async def test_a_local_copy_left_by_a_session_that_could_not_reach_the_database_is_merged_on_reopening(demo_db):
    from carebench.app import drafts
    from carebench.app.session import Session

    client = "kestrel-ridge-outfitters"
    session = Session(demo_db, DAY, actor="ana")
    drafts.keep_locally(session, client, DAY, "daily", {"notes": {"0": "kept on this machine"}}, None, "2026-06-15T09:00")
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        assert screen.state["notes"]["0"] == "kept on this machine"
        assert "Merged 1 copy" in str(screen.query_one("#notice").render())
        # the merged draft is stored as an edit is (after the debounce)
        await settle_until(app, pilot, lambda: (stored_draft(demo_db, client) or (None, None, [1]))[2] == [], step=0.1)
    data, _, recovered = stored_draft(demo_db, client)
    assert data["notes"]["0"] == "kept on this machine" and recovered == []
    assert not drafts.local_path(session, client, DAY, "daily").exists()


async def test_a_pasted_transcript_is_kept_and_one_past_the_limit_is_a_message_not_a_crash(demo_db, monkeypatch):
    from carebench.core.models import MAX_NOTES
    from conftest import record_notifications

    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    transcript = "Client: the month-end close ran late again.\n" * 4000  # 176,000 characters
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        notes = screen.query_one("#notes")
        notes.load_text(transcript + "x" * (MAX_NOTES + 10 - len(transcript)))
        await pilot.pause()
        heading = str(screen.query_one("#notes-heading").render())
        assert f"{MAX_NOTES + 10:,} characters, over the {MAX_NOTES:,}" in heading
        seen = record_notifications(app, monkeypatch)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert app.screen is screen and seen and seen[-1][0] == "error"
        assert screen.focused is screen.query_one("#notes")  # the section is shown again, the cursor in its notes
        screen.query_one("#notes").load_text(transcript)
        await pilot.pause()
        assert f"{len(transcript):,} of {MAX_NOTES:,} characters" not in str(screen.query_one("#notes-heading").render())
        seen.clear()
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SummaryDialog", seen
        await pilot.press("enter")
        await settle(app, pilot)
    with Store(demo_db) as store:
        assert store.checkins(client)[0]["sections"][0]["notes"] == transcript


async def test_the_daily_script_asks_for_the_teams_confidence_and_keeps_it_with_the_check_in(demo_db, run):
    client = "kestrel-ridge-outfitters"
    app = CarebenchApp(demo_db, today=DAY, user="ana", client=client)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, client, DAY, "daily")
        assert [("confidence" in s["capture"]) for s in screen.ctx["script"]["sections"]] == [False, False, True]
        await pilot.press("ctrl+n", "ctrl+n")
        await settle(app, pilot)
        field = screen.query_one("#confidence")
        field.value = "11"
        await pilot.pause()
        assert "a whole number from 1 to 10" in str(screen.query_one("#confidence-hint").render())
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert app.screen is screen and screen.focused.id == "confidence"  # refused: the cursor waits in the field to fix
        screen.focused.value = "8"
        await pilot.pause()
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert "team confidence 8/10" in app.screen.lines
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        assert "confidence 8/10" in str(app.screen.query_one("#checkins").render())
    assert run.json("checkins", client, "--json", db=demo_db)[0]["confidence"] == 8
    assert "8/10" in run.ok("checkins", client, db=demo_db).stdout


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_check_in_saved_dialog_shows_all_its_text(demo_db, size):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=size) as pilot:
        await open_runner(app, pilot, "brackenfield-foods", DAY, "recovery")
        await type_text(pilot, "Line 2 changeovers reviewed with the plant manager")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "SummaryDialog"
        box = dialog.query_one("Vertical")
        drawn = " ".join(" ".join(line.strip(" │╭╮╰╯─").split()) for line in drawn_lines(box))
        for line in ["Check-in saved", *dialog.lines, "enter: back to Today"]:
            assert " ".join(line.split()) in drawn


# ----- the daily script: lagging readings and the latest achievement ----------------------------------------------


def daily_client(path) -> None:
    """A platinum client on day 15 (a daily check-in on DAY), a KPI of each category, each read on 06-10 and 06-12.

    Since the reading before, against each KPI's gap from baseline to target: adherence +2 of 40 (5%), on-time
    delivery +3 of 15 (20%), cycle time -0.5 h of 4 h (12.5%, lower is better), errors +0.5 of 3 (worse).
    """

    def kpi(key, name, category, unit, direction, baseline, target, before, after):
        readings = [Reading(date=date(2026, 6, 10), value=before), Reading(date=date(2026, 6, 12), value=after)]
        return Kpi(key=key, name=name, category=category, unit=unit, direction=direction, baseline=baseline, target=target, readings=readings)

    with Store(path, actor="ana") as store:
        store.add_client(
            Client(
                id="acme",
                name="Acme",
                tier="platinum",
                go_live=date(2026, 6, 1),
                owner="ana",
                kpis=[
                    kpi("adherence", "Process adherence", "leading", "%", "higher", 50, 90, 60, 62),
                    kpi("otd", "On-time delivery", "lagging", "%", "higher", 80, 95, 85, 88),
                    kpi("cycle", "Cycle time", "lagging", "h", "lower", 10, 6, 9, 8.5),
                    kpi("errors", "Pick errors", "diagnostic", "%", "lower", 5, 2, 4, 4.5),
                ],
            )
        )


async def test_the_daily_check_in_records_lagging_readings_and_names_the_largest_improvement(tmp_path, quiet_app, run):
    path = tmp_path / "daily.db"
    daily_client(path)
    app = CarebenchApp(path, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runner(app, pilot, "acme", DAY, "daily")
        assert screen.ctx["script"]["sections"][1]["kpis"] == ("adherence", "otd", "cycle", "errors")  # every category
        last = screen.ctx["script"]["sections"][2]["prompts"][0]
        assert last.startswith("Start from the latest win: On-time delivery improved from 85% to 88%.")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert kpi_input(screen, "otd") and kpi_input(screen, "cycle")  # the lagging KPIs are asked for
        kpi_input(screen, "otd").value = "89"  # +1 of 15 since 88
        kpi_input(screen, "cycle").value = "6.5"  # -2 h of 4 since 8.5: the largest improvement now
        kpi_input(screen, "errors").value = "lots"  # not a reading: it does not count
        await pilot.pause()
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        prompts = str(screen.query_one("#prompts").render())
        assert "Start from the latest win: Cycle time improved from 8.5 h to 6.5 h." in prompts
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        kpi_input(screen, "errors").value = ""
        await pilot.pause()
        await finish(app, pilot)
    kpis = {k["key"]: k for k in run.json("kpis", "acme", "--date", "2026-06-15", "--json", db=path)}
    assert {key: (k["current"], k["current_date"]) for key, k in kpis.items() if key in ("otd", "cycle", "errors")} == {
        "otd": (89, "2026-06-15"),
        "cycle": (6.5, "2026-06-15"),
        "errors": (4.5, "2026-06-12"),
    }


def test_the_achievement_counts_readings_taken_and_one_of_the_same_day_replaces_the_current():
    from carebench.app.checkin import NO_ACHIEVEMENT, achievement

    def kpi(key, current, previous, current_date="2026-06-12"):
        return {
            "key": key,
            "name": key.title(),
            "unit": "%",
            "direction": "higher",
            "baseline": 0,
            "target": 10,
            "current": current,
            "previous": previous,
            "current_date": current_date,
        }

    kpis = {"a": kpi("a", 5, 4), "b": kpi("b", 6, 6, current_date="2026-06-15")}
    assert achievement(kpis, {}, "2026-06-15") == "A improved from 4% to 5%"
    # b read again today replaces today's 6: the move is from the 6 before it, to 8
    assert achievement(kpis, {"b": 8}, "2026-06-15") == "B improved from 6% to 8%"
    assert achievement(kpis, {"a": 3}, "2026-06-15") == NO_ACHIEVEMENT  # a fell from 5: nothing improved
    assert achievement({"c": kpi("c", None, None)}, {"c": 7}, "2026-06-15") == NO_ACHIEVEMENT  # a first reading is no move


def retrospective_client(path, go_live: date, tier: str = "gold") -> None:
    with Store(path, actor="ana") as store:
        store.add_client(Client(id="acme", name="Acme", tier=tier, go_live=go_live, owner="ana"))


async def test_a_retrospective_keeps_each_line_of_its_notes_as_a_lesson_or_a_decision(tmp_path, quiet_app):
    from carebench.app.queries import agenda

    path = tmp_path / "retro.db"
    day = date(2026, 6, 16)
    retrospective_client(path, date(2026, 5, 18))  # day 30 on a Tuesday, the day after a weekly review
    app = CarebenchApp(path, today=day, user="ana", client="acme")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert [(i.kind, i.covers) for i in agenda(app.session(), day=day).items if i.status == "due"] == [("retrospective", ())]
        screen = await open_runner(app, pilot, "acme", day, "retrospective")
        assert [s["title"] for s in screen.ctx["script"]["sections"]] == ["What worked", "What did not work", "Decisions", "Next phase"]
        assert app.focused.id == "notes"
        assert "each line is kept as a lesson" in str(screen.query_one("#notes-heading").render())
        await type_text(pilot, "- Super users answered the floor")
        await pilot.press("enter", "enter")
        await type_text(pilot, "2. Daily stand-ups kept issues small")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        await type_text(pilot, "Training came too late for nights")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert "each line is kept as a decision" in str(screen.query_one("#notes-heading").render())
        await type_text(pilot, "Step down to biweekly once nights are trained")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SummaryDialog"
        assert "3 lessons and 1 decision recorded" in " ".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("enter")
        await settle(app, pilot)
    with Store(path) as store:
        found = store.clients(["acme"], parts={"learnings"})[0].learnings
        (checkin,) = store.checkins("acme")
    assert checkin["kind"] == "retrospective"
    assert sorted((x.kind, x.what, x.source, x.who) for x in found) == [
        ("decision", "Step down to biweekly once nights are trained", f"retrospective check-in {day}: Decisions", "ana"),
        ("lesson", "Daily stand-ups kept issues small", f"retrospective check-in {day}: What worked", "ana"),
        ("lesson", "Super users answered the floor", f"retrospective check-in {day}: What worked", "ana"),
        ("lesson", "Training came too late for nights", f"retrospective check-in {day}: What did not work", "ana"),
    ]


LEARNING_SECTIONS = ["What worked", "What did not work", "Decisions"]
SHARED = [
    # silver, 04-30: day 90 and the end of the first quarter (clamped); the quarterly stands
    ("a review standing over a retrospective", "silver", date(2026, 1, 31), date(2026, 4, 30), "quarterly", "Quarterly business review"),
    # gold, Monday 06-15: day 30, and the weekly and biweekly of Sunday's day 29 moved onto it; the retrospective stands
    ("a retrospective standing over reviews", "gold", date(2026, 5, 17), DAY, "retrospective", "Weekly performance review"),
]


@pytest.mark.parametrize(("tier", "go_live", "day", "kind", "lead"), [case[1:] for case in SHARED], ids=[case[0] for case in SHARED])
async def test_a_retrospective_sharing_its_day_follows_the_other_touchpoints_script(tmp_path, quiet_app, tier, go_live, day, kind, lead):
    from carebench.app.scriptbook import scripts_in_force

    path = tmp_path / "shared.db"
    retrospective_client(path, go_live, tier=tier)
    scripts, _ = scripts_in_force()
    leading = next(s for s in scripts.values() if s.title == lead)
    app = CarebenchApp(path, today=day, user="ana", client="acme")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runner(app, pilot, "acme", day, kind)
        script = screen.ctx["script"]
        assert script["title"] == f"{lead}, then the phase retrospective"
        assert [s["title"] for s in script["sections"]] == [*(s.title for s in leading.section), *LEARNING_SECTIONS]
        assert script["planned_minutes"] == leading.planned_minutes + 25


async def test_what_is_typed_while_a_slow_check_in_loads_lands_in_its_notes(demo_db, monkeypatch):
    slow_context(monkeypatch, 5.5)  # longer than any fixed wait: the keys wait for the check-in, however long
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = CheckinScreen("kestrel-ridge-outfitters", DAY, "daily")
        await app.push_screen(screen)
        burst(app, *"hello")
        await settle_until(app, pilot, lambda: screen.ctx is not None and screen.focused is not None, step=0.2)
        await settle(app, pilot)
        assert screen.query_one("#notes").text.endswith("hello")


async def test_escape_while_a_check_in_loads_leaves_it_and_drops_what_was_typed_for_it(demo_db, monkeypatch):
    slow_context(monkeypatch, 2.0)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        today = app.screen
        await app.push_screen(CheckinScreen("kestrel-ridge-outfitters", DAY, "daily"))
        burst(app, *"dd", "escape")  # d marks a touchpoint done on Today: the two typed for the notes must not get there
        await pilot.pause(0.5)
        assert app.screen is today  # at once, not once the load ends (a load that never ends does not trap the keys)
        await settle(app, pilot)  # the load ends: nothing opens
        await pilot.pause(0.2)
        assert app.screen is today and not any(isinstance(s, CheckinScreen) for s in app.screen_stack)
    assert stored_draft(demo_db, "kestrel-ridge-outfitters") is None


async def test_escape_typed_right_after_a_section_change_comes_after_what_was_typed_before_it(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runner(app, pilot, "kestrel-ridge-outfitters", DAY, "daily")
        burst(app, "ctrl+n", *"ab", "escape")
        await settle_until(app, pilot, lambda: type(app.screen).__name__ == "ChoiceDialog")
        assert screen.section == 1 and screen.query_one("#notes").text.endswith("ab")  # kept, then asked about
