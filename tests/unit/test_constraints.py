"""The database keeps carebench's rules itself (schema 15): another tool cannot store a value that breaks one.

New databases get a CHECK constraint on every column with a rule (store/integrity.py); a database from before
is rebuilt with them, rows, indexes, triggers and views carried as they were, unless it holds rows that break
a rule: then opening it is refused, naming each kind of broken row, and the file is left exactly as it was.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from carebench.core.models import Portfolio
from carebench.store import Store, StoreError
from carebench.store.integrity import CHECKED_TABLES, RULES, Rule, broken_rows
from carebench.store.schema import CHECKS_FROM, SCHEMA_VERSION
from conftest import dump_database, portfolio_data, schema_at

SUBSCORES = ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction", "expansion_interest")
# A client with a row in every table that keeps rules and a value in every column with one, at the edges the
# models allow: the database must take every one of them (its rules are no stricter than the models').
EDGE_CLIENT = {
    "id": "edge",
    "name": "Edge Cases",
    "tier": "silver",
    "go_live": "1900-01-01",
    "owner": "ana",
    "investment": 0,
    "roi_target": -1e15,
    "status": "closed",
    "stakeholder_groups": 1000,
    "cultural_change": "high",
    "internal_capability": "low",
    "rollout": [{"name": "Pilot", "planned": 1, "live": 0}],
    "contacts": [{"name": "Pat Lee", "role": "Key user", "kind": "power_user"}],
    "kpis": [
        {
            "key": "edge",
            "name": "Edge",
            "category": "diagnostic",
            "direction": "lower",
            "baseline": -1e15,
            "target": 1e15,
            "benchmark": -1e15,
            "readings": [{"date": "1900-01-01", "value": -1e15}, {"date": "2199-12-31", "value": 1e15}, {"date": "2024-02-29", "value": 0}],
        }
    ],
    "assessments": [
        {"date": "1900-01-01", "scores": dict.fromkeys(SUBSCORES, 1)},
        {"date": "2199-12-31", "scores": dict.fromkeys(SUBSCORES, 10)},
    ],
    "savings": [{"month": "0001-01", "amount": -1e15}, {"month": "2199-12", "amount": 1e15}],
    "opportunities": [
        {
            "title": "Everything",
            "source": "competitive_response",
            "value": 1e15,
            "probability": 100,
            "stage": "won",
            "investment_low": 0,
            "investment_high": 1e15,
            "start_month": 0,
            "end_month": 240,
            "next_action": "Sign",
            "next_action_date": "2199-12-31",
            "closed_on": "1900-01-01",
        },
        {"title": "Nothing", "value": 0, "probability": 0, "stage": "lost"},
    ],
    "action_items": [{"text": "Close", "due": "1900-01-01", "priority": "low", "status": "done", "done_on": "2199-12-31"}],
    "exceptions": [{"date": "1900-01-01", "kind": "quarterly", "status": "moved", "moved_to": "2199-12-31"}],
    "checkins": [
        {"date": "2199-12-31", "kind": "expansion", "planned_minutes": 1440, "actual_minutes": 0, "confidence": 10},
        {"date": "1900-01-01", "kind": "daily", "confidence": 1},
    ],
    "outcomes": [{"date": "1900-01-01", "kind": "ended"}],
    "testimonials": [{"requested": "1900-01-01", "answer": "declined", "answered": "2199-12-31"}],
    "referrals": [{"date": "2199-12-31", "prospect": "Zeta", "became_engagement": True}],
    "tickets": [
        {
            "title": "Slow",
            "category": "change_request",
            "impact": "low",
            "users": "few",
            "opened": "1900-01-01T00:00:00Z",
            "first_response": "2199-12-31T23:59:00Z",
            "resolved": "2199-12-31T23:59:00Z",
            "escalated": True,
            "first_contact": True,
        }
    ],
    "pulses": [
        {"date": "1900-01-01", "respondent": "Pat Lee", "recommend": 0, "satisfaction": 5},
        {"date": "2199-12-31", "respondent": "Sam", "recommend": 10, "satisfaction": 1},
    ],
    "learnings": [{"date": "2199-12-31", "kind": "decision", "what": "Keep going"}],
    "checklist": [{"key": "runbook", "label": "Runbook", "done": True, "done_on": "1900-01-01"}],
    "tier_changes": [{"date": "1900-01-02", "previous": "platinum"}],
    "escalations": [{"date": "1900-01-01", "to": "The CEO", "reason": "Red"}],
    "recovery": [{"added": "1900-01-01", "step": "Call", "due": "2199-12-31", "done_on": "2199-12-31"}],
}


def full_portfolio() -> Portfolio:
    data = portfolio_data()
    data["clients"].append(json.loads(json.dumps(EDGE_CLIENT)))
    return Portfolio.model_validate(data)


@pytest.fixture(scope="module")
def full_db(tmp_path_factory) -> Path:
    """A new database holding the fixed portfolio and the edge client."""
    path = tmp_path_factory.mktemp("constraints") / "full.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(full_portfolio())
    return path


@pytest.fixture
def full(full_db, tmp_path) -> Path:
    copy = tmp_path / "full.db"
    shutil.copy(full_db, copy)
    return copy


def older(source: Path, path: Path, version: int = CHECKS_FROM - 1) -> Path:
    """A database at schema ``version`` (built by the migrations up to it, in WAL mode as carebench makes them) holding
    the rows of ``source``."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    schema_at(conn, version)
    conn.execute("ATTACH ? AS source", (str(source),))
    tables = conn.execute(
        "SELECT name FROM source.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_index%' AND name != 'schema_version'"
    ).fetchall()
    for (table,) in tables:  # the columns the older schema has (the search index follows by its triggers)
        have = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
        if not have:  # a table of a later schema
            continue
        columns = ", ".join(have)
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}")
    conn.commit()
    conn.execute("DETACH source")
    conn.close()
    path.chmod(0o600)
    return path


def schema_of(path: Path) -> set[tuple[str, str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


def content(path: Path) -> dict:
    """Every table's rows but the schema steps' and the full-text index's own b-trees (laid out as it was filled)."""
    dump = dump_database(path)
    assert dump is not None
    skipped = {"schema_version", "search_index_data", "search_index_idx"}
    return {table: rows for table, (_, rows) in dump.items() if table not in skipped}


def bad_values(rule: Rule) -> list:
    """Values that break ``rule``, by the kind of value it asks for."""
    if rule.words.startswith("one of"):
        return ["bogus", rule.words.split()[2].rstrip(",").upper(), ""]
    if rule.words.startswith("a whole number of at least"):
        (low,) = map(int, re.findall(r"\d+", rule.words))
        return [low - 1, low + 0.5, "seven"]
    if rule.words.startswith("a whole number"):
        low, high = map(int, re.findall(r"\d+", rule.words))
        return [high + 1, low - 1, low + 0.5, "seven"]
    if rule.words.startswith("a number"):
        return ["lots", 1e16, -1e16, *([-1] if "from 0" in rule.words else [])]
    if rule.words.startswith("a date"):
        return ["2026-02-30", "2026-6-1", "1899-12-31", "2200-01-01", "now", "2026-06-01T10:00", 20260601]
    if rule.words.startswith("a time"):
        return ["2026-06-01 10:00", "2026-06-01T10:00:00", "2026-06-31T10:00", "now", "2026-06-01"]
    if rule.words.startswith("a month"):
        return ["2026-13", "2026-00", "2026-6", "2026-06-01"]
    assert rule.words == "0 or 1", rule
    return [2, -1, "yes"]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.table}.{rule.column}")
def test_sqlite_utils_cannot_store_a_value_that_breaks_a_rule(full, rule):
    db = sqlite_utils.Database(full)
    table = db.table(rule.table)
    row = next(table.rows_where(f"{rule.column} IS NOT NULL", limit=1))
    key = tuple(row[name] for name in table.pks)
    for value in bad_values(rule):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            table.update(key[0] if len(key) == 1 else key, {rule.column: value})
    assert table.get(key[0] if len(key) == 1 else key) == row
    db.close()


def test_doctor_names_a_broken_row_for_every_rule(full):
    """Rows written with the checks switched off: one line per rule, each naming its row, column and value."""
    db = sqlite_utils.Database(full)
    db.execute("PRAGMA ignore_check_constraints = ON")
    for rule in RULES:
        table = db.table(rule.table)
        row = next(table.rows_where(f"{rule.column} IS NOT NULL", limit=1))
        key = tuple(row[name] for name in table.pks)
        table.update(key[0] if len(key) == 1 else key, {rule.column: bad_values(rule)[0]})
    db.close()
    conn = sqlite3.connect(full)
    lines = broken_rows(conn)
    conn.close()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, sorted(RULES, key=lambda rule: CHECKED_TABLES.index(rule.table))):  # table by table
        assert re.fullmatch(rf"1 {rule.table} row with {rule.column} not {re.escape(rule.words)} \(.+: {rule.column} .+\)", line), line


def test_the_finding_a_score_of_11_or_a_text_reading_is_refused_by_sqlite(full, run):
    """The issue's own case: sqlite-utils writing a score of 11 and a reading that is text, and plain sqlite3 a new row."""
    db = sqlite_utils.Database(full)
    assessment = next(db["assessments"].rows_where("client_id = 'acme'"))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed: typeof\\(trend\\)"):
        db["assessments"].update(assessment["id"], {"trend": 11})
    kpi = next(db["kpis"].rows_where("client_id = 'beta' AND key = 'fcr'"))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed: typeof\\(value\\)"):
        db["readings"].update((kpi["id"], "2026-06-01"), {"value": "lots"})
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db["readings"].insert({"kpi_id": kpi["id"], "date": "2026-06-02", "value": "lots", "changed_at": "now", "changed_by": "tool"})
    db.close()
    conn = sqlite3.connect(full)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute(
            f"INSERT INTO assessments (client_id, date, {', '.join(SUBSCORES)}, changed_at, changed_by) "
            f"VALUES ('acme', '2026-06-12', 11, 5, 5, 5, 5, 5, 5, 5, 5, 'now', 'tool')"
        )
    conn.close()
    assert run.json("doctor", "--json", db=full)["broken_rows"] == []
    assert run.json("health", "acme", "--date", "2026-06-15", "--json", db=full)["overall"] == 5.2


def test_a_new_database_has_a_check_constraint_for_every_rule(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    sql = {name: text for kind, name, _, text in schema_of(path) if kind == "table"}
    for rule in RULES:
        assert f"{rule.column} " in sql[rule.table] and f"CHECK ({rule.check})" in sql[rule.table], rule
    assert not [name for name in sql if name.endswith("_checked")]
    assert version_of(path) == SCHEMA_VERSION >= CHECKS_FROM


def test_migration_carries_every_row_and_remakes_indexes_triggers_and_views(full_db, tmp_path):
    path = older(full_db, tmp_path / "old.db")
    conn = sqlite3.connect(path)
    # what a team may have added with its own tools
    conn.execute(
        "CREATE VIEW team_open_items AS SELECT c.name, a.text FROM action_items a JOIN clients c ON c.id = a.client_id WHERE a.status = 'open'"
    )
    conn.execute("CREATE INDEX team_readings_by_value ON readings (value)")
    conn.commit()
    conn.close()
    before, objects = content(path), schema_of(path)
    with Store(path, actor="ana") as store:
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert version_of(path) == SCHEMA_VERSION
    # Every row as it was: the migrations after the checks' add columns (at the end of a row) and tables of their own.
    width = {table: len(rows[0]) for table, rows in before.items() if rows}
    carried = {table: [row[: width.get(table, len(row))] for row in rows] for table, rows in content(path).items() if table in before}
    assert carried == before
    assert Path(f"{path}.schema14.bak").is_file()
    after = schema_of(path)
    # the same indexes, triggers and views, word for word; the tables as a new database has them
    # a later schema's own table, the indexes of check-in links (schema 20), of the assessment deciding a day (22)
    # and of the agenda's touchpoints, which took in each one's run (23)
    later_indexes = {"assessments_checkin", "action_items_checkin", "learnings_checkin", "assessment_health_days", "touchpoints_open"}
    later = {o for o in after if o[2] == "rollout_waves" or o[1] in later_indexes}
    assert {o for o in after if o[0] != "table"} - later == {o for o in objects if o[0] != "table" and o[1] not in later_indexes}
    new = schema_of(full_db)
    assert {o for o in after if o[0] == "table"} == {o for o in new if o[0] == "table"}
    assert after - {o for o in objects if o[1].startswith("team_")} == new
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM team_open_items").fetchone()[0] > 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_a_migrated_database_works_as_a_new_one(full_db, tmp_path):
    """Foreign keys cascade, the search index follows its rows, the audit trail stays append-only."""
    path = older(full_db, tmp_path / "old.db")
    with Store(path, actor="ana") as store:
        conn = store.conn
        learning = conn.execute("SELECT id FROM learnings WHERE client_id = 'edge'").fetchone()[0]
        conn.execute("UPDATE learnings SET what = 'Forklift everywhere' WHERE id = ?", (learning,))
        assert conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH 'forklift'").fetchall() == [(-learning,)]
        conn.execute("UPDATE clients SET name = 'Edge Renamed' WHERE id = 'edge'")
        assert conn.execute("SELECT DISTINCT client_name FROM search_index WHERE client_id = 'edge'").fetchall() == [("Edge Renamed",)]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit")
        conn.execute("DELETE FROM clients WHERE id = 'edge'")
        for table in CHECKED_TABLES:
            if table != "readings":
                assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {'id' if table == 'clients' else 'client_id'} = 'edge'").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM readings WHERE kpi_id NOT IN (SELECT id FROM kpis)").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM search_index WHERE client_id = 'edge'").fetchone()[0] == 0


def spoil(path: Path) -> None:
    """Rows of four kinds another tool wrote into a database that had no constraints."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # the old tables had a few checks: a tool can switch them off
    conn.execute("UPDATE assessments SET trend = 11 WHERE client_id = 'acme'")
    conn.execute(
        "UPDATE readings SET value = 'lots' WHERE kpi_id = (SELECT id FROM kpis WHERE client_id = 'beta' AND key = 'fcr') AND date = '2026-06-01'"
    )
    conn.execute("UPDATE clients SET tier = 'bronze' WHERE id = 'cobalt'")
    conn.execute("UPDATE action_items SET due = '2026-02-30' WHERE client_id = 'beta'")
    conn.commit()
    conn.close()


BROKEN = [
    "1 clients row with tier not one of platinum, gold, silver (cobalt: tier 'bronze')",
    "1 readings row with value not a number (at most 1e15 in size) (beta fcr 2026-06-01: value 'lots')",
    "1 assessments row with trend not a whole number from 1 to 10 (acme 2026-06-05: trend 11)",
    "1 action_items row with due not a date written YYYY-MM-DD from 1900-01-01 to 2199-12-31 (beta, id 2: due '2026-02-30')",
]


def test_rows_that_break_a_rule_are_not_carried_and_the_database_is_left_as_it_was(full_db, tmp_path, run):
    path = older(full_db, tmp_path / "old.db")
    spoil(path)
    before, files = path.read_bytes(), sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StoreError) as refused:
        Store(path)
    lines = str(refused.value).split("\n")
    assert lines[0] == (
        f"cannot upgrade {path} to schema {SCHEMA_VERSION}, which keeps carebench's rules in the database itself; "
        "rows written by another tool break them:"
    )
    assert lines[1:-1] == BROKEN
    assert lines[-1] == (
        "correct those rows (`carebench doctor` lists them; the carebench you used before still opens the database, "
        "and so do sqlite3 and sqlite-utils), then open it again; nothing was changed"
    )
    # exactly as it was: the same bytes, no backup beside it, still at schema 14
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert version_of(path) == CHECKS_FROM - 1
    # the command line: one error line each, exit 2, and again nothing changed
    result = run("health", "acme", "--date", "2026-06-15", db=path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"error: {line}" for line in lines]
    assert path.read_bytes() == before
    # corrected (with sqlite3, as the message says), it opens and migrates, after a backup
    conn = sqlite3.connect(path)
    conn.execute("UPDATE assessments SET trend = 10 WHERE client_id = 'acme'")
    conn.execute("UPDATE readings SET value = 70 WHERE value = 'lots'")
    conn.execute("UPDATE clients SET tier = 'silver' WHERE id = 'cobalt'")
    conn.execute("UPDATE action_items SET due = '2026-02-28' WHERE client_id = 'beta'")
    conn.commit()
    conn.close()
    Store(path).close()
    assert version_of(path) == SCHEMA_VERSION
    assert Path(f"{path}.schema14.bak").is_file()


def test_doctor_still_names_broken_rows_in_a_database_from_before_the_checks(full_db, tmp_path, run):
    path = older(full_db, tmp_path / "old.db")
    spoil(path)
    before = path.read_bytes()
    result = run("doctor", "--json", db=path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["broken_rows"] == BROKEN
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["rows"]["status"] == "fail"
    assert checks["rows"]["detail"].endswith("(written by another tool; correct them with sqlite3, sqlite-utils or the carebench used before)")
    assert checks["schema"] == {
        "name": "schema",
        "status": "warn",
        "detail": f"schema 14; carebench migrates it to {SCHEMA_VERSION} only once the rows below are corrected",
    }
    assert path.read_bytes() == before and version_of(path) == CHECKS_FROM - 1


def test_rows_pointing_at_missing_rows_are_carried_as_they_were(full_db, tmp_path, run):
    """An orphan another tool left (foreign keys off) is not a rule the rebuild checks: it stays, and doctor says so."""
    path = older(full_db, tmp_path / "old.db")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO readings (kpi_id, date, value, changed_at, changed_by) VALUES (9999, '2026-06-01', 1, 'now', 'tool')")
    conn.commit()
    conn.close()
    Store(path).close()
    assert version_of(path) == SCHEMA_VERSION
    report = json.loads(run("doctor", "--json", db=path).stdout)
    assert report["orphans"] == {"readings": 1}


def test_a_table_with_columns_carebench_does_not_know_is_not_rebuilt(full_db, tmp_path):
    path = older(full_db, tmp_path / "old.db")
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE clients ADD COLUMN nickname TEXT")
    conn.commit()
    conn.close()
    before = content(path)
    with pytest.raises(
        StoreError, match=r"from schema 14: table clients has columns carebench does not know \(nickname\); nothing was changed \(a copy"
    ):
        Store(path)
    assert version_of(path) == CHECKS_FROM - 1
    assert content(path) == before


def test_a_row_an_earlier_step_makes_that_breaks_a_rule_is_refused_too(tmp_path):
    """A database at schema 4 has no closed_on yet: step 5 fills it from changed_at, which another tool wrote as it liked."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema_at(conn, 4)
    conn.execute(
        "INSERT INTO clients (id, name, tier, go_live, owner, changed_at, changed_by) "
        "VALUES ('acme', 'Acme', 'gold', '2026-01-05', 'ana', 'now', 'tool')"
    )
    conn.execute(
        "INSERT INTO opportunities (client_id, title, source, value, probability, stage, changed_at, changed_by) "
        "VALUES ('acme', 'Deal', 'performance_gap', 10, 100, 'won', 'yesterday', 'tool')"
    )
    conn.commit()
    conn.close()
    path.chmod(0o600)
    assert broken_rows(sqlite3.connect(path)) == []  # nothing to see at schema 4
    with pytest.raises(
        StoreError, match=r"from schema 4: a row breaks carebench's rules \(CHECK constraint failed: closed_on IS NULL OR .*\); `carebench doctor`"
    ):
        Store(path)
    assert version_of(path) == 4


def test_schema_19_lets_outcomes_and_check_ins_be_of_a_retrospective(full_db, tmp_path):
    """A database of schema 18 made before retrospectives checks the kinds without it; step 19 widens both checks."""
    from carebench.core.terms import CHECKIN_KINDS, KINDS
    from carebench.store.integrity import one_of
    from carebench.store.schema import _rebuild

    path = older(full_db, tmp_path / "old.db", 18)
    conn = sqlite3.connect(path)
    narrowed = []
    for table, kinds in (("touchpoint_exceptions", KINDS), ("checkins", CHECKIN_KINDS)):
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        wide, narrow = one_of(kinds)("kind")[0], one_of(tuple(k for k in kinds if k != "retrospective"))("kind")[0]
        assert wide in sql
        narrowed.append((re.sub(r'^CREATE TABLE "(\w+)"', r"CREATE TABLE \1", sql).replace(wide, narrow), table))
    conn.execute("PRAGMA foreign_keys = OFF")
    _rebuild(conn, narrowed)
    conn.commit()
    exception = (
        "INSERT INTO touchpoint_exceptions (client_id, date, kind, status, changed_at, changed_by) "
        "VALUES ('acme', '2026-07-01', 'retrospective', 'done', 'now', 'tool')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed: kind IN"):
        conn.execute(exception)
    conn.close()
    before = content(path)
    Store(path, actor="ana").close()
    assert version_of(path) == SCHEMA_VERSION
    assert {o for o in schema_of(path) if o[0] == "table"} == {o for o in schema_of(full_db) if o[0] == "table"}
    remade = ("touchpoints", "derivation", "assessment_health")  # made again; schema 21 gave assessment_health columns
    assert {table: rows for table, rows in content(path).items() if table in before and table not in remade} == {
        table: rows for table, rows in before.items() if table not in remade
    }
    conn = sqlite3.connect(path)
    conn.execute(exception)
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_doctor_names_broken_values_in_columns_added_after_the_checks(full, run):
    # Their constraints come from the migrations that added them (schemas 17 and 18); doctor knew only the others.
    conn = sqlite3.connect(full)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("UPDATE clients SET stakeholder_groups = 0, cultural_change = 'huge' WHERE id = 'edge'")
    conn.execute("UPDATE kpis SET benchmark = 'lots', team = 2 WHERE client_id = 'edge'")
    conn.execute("UPDATE rollout_waves SET planned = 0, live = -1 WHERE client_id = 'edge'")
    conn.commit()
    conn.close()
    result = run("doctor", "--json", db=full)
    assert result.returncode == 1  # doctor fails on what it finds
    assert json.loads(result.stdout)["broken_rows"] == [
        "1 clients row with stakeholder_groups not a whole number from 1 to 1000 (edge: stakeholder_groups 0)",
        "1 clients row with cultural_change not one of low, medium, high (edge: cultural_change 'huge')",
        "1 kpis row with benchmark not a number (at most 1e15 in size) (edge edge: benchmark 'lots')",
        "1 kpis row with team not 0 or 1 (edge edge: team 2)",
        "1 rollout_waves row with planned not a whole number of at least 1 (edge 'Pilot': planned 0)",
        "1 rollout_waves row with live not a whole number of at least 0 (edge 'Pilot': live -1)",
    ]
