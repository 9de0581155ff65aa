"""Setting up and keeping the portfolio in the workbench: each form opens with the cursor in its first field, checks
what is typed through the core's rules (showing the problem as it is typed, refusing a bad value on save with
nothing stored), and what it saves is on the screen and in the command line's JSON."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, Select, Static

from carebench.app.commands import add_client, add_kpi, init_database
from carebench.app.session import Session
from carebench.ui.app import CarebenchApp
from carebench.ui.widgets.dialogs import FormDialog
from carebench.ui.widgets.forms import suggested_id
from carebench.ui.widgets.scores import AssessmentDialog
from conftest import burst, settle, settle_until, slowed

DAY = date(2026, 6, 15)


def error(form) -> str:
    return str(form.query_one("#error", Static).render())


def field(form, name: str) -> Input:
    return form.query_one(f"#f-{name}", Input)


async def put(pilot, form, name: str, value: str) -> None:
    """Set a field as if typed, and let the form hear of it."""
    field(form, name).value = value
    await pilot.pause()


async def form_opened(app, pilot, *keys: str, kind=FormDialog):
    await pilot.press(*keys)
    await settle_until(app, pilot, lambda: isinstance(app.screen, kind))
    return app.screen


async def assessment_opened(app, pilot) -> AssessmentDialog:
    """The assessment dialog, opened with s on Health."""
    await pilot.press("4")
    await settle(app, pilot)
    return await form_opened(app, pilot, "s", kind=AssessmentDialog)


def with_client(db) -> None:
    session = Session(db, DAY, actor="ana", create=True)
    add_client(session, "acme", "Acme Logistics", "silver", date(2026, 6, 1), owner="ana")
    add_kpi(session, "acme", "otd", "On-time delivery", "lagging", "%", "higher", 80, 95)


async def test_an_empty_database_opens_on_today_saying_how_to_add_the_first_client_and_that_key_adds_it(db, run):
    init_database(Session(db, DAY, create=True))
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "No clients yet: press n to add the first one" in summary
        form = await form_opened(app, pilot, "n")
        assert form.form_title == "New client" and app.focused is field(form, "name")
        await pilot.press(*"Northwind Logistics")
        assert field(form, "id").value == "northwind-logistics"  # suggested as the name is typed
        await put(pilot, form, "investment", "lots")
        assert "investment: 'lots' is not a number" in error(form)  # shown as it is typed
        await pilot.press("ctrl+s")
        assert app.screen is form and "investment" in error(form)
        await put(pilot, form, "investment", "250,000")
        await put(pilot, form, "go_live", "2026-02-30")
        await pilot.press("ctrl+s")
        assert app.screen is form and "go-live: '2026-02-30' is not a real date" in error(form)
        assert run.json("log", "--json", db=db) == []
        await put(pilot, form, "go_live", "2026-06-01")
        form.query_one("#f-tier", Select).value = "platinum"
        await put(pilot, form, "roi_target", "150")
        await put(pilot, form, "contacts", "Lee Park, COO, lee@northwind.example; Sam Roe")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form and app.client_id == "northwind-logistics")
        await settle_until(app, pilot, lambda: "Northwind Logistics" in [row.client_name for row in app.screen.query_one("#agenda").rows])
    card = run.json("client", "northwind-logistics", "--json", "--date", "2026-06-15", db=db)
    assert (card["name"], card["tier"], card["owner"], card["go_live"]) == ("Northwind Logistics", "platinum", "ana", "2026-06-01")
    assert (card["financials"]["investment"], card["financials"]["roi_target"]) == (250000, 150)
    assert card["contacts"] == [
        {"name": "Lee Park", "kind": "other", "role": "COO", "email": "lee@northwind.example"},
        {"name": "Sam Roe", "kind": "other"},
    ]


async def test_a_taken_id_is_refused_in_the_form_with_nothing_stored(db, run):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        form = await form_opened(app, pilot, "n")
        await pilot.press(*"Acme Logistics")
        assert field(form, "id").value == "acme-logistics"
        await put(pilot, form, "id", "acme")
        assert "id: there is a client 'acme' already" in error(form)
        await put(pilot, form, "id", "Acme!")
        assert error(form).startswith("id: must be lower-case letters")
        await pilot.press("ctrl+s")
        assert app.screen is form
        await pilot.press("escape")
        await settle(app, pilot)
    assert "unknown client 'acme-logistics'" in run("client", "acme-logistics", "--json", db=db).stderr
    assert [entry["action"] for entry in run.json("log", "--json", db=db)] == ["add-kpi", "add-client"]


def test_suggested_ids_step_past_taken_ones():
    assert suggested_id("Acme Logistics, Inc.", set()) == "acme-logistics-inc"
    assert suggested_id("Acme", {"acme", "acme-2"}) == "acme-3"
    assert suggested_id("!!!", set()) == ""


async def test_edit_client_saves_the_fields_and_a_tier_change_replans_from_the_day(db, run):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        form = await form_opened(app, pilot, "e")
        assert form.form_title == "Edit Acme Logistics" and app.focused is field(form, "name")
        await put(pilot, form, "roi_target", "ten")
        assert "ROI target: 'ten' is not a number" in error(form)
        await pilot.press("ctrl+s")
        assert app.screen is form
        await put(pilot, form, "roi_target", "120")
        await put(pilot, form, "name", "Acme Freight")
        await put(pilot, form, "contacts", "Lee Park, COO")
        form.query_one("#f-tier", Select).value = "platinum"
        await put(pilot, form, "tier_from", "2026-06-22")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
        await settle_until(app, pilot, lambda: "Acme Freight · platinum" in str(app.screen.query_one("#health-title").render()))
    card = run.json("client", "acme", "--json", "--date", "2026-06-15", db=db)
    assert (card["name"], card["tier"], card["financials"]["roi_target"]) == ("Acme Freight", "platinum", 120)
    assert card["tier_changes"] == [{"date": "2026-06-22", "previous": "silver"}]
    assert card["contacts"] == [{"name": "Lee Park", "kind": "other", "role": "COO"}]
    days = run.json("schedule", "acme", "--from", "2026-06-15", "--to", "2026-06-23", "--json", db=db)["touchpoints"]
    assert [tp["date"] for tp in days if "daily" in (tp["kind"], *tp["covers"])] == ["2026-06-22", "2026-06-23"]


async def test_new_and_edited_kpis_and_a_reading_outside_a_check_in(db, run):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        form = await form_opened(app, pilot, "n")
        assert form.form_title == "New KPI for Acme Logistics" and app.focused is field(form, "key")
        await pilot.press(*"Pick Rate")
        assert "key: must be lower-case letters" in error(form)
        await put(pilot, form, "key", "pick_rate")
        await put(pilot, form, "name", "Picks per hour")
        await put(pilot, form, "unit", "picks/h")
        await put(pilot, form, "baseline", "90")
        await put(pilot, form, "target", "x")
        await pilot.press("ctrl+s")
        assert app.screen is form and "target: 'x' is not a number" in error(form)
        await put(pilot, form, "target", "120")
        form.query_one("#f-category", Select).value = "leading"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
        await pilot.press("o")  # a leading KPI: on the operational tab
        await settle_until(app, pilot, lambda: "pick_rate" in [row.key for row in app.screen.rows["operational"]])

        await pilot.press("e")
        await settle(app, pilot)
        form = await form_opened(app, pilot, "m")  # the selected KPI of the executive tab: otd
        assert field(form, "key").value == "otd" and field(form, "baseline").value == "80"
        await put(pilot, form, "target", "97")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)

        form = await form_opened(app, pilot, "r")
        assert form.form_title == "Reading for Acme Logistics" and app.focused is field(form, "value")
        assert form.query_one("#f-kpi", Select).value == "otd"
        await pilot.press(*"9000")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: "outside" in error(form) or "implausible" in error(form) or "plausible" in error(form))
        assert app.screen is form
        await put(pilot, form, "value", "93.5")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
    kpis = {k["key"]: k for k in run.json("kpis", "acme", "--json", "--date", "2026-06-15", db=db)}
    assert (kpis["pick_rate"]["name"], kpis["pick_rate"]["category"], kpis["pick_rate"]["unit"], kpis["pick_rate"]["target"]) == (
        "Picks per hour",
        "leading",
        "picks/h",
        120,
    )
    assert (kpis["otd"]["target"], kpis["otd"]["current"]) == (97, 93.5)


async def test_the_kpi_form_takes_a_benchmark_and_a_team_mark_that_follows_the_category_until_set(db, run):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        form = await form_opened(app, pilot, "n")
        team = form.query_one("#f-team", Select)
        assert team.value == "no"  # a lagging KPI (the default category) is not on the team dashboard
        for name, value in (("key", "huddles"), ("name", "Daily huddles held"), ("baseline", "0"), ("target", "5"), ("benchmark", "about 4")):
            await put(pilot, form, name, value)
        assert error(form) == "benchmark: 'about 4' is not a number"
        await pilot.press("ctrl+s")
        assert app.screen is form
        await put(pilot, form, "benchmark", "4.5")
        form.query_one("#f-category", Select).value = "leading"
        await pilot.pause()
        assert team.value == "yes"  # follows the category
        team.value = "no"  # set by hand
        await pilot.pause()
        form.query_one("#f-category", Select).value = "diagnostic"
        await pilot.pause()
        form.query_one("#f-category", Select).value = "leading"
        await pilot.pause()
        assert team.value == "no"  # what was set by hand stays
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
        await pilot.press("t")
        await settle_until(app, pilot, lambda: app.screen.dashboard == "team" and not app.screen.waiting.get("team"))
        assert [row.key for row in app.screen.rows["team"]] == []  # the one leading KPI is unmarked
        await pilot.press("o")
        await settle_until(app, pilot, lambda: "huddles" in [row.key for row in app.screen.rows["operational"]])

        await pilot.press("down")
        await settle(app, pilot)
        form = await form_opened(app, pilot, "m")
        assert field(form, "benchmark").value == "4.5" and form.query_one("#f-team", Select).value == "no"
        await put(pilot, form, "benchmark", "")  # no benchmark any more
        form.query_one("#f-team", Select).value = "yes"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
        await pilot.press("t")
        await settle_until(app, pilot, lambda: [row.key for row in app.screen.rows["team"]] == ["huddles"])
    kpis = {k["key"]: k for k in run.json("kpis", "acme", "--json", "--date", "2026-06-15", db=db)}
    assert (kpis["huddles"]["category"], kpis["huddles"]["benchmark"], kpis["huddles"]["team"]) == ("leading", None, True)
    assert (kpis["otd"]["benchmark"], kpis["otd"]["team"]) == (None, False)


async def test_an_assessment_outside_a_check_in_with_live_overall_and_band(db, run):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 44)) as pilot:
        dialog = await assessment_opened(app, pilot)
        assert app.focused is dialog.query_one("#score-achievement", Input)
        live = dialog.query_one("#live-health", Static)
        assert "achievement: a whole number from 1 to 10" in str(live.render())  # nothing assessed yet: nothing prefilled
        for name in ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction"):
            dialog.query_one(f"#score-{name}", Input).value = "8"
        dialog.query_one("#score-expansion_interest", Input).value = "11"
        await pilot.pause()
        assert "expansion interest: a whole number from 1 to 10" in str(live.render())
        await pilot.press("ctrl+s")
        assert app.screen is dialog and "expansion interest" in error(dialog)
        dialog.query_one("#score-expansion_interest", Input).value = "8"
        await pilot.pause()
        assert "overall 8.0" in str(live.render()) and "green" in str(live.render())
        dialog.query_one("#f-note", Input).value = "steady after go-live"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not dialog)
        await settle_until(app, pilot, lambda: app.screen.data.detail.health.overall == 8.0)
    health = run.json("health", "acme", "--json", "--date", "2026-06-15", db=db)
    assert (health["overall"], health["band"], health["date"]) == (8.0, "green", "2026-06-15")


@pytest.mark.parametrize("screen", ["2", "3", "4"])
async def test_a_new_action_item_from_other_screens_than_today(db, run, screen):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(screen)
        await settle(app, pilot)
        form = await form_opened(app, pilot, "a")
        assert form.form_title == "New action item for Acme Logistics" and app.focused is field(form, "text")
        await put(pilot, form, "due", "soon")
        assert error(form).startswith("due: 'soon' is not a date")
        await pilot.press(*"Share the runbook")
        await put(pilot, form, "due", "2026-06-19")
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
    today = run.json("today", "--json", "--date", "2026-06-19", db=db)
    assert [(a["client"], a["text"], a["owner"]) for a in today["action_items"]] == [("acme", "Share the runbook", "ana")]


async def test_the_palette_offers_every_form(db):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("New client", "Edit client", "Change tier", "New KPI", "Record a reading", "Record an assessment", "New action item"):
            assert title in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Record a reading")
        command.callback()
        await settle_until(app, pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.form_title == "Reading for Acme Logistics"


LONG = (
    "Skip the intervention touchpoint of Harbourline Insurance Services on 2026-06-15: the claims team lead is away "
    "all week and the plant manager asked to move the review of changeover times, overtime and scrap to next Monday"
)


def dialogs_with_long_text():
    from carebench.ui.screens.checkin import ChoiceDialog as KeyChoice
    from carebench.ui.screens.checkin import SummaryDialog
    from carebench.ui.widgets.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog

    return {
        "prompt": lambda: PromptDialog(LONG, lambda text: (text, None)),
        "choice": lambda: ChoiceDialog(LONG, [("a", "one"), ("b", "two")]),
        "keys-choice": lambda: KeyChoice(LONG, {"k": "keep the draft", "d": "discard it"}),
        "confirm": lambda: ConfirmDialog(LONG),
        "summary": lambda: SummaryDialog([LONG, "2 KPI readings recorded"]),
    }


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", list(dialogs_with_long_text()))
async def test_every_dialog_shows_all_its_text(kind, size):
    from pathlib import Path

    from textual.app import App
    from textual.containers import Vertical

    import carebench.ui.app
    from conftest import drawn_lines

    class Host(App):
        CSS_PATH = str(Path(carebench.ui.app.__file__).with_name("app.tcss"))  # the workbench's stylesheet

        def on_mount(self) -> None:
            self.push_screen(dialogs_with_long_text()[kind]())

    app = Host()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one(Vertical)
        drawn = " ".join(" ".join(line.strip(" │╭╮╰╯─").split()) for line in drawn_lines(box))
        assert LONG in drawn
        assert box.region.right <= size[0] and box.region.bottom <= size[1]


async def test_keys_typed_ahead_into_a_form_that_is_still_opening_all_land_in_its_first_field(db):
    init_database(Session(db, DAY, create=True))
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        burst(app, "n", *"Harbor Foods")
        await settle_until(app, pilot, lambda: isinstance(app.screen, FormDialog))
        await settle(app, pilot)
        assert field(app.screen, "name").value == "Harbor Foods"
        assert field(app.screen, "id").value == "harbor-foods"


async def test_keys_typed_ahead_across_tabs_each_land_in_the_field_the_cursor_had_reached(db):
    with_client(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 44)) as pilot:
        dialog = await assessment_opened(app, pilot)
        scores = ["8", "7", "9", "6", "8", "7", "9", "6", "8"]
        keys = [key for score in scores for key in (score, "tab")]
        burst(app, *keys)
        await settle(app, pilot)
        from carebench.core.terms import SUBSCORES

        assert [dialog.query_one(f"#score-{name}", Input).value for name in SUBSCORES] == scores
        assert app.focused is dialog.query_one("#f-date", Input)  # the ninth tab moved on to the day


async def test_escape_while_a_form_loads_means_it_does_not_open(db, monkeypatch):
    from carebench.ui import upkeep

    init_database(Session(db, DAY, create=True))
    slowed(monkeypatch, upkeep, "_client_ids", 2.0)
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        burst(app, "n", *"Har", "escape", "2")
        await pilot.pause(0.5)
        # The keys after escape are not kept for the form: they go on at once (2: Portfolio), while it still loads.
        assert app.current_mode == "portfolio" and not isinstance(app.screen, FormDialog)
        await settle(app, pilot)
        await pilot.pause(0.2)
        assert app.current_mode == "portfolio" and not isinstance(app.screen, FormDialog)  # nor does it open once loaded
