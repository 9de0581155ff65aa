"""`carebench datasette-metadata`: Datasette's metadata JSON, describing every table and column of the database."""

from __future__ import annotations

import json
import os
import sqlite3
import stat


def _tables_of(path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: [row[1] for row in conn.execute(f"PRAGMA table_info({name})")] for name in names}
    finally:
        conn.close()


def test_every_table_and_column_of_a_new_database_has_a_description(run, tmp_path):
    database = tmp_path / "team.db"
    run.ok("init", db=database)
    result = run.ok("datasette-metadata", db=database)
    metadata = json.loads(result.stdout)
    assert metadata["title"]
    assert list(metadata["databases"]) == ["team"]
    described = metadata["databases"]["team"]["tables"]
    for name, columns in _tables_of(database).items():
        if name.startswith("search_index_"):  # the FTS5 index's own tables, which Datasette hides
            continue
        assert described[name]["description"], f"{name} has no description"
        for column in columns:
            assert described[name]["columns"][column], f"{name}.{column} has no description"
    assert "rebuilds" in described["touchpoints"]["description"]
    assert "rebuilds" not in described["clients"]["description"]


def test_the_database_is_only_named_never_opened(run, tmp_path):
    database = tmp_path / "not-yet.db"
    metadata = run.json("datasette-metadata", db=database)
    assert list(metadata["databases"]) == ["not-yet"]
    assert not database.exists()


def test_written_to_a_new_owner_only_file(run, tmp_path):
    out = tmp_path / "metadata.json"
    result = run.ok("datasette-metadata", "-o", out, db=tmp_path / "p.db")
    assert result.stdout == ""
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["databases"]["p"]["tables"]["clients"]["columns"]["tier"]


def test_a_link_at_the_output_is_refused_and_left_alone(run, tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("kept", encoding="utf-8")
    out = tmp_path / "metadata.json"
    out.symlink_to(target)
    result = run("datasette-metadata", "-o", out, db=tmp_path / "p.db")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "symbolic link" in result.stderr
    assert out.is_symlink() and target.read_text(encoding="utf-8") == "kept"
