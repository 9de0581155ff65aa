"""The only place that speaks SQL: loads portfolio models and records every write with its author."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..core.calibration import FACTORS as COMPLEXITY
from ..core.rules import DEFAULT_RULES, Rules, RulesProblem, read_settings
from ..core.terms import SUBSCORES, Band, agenda_key
from .construct import constructor
from .db import StoreError, audit, connect, current_login, now_stamp, transaction
from .derivation import (
    DERIVED_TABLES,
    NEXT_TOUCHPOINT_DAYS,
    PARTS,
    AgendaRow,
    ClientRow,
    KpiStandingRow,
    OpportunityRow,
    TouchpointRow,
    TriageRow,
    needed,
    stored_state,
)
from .integrity import first_broken

if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager

    from ..core import kpis, models, pipeline
    from ..core.handover import GateState
    from . import projections
else:
    from .later import Later

    models, kpis, pipeline = Later("carebench.core.models"), Later("carebench.core.kpis"), Later("carebench.core.pipeline")
    projections = Later("carebench.store.projections")

# What scheduling needs: the assessments (escalation), the outcomes and tiers, and the KPIs with readings (gated step downs).
SCHEDULE_PARTS = frozenset({"assessments", "exceptions", "tier_changes", "kpis", "readings"})


def _client_filter(ids: list[str] | None, active_only: bool, owner: str | None) -> tuple[str, list]:
    """The WHERE clause (over ``clients c``) and its parameters for choosing clients."""
    where, params = ["1 = 1"], []
    if ids is not None:
        where.append(f"c.id IN ({','.join('?' * len(ids))})")
        params += ids
    if active_only:
        where.append("c.status = 'active'")
    if owner:
        where.append("c.owner = ?")
        params.append(owner)
    return " AND ".join(where), params


_COVERS: dict[str, list[str]] = {}


def _covers(text: str) -> list[str]:
    """A touchpoint's covered kinds from their JSON (a new list each time; the same few recur, so they are decoded once)."""
    kinds = _COVERS.get(text)
    if kinds is None:
        kinds = _COVERS[text] = json.loads(text)
    return list(kinds)


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _next_ref(taken: set[str]) -> str:
    """The first free ticket reference T-n above those taken."""
    numbers = [int(ref[2:]) for ref in taken if ref.startswith("T-") and ref[2:].isdigit()]
    return f"T-{max(numbers, default=0) + 1}"


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _scores_of(row: dict) -> dict[str, Any]:
    """An assessment row's sub-scores, refused by name when another tool stored one outside 1-10 or not whole."""
    for name in SUBSCORES:
        score = row[name]
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 10:
            raise StoreError(
                f"the database holds an assessment of {row['client_id']} on {row['date']} with {name} {score!r}, "
                "not a whole number from 1 to 10; `carebench doctor` lists such rows"
            )
    return {name: row[name] for name in SUBSCORES}


# The child rows of each part of a client, by part: their table and their order within a client.
_CHILD_TABLES: dict[str, tuple[str, str]] = {
    "contacts": ("contacts", "position"),
    "kpis": ("kpis", "position"),
    "assessments": ("assessments", "date"),
    "savings": ("savings", "month"),
    "opportunities": ("opportunities", "id"),
    "action_items": ("action_items", "id"),
    "exceptions": ("touchpoint_exceptions", "date, kind"),
    "checkins": ("checkins", "date, id"),
    "tier_changes": ("tier_changes", "date"),
    "outcomes": ("outcomes", "date, id"),
    "testimonials": ("testimonials", "requested, id"),
    "referrals": ("referrals", "date, id"),
    "tickets": ("tickets", "opened, id"),
    "pulses": ("pulses", "date, id"),
    "escalations": ("escalations", "date, id"),
    "recovery": ("recovery_steps", "id"),
    "rollout": ("rollout_waves", "id"),
    "learnings": ("learnings", "date, id"),
    "checklist": ("checklist_items", "position"),
}
# Every part a client can be read with: its child rows, and a KPI's readings.
ALL_PARTS = frozenset(_CHILD_TABLES) | {"readings"}


def _child_builders(readings: dict[int, list[models.Reading]]) -> dict[str, Callable[[dict], Any]]:
    """The core model of a row of each part in ``_CHILD_TABLES`` (a KPI takes its readings from ``readings``)."""
    contact = constructor(models.Contact, ("name", "role", "email", "kind"))  # the part read most: every client has a few
    return {
        "contacts": lambda r: contact(r["name"], r["role"], r["email"], r["kind"]),
        "kpis": lambda r: models.Kpi.model_construct(
            key=r["key"],
            name=r["name"],
            category=r["category"],
            unit=r["unit"],
            direction=r["direction"],
            baseline=r["baseline"],
            target=r["target"],
            benchmark=r["benchmark"],
            team=bool(r["team"]),
            readings=readings.get(r["id"], []),
        ),
        "assessments": lambda r: models.Assessment.model_construct(
            date=date.fromisoformat(r["date"]), scores=models.Scores.model_construct(**_scores_of(r)), note=r["note"], author=r["author"]
        ),
        "savings": lambda r: models.Savings.model_construct(month=r["month"], amount=r["amount"]),
        "opportunities": Store.opportunity_of,
        "action_items": Store._action_item,
        "exceptions": lambda r: models.TouchpointException.model_construct(
            date=date.fromisoformat(r["date"]), kind=r["kind"], status=r["status"], reason=r["reason"], moved_to=_d(r["moved_to"])
        ),
        "checkins": lambda r: models.CheckIn.model_construct(
            date=date.fromisoformat(r["date"]),
            kind=r["kind"],
            author=r["author"],
            planned_minutes=r["planned_minutes"],
            actual_minutes=r["actual_minutes"],
            attendees=json.loads(r["attendees"]),
            sections=[models.Section.model_construct(**s) for s in json.loads(r["sections"])],
            next_steps=r["next_steps"],
            confidence=r["confidence"],
        ),
        "tier_changes": lambda r: models.TierChange.model_construct(date=date.fromisoformat(r["date"]), previous=r["previous"]),
        "outcomes": lambda r: models.Outcome.model_construct(date=date.fromisoformat(r["date"]), kind=r["kind"], note=r["note"]),
        "testimonials": lambda r: models.Testimonial.model_construct(
            requested=date.fromisoformat(r["requested"]), answer=r["answer"], answered=_d(r["answered"])
        ),
        "referrals": lambda r: models.Referral.model_construct(
            date=date.fromisoformat(r["date"]), prospect=r["prospect"], became_engagement=bool(r["became_engagement"]), note=r["note"]
        ),
        "tickets": Store.ticket_of,
        "pulses": lambda r: models.Pulse.model_construct(
            date=date.fromisoformat(r["date"]),
            respondent=r["respondent"],
            recommend=r["recommend"],
            satisfaction=r["satisfaction"],
            comment=r["comment"],
            contact=r["contact"],
        ),
        "escalations": lambda r: models.Escalation.model_construct(
            date=date.fromisoformat(r["date"]), to=r["escalated_to"], reason=r["reason"], by=r["escalated_by"]
        ),
        "recovery": Store._recovery_step,
        "rollout": Store._rollout_wave,
        "learnings": lambda r: models.Learning.model_construct(
            date=date.fromisoformat(r["date"]), kind=r["kind"], what=r["what"], why=r["why"], who=r["who"], source=r["source"]
        ),
        "checklist": lambda r: models.ChecklistItem.model_construct(
            key=r["key"], label=r["label"], done=bool(r["done"]), done_on=_d(r["done_on"]), note=r["note"]
        ),
    }


def _handover_columns(handover: models.Handover | None) -> dict[str, str | None]:
    """A client's handover as its columns (all NULL when it was not handed over through carebench)."""
    if handover is None:
        return {"handover_date": None, "handover_by": None, "handover_override": None}
    return {"handover_date": handover.date.isoformat(), "handover_by": handover.by, "handover_override": handover.override}


def _handover_of(row: Mapping[str, Any]) -> models.Handover | None:
    """The handover of a clients row, if it has one."""
    if row["handover_date"] is None:
        return None
    return models.Handover.model_construct(date=date.fromisoformat(row["handover_date"]), by=row["handover_by"], override=row["handover_override"])


def _iso(value: date | datetime | None) -> str | None:
    """Dates as YYYY-MM-DD, times as YYYY-MM-DDTHH:MM (tickets are timed to the minute)."""
    if value is None:
        return None
    return value.isoformat(timespec="minutes") if isinstance(value, datetime) else value.isoformat()


# The characters FTS5's snippet() puts around each word found: control characters, which stored text never holds.
MARK_START, MARK_END = 2, 3
SNIPPET_WORDS = 24
"""How many words a search hit's snippet shows at most."""
CHECKIN_HITS = "SELECT c.*, k.name AS client_name FROM checkins c JOIN clients k ON k.id = c.client_id"
LEARNING_HITS = "SELECT l.*, k.name AS client_name FROM learnings l JOIN clients k ON k.id = l.client_id"


def _unmark(marked: str | None) -> tuple[str, list[list[int]]]:
    """A snippet without its marks, and the [start, end) offsets of the words they marked."""
    text, highlights, start = [], [], None
    length = 0
    for char in marked or "":
        if char == chr(MARK_START):
            start = length
        elif char == chr(MARK_END):
            if start is not None and length > start:
                highlights.append([start, length])
            start = None
        else:
            text.append(char)
            length += 1
    return "".join(text), highlights


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    """``ids`` in lists small enough for one statement's parameters."""
    for at in range(0, len(ids), size):
        yield ids[at : at + size]


@cache
def _checked(document: str, where: str) -> Rules:
    try:
        read_settings(document, "the stored rules")
    except RulesProblem as exc:
        raise StoreError(_damaged(where, exc)) from None
    return Rules(document=document)


def _stored_rules(document: str, where: str) -> Rules:
    """The rules of a stored document (made once per document); a document that does not hold is refused by name."""
    return _checked(document, where)


def _damaged(where: str, exc: Exception) -> str:
    return f"the team rules stored in {where} do not hold ({exc}); `carebench rules reset` goes back to the bundled ones"


class Store:
    """A carebench database opened by one user (``actor``), who is recorded on every write.

    Its derived rows (see projections.py) are those of ``rules``, by default the rules stored
    in the database (the team's, see ``set_rules``; the bundled ones until a team stores its
    own): opened for writing, a
    database whose rows were made under other rules or by other derivation code is rebuilt
    first, and its touchpoints are generated further ahead when ``today`` (default: the
    day's date) nears their horizon; ``on_progress(done, clients)`` follows a rebuild. A
    read-only store never writes: when its rows are not current, they are brought up to
    date through a short-lived write connection before it opens, as an older schema is.
    ``bring_current`` False leaves them as they are (for a write that remakes them all).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        actor: str | None = None,
        create: bool = True,
        readonly: bool = False,
        on_wait: Callable[[float], None] | None = None,
        rules: Rules | None = None,
        today: date | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        patience: float | None = None,
        bring_current: bool = True,
    ) -> None:
        self.path = Path(path)
        self.patience = patience  # seconds a write waits for another user's lock (None: the usual minute)
        self.readonly = readonly
        self.actor = actor or current_login()
        self.on_wait = on_wait
        self.given_rules = rules
        self.today = today
        self.on_progress = on_progress
        self.conn = connect(self.path, create=create and not readonly, readonly=readonly)
        if patience is not None:
            self.conn.execute(f"PRAGMA busy_timeout = {int(patience * 1000)}")
        try:
            self.rules = self._rules_in(self.conn)
            if bring_current:
                self._bring_current(on_progress)
        except BaseException:
            self.conn.close()
            raise

    def _day(self) -> date:
        return self.today or date.today()

    def _rules_in(self, conn) -> Rules:
        """The rules this store works under: those it was given, else those the database stores (checked)."""
        if self.given_rules is not None:
            return self.given_rules
        row = conn.execute("SELECT document FROM rules ORDER BY version DESC LIMIT 1").fetchone()
        if row is None or row[0] is None:
            return DEFAULT_RULES
        return _stored_rules(row[0], str(self.path))

    def _bring_current(self, on_progress: Callable[[int, int], None] | None) -> None:
        """Rebuild or extend the derived rows if they do not fit these rules and this day (see projections.ensure_current)."""
        if needed(self.conn, self.rules, self._day()) is None:
            return
        if not self.readonly:
            with self._write():  # the rules read again under the write lock: someone may have changed them meanwhile
                self.rules = self._rules_in(self.conn)
                self._ensure_current(self.conn, on_progress)
            return
        self.conn.close()
        try:
            writer = connect(self.path, create=False)
        except StoreError as exc:
            raise StoreError(
                f"the derived rows in {self.path} are out of date (made under other rules or by another "
                f"carebench) and cannot be brought up to date: {exc}"
            ) from None
        try:
            with transaction(writer, self.on_wait):
                self.rules = self._rules_in(writer)
                self._ensure_current(writer, on_progress)
        except StoreError as exc:
            raise StoreError(
                f"the derived rows in {self.path} are out of date (made under other rules or by another "
                f"carebench) and cannot be brought up to date: {exc}; open it once as someone who may "
                "write it"
            ) from None
        finally:
            writer.close()
        self.conn = connect(self.path, create=False, readonly=True)

    def _ensure_current(self, conn, on_progress: Callable[[int, int], None] | None = None) -> str | None:
        """projections.ensure_current under these rules; stored rules whose plans do not hold are refused by name."""
        if self.given_rules is None and needed(conn, self.rules, self._day()) is not None:
            try:
                self.rules.plans  # noqa: B018  (their plans checked before anything is made from them)
            except RulesProblem as exc:
                raise StoreError(_damaged(str(self.path), exc)) from None
        return projections.ensure_current(conn, self.rules, self._day(), on_progress)

    def fit(self, day: date) -> None:
        """Make the derived rows answer for ``day`` too (the horizon moved on when it is too near; a write when needed)."""
        if self.today is None or day > self.today:
            self.today = day
            self._bring_current(self.on_progress)

    @cached_property
    def db(self):
        """sqlite-utils on the same connection, for inserts and upserts (imported on the first write that needs it)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self):
        if self.patience is None:
            return transaction(self.conn, self.on_wait)
        return transaction(self.conn, self.on_wait, self.patience)

    def _refresh(self, client_id: str, what: Iterable[str] = PARTS, *, since: date | None = None, kpi_ids: Iterable[int] | None = None) -> None:
        """Bring the client's derived rows up to date after a write (inside its transaction); see projections.refresh_client."""
        rules = self._rules_in(self.conn)  # inside the write: the rules stored now, whoever changed them last
        if rules.fingerprint != self.rules.fingerprint:
            self.rules = rules
        if self._ensure_current(self.conn) == "rebuild":
            return  # every row was made again, this client's included
        projections.refresh_client(self.conn, client_id, self.rules, what, since=since, kpi_ids=kpi_ids)

    def _stamp(self) -> dict:
        return {"changed_at": now_stamp(), "changed_by": self.actor}

    def _rows(self, sql: str, params: Iterable = ()) -> list[dict]:
        cursor = self.conn.execute(sql, tuple(params))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # ----- reading -------------------------------------------------------

    def client_ids(self, *, active_only: bool = False, owner: str | None = None) -> list[str]:
        """Client ids in order (only the active ones, or only ``owner``'s, when asked)."""
        where, params = _client_filter(None, active_only, owner)
        return [row[0] for row in self.conn.execute(f"SELECT c.id FROM clients c WHERE {where} ORDER BY c.id", params)]

    def client_rows(self, *, owner: str | None = None) -> list[ClientRow]:
        """Every client's own fields (of ``owner`` when given), by id."""
        where, params = _client_filter(None, False, owner)
        return [
            ClientRow(cid, name, who, status, date.fromisoformat(go_live))
            for cid, name, who, status, go_live in self.conn.execute(
                f"SELECT c.id, c.name, c.owner, c.status, c.go_live FROM clients c WHERE {where} ORDER BY c.id", params
            )
        ]

    def gate_states(self, client_id: str) -> list[GateState]:
        """The client's results from each day they change, as its gated step downs read them (core.handover.GateState)."""
        return projections.gate_states(self.conn, [client_id]).get(client_id, [])

    def client_names(self) -> list[tuple[str, str]]:
        """(id, name) of every client, by id."""
        return self.conn.execute("SELECT id, name FROM clients ORDER BY id").fetchall()

    def opportunity_client(self, opportunity_id: int) -> str:
        """The client an opportunity belongs to."""
        row = self.conn.execute("SELECT client_id FROM opportunities WHERE id = ?", (opportunity_id,)).fetchone()
        if not row:
            raise StoreError(f"no opportunity {opportunity_id}")
        return row[0]

    def require_client(self, client_id: str) -> None:
        if not self.conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone():
            raise StoreError(f"unknown client '{client_id}'")

    def client(self, client_id: str, parts: Iterable[str] = ALL_PARTS) -> models.Client:
        self.require_client(client_id)
        return self.clients([client_id], parts=parts)[0]

    def client_parts(self, ids: list[str], parts: Iterable[str]) -> dict[str, dict[str, list]]:
        """The ``parts`` of the clients ``ids`` as core models, by client and part (each in its order), without the
        clients themselves (see ``clients``); a client or part with no rows is left out."""
        parts = frozenset(parts)
        marks = ",".join("?" * len(ids))
        children: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        readings: dict[int, list[models.Reading]] = defaultdict(list)
        if {"kpis", "readings"} <= parts:
            for kpi_id, day, value, client_id, key in self.conn.execute(
                f"SELECT r.kpi_id, r.date, r.value, k.client_id, k.key FROM readings r JOIN kpis k ON k.id = r.kpi_id "
                f"WHERE k.client_id IN ({marks}) ORDER BY r.kpi_id, r.date",
                ids,
            ):
                if isinstance(value, str | bytes) or value is None:
                    raise StoreError(
                        f"the database holds a reading of {client_id} {key} on {day} that is not a number ({value!r}); "
                        "`carebench doctor` lists such rows"
                    )
                readings[kpi_id].append(models.Reading.model_construct(date=date.fromisoformat(day), value=value))
        builders = _child_builders(readings)
        for part, (table, order) in _CHILD_TABLES.items():
            if part in parts:
                build = builders[part]
                for row in self._rows(f"SELECT * FROM {table} WHERE client_id IN ({marks}) ORDER BY client_id, {order}", ids):
                    children[row["client_id"]][part].append(build(row))
        return children

    def clients(
        self, ids: list[str] | None = None, *, parts: Iterable[str] = ALL_PARTS, active_only: bool = False, owner: str | None = None
    ) -> list[models.Client]:
        """Clients as core models, with only the ``parts`` asked for filled in (sorted by id)."""
        where, params = _client_filter(ids, active_only, owner)
        rows = self._rows(f"SELECT * FROM clients c WHERE {where} ORDER BY c.id", params)
        if not rows:
            return []
        children = self.client_parts([r["id"] for r in rows], parts)
        result = []
        build, fields = _client_builder()
        for row in rows:
            values: dict[str, Any] = {part: [] for part in _CHILD_TABLES}
            values.update(children[row["id"]])
            values.update(
                id=row["id"],
                name=row["name"],
                tier=row["tier"],
                go_live=date.fromisoformat(row["go_live"]),
                owner=row["owner"],
                investment=row["investment"],
                roi_target=row["roi_target"],
                status=row["status"],
                handover=_handover_of(row),
                stakeholder_groups=row["stakeholder_groups"],
                cultural_change=row["cultural_change"],
                internal_capability=row["internal_capability"],
            )
            result.append(build(*[values[name] for name in fields]))
        return result

    @staticmethod
    def opportunity_of(r: dict) -> models.Opportunity:
        """The opportunity of an opportunities row (as ``opportunities()`` returns them); cheap, for thousands of rows."""
        return _opportunity_builder()(
            r["title"],
            r["source"],
            r["value"],
            r["probability"],
            r["stage"],
            r["investment_low"],
            r["investment_high"],
            r["start_month"],
            r["end_month"],
            r["next_action"],
            _d(r["next_action_date"]),
            _d(r["closed_on"]),
        )

    @staticmethod
    def ticket_of(r: dict) -> models.Ticket:
        """The ticket of a tickets row (as ``tickets()`` returns them)."""
        return models.Ticket.model_construct(
            ref=r["ref"],
            title=r["title"],
            category=r["category"],
            impact=r["impact"],
            users=r["users"],
            opened=datetime.fromisoformat(r["opened"]),
            first_response=_t(r["first_response"]),
            resolved=_t(r["resolved"]),
            escalated=bool(r["escalated"]),
            first_contact=bool(r["first_contact"]),
        )

    @staticmethod
    def _action_item(r: dict) -> models.ActionItem:
        return models.ActionItem.model_construct(
            text=r["text"],
            owner=r["owner"],
            due=date.fromisoformat(r["due"]),
            priority=r["priority"],
            status=r["status"],
            done_on=_d(r["done_on"]),
            source=r["source"],
        )

    def open_action_items(self, due_on_or_before: date | None = None, owner: str | None = None) -> list[dict]:
        """Open action items (with their id and client), soonest due first."""
        where, params = ["a.status = 'open'", "c.status = 'active'"], []
        if due_on_or_before:
            where.append("a.due <= ?")
            params.append(due_on_or_before.isoformat())
        if owner:
            where.append("COALESCE(a.owner, c.owner) = ?")
            params.append(owner)
        return self._rows(
            "SELECT a.id, a.client_id AS client, c.name AS client_name, a.text, COALESCE(a.owner, c.owner) AS owner, "
            "a.due, a.priority FROM action_items a JOIN clients c ON c.id = a.client_id "
            f"WHERE {' AND '.join(where)} ORDER BY a.due, CASE a.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, a.id",
            params,
        )

    def opportunities(self, client_id: str | None = None) -> list[dict]:
        """Every opportunity as a row (id, client, fields), by client then id."""
        where, params = "", []
        if client_id:
            where, params = "WHERE client_id = ?", [client_id]
        return self._rows(f"SELECT * FROM opportunities {where} ORDER BY client_id, id", params)

    def _refuse_broken_opportunities(self, where: str, params: Iterable) -> None:
        """Refuse by name an opportunity (of those ``where`` picks) another tool wrote outside carebench's rules for
        what the pipeline and the practice figures work out from: its amount, probability, stage and days."""
        broken = first_broken(self.conn, "opportunities", ("value", "probability", "stage", "next_action_date", "closed_on"), where, params)
        if broken:
            raise StoreError(f"the database holds an opportunity {broken}; `carebench doctor` lists such rows")

    def opportunity_rows(self, client_id: str | None = None) -> list[OpportunityRow]:
        """Every opportunity (of ``client_id`` when given) as the pipeline lists it, by client then id; one another tool
        wrote with an amount, probability, stage or day outside carebench's rules is refused by name."""
        where, params = ("WHERE o.client_id = ?", [client_id]) if client_id else ("", [])
        self._refuse_broken_opportunities("client_id = ?" if client_id else "1", params)
        return [
            OpportunityRow._make(row)
            for row in self.conn.execute(
                "SELECT o.id, o.version, o.client_id, c.name, o.title, o.stage, o.source, o.value, o.probability, o.investment_low, "
                "o.investment_high, o.start_month, o.end_month, o.next_action, o.next_action_date, c.go_live "
                f"FROM opportunities o JOIN clients c ON c.id = o.client_id {where} ORDER BY o.client_id, o.id",
                params,
            )
        ]

    def audit_log(self, client_id: str | None = None, limit: int = 200) -> list[dict]:
        where, params = "", []
        if client_id:
            where, params = "WHERE client_id = ?", [client_id]
        rows = self._rows(f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        for row in rows:
            row["detail"] = json.loads(row["detail"])
        return rows

    def export_portfolio(self) -> models.Portfolio:
        return models.Portfolio.model_construct(format="carebench-portfolio", version=1, as_of=None, clients=self.clients())

    # ----- writing -------------------------------------------------------

    def import_portfolio(self, portfolio: models.Portfolio) -> tuple[int, int]:
        """Write a validated portfolio in one transaction (see import_clients); returns (clients added, replaced)."""
        return self.import_clients(portfolio.clients)

    def import_clients(self, clients: Iterable[models.Client]) -> tuple[int, int]:
        """Write validated clients in one transaction, each as it comes; clients already present are replaced whole.

        An error raised by ``clients`` (a file found wrong after its first clients) rolls it all back.
        The drafts open on a replaced client are not in the file: they are kept, as they were.
        Returns (clients added, clients replaced).
        """
        added = replaced = 0
        imported: list[str] = []
        with self._write():
            for client in clients:
                imported.append(client.id)
                exists = self.conn.execute("SELECT 1 FROM clients WHERE id = ?", (client.id,)).fetchone()
                drafts = []
                if exists:
                    drafts = self.conn.execute("SELECT * FROM drafts WHERE client_id = ?", (client.id,)).fetchall()
                    self.conn.execute("DELETE FROM clients WHERE id = ?", (client.id,))
                    replaced += 1
                else:
                    added += 1
                self._insert_client(client)
                if drafts:
                    marks = ", ".join("?" * len(drafts[0]))
                    self.conn.executemany(f"INSERT INTO drafts VALUES ({marks})", drafts)
                self._refresh(client.id)
            audit(self.conn, self.actor, "import", None, {"added": added, "replaced": replaced, "clients": imported})
        return added, replaced

    def _insert_client(self, client: models.Client) -> None:
        stamp = self._stamp()
        db = self.db
        db["clients"].insert(
            {
                "id": client.id,
                "name": client.name,
                "tier": client.tier,
                "go_live": client.go_live.isoformat(),
                "owner": client.owner,
                "investment": client.investment,
                "roi_target": client.roi_target,
                "status": client.status,
                **_handover_columns(client.handover),
                **{name: getattr(client, name) for name in COMPLEXITY},
                **stamp,
            }
        )
        db["contacts"].insert_all(self._contact_rows(client, stamp))
        for position, kpi in enumerate(client.kpis):
            kpi_id = self._insert_kpi(client.id, kpi, position, stamp)
            db["readings"].insert_all(
                ({"kpi_id": kpi_id, "date": r.date.isoformat(), "value": r.value, **stamp} for r in kpi.readings),
                batch_size=500,
            )
        db["assessments"].insert_all(self._assessment_row(client.id, a, stamp) for a in client.assessments)
        db["savings"].insert_all({"client_id": client.id, "month": s.month, "amount": s.amount, **stamp} for s in client.savings)
        db["opportunities"].insert_all(self._opportunity_row(client.id, o, stamp) for o in client.opportunities)
        db["action_items"].insert_all(self._action_row(client.id, a, stamp) for a in client.action_items)
        db["touchpoint_exceptions"].insert_all(self._exception_row(client.id, e, stamp) for e in client.exceptions)
        db["checkins"].insert_all(self._checkin_row(client.id, c, stamp) for c in client.checkins)
        db["outcomes"].insert_all(
            {"client_id": client.id, "date": o.date.isoformat(), "kind": o.kind, "note": o.note, **stamp} for o in client.outcomes
        )
        db["testimonials"].insert_all(
            {"client_id": client.id, "requested": t.requested.isoformat(), "answer": t.answer, "answered": _iso(t.answered), **stamp}
            for t in client.testimonials
        )
        db["referrals"].insert_all(self._referral_row(client.id, r, stamp) for r in client.referrals)
        taken = {t.ref for t in client.tickets if t.ref}
        for ticket in client.tickets:
            ref = ticket.ref or _next_ref(taken)
            taken.add(ref)
            db["tickets"].insert(self._ticket_row(client.id, ticket.model_copy(update={"ref": ref}), stamp))
        db["pulses"].insert_all(self._pulse_row(client.id, p, stamp) for p in client.pulses)
        db["learnings"].insert_all(self._learning_row(client.id, item, stamp) for item in client.learnings)
        db["checklist_items"].insert_all(self._checklist_row(client.id, i, item, stamp) for i, item in enumerate(client.checklist))
        db["tier_changes"].insert_all(
            {"client_id": client.id, "date": c.date.isoformat(), "previous": c.previous, **stamp} for c in client.tier_changes
        )
        db["escalations"].insert_all(self._escalation_row(client.id, e, stamp) for e in client.escalations)
        db["recovery_steps"].insert_all(self._recovery_row(client.id, step, stamp) for step in client.recovery)
        db["rollout_waves"].insert_all(self._wave_row(client.id, wave, stamp) for wave in client.rollout)

    @staticmethod
    def _contact_rows(client: models.Client, stamp: dict) -> Iterator[dict]:
        for i, c in enumerate(client.contacts):
            yield {"client_id": client.id, "position": i, "name": c.name, "role": c.role, "email": c.email, "kind": c.kind, **stamp}

    @staticmethod
    def _escalation_row(client_id: str, e: models.Escalation, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": e.date.isoformat(),
            "escalated_to": e.to,
            "reason": e.reason,
            "escalated_by": e.by or stamp.get("changed_by"),
            **stamp,
        }

    @staticmethod
    def _recovery_row(client_id: str, step: models.RecoveryStep, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "added": step.added.isoformat(),
            "step": step.step,
            "due": step.due.isoformat(),
            "owner": step.owner,
            "done_on": _iso(step.done_on),
            **stamp,
        }

    @staticmethod
    def _recovery_step(r: dict) -> models.RecoveryStep:
        return models.RecoveryStep.model_construct(
            added=date.fromisoformat(r["added"]), step=r["step"], due=date.fromisoformat(r["due"]), owner=r["owner"], done_on=_d(r["done_on"])
        )

    @staticmethod
    def _wave_row(client_id: str, wave: models.RolloutWave, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "name": wave.name,
            "unit": wave.unit,
            "planned": wave.planned,
            "live": wave.live,
            "planned_date": _iso(wave.planned_date),
            "live_on": _iso(wave.live_on),
            **stamp,
        }

    @staticmethod
    def _rollout_wave(r: dict) -> models.RolloutWave:
        return models.RolloutWave.model_construct(
            name=r["name"], unit=r["unit"], planned=r["planned"], live=r["live"], planned_date=_d(r["planned_date"]), live_on=_d(r["live_on"])
        )

    # A KPI's own columns (the rest of its row: client, position, readings and the standing derived from them).
    _KPI_COLUMNS = ("key", "name", "category", "unit", "direction", "baseline", "target", "benchmark", "team")

    @classmethod
    def _kpi_values(cls, kpi: models.Kpi, stamp: dict) -> tuple:
        """The values of ``_KPI_COLUMNS``, then of changed_at and changed_by."""
        return (*(int(kpi.team) if name == "team" else getattr(kpi, name) for name in cls._KPI_COLUMNS), stamp["changed_at"], stamp["changed_by"])

    def _insert_kpi(self, client_id: str, kpi: models.Kpi, position: int, stamp: dict) -> int:
        columns = ("client_id", "position", *self._KPI_COLUMNS, "changed_at", "changed_by")
        cursor = self.conn.execute(
            f"INSERT INTO kpis ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (client_id, position, *self._kpi_values(kpi, stamp)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    def _assessment_row(client_id: str, a: models.Assessment, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": a.date.isoformat(),
            **a.scores.model_dump(),
            "note": a.note,
            "author": a.author or stamp["changed_by"],
            **stamp,
        }

    @staticmethod
    def _opportunity_row(client_id: str, o: models.Opportunity, stamp: dict) -> dict:
        row = o.model_dump()
        row["next_action_date"] = _iso(o.next_action_date)
        row["closed_on"] = _iso(o.closed_on)
        return {"client_id": client_id, **row, **stamp}

    @staticmethod
    def _referral_row(client_id: str, r: models.Referral, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": r.date.isoformat(),
            "prospect": r.prospect,
            "became_engagement": int(r.became_engagement),
            "note": r.note,
            **stamp,
        }

    @staticmethod
    def _ticket_row(client_id: str, t: models.Ticket, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "ref": t.ref,
            "title": t.title,
            "category": t.category,
            "impact": t.impact,
            "users": t.users,
            "opened": _iso(t.opened),
            "first_response": _iso(t.first_response),
            "resolved": _iso(t.resolved),
            "escalated": int(t.escalated),
            "first_contact": int(t.first_contact),
            **stamp,
        }

    @staticmethod
    def _pulse_row(client_id: str, p: models.Pulse, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": p.date.isoformat(),
            "respondent": p.respondent,
            "recommend": p.recommend,
            "satisfaction": p.satisfaction,
            "comment": p.comment,
            "contact": p.contact,
            **stamp,
        }

    @staticmethod
    def _learning_row(client_id: str, item: models.Learning, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": item.date.isoformat(),
            "kind": item.kind,
            "what": item.what,
            "why": item.why,
            "who": item.who,
            "source": item.source,
            **stamp,
        }

    @staticmethod
    def _checklist_row(client_id: str, position: int, item: models.ChecklistItem, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "key": item.key,
            "position": position,
            "label": item.label,
            "done": int(item.done),
            "done_on": _iso(item.done_on),
            "note": item.note,
            **stamp,
        }

    @staticmethod
    def _action_row(client_id: str, a: models.ActionItem, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "text": a.text,
            "owner": a.owner,
            "due": a.due.isoformat(),
            "priority": a.priority,
            "status": a.status,
            "done_on": a.done_on.isoformat() if a.done_on else None,
            "source": a.source,
            **stamp,
        }

    @staticmethod
    def _exception_row(client_id: str, e: models.TouchpointException, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": e.date.isoformat(),
            "kind": e.kind,
            "status": e.status,
            "reason": e.reason,
            "moved_to": e.moved_to.isoformat() if e.moved_to else None,
            **stamp,
        }

    @staticmethod
    def _checkin_row(client_id: str, c: models.CheckIn, stamp: dict) -> dict:
        return {
            "client_id": client_id,
            "date": c.date.isoformat(),
            "kind": c.kind,
            "author": c.author or stamp["changed_by"],
            "planned_minutes": c.planned_minutes,
            "actual_minutes": c.actual_minutes,
            "attendees": json.dumps(c.attendees),
            "sections": json.dumps([s.model_dump() for s in c.sections]),
            "next_steps": c.next_steps,
            "confidence": c.confidence,
            **stamp,
        }

    def add_client(self, client: models.Client) -> None:
        with self._write():
            if self.conn.execute("SELECT 1 FROM clients WHERE id = ?", (client.id,)).fetchone():
                raise StoreError(f"client '{client.id}' already exists")
            self._insert_client(client)
            self._refresh(client.id)
            audit(self.conn, self.actor, "add-client", client.id, {"name": client.name, "tier": client.tier})

    def update_client(self, client: models.Client, changes: list[models.TierChange] | None = None, action: str = "edit-client") -> dict:
        """Save a client's name, owner, money, status and contacts (and, with ``changes``, its tier and tier history);
        every derived row of the client is made again. Returns what changed (field -> [before, after])."""
        with self._write():
            self.require_client(client.id)
            before = self.client(client.id, parts={"contacts"})
            fields = ("name", "tier", "owner", "investment", "roi_target", "status", *COMPLEXITY)
            changed = {f: [getattr(before, f), getattr(client, f)] for f in fields if getattr(before, f) != getattr(client, f)}
            if [c.model_dump() for c in before.contacts] != [c.model_dump() for c in client.contacts]:
                changed["contacts"] = [len(before.contacts), len(client.contacts)]
            stamp = self._stamp()
            self.conn.execute(
                f"UPDATE clients SET {', '.join(f'{name} = ?' for name in fields)}, version = version + 1, changed_at = ?, changed_by = ? "
                "WHERE id = ?",
                (*(getattr(client, name) for name in fields), *stamp.values(), client.id),
            )
            if client.status == "active":  # made active again: a handover it had no longer holds
                self.conn.execute("UPDATE clients SET handover_date = NULL, handover_by = NULL, handover_override = NULL WHERE id = ?", (client.id,))
            if "contacts" in changed:
                self.conn.execute("DELETE FROM contacts WHERE client_id = ?", (client.id,))
                self.db["contacts"].insert_all(self._contact_rows(client, stamp))
            if changes is not None:
                self.conn.execute("DELETE FROM tier_changes WHERE client_id = ?", (client.id,))
                self.db["tier_changes"].insert_all(
                    {"client_id": client.id, "date": c.date.isoformat(), "previous": c.previous, **stamp} for c in changes
                )
                changed["tier_changes"] = [c.model_dump(mode="json") for c in changes]
            self._refresh(client.id)
            audit(self.conn, self.actor, action, client.id, changed)
        return changed

    def hand_over(self, client_id: str, handover: models.Handover) -> None:
        """Record that an active client was handed over (status handed_over); its touchpoints follow the sustainment cadence."""
        with self._write():
            row = self.conn.execute("SELECT status FROM clients WHERE id = ?", (client_id,)).fetchone()
            if row is None:
                raise StoreError(f"unknown client '{client_id}'")
            if row[0] != "active":
                raise StoreError(f"{client_id} is {row[0].replace('_', ' ')}, not active: only an active client can be handed over")
            stamp = self._stamp()
            self.conn.execute(
                "UPDATE clients SET status = 'handed_over', handover_date = :handover_date, handover_by = :handover_by, "
                "handover_override = :handover_override, version = version + 1, changed_at = :changed_at, changed_by = :changed_by WHERE id = :id",
                {**_handover_columns(handover), **stamp, "id": client_id},
            )
            self._refresh(client_id)
            audit(self.conn, self.actor, "handover", client_id, handover.model_dump(mode="json"))

    def update_kpi(self, client_id: str, key: str, kpi: models.Kpi) -> None:
        """Save a KPI's key, name, category, unit, direction, baseline, target, benchmark and team mark (its readings stay)."""
        with self._write():
            self.require_client(client_id)
            row = self.conn.execute("SELECT id FROM kpis WHERE client_id = ? AND key = ?", (client_id, key)).fetchone()
            if not row:
                raise StoreError(f"client '{client_id}' has no KPI '{key}'")
            if kpi.key != key and self.conn.execute("SELECT 1 FROM kpis WHERE client_id = ? AND key = ?", (client_id, kpi.key)).fetchone():
                raise StoreError(f"client '{client_id}' already has a KPI '{kpi.key}'")
            stamp = self._stamp()
            assignments = ", ".join(f"{name} = ?" for name in (*self._KPI_COLUMNS, "changed_at", "changed_by"))
            self.conn.execute(f"UPDATE kpis SET {assignments} WHERE id = ?", (*self._kpi_values(kpi, stamp), row[0]))
            self._refresh(client_id, ("kpis", "standing", "summary"), kpi_ids=[row[0]])
            audit(self.conn, self.actor, "edit-kpi", client_id, {"key": key, **kpi.model_dump(mode="json", exclude={"readings"}), "team": kpi.team})

    def add_kpi(self, client_id: str, kpi: models.Kpi) -> None:
        with self._write():
            self.require_client(client_id)
            if self.conn.execute("SELECT 1 FROM kpis WHERE client_id = ? AND key = ?", (client_id, kpi.key)).fetchone():
                raise StoreError(f"client '{client_id}' already has a KPI '{kpi.key}'")
            position = self.conn.execute("SELECT COUNT(*) FROM kpis WHERE client_id = ?", (client_id,)).fetchone()[0]
            kpi_id = self._insert_kpi(client_id, kpi, position, self._stamp())
            self._refresh(client_id, ("kpis", "summary"), kpi_ids=[kpi_id])
            audit(self.conn, self.actor, "add-kpi", client_id, {"key": kpi.key})

    def add_reading(self, client_id: str, key: str, day: date, value: float) -> float | None:
        """Record a KPI reading; returns the value it replaced, if one stood on that date."""
        with self._write():
            self.require_client(client_id)
            row = self.conn.execute("SELECT id FROM kpis WHERE client_id = ? AND key = ?", (client_id, key)).fetchone()
            if not row:
                raise StoreError(f"client '{client_id}' has no KPI '{key}'")
            old = self.conn.execute("SELECT value FROM readings WHERE kpi_id = ? AND date = ?", (row[0], day.isoformat())).fetchone()
            self.db["readings"].upsert({"kpi_id": row[0], "date": day.isoformat(), "value": value, **self._stamp()}, pk=("kpi_id", "date"))
            self._refresh(client_id, ("kpis", "standing", "summary"), since=day, kpi_ids=[row[0]])
            audit(
                self.conn,
                self.actor,
                "reading",
                client_id,
                {"kpi": key, "date": day.isoformat(), "value": value, "replaced": old[0] if old else None},
            )
        return old[0] if old else None

    def set_savings(self, client_id: str, month: str, amount: float) -> None:
        with self._write():
            self.require_client(client_id)
            self.db["savings"].upsert({"client_id": client_id, "month": month, "amount": amount, **self._stamp()}, pk=("client_id", "month"))
            audit(self.conn, self.actor, "savings", client_id, {"month": month, "amount": amount})

    def add_assessment(self, client_id: str, assessment: models.Assessment) -> bool:
        """Record an assessment; one per client and date, so a second one that day replaces the first (returns True then)."""
        with self._write():
            self.require_client(client_id)
            day = assessment.date.isoformat()
            replaced = self.conn.execute("DELETE FROM assessments WHERE client_id = ? AND date = ?", (client_id, day)).rowcount
            self.db["assessments"].insert(self._assessment_row(client_id, assessment, self._stamp()))
            self._refresh(client_id, ("touchpoints", "health", "standing"), since=assessment.date)
            audit(self.conn, self.actor, "assess", client_id, {"date": day, "scores": assessment.scores.model_dump(), "replaced": bool(replaced)})
        return bool(replaced)

    def atomic(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction around several calls (a command that reads, decides and writes under one lock)."""
        return self._write()

    def refuse_recorded(self, client_id: str, day: date) -> None:
        """Refuse to record an outcome for the touchpoint on ``day`` when it already has one: who recorded it and when.

        Checked inside the write transaction, so of two people racing on one touchpoint the second is told.
        """
        row = self.conn.execute(
            "SELECT kind, status, moved_to, changed_by, changed_at FROM touchpoint_exceptions WHERE client_id = ? AND date = ? "
            "ORDER BY status = 'moved'",
            (client_id, day.isoformat()),
        ).fetchone()
        if row:
            kind, status, moved_to, who, when = row
            what = f"moved to {moved_to}" if status == "moved" else status
            raise StoreError(
                f"the {kind} touchpoint of {client_id} on {day} is already {what} by {who} on {when[:10]}; "
                f"`carebench reopen {client_id} --date {day}` takes it back"
            )

    def record_exception(self, client_id: str, exception: models.TouchpointException) -> None:
        """Store what happened to the touchpoint standing at (date, kind): done, skipped or moved; never over another."""
        with self._write():
            self.require_client(client_id)
            self.refuse_recorded(client_id, exception.date)
            self.db["touchpoint_exceptions"].insert(self._exception_row(client_id, exception, self._stamp()))
            self._refresh(client_id, ("touchpoints",))
            audit(self.conn, self.actor, exception.status, client_id, exception.model_dump(mode="json", exclude_none=True))

    def reopen_touchpoint(self, client_id: str, day: date, kind: str | None = None) -> tuple[str, str]:
        """Take back the outcome recorded for the touchpoint of ``day`` (of ``kind``, when given): (kind, outcome taken back)."""
        with self._write():
            self.require_client(client_id)
            rows = self.conn.execute(
                "SELECT kind, status, moved_to FROM touchpoint_exceptions WHERE client_id = ? AND date = ?", (client_id, day.isoformat())
            ).fetchall()
            if not rows:
                raise StoreError(f"the touchpoint of {client_id} on {day} has no outcome to take back")
            if kind is not None and kind not in [r[0] for r in rows]:
                raise StoreError(f"the outcome on {day} for {client_id} is of its {rows[0][0]} touchpoint, not a {kind} one")
            found_kind, status, moved_to = next(r for r in rows if kind is None or r[0] == kind)
            self.conn.execute(
                "DELETE FROM touchpoint_exceptions WHERE client_id = ? AND date = ? AND kind = ?", (client_id, day.isoformat(), found_kind)
            )
            self._refresh(client_id, ("touchpoints",))
            audit(
                self.conn,
                self.actor,
                "reopen",
                client_id,
                {"date": day.isoformat(), "kind": found_kind, "status": status, **({"moved_to": moved_to} if moved_to else {})},
            )
        return found_kind, status

    def add_opportunity(self, client_id: str, opportunity: models.Opportunity) -> int:
        with self._write():
            self.require_client(client_id)
            when = pipeline.closed_on(opportunity.stage, opportunity.closed_on, None, None, self._day())
            opportunity = opportunity.model_copy(update={"closed_on": when})
            new_id = self.db["opportunities"].insert(self._opportunity_row(client_id, opportunity, self._stamp())).last_pk
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "add-opportunity", client_id, {"id": new_id, "title": opportunity.title})
        return new_id

    def add_action_item(self, client_id: str, item: models.ActionItem) -> int:
        with self._write():
            self.require_client(client_id)
            new_id = self.db["action_items"].insert(self._action_row(client_id, item, self._stamp())).last_pk
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "add-action", client_id, {"id": new_id, "text": item.text})
        return new_id

    def complete_action_item(self, item_id: int, day: date | None = None) -> None:
        with self._write():
            row = self.conn.execute("SELECT client_id, status, changed_by, done_on FROM action_items WHERE id = ?", (item_id,)).fetchone()
            if not row:
                raise StoreError(f"no action item {item_id}")
            if row[1] != "open":
                raise StoreError(f"action item {item_id} is already {row[1]} by {row[2]} on {row[3]}")
            self.conn.execute(
                "UPDATE action_items SET status = 'done', done_on = ?, version = version + 1, changed_at = ?, changed_by = ? WHERE id = ?",
                ((day or self._day()).isoformat(), now_stamp(), self.actor, item_id),
            )
            self._refresh(row[0], ("summary",))
            audit(self.conn, self.actor, "action-done", row[0], {"id": item_id})

    def reopen_action_item(self, item_id: int) -> None:
        """Take back closing an action item: it is open again (audited)."""
        with self._write():
            row = self.conn.execute("SELECT client_id, status FROM action_items WHERE id = ?", (item_id,)).fetchone()
            if not row:
                raise StoreError(f"no action item {item_id}")
            if row[1] == "open":
                raise StoreError(f"action item {item_id} is open already")
            self.conn.execute(
                "UPDATE action_items SET status = 'open', done_on = NULL, version = version + 1, changed_at = ?, changed_by = ? WHERE id = ?",
                (now_stamp(), self.actor, item_id),
            )
            self._refresh(row[0], ("summary",))
            audit(self.conn, self.actor, "action-reopened", row[0], {"id": item_id})

    def _check_opportunity_version(self, opportunity_id: int, expected_version: int | None) -> None:
        """Refuse a change made on an opportunity read at ``expected_version`` when it has moved on since: who and when."""
        version, who, when = self.conn.execute("SELECT version, changed_by, changed_at FROM opportunities WHERE id = ?", (opportunity_id,)).fetchone()
        if expected_version is not None and version != expected_version:
            raise StoreError(f"{who} changed this opportunity meanwhile (at {when}); reload to see their version")

    def update_opportunity(self, opportunity_id: int, opportunity: models.Opportunity, expected_version: int | None = None) -> None:
        """Save an edited opportunity; refused when someone else saved it since ``expected_version``."""
        with self._write():
            row = self.conn.execute(
                "SELECT client_id, version, changed_by, stage, closed_on FROM opportunities WHERE id = ?", (opportunity_id,)
            ).fetchone()
            if not row:
                raise StoreError(f"no opportunity {opportunity_id}")
            self._check_opportunity_version(opportunity_id, expected_version)
            when = pipeline.closed_on(opportunity.stage, opportunity.closed_on, row[3], _d(row[4]), self._day())
            values = self._opportunity_row(row[0], opportunity.model_copy(update={"closed_on": when}), self._stamp())
            self.db["opportunities"].update(opportunity_id, {**values, "version": row[1] + 1})
            self._refresh(row[0], ("summary",))
            audit(self.conn, self.actor, "edit-opportunity", row[0], {"id": opportunity_id, "stage": opportunity.stage})

    # ----- check-ins and drafts -------------------------------------------

    def save_draft(self, client_id: str, day: date, kind: str, data: dict, expected_version: int | None = None, *, keep_both: bool = False) -> int:
        """Keep this author's check-in in progress; returns the stored draft's version.

        Refused when the stored draft moved past ``expected_version`` (the same author typing
        in two terminals), so neither silently overwrites the other. With ``keep_both`` (a
        session going away) the stored, newer draft stays as it is and ``data`` is attached to
        it as a recovered copy, offered for merging when the check-in is opened again.
        """
        key = (client_id, day.isoformat(), kind, self.actor)
        with self._write():
            self.require_client(client_id)
            row = self.conn.execute(
                "SELECT version, changed_at FROM drafts WHERE client_id = ? AND date = ? AND kind = ? AND author = ?", key
            ).fetchone()
            stamp = self._stamp()
            if row and expected_version != row[0] and (expected_version is not None or keep_both):
                if not keep_both:
                    raise StoreError(f"this draft was saved from another session at {row[1]}; reopen the check-in to continue")
                copy = {"data": data, "saved_at": stamp["changed_at"], "from_version": expected_version}
                self.conn.execute(
                    "UPDATE drafts SET recovered = json_insert(recovered, '$[#]', json(?)) "
                    "WHERE client_id = ? AND date = ? AND kind = ? AND author = ?",
                    (json.dumps(copy, sort_keys=True), *key),
                )
                audit(self.conn, self.actor, "draft-recovered", client_id, {"date": key[1], "kind": kind})
                return row[0]
            version = row[0] + 1 if row else 1
            self.conn.execute(
                "INSERT INTO drafts (client_id, date, kind, author, data, version, changed_at, changed_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, date, kind, author) DO UPDATE SET "
                "data = excluded.data, version = excluded.version, changed_at = excluded.changed_at, "
                "changed_by = excluded.changed_by",
                (*key, json.dumps(data, sort_keys=True), version, stamp["changed_at"], stamp["changed_by"]),
            )
        return version

    def load_draft(self, client_id: str, day: date, kind: str) -> tuple[dict, int, list[dict]] | None:
        """This author's draft of the touchpoint, its version and the recovered copies attached to it, if one is open."""
        row = self.conn.execute(
            "SELECT data, version, recovered FROM drafts WHERE client_id = ? AND date = ? AND kind = ? AND author = ?",
            (client_id, day.isoformat(), kind, self.actor),
        ).fetchone()
        return (json.loads(row[0]), row[1], json.loads(row[2])) if row else None

    def clear_recovered(self, client_id: str, day: date, kind: str, version: int) -> None:
        """Drop the recovered copies of this author's draft once they are merged into the draft saved at ``version``."""
        with self._write():
            self.conn.execute(
                "UPDATE drafts SET recovered = '[]' WHERE client_id = ? AND date = ? AND kind = ? AND author = ? AND version = ?",
                (client_id, day.isoformat(), kind, self.actor, version),
            )

    def discard_draft(self, client_id: str, day: date, kind: str) -> None:
        with self._write():
            self.conn.execute(
                "DELETE FROM drafts WHERE client_id = ? AND date = ? AND kind = ? AND author = ?", (client_id, day.isoformat(), kind, self.actor)
            )

    def drafts(self, author: str | None = None) -> list[dict]:
        """Open drafts (everyone's, or one author's), newest first, without their contents."""
        where, params = "", []
        if author:
            where, params = "WHERE d.author = ?", [author]
        return self._rows(
            "SELECT d.client_id AS client, c.name AS client_name, d.date, d.kind, d.author, d.version, d.changed_at "
            f"FROM drafts d JOIN clients c ON c.id = d.client_id {where} ORDER BY d.changed_at DESC",
            params,
        )

    def finish_checkin(
        self,
        client_id: str,
        checkin: models.CheckIn,
        readings: dict[str, float],
        assessment: models.Assessment | None,
        actions: list[models.ActionItem],
        touchpoint_date: date | None = None,
        learnings: Iterable[models.Learning] = (),
    ) -> int:
        """Store a finished check-in and everything it captured in one transaction, and mark its touchpoint done."""
        day = touchpoint_date or checkin.date
        with self._write():
            self.require_client(client_id)
            self.refuse_recorded(client_id, day)
            stamp = self._stamp()
            checkin_id = self.db["checkins"].insert(self._checkin_row(client_id, checkin, stamp)).last_pk
            kpi_ids = dict(self.conn.execute("SELECT key, id FROM kpis WHERE client_id = ?", (client_id,)).fetchall())
            for key, value in readings.items():
                if key not in kpi_ids:
                    raise StoreError(f"client '{client_id}' has no KPI '{key}'")
                self.db["readings"].upsert(
                    {"kpi_id": kpi_ids[key], "date": checkin.date.isoformat(), "value": value, "checkin_id": checkin_id, **stamp},
                    pk=("kpi_id", "date"),
                )
            if assessment is not None:
                self.conn.execute("DELETE FROM assessments WHERE client_id = ? AND date = ?", (client_id, assessment.date.isoformat()))
                self.db["assessments"].insert({**self._assessment_row(client_id, assessment, stamp), "checkin_id": checkin_id})
            self._insert_captured(client_id, checkin_id, actions, learnings, stamp)
            self.db["touchpoint_exceptions"].insert(
                # (an expansion conversation is stored by record_expansion_checkin: this check-in is of a touchpoint kind)
                self._exception_row(
                    client_id, models.TouchpointException.model_construct(date=day, kind=cast("models.Kind", checkin.kind), status="done"), stamp
                )
            )
            self.conn.execute(
                "DELETE FROM drafts WHERE client_id = ? AND date = ? AND kind = ? AND author = ?",
                (client_id, day.isoformat(), checkin.kind, self.actor),
            )
            dated = [checkin.date] if readings else []
            if assessment is not None:
                dated.append(assessment.date)
            self._refresh(
                client_id,
                ("touchpoints", "health", "kpis", "standing", "summary"),
                since=min(dated, default=None),
                kpi_ids=[kpi_ids[key] for key in readings],
            )
            audit(
                self.conn,
                self.actor,
                "check-in",
                client_id,
                {
                    "id": checkin_id,
                    "date": checkin.date.isoformat(),
                    "touchpoint": day.isoformat(),
                    "kind": checkin.kind,
                    "readings": len(readings),
                    "assessment": assessment is not None,
                    "actions": len(actions),
                },
            )
        return checkin_id

    def _insert_captured(
        self, client_id: str, checkin_id: int, actions: Iterable[models.ActionItem], learnings: Iterable[models.Learning], stamp: dict
    ) -> None:
        """The action items and learnings a check-in captured, linked to it."""
        for item in actions:
            self.db["action_items"].insert({**self._action_row(client_id, item, stamp), "checkin_id": checkin_id})
        for learning in learnings:
            self.db["learnings"].insert({**self._learning_row(client_id, learning, stamp), "checkin_id": checkin_id})

    def checkins(self, client_id: str) -> list[dict]:
        """A client's check-ins, newest first, each with the readings, assessment and action items it captured."""
        self.require_client(client_id)
        rows = self._rows("SELECT * FROM checkins WHERE client_id = ? ORDER BY date DESC, id DESC", [client_id])
        return [self._checkin_record(row) for row in rows]

    def checkin(self, checkin_id: int) -> dict:
        """One check-in with everything it stored (as ``checkins`` gives it), and its client's id and name."""
        rows = self._rows(f"{CHECKIN_HITS} WHERE c.id = ?", [checkin_id])
        if not rows:
            raise StoreError(f"no check-in {checkin_id}")
        return {"client": rows[0]["client_id"], "client_name": rows[0]["client_name"], **self._checkin_record(rows[0])}

    def _checkin_record(self, row: dict) -> dict:
        cid = row["id"]
        readings = self._rows(
            "SELECT k.key AS kpi, r.date, r.value, k.name, k.unit FROM readings r JOIN kpis k ON k.id = r.kpi_id "
            "WHERE r.checkin_id = ? ORDER BY k.position",
            [cid],
        )
        assessment = self._rows("SELECT * FROM assessments WHERE checkin_id = ?", [cid])
        actions = self._rows("SELECT text, owner, due, priority, status FROM action_items WHERE checkin_id = ? ORDER BY id", [cid])
        learnings = self._rows("SELECT kind, what, why, who FROM learnings WHERE checkin_id = ? ORDER BY id", [cid])
        return {
            "id": cid,
            "date": row["date"],
            "kind": row["kind"],
            "author": row["author"],
            "planned_minutes": row["planned_minutes"],
            "actual_minutes": row["actual_minutes"],
            "attendees": json.loads(row["attendees"]),
            "sections": json.loads(row["sections"]),
            "next_steps": row["next_steps"],
            "confidence": row["confidence"],
            "readings": readings,
            "assessment": (
                {"date": assessment[0]["date"], "scores": {k: assessment[0][k] for k in SUBSCORES}, "note": assessment[0]["note"]}
                if assessment
                else None
            ),
            "action_items": actions,
            "learnings": learnings,
        }

    # ----- search ----------------------------------------------------------

    def search(self, words: Iterable[str], limit: int | None = None) -> list[dict]:
        """Check-ins (notes, next steps), lessons and decisions holding every one of ``words`` (each also as the start of
        a longer word), best match first (FTS5's bm25; the client's name counts half), newest first among equals.

        Each hit says what it is (``source``: checkin, lesson or decision) and carries ``snippet``, the text around
        the words found, with ``highlights``, the [start, end) offsets of those words in it.
        """
        # Every word is quoted (a phrase of its own), so no text can be read as FTS5 syntax.
        match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        if not match:
            raise StoreError("say what to search for")
        rows = self.conn.execute(
            f"""SELECT rowid, source, snippet(search_index, -1, char({MARK_START}), char({MARK_END}), '…', {SNIPPET_WORDS}),
                       bm25(search_index, 0, 0, 0, 0.5, 1, 1, 1, 1, 1, 1) AS rank
                FROM search_index WHERE search_index MATCH ? ORDER BY rank, date DESC, rowid DESC LIMIT ?""",
            (match, -1 if limit is None else limit),
        ).fetchall()
        found = self._hits([rowid for rowid, *_ in rows])
        hits = []
        for rowid, _source, marked, rank in rows:
            if rowid not in found:
                continue
            snippet, highlights = _unmark(marked)
            hits.append({**found[rowid], "snippet": snippet, "highlights": highlights, "score": -rank})
        return hits

    def recent_learnings(self, limit: int | None = None) -> list[dict]:
        """Lessons and decisions, newest first, as ``search`` gives them (the snippet is what was learned or decided)."""
        ids = [-r[0] for r in self.conn.execute("SELECT id FROM learnings ORDER BY date DESC, id DESC LIMIT ?", (-1 if limit is None else limit,))]
        found = self._hits(ids)
        return [{**found[rowid], "snippet": found[rowid]["what"], "highlights": [], "score": None} for rowid in ids]

    def _hits(self, rowids: list[int]) -> dict[int, dict]:
        """The check-ins (positive ids) and learnings (negative) behind search_index rows, by rowid, in the keys of a hit."""
        found: dict[int, dict] = {}
        checkins = [rowid for rowid in rowids if rowid > 0]
        learnings = [-rowid for rowid in rowids if rowid < 0]
        for chunk in _chunks(checkins):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(f"{CHECKIN_HITS} WHERE c.id IN ({marks})", chunk):
                try:
                    sections = json.loads(row["sections"])
                except ValueError:
                    sections = []
                notes = [str(s["notes"]) for s in sections if isinstance(s, dict) and isinstance(s.get("notes"), str)]
                found[row["id"]] = {
                    "source": "checkin",
                    "id": row["id"],
                    "client": row["client_id"],
                    "client_name": row["client_name"],
                    "date": row["date"],
                    "kind": row["kind"],
                    "what": "\n".join(notes),
                    "why": "",
                    "who": row["author"],
                    "origin": None,
                    "next_steps": row["next_steps"],
                    "checkin_id": row["id"],
                }
        for chunk in _chunks(learnings):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(f"{LEARNING_HITS} WHERE l.id IN ({marks})", chunk):
                found[-row["id"]] = {
                    "source": row["kind"],
                    "id": row["id"],
                    "client": row["client_id"],
                    "client_name": row["client_name"],
                    "date": row["date"],
                    "kind": row["kind"],
                    "what": row["what"],
                    "why": row["why"],
                    "who": row["who"],
                    "origin": row["source"],
                    "next_steps": "",
                    "checkin_id": row["checkin_id"],
                }
        return found

    def record_expansion_checkin(
        self,
        client_id: str,
        opportunity_id: int,
        checkin: models.CheckIn,
        actions: list[models.ActionItem],
        outcome: dict | None,
        learnings: Iterable[models.Learning] = (),
        expected_version: int | None = None,
    ) -> int:
        """Store an expansion conversation and its outcome (stage, next action) on the opportunity, in one transaction.

        Refused when someone saved the opportunity since ``expected_version`` (nothing of the conversation is stored).
        """
        with self._write():
            self.require_client(client_id)
            row = self.conn.execute(
                "SELECT version, stage, closed_on FROM opportunities WHERE id = ? AND client_id = ?", (opportunity_id, client_id)
            ).fetchone()
            if not row:
                raise StoreError(f"no opportunity {opportunity_id} for {client_id}")
            self._check_opportunity_version(opportunity_id, expected_version)
            stamp = self._stamp()
            checkin_id = self.db["checkins"].insert(self._checkin_row(client_id, checkin, stamp)).last_pk
            self._insert_captured(client_id, checkin_id, actions, learnings, stamp)
            if outcome:
                self.db["opportunities"].update(
                    opportunity_id,
                    {
                        "stage": outcome["stage"],
                        "next_action": outcome["next_action"],
                        "closed_on": _iso(pipeline.closed_on(outcome["stage"], None, row[1], _d(row[2]), checkin.date)),
                        "next_action_date": outcome["next_action_date"].isoformat() if outcome["next_action_date"] else None,
                        "version": row[0] + 1,
                        **stamp,
                    },
                )
            self.conn.execute(
                "DELETE FROM drafts WHERE client_id = ? AND date = ? AND kind = 'expansion' AND author = ?",
                (client_id, checkin.date.isoformat(), self.actor),
            )
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "expansion-check-in", client_id, {"id": checkin_id, "opportunity": opportunity_id, "outcome": outcome})
        return checkin_id

    # ----- practice: outcomes, advocacy, tickets, pulses, learnings, checklist ----

    def _add_row(self, table: str, client_id: str, row: dict, action: str, detail: dict) -> int:
        with self._write():
            self.require_client(client_id)
            new_id = self.db[table].insert({"client_id": client_id, **row, **self._stamp()}).last_pk
            audit(self.conn, self.actor, action, client_id, {"id": new_id, **detail})
        return new_id

    def add_outcome(self, client_id: str, outcome: models.Outcome) -> int:
        return self._add_row(
            "outcomes",
            client_id,
            {"date": outcome.date.isoformat(), "kind": outcome.kind, "note": outcome.note},
            "outcome",
            {"kind": outcome.kind, "date": outcome.date.isoformat()},
        )

    def add_referral(self, client_id: str, referral: models.Referral) -> int:
        row = self._referral_row(client_id, referral, {})
        del row["client_id"]
        return self._add_row("referrals", client_id, row, "referral", {"prospect": referral.prospect})

    def add_pulse(self, client_id: str, pulse: models.Pulse) -> int:
        row = self._pulse_row(client_id, pulse, {})
        del row["client_id"]
        return self._add_row(
            "pulses", client_id, row, "pulse", {"date": pulse.date.isoformat(), "recommend": pulse.recommend, "satisfaction": pulse.satisfaction}
        )

    def add_escalation(self, client_id: str, escalation: models.Escalation) -> int:
        row = self._escalation_row(client_id, escalation, {"changed_by": self.actor})
        del row["client_id"], row["changed_by"]
        return self._add_row(
            "escalations", client_id, row, "escalate", {"to": escalation.to, "reason": escalation.reason, "date": escalation.date.isoformat()}
        )

    def add_recovery_step(self, client_id: str, step: models.RecoveryStep) -> int:
        """Add a step to the client's recovery plan; returns its number in the plan (1 for the first)."""
        row = self._recovery_row(client_id, step, {})
        del row["client_id"]
        with self._write():
            self._add_row("recovery_steps", client_id, row, "recovery-add", {"step": step.step, "due": step.due.isoformat(), "owner": step.owner})
            return self.conn.execute("SELECT COUNT(*) FROM recovery_steps WHERE client_id = ?", (client_id,)).fetchone()[0]

    def recovery_steps(self, client_id: str) -> list[models.RecoveryStep]:
        """The client's recovery plan, step 1 first."""
        return self.client(client_id, parts={"recovery"}).recovery

    def complete_recovery_step(self, client_id: str, number: int, day: date) -> models.RecoveryStep:
        """Mark step ``number`` (1 for the first) of the client's recovery plan done on ``day``; returns it as it was."""
        with self._write():
            self.require_client(client_id)
            rows = self._rows("SELECT * FROM recovery_steps WHERE client_id = ? ORDER BY id", (client_id,))
            if not 1 <= number <= len(rows):
                plan = ("its plan has step 1" if len(rows) == 1 else f"its plan has steps 1-{len(rows)}") if rows else "it has no recovery plan"
                raise StoreError(f"client '{client_id}' has no recovery step {number} ({plan})")
            row = rows[number - 1]
            if row["done_on"] is not None:
                raise StoreError(f"recovery step {number} of '{client_id}' was already done on {row['done_on']} (recorded by {row['changed_by']})")
            if day.isoformat() < row["added"]:
                raise StoreError(f"recovery step {number} of '{client_id}' was added on {row['added']}; it cannot be done on {day}, before that")
            stamp = self._stamp()
            self.conn.execute(
                "UPDATE recovery_steps SET done_on = ?, version = version + 1, changed_at = ?, changed_by = ? WHERE id = ?",
                (day.isoformat(), stamp["changed_at"], stamp["changed_by"], row["id"]),
            )
            audit(self.conn, self.actor, "recovery-done", client_id, {"step": number, "done_on": day.isoformat()})
        return self._recovery_step(row)

    # ----- the rollout's waves ------------------------------------------------------------------

    def add_rollout_wave(self, client_id: str, wave: models.RolloutWave) -> int:
        """Add a wave to the client's rollout; returns its number (1 for the first). A name the client's waves have
        already, or a unit other than theirs, is refused."""
        row = self._wave_row(client_id, wave, {})
        del row["client_id"]
        with self._write():
            self.require_client(client_id)
            waves = self._rows("SELECT name, unit FROM rollout_waves WHERE client_id = ? ORDER BY id", (client_id,))
            if any(w["name"] == wave.name for w in waves):
                raise StoreError(f"client '{client_id}' has a rollout wave named '{wave.name}' already")
            if waves and waves[0]["unit"] != wave.unit:
                raise StoreError(f"the rollout waves of '{client_id}' count {waves[0]['unit']}, not {wave.unit}: one unit for all of them")
            self._add_row("rollout_waves", client_id, row, "rollout-add", {"name": wave.name, "planned": wave.planned, "unit": wave.unit})
            return len(waves) + 1

    def rollout_unit(self, client_id: str) -> str | None:
        """What the client's rollout waves count (None when it has none)."""
        found = self.conn.execute("SELECT unit FROM rollout_waves WHERE client_id = ? ORDER BY id LIMIT 1", (client_id,)).fetchone()
        return found[0] if found else None

    def update_rollout_wave(self, client_id: str, number: int, action: str, **fields: Any) -> models.RolloutWave:
        """Set ``fields`` (planned, planned_date, live, live_on) of wave ``number`` (1 for the first) of the client's
        rollout; returns the wave as it is now (audited as ``action``)."""
        assert fields and set(fields) <= {"planned", "planned_date", "live", "live_on"}, fields
        values = {name: _iso(value) if isinstance(value, date) else value for name, value in fields.items()}
        with self._write():
            self.require_client(client_id)
            rows = self._rows("SELECT * FROM rollout_waves WHERE client_id = ? ORDER BY id", (client_id,))
            if not 1 <= number <= len(rows):
                waves = f"its rollout has waves 1-{len(rows)}" if len(rows) > 1 else "its rollout has wave 1" if rows else "it has no rollout waves"
                raise StoreError(f"client '{client_id}' has no rollout wave {number} ({waves})")
            row = rows[number - 1]
            stamp = self._stamp()
            self.conn.execute(
                f"UPDATE rollout_waves SET {', '.join(f'{name} = ?' for name in values)}, version = version + 1, changed_at = ?, changed_by = ? "
                "WHERE id = ?",
                (*values.values(), stamp["changed_at"], stamp["changed_by"], row["id"]),
            )
            audit(self.conn, self.actor, action, client_id, {"wave": number, "name": row["name"], **values})
        return self._rollout_wave({**row, **values})

    def add_learning(self, client_id: str, learning: models.Learning, checkin_id: int | None = None) -> int:
        row = self._learning_row(client_id, learning, {})
        del row["client_id"]
        return self._add_row("learnings", client_id, {**row, "checkin_id": checkin_id}, "learning", {"kind": learning.kind, "what": learning.what})

    def request_testimonial(self, client_id: str, day: date) -> int:
        return self._add_row("testimonials", client_id, {"requested": day.isoformat()}, "testimonial-requested", {"date": day.isoformat()})

    def answer_testimonial(self, client_id: str, answer: str, day: date) -> None:
        """Record the answer to the client's open testimonial request (one is opened when there is none)."""
        with self._write():
            self.require_client(client_id)
            row = self.conn.execute(
                "SELECT id, version, requested FROM testimonials WHERE client_id = ? AND answer = 'pending' ORDER BY requested DESC, id DESC",
                (client_id,),
            ).fetchone()
            stamp = self._stamp()
            if row is None:
                self.db["testimonials"].insert(
                    {"client_id": client_id, "requested": day.isoformat(), "answer": answer, "answered": day.isoformat(), **stamp}
                )
            else:
                if day < date.fromisoformat(row[2]):
                    raise StoreError(f"the testimonial was asked for on {row[2]}; the answer cannot come before that")
                self.db["testimonials"].update(row[0], {"answer": answer, "answered": day.isoformat(), "version": row[1] + 1, **stamp})
            audit(self.conn, self.actor, "testimonial-answered", client_id, {"answer": answer, "date": day.isoformat()})

    def convert_referral(self, referral_id: int, became_engagement: bool = True) -> str:
        """Mark whether a referral became an engagement; returns the client who referred."""
        with self._write():
            row = self.conn.execute("SELECT client_id, version FROM referrals WHERE id = ?", (referral_id,)).fetchone()
            if not row:
                raise StoreError(f"no referral {referral_id}")
            self.db["referrals"].update(referral_id, {"became_engagement": int(became_engagement), "version": row[1] + 1, **self._stamp()})
            audit(self.conn, self.actor, "referral-converted", row[0], {"id": referral_id, "became_engagement": became_engagement})
        return row[0]

    def referrals(self, client_id: str | None = None) -> list[dict]:
        where, params = ("WHERE r.client_id = ?", [client_id]) if client_id else ("", [])
        return self._rows(
            "SELECT r.id, r.client_id AS client, c.name AS client_name, r.date, r.prospect, r.became_engagement, "
            f"r.note FROM referrals r JOIN clients c ON c.id = r.client_id {where} ORDER BY r.date, r.id",
            params,
        )

    def add_ticket(self, client_id: str, ticket: models.Ticket) -> str:
        """Log a support ticket; returns its reference (T-n when it came without one)."""
        with self._write():
            self.require_client(client_id)
            taken = {r[0] for r in self.conn.execute("SELECT ref FROM tickets WHERE client_id = ?", (client_id,))}
            if ticket.ref in taken:
                raise StoreError(f"{client_id} already has a ticket {ticket.ref}")
            ref = ticket.ref or _next_ref(taken)
            self.db["tickets"].insert(self._ticket_row(client_id, ticket.model_copy(update={"ref": ref}), self._stamp()))
            audit(self.conn, self.actor, "ticket", client_id, {"ref": ref, "impact": ticket.impact, "users": ticket.users})
        return ref

    def ticket(self, client_id: str, ref: str) -> tuple[models.Ticket, int]:
        """One ticket and its version (to save it back with update_ticket)."""
        self.require_client(client_id)
        rows = self._rows("SELECT * FROM tickets WHERE client_id = ? AND ref = ?", [client_id, ref])
        if not rows:
            raise StoreError(f"{client_id} has no ticket {ref}")
        return self.ticket_of(rows[0]), rows[0]["version"]

    def update_ticket(self, client_id: str, ticket: models.Ticket, expected_version: int) -> None:
        """Save a changed ticket; refused when someone else saved it since ``expected_version``."""
        with self._write():
            row = self.conn.execute("SELECT id, version, changed_by FROM tickets WHERE client_id = ? AND ref = ?", (client_id, ticket.ref)).fetchone()
            if not row:
                raise StoreError(f"{client_id} has no ticket {ticket.ref}")
            if row[1] != expected_version:
                raise StoreError(f"{row[2]} changed ticket {ticket.ref} meanwhile; look at it again")
            self.db["tickets"].update(row[0], {**self._ticket_row(client_id, ticket, self._stamp()), "version": row[1] + 1})
            audit(
                self.conn,
                self.actor,
                "ticket-changed",
                client_id,
                {"ref": ticket.ref, "resolved": _iso(ticket.resolved), "escalated": ticket.escalated},
            )

    def tickets(self, client_id: str | None = None, open_only: bool = False, owner: str | None = None) -> list[dict]:
        """Tickets as rows with their client's name, oldest first."""
        where, params = ["1 = 1"], []
        if client_id:
            where.append("t.client_id = ?")
            params.append(client_id)
        if open_only:
            where.append("t.resolved IS NULL")
        if owner:
            where.append("c.owner = ?")
            params.append(owner)
        return self._rows(
            "SELECT t.client_id AS client, c.name AS client_name, t.ref, t.title, t.category, t.impact, t.users, t.opened, "
            "t.first_response, t.resolved, t.escalated, t.first_contact, t.version FROM tickets t "
            f"JOIN clients c ON c.id = t.client_id WHERE {' AND '.join(where)} ORDER BY t.opened, t.client_id, t.id",
            params,
        )

    def _checklist_rows(self, client_id: str, defaults: list[models.ChecklistItem]) -> None:
        """Write the default checklist for a client that has none yet (its first edit makes it its own)."""
        if not self.conn.execute("SELECT 1 FROM checklist_items WHERE client_id = ?", (client_id,)).fetchone():
            stamp = self._stamp()
            self.db["checklist_items"].insert_all(self._checklist_row(client_id, i, item, stamp) for i, item in enumerate(defaults))

    def check_item(self, client_id: str, key: str, done: bool, day: date, defaults: list[models.ChecklistItem], note: str | None = None) -> None:
        """Tick (or untick) a knowledge-transfer item."""
        with self._write():
            self.require_client(client_id)
            self._checklist_rows(client_id, defaults)
            row = self.conn.execute("SELECT version, note FROM checklist_items WHERE client_id = ? AND key = ?", (client_id, key)).fetchone()
            if not row:
                raise StoreError(f"{client_id}'s handover checklist has no item '{key}'")
            self.conn.execute(
                "UPDATE checklist_items SET done = ?, done_on = ?, note = ?, version = ?, changed_at = ?, changed_by = ? "
                "WHERE client_id = ? AND key = ?",
                (
                    int(done),
                    day.isoformat() if done else None,
                    note if note is not None else row[1],
                    row[0] + 1,
                    now_stamp(),
                    self.actor,
                    client_id,
                    key,
                ),
            )
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "checklist", client_id, {"key": key, "done": done})

    def add_checklist_item(self, client_id: str, item: models.ChecklistItem, defaults: list[models.ChecklistItem]) -> None:
        with self._write():
            self.require_client(client_id)
            self._checklist_rows(client_id, defaults)
            if self.conn.execute("SELECT 1 FROM checklist_items WHERE client_id = ? AND key = ?", (client_id, item.key)).fetchone():
                raise StoreError(f"{client_id}'s handover checklist already has an item '{item.key}'")
            position = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM checklist_items WHERE client_id = ?", (client_id,)).fetchone()[0]
            self.db["checklist_items"].insert(self._checklist_row(client_id, position, item, self._stamp()))
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "checklist-add", client_id, {"key": item.key, "label": item.label})

    def remove_checklist_item(self, client_id: str, key: str, defaults: list[models.ChecklistItem]) -> None:
        with self._write():
            self.require_client(client_id)
            self._checklist_rows(client_id, defaults)
            if not self.conn.execute("DELETE FROM checklist_items WHERE client_id = ? AND key = ?", (client_id, key)).rowcount:
                raise StoreError(f"{client_id}'s handover checklist has no item '{key}'")
            self._refresh(client_id, ("summary",))
            audit(self.conn, self.actor, "checklist-remove", client_id, {"key": key})

    # ----- check acknowledgements and KPI feeds -----------------------------

    def acknowledge(self, finding_id: str, client_id: str, until: date, reason: str) -> dict | None:
        """Silence a `check` finding until ``until`` (inclusive); returns the acknowledgement it replaced, if any."""
        with self._write():
            self.require_client(client_id)
            old = self._rows("SELECT until, reason, changed_by AS by FROM acknowledgements WHERE finding_id = ?", [finding_id])
            stamp = self._stamp()
            self.conn.execute(
                "INSERT OR REPLACE INTO acknowledgements (finding_id, client_id, until, reason, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?)",
                (finding_id, client_id, until.isoformat(), reason, stamp["changed_at"], stamp["changed_by"]),
            )
            audit(
                self.conn,
                self.actor,
                "ack",
                client_id,
                {"finding": finding_id, "until": until.isoformat(), "reason": reason, "replaced": old[0] if old else None},
            )
        return old[0] if old else None

    def touchpoint_changes(self, owner: str | None = None) -> dict[tuple[str, date, str], int]:
        """Per (client, touchpoint date, kind): how many outcomes, moves, reopenings and finished check-ins the audit
        trail records for it (of ``owner``'s clients, when given)."""
        where, params = "", []
        if owner is not None:
            where, params = "AND client_id IN (SELECT id FROM clients WHERE owner = ?)", [owner]
        rows = self.conn.execute(
            "SELECT client_id, coalesce(json_extract(detail, '$.touchpoint'), json_extract(detail, '$.date')) AS day, "
            "json_extract(detail, '$.kind') AS kind, count(*) FROM audit "
            f"WHERE action IN ('done', 'skipped', 'moved', 'reopen', 'check-in') AND json_valid(detail) {where} GROUP BY 1, 2, 3",
            params,
        ).fetchall()
        found: dict[tuple[str, date, str], int] = {}
        for client_id, day, kind, count in rows:
            try:
                found[client_id, date.fromisoformat(day), kind] = count
            except (TypeError, ValueError):
                continue  # a row another tool wrote without a date names no touchpoint
        return found

    def acknowledgements(self) -> dict[str, dict]:
        """Every stored acknowledgement by finding id: until (YYYY-MM-DD), reason, by, at."""
        return {
            r["finding_id"]: {"until": r["until"], "reason": r["reason"], "by": r["changed_by"], "at": r["changed_at"]}
            for r in self._rows("SELECT * FROM acknowledgements ORDER BY finding_id")
        }

    def import_readings(self, rows: Iterable[tuple[str, str, date, float]], source: str | None = None) -> dict[str, int]:
        """Write (client, KPI key, date, value) readings in one transaction.

        A reading equal to the stored one is left alone (not rewritten, not audited);
        one audit row records the counts, and none is written when nothing changed.
        Returns the counts: added, replaced, unchanged.
        """
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        touched: set[str] = set()
        changed: dict[str, tuple[date, set[int]]] = {}  # per client: its earliest reading written, the KPIs written
        with self._write():
            kpi_ids = {(c, k): i for i, c, k in self.conn.execute("SELECT id, client_id, key FROM kpis")}
            stamp = self._stamp()
            for client_id, key, day, value in rows:
                kpi_id = kpi_ids.get((client_id, key))
                if kpi_id is None:
                    self.require_client(client_id)
                    raise StoreError(f"client '{client_id}' has no KPI '{key}'")
                old = self.conn.execute("SELECT value FROM readings WHERE kpi_id = ? AND date = ?", (kpi_id, day.isoformat())).fetchone()
                if old is not None and old[0] == value:
                    counts["unchanged"] += 1
                    continue
                if old is None:
                    self.conn.execute(
                        "INSERT INTO readings (kpi_id, date, value, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)",
                        (kpi_id, day.isoformat(), value, stamp["changed_at"], stamp["changed_by"]),
                    )
                    counts["added"] += 1
                else:
                    self.conn.execute(
                        "UPDATE readings SET value = ?, changed_at = ?, changed_by = ? WHERE kpi_id = ? AND date = ?",
                        (value, stamp["changed_at"], stamp["changed_by"], kpi_id, day.isoformat()),
                    )
                    counts["replaced"] += 1
                touched.add(client_id)
                earliest, kpis = changed.get(client_id, (day, set()))
                changed[client_id] = (min(earliest, day), kpis | {kpi_id})
            for client_id, (earliest, kpis) in changed.items():
                self._refresh(client_id, ("kpis", "standing", "summary"), since=earliest, kpi_ids=kpis)
            if touched:
                audit(
                    self.conn,
                    self.actor,
                    "import-readings",
                    next(iter(touched)) if len(touched) == 1 else None,
                    {**counts, "clients": sorted(touched), "source": source},
                )
        return counts

    def bulk_load(self, rows: dict[str, Iterable[dict]]) -> None:
        """Insert raw rows (table name -> row dicts, tables in the order given) in one transaction.

        For generated data such as the benchmark's portfolio: rows go in as given (no model
        validation, no stamps added; every row must carry changed_at and changed_by where its
        table has them). One audit row records how many rows each table received.
        """
        counts: dict[str, int] = {}

        def counted(table: str, source: Iterable[dict]) -> Iterable[dict]:
            for row in source:
                counts[table] += 1
                yield row

        with self._write():
            known = set(self.db.table_names())
            for table, table_rows in rows.items():
                if table not in known or table in ("audit", "schema_version", "derivation", *DERIVED_TABLES):
                    raise StoreError(f"bulk_load: no table '{table}' to load")
                counts[table] = 0
                self.db[table].insert_all(counted(table, table_rows), batch_size=1000)
            # Every derived row made again from what is there now, as after a change of rules.
            projections.rebuild(self.conn, self.rules, self.on_progress)
            audit(self.conn, self.actor, "bulk-load", None, counts)

    # ----- the team's rules ---------------------------------------------------

    def stored_rules(self) -> tuple[int, str | None]:
        """The version of the rules in force (0: never changed) and their stored document (None: the bundled rules)."""
        row = self.conn.execute("SELECT version, document FROM rules ORDER BY version DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, None)

    def rules_history(self) -> list[dict]:
        """Every change of the rules, newest first: version, fingerprint, when and by whom, and whether it was a reset."""
        rows = self._rows("SELECT version, fingerprint, changed_at, changed_by, document IS NULL AS reset FROM rules ORDER BY version DESC")
        return [{**row, "reset": bool(row["reset"])} for row in rows]

    def set_rules(self, document: str | None, rules: Rules) -> int:
        """Store new rules for the database (``document`` None: back to the bundled ones) and remake every derived row
        under them, all in one transaction; returns the new version. ``rules`` are the document's, already checked."""
        with self._write():
            version = self.stored_rules()[0] + 1
            self.conn.execute(
                "INSERT INTO rules (version, document, fingerprint, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)",
                (version, document, rules.fingerprint, now_stamp(), self.actor),
            )
            self.rules = rules
            projections.rebuild(self.conn, rules, self.on_progress, horizon=self._day() + timedelta(days=projections.HORIZON_DAYS))
            audit(
                self.conn,
                self.actor,
                "rules reset" if document is None else "rules import",
                None,
                {"version": version, "fingerprint": rules.fingerprint},
            )
        return version

    # ----- reads over the derived rows ----------------------------------------

    def commit_counter(self) -> int:
        """A number that moves on whenever another connection committed (SQLite's PRAGMA data_version)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def data_version(self) -> int:
        """A number that moves on with every change people see (the newest audit row)."""
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]

    def horizon(self) -> date | None:
        """The last day the derived touchpoints reach (the reads below answer for days up to it)."""
        return stored_state(self.conn)[1]

    def _within_horizon(self, day: date, what: str) -> None:
        horizon = self.horizon()
        if horizon is None or day > horizon:
            raise StoreError(
                f"{what} reaches {day}, past {horizon}, the last day touchpoints are worked out for; "
                "open the database for writing with a later day to move it on"
            )

    def agenda_rows(self, day: date, owner: str | None = None) -> list[AgendaRow]:
        """The agenda of ``day`` (of ``owner``'s clients, when given), in the order of core.schedule.agenda_order.

        Per client in support (active, or handed over with its sustainment cadence): one overdue
        row for each kind missed before ``day`` (since go-live, not superseded by a same-or-more-senior
        touchpoint done by then), with how many were missed and the latest of them; and a due row
        for what is scheduled on ``day``.
        """
        self._within_horizon(day, "the agenda")
        which, params = ("AND c.owner = :owner", {"owner": owner}) if owner else ("", {})
        rows = self.conn.execute(
            self._agenda_touchpoints(which)
            # The band looked up row by row: a client has one or two rows, and gathering the clients first costs more.
            + "SELECT CASE WHEN r.date = :day THEN 'due' ELSE 'overdue' END, r.client_id, c.name, c.owner, c.go_live, r.kind, r.date, "
            "r.missed, r.covers, (SELECT band FROM standing WHERE client_id = r.client_id AND valid_from <= :day ORDER BY valid_from DESC LIMIT 1) "
            "FROM rows r JOIN clients c ON c.id = r.client_id",
            {"day": day.isoformat(), **params},
        ).fetchall()
        # Sorted as fetched (each key from the row's own fields), then made rows, their covers decoded once per text.
        rows.sort(key=lambda r: agenda_key(r[0], r[9], r[5], r[2], r[6]))
        covers_of: dict[str, tuple[str, ...]] = {}
        return [
            AgendaRow(
                status,
                client,
                name,
                owner_,
                go_live,
                kind,
                when,
                missed,
                covers_of[covers] if covers in covers_of else covers_of.setdefault(covers, tuple(_covers(covers))),
                band,
            )
            for status, client, name, owner_, go_live, kind, when, missed, covers, band in rows
        ]

    @staticmethod
    def _agenda_touchpoints(which: str = "") -> str:
        """``WITH rows AS (...)``: the touchpoints :day's agenda shows (``which``: a condition on the clients ``c``),
        each as (client_id, kind, date, missed, covers). Scheduled ones up to the day that nothing superseded by
        then (never superseded: one index range per client; superseded only later: one range over all); of those
        before the day, the latest of each kind (no scheduled one of its kind between it and the day), its run
        the missed ones it stands for (core.schedule.open_runs); before go-live only the day's own one counts."""
        shown = f"c.status != 'closed' {which} AND (t.date = :day OR (t.date >= c.go_live AND (t.next_same IS NULL OR t.next_same >= :day)))"
        columns = "t.client_id, t.kind, t.date, CASE WHEN t.date = :day THEN 0 ELSE t.run END AS missed, t.covers"
        return (
            f"WITH rows AS (SELECT {columns} FROM clients c CROSS JOIN touchpoints t INDEXED BY touchpoints_open "
            "ON t.superseded_from IS NULL AND t.client_id = c.id AND t.date <= :day AND t.status = 'scheduled' "
            f"WHERE {shown} "
            f"UNION ALL SELECT {columns} FROM touchpoints t INDEXED BY touchpoints_open "
            "JOIN clients c ON c.id = t.client_id WHERE t.status = 'scheduled' AND t.superseded_from > :day "
            f"AND t.date <= :day AND {shown}) "
        )

    def overdue_counts(self, day: date) -> list[tuple[str, str, int]]:
        """(client, kind, how many missed) for every overdue row of ``day``'s agenda, without the rest of its rows."""
        self._within_horizon(day, "the agenda")
        return self.conn.execute(
            self._agenda_touchpoints() + "SELECT client_id, kind, missed FROM rows WHERE date < :day",
            {"day": day.isoformat()},
        ).fetchall()

    def latest_assessments(self, day: date, client_id: str | None = None, *, active_only: bool = True) -> list[tuple]:
        """Each client's latest assessment on or before ``day`` with its stored figures, by client id.

        Rows: (client, name, date, note, overall, band, previous_overall, delta, drivers JSON, nine sub-scores),
        the assessment columns None for a client never assessed by then.
        """
        where, params = _client_filter([client_id] if client_id else None, active_only, None)
        return self.conn.execute(
            f"SELECT c.id, c.name, a.date, a.note, h.overall, h.band, h.previous_overall, h.delta, h.drivers, "
            f"{', '.join('a.' + s for s in SUBSCORES)} FROM clients c "
            "LEFT JOIN assessments a ON a.client_id = c.id AND a.date = (SELECT MAX(date) FROM assessments "
            "WHERE client_id = c.id AND date <= ?) LEFT JOIN assessment_health h ON h.client_id = a.client_id "
            f"AND h.date = a.date WHERE {where} ORDER BY c.id",
            [day.isoformat(), *params],
        ).fetchall()

    def latest_readings(self, client_id: str, day: date, count: int) -> dict[str, list[tuple[str, float]]]:
        """Per KPI key of the client, its ``count`` latest readings up to ``day`` (every one when ``count`` < 1) as
        (date, value), oldest first."""
        found: dict[str, list[tuple[str, float]]] = defaultdict(list)
        since = (
            ("AND r.date >= COALESCE((SELECT date FROM readings WHERE kpi_id = k.id AND date <= ?1 ORDER BY date DESC LIMIT 1 OFFSET ?2), '') ")
            if count > 0
            else "AND ?2 IS NOT NULL "
        )
        for key, when, value in self.conn.execute(
            f"SELECT k.key, r.date, r.value FROM kpis k JOIN readings r ON r.kpi_id = k.id AND r.date <= ?1 {since}"
            "WHERE k.client_id = ?3 ORDER BY k.position, r.date",
            (day.isoformat(), count - 1, client_id),
        ):
            found[key].append((when, value))
        return found

    def bands_on(self, day: date, client_id: str | None = None) -> dict[str, Band | None]:
        """Each client's band on ``day`` (None when not assessed by then), by client id (only ``client_id``'s, when given)."""
        which, params = ("WHERE c.id = ?", (day.isoformat(), client_id)) if client_id else ("", (day.isoformat(),))
        return dict(
            self.conn.execute(
                "SELECT c.id, (SELECT band FROM standing WHERE client_id = c.id AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1) "
                f"FROM clients c {which}",
                params,
            ).fetchall()
        )

    def triage_rows(self, day: date) -> list[TriageRow]:
        """Every client's standing on ``day`` (by id): its latest assessment then, its KPIs then, its next touchpoint.

        The next touchpoint is the first scheduled one from ``day`` to NEXT_TOUCHPOINT_DAYS after it.
        """
        self._within_horizon(day + timedelta(days=NEXT_TOUCHPOINT_DAYS), "the next touchpoint of a triage")
        rows = self.conn.execute(
            "SELECT c.id, c.name, c.owner, c.tier, c.status, c.go_live, st.overall, st.band, st.delta, st.assessed, "
            "(SELECT date || ' ' || kind FROM touchpoints WHERE client_id = c.id AND status = 'scheduled' "
            "AND date >= :day AND date <= :reach ORDER BY date LIMIT 1), "
            "st.backsliding, st.kpis_on_target, s.kpis, s.weighted_pipeline, h.drop_subscore, h.drop_before, h.drop_after "
            "FROM clients c JOIN client_summary s ON s.client_id = c.id "
            "JOIN standing st ON st.client_id = c.id AND st.valid_from = "
            "(SELECT MAX(valid_from) FROM standing WHERE client_id = c.id AND valid_from <= :day) "
            "LEFT JOIN assessment_health h ON h.client_id = c.id AND h.date = st.assessed ORDER BY c.id",
            {"day": day.isoformat(), "reach": (day + timedelta(days=NEXT_TOUCHPOINT_DAYS)).isoformat()},
        ).fetchall()
        found = []
        for *row, upcoming, backsliding, on_target, kpis, weighted, subscore, before, after in rows:
            next_date, next_kind = upcoming.split(" ") if upcoming else (None, None)
            drop = None if subscore is None else (subscore, before, after)
            found.append(TriageRow._make((*row, next_date, next_kind, backsliding, on_target, kpis, weighted, drop)))
        return found

    def open_ticket_sizes(self, day: date) -> dict[str, list[tuple[str, str]]]:
        """Per client, the (impact, users) of each of its tickets still open at the end of ``day``."""
        end = f"{day + timedelta(days=1)}T00:00"  # as core.support.is_open at the midnight after the day
        tickets: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for client, impact, users in self.conn.execute(
            "SELECT client_id, impact, users FROM tickets WHERE opened <= ?1 AND (resolved IS NULL OR resolved > ?1) ORDER BY client_id, id", (end,)
        ):
            tickets[client].append((impact, users))
        return dict(tickets)

    def touchpoints_between(self, client_id: str, start: date, end: date) -> list[TouchpointRow]:
        """The client's touchpoints dated from ``start`` to ``end``, as core.schedule.schedule gives them (and superseded when)."""
        self.require_client(client_id)
        self._within_horizon(end, "the schedule")
        return [
            TouchpointRow(day, kind, _covers(covers), status, moved_from, reason, superseded)
            for day, kind, covers, status, moved_from, reason, superseded in self.conn.execute(
                "SELECT date, kind, covers, status, moved_from, reason, superseded_from FROM touchpoints "
                "WHERE client_id = ? AND date BETWEEN ? AND ? ORDER BY date",
                (client_id, start.isoformat(), end.isoformat()),
            )
        ]

    def kpi_standings(self, client_id: str, day: date) -> list[KpiStandingRow]:
        """The client's KPIs in order, each as core.kpis.kpi_status gives it on ``day``.

        A KPI read on or before ``day`` for the last time stands as stored; one read later too
        is worked out from its deciding readings up to ``day`` (see projections.kpi_standing_row).
        """
        self.require_client(client_id)
        found = []
        for kpi_id, key, name, category, unit, direction, baseline, target, benchmark, team, *standing in self.conn.execute(
            "SELECT k.id, k.key, k.name, k.category, k.unit, k.direction, k.baseline, k.target, k.benchmark, k.team, s.current, s.change, "
            "s.change_unit, s.on_target, s.trend, s.backsliding, s.retained, s.peak, s.previous, s.current_date, "
            "s.readings_count, s.forecast, s.forecast_date FROM kpis k JOIN kpi_standing s ON s.kpi_id = k.id WHERE k.client_id = ? "
            "ORDER BY k.position",
            (client_id,),
        ).fetchall():
            if benchmark is not None and not isinstance(benchmark, int | float):
                raise StoreError(
                    f"the database holds a benchmark of {client_id} {key} that is not a number ({benchmark!r}); `carebench doctor` lists such rows"
                )
            current_date = standing[9]
            if current_date is not None and current_date > day.isoformat():
                standing = self._kpi_standing_on(kpi_id, (kpi_id, key, name, category, unit, direction, baseline, target), day)
            current, change, change_unit, on_target, trend, backsliding, retained, peak, previous, when, count, forecast, forecast_date = standing
            found.append(
                KpiStandingRow(
                    key,
                    name,
                    category,
                    unit,
                    direction,
                    baseline,
                    target,
                    current,
                    change,
                    change_unit,
                    None if on_target is None else bool(on_target),
                    trend,
                    bool(backsliding),
                    retained,
                    peak,
                    previous,
                    when,
                    count,
                    bool(team),
                    benchmark,
                    forecast,
                    forecast_date,
                )
            )
        return found

    def _kpi_standing_on(self, kpi_id: int, kpi: tuple, day: date) -> list:
        """A KPI's standing columns (as kpi_standings reads them) worked out from its deciding readings up to ``day``."""
        text = day.isoformat()
        latest = self.conn.execute(
            "SELECT date, value FROM readings WHERE kpi_id = ? AND date <= ? ORDER BY date DESC LIMIT ?", (kpi_id, text, kpis.TREND_WINDOW)
        ).fetchall()[::-1]
        count, highest, lowest = self.conn.execute(
            "SELECT COUNT(*), MAX(value), MIN(value) FROM readings WHERE kpi_id = ? AND date <= ?", (kpi_id, text)
        ).fetchone()
        readings = latest
        if count > len(latest):
            best = kpis.best_of(kpi[5])(highest, lowest)
            when = self.conn.execute("SELECT MIN(date) FROM readings WHERE kpi_id = ? AND date <= ? AND value = ?", (kpi_id, text, best)).fetchone()[
                0
            ]
            readings = sorted({*latest, (when, best)})
        row = projections.kpi_standing_row(kpi_id, kpi, readings, count, self.rules.retained_threshold)
        _id, current, when, previous, change, change_unit, on_target, trend, backsliding, retained, peak, count, forecast, forecast_date = row
        return [current, change, change_unit, on_target, trend, backsliding, retained, peak, previous, when, count, forecast, forecast_date]

    def practice_records(self, ids: list[str], days: Iterable[date], counted: Iterable[date] = ()) -> dict[str, dict[str, list[tuple]]]:
        """What the practice figures read of the clients ``ids``, as plain rows per part and client (in recorded order):

        - outcomes (date, kind), referrals (date, became_engagement), pulses (date, recommend);
        - opportunities (stage, value, probability, closed_on);
        - health (date, overall, band): of the derived assessment rows, those latest on or before one of ``days``;
        - touchpoints (day, how many, how many done): how many of its touchpoints fell on or before each of the days
          ``counted`` and how many of those were done (a day before its first touchpoint is left out);
        - sustained (months, 1 | 0 | None): its results sustained at so many months after go-live (client_summary).
        """
        found: dict[str, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        if not ids:
            return found
        days_of: dict[str, date] = {}  # the same days recur across clients: each is read once
        wanted = ",".join("?" * len(ids))

        def collect(part: str, sql: str, params: Iterable, *dated: int) -> None:
            rows = found[part]
            for client_id, *values in self.conn.execute(sql, tuple(params)):
                for index in dated:
                    text = values[index]
                    if text is not None:
                        values[index] = days_of.get(text) or days_of.setdefault(text, date.fromisoformat(text))
                rows[client_id].append(tuple(values))

        collect("outcomes", f"SELECT client_id, date, kind FROM outcomes WHERE client_id IN ({wanted}) ORDER BY client_id, id", ids, 0)
        collect(
            "referrals",
            f"SELECT client_id, date, became_engagement FROM referrals WHERE client_id IN ({wanted}) ORDER BY client_id, id",
            ids,
            0,
        )
        collect("pulses", f"SELECT client_id, date, recommend FROM pulses WHERE client_id IN ({wanted}) ORDER BY client_id, id", ids, 0)
        self._refuse_broken_opportunities(f"client_id IN ({wanted})", ids)
        collect(
            "opportunities",
            f"SELECT client_id, stage, value, probability, closed_on FROM opportunities WHERE client_id IN ({wanted}) ORDER BY client_id, id",
            ids,
            3,
        )
        shown = sorted({day.isoformat() for day in days})
        if shown:
            collect(
                "health",
                f"WITH days(day) AS (VALUES {', '.join(['(?)'] * len(shown))}), picked AS (SELECT DISTINCT c.id AS client_id, "
                "(SELECT MAX(date) FROM assessment_health WHERE client_id = c.id AND date <= days.day) AS date "
                f"FROM clients c CROSS JOIN days WHERE c.id IN ({wanted})) "
                "SELECT h.client_id, h.date, h.overall, h.band FROM picked JOIN assessment_health h "
                "ON h.client_id = picked.client_id AND h.date = picked.date ORDER BY h.client_id, h.date",
                [*shown, *ids],
                0,
            )
        for client_id, six, twelve in self.conn.execute(
            f"SELECT client_id, sustained_6m, sustained_12m FROM client_summary WHERE client_id IN ({wanted})", ids
        ):
            found["sustained"][client_id] = [(6, six), (12, twelve)]
        marks = sorted({day.isoformat() for day in counted})
        if marks:
            # The client's last touchpoint on or before each day holds the counts up to that day.
            collect(
                "touchpoints",
                f"WITH marks(day) AS (VALUES {', '.join(['(?)'] * len(marks))}) SELECT t.client_id, marks.day, t.seq, t.done_seq "
                "FROM clients c CROSS JOIN marks JOIN touchpoints t ON t.client_id = c.id AND t.date = "
                "(SELECT MAX(date) FROM touchpoints WHERE client_id = c.id AND date <= marks.day) "
                f"WHERE c.id IN ({wanted}) ORDER BY c.id, marks.day",
                [*marks, *ids],
                0,
            )
        return found

    # ``model.model_construct`` from positional values, made cheap for the many rows of bulk reads (see construct.py).
    _constructor = staticmethod(constructor)


@cache
def _client_builder() -> tuple[Callable, tuple[str, ...]]:
    """Clients from every field, in the model's order (see Store._constructor), and those fields; made on first use.

    Store.clients gives every field: the client's own columns and a list for each part (empty when not asked for).
    """
    fields = tuple(models.Client.model_fields)
    return constructor(models.Client, fields), fields


@cache
def _opportunity_builder() -> Callable:
    """Opportunities from every field, in the model's order (see Store._constructor); made on first use."""
    return constructor(
        models.Opportunity,
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
