"""The derived rows: after every write they read exactly what the core works out from the whole history.

A random small portfolio goes through random writes made with the Store's own methods;
after each one the store-level reads (agenda, triage, schedule, KPI standing) are compared,
on several planning days, with the core's functions run over each client loaded whole.
Then: the migration from schema 7 builds the rows from old data, a read-only store never
writes, and rows made under other rules or too near their horizon are made again.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from carebench.app.practice import practice_clients
from carebench.core.calendar import WorkCalendar, add_months
from carebench.core.handover import checklist_of, default_checklist
from carebench.core.health import health_report, latest_on_or_before, previous_of
from carebench.core.kpis import kpi_status, on_target_on
from carebench.core.models import (
    SUBSCORES,
    ActionItem,
    Assessment,
    Client,
    Kpi,
    Opportunity,
    Portfolio,
    Reading,
    Scores,
    TouchpointException,
    seniority,
)
from carebench.core.phases import day_number, support_phase
from carebench.core.pipeline import pipeline_totals
from carebench.core.practice import SUSTAINED_MONTHS, practice_metrics, schedules_for, sustained_verdict
from carebench.core.rules import DEFAULT_RULES, Rules
from carebench.core.schedule import (
    AgendaItem,
    agenda_order,
    client_agenda,
    client_band,
    overdue,
    schedule,
    touchpoint_outcome,
)
from carebench.core.triage import biggest_drop
from carebench.store import Store, StoreError, projections
from carebench.store.schema import SCHEMA_VERSION

TODAY = date(2027, 1, 4)  # the day the stores are opened on: touchpoints reach two years past it
FIXTURES = Path(__file__).parents[1] / "fixtures"
TEMPLATES = {
    "green": dict(
        achievement=9, trend=9, sustainability=9, adherence=8, engagement=8, leadership=8, communication=8, satisfaction=8, expansion_interest=8
    ),
    "yellow": {name: 7 for name in SUBSCORES},
    "red": {name: 4 for name in SUBSCORES},
}


# ----- what the core says, from each client loaded whole -------------------------------------


def plain_agenda(clients: list[Client], day: date) -> list[dict]:
    """The agenda as DOMAIN.md defines it: missed touchpoints grouped per client and kind, then what is due."""
    items = []
    for client in clients:
        if client.status == "closed":  # a handed-over client keeps its sustainment cadence
            continue
        touchpoints = schedule(client, min(client.go_live, day), day)
        common = dict(
            client=client.id,
            client_name=client.name,
            owner=client.owner,
            band=client_band(client, day),
            phase=support_phase(day_number(client.go_live, day)),
        )
        groups = defaultdict(list)
        for tp in overdue(touchpoints, day):
            if tp.date >= client.go_live:
                groups[tp.kind].append(tp)
        mine = [
            AgendaItem(kind=kind, date=missed[-1].date, status="overdue", missed=len(missed), covers=missed[-1].covers, **common)
            for kind, missed in groups.items()
        ]
        mine += [
            AgendaItem(kind=tp.kind, date=tp.date, status="due", covers=tp.covers, **common)
            for tp in touchpoints
            if tp.date == day and tp.status == "scheduled"
        ]
        assert [i.model_dump(mode="json") for i in mine] == [i.model_dump(mode="json") for i in client_agenda(client, day)]
        items += mine
    return [item.model_dump(mode="json") for item in sorted(items, key=agenda_order)]


def stored_agenda(store: Store, day: date) -> list[dict]:
    return [
        {
            "client": r.client,
            "client_name": r.client_name,
            "owner": r.owner,
            "kind": r.kind,
            "date": r.date,
            "status": r.status,
            "missed": r.missed,
            "covers": list(r.covers),
            "band": r.band,
            "phase": support_phase(day_number(date.fromisoformat(r.go_live), day)),
        }
        for r in store.agenda_rows(day)
    ]


def plain_triage(client: Client, day: date) -> dict:
    latest = latest_on_or_before(client.assessments, day)
    report = health_report(latest, previous_of(client.assessments, latest)) if latest else None
    upcoming = [tp for tp in schedule(client, day, day + timedelta(days=400)) if tp.status == "scheduled"]
    statuses = [kpi_status(k, day) for k in client.kpis]
    drop = biggest_drop(tuple((d.subscore, d.before, d.after) for d in report.drivers)) if report else None
    return {
        "client": client.id,
        "client_name": client.name,
        "owner": client.owner,
        "tier": client.tier,
        "status": client.status,
        "go_live": client.go_live.isoformat(),
        "overall": float(report.overall) if report else None,
        "band": report.band if report else None,
        "delta": None if report is None or report.delta is None else float(report.delta),
        "assessed": report.date.isoformat() if report else None,
        "next_date": upcoming[0].date.isoformat() if upcoming else None,
        "next_kind": upcoming[0].kind if upcoming else None,
        "backsliding": sum(s.backsliding for s in statuses),
        "kpis_on_target": sum(bool(s.on_target) for s in statuses),
        "kpis": len(statuses),
        "weighted_pipeline": pipeline_totals(client.opportunities).weighted,
        "drop": list(drop) if drop else None,
    }


def first_superseding(touchpoints, index: int) -> str | None:
    """Straight from the rule: the first later day a touchpoint of the same or a more senior kind was done."""
    tp = touchpoints[index]
    later = [t.date for t in touchpoints if t.date > tp.date and t.status == "done" and seniority(t.kind) <= seniority(tp.kind)]
    return min(later).isoformat() if later else None


def sustained_column(client: Client, months: int) -> int | None:
    verdict = sustained_verdict(on_target_on(k, add_months(client.go_live, months)) for k in client.kpis if k.category == "lagging")
    return None if verdict is None else int(verdict)


def check(store: Store, days: list[date]) -> None:
    """Every store-level read against the core, on each of ``days``."""
    clients = store.clients()
    # The practice figures from the stored facts, as from the whole histories.
    start, end = min(days), max(days)
    periods = [(start, end), *((start, day) for day in days), *((day, end) for day in days)]
    facts = practice_clients(store, end, days, periods)
    schedules = schedules_for(clients, start, end, end)
    for a, b in periods:  # the touchpoints are counted on the days the figures of each period ask about
        assert practice_metrics(facts, a, b, end) == practice_metrics(clients, a, b, end, schedules=schedules), (a, b)
    for day in days:
        assert stored_agenda(store, day) == plain_agenda(clients, day), day
        # Triage counts the agenda's overdue rows without reading the rest of them.
        counts = sorted((r.client, r.kind, r.missed) for r in store.agenda_rows(day) if r.status == "overdue")
        assert sorted(store.overdue_counts(day)) == counts, day
        assert [json.loads(json.dumps(row._asdict())) for row in store.triage_rows(day)] == [plain_triage(c, day) for c in clients], day
        for client in clients:
            statuses = [kpi_status(k, day).model_dump(mode="json") for k in client.kpis]
            assert [json.loads(json.dumps(r._asdict())) for r in store.kpi_standings(client.id, day)] == statuses
    for client in clients:
        open_items = [a for a in client.action_items if a.status == "open"]
        checklist = checklist_of(client)
        assert store.conn.execute("SELECT * FROM client_summary WHERE client_id = ?", (client.id,)).fetchone() == (
            client.id,
            len(client.kpis),
            pipeline_totals(client.opportunities).weighted,
            len(open_items),
            sum(a.priority == "high" for a in open_items),
            sum(i.done for i in checklist),
            len(checklist),
            json.dumps([i.label for i in checklist if not i.done]),
            *(sustained_column(client, months) for months in SUSTAINED_MONTHS),
        )
        start, end = client.go_live - timedelta(days=60), client.go_live + timedelta(days=420)
        whole = schedule(client, date.min, store.horizon())
        stored = store.touchpoints_between(client.id, start, end)
        assert [(r.date, r.kind, r.covers, r.status, r.moved_from, r.reason) for r in stored] == [
            (tp.date.isoformat(), tp.kind, tp.covers, tp.status, tp.moved_from and tp.moved_from.isoformat(), tp.reason)
            for tp in whole
            if start <= tp.date <= end
        ]
        superseded = {tp.date.isoformat(): first_superseding(whole, i) for i, tp in enumerate(whole)}
        assert all(r.superseded_from == superseded[r.date] for r in stored)


# ----- random portfolios and writes ------------------------------------------------------------

go_lives = st.dates(min_value=date(2025, 3, 1), max_value=date(2026, 9, 30))
bands = st.sampled_from(["green", "green", "yellow", "red"])
values = st.integers(0, 200).map(lambda v: v / 2)


@st.composite
def clients(draw, number: int) -> Client:
    go_live = draw(go_lives)
    assessments = {}
    for offset, band in draw(st.lists(st.tuples(st.integers(-20, 300), bands), max_size=4)):
        nudged = {**TEMPLATES[band], "trend": max(1, TEMPLATES[band]["trend"] + draw(st.integers(-1, 1)))}
        assessments[go_live + timedelta(days=offset)] = Assessment(date=go_live + timedelta(days=offset), scores=Scores(**nudged))
    kpis = []
    for k, (direction, readings) in enumerate(
        draw(st.lists(st.tuples(st.sampled_from(["higher", "lower"]), st.lists(st.tuples(st.integers(-30, 300), values), max_size=6)), max_size=2))
    ):
        dated = {go_live + timedelta(days=d): v for d, v in readings}
        kpis.append(
            Kpi(
                key=f"k{k}",
                name=f"KPI {k}",
                category=draw(st.sampled_from(["leading", "lagging"])),
                unit=draw(st.sampled_from(["%", "days"])),
                direction=direction,
                baseline=50.0,
                target=70.0 if direction == "higher" else 30.0,
                readings=[Reading(date=d, value=v) for d, v in sorted(dated.items())],
            )
        )
    return Client(
        id=f"c{number}",
        name=draw(st.sampled_from(["Acme", "acme", "Émile", "Zeta"])) + f" {number}",
        tier=draw(st.sampled_from(["platinum", "gold", "silver"])),
        go_live=go_live,
        owner=draw(st.sampled_from(["ana", "bob"])),
        status=draw(st.sampled_from(["active", "active", "active", "handed_over"])),
        assessments=sorted(assessments.values(), key=lambda a: a.date),
        kpis=kpis,
    )


writes = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "reading",
                "readings",
                "kpi",
                "assessment",
                "outcome",
                "outcome",
                "move",
                "opportunity",
                "action",
                "done-action",
                "checklist",
                "replace",
                "checkin",
                "handover",
            ]
        ),
        st.integers(0, 10_000),
        st.integers(-30, 330),
        values,
        bands,
    ),
    min_size=1,
    max_size=5,
)


def apply(store: Store, write: tuple, data) -> None:
    """One write through the Store's own methods, on a client and day the numbers pick."""
    what, pick, offset, value, band = write
    ids = store.client_ids()
    client = store.client(ids[pick % len(ids)])
    day = client.go_live + timedelta(days=offset)
    if what == "reading" and client.kpis:
        store.add_reading(client.id, client.kpis[pick % len(client.kpis)].key, day, value)
    elif what == "readings" and client.kpis:
        store.import_readings([(client.id, kpi.key, day + timedelta(days=7 * n), value + n) for n, kpi in enumerate(client.kpis * 2)])
    elif what == "kpi":
        store.add_kpi(client.id, Kpi(key=f"new{len(client.kpis)}", name="New", category="lagging", direction="lower", baseline=10.0, target=5.0))
    elif what == "checklist":
        defaults = default_checklist()
        store.check_item(client.id, defaults[pick % len(defaults)].key, bool(pick % 2), day, defaults)
    elif what == "assessment":
        store.add_assessment(client.id, Assessment(date=day, scores=Scores(**TEMPLATES[band])))
    elif what in ("outcome", "move", "checkin"):
        touchpoints = [tp for tp in schedule(client, client.go_live, client.go_live + timedelta(days=400)) if tp.status == "scheduled"]
        if not touchpoints:
            return
        tp = touchpoints[pick % len(touchpoints)]
        if what == "checkin":
            from carebench.core.models import CheckIn

            readings = {client.kpis[0].key: value} if client.kpis else {}
            store.finish_checkin(
                client.id,
                CheckIn(date=tp.date, kind=tp.kind),
                readings,
                Assessment(date=tp.date, scores=Scores(**TEMPLATES[band])) if pick % 2 else None,
                [ActionItem(text="call back", due=tp.date, priority="high")],
            )
            return
        if what == "move":
            outcome = touchpoint_outcome(client, tp.date, "moved", to=tp.date + timedelta(days=(pick % 40) - 20 or 1))
        else:
            outcome = touchpoint_outcome(client, tp.date, "done" if pick % 3 else "skipped", reason="away")
        store.record_exception(client.id, outcome)
    elif what == "opportunity":
        if client.opportunities and pick % 2:
            row = store.opportunities(client.id)[0]
            store.update_opportunity(row["id"], store.opportunity_of(row).model_copy(update={"probability": pick % 101}))
        else:
            store.add_opportunity(client.id, Opportunity(title="Deal", value=1000.0 + pick, probability=pick % 101))
    elif what == "action":
        store.add_action_item(client.id, ActionItem(text="do it", due=day, priority="high" if pick % 2 else "low"))
    elif what == "done-action":
        open_items = store.open_action_items()
        if open_items:
            store.complete_action_item(open_items[pick % len(open_items)]["id"], day)
    elif what == "replace":
        store.import_portfolio(Portfolio(clients=[data.draw(clients(int(client.id[1:])))]))
    elif what == "handover" and client.status == "active" and day >= client.go_live:
        from carebench.core.models import Handover

        store.hand_over(client.id, Handover(date=day, override=None if pick % 2 else "the client asked"))


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("projections") / "empty.db"
    Store(path, today=TODAY).close()
    return path


def fresh_store(empty_db: Path, folder: Path) -> Store:
    path = folder / f"p{len(list(folder.iterdir()))}.db"
    shutil.copyfile(empty_db, path)
    path.chmod(0o600)
    return Store(path, actor="ana", today=TODAY)


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), count=st.integers(1, 3), writes=writes, offsets=st.lists(st.integers(-40, 380), min_size=3, max_size=3))
def test_property_derived_rows_read_what_the_core_works_out(empty_db, tmp_path, data, count, writes, offsets):
    with fresh_store(empty_db, tmp_path) as store:
        store.import_portfolio(Portfolio(clients=[data.draw(clients(n)) for n in range(count)]))
        first = min(c.go_live for c in store.clients())
        days = [first + timedelta(days=offset) for offset in offsets]
        store.fit(max(days))
        check(store, days)
        for write in writes:
            apply(store, write, data)
            check(store, days)
        for day in days:
            for row in store.agenda_rows(day):
                event(f"agenda: {row.status} {row.kind}" + (" (several missed)" if row.missed > 1 else ""))
        for client in store.clients():
            event("a touchpoint moved" if any(e.status == "moved" for e in client.exceptions) else "no move")


def test_the_generated_writes_reach_escalation_superseding_and_moves(empty_db, tmp_path):
    """A hand-made case of each: a red then a green assessment, a later done review, a move across an assessment."""
    go_live = date(2026, 1, 5)
    with fresh_store(empty_db, tmp_path) as store:
        store.import_portfolio(Portfolio(clients=[Client(id="acme", name="Acme", tier="silver", go_live=go_live, owner="ana")]))
        store.add_assessment("acme", Assessment(date=date(2026, 3, 2), scores=Scores(**TEMPLATES["red"])))
        week = store.touchpoints_between("acme", date(2026, 3, 3), date(2026, 3, 9))
        # Recovery every working day after the red one; on a monthly or weekly day that one stands and covers it
        # (on day 60, 03-05, the monthly covers the retrospective that ends the second phase too).
        assert [(r.kind, r.covers) for r in week] == [
            ("recovery", []),
            ("recovery", []),
            ("monthly", ["retrospective", "recovery"]),
            ("recovery", []),
            ("weekly", ["recovery"]),
        ]
        missed = {r.kind: r.missed for r in store.agenda_rows(date(2026, 3, 10)) if r.status == "overdue"}
        assert missed == {"recovery": 3, "monthly": 2, "retrospective": 1, "weekly": 9}  # the retrospective of day 30
        store.add_assessment("acme", Assessment(date=date(2026, 3, 6), scores=Scores(**TEMPLATES["green"])))
        week = store.touchpoints_between("acme", date(2026, 3, 3), date(2026, 3, 9))
        assert [(r.kind, r.covers) for r in week] == [("recovery", []), ("recovery", []), ("monthly", ["retrospective", "recovery"]), ("weekly", [])]
        weekly = next(r for r in store.touchpoints_between("acme", date(2026, 3, 9), date(2026, 3, 31)) if r.kind == "weekly")
        store.record_exception("acme", TouchpointException(date=date.fromisoformat(weekly.date), kind="weekly", status="done"))
        after = {r.kind: r.missed for r in store.agenda_rows(date(2026, 4, 1)) if r.status == "overdue"}
        assert "recovery" not in after and "weekly" in after  # the done review superseded the recovery calls before it
        # Moved past day 90, onto a Tuesday: no KPI reading yet, so the weekly series is held on Mondays.
        store.record_exception("acme", touchpoint_outcome(store.client("acme"), date(2026, 3, 3), "moved", to=date(2026, 4, 21)))
        assert store.touchpoints_between("acme", date(2026, 4, 21), date(2026, 4, 21))[0].moved_from == "2026-03-03"
        assert store.touchpoints_between("acme", date(2026, 4, 20), date(2026, 4, 20))[0].kind == "weekly"
        check(store, [date(2026, 3, 4), date(2026, 4, 1), date(2026, 4, 22)])


# ----- the migration, read-only stores, rules and horizon -------------------------------------


def test_the_migration_from_schema_7_builds_the_rows_from_old_data(tmp_path):
    """A schema-7 database (made from the schema-6 fixture, the derived tables absent) gets every row on opening."""
    path = tmp_path / "v7.db"
    shutil.copyfile(FIXTURES / "schema_v6.db", path)
    path.chmod(0o600)
    conn = sqlite3.connect(path)
    from carebench.store.schema import MIGRATION_7

    conn.executescript(MIGRATION_7 + ";\nINSERT INTO schema_version VALUES (7, '2026-01-01', 'test');")
    conn.close()
    with Store(path, today=TODAY) as store:
        assert store.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        assert not tables & {"view_cache", "portfolio_view_cache", "client_state", "clients_added", "readings_insert"}
        assert {"audit_no_update", "audit_no_delete"} <= tables
        ids = store.client_ids()
        assert ids and store.conn.execute("SELECT COUNT(DISTINCT client_id) FROM standing").fetchone()[0] == len(ids)
        assert projections.stored_state(store.conn)[0] == projections.rules_version(DEFAULT_RULES)
        first = min(c.go_live for c in store.clients())
        check(store, [first + timedelta(days=n) for n in (0, 45, 200)])
    assert (tmp_path / "v7.db.schema7.bak").exists()


@contextmanager
def traced_statements():
    """Every SQL statement of the connections opened meanwhile, in a list."""
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    sqlite3.connect = traced
    try:
        yield statements
    finally:
        sqlite3.connect = real_connect


def writes_among(statements: list[str]) -> list[str]:
    return [s for s in statements if s.split()[0].upper() in ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP")]


def _fingerprint(path: Path) -> tuple:
    """The database's bytes and its write-ahead log's (a reader may leave an empty one behind)."""
    wal = Path(f"{path}-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def test_a_read_only_store_never_opens_a_write_transaction(demo_db):
    with Store(demo_db, today=TODAY):
        pass  # the rows are current
    before = _fingerprint(demo_db)
    with traced_statements() as statements, Store(demo_db, readonly=True, today=TODAY) as store:
        day = TODAY
        store.agenda_rows(day), store.triage_rows(day), store.kpi_standings(store.client_ids()[0], day - timedelta(days=90))
        store.touchpoints_between(store.client_ids()[0], day, day + timedelta(days=60))
    assert statements and writes_among(statements) == []
    assert _fingerprint(demo_db) == before


def test_rows_of_other_rules_are_made_again_before_they_are_read(demo_db):
    weekends = Rules(calendar=WorkCalendar(weekdays=frozenset(range(7))))
    assert projections.rules_version(weekends) != projections.rules_version(DEFAULT_RULES)
    saturday = date(2026, 6, 20)
    with Store(demo_db, today=TODAY) as store:
        usual = store.agenda_rows(saturday)
    assert not [r for r in usual if r.status == "due"]
    # A read-only store under other rules brings the rows up to date through a write connection first.
    with Store(demo_db, readonly=True, rules=weekends, today=TODAY) as store:
        assert projections.stored_state(store.conn)[0] == projections.rules_version(weekends)
        shown = stored_agenda(store, saturday)
        clients = store.clients()
    expected = []
    for client in clients:
        if client.status == "active":
            expected += client_agenda(client, saturday, weekends.plans, weekends.calendar)
    assert shown == [i.model_dump(mode="json") for i in sorted(expected, key=agenda_order)] and shown
    with Store(demo_db, today=TODAY) as store:  # and back under the usual rules
        assert store.agenda_rows(saturday) == usual


def test_a_read_only_store_that_cannot_write_says_so(demo_db):
    weekends = Rules(calendar=WorkCalendar(weekdays=frozenset(range(7))))
    os.chmod(demo_db, 0o400)
    try:
        if os.access(demo_db, os.W_OK):
            pytest.skip("this user may write any file")
        with pytest.raises(StoreError, match="derived rows .* out of date"):
            Store(demo_db, readonly=True, rules=weekends, today=TODAY)
    finally:
        os.chmod(demo_db, 0o600)


def test_the_horizon_moves_on_as_days_pass(demo_db):
    with Store(demo_db, today=TODAY) as store:
        horizon = store.horizon()
        assert horizon >= TODAY + timedelta(days=projections.NEXT_TOUCHPOINT_DAYS)
        with pytest.raises(StoreError, match="past"):
            store.agenda_rows(horizon + timedelta(days=1))
        with pytest.raises(StoreError, match="past"):
            store.triage_rows(horizon - timedelta(days=projections.NEXT_TOUCHPOINT_DAYS - 1))
        last = store.conn.execute("SELECT MAX(date) FROM touchpoints").fetchone()[0]
    later = horizon - timedelta(days=projections.NEXT_TOUCHPOINT_DAYS - 10)  # within 400 days of the horizon
    with Store(demo_db, today=later) as store:
        assert store.horizon() == later + timedelta(days=projections.HORIZON_DAYS)
        assert store.conn.execute("SELECT MAX(date) FROM touchpoints").fetchone()[0] > last
        day = later + timedelta(days=30)
        check(store, [day, later])
    with Store(demo_db, today=TODAY) as store:  # an earlier day never takes the horizon back
        assert store.horizon() == later + timedelta(days=projections.HORIZON_DAYS)


def test_ensure_current_says_what_it_did(demo_db):
    with Store(demo_db, today=TODAY) as store:
        conn = store.conn
        assert projections.ensure_current(conn, DEFAULT_RULES, TODAY) is None
        conn.execute("UPDATE derivation SET value = 'old' WHERE key = 'rules_version'")
        assert projections.ensure_current(conn, DEFAULT_RULES, TODAY) == "rebuild"
        near = store.horizon() - timedelta(days=projections.NEXT_TOUCHPOINT_DAYS - 1)
        assert projections.ensure_current(conn, DEFAULT_RULES, near) == "extend"
        assert store.horizon() == near + timedelta(days=projections.HORIZON_DAYS)
        seen = []
        projections.rebuild(conn, DEFAULT_RULES, lambda done, total: seen.append((done, total)))
        assert seen and seen[-1][0] == seen[-1][1] == len(store.client_ids())


def test_no_query_of_the_application_layer_writes(demo_db):
    """Every read model a screen, command or report shows is read without a write statement, and leaves the file as it was."""
    from datetime import datetime

    from carebench.app import practice, queries
    from carebench.app.scriptbook import scripts_in_force
    from carebench.app.session import Session

    day = date(2026, 6, 15)
    with Store(demo_db, today=day) as store:  # the rows are current for the day
        client = store.client_ids()[0]
    before = _fingerprint(demo_db)
    session = Session(demo_db, day)
    reads = {
        "agenda": lambda: queries.agenda(session),
        "schedule": lambda: queries.schedule(session, client),
        "health_list": lambda: queries.health_list(session),
        "health_detail": lambda: queries.health_detail(session, client),
        "kpis": lambda: queries.kpis(session, client),
        "kpi_dashboard": lambda: queries.kpi_dashboard(session, client),
        "client_card": lambda: queries.client_card(session, client),
        "pipeline": lambda: queries.pipeline(session),
        "triage": lambda: queries.triage(session),
        "data_version": lambda: queries.data_version(session),
        "committed_version": lambda: queries.committed_version(session),
        "client_names": lambda: queries.client_names(session),
        "checkins": lambda: queries.checkins(session, client),
        "drafts": lambda: queries.drafts(session),
        "audit_log": lambda: queries.audit_log(session),
        "tickets": lambda: queries.tickets(session, datetime(2026, 6, 15, 12)),
        "checklist": lambda: queries.checklist(session, client),
        "search": lambda: queries.search(session, "review"),
        "check": lambda: queries.check(session),
        "readings_csv": lambda: queries.readings_csv(session),
        "calendar": lambda: queries.calendar(session, None, day, day + timedelta(days=30), scripts_in_force()[0]),
        "practice": lambda: practice.practice(session, None),
    }
    for name, read in reads.items():
        with traced_statements() as statements:
            read()
        assert statements and writes_among(statements) == [], name
    assert _fingerprint(demo_db) == before
