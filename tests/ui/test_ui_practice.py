"""The Practice screen: metrics with their trend, the clients behind a number, mine/all, the periods, the search of
lessons and decisions, and a failing load, through Pilot on the demo portfolio; and its pure helpers.

Expected figures come from the application layer's practice results, so the tests hold when the demo data grows.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, OptionList, Static

from carebench.app import practice
from carebench.app.readmodels import to_json
from carebench.app.session import Session
from carebench.core.models import Learning
from carebench.store import Store
from carebench.ui.app import CarebenchApp
from carebench.ui.screens.practice import (
    AsksTable,
    BehindPanel,
    MetricsTable,
    OwnersTable,
    PracticeScreen,
    owner_cells,
    period_start,
    spark,
)
from carebench.ui.screens.search import HitList, RecordView, SearchScreen
from carebench.ui.widgets.chrome import ScreenTabs
from carebench.ui.widgets.dialogs import KeysDialog
from conftest import record_notifications, settle

DAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def no_polling(quiet_app):
    """No background polling reloads behind a test's back (conftest)."""


def expected(db, period: str = "12m", owner: str | None = None) -> dict:
    return to_json(practice.practice(Session(db, DAY, actor="ana"), period_start(period, DAY), DAY, owner))


async def open_practice(app, pilot) -> PracticeScreen:
    await settle(app, pilot)
    await pilot.press("6")
    await settle(app, pilot)
    assert isinstance(app.screen, PracticeScreen)
    return app.screen


def title(screen) -> str:
    return str(screen.query_one("#practice-title", Static).render())


def keys(table) -> list[str]:
    """The rows' keys: a metric's key, a consultant's name, an ask's client."""
    return [row["key"] if isinstance(table, MetricsTable) else row[-1] if isinstance(table, OwnersTable) else row["client"] for row in table.rows]


def cells(table, key: str) -> list[str]:
    """The text of each cell of the row of ``key``, as given to the table (before it is cut to its column)."""
    return [str(cell) for cell in table.row_cells(keys(table).index(key))]


def drawn(table, key: str | None) -> list[str]:
    """The text the row of ``key`` (None: the header) shows in each column, as drawn (cut to the column's width)."""
    line = table.render_line(0 if key is None else 1 + keys(table).index(key)).text
    texts, start = [], 0
    for column in table.columns:
        texts.append(line[start + 1 : start + 1 + column.width].strip())
        start += column.width + 2
    return texts


# ----- pure helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected_marks"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], "▁▂▃▄▅▆▇█"),
        ([None, 0.0, 50.0, None, 100.0, 25.0], "·▁▅·█▃"),
        ([0, 0, 0], "▁▁▁"),
        ([40, 40, None], "▄▄·"),
        ([None, None], "··"),
        ([-20, 10, 40], "▁▅█"),
    ],
    ids=["rising", "gaps", "flat-zero", "flat", "no-data", "negative"],
)
def test_spark(values, expected_marks):
    assert spark(values) == expected_marks


def test_period_start_and_found_text():
    assert period_start("12m", DAY) == date(2025, 6, 16)
    assert period_start("ytd", DAY) == date(2026, 1, 1)
    assert period_start("3m", DAY) == date(2026, 3, 16)
    with pytest.raises(ValueError, match="unknown period"):
        period_start("week", DAY)


def test_owner_cells():
    metrics = {
        "clients": 3,
        "retention_rate": 66.7,
        "sustained_6m": None,
        "sustained_12m": 100.0,
        "average_health": 7.25,
        "average_health_change": -0.5,
        "on_time_share": 92.9,
        "follow_on_revenue": 0.0,
        "weighted_pipeline": 47800.0,
        "nps": 20,
    }
    assert owner_cells(metrics) == ["3", "66.7%", "–", "100%", "7.2 -0.5", "92.9%", "–", "47.8k", "+20"]


# ----- the screen --------------------------------------------------------------


async def test_six_opens_practice_with_metrics_owners_asks_and_periods(demo_db):
    want = expected(demo_db)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        assert app.current_mode == "practice"
        assert "6 Practice" in str(screen.query_one(ScreenTabs).render())
        assert title(screen).startswith(f"Practice — 2025-06-16 to 2026-06-15 · {want['clients']} clients · last 12 months")
        assert "everyone's" in title(screen)

        metrics = screen.query_one(MetricsTable)
        assert metrics.has_focus and metrics.cursor_index == 0
        assert keys(metrics) == [m["key"] for m in want["metrics"]]
        assert [c.label for c in metrics.columns] == ["metric", "value", "6 quarters", "clients"]
        assert drawn(metrics, None) == ["metric", "value", "6 quarters", "clients"]
        for metric in want["metrics"]:
            label, value, trend, count = cells(metrics, metric["key"])
            assert label == metric["label"] and value == metric["text"]
            assert trend == spark(metric["trend"]) and len(trend) == len(want["quarters"])
            assert count == (str(len(metric["clients"])) if metric["clients"] else "–")
            assert drawn(metrics, metric["key"]) == [label, value, trend, count]  # nothing cut at 100 columns

        owners = screen.query_one(OwnersTable)
        assert owners.display and keys(owners) == list(want["by_owner"])
        assert cells(owners, "ana")[0] == "ana (you)"
        for name, figures in want["by_owner"].items():
            assert drawn(owners, name) == [name + (" (you)" if name == "ana" else ""), *owner_cells(figures)]
        asks = screen.query_one(AsksTable)
        assert keys(asks) == [a["client"] for a in want["suggested_asks"]]
        for ask in want["suggested_asks"]:
            assert drawn(asks, ask["client"]) == [ask["client_name"], ask["owner"], ask["reason"]]

        # Every key of the screen is in the Footer.
        shown = {b.binding.key for b in screen.active_bindings.values() if b.binding.show and b.enabled}
        assert {"enter", "p", "o", "slash"} <= shown
        # And in the key help, with what each does.
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysDialog)
        helped = dict(app.screen.rows)
        assert "clients behind" in helped["⏎"] and "year to date" in helped["p"]
        assert "you own" in helped["o"] and "lessons and decisions" in helped["/"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        await pilot.press("p")
        await settle(app, pilot)
        ytd = expected(demo_db, "ytd")
        assert title(screen).startswith(f"Practice — 2026-01-01 to 2026-06-15 · {ytd['clients']} clients · year to date")
        assert [cells(metrics, m["key"])[1] for m in ytd["metrics"]] == [m["text"] for m in ytd["metrics"]]
        await pilot.press("p")
        await settle(app, pilot)
        assert "2026-03-16 to 2026-06-15" in title(screen) and "last 3 months" in title(screen)
        await pilot.press("p")
        await settle(app, pilot)
        assert "2025-06-16 to 2026-06-15" in title(screen) and "last 12 months" in title(screen)
        assert metrics.has_focus


async def test_a_narrow_terminal_takes_short_labels_and_the_cursor_keeps_its_metric(demo_db):
    want = expected(demo_db)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        metrics = screen.query_one(MetricsTable)
        metrics.move_cursor(keys(metrics).index("referrals_converted"))
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert [c.label for c in metrics.columns] == ["metric", "value", "trend", "clients"]
        assert sum(c.width + 2 for c in metrics.columns) <= 80 - 2  # less a scrollbar: nothing scrolls sideways
        assert metrics.rows[metrics.cursor_index]["key"] == "referrals_converted"
        assert drawn(metrics, "referrals_converted")[0] == "Referrals converted"
        retention = next(m for m in want["metrics"] if m["key"] == "retention_rate")
        value = drawn(metrics, "retention_rate")[1]
        assert value.endswith("…") and retention["text"].startswith(value[:-1])  # the longest value is cut, and says so
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert drawn(metrics, "referrals_converted")[0] == "Referrals that became engagements"
        assert drawn(metrics, "retention_rate")[1] == retention["text"]


async def test_tab_goes_from_the_metrics_to_the_asks_past_the_consultants(demo_db):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        await pilot.press("tab")
        assert screen.focused is screen.query_one(AsksTable)
        assert not screen.query_one(OwnersTable).show_cursor


async def test_enter_lists_the_clients_behind_a_metric_and_opens_one(demo_db, monkeypatch):
    want = expected(demo_db)
    metric = max(want["metrics"], key=lambda m: len(m["clients"]))
    assert len(metric["clients"]) >= 2, "the demo portfolio has a number with several clients behind it"
    by_name = [cid for _, cid in sorted(zip(metric["client_names"], metric["clients"]), key=lambda p: (p[0].casefold(), p[1]))]
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        table = screen.query_one(MetricsTable)
        table.move_cursor(keys(table).index(metric["key"]))
        await pilot.press("enter")
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, BehindPanel)
        choices = panel.query_one(OptionList)
        assert choices.has_focus
        assert [choices.get_option_at_index(i).id for i in range(choices.option_count)] == by_name
        assert metric["label"] in str(panel.query_one("#behind-title", Static).render())

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and table.has_focus
        assert app.current_mode == "practice"

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BehindPanel)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.current_mode == "health"
        assert app.client_id == by_name[1]

        # Back on Practice, a number nobody is behind says so instead of opening an empty list.
        await pilot.press("6")
        await settle(app, pilot)
        assert app.screen is screen
        empty = [m for m in want["metrics"] if not m["clients"]]
        if empty:
            notes = record_notifications(app, monkeypatch)
            table.move_cursor(keys(table).index(empty[0]["key"]))
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert any("no client is behind this number" in text for _, text in notes)


async def test_asks_open_their_client(demo_db):
    want = expected(demo_db)
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        if not want["suggested_asks"]:
            pytest.skip("the demo portfolio has nobody to ask")
        screen.query_one(AsksTable).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "health" and app.client_id == want["suggested_asks"][0]["client"]


async def test_o_shows_only_my_clients_and_back(demo_db):
    everyone, mine = expected(demo_db), expected(demo_db, owner="ana")
    assert mine["clients"] < everyone["clients"]
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert app.mine_only is True
        assert f"· {mine['clients']} clients" in title(screen) and "mine (ana)" in title(screen)
        metrics = screen.query_one(MetricsTable)
        assert [cells(metrics, m["key"])[1] for m in mine["metrics"]] == [m["text"] for m in mine["metrics"]]
        assert not screen.query_one(OwnersTable).display and not screen.query_one("#owners-title").display
        assert keys(screen.query_one(AsksTable)) == [a["client"] for a in mine["suggested_asks"]]
        assert all(a["owner"] == "ana" for a in mine["suggested_asks"])

        await pilot.press("o")
        await settle(app, pilot)
        assert app.mine_only is False
        assert f"· {everyone['clients']} clients" in title(screen) and "everyone's" in title(screen)
        assert screen.query_one(OwnersTable).display


async def test_search_finds_a_lesson_as_you_type_and_nothing_for_gibberish(demo_db):
    """Practice's `/` is the search every screen has: with nothing typed it lists the lessons and decisions."""
    with Store(demo_db, actor="ana") as store:
        client = store.clients(parts=())[0]
        store.add_learning(
            client.id,
            Learning(
                date=date(2026, 5, 2),
                kind="lesson",
                what="Crossing the warehouse needs a second sign-off",
                why="the night shift kept skipping it",
                who="ana",
            ),
        )
        learnings = store.conn.execute("SELECT COUNT(*) FROM learnings").fetchone()[0]
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_practice(app, pilot)
        await pilot.press("slash")
        await settle(app, pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        assert len(search.hits) == learnings and {hit["source"] for hit in search.hits} <= {"lesson", "decision"}
        assert [hit["date"] for hit in search.hits] == sorted((hit["date"] for hit in search.hits), reverse=True)

        await pilot.press("c", "r", "o", "s", "s", "i", "n", "g")  # nothing typed is lost to the screen's keys
        text = search.query_one("#search-text", Input)
        assert text.has_focus and text.value == "crossing"
        await settle(app, pilot)
        hits = search.query_one(HitList)
        assert hits.option_count == 1
        assert [h["what"] for h in search.hits] == ["Crossing the warehouse needs a second sign-off"]
        assert search.hits[0]["client"] == client.id
        summary = str(search.query_one("#search-summary", Static).render())
        assert "1 found (1 lesson)" in summary and "“crossing”" in summary
        prompt = str(hits.get_option_at_index(0).prompt)
        assert "2026-05-02" in prompt and client.name in prompt and "night shift" in prompt

        await pilot.press(*["backspace"] * 8, "q", "z", "x", "j", "v")
        await settle(app, pilot)
        assert text.value == "qzxjv"
        assert hits.option_count == 0 and search.hits == []
        assert "Nothing matches “qzxjv”" in str(search.query_one("#search-summary", Static).render())

        await pilot.press("escape")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PracticeScreen) and screen.query_one(MetricsTable).has_focus

        # Enter in the search goes to the hits; enter on a hit shows it in full, o opens its client.
        await pilot.press("slash", "c", "r", "o", "s", "s", "i", "n", "g")
        await settle(app, pilot)
        await pilot.press("enter")
        assert app.screen.query_one(HitList).has_focus
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordView) and "Crossing the warehouse" in str(app.screen.query_one("#record", Static).render())
        await pilot.press("o")
        await settle(app, pilot)
        assert app.current_mode == "health" and app.client_id == client.id


async def test_a_failing_load_shows_one_line_and_keeps_the_screen(demo_db, monkeypatch):
    app = CarebenchApp(demo_db, today=DAY, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_practice(app, pilot)
        before_title, before_rows = title(screen), keys(screen.query_one(MetricsTable))
        notes = record_notifications(app, monkeypatch)

        def broken(*args, **kwargs):
            raise ValueError("the practice figures could not be worked out")

        monkeypatch.setattr("carebench.app.practice.practice", broken)
        monkeypatch.setattr("carebench.app.queries.search", broken)
        await pilot.press("p")
        await settle(app, pilot)
        errors = [text for severity, text in notes if severity == "error"]
        assert errors == ["the practice figures could not be worked out"]
        assert app.screen is screen and app.current_mode == "practice"
        assert title(screen) == before_title and keys(screen.query_one(MetricsTable)) == before_rows

        await pilot.press("slash", "x")
        await settle(app, pilot)
        errors = [text for severity, text in notes if severity == "error"]
        assert errors[1:] and set(errors[1:]) == {"the practice figures could not be worked out"}
        assert all("\n" not in text for text in errors)
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#search-text", Input).value == "x"


# ----- how it looks -----------------------------------------------------------


def test_practice_snapshot(snap_compare, demo_db):
    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("6")
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    app = CarebenchApp(demo_db, today=DAY, user="ana", theme="carebench-dark", client="corvane-freight")
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
