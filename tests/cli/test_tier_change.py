"""A tier change re-plans a client's touchpoints from a day on: before it the old tier's plan, from it the new one's;
outcomes already recorded stay. The derived rows follow in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carebench.app import commands, queries
from carebench.app.inputs import UserError
from carebench.app.session import Session
from carebench.core.calendar import DEFAULT_CALENDAR
from carebench.core.models import SUBSCORES, Client, TierChange
from carebench.core.schedule import DEFAULT_PLANS, plan_occurrences, schedule, tier_changed, tier_on

GO_LIVE = date(2026, 6, 1)  # a Monday
DAY = date(2026, 6, 15)
END = date(2026, 12, 31)


def planned(tier: str, start: date, end: date) -> set[tuple[date, str]]:
    return {(d, k) for d, k in plan_occurrences(tier, GO_LIVE, DEFAULT_PLANS, DEFAULT_CALENDAR) if start <= d <= end}


def kinds_on(session: Session, start: date, end: date) -> set[tuple[date, str]]:
    found = queries.schedule(session, "acme", start, end).touchpoints
    return {(tp.date, kind) for tp in found for kind in (tp.kind, *tp.covers)}


@pytest.fixture
def session(tmp_path) -> Session:
    session = Session(tmp_path / "tier.db", DAY, actor="ana", create=True)
    commands.add_client(session, "acme", "Acme Logistics", "silver", GO_LIVE)
    # Results that pass the step-down gate from go-live on, so each plan steps down on its calendar.
    commands.add_kpi(session, "acme", "fcr", "First contact resolution", "leading", "%", "higher", 50, 80)
    commands.record_reading(session, "acme", "fcr", 85, GO_LIVE)
    commands.record_assessment(session, "acme", dict.fromkeys(SUBSCORES, 9), GO_LIVE)
    return session


def test_touchpoints_before_the_day_keep_the_old_plan_and_from_it_follow_the_new_one(session):
    commands.record_touchpoint(session, "acme", date(2026, 6, 8), "done")  # silver's first weekly
    change = date(2026, 6, 22)
    done = commands.change_tier(session, "acme", "platinum", change)
    assert (done.previous, done.tier, done.from_day) == ("silver", "platinum", change)
    assert kinds_on(session, GO_LIVE, change - timedelta(days=1)) == planned("silver", GO_LIVE, change - timedelta(days=1))
    assert kinds_on(session, change, END) == planned("platinum", change, END)
    # Platinum's daily calls start on the day of the change, not at go-live.
    assert (change, "daily") in kinds_on(session, change, change) and (DAY, "daily") not in kinds_on(session, DAY, DAY)
    past = queries.schedule(session, "acme", date(2026, 6, 8), date(2026, 6, 8)).touchpoints
    assert [(tp.kind, tp.status) for tp in past] == [("weekly", "done")]
    card = queries.client_card(session, "acme")
    assert card.tier == "platinum" and [(c.date, c.previous) for c in card.tier_changes] == [(change, "silver")]


def test_a_change_on_a_touchpoint_date_gives_that_date_to_the_new_plan(session):
    on = date(2026, 7, 1)  # silver's first monthly touchpoint (go-live + 1 month)
    assert (on, "monthly") in planned("silver", on, on)
    commands.change_tier(session, "acme", "gold", on)
    assert kinds_on(session, on, on) == planned("gold", on, on)
    assert kinds_on(session, on - timedelta(days=7), on - timedelta(days=1)) == planned("silver", on - timedelta(days=7), on - timedelta(days=1))


def test_a_recorded_outcome_after_the_day_stays_and_the_default_day_is_today(session):
    commands.record_touchpoint(session, "acme", date(2026, 6, 22), "skipped", reason="client away")
    commands.change_tier(session, "acme", "gold", date(2026, 6, 20))
    kept = queries.schedule(session, "acme", date(2026, 6, 22), date(2026, 6, 22)).touchpoints
    assert [(tp.kind, tp.status) for tp in kept] == [("weekly", "skipped")]
    again = commands.change_tier(session, "acme", "platinum")
    assert again.from_day == DAY and again.previous == "silver"
    card = queries.client_card(session, "acme")
    # The change from today replaces the later one.
    assert [(c.date, c.previous) for c in card.tier_changes] == [(DAY, "silver")]


def test_refused_tier_changes_write_nothing(session):
    before = queries.data_version(session)
    with pytest.raises(UserError, match="already silver"):
        commands.change_tier(session, "acme", "silver", DAY)
    with pytest.raises(UserError, match="tier is one of"):
        commands.change_tier(session, "acme", "bronze", DAY)
    assert queries.data_version(session) == before


def test_tier_on_and_tier_changed_are_the_core_rule():
    client = Client(id="x", name="X", tier="gold", go_live=GO_LIVE, owner="a", tier_changes=[TierChange(date=date(2026, 7, 1), previous="silver")])
    assert tier_on(client, date(2026, 6, 30)) == "silver" and tier_on(client, date(2026, 7, 1)) == "gold"
    assert tier_changed(client, "platinum", date(2026, 8, 1)) == [*client.tier_changes, TierChange(date=date(2026, 8, 1), previous="gold")]
    # Back to silver from before the change: the stored change gives way and no change is left.
    assert tier_changed(client, "silver", date(2026, 6, 15)) == []
    assert {tp.date for tp in schedule(client, GO_LIVE, date(2026, 6, 30))} == {d for d, _ in planned("silver", GO_LIVE, date(2026, 6, 30))}


def test_edit_client_saves_the_fields_and_contacts_in_one_go(session):
    done = commands.update_client(
        session, "acme", name="Acme Freight", owner="bob", investment=120000, roi_target=150, contacts=[{"name": "Lee Park", "role": "COO"}]
    )
    assert set(done.changed) == {"name", "owner", "investment", "roi_target", "contacts"}
    card = queries.client_card(session, "acme")
    assert (card.name, card.owner, card.financials.investment, card.financials.roi_target) == ("Acme Freight", "bob", 120000, 150)
    assert [(c.name, c.role) for c in card.contacts] == [("Lee Park", "COO")]
    with pytest.raises(UserError, match="nothing to change"):
        commands.update_client(session, "acme", name="Acme Freight")
    with pytest.raises(UserError, match="investment"):
        commands.update_client(session, "acme", investment=-5)
    commands.update_client(session, "acme", status="closed")
    assert queries.schedule(session, "acme", DAY, END).touchpoints == ()


# ----- the command line ------------------------------------------------------------------------------


def test_cli_tier_and_edit_client(run, db):
    run.ok("add-client", "acme", "--name", "Acme Logistics", "--tier", "silver", "--go-live", "2026-06-01", "--owner", "ana", db=db)
    out = run.ok("tier", "acme", "platinum", "--from", "2026-06-22", db=db)
    assert out.stdout.strip() == "acme: silver -> platinum from 2026-06-22"
    card = run.json("client", "acme", "--json", "--date", "2026-06-15", db=db)
    assert card["tier"] == "platinum" and card["tier_changes"] == [{"date": "2026-06-22", "previous": "silver"}]
    days = run.json("schedule", "acme", "--from", "2026-06-15", "--to", "2026-06-26", "--json", db=db)["touchpoints"]
    daily = [tp["date"] for tp in days if "daily" in (tp["kind"], *tp["covers"])]
    assert daily == ["2026-06-22", "2026-06-23", "2026-06-24", "2026-06-25", "2026-06-26"]
    out = run.ok("edit-client", "acme", "--name", "Acme Freight", "--investment", "90000", "--status", "handed_over", db=db)
    assert out.stdout.strip() == "acme: name Acme Logistics -> Acme Freight, investment 0.0 -> 90000.0, status active -> handed_over"
    card = run.json("client", "acme", "--json", db=db)
    assert (card["name"], card["financials"]["investment"], card["status"]) == ("Acme Freight", 90000, "handed_over")
    actions = [entry["action"] for entry in run.json("log", "--client", "acme", "--json", db=db)]
    assert actions[:2] == ["edit-client", "tier"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tier", "acme", "silver"], "error: acme is already silver on"),
        (["tier", "acme", "bronze"], "'bronze' is not one of"),
        (["tier", "acme", "gold", "--from", "2026-02-30"], "is not a real date"),
        (["tier", "nobody", "gold"], "error: unknown client 'nobody'"),
        (["edit-client", "acme"], "error: say what to change"),
        (["edit-client", "acme", "--investment", "-1"], "error: investment: must be at least 0"),
        (["edit-client", "acme", "--name", "Acme Logistics"], "error: nothing to change"),
        (["edit-client", "acme", "--status", "paused"], "'paused' is not one of"),
        (["edit-client", "acme", "--owner", "a\nb"], "error: owner: must be one line"),
    ],
)
def test_cli_tier_and_edit_client_refuse_bad_input_and_write_nothing(run, db, args, message):
    run.ok("add-client", "acme", "--name", "Acme Logistics", "--tier", "silver", "--go-live", "2026-06-01", db=db)
    before = run.json("log", "--json", db=db)
    result = run(*args, db=db)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert run.json("log", "--json", db=db) == before
