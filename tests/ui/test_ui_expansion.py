"""The Expansion screen: the pipeline by stage, next actions, the form and stage moves through Pilot; and its pure helpers.

The pipeline, as of 2026-06-15 (opportunity ids in import order):
1 acme   (red: hold)       Extra site           proposed    80,000 x 10 % =  8,000  next: "Call the CIO", no date
2 beta   (yellow: nurture) Analytics add-on     identified  50,000 x 25 % = 12,500  next: 2026-07-01; investment 10-20k, months 3-6
3 beta                     Training             won         10,000 x 100 %
4 cobalt (green: ready)    Self-service portal  qualified  120,000 x 40 % = 48,000  next: 2026-06-10 (overdue)
5 cobalt                   Old idea             lost        30,000 x 0 %
Open pipeline: 3 opportunities, 250,000, weighted 68,500. dune has no opportunities.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from carebench.app.readmodels import PipelineRow
from carebench.core.models import Assessment, Client, Opportunity, Portfolio, Scores
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.expansion import (
    ConfirmDialog,
    NextActionsTable,
    PipelineTable,
    by_stage,
    edited,
    fit_names,
    next_actions,
    stage_moved,
    with_stage,
)
from conftest import record_notifications, settle, settle_until

DAY = date(2026, 6, 15)
NAMES = ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction", "expansion_interest")


def assessment(day: date, *values: int) -> Assessment:
    return Assessment(date=day, scores=Scores(**dict(zip(NAMES, values))))


def portfolio() -> Portfolio:
    return Portfolio(
        clients=[
            Client(
                id="acme",
                name="Acme Logistics",
                tier="platinum",
                go_live=date(2026, 6, 1),
                owner="ana",
                assessments=[assessment(date(2026, 6, 5), 5, 5, 6, 4, 5, 5, 6, 6, 5)],
                opportunities=[Opportunity(title="Extra site", value=80000, probability=10, stage="proposed", next_action="Call the CIO")],
            ),
            Client(
                id="beta",
                name="Beta Health",
                tier="gold",
                go_live=date(2026, 4, 1),
                owner="bob",
                assessments=[assessment(date(2026, 6, 1), 7, 7, 6, 7, 6, 7, 7, 8, 7)],
                opportunities=[
                    Opportunity(
                        title="Analytics add-on",
                        value=50000,
                        probability=25,
                        investment_low=10000,
                        investment_high=20000,
                        start_month=3,
                        end_month=6,
                        next_action="Demo to the COO",
                        next_action_date=date(2026, 7, 1),
                    ),
                    Opportunity(title="Training", value=10000, probability=100, stage="won"),
                ],
            ),
            Client(
                id="cobalt",
                name="Cobalt Retail",
                tier="silver",
                go_live=date(2026, 2, 2),
                owner="ana",
                assessments=[assessment(date(2026, 5, 4), 9, 9, 9, 9, 9, 9, 9, 9, 9)],
                opportunities=[
                    Opportunity(
                        title="Self-service portal",
                        value=120000,
                        probability=40,
                        stage="qualified",
                        next_action="Send the proposal",
                        next_action_date=date(2026, 6, 10),
                    ),
                    Opportunity(title="Old idea", value=30000, probability=0, stage="lost"),
                ],
            ),
            Client(id="dune", name="Dune Energy", tier="gold", go_live=date(2026, 6, 8), owner="carl"),
        ]
    )


@pytest.fixture(autouse=True)
def private_folders(quiet_app):
    """Private user folders, no background polling (conftest)."""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "pipeline.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(portfolio())
    return path


def stored(db, opportunity_id: int) -> dict:
    with Store(db) as store:
        return next(r for r in store.opportunities() if r["id"] == opportunity_id)


def count(db) -> int:
    with Store(db) as store:
        return len(store.opportunities())


async def open_expansion(app, pilot):
    await settle(app, pilot)
    await pilot.press("5")
    await settle(app, pilot)
    return app.screen


def keys(table) -> list[int]:
    return [row.id for row in table.rows]


def select(screen, opportunity_id: int) -> None:
    screen.query_one(PipelineTable).move_cursor(key=opportunity_id)


def drawn(table, index: int) -> str:
    """The line the table draws for its row ``index`` (the table scrolled to its top)."""
    return table.render_line(index + table.header_height).text


def text(screen, selector: str) -> str:
    """What a Static shows, as plain text (rich tables included)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


# ----- pure helpers ------------------------------------------------------------


def pipeline_row(id, stage, client="c", title="t", probability=50, next_action=None, next_action_date=None, **more):
    fields = {"investment_low": None, "investment_high": None, "start_month": None, "end_month": None, **more}
    when = date.fromisoformat(next_action_date) if next_action_date else None
    return PipelineRow(
        id,
        1,
        client,
        client.upper(),
        title,
        stage,
        "performance_gap",
        1000.0,
        probability,
        1000.0 * probability / 100,
        "nurture",
        fields["investment_low"],
        fields["investment_high"],
        fields["start_month"],
        fields["end_month"],
        next_action,
        when,
    )


def test_by_stage_groups_in_stage_order_then_client_and_title():
    rows = [
        pipeline_row(1, "lost"),
        pipeline_row(2, "won"),
        pipeline_row(3, "qualified", client="b"),
        pipeline_row(4, "identified"),
        pipeline_row(5, "qualified", client="a", title="z"),
        pipeline_row(6, "qualified", client="a", title="y"),
        pipeline_row(7, "proposed"),
    ]
    assert [r.id for r in by_stage(rows)] == [4, 6, 5, 3, 7, 2, 1]


def test_next_actions_by_date_overdue_marked_undated_last_closed_left_out():
    rows = [
        pipeline_row(1, "qualified", next_action="later", next_action_date="2026-07-01"),
        pipeline_row(2, "identified", next_action="undated"),
        pipeline_row(3, "proposed", next_action="late", next_action_date="2026-06-10"),
        pipeline_row(4, "won", next_action="kick-off", next_action_date="2026-06-01"),
        pipeline_row(5, "identified"),
        pipeline_row(6, "identified", next_action="today", next_action_date="2026-06-15"),
    ]
    planned = next_actions(rows, DAY)
    assert [(r.id, r.overdue) for r in planned] == [(3, True), (6, False), (1, False), (2, False)]
    assert planned[-1].when is None


@pytest.mark.parametrize(
    ("stage_from", "probability", "stage_to", "expected"),
    [
        ("proposed", 60, "won", 100),
        ("qualified", 60, "lost", 0),
        ("identified", 30, "qualified", 30),
        ("qualified", 30, "identified", 30),
        ("won", 100, "proposed", 50),
        ("lost", 0, "proposed", 50),
    ],
    ids=["won-is-certain", "lost-is-nothing", "forward-keeps", "back-keeps", "reopen-won", "reopen-lost"],
)
def test_with_stage_sets_the_probability(stage_from, probability, stage_to, expected):
    moved = with_stage(Opportunity(title="x", value=1, probability=probability, stage=stage_from), stage_to)
    assert (moved.stage, moved.probability) == (stage_to, expected)


@pytest.mark.parametrize(
    ("stage", "step", "expected"),
    [
        ("identified", "next", "qualified"),
        ("proposed", "next", "won"),
        ("qualified", "previous", "identified"),
        ("lost", "previous", "proposed"),
        ("qualified", "lost", "lost"),
        ("won", "next", "no next stage"),
        ("lost", "next", "no next stage"),
        ("identified", "previous", "first stage"),
        ("won", "lost", "cannot be marked lost"),
    ],
    ids=str,
)
def test_stage_moved(stage, step, expected):
    row = pipeline_row(1, stage)
    if " " in expected:
        with pytest.raises(ValueError, match=expected):
            stage_moved(row, step)
    else:
        assert stage_moved(row, step).stage == expected


def test_edited_takes_every_field_from_the_form():
    row = pipeline_row(1, "identified", investment_low=10.0, investment_high=20.0, start_month=3, end_month=6)
    result = edited(row, Opportunity(title="new", value=5, probability=70, stage="qualified", investment_low=1, start_month=4, end_month=9))
    assert (result.title, result.probability, result.stage) == ("new", 70, "qualified")
    assert (result.investment_low, result.investment_high, result.start_month, result.end_month) == (1, None, 4, 9)


@pytest.mark.parametrize(
    ("room", "client", "title", "expected"),
    [
        (100, 12, 20, (12, 20)),
        (100, 40, 60, (20, 40)),
        (40, 15, 30, (12, 24)),
        (30, 15, 30, (10, 24)),
        (10, 15, 30, (10, 24)),
        (30, 0, 50, (0, 28)),
    ],
    ids=str,
)
def test_fit_names(room, client, title, expected):
    assert fit_names(room, client, title) == expected


# ----- the screen --------------------------------------------------------------


async def test_pipeline_totals_next_actions_scope_and_empty_state(db):
    app = CarebenchApp(db, today=DAY, user="ana", client="beta")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_expansion(app, pilot)
        assert screen.TITLE == "Expansion"
        pipeline = screen.query_one(PipelineTable)
        assert keys(pipeline) == [2, 4, 1, 3, 5]
        assert [str(c) for c in screen.pipeline_cells(screen.rows[2])] == [
            "Beta Health",
            "Analytics add-on",
            "identified",
            "50,000",
            "10k–20k",  # the investment range
            "m 3–6",  # the timeline, in months after go-live
            "25%",
            "12,500",
            "● nurture",
            "Month 3 (07-01) Demo to the COO",  # beta went live on 2026-04-01
        ]
        assert drawn(pipeline, 0).split() == [
            "Beta",
            "Health",
            "Analytics",
            "add-on",
            "identified",
            "50,000",
            "10k–20k",
            "m",
            "3–6",
            "25%",
            "12,500",
            "●",
            "nurture",
            "Month",
            "3",
            "(07-01)…",  # the next action is cut to what 120 columns leave; the line under the table has it whole
        ]
        assert [str(screen.pipeline_cells(screen.rows[k])[8]) for k in (4, 1)] == ["● ready", "● hold"]
        ready = screen.pipeline_cells(screen.rows[4])[8]
        assert ready.style == "$success"
        assert pipeline.cell_style(ready.style) == pipeline.cell_style(app.theme_variables["success"])
        assert "open pipeline 250,000, weighted 68,500" in text(screen, "#scope")
        totals = text(screen, "#totals")
        assert "identified" in totals and "68,500" in totals and "48,000" in totals
        actions = screen.query_one(NextActionsTable)
        assert keys(actions) == [4, 2, 1]
        assert str(screen.action_cells(actions.rows[0])[0]) == "06-10 overdue"
        assert drawn(actions, 0).split()[:4] == ["06-10", "overdue", "Cobalt", "Retail"]
        assert "3, 1 overdue" in text(screen, "#actions-title")

        await pilot.press("a")
        await settle(app, pilot)
        assert keys(pipeline) == [2, 3]
        assert text(screen, "#scope").startswith("Beta Health · 2 opportunities")
        assert "client" not in [c.label for c in pipeline.columns if c.visible]
        app.set_client("dune")
        await settle(app, pilot)
        assert keys(pipeline) == []
        assert "No opportunities for Dune Energy yet: press n to add one" in text(screen, "#empty")
        await pilot.press("a")
        await settle(app, pilot)
        assert keys(pipeline) == [2, 4, 1, 3, 5]
        assert not screen.query_one("#empty").display

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        labels = [c.label for c in pipeline.columns if c.visible]
        assert labels == ["client", "title", "stage", "value", "prob", "weighted"]  # the rest on the line below
        assert sum(c.width + 2 for c in pipeline.columns if c.visible) <= 78


async def test_new_and_edited_opportunities_through_the_form_invalid_input_writes_nothing(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_expansion(app, pilot)
        select(screen, 4)  # Cobalt's row: in the all-clients view the new opportunity is for the selected client
        await pilot.press("n")
        form = app.screen
        assert type(form).__name__ == "FormDialog"
        assert "Cobalt Retail" in form.form_title
        await pilot.press(*"Loyalty", "space", *"app")
        form.query_one("#f-value", Input).value = "lots"
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert "value" in str(form.query_one("#error", Static).render())
        form.query_one("#f-value", Input).value = "90,000"
        form.query_one("#f-probability", Input).value = "150"
        await pilot.press("ctrl+s")
        assert app.screen is form and "probability" in str(form.query_one("#error", Static).render())
        await settle(app, pilot)
        assert count(db) == 5

        form.query_one("#f-probability", Input).value = "30"
        form.query_one("#f-next_action", Input).value = "Pitch it"
        form.query_one("#f-next_action_date", Input).value = "2026-07-15"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        new = stored(db, 6)
        assert (new["client_id"], new["title"], new["value"], new["probability"], new["stage"], new["next_action_date"]) == (
            "cobalt",
            "Loyalty app",
            90000,
            30,
            "identified",
            "2026-07-15",
        )
        assert screen.selected().id == 6

        await pilot.press("n")
        await pilot.press("escape")
        await settle(app, pilot)
        assert count(db) == 6

        # Editing keeps the fields the form does not show.
        select(screen, 2)
        await pilot.press("enter")
        form = app.screen
        assert form.query_one("#f-title", Input).value == "Analytics add-on"
        assert form.query_one("#f-value", Input).value == "50000"
        form.query_one("#f-title", Input).value = "Analytics suite"
        form.query_one("#f-probability", Input).value = "35"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        row = stored(db, 2)
        assert (row["title"], row["probability"], row["version"], row["changed_by"]) == ("Analytics suite", 35, 2, "ana")
        assert (row["investment_low"], row["investment_high"], row["start_month"], row["end_month"]) == (10000, 20000, 3, 6)
        assert screen.selected().title == "Analytics suite"


async def test_cursors_follow_their_rows_into_new_rows_and_start_at_the_top_when_their_row_is_gone(db):
    app = CarebenchApp(db, today=DAY, user="ana", client="beta")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_expansion(app, pilot)
        pipeline, actions = screen.query_one(PipelineTable), screen.query_one(NextActionsTable)
        select(screen, 1)  # acme's
        actions.move_cursor(key=1)  # acme's "Call the CIO", the last next action
        await pilot.press("n")
        await pilot.press(*"Depot")
        app.screen.query_one("#f-value", Input).value = "1000"
        await pilot.press("ctrl+s")
        await settle_until(app, pilot, lambda: 6 in keys(pipeline))
        assert stored(db, 6)["client_id"] == "acme"
        # The new opportunity takes the pipeline's cursor; it has no next action, so that list's cursor stays put.
        assert pipeline.cursor_key == 6
        assert keys(actions) == [4, 2, 1] and actions.cursor_key == 1

        select(screen, 5)  # cobalt's lost idea, the last row
        await pilot.press("a")  # beta's pipeline: the rows under the cursors are not in it
        await settle(app, pilot)
        assert keys(pipeline) == [2, 3] and (pipeline.cursor_index, pipeline.cursor_key) == (0, 2)
        assert keys(actions) == [2] and actions.cursor_key == 2


async def test_stage_keys_and_a_stale_version_refused_shown_and_reloaded(db, monkeypatch):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        notes = record_notifications(app, monkeypatch)
        screen = await open_expansion(app, pilot)
        select(screen, 2)

        async def press(*keys):
            await pilot.press(*keys)
            await settle(app, pilot)
            row = stored(db, 2)
            return row["stage"], row["probability"]

        assert await press("greater_than_sign") == ("qualified", 25)
        assert screen.selected().id == 2  # the cursor follows the opportunity into its new group
        assert await press("less_than_sign") == ("identified", 25)
        assert await press("full_stop") == ("qualified", 25)
        assert await press("x") == ("qualified", 25)
        assert isinstance(app.screen, ConfirmDialog)
        assert await press("n") == ("qualified", 25)
        assert await press("x", "y") == ("lost", 0)
        # Out of lost and into won set the probability: each asks first, and n leaves it as it was.
        assert await press("comma") == ("lost", 0)
        assert isinstance(app.screen, ConfirmDialog)
        assert await press("y") == ("proposed", 50)
        assert await press("greater_than_sign", "n") == ("proposed", 50)
        assert await press("greater_than_sign", "y") == ("won", 100)
        assert await press("greater_than_sign") == ("won", 100)
        assert ("warning", "an opportunity that is won has no next stage") in notes
        assert stored(db, 2)["version"] == 7

        # A stale version: bob saves opportunity 1 after this screen loaded it.
        select(screen, 1)
        with Store(db, actor="bob") as other:
            other.update_opportunity(1, Opportunity(title="Extra site (bob)", value=80000, probability=20, stage="proposed"), expected_version=1)
        await pilot.press("greater_than_sign", "y")
        await settle(app, pilot)
        errors = [message for severity, message in notes if severity == "error"]
        assert any("bob changed this opportunity meanwhile" in message for message in errors)
        row = stored(db, 1)
        assert (row["title"], row["stage"], row["probability"], row["version"], row["changed_by"]) == ("Extra site (bob)", "proposed", 20, 2, "bob")
        assert screen.selected().id == 1
        assert (screen.selected().title, screen.selected().version) == ("Extra site (bob)", 2)

        await pilot.press("greater_than_sign", "y")  # now on bob's version, the move goes through
        await settle(app, pilot)
        row = stored(db, 1)
        assert (row["title"], row["stage"], row["probability"], row["version"]) == ("Extra site (bob)", "won", 100, 3)


async def test_the_form_takes_investment_timeline_and_a_next_action_in_months_after_go_live(db):
    app = CarebenchApp(db, today=DAY, user="ana", client="beta")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_expansion(app, pilot)
        select(screen, 2)
        detail = text(screen, "#detail")
        assert "investment 10,000–20,000" in detail and "months 3–6 after go-live" in detail
        assert "next: Month 3 (2026-07-01): Demo to the COO" in detail

        await pilot.press("enter")
        form = app.screen
        assert form.query_one("#f-title", Input).has_focus
        assert form.query_one("#f-investment", Input).value == "10000-20000"
        assert form.query_one("#f-timeline", Input).value == "3-6"
        for bad, message in (("month 0", "not 0"), ("month x", "not x"), ("soon", "neither a date")):
            form.query_one("#f-next_action_date", Input).value = bad
            await pilot.press("ctrl+s")
            assert app.screen is form
            error = str(form.query_one("#error", Static).render())
            assert error.startswith("next action date:") and message in error, bad
        form.query_one("#f-investment", Input).value = "45,000–65,000"
        form.query_one("#f-timeline", Input).value = "6-8"
        form.query_one("#f-next_action", Input).value = "Present the supply-chain opportunity"
        form.query_one("#f-next_action_date", Input).value = "Month 5"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        row = stored(db, 2)
        # beta went live on 2026-04-01: month 5 is 2026-09-01
        assert (row["investment_low"], row["investment_high"], row["start_month"], row["end_month"]) == (45000, 65000, 6, 8)
        assert (row["next_action"], row["next_action_date"]) == ("Present the supply-chain opportunity", "2026-09-01")
        assert "Month 5 (2026-09-01): Present the supply-chain opportunity" in text(screen, "#detail")
        (planned,) = [item for item in screen.query_one(NextActionsTable).rows if item.id == 2]
        assert str(screen.action_cells(planned)[0]) == "Month 5 (09-01)"


async def test_at_80_columns_the_titles_keep_24_cells_and_the_readiness_goes_to_the_line_below(demo_db):
    from carebench.ui.widgets.grid import fit

    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        pipeline = app.screen.query_one(PipelineTable)
        title = next(c for c in pipeline.columns if c.label == "title")
        assert title.width is not None and title.width >= 24
        assert pipeline.virtual_size.width <= pipeline.size.width
        header = pipeline.render_line(0).text
        assert "readiness" not in header.split()
        start = header.index(" title") + 1
        for row, y in zip(pipeline.rows, range(1, pipeline.size.height)):
            assert pipeline.render_line(y).text[start:].startswith(fit(row.title, title.width)[0])
        pipeline.focus()
        await pilot.pause()
        assert pipeline.rows[pipeline.cursor_index].readiness in text(app.screen, "#detail")
