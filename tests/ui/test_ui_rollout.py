"""The workbench's part of the rollout and of support intensity calibration: the adoption panel of the KPIs screen's
operational dashboard, and the client forms' complexity fields with the suggested tier shown as they are typed.

acme (silver, go-live 2026-04-01; today 2026-06-15) rolls out a pilot of 50 users planned for 2026-05-04 (all 50
live), a second wave of 150 planned for 2026-07-01 (30 live) and a third wave not sized yet (5 live): the adoption
share is (50 + 30) / (50 + 150) = 40%.
"""

from __future__ import annotations

from datetime import date

from textual.widgets import Input, Select, Static

from carebench.app.commands import add_client, add_rollout_wave, init_database, record_wave_live
from carebench.app.session import Session
from carebench.ui.app import CarebenchApp
from carebench.ui.widgets.dialogs import FormDialog
from conftest import drawn_lines, rendered, settle, settle_until

DAY = date(2026, 6, 15)


def with_rollout(db) -> None:
    session = Session(db, DAY, actor="ana", create=True)
    add_client(session, "acme", "Acme Logistics", "silver", date(2026, 4, 1), owner="ana")
    add_client(session, "quiet", "Quiet Company", "gold", date(2026, 6, 1), owner="ana")
    add_rollout_wave(session, "acme", "Pilot", 50, date(2026, 5, 4))
    add_rollout_wave(session, "acme", "Wave 2", 150, date(2026, 7, 1))
    add_rollout_wave(session, "acme", "Wave 3")
    record_wave_live(session, "acme", 1, 50)
    record_wave_live(session, "acme", 2, 30)
    record_wave_live(session, "acme", 3, 5)


async def operational(app, pilot):
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    await pilot.press("o")
    await settle(app, pilot)
    return app.screen.query_one("#adoption")


async def test_the_operational_dashboard_shows_the_adoption_share_and_the_waves(db, quiet_app):
    with_rollout(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await operational(app, pilot)
        assert panel.display and panel.region.height > 0
        text = rendered(panel)
        assert "Rollout adoption 40% adopted: 80 of 200 users live (1 wave not sized yet, 5 live in it)" in text
        assert "1 Pilot 50 of 50 100% complete for 2026-05-04" in text
        assert "2 Wave 2 30 of 150 20% rolling out for 2026-07-01" in text
        assert "3 Wave 3 5 of – – not sized" in text
        # Another client: its panel says it has no waves and how to add one.
        app.set_client("quiet")
        await settle_until(app, pilot, lambda: "no rollout waves yet" in rendered(app.screen.query_one("#adoption")))
        # A live count recorded elsewhere shows once the screen reloads.
        app.set_client("acme")
        record_wave_live(Session(db, DAY, actor="ana"), "acme", 2, 150)
        app.refresh_all()
        await settle_until(app, pilot, lambda: "100% adopted: 200 of 200 users live" in rendered(app.screen.query_one("#adoption")))


async def test_at_80x24_each_wave_is_one_line(db, quiet_app):
    with_rollout(db)
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await operational(app, pilot)
        lines = [line.strip(" │╭╮╰╯─") for line in drawn_lines(panel)]
        waves = [line for line in lines if line[:2].strip() in ("1", "2", "3")]
        assert [line.split()[1] for line in waves] == ["Pilot", "Wave", "Wave"], lines
        assert [line.split()[-1] for line in waves] == ["2026-05-04", "2026-07-01", "sized"], "each wave's planned day is on its own line"


def field(form, name: str) -> Input:
    return form.query_one(f"#f-{name}", Input)


def note(form) -> str:
    return str(form.query_one("#note", Static).render())


async def test_the_new_client_form_suggests_the_tier_as_the_complexity_is_typed(db, run, quiet_app):
    init_database(Session(db, DAY, create=True))
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle_until(app, pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert note(form) == "record the complexity for a suggestion"
        await pilot.press(*"Northwind")
        field(form, "stakeholder_groups").focus()
        await pilot.press("3")
        assert note(form) == "gold: medium touch: 3 stakeholder groups (cultural change and internal capability not recorded)"
        assert "now" not in note(form), "gold is the tier chosen"
        await pilot.press("backspace", "5")
        assert note(form).startswith("platinum: high touch: 5 stakeholder groups") and note(form).endswith(" · now gold")
        form.query_one("#f-cultural_change", Select).value = "high"
        await pilot.pause()
        assert (
            note(form) == "platinum: high touch: 5 stakeholder groups and significant cultural change (internal capability not recorded) · now gold"
        )
        await pilot.press("backspace", "x")
        assert "stakeholder groups: 'x' is not a whole number" in str(form.query_one("#error", Static).render())
        assert note(form) == "–"
        await pilot.press("backspace", "0")
        assert "stakeholder_groups: must be at least 1" in str(form.query_one("#error", Static).render())
        await pilot.press("ctrl+s")
        assert app.screen is form, "refused, nothing stored"
        await pilot.press("backspace", "1")
        form.query_one("#f-cultural_change", Select).value = "low"
        form.query_one("#f-internal_capability", Select).value = "high"
        form.query_one("#f-tier", Select).value = "silver"
        await pilot.pause()
        assert note(form) == "silver: low touch: a single stakeholder group, little cultural change and strong internal capability"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
    card = run.json("client", "northwind", "--json", "--date", "2026-06-15", db=db)
    assert (card["stakeholder_groups"], card["cultural_change"], card["internal_capability"]) == (1, "low", "high")
    assert (card["suggested_tier"], card["suggestion_reason"]) == (
        "silver",
        "low touch: a single stakeholder group, little cultural change and strong internal capability",
    )


async def test_the_edit_form_opens_with_the_complexity_and_its_suggestion_and_clears_a_factor(db, run, quiet_app):
    session = Session(db, DAY, actor="ana", create=True)
    add_client(session, "acme", "Acme Logistics", "gold", date(2026, 4, 1), owner="ana", stakeholder_groups=4, cultural_change="medium")
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("e")
        await settle_until(app, pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert app.focused is field(form, "name")
        assert field(form, "stakeholder_groups").value == "4"
        assert note(form) == "platinum: high touch: 4 stakeholder groups (internal capability not recorded) · now gold"
        groups = field(form, "stakeholder_groups")
        groups.focus()
        await pilot.pause()
        groups.value = ""
        await pilot.pause()
        # At 80x24 the form scrolls; the suggestion sits right under the fields that make it.
        shown = form.query_one("#note")
        assert shown.region.y - groups.region.bottom < 8 and shown.region.bottom <= form.size.height
        assert note(form) == "gold: medium touch: moderate cultural change (stakeholder groups and internal capability not recorded)"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: app.screen is not form)
    card = run.json("client", "acme", "--json", "--date", "2026-06-15", db=db)
    assert (card["stakeholder_groups"], card["cultural_change"], card["suggested_tier"]) == (None, "medium", "gold")
    assert run.json("log", "--client", "acme", "--json", db=db)[0]["action"] == "edit-client"


async def test_a_wave_name_another_tool_wrote_is_shown_inert(db, quiet_app):
    import sqlite3

    with_rollout(db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE rollout_waves SET name = 'Pilot' || char(27) || '[2J' WHERE name = 'Pilot'")
    conn.commit()
    conn.close()
    app = CarebenchApp(db, today=DAY, user="ana", client="acme")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await operational(app, pilot)
        assert "1 Pilot\\x1b[2J 50 of 50" in rendered(panel)
