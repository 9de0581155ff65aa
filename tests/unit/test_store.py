"""The SQLite store used directly: connection settings, schema version, audit trail, all-or-nothing writes."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from carebench.core.models import Assessment, Client, Kpi, Portfolio, Scores
from carebench.store import DatabaseBusy, Store, StoreError
from carebench.store import db as store_db
from carebench.store.schema import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.db"


@pytest.fixture
def store(path):
    with Store(path, actor="alice") as opened:
        yield opened


@pytest.fixture
def portfolio(portfolio_dict) -> Portfolio:
    return Portfolio.model_validate(portfolio_dict)


def raw(path):
    return sqlite3.connect(str(path))


def content(path, dump_db):
    """Everything in the database, audit trail included."""
    dump = dump_db(path)
    conn = raw(path)
    try:
        dump["audit"] = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()
    return dump


def test_connection_settings(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_new_database_file_is_owner_only(store, path):
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600


def test_schema_version_table_starts_at_version_one(store):
    rows = store.conn.execute("SELECT version, applied_at, applied_by FROM schema_version ORDER BY version").fetchall()
    assert rows[0][0] == 1
    assert [r[0] for r in rows] == [number for number, _ in MIGRATIONS]
    assert all(r[1] and r[2] for r in rows)


def test_reopening_does_not_migrate_again(path):
    Store(path).close()
    Store(path).close()
    conn = raw(path)
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_version_one_database_is_migrated_forward(path, portfolio):
    conn = raw(path)
    for statement in MIGRATIONS[0][1].split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO schema_version (version, applied_at, applied_by) VALUES (1, '2026-01-01', 'old')")
    conn.commit()
    conn.close()
    path.chmod(0o600)
    with Store(path, actor="alice") as store:
        versions = [r[0] for r in store.conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [number for number, _ in MIGRATIONS]
        store.import_portfolio(portfolio)
        assert store.client_ids() == ["acme", "beta", "cobalt"]
        assert store.client_names() == [(c.id, c.name) for c in store.clients(parts=())]


def test_every_write_is_audited_with_actor_and_time(store, portfolio):
    before = datetime.now(UTC) - timedelta(seconds=2)
    store.import_portfolio(portfolio)
    store.add_reading("beta", "fcr", date(2026, 6, 1), 71.0)
    store.add_assessment("acme", Assessment(date=date(2026, 6, 12), scores=Scores(**{k: 7 for k in Scores.model_fields})))
    rows = store.conn.execute("SELECT at, actor, action, client_id, detail FROM audit ORDER BY id").fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [("alice", "import", None), ("alice", "reading", "beta"), ("alice", "assess", "acme")]
    for at, *_ in rows:
        stamp = datetime.fromisoformat(at)
        assert stamp.tzinfo is not None
        assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=2)
    log = store.audit_log("beta")
    assert log[0]["detail"] == {"kpi": "fcr", "date": "2026-06-01", "value": 71.0, "replaced": 70.0}
    # the rows themselves say who wrote them
    changed_by = store.conn.execute("SELECT DISTINCT changed_by FROM clients").fetchall()
    assert changed_by == [("alice",)]


def test_assessment_author_defaults_to_the_actor(store, portfolio):
    store.import_portfolio(portfolio)
    authors = dict(store.conn.execute("SELECT date, author FROM assessments WHERE client_id = 'beta'").fetchall())
    assert authors == {"2026-05-04": "alice", "2026-06-01": "alice"}
    assert store.conn.execute("SELECT author FROM assessments WHERE client_id = 'acme'").fetchone()[0] == "ana"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit SET actor = 'mallory'",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE id = 1",
    ],
)
def test_audit_trail_is_append_only(store, portfolio, path, statement):
    store.import_portfolio(portfolio)
    conn = raw(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
        assert conn.execute("SELECT actor FROM audit").fetchall() == [("alice",)]
    finally:
        conn.close()


def test_database_from_a_newer_program_is_refused(path):
    Store(path).close()
    conn = raw(path)
    conn.execute("INSERT INTO schema_version (version, applied_at, applied_by) VALUES (?, 'later', 'future')", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some notes\n" * 20)
    before = path.read_bytes()
    with pytest.raises(StoreError):
        Store(path)
    assert path.read_bytes() == before


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)
    with pytest.raises(StoreError):
        Store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_import_is_all_or_nothing_when_a_write_fails_midway(store, portfolio, path, dump_db, monkeypatch):
    store.import_portfolio(portfolio)
    store.add_reading("beta", "fcr", date(2026, 6, 10), 72.0)
    before = content(path, dump_db)

    changed = portfolio.model_copy(deep=True)
    changed.clients[0].name = "Acme Renamed"
    changed.clients.append(Client(id="delta", name="Delta", tier="gold", go_live=date(2026, 1, 5), owner="bob"))
    original = Store._insert_client
    calls = []

    def failing(self, client):
        calls.append(client.id)
        original(self, client)  # the rows go in ...
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")  # ... and then the disk fails

    monkeypatch.setattr(Store, "_insert_client", failing)
    with pytest.raises(StoreError, match="disk I/O error; nothing was written"):
        store.import_portfolio(changed)
    assert calls == ["acme", "beta", "cobalt"]
    assert not store.conn.in_transaction
    assert content(path, dump_db) == before
    # the store is still usable afterwards
    monkeypatch.setattr(Store, "_insert_client", original)
    assert store.import_portfolio(changed) == (1, 3)
    assert [c.name for c in store.clients()][:1] == ["Acme Renamed"]


def test_failed_single_write_leaves_nothing(store, portfolio, path, dump_db):
    store.import_portfolio(portfolio)
    before = content(path, dump_db)
    with pytest.raises(StoreError):
        store.add_kpi("beta", Kpi(key="fcr", name="again", category="lagging", direction="higher", baseline=1, target=2))
    with pytest.raises(StoreError):
        store.add_reading("nope", "fcr", date(2026, 6, 1), 1.0)
    with pytest.raises(StoreError):
        store.add_client(Client(id="acme", name="Acme", tier="gold", go_live=date(2026, 1, 5), owner="x"))
    assert content(path, dump_db) == before


def test_export_gives_back_what_was_imported(store, portfolio):
    store.import_portfolio(portfolio)
    exported = store.export_portfolio()
    again = Portfolio.model_validate_json(exported.model_dump_json())
    assert [c.id for c in again.clients] == ["acme", "beta", "cobalt"]
    beta = again.clients[1]
    original = portfolio.clients[1]
    assert [k.key for k in beta.kpis] == [k.key for k in original.kpis]
    assert beta.kpis[0].readings == original.kpis[0].readings
    assert beta.exceptions == sorted(original.exceptions, key=lambda e: (e.date, e.kind))
    assert beta.savings == original.savings
    assert [o.title for o in beta.opportunities] == [o.title for o in original.opportunities]


def test_reimport_replaces_children_instead_of_adding_them(store, portfolio):
    store.import_portfolio(portfolio)
    counts = {
        t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in (
            "clients",
            "kpis",
            "readings",
            "assessments",
            "savings",
            "opportunities",
            "action_items",
            "touchpoint_exceptions",
            "checkins",
            "contacts",
        )
    }
    assert store.import_portfolio(portfolio) == (0, 3)
    for table, count in counts.items():
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count, table


def test_reading_and_assessment_on_the_same_date_replace(store, portfolio):
    store.import_portfolio(portfolio)
    assert store.add_reading("beta", "fcr", date(2026, 6, 1), 71.0) == 70.0
    assert store.add_reading("beta", "fcr", date(2026, 6, 2), 72.0) is None
    sevens = Scores(**{k: 7 for k in Scores.model_fields})
    assert store.add_assessment("beta", Assessment(date=date(2026, 6, 1), scores=sevens)) is True
    assert store.add_assessment("beta", Assessment(date=date(2026, 6, 3), scores=sevens)) is False
    beta = store.client("beta")
    assert [(r.date, r.value) for r in beta.kpis[0].readings][-2:] == [(date(2026, 6, 1), 71.0), (date(2026, 6, 2), 72.0)]
    assert [a.date for a in beta.assessments] == [date(2026, 5, 4), date(2026, 6, 1), date(2026, 6, 3)]


def test_writer_waits_then_gives_up_on_a_locked_database(path, monkeypatch):
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(store_db, "WRITE_PATIENCE_S", 0.3)
    waits = []
    with Store(path, actor="alice", on_wait=waits.append) as store:
        other = sqlite3.connect(str(path), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusy):
                store.add_client(Client(id="x", name="X", tier="gold", go_live=date(2026, 1, 5), owner="a"))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert waits, "the waiting writer was not reported"
        assert store.client_ids() == []
        store.add_client(Client(id="x", name="X", tier="gold", go_live=date(2026, 1, 5), owner="a"))
        assert store.client_ids() == ["x"]


def test_results_sustained_are_kept_per_client_from_the_latest_lagging_reading_on_each_mark(store):
    def kpi(key, category, *readings):
        return Kpi(
            key=key, name=key, category=category, direction="higher", baseline=1, target=5, readings=[{"date": d, "value": v} for d, v in readings]
        )

    store.import_portfolio(
        Portfolio(
            clients=[
                Client(
                    id="a",
                    name="A",
                    tier="gold",
                    go_live=date(2025, 1, 6),
                    owner="ana",
                    kpis=[
                        kpi("sales", "lagging", ("2025-06-01", 2), ("2025-07-06", 3), ("2025-07-07", 4), ("2026-01-05", 6), ("2026-02-01", 7)),
                        kpi("calls", "leading", ("2025-07-01", 9)),
                        kpi("late", "lagging", ("2026-03-01", 1)),
                    ],
                ),
                Client(id="b", name="B", tier="gold", go_live=date(2025, 1, 6), owner="ana", kpis=[kpi("sales", "lagging", ("2025-07-06", 8))]),
            ]
        )
    )

    def sustained():
        records = store.practice_records(["a", "b"], [])["sustained"]
        return {cid: dict(found) for cid, found in records.items()}

    # a at 6 months (2025-07-06): sales read 3 on the mark itself (off target; the 4 the day after does not count),
    # "late" not read by then (left out); at 12 months sales read 6 (on target). Leading KPIs do not count.
    assert sustained() == {"a": {6: 0, 12: 1}, "b": {6: 1, 12: 1}}
    # A reading written before a mark changes the stored verdict in the same write.
    store.add_reading("a", "late", date(2026, 1, 2), 1)
    assert sustained()["a"] == {6: 0, 12: 0}


def test_a_clients_check_ins_are_read_through_indexes(demo_db):
    # Each check-in's readings, assessment, action items and learnings are looked up by its id: without an
    # index on checkin_id each lookup read the whole table (53 ms for one client at 2,000 clients).
    with Store(demo_db, actor="ana") as store:
        client = store.conn.execute("SELECT client_id FROM checkins GROUP BY client_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        assert store.checkins(client)
        store.conn.set_trace_callback(None)
        lookups = [sql for sql in statements if "checkin_id =" in sql]
        assert {sql.split(" FROM ")[1].split()[0] for sql in lookups} >= {"readings", "assessments", "action_items", "learnings"}
        for sql in lookups:
            plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
            assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)
