"""The rules a stored row keeps, said in SQL once: the database's CHECK constraints and `doctor`'s broken rows.

carebench's own writes are checked by the core's models before they reach SQL. From schema 15 on the
database keeps the same rules itself (each rule below is a CHECK constraint of its column), so another
tool writing the file (sqlite3, sqlite-utils) cannot store a score of 11 or a reading that is text.
A database from before (or one written with ``PRAGMA ignore_check_constraints``) may still hold such
rows: `doctor` names them with the same conditions, and the readers refuse them by name.

Every rule is no stricter than the model it mirrors, so that whatever the models accept, the database
takes: the choices are the core's (core/terms.py), and so are the ranges. The constraints of the columns
there were at schema 15 are made when a migration rebuilds the tables (schema.rebuild_with_checks); a
column added later gets its constraint from the migration that adds it, which writes the rule's check
(``since`` names that schema). A rule changed later reaches databases already made only through a new
migration that rebuilds their tables again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.terms import (
    ACTION_STATUSES,
    ANSWERS,
    CATEGORIES,
    CHECKIN_KINDS,
    CONTACT_KINDS,
    DIRECTIONS,
    ENGAGEMENT_STATUSES,
    FIRST_DAY,
    IMPACTS,
    KINDS,
    LAST_DAY,
    LEARNING_KINDS,
    LEVELS,
    MAX_NUMBER,
    MINUTES_RANGE,
    MONTHS_RANGE,
    OUTCOME_KINDS,
    OUTCOME_STATUSES,
    PRIORITIES,
    PROBABILITY_RANGE,
    PULSE_SATISFACTION_RANGE,
    REACHES,
    RECOMMEND_RANGE,
    SCORE_RANGE,
    SOURCES,
    STAGES,
    STAKEHOLDER_GROUPS_RANGE,
    SUBSCORES,
    TICKET_CATEGORIES,
    TIERS,
)

CHECKS_FROM = 15
"""The schema from which the database keeps the rules itself."""


@dataclass(frozen=True)
class Rule:
    """What one column's values must be: ``check`` is the SQL condition (of the column's name) a value meets."""

    table: str
    column: str
    check: str
    words: str  # what a value must be, after "not" ("a whole number from 1 to 10")
    since: int = CHECKS_FROM  # the schema whose migration gave the column its constraint


# A kind of value: given a column's name, the condition its values meet and what they are in words.
Kind = Callable[[str], tuple[str, str]]


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def one_of(choices: tuple[str, ...]) -> Kind:
    return lambda column: (f"{column} IN ({', '.join(map(_text, choices))})", f"one of {', '.join(choices)}")


def whole(bounds: tuple[int, int]) -> Kind:
    low, high = bounds
    return lambda column: (f"typeof({column}) = 'integer' AND {column} BETWEEN {low} AND {high}", f"a whole number from {low} to {high}")


def whole_from(low: int) -> Kind:
    return lambda column: (f"typeof({column}) = 'integer' AND {column} >= {low}", f"a whole number of at least {low}")


def number(low: float = -MAX_NUMBER) -> Kind:
    """A finite number from ``low`` to MAX_NUMBER (the models' Number, and from 0 their Money)."""
    largest = f"{MAX_NUMBER:.0e}".replace("e+", "e")
    words = f"a number from 0 to {largest}" if low == 0 else f"a number (at most {largest} in size)"
    return lambda column: (f"typeof({column}) IN ('integer', 'real') AND {column} BETWEEN {int(low)} AND {int(MAX_NUMBER)}", words)


def day(column: str) -> tuple[str, str]:
    """A real calendar day written YYYY-MM-DD within the core's years (the range comes first: it keeps 'now' from date())."""
    check = f"{column} BETWEEN '{FIRST_DAY}' AND '{LAST_DAY}' AND date({column}, '+0 days') IS {column}"
    return check, f"a date written YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}"


def moment(column: str) -> tuple[str, str]:
    """A time to the minute written YYYY-MM-DDTHH:MM (UTC), as the store writes one."""
    check = f"{column} BETWEEN '{FIRST_DAY}' AND '{LAST_DAY}T23:59' AND strftime('%Y-%m-%dT%H:%M', {column}, '+0 days') IS {column}"
    return check, f"a time written YYYY-MM-DDTHH:MM from {FIRST_DAY} to {LAST_DAY}"


def month(column: str) -> tuple[str, str]:
    """A month written YYYY-MM (models.MONTH_RE)."""
    return f"{column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' AND substr({column}, 6) BETWEEN '01' AND '12'", "a month written YYYY-MM"


def flag(column: str) -> tuple[str, str]:
    return f"{column} IN (0, 1)", "0 or 1"


def optional(kind: Kind) -> Kind:
    """The same kind of value, or NULL."""

    def either(column: str) -> tuple[str, str]:
        check, words = kind(column)
        return f"{column} IS NULL OR ({check})", words

    return either


def _table(table: str, since: int = CHECKS_FROM, /, **columns: Kind) -> list[Rule]:
    return [Rule(table, column, *kind(column), since=since) for column, kind in columns.items()]


money = number(0)
RULES: tuple[Rule, ...] = (
    *_table("clients", tier=one_of(TIERS), go_live=day, investment=money, roi_target=number(), status=one_of(ENGAGEMENT_STATUSES)),
    *_table("contacts", kind=one_of(CONTACT_KINDS)),
    *_table("kpis", category=one_of(CATEGORIES), direction=one_of(DIRECTIONS), baseline=number(), target=number()),
    *_table("readings", date=day, value=number()),
    *_table("assessments", date=day, **dict.fromkeys(SUBSCORES, whole(SCORE_RANGE))),
    *_table("savings", month=month, amount=number()),
    *_table(
        "opportunities",
        source=one_of(SOURCES),
        value=money,
        probability=whole(PROBABILITY_RANGE),
        stage=one_of(STAGES),
        investment_low=optional(money),
        investment_high=optional(money),
        start_month=optional(whole(MONTHS_RANGE)),
        end_month=optional(whole(MONTHS_RANGE)),
        next_action_date=optional(day),
        closed_on=optional(day),
    ),
    *_table("action_items", due=day, priority=one_of(PRIORITIES), status=one_of(ACTION_STATUSES), done_on=optional(day)),
    *_table("touchpoint_exceptions", date=day, kind=one_of(KINDS), status=one_of(OUTCOME_STATUSES), moved_to=optional(day)),
    *_table(
        "checkins",
        date=day,
        kind=one_of(CHECKIN_KINDS),
        planned_minutes=whole(MINUTES_RANGE),
        actual_minutes=whole(MINUTES_RANGE),
        confidence=optional(whole(SCORE_RANGE)),
    ),
    *_table("outcomes", date=day, kind=one_of(OUTCOME_KINDS)),
    *_table("testimonials", requested=day, answer=one_of(ANSWERS), answered=optional(day)),
    *_table("referrals", date=day, became_engagement=flag),
    *_table(
        "tickets",
        category=one_of(TICKET_CATEGORIES),
        impact=one_of(IMPACTS),
        users=one_of(REACHES),
        opened=moment,
        first_response=optional(moment),
        resolved=optional(moment),
        escalated=flag,
        first_contact=flag,
    ),
    *_table("pulses", date=day, recommend=whole(RECOMMEND_RANGE), satisfaction=whole(PULSE_SATISFACTION_RANGE)),
    *_table("learnings", date=day, kind=one_of(LEARNING_KINDS)),
    *_table("checklist_items", done=flag, done_on=optional(day)),
    *_table("tier_changes", date=day, previous=one_of(TIERS)),
    *_table("escalations", date=day),
    *_table("recovery_steps", added=day, due=day, done_on=optional(day)),
    # Columns added later, each given its constraint by the migration that added it.
    *_table("rollout_waves", 17, planned=optional(whole_from(1)), live=whole_from(0)),
    *_table(
        "clients",
        17,
        stakeholder_groups=optional(whole(STAKEHOLDER_GROUPS_RANGE)),
        cultural_change=one_of(LEVELS),
        internal_capability=one_of(LEVELS),
    ),
    *_table("kpis", 18, benchmark=optional(number()), team=flag),
)

# How a row of each table is named in a message: its client and what tells it apart there.
ROW_NAMES: dict[str, str] = {
    "clients": "id",
    "contacts": "client_id || ' ' || quote(name)",
    "kpis": "client_id || ' ' || key",
    "readings": "coalesce((SELECT client_id || ' ' || key FROM kpis WHERE kpis.id = readings.kpi_id), 'KPI ' || kpi_id) || ' ' || date",
    "assessments": "client_id || ' ' || date",
    "savings": "client_id || ' ' || month",
    "opportunities": "client_id || ' ' || quote(title)",
    "action_items": "client_id || ', id ' || id",
    "touchpoint_exceptions": "client_id || ' ' || date || ' ' || kind",
    "checkins": "client_id || ', id ' || id",
    "outcomes": "client_id || ' ' || date",
    "testimonials": "client_id || ', id ' || id",
    "referrals": "client_id || ' ' || quote(prospect)",
    "tickets": "client_id || ' ' || ref",
    "pulses": "client_id || ' ' || date || ' ' || quote(respondent)",
    "learnings": "client_id || ' ' || date",
    "checklist_items": "client_id || ' ' || key",
    "tier_changes": "client_id || ' ' || date",
    "escalations": "client_id || ', id ' || id",
    "recovery_steps": "client_id || ', id ' || id",
    "rollout_waves": "client_id || ' ' || quote(name)",
}
CHECKED_TABLES: tuple[str, ...] = tuple(dict.fromkeys(rule.table for rule in RULES))
"""The tables whose columns keep rules, in the order of RULES."""


def rules_of(table: str, since: int | None = None) -> dict[str, Rule]:
    """The rules of ``table``'s columns, by column (only those whose constraint schema ``since`` made, when given)."""
    return {rule.column: rule for rule in RULES if rule.table == table and since in (None, rule.since)}


def check_of(table: str, column: str) -> str:
    """The SQL condition of one column's rule, as its CHECK constraint says it."""
    return rules_of(table)[column].check


def broken_rows(conn: sqlite3.Connection, shown: int = 3) -> list[str]:
    """One line per rule some rows break: how many rows, and the first few named with the value they hold.

    Each table is read once; a rule whose table or column the database does not have (an older
    schema) is passed over.
    """
    lines = []
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in CHECKED_TABLES:
        if table not in tables:
            continue
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        rules = [rule for rule in rules_of(table).values() if rule.column in present]
        if not rules:
            continue
        breaks = ", ".join(f"NOT ({rule.check}), quote({rule.column})" for rule in rules)
        where = " OR ".join(f"NOT ({rule.check})" for rule in rules)
        found: dict[str, list[str]] = {rule.column: [] for rule in rules}
        for name, *values in conn.execute(f"SELECT coalesce({ROW_NAMES[table]}, '?'), {breaks} FROM {table} WHERE {where}"):
            for rule, broken, value in zip(rules, values[::2], values[1::2]):
                if broken:
                    found[rule.column].append(f"{name}: {rule.column} {value}")
        for rule in rules:
            rows = found[rule.column]
            if rows:
                named = "; ".join(rows[:shown]) + (f"; and {len(rows) - shown} more" if len(rows) > shown else "")
                lines.append(f"{len(rows)} {table} row{'s' if len(rows) != 1 else ''} with {rule.column} not {rule.words} ({named})")
    return lines


def first_broken(conn: sqlite3.Connection, table: str, columns: Iterable[str], where: str = "1", params: Iterable = ()) -> str | None:
    """The first row of ``table`` (of those ``where`` picks) that breaks the rule of one of ``columns``, said as a
    read refuses it: "(its name) with (column) (value), not (what it must be)"; None when every such row keeps them."""
    rules = [rules_of(table)[column] for column in columns]
    breaks = ", ".join(f"NOT ({rule.check}), quote({rule.column})" for rule in rules)
    broken = " OR ".join(f"NOT ({rule.check})" for rule in rules)
    row = conn.execute(
        f"SELECT coalesce({ROW_NAMES[table]}, '?'), {breaks} FROM {table} WHERE ({where}) AND ({broken}) LIMIT 1", tuple(params)
    ).fetchone()
    if row is None:
        return None
    name, *values = row
    rule, value = next((rule, value) for rule, flag, value in zip(rules, values[::2], values[1::2]) if flag)
    return f"({name}) with {rule.column} {value}, not {rule.words}"
