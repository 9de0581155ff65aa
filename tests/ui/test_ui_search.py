"""The workbench's search (`/` on every screen, and the palette) and the full view of a past check-in, opened from a
hit and from Health, through Pilot over the search portfolio of test_search."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, Static

from carebench.app.commands import finish_checkin
from carebench.app.session import Session
from carebench.core.models import ActionItem, Assessment, CheckIn, Learning, Scores
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.health import HealthScreen
from carebench.ui.screens.search import HitList, RecordView, SearchScreen, found_text
from carebench.ui.widgets.dialogs import ChoiceDialog
from conftest import ACTOR, search_portfolio, settle, settle_until

DAY = date(2026, 6, 15)
LONG_NOTE = "The warehouse team asked again about the handheld scanners that lose their pairing whenever the dock doors close"


@pytest.fixture(autouse=True)
def private_folders(quiet_app):
    """Private user folders, no background polling (conftest)."""


@pytest.fixture
def database(tmp_path):
    """The search portfolio, and a check-in of acme finished today that stored a bit of everything."""
    from carebench.core.models import Portfolio

    path = tmp_path / "ui-search.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(Portfolio.model_validate(search_portfolio()))
    checkin = CheckIn(
        date=DAY,
        kind="weekly",
        author=ACTOR,
        planned_minutes=45,
        actual_minutes=50,
        attendees=["Dana Smith"],
        sections=[
            {"title": "Opening", "notes": LONG_NOTE + ".\nThe second line of the opening notes."},
            {"title": "Risks", "notes": "[bold]Pallet[/bold] labels smear in the cold store."},
        ],
        next_steps="Order cold-proof labels before Friday.",
    )
    scores = Scores(**{name: 6 for name in Scores.model_fields})
    finish_checkin(
        Session(path, DAY, actor="ana"),
        "acme",
        DAY,
        checkin,
        {"uptime": 98.5},
        Assessment(date=DAY, scores=scores, note="steadier week"),
        [ActionItem(text="Test the labels in the freezer", owner="ana", due=date(2026, 6, 19), priority="high")],
        [Learning(date=DAY, kind="lesson", what="Cold stores need their own label stock", who="ana")],
    )
    return path


def make_app(path) -> CarebenchApp:
    return CarebenchApp(path, today=DAY, user="ana", client="acme")


def shown(screen) -> str:
    """The text of a full view, as it reads."""
    return str(screen.query_one("#record", Static).render())


async def open_search(app, pilot) -> SearchScreen:
    await settle(app, pilot)
    await pilot.press("slash")
    await settle(app, pilot)
    assert isinstance(app.screen, SearchScreen)
    return app.screen


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(char, char) for char in text])


def test_found_text():
    hits = [{"source": "checkin"}, {"source": "checkin"}, {"source": "lesson"}, {"source": "decision"}]
    assert found_text(hits) == "4 found (2 check-ins, 1 lesson, 1 decision)"
    assert found_text([{"source": "decision"}]) == "1 found (1 decision)"


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5", "6"])
async def test_slash_opens_the_search_from_every_screen(database, key):
    app = make_app(database)
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        if key == "2":  # Portfolio's `/` filters its table; the search is in the palette there
            commands = [command.title for command in app.get_system_commands(app.screen)]
            assert "Search" in commands
            app.action_search()
        else:
            await pilot.press("slash")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search-text", Input).has_focus
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, SearchScreen)


async def test_hits_are_ranked_with_source_client_date_and_the_words_highlighted(database):
    app = make_app(database)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        # Nothing typed yet: the lessons and decisions, newest first, as Practice's search listed them.
        assert [hit["source"] for hit in screen.hits] == ["lesson", "decision", "lesson", "lesson"]
        assert "newest first" in str(screen.query_one("#search-summary", Static).render())

        await type_text(pilot, "forklift")  # nothing typed is lost to the screen's keys
        await settle(app, pilot)
        assert screen.query_one("#search-text", Input).value == "forklift"
        assert [(hit["client"], hit["source"]) for hit in screen.hits] == [("beta", "checkin"), ("cobalt", "checkin")]
        hits = screen.query_one(HitList)
        assert hits.option_count == 2
        prompt = hits.get_option_at_index(0).prompt
        text = str(prompt)
        assert "2026-06-01" in text and "Beta Health" in text and "monthly check-in" in text and "bob" in text
        marked = [text[span.start : span.end] for span in prompt.spans if "reverse" in str(span.style)]
        assert marked == ["Forklift", "forklift", "forklift"]
        assert "2 found (2 check-ins)" in str(screen.query_one("#search-summary", Static).render())

        await pilot.press(*["backspace"] * 8)
        await type_text(pilot, '"qzx (-')
        await settle(app, pilot)
        assert screen.hits == [] and hits.option_count == 0
        assert 'Nothing matches “"qzx (-”' in str(screen.query_one("#search-summary", Static).render())


async def test_enter_on_a_checkin_hit_opens_everything_it_stored(database):
    app = make_app(database)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_search(app, pilot)
        await type_text(pilot, "pallet labels")
        await settle(app, pilot)
        assert [(hit["source"], hit["date"]) for hit in screen.hits] == [("checkin", "2026-06-15")]
        await pilot.press("enter")  # to the hits
        assert screen.query_one(HitList).has_focus
        await pilot.press("enter")  # open the one highlighted
        await settle_until(app, pilot, lambda: isinstance(app.screen, RecordView) and "Opening" in shown(app.screen))
        text = shown(app.screen)
        for part in (
            "Acme Logistics · weekly check-in · 2026-06-15",
            "50 of 45 minutes planned · with Dana Smith",
            LONG_NOTE,
            "The second line of the opening notes.",
            "[bold]Pallet[/bold] labels smear in the cold store.",  # stored markup shown as it is
            "Order cold-proof labels before Friday.",
            "System uptime: 98.5%",
            "Scores (assessment of 2026-06-15)",
            "note: steadier week",
            "Test the labels in the freezer",
            "due 2026-06-19 · high · open",
            "lesson: Cold stores need their own label stock",
        ):
            assert part in text, part
        assert "achievement" in text and "expansion interest" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.query_one(HitList).has_focus


async def test_enter_on_a_lesson_shows_it_in_full_and_o_opens_its_client(database):
    app = make_app(database)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await type_text(pilot, "freeze")
        await settle(app, pilot)
        assert [hit["source"] for hit in screen.hits] == ["decision"]
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordView)
        text = shown(app.screen)
        assert "Acme Logistics · decision · 2026-03-01" in text and "by Dana" in text
        assert "Freeze report changes" in text and "weekly review" in text and "not given" in text
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, HealthScreen) and app.client_id == "acme"


async def test_a_lesson_noted_in_a_checkin_opens_that_checkin(database):
    app = make_app(database)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await type_text(pilot, "label stock")
        await settle(app, pilot)
        assert [hit["source"] for hit in screen.hits] == ["lesson"]
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert "Noted during a check-in" in shown(app.screen)
        await pilot.press("c")
        await settle_until(app, pilot, lambda: "Opening" in shown(app.screen))
        assert "Order cold-proof labels before Friday." in shown(app.screen)


async def test_health_cuts_past_checkins_at_a_word_and_opens_one_in_full(database):
    app = make_app(database)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        panel = str(screen.query_one("#checkins", Static).render())
        first_line = next(line for line in panel.splitlines() if line.strip().startswith("The warehouse"))
        assert first_line.endswith("…") and LONG_NOTE.startswith(first_line.strip()[:-1])
        assert LONG_NOTE[len(first_line.strip()) - 1] == " ", "cut at the end of a word, not inside one"
        assert "(v opens one)" in screen.query_one("#checkins").border_title
        assert ("v", "Check-ins") in [(key, description) for key, description, *_ in screen.query_one("KeyBar").keys()[0]]

        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # the newest: today's weekly
        await settle_until(app, pilot, lambda: isinstance(app.screen, RecordView) and "Opening" in shown(app.screen))
        assert "Order cold-proof labels before Friday." in shown(app.screen) and LONG_NOTE in shown(app.screen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_slash_in_a_view_opened_from_the_search_goes_back_to_it(database):
    app = make_app(database)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await type_text(pilot, "stuck")
        await settle(app, pilot)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordView)
        await pilot.press("slash")
        await settle(app, pilot)
        assert app.screen is screen and screen.query_one("#search-text", Input).has_focus
        assert sum(isinstance(s, SearchScreen) for s in app.screen_stack) == 1
