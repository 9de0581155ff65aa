"""Rows another tool wrote (sqlite3 directly) that break carebench's rules: doctor names them, reads refuse them by name.

The database refuses such rows itself (tests/unit/test_constraints.py); a tool can still write them with SQLite's
``PRAGMA ignore_check_constraints``, as these tests do, and an older database may hold them.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import AS_OF


def spoil(db) -> None:
    conn = sqlite3.connect(str(db))
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE assessments SET trend = 11 WHERE client_id = 'acme'")
        conn.execute(
            "UPDATE readings SET value = 'lots' WHERE kpi_id = (SELECT id FROM kpis WHERE client_id = 'beta' AND key = 'fcr') AND date = '2026-06-01'"
        )
        conn.commit()
    finally:
        conn.close()


def test_doctor_names_the_rows_that_break_the_rules(fresh):
    run, db = fresh
    assert run.json("doctor", "--json", db=db)["broken_rows"] == []
    spoil(db)
    result = run("doctor", "--json", db=db)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["broken_rows"] == [
        "1 readings row with value not a number (at most 1e15 in size) (beta fcr 2026-06-01: value 'lots')",
        "1 assessments row with trend not a whole number from 1 to 10 (acme 2026-06-05: trend 11)",
    ]
    assert next(c for c in report["checks"] if c["name"] == "rows")["status"] == "fail"


def test_health_and_kpis_refuse_such_a_row_by_name(fresh):
    run, db = fresh
    spoil(db)
    kpis = run("kpis", "beta", "--date", AS_OF, db=db)
    health = run("health", "acme", "--date", AS_OF, db=db)
    # kpis reads the standing carebench stored with its last write: it never meets the row
    assert kpis.returncode == 0 and kpis.stderr == ""
    assert health.returncode == 2 and "Traceback" not in health.stderr and "crash" not in health.stderr, health.stderr
    client = run("health", "beta", "--date", AS_OF, db=db)
    assert client.returncode == 2 and "crash" not in client.stderr
    assert (
        client.stderr
        == "error: the database holds a reading of beta fcr on 2026-06-01 that is not a number ('lots'); `carebench doctor` lists such rows\n"
    )
    assert health.stderr == (
        "error: the database holds an assessment of acme on 2026-06-05 with trend 11, not a whole number from 1 to 10; "
        "`carebench doctor` lists such rows\n"
    )


def test_a_benchmark_that_is_not_a_number_is_refused_by_the_database_and_by_kpis(fresh):
    run, db = fresh
    conn = sqlite3.connect(str(db))
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute("UPDATE kpis SET benchmark = 'high' WHERE client_id = 'beta' AND key = 'fcr'")
        # A tool that switches the checks off can still write one: carebench's reads refuse it by name.
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE kpis SET benchmark = 'high' WHERE client_id = 'beta' AND key = 'fcr'")
        conn.commit()
    finally:
        conn.close()
    kpis = run("kpis", "beta", "--date", AS_OF, db=db)
    assert kpis.returncode == 2 and kpis.stderr == (
        "error: the database holds a benchmark of beta fcr that is not a number ('high'); `carebench doctor` lists such rows\n"
    )


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [("probability", 150, "a whole number from 0 to 100"), ("value", "'a lot'", "a number from 0 to 1e15"), ("stage", "'maybe'", "one of")],
)
def test_the_pipeline_and_practice_refuse_such_an_opportunity_by_name(fresh, column, value, words):
    run, db = fresh
    conn = sqlite3.connect(str(db))
    try:
        title = conn.execute("SELECT title FROM opportunities ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute(f"UPDATE opportunities SET {column} = {value} WHERE id = (SELECT MIN(id) FROM opportunities)")
        conn.commit()
    finally:
        conn.close()
    for args in (("pipeline", "--json"), ("pipeline",), ("practice", "--json"), ("practice",)):
        result = run(*args, db=db)
        assert result.returncode == 2 and "crash" not in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("error: the database holds an opportunity (") and f" '{title}') with {column} " in result.stderr
        assert words in result.stderr and result.stderr.endswith("`carebench doctor` lists such rows\n")
