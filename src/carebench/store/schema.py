"""The database schema as numbered, forward-only migrations: SQL scripts (statements separated by ';' + newline), or
a function of the connection for a step SQL alone cannot say (rebuilding tables)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from ..core.terms import CHECKIN_KINDS, KINDS
from .integrity import CHECKED_TABLES, CHECKS_FROM, check_of, one_of, rules_of

# Every row records who wrote it and when (changed_by, changed_at); rows a person
# edits carry a version that each update increments.
MIGRATION_1 = """
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    applied_by TEXT NOT NULL
);
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('platinum', 'gold', 'silver')),
    go_live TEXT NOT NULL,
    owner TEXT NOT NULL,
    investment REAL NOT NULL DEFAULT 0,
    roi_target REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'handed_over', 'closed')),
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX clients_owner ON clients (owner);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT,
    email TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX contacts_client ON contacts (client_id, position);
CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('leading', 'lagging', 'diagnostic')),
    unit TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
    baseline REAL NOT NULL,
    target REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, key)
);
CREATE TABLE readings (
    kpi_id INTEGER NOT NULL REFERENCES kpis (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    value REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (kpi_id, date)
) WITHOUT ROWID;
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    achievement INTEGER NOT NULL,
    trend INTEGER NOT NULL,
    sustainability INTEGER NOT NULL,
    adherence INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    leadership INTEGER NOT NULL,
    communication INTEGER NOT NULL,
    satisfaction INTEGER NOT NULL,
    expansion_interest INTEGER NOT NULL,
    note TEXT,
    author TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, date)
);
CREATE TABLE savings (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    amount REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, month)
) WITHOUT ROWID;
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    value REAL NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    stage TEXT NOT NULL,
    investment_low REAL,
    investment_high REAL,
    start_month INTEGER,
    end_month INTEGER,
    next_action TEXT,
    next_action_date TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX opportunities_client ON opportunities (client_id);
CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    owner TEXT,
    due TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_on TEXT,
    source TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX action_items_client ON action_items (client_id);
CREATE INDEX action_items_open_due ON action_items (status, due);
CREATE TABLE touchpoint_exceptions (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'skipped', 'moved')),
    reason TEXT,
    moved_to TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, date, kind)
) WITHOUT ROWID;
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT,
    planned_minutes INTEGER NOT NULL DEFAULT 0,
    actual_minutes INTEGER NOT NULL DEFAULT 0,
    attendees TEXT NOT NULL DEFAULT '[]',
    sections TEXT NOT NULL DEFAULT '[]',
    next_steps TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX checkins_client ON checkins (client_id, date);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    client_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_client ON audit (client_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
"""

# Check-ins link what they captured, and drafts keep a check-in in progress per author.
MIGRATION_2 = """
ALTER TABLE readings ADD COLUMN checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL;
ALTER TABLE assessments ADD COLUMN checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL;
ALTER TABLE action_items ADD COLUMN checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL;
CREATE INDEX readings_checkin ON readings (checkin_id) WHERE checkin_id IS NOT NULL;
CREATE TABLE drafts (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, date, kind, author)
) WITHOUT ROWID
"""

# Acknowledged `carebench check` findings: silenced until a date (inclusive). Kept apart from the
# clients table on purpose, so re-importing a client keeps what was acknowledged about it.
MIGRATION_3 = """
CREATE TABLE acknowledgements (
    finding_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
) WITHOUT ROWID
"""


# Screens and commands remember what they computed per client and day (view_cache); every change
# to a client's data bumps its version (client_state, kept by triggers), which retires those rows.
MIGRATION_4 = """
CREATE TABLE client_state (
    client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    version INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
INSERT INTO client_state (client_id) SELECT id FROM clients;
CREATE TRIGGER clients_added AFTER INSERT ON clients BEGIN INSERT OR REPLACE INTO client_state (client_id, version) VALUES (NEW.id, 1); END;
CREATE TRIGGER clients_changed AFTER UPDATE ON clients BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.id; END;
CREATE TABLE view_cache (
    view TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    rules TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (view, day, rules, client_id)
) WITHOUT ROWID;
CREATE INDEX view_cache_client ON view_cache (client_id);
CREATE TRIGGER contacts_added AFTER INSERT ON contacts BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER contacts_changed AFTER UPDATE ON contacts BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER contacts_removed AFTER DELETE ON contacts BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER kpis_added AFTER INSERT ON kpis BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER kpis_changed AFTER UPDATE ON kpis BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER kpis_removed AFTER DELETE ON kpis BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER assessments_added AFTER INSERT ON assessments BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER assessments_changed AFTER UPDATE ON assessments BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER assessments_removed AFTER DELETE ON assessments BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER savings_added AFTER INSERT ON savings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER savings_changed AFTER UPDATE ON savings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER savings_removed AFTER DELETE ON savings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER opportunities_added AFTER INSERT ON opportunities BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER opportunities_changed AFTER UPDATE ON opportunities BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER opportunities_removed AFTER DELETE ON opportunities BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER action_items_added AFTER INSERT ON action_items BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER action_items_changed AFTER UPDATE ON action_items BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER action_items_removed AFTER DELETE ON action_items BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER touchpoint_exceptions_added AFTER INSERT ON touchpoint_exceptions BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER touchpoint_exceptions_changed AFTER UPDATE ON touchpoint_exceptions BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER touchpoint_exceptions_removed AFTER DELETE ON touchpoint_exceptions BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER checkins_added AFTER INSERT ON checkins BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = NEW.client_id; END;
CREATE TRIGGER checkins_changed AFTER UPDATE ON checkins BEGIN UPDATE client_state SET version = version + 1 WHERE client_id IN (OLD.client_id, NEW.client_id); END;
CREATE TRIGGER checkins_removed AFTER DELETE ON checkins BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = OLD.client_id; END;
CREATE TRIGGER readings_insert AFTER INSERT ON readings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = (SELECT client_id FROM kpis WHERE id = NEW.kpi_id); END;
CREATE TRIGGER readings_update AFTER UPDATE ON readings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = (SELECT client_id FROM kpis WHERE id = NEW.kpi_id); END;
CREATE TRIGGER readings_delete AFTER DELETE ON readings BEGIN UPDATE client_state SET version = version + 1 WHERE client_id = (SELECT client_id FROM kpis WHERE id = OLD.kpi_id); END
"""


def _versioned(table: str) -> str:
    """Triggers that move a client's data version whenever ``table`` changes (see MIGRATION_4)."""
    bump = "UPDATE client_state SET version = version + 1 WHERE client_id"
    return (
        f"CREATE TRIGGER {table}_added AFTER INSERT ON {table} BEGIN {bump} = NEW.client_id; END;\n"
        f"CREATE TRIGGER {table}_changed AFTER UPDATE ON {table} BEGIN {bump} IN (OLD.client_id, NEW.client_id); END;\n"
        f"CREATE TRIGGER {table}_removed AFTER DELETE ON {table} BEGIN {bump} = OLD.client_id; END"
    )


# The practice view: how engagements continued, advocacy, support tickets, pulse surveys,
# lessons and decisions, the knowledge-transfer checklist; and when an opportunity was won or lost.
MIGRATION_5 = """
ALTER TABLE opportunities ADD COLUMN closed_on TEXT;
UPDATE opportunities SET closed_on = substr(changed_at, 1, 10) WHERE stage IN ('won', 'lost');
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('renewed', 'extended', 'ended')),
    note TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX outcomes_client ON outcomes (client_id, date);
CREATE TABLE testimonials (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    requested TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT 'pending' CHECK (answer IN ('pending', 'given', 'declined')),
    answered TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX testimonials_client ON testimonials (client_id, requested);
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    prospect TEXT NOT NULL,
    became_engagement INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX referrals_client ON referrals (client_id, date);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    impact TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
    users TEXT NOT NULL CHECK (users IN ('many', 'some', 'few')),
    opened TEXT NOT NULL,
    first_response TEXT,
    resolved TEXT,
    escalated INTEGER NOT NULL DEFAULT 0,
    first_contact INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, ref)
);
CREATE INDEX tickets_open ON tickets (resolved, opened);
CREATE TABLE pulses (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    respondent TEXT NOT NULL,
    recommend INTEGER NOT NULL CHECK (recommend BETWEEN 0 AND 10),
    satisfaction INTEGER NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    comment TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX pulses_client ON pulses (client_id, date);
CREATE TABLE learnings (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lesson', 'decision')),
    what TEXT NOT NULL,
    why TEXT NOT NULL DEFAULT '',
    who TEXT,
    source TEXT,
    checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX learnings_client ON learnings (client_id, date);
CREATE TABLE checklist_items (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    done_on TEXT,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, key)
) WITHOUT ROWID;
""" + ";\n".join(_versioned(t) for t in ("outcomes", "testimonials", "referrals", "tickets", "pulses", "learnings", "checklist_items"))

# A KPI's best reading up to a day is looked up in this index instead of read from its whole history.
MIGRATION_6 = """
CREATE INDEX readings_best ON readings (kpi_id, value, date)
"""

# Views over the whole portfolio (the practice's results) are remembered per data version.
MIGRATION_7 = """
CREATE TABLE portfolio_view_cache (
    view TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (view, key)
) WITHOUT ROWID
"""

# Remembered views give way to derived rows, kept by store/projections.py in the same transaction as
# the write they derive from: views read them instead of working anything out. The per-client data
# versions (and their triggers) only served the remembered views. Derived rows are rebuilt whenever
# ``derivation.rules_version`` differs from the program's, which is the case right after this step.
_VERSIONED = (
    "contacts",
    "kpis",
    "assessments",
    "savings",
    "opportunities",
    "action_items",
    "touchpoint_exceptions",
    "checkins",
    "outcomes",
    "testimonials",
    "referrals",
    "tickets",
    "pulses",
    "learnings",
    "checklist_items",
)
MIGRATION_8 = (
    ";\n".join(
        [f"DROP TRIGGER IF EXISTS {table}_{change}" for table in _VERSIONED for change in ("added", "changed", "removed")]
        + [f"DROP TRIGGER IF EXISTS {name}" for name in ("readings_insert", "readings_update", "readings_delete", "clients_added", "clients_changed")]
        + ["DROP TABLE IF EXISTS view_cache", "DROP TABLE IF EXISTS portfolio_view_cache", "DROP TABLE IF EXISTS client_state"]
    )
    + """;
-- What the derived rows were made under (key: rules_version, a hash of the rules and the derivation
-- code's version; horizon, the last day touchpoints are generated for).
CREATE TABLE derivation (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- Every touchpoint core.schedule.schedule() gives an active client, from its first one to the horizon.
CREATE TABLE touchpoints (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,                -- the day it stands on (after any move)
    kind TEXT NOT NULL,                -- the most senior kind landing that day
    covers TEXT NOT NULL DEFAULT '[]', -- JSON list of the other kinds landing that day, most senior first
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'done', 'skipped')),
    moved_from TEXT,                   -- the day it was planned on, when it was moved
    reason TEXT,                       -- why it was skipped
    superseded_from TEXT,              -- the first later day one of the same or a more senior kind was done (NULL: never)
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID;
-- Overdue on day D: scheduled, date < D, date >= go-live and superseded_from NULL or after D; due on D:
-- scheduled on D (so never superseded by then). The agenda reads this index only, client by client:
-- client-major, so that a client's escalation to the horizon (hundreds of rows) fills a few pages.
CREATE INDEX touchpoints_open ON touchpoints (superseded_from, client_id, date, kind, covers) WHERE status = 'scheduled';
-- Per assessment, what core.health.health_report says of it beyond the breakdown.
CREATE TABLE assessment_health (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    overall REAL NOT NULL,             -- rounded half-up to one decimal
    band TEXT NOT NULL,
    previous_overall REAL,             -- of the assessment before it (NULL for the first)
    delta REAL,                        -- overall - previous_overall
    drivers TEXT NOT NULL DEFAULT '[]', -- JSON list of the sub-scores that moved: subscore, before, after, change
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID;
-- Per KPI, core.kpis.kpi_status as of its latest reading (it holds from that day on).
CREATE TABLE kpi_standing (
    kpi_id INTEGER PRIMARY KEY REFERENCES kpis (id) ON DELETE CASCADE,
    current REAL,                      -- the latest reading (NULL: none yet)
    current_date TEXT,
    previous REAL,                     -- the reading before it
    change REAL,                       -- vs the baseline, in change_unit
    change_unit TEXT NOT NULL,         -- pp | %
    on_target INTEGER,                 -- 1 | 0 (NULL: no reading)
    trend TEXT,                        -- improving | flat | declining (NULL: under two readings)
    backsliding INTEGER NOT NULL,
    retained REAL,                     -- share of the best gain kept (NULL: never improved)
    peak REAL,                         -- the best reading
    readings_count INTEGER NOT NULL
);
-- Per client, its triage figures from each day they change (a row only where they differ from the
-- previous one; the first is valid from 0001-01-01). Triage on day D reads the row with the greatest
-- valid_from <= D. The latest assessment's drivers are in assessment_health (client_id, assessed).
CREATE TABLE standing (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    valid_from TEXT NOT NULL,
    assessed TEXT,                     -- the date of the latest assessment (NULL: none yet)
    overall REAL,
    band TEXT,
    delta REAL,
    kpis_measured INTEGER NOT NULL,    -- KPIs with a reading
    kpis_on_target INTEGER NOT NULL,   -- of those, on target
    backsliding INTEGER NOT NULL,      -- KPIs backsliding
    PRIMARY KEY (client_id, valid_from)
) WITHOUT ROWID;
-- Per client, what triage and the handover gate read that does not depend on the day.
CREATE TABLE client_summary (
    client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    kpis INTEGER NOT NULL,             -- how many KPIs it has
    weighted_pipeline REAL NOT NULL,   -- core.pipeline.pipeline_totals(...).weighted of its opportunities
    open_action_items INTEGER NOT NULL,
    open_high_priority INTEGER NOT NULL,
    checklist_done INTEGER NOT NULL,   -- knowledge-transfer items done (of core.phases.checklist_of)
    checklist_total INTEGER NOT NULL,
    checklist_missing TEXT NOT NULL DEFAULT '[]' -- JSON list of the labels not done, in order
) WITHOUT ROWID
"""
)

# Drafts keep the older copies a stale session tried to save over them (never lost, merged on reopen): a JSON
# list of {data, saved_at, from_version}. (No comment inside the statement: SQLite copies it into the table's SQL.)
MIGRATION_9 = """
ALTER TABLE drafts ADD COLUMN recovered TEXT NOT NULL DEFAULT '[]'
"""

# Per client, whether its results were sustained at 6 and 12 months after go-live (core.practice.sustained_verdict
# of its lagging KPIs on that day: 1 | 0, NULL when none was read by then), what the practice figures read.
MIGRATION_10 = """
ALTER TABLE client_summary ADD COLUMN sustained_6m INTEGER;
ALTER TABLE client_summary ADD COLUMN sustained_12m INTEGER
"""

# The full-text index of what people wrote (FTS5, searched with bm25 ranking): each check-in's notes and
# next steps (rowid: the check-in's id) and each lesson or decision (rowid: minus the learning's id), with
# the client's name. Triggers keep it in the same transaction as every write to those rows (a finished
# check-in, a learning, an import, a client's removal or rename); the last two statements fill it from the
# rows already there.
SEARCH_COLUMNS = "rowid, source, client_id, date, client_name, notes, next_steps, what, why, who, origin"


def _checkin_entry(row: str) -> str:
    """The search_index values of check-in ``row`` (NEW in a trigger): its notes are the sections' notes, one per line."""
    sections = f"CASE WHEN json_valid({row}.sections) THEN {row}.sections ELSE '[]' END"
    notes = f"(SELECT group_concat(json_extract(s.value, '$.notes'), char(10)) FROM json_each({sections}) AS s WHERE s.type = 'object')"
    return (
        f"{row}.id, 'checkin', {row}.client_id, {row}.date, (SELECT name FROM clients WHERE id = {row}.client_id), "
        f"coalesce({notes}, ''), {row}.next_steps, '', '', coalesce({row}.author, ''), ''"
    )


def _learning_entry(row: str) -> str:
    """The search_index values of learning ``row``: what, why, who and where it came from."""
    return (
        f"-{row}.id, {row}.kind, {row}.client_id, {row}.date, (SELECT name FROM clients WHERE id = {row}.client_id), "
        f"'', '', {row}.what, {row}.why, coalesce({row}.who, ''), coalesce({row}.source, '')"
    )


def _kept_in_index(table: str, entry, rowid: str) -> str:
    """Triggers that keep ``table``'s rows in search_index (``rowid``: the expression of a row's index rowid)."""
    insert = f"INSERT INTO search_index ({SEARCH_COLUMNS}) VALUES ({entry('NEW')})"
    forget = f"DELETE FROM search_index WHERE rowid = {rowid.format(row='OLD')}"
    return (
        f"CREATE TRIGGER {table}_indexed AFTER INSERT ON {table} BEGIN {insert}; END;\n"
        f"CREATE TRIGGER {table}_reindexed AFTER UPDATE ON {table} BEGIN {forget}; {insert}; END;\n"
        f"CREATE TRIGGER {table}_unindexed AFTER DELETE ON {table} BEGIN {forget}; END"
    )


MIGRATION_11 = ";\n".join(
    [
        "CREATE VIRTUAL TABLE search_index USING fts5(source UNINDEXED, client_id UNINDEXED, date UNINDEXED, client_name, notes, "
        "next_steps, what, why, who, origin, tokenize = 'unicode61 remove_diacritics 2')",
        _kept_in_index("checkins", _checkin_entry, "{row}.id"),
        _kept_in_index("learnings", _learning_entry, "-{row}.id"),
        "CREATE TRIGGER clients_renamed_in_index AFTER UPDATE OF name ON clients WHEN NEW.name IS NOT OLD.name "
        "BEGIN UPDATE search_index SET client_name = NEW.name WHERE client_id = NEW.id; END",
        f"INSERT INTO search_index ({SEARCH_COLUMNS}) SELECT {_checkin_entry('c')} FROM checkins AS c",
        f"INSERT INTO search_index ({SEARCH_COLUMNS}) SELECT {_learning_entry('l')} FROM learnings AS l",
    ]
)
MIGRATIONS_NEEDING_FTS5 = frozenset({11})
"""Steps that make an FTS5 table: an SQLite built without FTS5 cannot take them."""

# A client's earlier tiers: it was on ``previous`` until the day before ``date``, from which the next tier's cadence
# holds (clients.tier after the last change). Every client so far has kept the tier it started on, so it has none;
# a check-in keeps the team's confidence score (1-10) where its script asks for one (none before).
MIGRATION_12 = """
CREATE TABLE tier_changes (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    previous TEXT NOT NULL CHECK (previous IN ('platinum', 'gold', 'silver')),
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID;
ALTER TABLE checkins ADD COLUMN confidence INTEGER CHECK (confidence BETWEEN 1 AND 10)
"""

# The team's rules (core/rules.py), one row per change: the rules in force are the latest row's TOML
# document, or the rules carebench ships when that document is NULL or there is no row (as in every
# database before this step). The derived rows record the rules they were made under (derivation).
MIGRATION_13 = """
CREATE TABLE rules (
    version INTEGER PRIMARY KEY,
    document TEXT,
    fingerprint TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
)
"""


def _kind_of_role() -> str:
    """The SQL of core.terms.kind_from_role over contacts.role: the first of its words the role holds, ignoring case."""
    from ..core.terms import ROLE_WORDS

    cases = " ".join(f"WHEN instr(lower(role), '{word}') > 0 THEN '{kind}'" for word, kind in ROLE_WORDS)
    return f"CASE {cases} ELSE 'other' END"


# Red clients' executive escalations and recovery plans (a plan's step N is its Nth by id); the part a contact
# plays (sponsor, champion, power user, other), read from the words of the roles already stored; and the contact
# who gave a pulse answer, which is the respondent wherever the respondent is one of the client's contacts.
MIGRATION_14 = f"""
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    escalated_to TEXT NOT NULL,
    reason TEXT NOT NULL,
    escalated_by TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX escalations_client ON escalations (client_id, date);
CREATE TABLE recovery_steps (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    added TEXT NOT NULL,
    step TEXT NOT NULL,
    due TEXT NOT NULL,
    owner TEXT,
    done_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX recovery_steps_client ON recovery_steps (client_id, id);
ALTER TABLE contacts ADD COLUMN kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ('sponsor', 'champion', 'power_user', 'other'));
UPDATE contacts SET kind = {_kind_of_role()} WHERE role IS NOT NULL;
ALTER TABLE pulses ADD COLUMN contact TEXT;
UPDATE pulses SET contact = respondent WHERE respondent IN (SELECT name FROM contacts WHERE contacts.client_id = pulses.client_id)
"""

# The database keeps carebench's rules itself (store/integrity.py): every table holding values with rules is rebuilt
# with a CHECK constraint on each such column, so another tool cannot store a score of 11 or a reading that is text.
# These are the tables as schema 14 left them (columns added later stay where ALTER TABLE put them), without the
# CHECK constraints some columns had, which spelled out the core's choices by hand: each gets its rule instead.
# Rows breaking a rule are not carried: `migrate` refuses before anything changes (see db.migrate).
CHECKED_TABLES_SQL = """
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    go_live TEXT NOT NULL,
    owner TEXT NOT NULL,
    investment REAL NOT NULL DEFAULT 0,
    roi_target REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT,
    email TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other'
);
CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    baseline REAL NOT NULL,
    target REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, key)
);
CREATE TABLE readings (
    kpi_id INTEGER NOT NULL REFERENCES kpis (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    value REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    PRIMARY KEY (kpi_id, date)
) WITHOUT ROWID;
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    achievement INTEGER NOT NULL,
    trend INTEGER NOT NULL,
    sustainability INTEGER NOT NULL,
    adherence INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    leadership INTEGER NOT NULL,
    communication INTEGER NOT NULL,
    satisfaction INTEGER NOT NULL,
    expansion_interest INTEGER NOT NULL,
    note TEXT,
    author TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    UNIQUE (client_id, date)
);
CREATE TABLE savings (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    amount REAL NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, month)
) WITHOUT ROWID;
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    value REAL NOT NULL,
    probability INTEGER NOT NULL,
    stage TEXT NOT NULL,
    investment_low REAL,
    investment_high REAL,
    start_month INTEGER,
    end_month INTEGER,
    next_action TEXT,
    next_action_date TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    closed_on TEXT
);
CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    owner TEXT,
    due TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    done_on TEXT,
    source TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL
);
CREATE TABLE touchpoint_exceptions (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    moved_to TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, date, kind)
) WITHOUT ROWID;
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT,
    planned_minutes INTEGER NOT NULL DEFAULT 0,
    actual_minutes INTEGER NOT NULL DEFAULT 0,
    attendees TEXT NOT NULL DEFAULT '[]',
    sections TEXT NOT NULL DEFAULT '[]',
    next_steps TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    confidence INTEGER
);
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE testimonials (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    requested TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT 'pending',
    answered TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    prospect TEXT NOT NULL,
    became_engagement INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    impact TEXT NOT NULL,
    users TEXT NOT NULL,
    opened TEXT NOT NULL,
    first_response TEXT,
    resolved TEXT,
    escalated INTEGER NOT NULL DEFAULT 0,
    first_contact INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, ref)
);
CREATE TABLE pulses (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    respondent TEXT NOT NULL,
    recommend INTEGER NOT NULL,
    satisfaction INTEGER NOT NULL,
    comment TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    contact TEXT
);
CREATE TABLE learnings (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL DEFAULT '',
    who TEXT,
    source TEXT,
    checkin_id INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE checklist_items (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    done_on TEXT,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, key)
) WITHOUT ROWID;
CREATE TABLE tier_changes (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    previous TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID;
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    escalated_to TEXT NOT NULL,
    reason TEXT NOT NULL,
    escalated_by TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE recovery_steps (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    added TEXT NOT NULL,
    step TEXT NOT NULL,
    due TEXT NOT NULL,
    owner TEXT,
    done_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
)
"""


def _with_checks(statement: str) -> tuple[str, str]:
    """A CREATE TABLE statement of CHECKED_TABLES_SQL, each ruled column given its CHECK constraint; and the table's name."""
    named = re.match(r"\s*CREATE TABLE (\w+) \(", statement)
    assert named, statement
    table = named.group(1)
    rules = rules_of(table, since=CHECKS_FROM)
    lines, placed = [], set()
    for line in statement.split("\n"):
        column = line.split()[0] if line.startswith("    ") else ""
        if column in rules:
            body, comma = (line[:-1], ",") if line.endswith(",") else (line, "")
            line = f"{body} CHECK ({rules[column].check}){comma}"
            placed.add(column)
        lines.append(line)
    assert placed == set(rules), f"{table}: no column for the rules of {sorted(set(rules) - placed)}"
    return "\n".join(lines), table


def _violations(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """How many rows point at a row that is not there, per (table, the table it points at)."""
    found: dict[tuple[str, str], int] = {}
    for table, _, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        found[table, parent] = found.get((table, parent), 0) + 1
    return found


def rebuild_with_checks(conn: sqlite3.Connection) -> None:
    """SQLite's table rebuild (https://sqlite.org/lang_altertable.html#otheralter), for every table of CHECKED_TABLES_SQL:
    make the new table, copy the rows, drop the old one, rename the new one; then make again the indexes, views and
    triggers there were (the search index's, the audit trail's and any a team added), exactly as they were.

    Runs inside the migration's transaction with foreign keys off (db.migrate), so that dropping a table deletes
    nothing else. Every trigger and view is dropped first: a rename checks them all, and some name a table that is
    being rebuilt. Rows that pointed at a missing row before (orphans `doctor` reports) are carried as they are;
    the check after makes sure the rebuild left no others.
    """
    statements = [_with_checks(statement) for statement in CHECKED_TABLES_SQL.split(";\n")]
    ruled = [table for table in CHECKED_TABLES if rules_of(table, since=CHECKS_FROM)]
    assert [table for _, table in statements] == ruled, "CHECKED_TABLES_SQL and integrity.RULES name different tables"
    _rebuild(conn, statements)


def _rebuild(conn: sqlite3.Connection, statements: list[tuple[str, str]]) -> None:
    """Rebuild each table of ``statements`` (its new CREATE TABLE statement, its name) as rebuild_with_checks says."""
    if not statements:
        return
    rebuilt = [table for _, table in statements]
    marks = ", ".join("?" * len(rebuilt))
    kept = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        f"AND (type IN ('trigger', 'view') OR (type = 'index' AND tbl_name IN ({marks}))) ORDER BY rowid",
        rebuilt,
    ).fetchall()
    before = _violations(conn)
    for kind, name, _ in kept:
        if kind != "index":  # an index goes with its table
            conn.execute(f'DROP {kind.upper()} "{name}"')
    for statement, table in statements:
        new = f"{table}_checked"
        conn.execute(statement.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {new} (", 1))
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({new})")]
        old = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        unknown = [column for column in old if column not in columns]
        if unknown:
            raise sqlite3.OperationalError(f"table {table} has columns carebench does not know ({', '.join(unknown)})")
        listed = ", ".join(column for column in columns if column in old)  # a new column starts empty
        conn.execute(f"INSERT INTO {new} ({listed}) SELECT {listed} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {new} RENAME TO {table}")
    for _, _, sql in kept:
        conn.execute(sql)
    after = _violations(conn)
    if after != before:
        raise sqlite3.OperationalError(f"rebuilding the tables would leave rows pointing at missing rows ({after})")


# Schema 16: how a client was handed over (`carebench handover`): the day, by whom, and the reason when the
# handover gate was overridden. A client handed over before (status only) keeps NULLs: it gets no sustainment cadence.
MIGRATION_16 = """
ALTER TABLE clients ADD COLUMN handover_date TEXT;
ALTER TABLE clients ADD COLUMN handover_by TEXT;
ALTER TABLE clients ADD COLUMN handover_override TEXT
"""

# The rollout waves of the scaling phase (a client's wave N is its Nth by id), and the complexity factors a
# client's support intensity is calibrated from (NULL: not recorded). The checks name the type as well as the
# range, so a count written as text by another tool is refused by the database itself.
MIGRATION_17 = f"""
CREATE TABLE rollout_waves (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name TEXT NOT NULL, -- The wave's name, unique per client.
    unit TEXT NOT NULL DEFAULT 'users', -- What the waves count: users, sites, stores... (one unit per client).
    planned INTEGER CHECK ({check_of("rollout_waves", "planned")}), -- How many the wave brings in (NULL: not sized yet).
    live INTEGER NOT NULL DEFAULT 0 CHECK ({check_of("rollout_waves", "live")}), -- How many of them are live.
    planned_date TEXT, -- The day the wave is planned to go live.
    live_on TEXT, -- The day the live count was last recorded.
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (client_id, name)
);
CREATE INDEX rollout_waves_client ON rollout_waves (client_id, id);
ALTER TABLE clients ADD COLUMN stakeholder_groups INTEGER CHECK ({check_of("clients", "stakeholder_groups")});
ALTER TABLE clients ADD COLUMN cultural_change TEXT CHECK ({check_of("clients", "cultural_change")});
ALTER TABLE clients ADD COLUMN internal_capability TEXT CHECK ({check_of("clients", "internal_capability")})
"""

# A KPI's benchmark (a value to compare it with; NULL: none) and whether it shows on the team dashboard, which the
# leading KPIs did until now; and, per KPI standing, the forecast of when it reaches its target at the current slope
# (core.kpis.forecast_of), filled when the derived rows are rebuilt under the new derivation version.
MIGRATION_18 = f"""
ALTER TABLE kpis ADD COLUMN benchmark REAL CHECK ({check_of("kpis", "benchmark")});
ALTER TABLE kpis ADD COLUMN team INTEGER NOT NULL DEFAULT 0 CHECK ({check_of("kpis", "team")});
UPDATE kpis SET team = 1 WHERE category = 'leading';
ALTER TABLE kpi_standing ADD COLUMN forecast TEXT;
ALTER TABLE kpi_standing ADD COLUMN forecast_date TEXT
"""

# Schema 19: the phase retrospective is a touchpoint kind (core.terms.KINDS), so the checks on the kinds an outcome
# and a check-in may have take it in. A database whose tables were given their checks under the new kinds (step 15
# run by this version) already has them; in any other the check is the one step 15 wrote, which is replaced.
NEW_KINDS = ("retrospective",)


def widen_kinds(conn: sqlite3.Connection) -> None:
    statements = []
    for table, choices in (("touchpoint_exceptions", KINDS), ("checkins", CHECKIN_KINDS)):
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        new = one_of(choices)("kind")[0]
        if new in sql:
            continue
        old = one_of(tuple(kind for kind in choices if kind not in NEW_KINDS))("kind")[0]
        if old not in sql:
            raise sqlite3.OperationalError(f"table {table} does not check its kinds as carebench made it (CHECK ({old}))")
        # A table renamed by a rebuild keeps its name quoted; the rebuild names the new one from the plain form.
        plain = re.sub(r'^CREATE TABLE "?(\w+)"? \(', r"CREATE TABLE \1 (", sql)
        statements.append((plain.replace(old, new), table))
    _rebuild(conn, statements)


# Schema 20: a check-in's assessment, action items and learnings are found by its id through an index (the Health
# screen's timeline, a check-in's record, search hits, and clearing the links of a check-in deleted), as its readings
# already were; before, each lookup read the whole table.
MIGRATION_20 = """
CREATE INDEX assessments_checkin ON assessments (checkin_id) WHERE checkin_id IS NOT NULL;
CREATE INDEX action_items_checkin ON action_items (checkin_id) WHERE checkin_id IS NOT NULL;
CREATE INDEX learnings_checkin ON learnings (checkin_id) WHERE checkin_id IS NOT NULL;
"""

# Schema 21: each assessment's biggest sub-score fall (core.triage.biggest_drop of its drivers), which triage reads
# instead of decoding every client's drivers. The table is rebuilt with the new columns in place (an added column
# would land after the comment of the last one); the rows are made again under the next derivation version.
ASSESSMENT_HEALTH_21 = """CREATE TABLE assessment_health (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    overall REAL NOT NULL,             -- rounded half-up to one decimal
    band TEXT NOT NULL,
    previous_overall REAL,             -- of the assessment before it (NULL for the first)
    delta REAL,                        -- overall - previous_overall
    drivers TEXT NOT NULL DEFAULT '[]', -- JSON list of the sub-scores that moved: subscore, before, after, change
    drop_subscore TEXT,                -- the sub-score that fell furthest since the assessment before (NULL: none fell)
    drop_before INTEGER,               -- that sub-score in the assessment before
    drop_after INTEGER,                -- that sub-score in this one
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID"""


def add_biggest_drop(conn: sqlite3.Connection) -> None:
    _rebuild(conn, [(ASSESSMENT_HEALTH_21, "assessment_health")])


# Schema 22: what the practice figures read of each client on the days they ask about, found with one lookup a day.
# Each touchpoint holds how many of the client's touchpoints fell up to it and how many of those were done (the table is
# rebuilt with the new columns in place; the rows are made again under the next derivation version); an index holds
# each assessment's overall and band, so the one deciding a day (the latest on or before it) is found without reading
# the table's rows, which carry the drivers as well.
TOUCHPOINTS_22 = """CREATE TABLE touchpoints (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    date TEXT NOT NULL,                -- the day it stands on (after any move)
    kind TEXT NOT NULL,                -- the most senior kind landing that day
    covers TEXT NOT NULL DEFAULT '[]', -- JSON list of the other kinds landing that day, most senior first
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'done', 'skipped')),
    moved_from TEXT,                   -- the day it was planned on, when it was moved
    reason TEXT,                       -- why it was skipped
    superseded_from TEXT,              -- the first later day one of the same or a more senior kind was done (NULL: never)
    seq INTEGER NOT NULL DEFAULT 0,    -- how many of the client's touchpoints fell on or before this day, this one included
    done_seq INTEGER NOT NULL DEFAULT 0, -- how many of those were done
    PRIMARY KEY (client_id, date)
) WITHOUT ROWID"""


def add_touchpoint_counts(conn: sqlite3.Connection) -> None:
    _rebuild(conn, [(TOUCHPOINTS_22, "touchpoints")])
    conn.execute("CREATE INDEX assessment_health_days ON assessment_health (client_id, date, overall, band)")


TOUCHPOINTS_23 = TOUCHPOINTS_22.replace(
    "    PRIMARY KEY (client_id, date)",
    """    run INTEGER NOT NULL DEFAULT 0,    -- scheduled from go-live: how many of its kind in a row are missed with it (core.schedule.open_runs)
    next_same TEXT,                    -- scheduled: the day of the next scheduled one of its kind (NULL: none)
    PRIMARY KEY (client_id, date)""",
)
# The agenda's overdue row of a kind on day D is the touchpoint of that kind overdue on D with no scheduled one
# of its kind between it and D (next_same NULL or from D on); its run is how many D counts as missed.
TOUCHPOINTS_OPEN_23 = (
    "CREATE INDEX touchpoints_open ON touchpoints (superseded_from, client_id, date, kind, covers, next_same, run) WHERE status = 'scheduled'"
)


def add_touchpoint_runs(conn: sqlite3.Connection) -> None:
    _rebuild(conn, [(TOUCHPOINTS_23, "touchpoints")])
    conn.execute("DROP INDEX touchpoints_open")
    conn.execute(TOUCHPOINTS_OPEN_23)


# The triggers that keep the audit trail append-only (against carebench's own writes: a member
# with direct SQL access can drop them, which `carebench doctor` reports).
AUDIT_TRIGGERS = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
}

Step = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[int, Step]] = [
    (1, MIGRATION_1),
    (2, MIGRATION_2),
    (3, MIGRATION_3),
    (4, MIGRATION_4),
    (5, MIGRATION_5),
    (6, MIGRATION_6),
    (7, MIGRATION_7),
    (8, MIGRATION_8),
    (9, MIGRATION_9),
    (10, MIGRATION_10),
    (11, MIGRATION_11),
    (12, MIGRATION_12),
    (13, MIGRATION_13),
    (14, MIGRATION_14),
    (CHECKS_FROM, rebuild_with_checks),
    (16, MIGRATION_16),
    (17, MIGRATION_17),
    (18, MIGRATION_18),
    (19, widen_kinds),
    (20, MIGRATION_20),
    (21, add_biggest_drop),
    (22, add_touchpoint_counts),
    (23, add_touchpoint_runs),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def run_step(conn: sqlite3.Connection, step: Step) -> None:
    """Apply one migration step to ``conn`` (inside the caller's transaction)."""
    if callable(step):
        step(conn)
        return
    for statement in step.split(";\n"):
        if statement.strip():
            conn.execute(statement)
