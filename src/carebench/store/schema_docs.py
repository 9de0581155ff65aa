"""What each table and column of the database means: for docs/schema.md and Datasette's metadata.

A column's meaning is the ``-- ...`` comment written beside it in its CREATE TABLE statement (SQLite keeps
it in sqlite_master.sql), else the words below; the tests check that every column has exactly one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

# Columns many tables share, meaning the same everywhere.
COMMON = {
    "client_id": "The client it belongs to (clients.id).",
    "changed_at": "When the row was last written (UTC, ISO 8601).",
    "changed_by": "The login of whoever last wrote the row.",
    "version": "Edit counter: each update adds one, so an edit made over a stale copy is refused.",
    "checkin_id": "The check-in that captured it (checkins.id; NULL when entered on its own).",
}

# Per table: its purpose, and the meaning of the columns without a comment in the schema (beyond COMMON).
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "schema_version": (
        "One row per schema step applied to this database.",
        {"version": "The step's number.", "applied_at": "When it was applied (UTC).", "applied_by": "Who applied it (login)."},
    ),
    "clients": (
        "The client engagements in hyper-care.",
        {
            "id": "Short identifier the other tables refer to.",
            "name": "The client's name.",
            "tier": "Support tier (platinum, gold, silver); sets the touchpoint cadence.",
            "go_live": "The go-live day (YYYY-MM-DD) the schedule counts from.",
            "owner": "The consultant who owns the engagement.",
            "investment": "What the client invested in the implementation.",
            "roi_target": "The return on investment aimed for, in %.",
            "status": "active, handed_over or closed.",
            "handover_date": "The day `carebench handover` handed the client over (NULL: not handed over that way; then no sustainment cadence).",
            "handover_by": "Who handed it over.",
            "handover_override": "Why it was handed over although its handover gate was not met (NULL: the gate was met).",
            "stakeholder_groups": "How many stakeholder groups the implementation touches (NULL: not recorded).",
            "cultural_change": "How much cultural change it asks of the client: low, medium or high (NULL: not recorded).",
            "internal_capability": "How capable the client's own team is: low, medium or high (NULL: not recorded).",
        },
    ),
    "contacts": (
        "The people at each client.",
        {
            "id": "Row identifier.",
            "position": "Order within the client's contacts.",
            "name": "The person's name.",
            "role": "Their job title, as given.",
            "email": "Their e-mail address.",
            "kind": "The part they play: sponsor, champion, power_user or other.",
        },
    ),
    "kpis": (
        "The measures of success agreed with each client.",
        {
            "id": "Row identifier.",
            "position": "Order within the client's KPIs.",
            "key": "Short name, unique per client.",
            "name": "The KPI's name.",
            "category": "leading, lagging or diagnostic.",
            "unit": "Unit of its values (% is a percentage).",
            "direction": "Which way is better: higher or lower.",
            "baseline": "The value before go-live.",
            "target": "The value aimed for.",
            "benchmark": "A value to compare it with, such as an industry figure (NULL: none).",
            "team": "1 when it shows on the team dashboard (leading KPIs unless marked otherwise), else 0.",
        },
    ),
    "readings": (
        "Measured values of a KPI, one per KPI and day.",
        {"kpi_id": "The KPI measured (kpis.id).", "date": "The day of the reading.", "value": "The value read."},
    ),
    "assessments": (
        "Health assessments: nine sub-scores (1-10) per client and day.",
        {
            "id": "Row identifier.",
            "date": "The day assessed.",
            "achievement": "Sub-score: KPI targets reached.",
            "trend": "Sub-score: direction of the KPIs.",
            "sustainability": "Sub-score: gains holding without help.",
            "adherence": "Sub-score: the process followed as designed.",
            "engagement": "Sub-score: users taking part.",
            "leadership": "Sub-score: sponsor and leaders behind it.",
            "communication": "Sub-score: how well the two sides talk.",
            "satisfaction": "Sub-score: how pleased the client is.",
            "expansion_interest": "Sub-score: appetite for more work.",
            "note": "Free-text note.",
            "author": "Who made the assessment.",
        },
    ),
    "savings": (
        "Savings the client realised, per month.",
        {"month": "The month (YYYY-MM).", "amount": "The amount saved that month."},
    ),
    "opportunities": (
        "Follow-on work in the pipeline.",
        {
            "id": "Row identifier.",
            "title": "What the work is.",
            "source": "Where the idea came from.",
            "value": "Its value if won.",
            "probability": "Chance of winning, 0-100 (%).",
            "stage": "Pipeline stage (won and lost close it).",
            "investment_low": "Lower estimate of what it costs the client.",
            "investment_high": "Upper estimate of what it costs the client.",
            "start_month": "The month it would start, as a count of months (NULL: not set).",
            "end_month": "The month it would end, counted the same way (NULL: not set).",
            "next_action": "The next step to take.",
            "next_action_date": "When that step is due.",
            "closed_on": "The day it was won or lost (NULL while open).",
        },
    ),
    "action_items": (
        "Things to do for a client, with an owner and a due day.",
        {
            "id": "Row identifier.",
            "text": "What is to be done.",
            "owner": "Who does it.",
            "due": "The day it is due.",
            "priority": "high, medium or low.",
            "status": "open or done.",
            "done_on": "The day it was done.",
            "source": "Where it came from.",
        },
    ),
    "touchpoint_exceptions": (
        "What happened to scheduled touchpoints: done, skipped or moved.",
        {
            "date": "The day the touchpoint was scheduled.",
            "kind": "The touchpoint's kind.",
            "status": "done, skipped or moved.",
            "reason": "Why it was skipped or moved.",
            "moved_to": "The day it was moved to.",
        },
    ),
    "checkins": (
        "Check-ins held with a client, following a script.",
        {
            "id": "Row identifier.",
            "date": "The day it was held.",
            "kind": "The touchpoint kind it was.",
            "author": "Who ran it.",
            "planned_minutes": "Minutes the script plans.",
            "actual_minutes": "Minutes it took.",
            "attendees": "JSON list of who attended.",
            "sections": "JSON list of the script's sections with their notes.",
            "next_steps": "The next steps agreed.",
            "confidence": "The team's confidence score, 1-10 (NULL when the script asks for none).",
        },
    ),
    "audit": (
        "The append-only trail of every change: who did what, when.",
        {
            "id": "Row identifier, in order of writing.",
            "at": "When (UTC).",
            "actor": "Who (login).",
            "action": "What was done.",
            "client_id": "The client concerned (NULL for portfolio-wide changes).",
            "detail": "JSON object with the particulars.",
        },
    ),
    "drafts": (
        "Check-ins in progress, one per client, day, kind and author.",
        {
            "date": "The check-in's day.",
            "kind": "The check-in's kind.",
            "author": "Whose draft it is.",
            "data": "JSON of what was entered so far.",
            "recovered": "JSON list of older copies a stale session tried to save over it: data, saved_at, from_version.",
        },
    ),
    "acknowledgements": (
        "Findings of `carebench check` silenced until a day.",
        {
            "finding_id": "The finding acknowledged.",
            "client_id": "The client it is about (kept when the client is re-imported).",
            "until": "The last day it stays silenced.",
            "reason": "Why it was acknowledged.",
        },
    ),
    "outcomes": (
        "How engagements continued: renewed, extended or ended.",
        {"id": "Row identifier.", "date": "The day.", "kind": "renewed, extended or ended.", "note": "Free-text note."},
    ),
    "testimonials": (
        "Testimonials asked of clients, and their answers.",
        {
            "id": "Row identifier.",
            "requested": "The day it was asked for.",
            "answer": "pending, given or declined.",
            "answered": "The day of the answer.",
        },
    ),
    "referrals": (
        "Prospects a client referred.",
        {
            "id": "Row identifier.",
            "date": "The day of the referral.",
            "prospect": "Who was referred.",
            "became_engagement": "1 when it became an engagement, else 0.",
            "note": "Free-text note.",
        },
    ),
    "tickets": (
        "Support tickets raised by clients.",
        {
            "id": "Row identifier.",
            "ref": "The ticket's reference, unique per client.",
            "title": "What it is about.",
            "category": "Its category.",
            "impact": "high, medium or low.",
            "users": "How many users it touches: many, some or few.",
            "opened": "When it was opened.",
            "first_response": "When it was first answered.",
            "resolved": "When it was resolved (NULL while open).",
            "escalated": "1 when it was escalated, else 0.",
            "first_contact": "1 when solved at first contact, else 0.",
        },
    ),
    "pulses": (
        "Pulse survey answers.",
        {
            "id": "Row identifier.",
            "date": "The day answered.",
            "respondent": "Who answered.",
            "recommend": "Likelihood to recommend, 0-10.",
            "satisfaction": "Satisfaction, 1-5.",
            "comment": "Free-text comment.",
            "contact": "The client's contact who answered (NULL when the respondent is none of them).",
        },
    ),
    "learnings": (
        "Lessons learned and decisions taken.",
        {
            "id": "Row identifier.",
            "date": "The day.",
            "kind": "lesson or decision.",
            "what": "What was learned or decided.",
            "why": "Why.",
            "who": "Who learned or decided it.",
            "source": "Where it came from.",
        },
    ),
    "checklist_items": (
        "The knowledge-transfer checklist of each client.",
        {
            "key": "Short name of the item, unique per client.",
            "position": "Order in the checklist.",
            "label": "What the item says.",
            "done": "1 when done, else 0.",
            "done_on": "The day it was done.",
            "note": "Free-text note.",
        },
    ),
    "derivation": (
        "What the derived rows were made under.",
        {
            "key": "rules_version (the rules and derivation code they were made with) or horizon (the last day touchpoints reach).",
            "value": "Its value.",
        },
    ),
    "touchpoints": (
        "Every touchpoint the schedule gives an active client, from its first one to the horizon.",
        {"status": "scheduled (still to come or overdue), done or skipped."},
    ),
    "assessment_health": (
        "Per assessment, the overall health score and band, and what moved since the one before.",
        {"date": "The assessment's day.", "band": "The health band the overall score falls in."},
    ),
    "kpi_standing": (
        "Per KPI, where it stands as of its latest reading.",
        {
            "kpi_id": "The KPI (kpis.id).",
            "readings_count": "How many readings it has.",
            "current_date": "The day of the latest reading.",
            "backsliding": "1 when it slid back from its best, else 0.",
            "forecast": "on_target, reaches (on forecast_date) or not_at_current_slope (NULL: under two readings).",
            "forecast_date": "The day it reaches its target at the slope of its trend line (NULL: not forecast).",
        },
    ),
    "standing": (
        "Per client, its triage figures from each day they change; triage on a day reads the latest row up to it.",
        {
            "valid_from": "The first day the row holds.",
            "overall": "The latest overall health score.",
            "band": "Its band.",
            "delta": "Its change since the assessment before.",
        },
    ),
    "client_summary": (
        "Per client, figures that triage and the handover gate read which do not depend on the day.",
        {
            "open_action_items": "Action items still open.",
            "open_high_priority": "Of those, high priority.",
            "checklist_total": "Items in its knowledge-transfer checklist.",
            "sustained_6m": "1 when its lagging KPIs held 6 months after go-live, 0 when not (NULL: none read by then).",
            "sustained_12m": "The same at 12 months.",
        },
    ),
    "search_index": (
        "The full-text search index (SQLite FTS5) of check-in notes and next steps and of lessons and decisions.",
        {
            "source": "checkin, lesson or decision.",
            "client_id": "The client it belongs to.",
            "date": "Its day.",
            "client_name": "The client's name.",
            "notes": "A check-in's section notes, one per line.",
            "next_steps": "A check-in's next steps.",
            "what": "A learning's what.",
            "why": "A learning's why.",
            "who": "Its author or who.",
            "origin": "A learning's source.",
        },
    ),
    "tier_changes": (
        "A client's earlier tiers: it was on previous until the day before date.",
        {"date": "The first day of the next tier.", "previous": "The tier it had before."},
    ),
    "rules": (
        "The team's rules, one row per change; the latest row holds.",
        {
            "version": "The change's number.",
            "document": "The rules as a TOML document (NULL: the rules carebench ships).",
            "fingerprint": "A hash of the rules in force.",
        },
    ),
    "escalations": (
        "Executive escalations of red clients.",
        {
            "id": "Row identifier.",
            "date": "The day escalated.",
            "escalated_to": "Who it went to.",
            "reason": "Why.",
            "escalated_by": "Who escalated it.",
        },
    ),
    "recovery_steps": (
        "Steps of a red client's recovery plan (step N is its Nth by id).",
        {
            "id": "Row identifier.",
            "added": "The day the step was added.",
            "step": "What is to be done.",
            "due": "The day it is due.",
            "owner": "Who does it.",
            "done_on": "The day it was done.",
        },
    ),
    "rollout_waves": ("The waves of each client's rollout in the scaling phase (wave N is its Nth by id).", {"id": "Row identifier."}),
}

# Tables of rows carebench works out from the others (store/projections.py) and rebuilds whenever its rules change.
DERIVED = frozenset({"derivation", "touchpoints", "assessment_health", "kpi_standing", "standing", "client_summary"})
SEARCH_INDEX = "search_index"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    constraints: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    purpose: str
    derived: bool
    columns: tuple[Column, ...]
    constraints: tuple[str, ...]  # table-wide: primary keys over several columns, uniqueness
    internal: tuple[str, ...] = ()  # tables SQLite keeps for this one (an FTS5 index's shadow tables)


_TABLE_CONSTRAINT = ("PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT")


def _definitions(sql: str) -> list[tuple[str, str]]:
    """The items between the outer parentheses of a CREATE statement, each with the comment written beside it
    (a ``-- ...`` comment belongs to the last item that starts on its line)."""
    items: list[tuple[str, int]] = []  # (text, the line it starts on)
    comments: dict[int, str] = {}
    current, start, depth, quote, line, at = "", -1, 0, "", 0, sql.index("(") + 1
    while at < len(sql):
        ch = sql[at]
        if quote:
            quote = "" if ch == quote else quote
        elif sql.startswith("--", at):
            end = sql.find("\n", at)
            end = len(sql) if end < 0 else end
            comments[line] = sql[at + 2 : end].strip()
            at = end
            continue
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth == 0:
            break
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append((current, start))
            current, start, at = "", -1, at + 1
            continue
        if ch == "\n":
            line += 1
        elif not ch.isspace() and start < 0:
            start = line
        current += ch
        at += 1
    if current.strip():
        items.append((current, start))
    said: dict[int, int] = {}  # line -> the last item starting on it
    for index, (_, begun) in enumerate(items):
        said[begun] = index
    by_item = {said[number]: words for number, words in comments.items() if number in said}
    return [(" ".join(text.split()), by_item.get(index, "")) for index, (text, _) in enumerate(items)]


def _table(conn: sqlite3.Connection, name: str, sql: str, internal: tuple[str, ...]) -> Table:
    purpose, meanings = TABLES.get(name, ("", {}))
    definitions = _definitions(sql)
    constraints = tuple(text for text, _ in definitions if text.split(" ", 1)[0].upper() in _TABLE_CONSTRAINT)
    by_name = {text.split(" ", 1)[0]: (text, comment) for text, comment in definitions}
    columns = []
    for _, column, declared, *_ in conn.execute(f"PRAGMA table_info({name})"):
        text, comment = by_name.get(column, (column, ""))
        rest = text.split(" ", 1)[1] if " " in text else ""
        if declared and rest.upper().startswith(declared.upper()):
            rest = rest[len(declared) :].strip()
        columns.append(Column(column, declared, rest, comment or meanings.get(column) or COMMON.get(column, "")))
    return Table(name, purpose, name in DERIVED, tuple(columns), constraints, internal)


def describe(conn: sqlite3.Connection) -> list[Table]:
    """Every table of the database ``conn`` opens, in name order (an FTS5 index's shadow tables under the index)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    virtual = {name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")}
    shadow = {name: owner for name, _ in rows for owner in virtual if name.startswith(f"{owner}_")}
    return [_table(conn, name, sql, tuple(sorted(n for n, owner in shadow.items() if owner == name))) for name, sql in rows if name not in shadow]


def fresh_schema() -> list[Table]:
    """Every table of a new database at the current schema version."""
    from .db import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, Path(":memory:"))
        return describe(conn)
    finally:
        conn.close()
