"""The rules a stored row keeps that another tool writing the file (sqlite3, sqlite-utils) can break.

carebench's own writes are checked by the core's models before they reach SQL; these say, in SQL,
which rows break the rules anyway, for `doctor`, and the readers refuse such a row by name.
"""

from __future__ import annotations

import sqlite3

from ..core.terms import SUBSCORES


def _not_whole(column: str, low: int, high: int) -> str:
    return f"typeof({column}) != 'integer' OR {column} NOT BETWEEN {low} AND {high}"


def _not_number(column: str) -> str:
    return f"typeof({column}) NOT IN ('integer', 'real')"


# (table, the rule said in words, the condition a breaking row meets, how the row is named)
ROW_RULES: list[tuple[str, str, str, str]] = [
    (
        "readings",
        "a reading that is not a number",
        _not_number("value"),
        "(SELECT client_id || ' ' || key FROM kpis WHERE kpis.id = readings.kpi_id) || ' ' || date || ' value ' || quote(value)",
    ),
    (
        "assessments",
        "a sub-score that is not a whole number from 1 to 10",
        " OR ".join(f"({_not_whole(name, 1, 10)})" for name in SUBSCORES),
        "client_id || ' ' || date",
    ),
    (
        "kpis",
        "a baseline, target or benchmark that is not a number",
        f"({_not_number('baseline')}) OR ({_not_number('target')}) OR (benchmark IS NOT NULL AND ({_not_number('benchmark')}))",
        "client_id || ' ' || key",
    ),
    ("savings", "a savings amount that is not a number", _not_number("amount"), "client_id || ' ' || month"),
    (
        "opportunities",
        "a probability that is not a whole number from 0 to 100",
        _not_whole("probability", 0, 100),
        "client_id || ' ' || quote(title)",
    ),
]


def broken_rows(conn: sqlite3.Connection, tables: set[str], shown: int = 3) -> list[str]:
    """One line per rule some rows break: how many, and the first few named."""
    lines = []
    for table, rule, condition, name in ROW_RULES:
        if table not in tables:
            continue
        rows = [r[0] for r in conn.execute(f"SELECT {name} FROM {table} WHERE {condition}")]
        if rows:
            named = "; ".join(str(r) for r in rows[:shown]) + (f"; and {len(rows) - shown} more" if len(rows) > shown else "")
            lines.append(f"{len(rows)} {table} row{'s' if len(rows) != 1 else ''} with {rule} ({named})")
    return lines
