"""What the database's tables and columns mean, for people who read it with their own tools (Datasette, SQL)."""

from __future__ import annotations

from typing import Any

from ..store.schema_docs import Table, fresh_schema

TITLE = "carebench portfolio"


def tables() -> list[Table]:
    """Every table of a new database at the current schema version, with its purpose and its columns' meanings."""
    return fresh_schema()


def table_description(table: Table) -> str:
    """A table's purpose, with what kind of rows it holds when carebench makes them itself."""
    if table.derived:
        return f"{table.purpose} Derived rows: carebench works them out from the other tables and rebuilds them; do not edit."
    if table.internal:
        return f"{table.purpose} carebench keeps it in step with the rows it indexes; do not edit."
    return table.purpose


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata (title; per table a description and per column a description) for database ``database``
    (the file's name without its extension, as Datasette names it)."""
    return {
        "title": TITLE,
        "databases": {
            database: {
                "tables": {
                    table.name: {"description": table_description(table), "columns": {column.name: column.description for column in table.columns}}
                    for table in tables()
                }
            }
        },
    }
