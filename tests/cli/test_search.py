"""`carebench search`: check-in notes and next steps, lessons and decisions from the full-text index, ranked, with
the words found highlighted; hostile query text; the index kept by every write and filled by the migration."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from carebench.app.present import clip, snippet_parts
from carebench.core.search import search_words
from carebench.store import Store
from carebench.store.errors import StoreError
from conftest import ACTOR, dump_database, schema_at, search_portfolio, write_portfolio

HIT_KEYS = {"client", "client_name", "date", "kind", "what", "why", "who", "source"}  # the keys search --json always had


@pytest.fixture
def search_db(tmp_path, run):
    database = tmp_path / "search.db"
    run.ok("import", write_portfolio(tmp_path / "search.json", search_portfolio()), db=database)
    return database


def words_at(hit: dict) -> list[str]:
    return [hit["snippet"][start:end] for start, end in hit["highlights"]]


# ----- what is found -------------------------------------------------------------------


def test_notes_and_next_steps_of_a_checkin_are_found(run, search_db):
    (hit,) = run.json("search", "stuck", "--json", db=search_db)
    assert HIT_KEYS <= set(hit) and {"snippet", "highlights", "checkin_id"} <= set(hit)
    assert (hit["source"], hit["client"], hit["client_name"], hit["date"], hit["kind"], hit["who"]) == (
        "checkin",
        "acme",
        "Acme Logistics",
        "2026-06-01",
        "daily",
        "ana",
    )
    assert hit["what"] == "Orders stuck in the queue." and hit["next_steps"] == "Call the vendor."
    assert words_at(hit) == ["stuck"]
    (hit,) = run.json("search", "INVOICE", "--json", db=search_db)  # in beta's next steps, any case
    assert (hit["source"], hit["client"]) == ("checkin", "beta")
    assert words_at(hit) == ["invoice"] and "dispute with finance" in hit["snippet"]


def test_lessons_and_decisions_say_what_they_are(run, search_db):
    hits = run.json("search", "night shift", "--json", db=search_db)  # acme's what, beta's source
    assert sorted((h["client"], h["source"], h["kind"]) for h in hits) == [("acme", "lesson", "lesson"), ("beta", "lesson", "lesson")]
    (decision,) = run.json("search", "freeze", "--json", db=search_db)
    assert {k: decision[k] for k in HIT_KEYS} == {
        "client": "acme",
        "client_name": "Acme Logistics",
        "date": "2026-03-01",
        "kind": "decision",
        "what": "Freeze report changes",
        "why": "",
        "who": "Dana",
        "source": "decision",
    }
    assert decision["origin"] == "weekly review" and words_at(decision) == ["Freeze"]
    assert [h["what"] for h in run.json("search", "missed", "--json", db=search_db)] == ["Train the night shift separately"]  # why
    assert {h["date"] for h in run.json("search", "logistics", "--json", db=search_db)} == {"2026-06-01", "2026-02-01", "2026-03-01"}  # client name
    assert run.json("search", "zzz", "--json", db=search_db) == []
    assert run.ok("search", "zzz", db=search_db).stdout.strip() == "nothing matches 'zzz'"


def test_a_word_finds_the_longer_words_it_starts(run, search_db):
    (hit,) = run.json("search", "recalib", "--json", db=search_db)
    assert hit["client"] == "beta" and words_at(hit) == ["recalibration"]


def test_every_word_must_be_there(run, search_db):
    assert [h["client"] for h in run.json("search", "forklift parts", "--json", db=search_db)] == ["beta"]
    assert run.json("search", "forklift invoice loyalty", "--json", db=search_db) == []


def test_the_best_match_comes_first(run, search_db):
    # beta's short notes name the forklift three times; cobalt's long review once.
    hits = run.json("search", "forklift", "--json", db=search_db)
    assert [(h["client"], h["source"]) for h in hits] == [("beta", "checkin"), ("cobalt", "checkin")]
    assert hits[0]["score"] > hits[1]["score"]
    assert words_at(hits[0]) == ["Forklift", "forklift", "forklift"]


def test_limit_keeps_the_best(run, search_db):
    assert [h["client"] for h in run.json("search", "forklift", "--limit", "1", "--json", db=search_db)] == ["beta"]
    shown = run.ok("search", "forklift", "--limit", "1", db=search_db).stdout
    assert "the first 1: --limit shows more" in " ".join(shown.split())


def test_the_table_shows_source_client_date_and_snippet(run, search_db):
    shown = run.ok("search", "vendor", db=search_db).stdout
    flat = " ".join(shown.split())
    assert "source" in flat and "snippet" in flat and "check-in" in flat and "Acme Logistics" in flat and "2026-06-01" in flat
    assert "Call the vendor." in flat


def test_the_table_highlights_the_words_found(run, search_db):
    shown = run.ok("search", "stuck", db=search_db, env={"NO_COLOR": None, "FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout
    assert "\x1b[1;7mstuck\x1b[0m" in shown  # bold reverse, only the word


# ----- hostile query text ------------------------------------------------------------------------

HOSTILE = [
    ('"queue', ["acme"]),
    ('queue"', ["acme"]),
    ("-queue", ["acme"]),
    ("queue*", ["acme"]),
    ("next_steps:queue", []),  # "next", "steps" and "queue" are all words: no row holds "steps"
    ("notes:stuck", []),
    ("stuck:", ["acme"]),
    ("(queue", ["acme"]),
    ("queue)", ["acme"]),
    ("queue AND", []),  # AND is a word like any other
    ("queue OR dispatch", []),
    ("NOT queue", []),
    ("NEAR(queue stuck)", []),
    ("^queue", ["acme"]),
    ("queue + orders", ["acme"]),
    ("'queue'", ["acme"]),
    ("{queue}", ["acme"]),
    ("queu%", ["acme"]),
    ("queue; DROP TABLE checkins", []),
]


@pytest.mark.parametrize(("text", "clients"), HOSTILE, ids=[text for text, _ in HOSTILE])
def test_search_syntax_in_the_text_is_read_as_words(run, search_db, text, clients):
    before = dump_database(search_db)
    result = run("search", "--json", "--", text, db=search_db)  # "--": a text starting with "-" is not an option
    assert result.returncode == 0, result.stderr
    assert [h["client"] for h in json.loads(result.stdout)] == clients
    table = run("search", "--", text, db=search_db)
    assert table.returncode == 0 and "Traceback" not in table.stderr and table.stderr == ""
    assert dump_database(search_db) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "error: say what to search for"),
        ("   ", "error: say what to search for"),
        ('" - * ()', "error: nothing to search for in '\" - * ()': give at least one word"),
        ("::", "error: nothing to search for in '::': give at least one word"),
    ],
    ids=["empty", "spaces", "syntax-only", "colons"],
)
def test_a_text_without_words_is_refused_in_one_line(run, search_db, text, message):
    result = run("search", text, db=search_db)
    assert result.returncode == 2 and result.stderr.strip() == message and result.stdout == ""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("cut-over", ["cut", "over"]),
        ('"a b"*', ["a", "b"]),
        ("AND OR", ["AND", "OR"]),
        ("x:y(z)", ["x", "y", "z"]),
        ("__", []),
        ("café 2026", ["café", "2026"]),
    ],
)
def test_search_words(text, words):
    assert search_words(text) == words


# ----- presentation helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("short note", 20, "short note"),
        ("the vendor sent the wrong parts", 15, "the vendor…"),
        ("the vendor sent", 11, "the vendor…"),
        ("supercalifragilistic", 6, "super…"),
        ("line one\nline   two", 30, "line one line two"),
        ("stop, here now", 7, "stop…"),
    ],
    ids=["fits", "cut-at-word", "cut-before-space", "one-long-word", "spaces-joined", "no-trailing-comma"],
)
def test_clip_cuts_at_a_word_with_an_ellipsis(text, width, shown):
    assert clip(text, width) == shown and len(clip(text, width)) <= width


def test_snippet_parts():
    assert snippet_parts("Call the vendor.", [[9, 15]]) == [("Call the ", False), ("vendor", True), (".", False)]
    assert snippet_parts("vendor", [[0, 6]]) == [("vendor", True)]
    assert snippet_parts("plain", []) == [("plain", False)]
    assert snippet_parts("one\ntwo", [[4, 7]]) == [("one ", False), ("two", True)]  # on one line, offsets kept


# ----- the index follows every write -------------------------------------------------------------


def finish(database, notes: str, next_steps: str, readings: dict | None = None) -> int:
    from carebench.app.commands import finish_checkin
    from carebench.app.session import Session
    from carebench.core.models import CheckIn

    day = date(2026, 6, 15)
    checkin = CheckIn(
        date=day,
        kind="weekly",
        author=ACTOR,
        planned_minutes=30,
        actual_minutes=30,
        sections=[{"title": "Opening", "notes": "All present."}, {"title": "Metrics", "notes": notes}],
        next_steps=next_steps,
    )
    return finish_checkin(Session(database, day), "acme", day, checkin, {"uptime": 98.0} if readings is None else readings, None, [])


def test_a_finished_checkin_is_found_at_once(run, search_db):
    assert run.json("search", "pallet", "--json", db=search_db) == []
    checkin_id = finish(search_db, "The pallet scanner drops its connection.", "Replace the pallet scanner's cradle.")
    hits = run.json("search", "pallet scanner", "--json", db=search_db)
    assert [(h["source"], h["id"], h["date"], h["client"]) for h in hits] == [("checkin", checkin_id, "2026-06-15", "acme")]
    assert hits[0]["next_steps"] == "Replace the pallet scanner's cradle."
    assert [h["id"] for h in run.json("search", "cradle", "--json", db=search_db)] == [checkin_id]  # next steps
    shown = run.json("checkins", "acme", "--json", db=search_db)[0]
    assert shown["id"] == checkin_id and shown["readings"][0]["kpi"] == "uptime"


def test_a_learning_recorded_is_found_and_a_reimport_replaces_what_is_found(run, search_db, tmp_path):
    run.ok("learning", "cobalt", "Loyalty points need a nightly export", "--why", "the till drops them", db=search_db)
    (hit,) = run.json("search", "loyalty points", "--json", db=search_db)
    assert (hit["client"], hit["source"], hit["why"], hit["who"]) == ("cobalt", "lesson", "the till drops them", ACTOR)
    # Importing beta again without its check-in and under a new name: the old check-in is gone from the index too.
    data = search_portfolio()
    beta = data["clients"][1]
    beta["checkins"], beta["name"] = [], "Beta Care"
    data["clients"] = [beta]
    run.ok("import", write_portfolio(tmp_path / "beta.json", data), db=search_db)
    assert run.json("search", "recalibration", "--json", db=search_db) == []
    assert [(h["client_name"], h["what"]) for h in run.json("search", "handover note", "--json", db=search_db)] == [
        ("Beta Care", "Keep a shift handover note")
    ]
    assert [h["client"] for h in run.json("search", "care", "--json", db=search_db)] == ["beta"]  # the new name is searched


def test_a_renamed_client_is_searched_under_its_new_name(search_db):
    with sqlite3.connect(search_db) as conn:  # no command renames a client: a member with sqlite3 does
        conn.execute("UPDATE clients SET name = 'Acme Freight' WHERE id = 'acme'")
    with Store(search_db, readonly=True) as store:
        assert {h["client"] for h in store.search(["freight"])} == {"acme"}
        assert store.search(["logistics"]) == []


def test_the_index_is_written_in_the_same_transaction_as_the_checkin(search_db):
    """A finish refused after the check-in's row went in (a reading of a KPI the client lacks) leaves no index row."""
    before = dump_database(search_db)
    with pytest.raises(StoreError, match="has no KPI 'nope'"):
        finish(search_db, "Wobbling conveyor belt.", "", readings={"nope": 1.0})
    assert dump_database(search_db) == before
    finish(search_db, "Wobbling conveyor belt.", "")
    with Store(search_db, readonly=True) as store:
        assert [h["what"] for h in store.search(["wobbling"])] == ["All present.\nWobbling conveyor belt."]


# ----- the migration fills the index from the rows already there ------------------------------------


def as_schema_10(database) -> None:
    """Turn a database into the schema-10 one it would have been: the same rows in the tables schema 10 has, made by
    the migrations up to 10 (no search index, nor anything later)."""
    old = database.with_name("schema10.db")
    with sqlite3.connect(old) as conn:
        schema_at(conn, 10)
        conn.execute("ATTACH ? AS new", (str(database),))
        tables = conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_version'")
        for (table,) in tables.fetchall():
            have = {row[1] for row in conn.execute(f'PRAGMA new.table_info("{table}")')}
            columns = ", ".join(f'"{row[1]}"' for row in conn.execute(f'PRAGMA main.table_info("{table}")') if row[1] in have)
            if columns:
                conn.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM new."{table}"')
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 10
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    old.chmod(0o600)
    old.replace(database)


def test_the_migration_fills_the_index_from_old_rows(run, search_db):
    as_schema_10(search_db)
    with sqlite3.connect(search_db) as conn:  # an old row another tool wrote: sections that are not JSON
        conn.execute(
            "INSERT INTO checkins (client_id, date, kind, sections, next_steps, changed_at, changed_by) "
            "VALUES ('cobalt', '2026-05-20', 'monthly', 'not json', 'Order more barcode labels', '2026-05-20', 'old')"
        )
    assert [h["client"] for h in run.json("search", "forklift", "--json", db=search_db)] == ["beta", "cobalt"]
    assert search_db.with_name("search.db.schema10.bak").exists()
    assert {h["source"] for h in run.json("search", "night", "--json", db=search_db)} == {"lesson"}
    assert [h["next_steps"] for h in run.json("search", "barcode", "--json", db=search_db)] == ["Order more barcode labels"]
    with Store(search_db) as store:
        indexed = store.conn.execute("SELECT COUNT(*) FROM search_index").fetchone()[0]
        rows = store.conn.execute("SELECT (SELECT COUNT(*) FROM checkins) + (SELECT COUNT(*) FROM learnings)").fetchone()[0]
        assert indexed == rows == 7


def test_an_sqlite_without_fts5_is_refused_with_a_clear_message(search_db, monkeypatch):
    as_schema_10(search_db)
    before = dump_database(search_db)
    monkeypatch.setattr("carebench.store.db.has_fts5", lambda conn: False)
    with pytest.raises(StoreError, match="built without FTS5, which carebench's search needs.*nothing was changed"):
        Store(search_db)
    assert dump_database(search_db) == before


def test_this_sqlite_has_fts5():
    from carebench.store.db import has_fts5

    assert has_fts5(sqlite3.connect(":memory:"))
