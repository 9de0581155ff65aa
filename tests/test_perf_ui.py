"""The Expansion screen fills a large pipeline in parts: the first rows at once, the rest while keys keep working."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carebench.core.models import Client, Opportunity, Portfolio
from carebench.store import Store
from carebench.ui import app as app_module
from carebench.ui import expansion
from carebench.ui.app import CarebenchApp
from carebench.ui.expansion import NextActionsTable, PipelineTable

DAY = date(2026, 6, 15)
COUNT = 57


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setattr(app_module, "POLL_SECONDS", 3600)
    # Small parts, so a few dozen opportunities take several turns of the event loop.
    monkeypatch.setattr(expansion, "FIRST_ROWS", 10)
    monkeypatch.setattr(expansion, "CHUNK_ROWS", 7)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "big.db"
    opportunities = [Opportunity(title=f"Deal {n:02d}", value=1000.0 * (n + 1), probability=50, stage="qualified",
                                 next_action=f"Call {n}", next_action_date=DAY + timedelta(days=n)) for n in range(COUNT)]
    with Store(path, actor="ana") as store:
        store.import_portfolio(Portfolio(clients=[Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 1, 5),
                                                         owner="ana", opportunities=opportunities)]))
    return path


async def settle(app, pilot, turns: int = 3):
    for _ in range(turns):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def filled(pilot, table, rows: int) -> None:
    for _ in range(200):
        if table.row_count == rows:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{table.row_count} of {rows} rows")


async def test_a_large_pipeline_is_filled_in_parts_and_keeps_the_cursor(db):
    app = CarebenchApp(db, today=DAY, user="ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await app.workers.wait_for_complete()
        screen = app.screen
        pipeline, actions = screen.query_one(PipelineTable), screen.query_one(NextActionsTable)
        # The totals are there at once, whatever is still being added.
        assert f"{COUNT} opportunities" in str(screen.query_one("#scope").content)
        await filled(pilot, pipeline, COUNT)
        await filled(pilot, actions, COUNT)
        ids = [int(key.value) for key in pipeline.rows]
        assert ids == sorted(ids) and len(set(ids)) == COUNT

        # A row far down keeps the cursor through a reload that refills the table in parts.
        pipeline.move_cursor(row=50)
        kept = screen._key(pipeline)
        screen.reload()
        await settle(app, pilot)
        await filled(pilot, pipeline, COUNT)
        await pilot.pause()
        assert screen._key(pipeline) == kept

        # A newer fill stops the older one: no row twice, none missing.
        screen.show({**screen.data})
        screen.show({**screen.data})
        await filled(pilot, pipeline, COUNT)
        await pilot.pause(0.1)
        assert pipeline.row_count == COUNT
