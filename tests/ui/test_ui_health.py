"""The Health screen (4) driven with Pilot over the database described in test_ui_kpis.

northwind on 2026-06-15: latest assessment 2026-06-01, every component 20/3 -> 6.67, overall 6.7 yellow;
previous 2026-05-04 at 8.3 green, so the delta is -1.6 and communication 9 -> 5 (-4) leads the drivers.
Evidence: 2 of 4 measured KPIs on target -> achievement 1 + 9 x 0.5 = 5.5 -> 6; the four improved KPIs keep
(0.4 + 1 + 1 + 1) / 4 = 85% of their best gain -> sustainability 1 + 9 x 0.85 = 8.65 -> 9.
Handover (day 70): band yellow, 50% of KPIs on target and one open high-priority action item.
"""

from __future__ import annotations

import pytest
from test_ui_kpis import TODAY, make_app, private_database, settle
from textual.widgets import Sparkline

from carebench.core.health import BAND_ADVICE
from conftest import drawn_lines, rendered


@pytest.fixture
def database(tmp_path, monkeypatch):
    return private_database(tmp_path, monkeypatch)


async def open_health(app, pilot):
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    return app.screen


async def test_breakdown_change_history_advice_suggestions_and_handover(database):
    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_health(app, pilot)
        assert screen.TITLE == "Health"
        title = rendered(screen.query_one("#health-title"))
        assert "Northwind Traders · gold · owner ana · day 70 · Scaling & handover · adoption: Honeymoon" in title

        overall = rendered(screen.query_one("#overall"))
        assert "6.7 ● yellow (at risk) ▼ -1.6 since 2026-05-04" in overall
        assert "assessed 2026-06-01" in overall and "calls missed" in overall

        breakdown = rendered(screen.query_one("#breakdown"))
        for component, weight in (("Performance", 40), ("Adoption", 30), ("Relationship", 30)):
            assert f"{component} 6.67 weight {weight}%" in breakdown
        assert "achievement ███████░░░ 7 suggest 6: 2 of 4 KPIs on target" in breakdown
        assert "sustainability ██████░░░░ 6 suggest 9: 4 improved KPIs keep 85% of the best gain on average" in breakdown
        assert "communication █████░░░░░ 5 suggest" in breakdown
        assert "of touchpoints in the last 30 days done on time" in breakdown
        assert "satisfaction ████████░░ 8" in breakdown
        assert "expansion interest ███████░░░ 7" in breakdown

        drivers = rendered(screen.query_one("#drivers"))
        assert "8.3 → 6.7 (▼ -1.6) since 2026-05-04" in drivers
        assert "communication 9 → 5 (−4) sustainability 8 → 6 (−2)" in drivers
        assert "satisfaction 9 → 8 (−1)" in drivers

        history = rendered(screen.query_one("#history"))
        assert "2 assessments, latest first: 2026-06-01 6.7 ● yellow 2026-05-04 8.3 ● green" in history
        assert screen.query_one("#history-line", Sparkline).data == [8.3, 6.7]

        advice = rendered(screen.query_one("#advice"))
        assert "What yellow asks for" in advice
        assert all(item in advice for item in BAND_ADVICE["yellow"])

        handover = rendered(screen.query_one("#handover"))
        assert "✗ Not ready for handover" in handover
        assert "• band is yellow, needs green" in handover
        assert "• 2 of 4 KPIs on target (50%), needs 80%" in handover
        assert "• 1 high-priority action item open" in handover
        assert "handover is considered from day" not in handover

        # 100 columns: one column, so the change panel sits under the breakdown.
        assert screen.has_class("-narrow")
        breakdown, drivers = screen.query_one("#breakdown"), screen.query_one("#drivers")
        assert drivers.region.x == breakdown.region.x and drivers.region.y > breakdown.region.y

        # Wide terminal: two columns, the change panel beside the breakdown.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert screen.has_class("-wide")
        assert drivers.region.x >= breakdown.region.right
        assert drivers.region.y < breakdown.region.bottom


async def test_every_panel_can_be_scrolled_to_after_the_expansion_screen_was_shown(database):
    # The expansion screen's tables bring rules of their own into the app's stylesheet: none may cut the panels short.
    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        screen = await open_health(app, pilot)
        scroll, panels = screen.query_one("#health-scroll"), screen.query_one("#health-grid")
        pulse = screen.query_one("#pulse")
        assert panels.outer_size.height > scroll.size.height and scroll.max_scroll_y > 0
        assert pulse.region.bottom <= panels.region.bottom
        scroll.scroll_end(animate=False)
        await pilot.pause()
        assert "No pulse answers yet" in rendered(pulse)
        assert pulse.region.bottom <= scroll.region.bottom


async def test_never_assessed_client_and_switching_client_refreshes(database):
    app = make_app(database, client="quietco")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_health(app, pilot)
        assert "Quiet Company · silver · owner bob · day 15 · Stabilization" in rendered(screen.query_one("#health-title"))
        assert "Not assessed yet" in rendered(screen.query_one("#overall"))
        assert "No assessment yet, so no sub-scores." in rendered(screen.query_one("#breakdown"))
        assert "No assessments yet." in rendered(screen.query_one("#history"))
        assert not screen.query_one("#advice").display
        assert not screen.query_one("#drivers").display
        handover = rendered(screen.query_one("#handover"))
        assert "✗ Not ready for handover" in handover
        assert "• handover is considered from day 61, this is day 15" in handover
        assert "• no health assessment yet" in handover
        assert "• no KPI has a current value yet" in handover

        app.set_client("northwind")
        await settle(app, pilot)
        assert "Northwind Traders" in rendered(screen.query_one("#health-title"))
        assert "6.7 ● yellow (at risk)" in rendered(screen.query_one("#overall"))
        assert screen.query_one("#advice").display


async def test_tickets_panel_logs_and_resolves_a_ticket(database):
    from datetime import datetime

    from carebench.core.models import Ticket
    from carebench.store import Store

    with Store(database) as store:
        store.add_ticket("northwind", Ticket(title="Scanner offline", impact="high", users="many", opened=datetime(2026, 6, 14, 9, 0)))
    app = make_app(database)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_health(app, pilot)
        panel = rendered(screen.query_one("#tickets"))
        assert "1 open · 0 resolved" in panel and "P1 T-1 Scanner offline · open" in panel

        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert form.focused is not None and form.focused.id == "f-title"  # the cursor is where typing starts
        for char in "Slow login":
            await pilot.press("space" if char == " " else char)
        await pilot.press("enter")
        await settle(app, pilot)
        panel = rendered(screen.query_one("#tickets"))
        assert "2 open" in panel and "P3 T-2 Slow login" in panel  # medium impact, some users

        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")  # the first open ticket: the P1
        await pilot.pause()
        form = app.screen
        form.query_one("#f-at").value = "2026-06-15 10:00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "1 open · 1 resolved" in rendered(screen.query_one("#tickets"))
    with Store(database) as store:
        resolved, _ = store.ticket("northwind", "T-1")
    assert resolved.resolved == datetime(2026, 6, 15, 10, 0) and resolved.first_response == resolved.resolved


async def test_checklist_items_are_ticked_from_the_health_screen(database):
    app = make_app(database)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_health(app, pilot)
        assert "0 of 8 done" in rendered(screen.query_one("#transfer"))
        assert "knowledge transfer not done: runbook handed over" in rendered(screen.query_one("#handover"))
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("enter")  # the first item: runbook
        await settle(app, pilot)
        transfer = rendered(screen.query_one("#transfer"))
        assert "1 of 8 done" in transfer and "✓ runbook handed over 2026-06-15" in transfer
        assert "runbook" not in rendered(screen.query_one("#handover"))
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("enter")  # again: not done after all
        await settle(app, pilot)
        assert "0 of 8 done" in rendered(screen.query_one("#transfer"))


async def test_pulse_answers_show_as_nps_by_quarter(database):
    from datetime import date

    from carebench.core.models import Pulse
    from carebench.store import Store

    with Store(database) as store:
        for day, who, recommend, satisfied in ((date(2026, 3, 10), "Ada", 6, 3), (date(2026, 5, 10), "Ada", 9, 4), (date(2026, 5, 12), "Bo", 10, 5)):
            store.add_pulse("northwind", Pulse(date=day, respondent=who, recommend=recommend, satisfaction=satisfied))
    app = make_app(database)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_health(app, pilot)
        pulse = rendered(screen.query_one("#pulse"))
        # all three: 2 promoters, 1 detractor -> +33; first quarter one detractor (-100), second two promoters (+100)
        assert "NPS +33 from 3 answers · satisfaction 4 of 5" in pulse
        assert "2026-01 -100, 2026-04 +100" in pulse
        # satisfaction suggestion: mean 4 of 5 in the last 90 days (two answers: 4, 5 -> 4.5 -> 9)
        assert "suggest 9: mean satisfaction 4.5 of 5 from 2 answers" in rendered(screen.query_one("#breakdown"))


async def test_tickets_panel_shows_the_support_clock(database, monkeypatch):
    from datetime import datetime

    from carebench.core.models import Ticket
    from carebench.store import Store

    class Noon(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 6, 15, 12, 0)

    monkeypatch.setattr("carebench.ui.screens.health.datetime", Noon)
    few = {"impact": "low", "users": "few"}
    with Store(database) as store:  # northwind is gold: first response by 17:00 on the business day
        store.add_ticket("northwind", Ticket(title="Friday report", opened=datetime(2026, 6, 12, 16, 0), **few))
        store.add_ticket(
            "northwind", Ticket(title="Answered", opened=datetime(2026, 6, 15, 8, 0), first_response=datetime(2026, 6, 15, 8, 30), **few)
        )
        store.add_ticket("northwind", Ticket(title="This morning", opened=datetime(2026, 6, 15, 10, 0), **few))
    app = make_app(database)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_health(app, pilot)
        panel = rendered(screen.query_one("#tickets"))
        assert "T-1 Friday report · open 68 h · response late by 2d 19h" in panel
        assert "T-2 Answered · open 4 h · resolves by Tue 08:00" in panel
        assert "T-3 This morning · open 2 h · responds by 17:00" in panel


async def test_tickets_panel_counts_tickets_by_category_open_now_and_come_in_over_the_support_weeks(database, monkeypatch):
    from datetime import datetime

    from carebench.core.models import Ticket
    from carebench.store import Store

    class Noon(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 6, 15, 12, 0)

    monkeypatch.setattr("carebench.ui.screens.health.datetime", Noon)
    few = {"impact": "low", "users": "few"}

    def ticket(category: str, opened: datetime, resolved: datetime | None = None) -> Ticket:
        return Ticket(title=f"A {category} ticket", category=category, opened=opened, resolved=resolved, first_response=resolved, **few)

    # The support KPIs' twelve weeks up to Monday 15 June start on Monday 30 March.
    with Store(database) as store:
        store.add_ticket("northwind", ticket("defect", datetime(2026, 6, 10, 9, 0)))  # open, came in
        store.add_ticket("northwind", ticket("defect", datetime(2026, 5, 1, 9, 0), datetime(2026, 5, 2, 9, 0)))  # came in
        store.add_ticket("northwind", ticket("question", datetime(2026, 4, 20, 9, 0), datetime(2026, 4, 20, 11, 0)))  # came in
        store.add_ticket("northwind", ticket("access", datetime(2026, 1, 5, 9, 0)))  # open since before the weeks
        store.add_ticket("northwind", ticket("data", datetime(2026, 2, 2, 9, 0), datetime(2026, 2, 3, 9, 0)))  # neither
    for size in ((120, 60), (45, 80)):
        app = make_app(database)
        async with app.run_test(size=size) as pilot:
            screen = await open_health(app, pilot)
            panel = screen.query_one("#tickets")
            text = rendered(panel)
            assert "2 open · 3 resolved" in text
            assert "By category open since 30 Mar defect 1 2 question 0 1 access 1 0" in text, text
            assert "data" not in text.split("By category")[1]
            assert all(len(line) <= size[0] for line in drawn_lines(panel)) and panel.region.right <= size[0]


async def test_h_hands_a_client_over_with_the_reason_its_gate_is_overridden_for(database):
    from carebench.app import queries
    from carebench.app.session import Session
    from carebench.ui.widgets.dialogs import PromptDialog

    app = make_app(database)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_health(app, pilot)
        handover = rendered(screen.query_one("#handover"))
        assert "✗ Not ready for handover" in handover
        # Northwind's weekly series ended on day 30 as planned, but its results have not passed the gate since.
        assert "⏸ Held at weekly:" in handover
        await pilot.press("h")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, PromptDialog) and "is not ready for handover (band is yellow, needs green;" in dialog.question
        assert app.focused is dialog.query_one("#answer")  # the cursor is where the reason is typed
        await pilot.press("enter")  # nothing typed: asked again, nothing stored
        await settle(app, pilot)
        assert app.screen is dialog and "say why" in rendered(dialog.query_one("#error"))
        await pilot.press(*"Client takes over", "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        card = queries.client_card(Session(database, TODAY, actor="ana"), "northwind")
        assert card.status == "handed_over" and card.handed_over.override == "Client takes over"
        handover = rendered(screen.query_one("#handover"))
        assert "✓ Handed over on 2026-06-15 by ana" in handover and "overriding the gate: Client takes over" in handover
