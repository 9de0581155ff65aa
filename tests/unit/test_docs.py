"""The documentation and the commands agree: every command and option is in docs/cli.md, every command the README
names exists."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = runpy.run_path(str(ROOT / "tools" / "cli_reference.py"))
MAN = runpy.run_path(str(ROOT / "tools" / "man_page.py"))


def test_the_command_reference_is_what_the_commands_say():
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == TOOL["reference"](), "docs/cli.md is out of date: run python tools/cli_reference.py"


def test_every_command_and_option_is_in_the_reference():
    from carebench.cli.group import every_command

    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    cli = every_command()
    for path in TOOL["commands"](cli):
        command = cli
        for name in path:
            command = command.get_command(click.Context(command), name)
        assert f"\n## {' '.join(('carebench', *path))}\n" in written
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("-"):
                    assert option in written, f"carebench {' '.join(path)} {option} is not documented"


def test_every_command_the_readme_names_exists():
    from carebench.cli.group import every_command

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # "carebench done\|skip\|move" (in a Markdown table) names three commands
    named = {name for found in re.findall(r"`carebench ([a-z][a-z-]*(?:\\\|[a-z][a-z-]*)*)", readme) for name in found.split("\\|")}
    known = set(every_command().commands)
    assert named, "the README names no commands"
    assert named - known == set()
    # and the README's command table leaves none out
    assert known - named == set()


def test_the_man_page_is_what_the_commands_say_and_names_every_command():
    from carebench.cli.group import every_command

    written = (ROOT / "docs" / "carebench.1").read_text(encoding="utf-8")
    assert written == MAN["page"](), "docs/carebench.1 is out of date: run python tools/man_page.py"
    cli = every_command()
    for path in TOOL["commands"](cli):
        name = " ".join(("carebench", *path))
        if path:
            assert f'\n.SS "{name}"\n' in written, f"{name} is not in the man page"
    assert "_CAREBENCH_COMPLETE=bash_source carebench" in written


def test_the_man_page_reads_without_warnings():
    import shutil
    import subprocess

    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    shown = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(ROOT / "docs" / "carebench.1")], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stderr == ""


def test_the_wheel_installs_the_man_page_and_the_readme_says_how_to_complete():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]["docs/carebench.1"] == "share/man/man1/carebench.1"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'eval "$(_CAREBENCH_COMPLETE=bash_source carebench)"' in readme
    assert "man -l docs/carebench.1" in readme


def test_the_version_option(run):
    from carebench import __version__

    result = run.ok("--version")
    assert result.stdout == f"carebench, version {__version__}\n"


SCHEMA_TOOL = runpy.run_path(str(ROOT / "tools" / "schema_reference.py"))


def _fresh_database(path: Path) -> dict[str, list[str]]:
    """Every table of a new database at ``path`` (made as carebench makes one) with its columns."""
    import sqlite3

    from carebench.store.db import connect

    connect(path).close()
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: [row[1] for row in conn.execute(f"PRAGMA table_info({name})")] for name in names}
    finally:
        conn.close()


def test_the_schema_reference_is_what_the_tool_writes():
    written = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert written == SCHEMA_TOOL["reference"](), "docs/schema.md is out of date: run python tools/schema_reference.py"


def test_every_table_and_column_of_a_new_database_is_in_the_schema_reference(tmp_path):
    written = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    sections = {part.split("\n", 1)[0]: part for part in written.split("\n## ")[1:]}
    tables = _fresh_database(tmp_path / "new.db")
    shadows = {name for name in tables if name.startswith("search_index_")}
    assert shadows, "the search index keeps no tables of its own"
    for name in shadows:
        assert f"`{name}`" in sections["search_index"], f"{name} is not named under search_index"
    for name, columns in tables.items():
        if name in shadows:
            continue
        assert name in sections, f"table {name} is not in docs/schema.md"
        for column in columns:
            row = next((line for line in sections[name].splitlines() if line.startswith(f"| `{column}` |")), None)
            assert row is not None, f"{name}.{column} is not in docs/schema.md"
            assert not row.endswith("|  |"), f"{name}.{column} has no meaning in docs/schema.md"
    assert "*Derived.*" in sections["touchpoints"] or "Derived rows" in sections["touchpoints"]
    assert "FTS5" in sections["search_index"]


def test_every_table_and_column_has_exactly_one_description(tmp_path):
    from carebench.store import schema_docs

    tables = _fresh_database(tmp_path / "new.db")
    described = {table.name: table for table in schema_docs.fresh_schema()}
    for name, columns in tables.items():
        if name.startswith("search_index_"):
            assert name in described["search_index"].internal
            continue
        table = described[name]
        assert table.purpose, f"table {name} has no purpose"
        assert [c.name for c in table.columns] == columns
        for column in table.columns:
            assert column.description, f"{name}.{column.name} has no description"
    # a column described beside it in the schema is not described again in schema_docs, and nothing there is stale
    comments = {(t.name, text.split(" ", 1)[0]) for t in described.values() for text, comment in _commented(t.name) if comment}
    for name, (_, meanings) in schema_docs.TABLES.items():
        assert name in tables, f"schema_docs describes {name}, which no database has"
        for column in meanings:
            assert column in tables[name], f"schema_docs describes {name}.{column}, which the table does not have"
            assert (name, column) not in comments, f"{name}.{column} is described both in the schema and in schema_docs"
    assert schema_docs.DERIVED <= set(tables)


def _commented(table: str) -> list[tuple[str, str]]:
    import sqlite3

    from carebench.store import schema_docs
    from carebench.store.db import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, Path(":memory:"))
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        return schema_docs._definitions(sql)
    finally:
        conn.close()


def test_comments_beside_columns_are_read_from_the_schema():
    from carebench.store.schema_docs import _definitions

    sql = """CREATE TABLE t (
    a TEXT NOT NULL,   -- the first
    b TEXT CHECK (b IN ('x', 'y')), c INTEGER,
    d TEXT DEFAULT '--' -- the last, after a string holding dashes
, e INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID"""
    assert _definitions(sql) == [
        ("a TEXT NOT NULL", "the first"),
        ("b TEXT CHECK (b IN ('x', 'y'))", ""),
        ("c INTEGER", ""),
        ("d TEXT DEFAULT '--'", "the last, after a string holding dashes"),
        ("e INTEGER", ""),
        ("PRIMARY KEY (a, b)", ""),
    ]
