"""Derived rows: what the views read, worked out by the core's rules and kept beside the data they derive from.

Each client's touchpoints, the figures of each assessment, each KPI's standing, the
client's standing timeline and its summary are rows (see MIGRATION_8 in schema.py for
every column). They are written by this module only, in the same transaction as the
write they derive from (``refresh_client``, called by every Store write), so that a read
is plain SQL and never works anything out. Every figure comes from the core's own
functions: nothing here restates a rule.

The rows hold under one set of rules and one version of this code: the database keeps
the ``rules_version`` they were made under (a hash of both) and the ``horizon`` up to
which touchpoints are generated (escalation is open-ended); ``ensure_current`` rebuilds
or extends them when either no longer fits.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from ..core.calendar import add_months
from ..core.handover import GateState, GateTimeline, checklist_of
from ..core.health import DEFAULT_BANDS, Bands, assessment_figures
from ..core.kpis import TREND_WINDOW, best_of, flag_changes, is_on_target, kpi_status
from ..core.models import SUBSCORES, Assessment, ChecklistItem, Client, Handover, Kpi, Opportunity, Reading, Scores, TierChange, TouchpointException
from ..core.pipeline import pipeline_totals
from ..core.practice import SUSTAINED_MONTHS, running_counts, sustained_verdict
from ..core.rules import Rules
from ..core.schedule import open_runs, schedule_tuples, superseded_dates
from ..core.terms import Direction
from ..core.triage import biggest_drop
from .construct import constructor
from .db import transaction
from .derivation import (  # noqa: F401  (the derivation's state and rows, re-exported for its users)
    DERIVATION_VERSION,
    DERIVED_TABLES,
    HORIZON_DAYS,
    NEXT_TOUCHPOINT_DAYS,
    PARTS,
    AgendaRow,
    KpiStandingRow,
    TouchpointRow,
    TriageRow,
    needed,
    rules_version,
    stored_state,
)

# The valid_from of a client's first standing row: before anything was assessed or read.
BEGINNING = "0001-01-01"
# Clients worked out at once by a rebuild (their histories are in memory together).
CHUNK = 250

_new_scores = constructor(Scores, SUBSCORES)
_new_assessment = constructor(Assessment, ("date", "scores", "note", "author"))
_new_exception = constructor(TouchpointException, ("date", "kind", "status", "reason", "moved_to"))
_new_reading = constructor(Reading, ("date", "value"))
_new_opportunity = constructor(
    Opportunity,
    (
        "title",
        "source",
        "value",
        "probability",
        "stage",
        "investment_low",
        "investment_high",
        "start_month",
        "end_month",
        "next_action",
        "next_action_date",
        "closed_on",
    ),
)
_fromiso = date.fromisoformat


# ----- bringing the rows up to date -------------------------------------------------------------


def ensure_current(conn: sqlite3.Connection, rules: Rules, today: date, progress: Callable[[int, int], None] | None = None) -> str | None:
    """Rebuild or extend the rows when ``needed`` says so, in one write transaction; returns what was done (or None).

    Nothing is written (and no write lock taken) when the rows are current.
    """
    if needed(conn, rules, today) is None:
        return None
    with transaction(conn):
        what = needed(conn, rules, today)  # again under the write lock: another process may have done it meanwhile
        horizon = today + timedelta(days=HORIZON_DAYS)
        if what == "rebuild":
            rebuild(conn, rules, progress, horizon=horizon)
        elif what == "extend":
            extend(conn, rules, horizon, progress)
    return what


def rebuild(conn: sqlite3.Connection, rules: Rules, progress: Callable[[int, int], None] | None = None, *, horizon: date | None = None) -> None:
    """Every derived row of every client made again, a chunk of clients at a time; ``progress(done, total)`` before the first and after each.

    The horizon stays where it is, or moves on to ``horizon`` when that is later (a database
    without one gets ``horizon``, by default today + HORIZON_DAYS).
    """
    _, stored = stored_state(conn)
    horizon = horizon or date.today() + timedelta(days=HORIZON_DAYS)
    horizon = max(horizon, stored) if stored else horizon
    with transaction(conn):
        for table in DERIVED_TABLES:
            conn.execute(f"DELETE FROM {table}")
        ids = [row[0] for row in conn.execute("SELECT id FROM clients ORDER BY id")]
        if progress:
            progress(0, len(ids))
        for start in range(0, len(ids), CHUNK):
            _derive(conn, ids[start : start + CHUNK], rules, horizon, PARTS, fresh=True)
            if progress:
                progress(min(start + CHUNK, len(ids)), len(ids))
        _set_state(conn, rules_version(rules), horizon)


def extend(conn: sqlite3.Connection, rules: Rules, horizon: date, progress: Callable[[int, int], None] | None = None) -> None:
    """Generate touchpoints up to the later ``horizon`` for every client in support (active, or handed over).

    Each of them can have touchpoints past the old horizon: the sustainment cadence follows the
    plan until the engagement ends, escalation goes on while the latest band is red or yellow, and
    a held series until the client passes its gate. The other derived rows do not depend on the
    horizon. The horizon moves on about once a year.
    """
    with transaction(conn):
        ids = [row[0] for row in conn.execute("SELECT id FROM clients WHERE status != 'closed' ORDER BY id")]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            conn.execute(f"DELETE FROM touchpoints WHERE client_id IN ({_marks(chunk)})", chunk)
            _derive(conn, chunk, rules, horizon, ("touchpoints",), fresh=True)
            if progress:
                progress(min(start + CHUNK, len(ids)), len(ids))
        _set_state(conn, rules_version(rules), horizon)


def refresh_client(
    conn: sqlite3.Connection,
    client_id: str,
    rules: Rules,
    what: Iterable[str] = PARTS,
    *,
    since: date | None = None,
    kpi_ids: Iterable[int] | None = None,
) -> None:
    """Bring one client's derived rows up to date after a write to its data (call inside the write's transaction).

    ``what`` names the parts the write affects (see PARTS); ``since`` is the earliest day of
    the data written (an assessment's or a reading's date: the assessment figures and the
    standing timeline before it stay as they are); ``kpi_ids`` the KPIs whose readings
    changed (None: all of them).
    """
    _, horizon = stored_state(conn)
    if horizon is None:
        horizon = date.today() + timedelta(days=HORIZON_DAYS)
    _derive(
        conn,
        [client_id],
        rules,
        horizon,
        tuple(part for part in PARTS if part in set(what)),
        since=since,
        kpi_ids=None if kpi_ids is None else set(kpi_ids),
    )


def _set_state(conn: sqlite3.Connection, version: str, horizon: date) -> None:
    conn.executemany("INSERT OR REPLACE INTO derivation (key, value) VALUES (?, ?)", [("rules_version", version), ("horizon", horizon.isoformat())])


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


# ----- working the rows out ---------------------------------------------------------------------


def _derive(
    conn: sqlite3.Connection,
    ids: list[str],
    rules: Rules,
    horizon: date,
    parts: Iterable[str],
    *,
    since: date | None = None,
    kpi_ids: set[int] | None = None,
    fresh: bool = False,
) -> None:
    """Work out and write the ``parts`` of the clients ``ids``; ``fresh``: they have no such rows yet (a rebuild)."""
    parts = set(parts)
    if "standing" in parts:
        parts.add("touchpoints")  # gated step downs read the standing timeline
    if not ids:
        return
    clients = {
        row[0]: row
        for row in conn.execute(f"SELECT id, name, tier, go_live, owner, status, handover_date FROM clients WHERE id IN ({_marks(ids)})", ids)
    }
    ids = [cid for cid in ids if cid in clients]
    if not ids:
        return
    assessments = _assessments(conn, ids) if parts & {"touchpoints", "health"} else {}
    if "health" in parts:
        first = since.isoformat() if since and not fresh else None
        rows = [row for cid in ids for row in health_rows(cid, assessments.get(cid, []), rules.weights, first, rules.bands)]
        if not fresh:
            conn.execute(f"DELETE FROM assessment_health WHERE client_id IN ({_marks(ids)}) AND date >= ?", [*ids, first or BEGINNING])
        conn.executemany("INSERT INTO assessment_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    kpis = _kpis(conn, ids) if parts & {"kpis", "standing", "summary"} else {}
    if fresh and parts & {"kpis", "standing"}:
        _derive_kpis_fresh(conn, ids, kpis, rules)
    else:
        if "kpis" in parts:
            _derive_kpis(conn, ids, kpis, rules, kpi_ids)
        if "standing" in parts:
            for cid in ids:
                _derive_standing(conn, cid, kpis.get(cid, []), rules, since)
    if "touchpoints" in parts:
        # After the standing rows: they are the results the gated step downs read.
        exceptions = _exceptions(conn, ids)
        tiers = _tier_changes(conn, ids)
        gates = gate_states(conn, ids)
        for cid in ids:
            _, name, tier, go_live, owner, status, handover_date = clients[cid]
            client = Client.model_construct(
                id=cid,
                name=name,
                tier=tier,
                go_live=_fromiso(go_live),
                owner=owner,
                status=status,
                assessments=assessments.get(cid, []),
                exceptions=exceptions.get(cid, []),
                tier_changes=tiers.get(cid, []),
                handover=Handover.model_construct(date=_fromiso(handover_date)) if handover_date else None,
            )
            rows = touchpoint_rows(client, rules, horizon, GateTimeline(gates.get(cid, []), rules.plans.gate))
            if fresh:
                conn.executemany("INSERT INTO touchpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            else:
                _replace_touchpoints(conn, cid, rows)
    if "summary" in parts:
        rows = summary_rows(conn, ids, kpis)
        conn.executemany("INSERT OR REPLACE INTO client_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _assessments(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[Assessment]]:
    """Per client, its assessments in date order."""
    found: dict[str, list[Assessment]] = defaultdict(list)
    for cid, day, note, author, *values in conn.execute(
        f"SELECT client_id, date, note, author, {', '.join(SUBSCORES)} FROM assessments WHERE client_id IN ({_marks(ids)}) ORDER BY client_id, date",
        ids,
    ):
        found[cid].append(_new_assessment(_fromiso(day), _new_scores(*values), note, author))
    return found


def gate_states(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[GateState]]:
    """Per client, its results from each day they change (core.handover.GateState), from its standing rows."""
    found: dict[str, list[GateState]] = defaultdict(list)
    for cid, day, band, measured, on_target in conn.execute(
        f"SELECT client_id, valid_from, band, kpis_measured, kpis_on_target FROM standing WHERE client_id IN ({_marks(ids)}) "
        "ORDER BY client_id, valid_from",
        ids,
    ):
        found[cid].append((_fromiso(day), band, measured, on_target))
    return found


def _exceptions(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[TouchpointException]]:
    """Per client, its stored touchpoint outcomes (done, skipped, moved)."""
    found: dict[str, list[TouchpointException]] = defaultdict(list)
    for cid, day, kind, status, reason, moved_to in conn.execute(
        f"SELECT client_id, date, kind, status, reason, moved_to FROM touchpoint_exceptions "
        f"WHERE client_id IN ({_marks(ids)}) ORDER BY client_id, date, kind",
        ids,
    ):
        found[cid].append(_new_exception(_fromiso(day), kind, status, reason, _fromiso(moved_to) if moved_to else None))
    return found


def _tier_changes(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[TierChange]]:
    """Per client, its earlier tiers (see core.schedule.tier_periods), oldest first; most clients have none."""
    found: dict[str, list[TierChange]] = defaultdict(list)
    for cid, day, previous in conn.execute(
        f"SELECT client_id, date, previous FROM tier_changes WHERE client_id IN ({_marks(ids)}) ORDER BY client_id, date", ids
    ):
        found[cid].append(TierChange.model_construct(date=_fromiso(day), previous=previous))
    return found


def _kpis(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[tuple]]:
    """Per client, its KPIs in order as (id, key, name, category, unit, direction, baseline, target)."""
    found: dict[str, list[tuple]] = defaultdict(list)
    for cid, *kpi in conn.execute(
        f"SELECT client_id, id, key, name, category, unit, direction, baseline, target FROM kpis "
        f"WHERE client_id IN ({_marks(ids)}) ORDER BY client_id, position",
        ids,
    ):
        found[cid].append(tuple(kpi))
    return found


_COVERS: dict[tuple, str] = {}


def _covers(kinds: Sequence[str]) -> str:
    """The covered kinds as a JSON list (the same few lists recur endlessly)."""
    key = tuple(kinds)
    text = _COVERS.get(key)
    if text is None:
        text = _COVERS[key] = json.dumps(list(kinds))
    return text


def touchpoint_rows(client: Client, rules: Rules, horizon: date, gates: GateTimeline | None = None) -> list[tuple]:
    """The client's touchpoints rows: every one ``core.schedule.schedule`` gives up to ``horizon``, when it was superseded,
    how many touchpoints fell up to it and were done (core.practice.running_counts), and its run and the next one of
    its kind (core.schedule.open_runs).

    ``gates``: the client's results for the gated step downs (by default worked out from the client's own
    assessments and KPIs under the rules' gate)."""
    if gates is None:
        gates = GateTimeline.of(client.assessments, client.kpis, rules.plans.gate, rules.scale)
    touchpoints = schedule_tuples(client, date.min, horizon, rules.plans, rules.calendar, scale=rules.scale, gates=gates)
    marks = [(day, kind, status) for day, kind, _covers, status, *_ in touchpoints]
    superseded = superseded_dates(marks)
    counts = {day: (total, done) for day, total, done in running_counts([(day, status) for day, _kind, status in marks])}
    cid = client.id
    return [
        (
            cid,
            day.isoformat(),
            kind,
            _covers(covers),
            status,
            moved_from.isoformat() if moved_from else None,
            reason,
            first.isoformat() if first else None,
            *counts[day],
            run,
            following.isoformat() if following else None,
        )
        for (day, kind, covers, status, moved_from, reason), first, (run, following) in zip(
            touchpoints, superseded, open_runs(marks, superseded, client.go_live)
        )
    ]


def _replace_touchpoints(conn: sqlite3.Connection, client_id: str, rows: list[tuple]) -> None:
    """Write a client's touchpoints, touching only the rows that changed (a write changes a few of hundreds).

    The stored rows are compared as one text each, put together in SQLite: fields apart by
    the unit separator, a NULL as the group separator (stored text holds no control character).
    """
    stored = conn.execute(
        "SELECT group_concat(date || char(31) || kind || char(31) || covers || char(31) || status || char(31) || "
        "ifnull(moved_from, char(29)) || char(31) || ifnull(reason, char(29)) || char(31) || "
        "ifnull(superseded_from, char(29)) || char(31) || seq || char(31) || done_seq || char(31) || run || char(31) || "
        "ifnull(next_same, char(29)), char(30)) FROM touchpoints WHERE client_id = ?",
        (client_id,),
    ).fetchone()[0]
    kept = set(stored.split("\x1e")) if stored else set()
    changed = [row for row in rows if "\x1f".join("\x1d" if value is None else str(value) for value in row[1:]) not in kept]
    gone = {text[:10] for text in kept} - {row[1] for row in rows}
    if gone:
        conn.executemany("DELETE FROM touchpoints WHERE client_id = ? AND date = ?", [(client_id, day) for day in gone])
    if changed:
        conn.executemany("INSERT OR REPLACE INTO touchpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", changed)


def _float(value) -> float | None:
    return None if value is None else float(value)


def health_rows(client_id: str, assessments: list[Assessment], weights, first: str | None = None, bands: Bands = DEFAULT_BANDS) -> list[tuple]:
    """The assessment_health rows of a client's assessments (in date order), from the one dated ``first`` on."""
    rows = []
    for index, assessment in enumerate(assessments):
        day = assessment.date.isoformat()
        if first is not None and day < first:
            continue
        overall, band, previous, delta, drivers = assessment_figures(assessment, assessments[index - 1] if index else None, weights, bands)
        drop = biggest_drop(tuple((d.subscore, d.before, d.after) for d in drivers)) or (None, None, None)
        rows.append((client_id, day, float(overall), band, _float(previous), _float(delta), json.dumps([d.model_dump() for d in drivers]), *drop))
    return rows


def kpi_standing_row(kpi_id: int, kpi: tuple, readings: list[tuple[str, float]], count: int, threshold: float) -> tuple:
    """A kpi_standing row from what decides it: the latest TREND_WINDOW readings and the best one (``count`` in all)."""
    _id, key, name, category, unit, direction, baseline, target = kpi
    model = Kpi.model_construct(
        key=key,
        name=name,
        category=category,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        readings=[_new_reading(_fromiso(d), v) for d, v in readings],
    )
    s = kpi_status(model, None, threshold, count=count)
    return (
        kpi_id,
        s.current,
        s.current_date.isoformat() if s.current_date else None,
        s.previous,
        s.change,
        s.change_unit,
        None if s.on_target is None else int(s.on_target),
        s.trend,
        int(s.backsliding),
        s.retained,
        s.peak,
        s.readings_count,
        s.forecast,
        s.forecast_date.isoformat() if s.forecast_date else None,
    )


def deciding_readings(direction: Direction, dates: list[str], values: list[float]) -> list[tuple[str, float]]:
    """Of a KPI's readings (dates and values, oldest first), the latest TREND_WINDOW and a best one: all ``kpi_status`` reads."""
    latest = list(zip(dates[-TREND_WINDOW:], values[-TREND_WINDOW:]))
    if len(values) <= TREND_WINDOW:
        return latest
    best = values.index(best_of(direction)(values))
    return latest if best >= len(values) - TREND_WINDOW else [(dates[best], values[best]), *latest]


def _derive_kpis(conn: sqlite3.Connection, ids: list[str], kpis: dict[str, list[tuple]], rules: Rules, kpi_ids: set[int] | None) -> None:
    """kpi_standing rows of the named KPIs (all of the clients' when None), from their deciding readings in SQLite."""
    rows = []
    for cid in ids:
        for kpi in kpis.get(cid, []):
            kpi_id, direction = kpi[0], kpi[5]
            if kpi_ids is not None and kpi_id not in kpi_ids:
                continue
            latest = conn.execute("SELECT date, value FROM readings WHERE kpi_id = ? ORDER BY date DESC LIMIT ?", (kpi_id, TREND_WINDOW)).fetchall()[
                ::-1
            ]
            count = conn.execute("SELECT COUNT(*) FROM readings WHERE kpi_id = ?", (kpi_id,)).fetchone()[0]
            readings = latest
            if count > len(latest):
                # The best one of each direction, taken from the index; best_of picks the one that counts.
                highest = conn.execute(
                    "SELECT date, value FROM readings INDEXED BY readings_best WHERE kpi_id = ? ORDER BY value DESC LIMIT 1", (kpi_id,)
                ).fetchone()
                lowest = conn.execute(
                    "SELECT date, value FROM readings INDEXED BY readings_best WHERE kpi_id = ? ORDER BY value LIMIT 1", (kpi_id,)
                ).fetchone()
                best = best_of(direction)(highest, lowest, key=lambda r: r[1])
                readings = sorted({*latest, tuple(best)})
            rows.append(kpi_standing_row(kpi_id, kpi, readings, count, rules.retained_threshold))
    conn.executemany("INSERT OR REPLACE INTO kpi_standing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _derive_kpis_fresh(conn: sqlite3.Connection, ids: list[str], kpis: dict[str, list[tuple]], rules: Rules) -> None:
    """kpi_standing and standing rows of clients that have none, from all their readings read at once."""
    dates, values = _all_readings(conn, ids)
    health = _health_of(conn, ids)
    threshold = rules.retained_threshold
    standing, kpi_rows = [], []
    for cid in ids:
        series = []
        for kpi in kpis.get(cid, []):
            kpi_dates, kpi_values = dates.get(kpi[0], []), values.get(kpi[0], [])
            deciding = deciding_readings(kpi[5], kpi_dates, kpi_values)
            kpi_rows.append(kpi_standing_row(kpi[0], kpi, deciding, len(kpi_values), threshold))
            series.append((kpi[5], kpi[6], kpi[7], None, None, kpi_dates, kpi_values))
        standing += standing_rows(cid, BEGINNING, None, health.get(cid, []), series, threshold)
    conn.executemany("INSERT INTO kpi_standing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kpi_rows)
    conn.executemany("INSERT INTO standing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", standing)


def _all_readings(conn: sqlite3.Connection, ids: list[str]) -> tuple[dict[int, list[str]], dict[int, list[float]]]:
    """Every reading of the clients' KPIs: per KPI its dates and its values, oldest first.

    Read as one list of dates per KPI and one column of values (a row per reading costs
    several times as much to build in Python: a portfolio has millions).
    """
    kpis = f"SELECT id FROM kpis WHERE client_id IN ({_marks(ids)})"
    dates = {
        kpi_id: text.split(",")
        for kpi_id, text in conn.execute(
            f"SELECT kpi_id, group_concat(date) FROM (SELECT kpi_id, date FROM readings WHERE kpi_id IN ({kpis}) "
            "ORDER BY kpi_id, date) GROUP BY kpi_id ORDER BY kpi_id",
            ids,
        )
    }
    column = conn.execute(f"SELECT value FROM readings WHERE kpi_id IN ({kpis}) ORDER BY kpi_id, date", ids).fetchall()
    values, at = {}, 0
    for kpi_id, days in dates.items():  # in kpi_id order, as the values
        if days != sorted(days):
            raise AssertionError(f"the readings of KPI {kpi_id} came out of date order")
        values[kpi_id] = [value for (value,) in column[at : at + len(days)]]
        at += len(days)
    if at != len(column):
        raise AssertionError("the readings' dates and values do not line up")
    return dates, values


def _health_of(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[tuple]]:
    """Per client, (date, overall, band, delta) of its assessments, in date order."""
    found: dict[str, list[tuple]] = defaultdict(list)
    for cid, *row in conn.execute(
        f"SELECT client_id, date, overall, band, delta FROM assessment_health WHERE client_id IN ({_marks(ids)}) ORDER BY client_id, date", ids
    ):
        found[cid].append(tuple(row))
    return found


def standing_rows(client_id: str, since: str, before: tuple | None, health: list[tuple], kpis: list[tuple], threshold: float) -> list[tuple]:
    """The client's standing rows from ``since`` on: one for each day its figures differ from the day before.

    ``before`` holds the figures in force before ``since`` (None: write a row at ``since``
    whatever it holds). ``health``: (date, overall, band, delta) of every assessment from
    the one in force at ``since`` on. ``kpis``: per KPI (direction, baseline, target, latest
    and best reading before ``since`` or None, then the dates and the values of its readings
    from ``since`` on, oldest first). A row's figures: (assessed, overall, band, delta, KPIs
    measured, KPIs on target, backsliding KPIs).
    """
    changes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    measured = on_target = backsliding = 0
    for direction, baseline, target, current, peak, dates, values in kpis:
        (on, back), moves = flag_changes(direction, baseline, target, values, threshold, current=current, peak=peak)
        measured, on_target, backsliding = measured + (current is not None), on_target + on, backsliding + back
        if current is None and values:
            changes[dates[0]][0] += 1
        for index, now_on, now_back in moves:
            change = changes[dates[index]]
            change[1] += now_on - on
            change[2] += now_back - back
            on, back = now_on, now_back
    assessed: tuple = (None, None, None, None)
    later: dict[str, tuple] = {}
    for day, overall, band, delta in health:
        if day < since:
            assessed = (day, overall, band, delta)
        else:
            later[day] = (day, overall, band, delta)
    rows, last = [], before
    for day in sorted({since, *changes, *later}):
        if day in changes:
            change = changes[day]
            measured, on_target, backsliding = measured + change[0], on_target + change[1], backsliding + change[2]
        if day in later:
            assessed = later[day]
        figures = (*assessed, measured, on_target, backsliding)
        if figures != last:
            rows.append((client_id, day, *figures))
            last = figures
    return rows


def _derive_standing(conn: sqlite3.Connection, client_id: str, kpis: list[tuple], rules: Rules, since: date | None) -> None:
    """Rewrite the client's standing rows from ``since`` (all of them when None), reading only what decides them."""
    first = since.isoformat() if since else BEGINNING
    before = None
    if first > BEGINNING:
        row = conn.execute(
            "SELECT assessed, overall, band, delta, kpis_measured, kpis_on_target, backsliding FROM standing "
            "WHERE client_id = ? AND valid_from < ? ORDER BY valid_from DESC LIMIT 1",
            (client_id, first),
        ).fetchone()
        if row is None:  # a client without rows yet: all of them
            first = BEGINNING
        else:
            before = tuple(row)
    conn.execute("DELETE FROM standing WHERE client_id = ? AND valid_from >= ?", (client_id, first))
    # What each KPI stood at before ``first``: its latest reading and the best of each direction.
    prior = (
        {
            kpi_id: (current, highest, lowest)
            for kpi_id, current, highest, lowest in conn.execute(
                "SELECT k.id, (SELECT value FROM readings WHERE kpi_id = k.id AND date < ?1 ORDER BY date DESC LIMIT 1), "
                "(SELECT MAX(value) FROM readings WHERE kpi_id = k.id AND date < ?1), "
                "(SELECT MIN(value) FROM readings WHERE kpi_id = k.id AND date < ?1) "
                "FROM kpis k WHERE k.client_id = ?2",
                (first, client_id),
            )
        }
        if first > BEGINNING
        else {}
    )
    dates: dict[int, list[str]] = defaultdict(list)
    values: dict[int, list[float]] = defaultdict(list)
    for kpi_id, day, value in conn.execute(
        "SELECT r.kpi_id, r.date, r.value FROM kpis k JOIN readings r ON r.kpi_id = k.id "
        "WHERE k.client_id = ? AND r.date >= ? ORDER BY r.kpi_id, r.date",
        (client_id, first),
    ):
        dates[kpi_id].append(day)
        values[kpi_id].append(value)
    series = []
    for kpi_id, _key, _name, _category, _unit, direction, baseline, target in kpis:
        current, highest, lowest = prior.get(kpi_id, (None, None, None))
        peak = None if current is None else best_of(direction)(highest, lowest)
        series.append((direction, baseline, target, current, peak, dates.get(kpi_id, []), values.get(kpi_id, [])))
    # The assessment in force at ``first`` and the later ones.
    health = conn.execute(
        "SELECT date, overall, band, delta FROM assessment_health WHERE client_id = ?1 AND date >= COALESCE("
        "(SELECT MAX(date) FROM assessment_health WHERE client_id = ?1 AND date < ?2), '') ORDER BY date",
        (client_id, first),
    ).fetchall()
    rows = standing_rows(client_id, first, before, health, series, rules.retained_threshold)
    conn.executemany("INSERT INTO standing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def summary_rows(conn: sqlite3.Connection, ids: list[str], kpis: dict[str, list[tuple]]) -> list[tuple]:
    """client_summary rows: what triage and the handover gate read that no day changes."""
    marks = _marks(ids)
    opportunities: dict[str, list[Opportunity]] = defaultdict(list)
    for cid, *values in conn.execute(
        "SELECT client_id, title, source, value, probability, stage, investment_low, investment_high, start_month, "
        f"end_month, next_action, next_action_date, closed_on FROM opportunities WHERE client_id IN ({marks}) "
        "ORDER BY client_id, id",
        ids,
    ):
        opportunities[cid].append(_new_opportunity(*values))
    actions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cid, status, priority in conn.execute(f"SELECT client_id, status, priority FROM action_items WHERE client_id IN ({marks})", ids):
        actions[cid].append((status, priority))
    checklists: dict[str, list[ChecklistItem]] = defaultdict(list)
    for cid, key, label, done in conn.execute(
        f"SELECT client_id, key, label, done FROM checklist_items WHERE client_id IN ({marks}) ORDER BY client_id, position", ids
    ):
        checklists[cid].append(ChecklistItem.model_construct(key=key, label=label, done=bool(done)))
    sustained = sustained_of(conn, ids)
    rows = []
    for cid in ids:
        open_items = [priority for status, priority in actions.get(cid, []) if status == "open"]
        # A client holding only its checklist, the one part checklist_of reads (the pydantic plugin asks for every field).
        items = checklist_of(Client.model_construct(checklist=checklists.get(cid, [])))  # type: ignore[call-arg]
        rows.append(
            (
                cid,
                len(kpis.get(cid, [])),
                pipeline_totals(opportunities.get(cid, [])).weighted,
                len(open_items),
                sum(1 for priority in open_items if priority == "high"),
                sum(1 for item in items if item.done),
                len(items),
                json.dumps([item.label for item in items if not item.done]),
                *(sustained.get((cid, months)) for months in SUSTAINED_MONTHS),
            )
        )
    return rows


def sustained_of(conn: sqlite3.Connection, ids: list[str]) -> dict[tuple[str, int], int]:
    """Per (client, months) of SUSTAINED_MONTHS, core.practice.sustained_verdict of its lagging KPIs on go-live + months
    (1 | 0; absent when none was read by then)."""
    marks = [
        (cid, months, add_months(_fromiso(go_live), months).isoformat())
        for cid, go_live in conn.execute(f"SELECT id, go_live FROM clients WHERE id IN ({_marks(ids)})", ids)
        for months in SUSTAINED_MONTHS
    ]
    found: dict[tuple[str, int], list[bool | None]] = defaultdict(list)
    for start in range(0, len(marks), 3000):  # within SQLite's limit on parameters
        chunk = marks[start : start + 3000]
        for cid, months, direction, value, target in conn.execute(
            f"WITH marks (client_id, months, day) AS (VALUES {','.join(['(?, ?, ?)'] * len(chunk))}) "
            "SELECT m.client_id, m.months, k.direction, (SELECT value FROM readings WHERE kpi_id = k.id AND date <= m.day "
            "ORDER BY date DESC LIMIT 1), k.target FROM marks m JOIN kpis k ON k.client_id = m.client_id AND k.category = 'lagging'",
            [value for mark in chunk for value in mark],
        ):
            found[(cid, months)].append(None if value is None else is_on_target(direction, value, target))
    return {key: int(verdict) for key, values in found.items() if (verdict := sustained_verdict(values)) is not None}
