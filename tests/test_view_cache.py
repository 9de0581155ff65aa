"""Remembered views: reused while a client's data is unchanged, recomputed the moment it changes."""

from __future__ import annotations

from datetime import date

import pytest

from carebench.core.models import Assessment, Scores, TouchpointException
from carebench.app.demo import load_demo_portfolio
from carebench.store import Store
from carebench.views import Rules, health_list_view, kpi_dashboard_view, portfolio_view, today_view

DAY = date(2026, 6, 15)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "c.db", actor="ana") as store:
        store.import_portfolio(load_demo_portfolio(DAY, "ana"))
        yield store


def remembered(store, view):
    return store.conn.execute("SELECT COUNT(*) FROM view_cache WHERE view = ?", (view,)).fetchone()[0]


def test_views_are_remembered_and_give_the_same_answer(store):
    first = today_view(store, DAY)
    assert remembered(store, "agenda") == 8  # the active clients
    assert today_view(store, DAY) == first
    assert portfolio_view(store, DAY) == portfolio_view(store, DAY)


def test_a_done_touchpoint_changes_the_remembered_agenda(store):
    due = next(i for i in today_view(store, DAY)["items"] if i["status"] == "due")
    store.record_exception(due["client"], TouchpointException(date=DAY, kind=due["kind"], status="done"))
    after = today_view(store, DAY)["items"]
    assert not any(i["client"] == due["client"] and i["kind"] == due["kind"] and i["status"] == "due" for i in after)


def test_a_new_reading_and_assessment_reach_the_remembered_views(store):
    client = "corvane-freight"
    key = store.client(client, parts={"kpis"}).kpis[0].key
    kpi_dashboard_view(store, client, DAY)
    store.add_reading(client, key, DAY, 123.0)
    kpi = next(k for k in kpi_dashboard_view(store, client, DAY)["kpis"] if k["key"] == key)
    assert kpi["current"] == 123.0
    health_list_view(store, DAY)
    store.add_assessment(client, Assessment(date=DAY, scores=Scores(**{n: 10 for n in Scores.model_fields})))
    row = next(r for r in health_list_view(store, DAY) if r["client"] == client)
    assert row["overall"] == 10.0 and row["band"] == "green"


def test_other_rules_or_another_day_are_computed_afresh(store):
    today_view(store, DAY)
    weekend = Rules(calendar=__import__("carebench.core.calendar", fromlist=["WorkCalendar"]).WorkCalendar(weekdays=frozenset(range(7))))
    assert weekend.key != Rules().key
    today_view(store, DAY, rules=weekend)
    assert store.conn.execute("SELECT COUNT(DISTINCT rules) FROM view_cache WHERE view = 'agenda'").fetchone()[0] == 2


def test_a_replaced_client_forgets_what_was_remembered(store):
    today_view(store, DAY)
    portfolio = load_demo_portfolio(DAY, "ana")
    portfolio.clients = [c.model_copy(update={"name": "Renamed Foods"}) for c in portfolio.clients if c.id == "brackenfield-foods"]
    store.import_portfolio(portfolio)
    names = {i["client_name"] for i in today_view(store, DAY)["items"] if i["client"] == "brackenfield-foods"}
    assert names == {"Renamed Foods"}


@pytest.mark.parametrize("day", [DAY, date(2026, 3, 1), date(2025, 12, 31)], ids=["today", "spring", "year-end"])
def test_triage_from_the_deciding_readings_matches_the_whole_history(store, day):
    """Triage loads only each KPI's latest and best readings; it must agree with a computation over all of them."""
    from carebench.views import DEFAULT_RULES, _triage_row

    every_reading = [_triage_row(c, day, DEFAULT_RULES)
                     for c in store.clients(parts={"kpis", "readings", "assessments", "exceptions", "opportunities"})]
    assert portfolio_view(store, day) == every_reading
