"""No write silently replaces another: touchpoint outcomes, finishes, the expansion conversation, readings.

The CLI cases run the installed command on a copy of the fixed-date portfolio (see
conftest.py); the races start real processes side by side.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from conftest import ACTOR, AS_OF

DAY = date.fromisoformat(AS_OF)


def schedule_on(run, database, client: str, day: str) -> list[tuple[str, str]]:
    found = run.json("schedule", client, "--from", day, "--to", day, "--json", db=database)
    return [(t["kind"], t["status"]) for t in found["touchpoints"]]


def exceptions(database: Path, client: str) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT date, kind, status, reason, moved_to, changed_by FROM touchpoint_exceptions WHERE client_id = ? ORDER BY date, kind", (client,)
        ).fetchall()


# ----- an outcome never replaces another ------------------------------------------------------------


@pytest.mark.parametrize("second", [("skip", "--reason", "client away"), ("done",), ("move", "--to", "2026-06-16", "--reason", "later")])
def test_an_outcome_cannot_replace_one_already_recorded(fresh, second):
    run, database = fresh
    run.ok("done", "acme", "--date", AS_OF, db=database)
    before = exceptions(database, "acme")
    refused = run("--date", AS_OF, second[0], "acme", "--date", AS_OF, *second[1:], db=database)
    assert refused.returncode == 2, refused.stdout
    line = refused.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line
    assert f"already done by {ACTOR} on " in line and "carebench reopen" in line
    assert exceptions(database, "acme") == before
    assert schedule_on(run, database, "acme", AS_OF) == [("weekly", "done")]


def test_a_skipped_touchpoint_says_it_was_skipped_and_by_whom(fresh):
    run, database = fresh
    refused = run("done", "acme", "--date", "2026-06-02", db=database)  # skipped in the portfolio, by its import
    assert refused.returncode == 2
    assert "already skipped by " in refused.stderr


def test_reopen_takes_an_outcome_back_and_the_touchpoint_is_on_the_agenda_again(fresh):
    run, database = fresh
    run.ok("done", "acme", "--date", AS_OF, db=database)
    due = [i for i in run.json("today", "--date", AS_OF, "--json", db=database)["items"] if i["client"] == "acme"]
    assert all(i["status"] == "overdue" for i in due)
    out = run.ok("reopen", "acme", "--date", AS_OF, db=database)
    assert "reopened" in out.stdout and "weekly" in out.stdout
    assert schedule_on(run, database, "acme", AS_OF) == [("weekly", "scheduled")]
    items = run.json("today", "--date", AS_OF, "--json", db=database)["items"]
    assert ("acme", "weekly", AS_OF, "due") in [(i["client"], i["kind"], i["date"], i["status"]) for i in items]
    log = run.json("log", "--client", "acme", "--json", db=database)
    assert log[0]["action"] == "reopen" and log[0]["actor"] == ACTOR
    # now it can be skipped instead
    run.ok("skip", "acme", "--date", AS_OF, "--reason", "client away", db=database)
    assert schedule_on(run, database, "acme", AS_OF) == [("weekly", "skipped")]


def test_reopen_of_a_moved_touchpoint_puts_it_back_on_its_day(fresh):
    run, database = fresh
    run.ok("--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", "2026-06-16", "--reason", "client asked", db=database)
    run.ok("reopen", "beta", "--date", AS_OF, db=database)
    assert schedule_on(run, database, "beta", AS_OF) == [("intervention", "scheduled")]
    assert schedule_on(run, database, "beta", "2026-06-16") == []


def test_reopen_refuses_what_has_no_outcome_and_a_kind_that_is_not_there(fresh):
    run, database = fresh
    nothing = run("reopen", "acme", "--date", AS_OF, db=database)
    assert nothing.returncode == 2 and "has no outcome to take back" in nothing.stderr
    run.ok("done", "acme", "--date", AS_OF, db=database)
    wrong = run("reopen", "acme", "--date", AS_OF, "--kind", "quarterly", db=database)
    assert wrong.returncode == 2 and "weekly" in wrong.stderr
    assert schedule_on(run, database, "acme", AS_OF) == [("weekly", "done")]


def race(run, database, commands: list[tuple[str, ...]]) -> list[subprocess.CompletedProcess]:
    """Start every command at once (real processes); their results in order."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda args: run(*args, db=database, real=True), commands))


@pytest.mark.parametrize(
    "rival",
    [
        ("skip", "beta", "--date", AS_OF, "--reason", "away"),
        ("--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", "2026-06-17", "--reason", "later"),
    ],
)
def test_racing_outcomes_on_one_touchpoint_one_wins_and_the_others_are_refused(fresh, rival):
    run, database = fresh
    results = race(run, database, [("done", "beta", "--date", AS_OF), rival, ("done", "beta", "--date", AS_OF), rival])
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 2, 2, 2], [(r.returncode, r.stderr) for r in results]
    assert all("already" in r.stderr or "has no touchpoint" in r.stderr for r in results if r.returncode)
    stored = [e for e in exceptions(database, "beta") if e[0] == AS_OF]
    assert len(stored) == 1


# ----- a finish happens once -----------------------------------------------------------------------


def finish(database: Path, client: str = "acme", day: date = DAY, kind: str = "weekly", notes: str = "all good"):
    from carebench.app.commands import finish_checkin
    from carebench.app.session import Session
    from carebench.core.models import ActionItem, CheckIn

    checkin = CheckIn(
        date=day,
        kind=kind,
        author=ACTOR,
        planned_minutes=30,
        actual_minutes=30,
        attendees=[],
        sections=[{"title": "Opening", "notes": notes}],
        next_steps="",
    )
    action = ActionItem(text="Send the notes", owner="ana", due=day, priority="low")
    return finish_checkin(Session(database, day), client, day, checkin, {"uptime": 98.0}, None, [action])


def counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM checkins WHERE client_id = 'acme'").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM action_items WHERE text = 'Send the notes'").fetchone()[0],
        )


def test_a_second_finish_of_the_same_touchpoint_is_refused_and_stores_nothing(fresh):
    from carebench.app.inputs import UserError
    from carebench.store.db import StoreError

    _, database = fresh
    finish(database)
    assert counts(database) == (2, 1)
    with pytest.raises((UserError, StoreError), match=f"already done by {ACTOR} on "):
        finish(database, notes="a second copy")
    assert counts(database) == (2, 1)


def test_finishing_a_touchpoint_a_teammate_marked_done_is_refused(fresh):
    from carebench.store.db import StoreError

    run, database = fresh
    run.ok("done", "acme", "--date", AS_OF, db=database)
    with pytest.raises(StoreError, match="already done by"):
        finish(database)
    assert counts(database) == (1, 0)


# ----- the expansion conversation keeps a teammate's change ---------------------------------------


def test_an_expansion_conversation_read_before_a_teammates_stage_change_is_refused(fresh):
    from carebench.app import queries
    from carebench.app.commands import finish_checkin, update_opportunity
    from carebench.app.session import Session
    from carebench.core.models import CheckIn, Opportunity
    from carebench.store.db import StoreError

    _, database = fresh
    session = Session(database, DAY)
    row = next(r for r in queries.pipeline(session, "acme").opportunities)
    read_at = row.version
    # a teammate moves it on meanwhile
    mate = Session(database, DAY, actor="bob")
    update_opportunity(mate, row.id, Opportunity(title=row.title, source=row.source, value=row.value, probability=60, stage="won"), read_at)
    checkin = CheckIn(date=DAY, kind="expansion", author=ACTOR, planned_minutes=20, actual_minutes=20, attendees=[], sections=[], next_steps="")
    with pytest.raises(StoreError, match="changed this opportunity"):
        finish_checkin(
            session,
            "acme",
            DAY,
            checkin,
            {},
            None,
            [],
            opportunity_id=row.id,
            outcome={"stage": "qualified", "next_action": "call", "next_action_date": None},
            opportunity_version=read_at,
        )
    after = next(r for r in queries.pipeline(session, "acme").opportunities)
    assert (after.stage, after.probability) == ("won", 60)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM checkins WHERE kind = 'expansion'").fetchone()[0] == 0


def test_a_closed_opportunity_is_dated_on_the_planning_day(fresh):
    run, database = fresh
    run.ok(
        "--date",
        "2026-03-03",
        "add-opportunity",
        "acme",
        "--title",
        "Second site",
        "--value",
        "1000",
        "--probability",
        "100",
        "--stage",
        "won",
        "--source",
        "capability_need",
        db=database,
    )
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT closed_on FROM opportunities WHERE title = 'Second site'").fetchone()[0] == "2026-03-03"


# ----- one plausibility rule for readings ------------------------------------------------------------


@pytest.mark.parametrize("value", ["250", "-40"])
def test_the_cli_refuses_an_impossible_reading_as_the_check_in_does(fresh, value):
    run, database = fresh
    refused = run("reading", "beta", "training", value, "--date", AS_OF, db=database)
    assert refused.returncode == 2
    assert "training" in refused.stderr and "--force" in refused.stderr
    kpis = run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)
    assert next(k for k in kpis if k["key"] == "training")["current"] is None


def test_force_records_a_real_outlier(fresh):
    run, database = fresh
    run.ok("reading", "beta", "handle_time", "45", "--date", AS_OF, "--force", db=database)
    kpis = run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)
    assert next(k for k in kpis if k["key"] == "handle_time")["current"] == 45


def test_a_csv_feed_is_checked_by_the_same_rule(fresh, tmp_path):
    run, database = fresh
    feed = tmp_path / "feed.csv"
    feed.write_text("client,kpi,date,value\nbeta,handle_time,2026-06-15,7\nbeta,training,2026-06-15,250\n")
    refused = run("readings", "import", feed, db=database)
    assert refused.returncode == 2
    assert "feed.csv:3: beta training: 250 is outside the plausible range 0..100" in refused.stderr
    kpis = run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)
    assert next(k for k in kpis if k["key"] == "handle_time")["current"] == 7.5  # nothing of the file was written
    run.ok("readings", "import", feed, "--force", db=database)
    kpis = run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)
    assert next(k for k in kpis if k["key"] == "training")["current"] == 250


# ----- drafts outlive the sessions that typed them ---------------------------------------------------


@pytest.fixture
def own_folders(tmp_path, monkeypatch):
    for var in ("HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))


def stored_draft(database: Path, client: str = "acme", kind: str = "weekly") -> tuple[dict, int, list]:
    from carebench.store import Store

    with Store(database, actor=ACTOR) as store:
        return store.load_draft(client, DAY, kind)


def test_a_stale_session_going_away_never_overwrites_the_newer_draft_and_both_are_kept(fresh, own_folders):
    from carebench.app import checkin, drafts
    from carebench.app.commands import save_draft
    from carebench.app.session import Session

    _, database = fresh
    session = Session(database, DAY)
    old = save_draft(session, "acme", DAY, "weekly", {"notes": {"0": "ten minutes of notes"}}, None)
    # the live session carries on from there; the forgotten one still holds version `old`
    live = save_draft(session, "acme", DAY, "weekly", {"notes": {"0": "ten minutes of notes, then twenty more"}}, old)
    assert drafts.flush(session, "acme", DAY, "weekly", {"notes": {"0": "a stale line"}}, old)
    data, version, recovered = stored_draft(database)
    assert (data, version) == ({"notes": {"0": "ten minutes of notes, then twenty more"}}, live)
    assert [copy["data"] for copy in recovered] == [{"notes": {"0": "a stale line"}}]
    # the live session's next save is not refused, and the copy stays attached
    live = save_draft(session, "acme", DAY, "weekly", {"notes": {"0": "ten minutes of notes, then twenty more."}}, live)
    assert len(stored_draft(database)[2]) == 1
    # opening the check-in again offers both: merged, the stale line under a marked line
    opened = checkin.context(session, "acme", DAY, "weekly")
    merged, added = drafts.merge(dict(opened["draft"]), [dict(copy) for copy in opened["recovered"]])
    assert added == 1
    assert merged["notes"]["0"].startswith("ten minutes of notes, then twenty more.\n\n--- recovered from a copy saved ")
    assert merged["notes"]["0"].endswith("---\na stale line")
    assert not drafts.local_path(session, "acme", DAY, "weekly").exists()


def test_a_session_ending_while_another_user_holds_the_lock_keeps_its_draft_locally(fresh, own_folders):
    import os
    import stat
    import time

    from carebench.app import checkin, drafts
    from carebench.app.session import Session

    _, database = fresh
    session = Session(database, DAY)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a teammate's long import, or an open sqlite3 transaction
    try:
        started = time.monotonic()
        assert not drafts.flush(session, "acme", DAY, "weekly", {"notes": {"0": "typed as the line dropped"}}, None)
        assert time.monotonic() - started < 1.0  # inside the hang-up watchdog's second
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    local = drafts.local_path(session, "acme", DAY, "weekly")
    mode = os.lstat(local).st_mode
    assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o600
    assert stored_draft(database) is None
    opened = checkin.context(session, "acme", DAY, "weekly")
    assert [copy["data"] for copy in opened["recovered"]] == [{"notes": {"0": "typed as the line dropped"}}]
    merged, _ = drafts.merge({}, [dict(copy) for copy in opened["recovered"]])
    assert merged["notes"]["0"] == "typed as the line dropped"


def test_re_importing_a_portfolio_keeps_the_open_drafts_of_the_clients_it_replaces(fresh, tmp_path):
    from carebench.app.commands import save_draft
    from carebench.app.session import Session

    run, database = fresh
    save_draft(Session(database, DAY), "acme", DAY, "weekly", {"notes": {"0": "twenty minutes of notes"}}, None)
    exported = tmp_path / "portfolio.json"
    run.ok("export", "-o", exported, db=database)
    run.ok("import", exported, db=database)
    data, version, _ = stored_draft(database)
    assert (data, version) == ({"notes": {"0": "twenty minutes of notes"}}, 1)
    assert [d["client"] for d in run.json("drafts", "--json", db=database)] == ["acme"]


# ----- imports read one client at a time -----------------------------------------------------------


def test_a_portfolio_wrong_past_its_first_clients_writes_nothing_and_creates_no_database(run, tmp_path, portfolio_dict):
    portfolio_dict["clients"][2]["tier"] = "bronze"
    portfolio_dict["clients"].append(dict(portfolio_dict["clients"][0]))  # the first client again
    source = tmp_path / "p.json"
    source.write_text(json.dumps(portfolio_dict))
    database = tmp_path / "new.db"
    refused = run("import", source, db=database)
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert any("clients[2].tier" in line for line in lines)
    assert any("duplicate client id acme" in line for line in lines)
    assert all(line.startswith(f"error: {source}: ") for line in lines)
    assert not database.exists()


def test_a_portfolio_found_wrong_while_writing_leaves_the_database_as_it_was(fresh, tmp_path, portfolio_dict):
    from carebench.app import transfer
    from carebench.app.session import Session
    from carebench.store import Store

    _, database = fresh
    with Store(database) as store:
        before = store.export_portfolio().model_dump_json()
        portfolio_dict["clients"][0]["name"] = "Renamed"
        portfolio_dict["clients"][1]["tier"] = "bronze"
        with pytest.raises(Exception, match="clients\\[1\\].tier"):
            store.import_clients(transfer.portfolio_clients(json.dumps(portfolio_dict), "p.json"))
    with Store(Session(database, DAY).db_path) as store:
        assert store.export_portfolio().model_dump_json() == before
