"""Every read model carebench shows: one function each, reading through a read-only store.

The portfolio-wide ones (agenda, triage, health list, pipeline) read the derived rows the
store keeps at write time; the one-client ones work out the rest with the core from
that client's data. Nothing here writes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.phases import adoption_phase, day_number, support_phase
from .inputs import UserError
from .readmodels import (
    ActionDue,
    Advocacy,
    Agenda,
    AgendaRow,
    ClientCard,
    Component,
    ContactCard,
    ContactRole,
    DashboardKpi,
    Document,
    Driver,
    EscalationEntry,
    Financials,
    Gate,
    HandoverRecord,
    Health,
    HealthDetail,
    HeldSeries,
    HistoryPoint,
    KpiDashboard,
    KpiStanding,
    NextTouchpoint,
    OpenAction,
    Pipeline,
    PipelineRow,
    PipelineTotals,
    ReadingPoint,
    RecoveryStepEntry,
    RedAttention,
    Rollout,
    RolloutWaveEntry,
    Schedule,
    ScheduledTouchpoint,
    StageTotal,
    Suggestion,
    TicketCategories,
    TierStep,
    TriageRow,
    frozen,
    frozen_map,
)
from .session import Session

# How far ahead a next touchpoint is looked for.
NEXT_TOUCHPOINT_DAYS = 400
# How many of the latest readings the KPI dashboard shows per KPI.
RECENT_READINGS = 30


if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ..core.alerts import CheckSettings
    from ..core.handover import HandoverGate
    from ..core.kpis import KpiStatus
    from ..core.models import ActionItem, Band, Client, Kpi, RolloutWave, Ticket
    from ..core.rules import Rules
    from ..core.scripts import ScriptTemplate
    from ..core.triage import TriageFacts
    from ..store import Store
    from ..store.derivation import KpiStandingRow, TouchpointRow
    from ..store.derivation import TriageRow as TriageStoreRow
    from .present import Currency
    from .readmodels import Upcoming


def currency(session: Session) -> Currency:
    """The currency amounts are written in: the team rules' (``money.currency``), else the reader's locale's."""
    from .present import currency_in_force

    return currency_in_force(session.rules.currency)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _num(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


# ----- Today ----------------------------------------------------------------------------------------


def agenda(session: Session, owner: str | None = None, day: date | None = None) -> Agenda:
    """The day's agenda: overdue touchpoints grouped per client and kind, what is due, open action items due."""
    day = day or session.today
    with session.reading() as store:
        rows = store.agenda_rows(day, owner)
        actions = store.open_action_items(due_on_or_before=day, owner=owner)
    phases: dict[str, str] = {}  # by go-live day: many clients share one
    days: dict[str, date] = {}  # the same few days recur
    items = tuple(
        AgendaRow(
            client,
            name,
            owner_,
            kind,
            days.get(when) or days.setdefault(when, date.fromisoformat(when)),
            status,
            missed,
            covers,
            band,
            phases.get(go_live) or phases.setdefault(go_live, support_phase(day_number(date.fromisoformat(go_live), day))),
        )
        for status, client, name, owner_, go_live, kind, when, missed, covers, band in rows
    )
    due = tuple(
        ActionDue(
            a["client"],
            a["client_name"],
            a["id"],
            a["text"],
            a["owner"],
            days.get(a["due"]) or days.setdefault(a["due"], date.fromisoformat(a["due"])),
            a["priority"],
        )
        for a in actions
    )
    return Agenda(day, items, due)


def schedule(session: Session, client: str, start: date | None = None, end: date | None = None) -> Schedule:
    """A client's touchpoints over a range; by default from go-live to a year after it (or a month past today)."""
    from ..core.calendar import add_months

    with session.reading() as store:
        card = store.client(client, parts={"tier_changes"})
        start = start or card.go_live
        end = end or max(add_months(card.go_live, 12), session.today + timedelta(days=30))
        rows = store.touchpoints_between(client, start, end)
        held = _held(store, card, session)
    return Schedule(
        client,
        start,
        end,
        tuple(ScheduledTouchpoint(date.fromisoformat(r.date), r.kind, tuple(r.covers), r.status, _day(r.moved_from), r.reason) for r in rows),
        held,
    )


def _held(store: Store, client: Client, session: Session) -> tuple[HeldSeries, ...]:
    """The client's gated series held today (``client`` read with its tier changes), from its stored results."""
    from ..core.handover import GateTimeline
    from ..core.schedule import held_series

    plans = session.rules.plans
    gates = GateTimeline(store.gate_states(client.id), plans.gate)
    return tuple(HeldSeries(kind, since, reason) for kind, since, reason in held_series(client, session.today, plans, gates))


# ----- health -----------------------------------------------------------------------------------------


def _components(scores: dict[str, int], weights: Mapping[str, Decimal], made: dict[tuple[Any, ...], Any] | None = None) -> Mapping[str, Component]:
    """The three components of an assessment's sub-scores: each one's mean, weight (checked) and sub-scores.

    ``made``: the components and drivers made so far for a list (the same sub-scores recur from client to client;
    records are immutable, so one is shared by all of them).
    """
    from ..core.weighting import COMPONENTS, component_mean

    made = {} if made is None else made
    found = {}
    for name, names in COMPONENTS.items():
        key = (name, *(scores[n] for n in names))
        component = made.get(key)
        if component is None:
            component = made[key] = Component(float(component_mean(scores, name)), float(weights[name]), frozen_map({n: scores[n] for n in names}))
        found[name] = component
    return frozen_map(found)


def _health_from_row(
    row: tuple[Any, ...], weights: Mapping[str, Decimal], reason: str | None = None, made: dict[tuple[Any, ...], Any] | None = None
) -> Health:
    """A client's Health from its latest assessment row (see Store.latest_assessments), under checked ``weights``
    (``made``: see _components)."""
    from ..core.terms import SUBSCORES

    client, name, when, note, overall, band, previous, delta, stored_drivers, *values = row
    if when is None:
        return Health(client, name, None, None, None, None, None, None, (), reason=reason)
    made = {} if made is None else made
    drivers = []
    for fields in json.loads(stored_drivers):
        key = tuple(fields.items())
        driver = made.get(key)
        if driver is None:
            driver = made[key] = Driver(**fields)
        drivers.append(driver)
    return Health(
        client,
        name,
        date.fromisoformat(when),
        overall,
        band,
        _components(dict(zip(SUBSCORES, values)), weights, made),
        previous,
        delta,
        tuple(drivers),
        note,
        reason,
    )


def health_list(session: Session) -> tuple[Health, ...]:
    """Every active client's latest health, most critical first (core.triage.critical_order), each with its reason."""
    from ..core.triage import critical_order, triage_reason
    from ..core.weighting import validate_weights

    with session.reading() as store:
        rows = store.latest_assessments(session.today)
        facts = {client: fact for client, (_row, fact) in _triage_facts(store, session.today).items()}
    weights = validate_weights(session.rules.weights)
    made: dict[tuple[Any, ...], Any] = {}
    found = [_health_from_row(row, weights, triage_reason(facts[row[0]]).text, made) for row in rows]
    return tuple(sorted(found, key=lambda h: (critical_order(facts[h.client]), h.client_name.casefold(), h.client)))


def _suggestions(client: Client, day: date, session: Session, statuses: list[KpiStatus]) -> dict[str, Suggestion]:
    """Evidence-based sub-score suggestions: the KPIs (support ones included), touchpoints done, pulse answers."""
    from ..core.health import suggest_subscores
    from ..core.kpis import kpi_status
    from ..core.schedule import on_time_share

    rules = session.rules
    support = [kpi_status(k, day, rules.retained_threshold) for k in _support_kpis(client, day, session)]
    share = on_time_share(client, day, plans=rules.plans, calendar=rules.calendar, scale=rules.scale)
    return {
        name: Suggestion(s.subscore, s.score, s.reason)
        for name, s in suggest_subscores(statuses + support, share, pulses=client.pulses, as_of=day).items()
    }


def assessment_start(session: Session, client_id: str) -> Document:
    """What an assessment outside a check-in starts from: the client's name, the last scores and the suggestions."""
    from ..core.health import latest_on_or_before
    from ..core.kpis import kpi_status

    day, rules = session.today, session.rules
    with session.reading() as store:
        client = store.client(client_id, parts={"kpis", "readings", "assessments", "exceptions", "tickets", "pulses", "tier_changes"})
    latest = latest_on_or_before(client.assessments, day)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    return Document(
        frozen(
            {
                "client": client.id,
                "client_name": client.name,
                "last_scores": latest.scores.model_dump() if latest else None,
                "last_assessed": latest.date.isoformat() if latest else None,
                "suggestions": {name: s.to_json() for name, s in _suggestions(client, day, session, statuses).items()},
            }
        )
    )


def health_detail(session: Session, client_id: str) -> HealthDetail:
    """One client's health breakdown and history, what the band asks for, suggestions, advocacy and pulse."""
    from ..core.health import BAND_ADVICE, health_history
    from ..core.kpis import kpi_status
    from ..core.practice import advocacy_reason, ask_for_advocacy, champion_missing, contact_tags, quarters
    from ..core.support import pulse_summary
    from ..core.weighting import validate_weights

    day, rules = session.today, session.rules
    with session.reading() as store:
        client = store.client(client_id)
        (row,) = store.latest_assessments(day, client_id, active_only=False)
    health = _health_from_row(row, validate_weights(rules.weights))
    history = tuple(
        HistoryPoint(d, float(overall), band) for d, overall, band in health_history(client.assessments, rules.weights, until=day, bands=rules.bands)
    )
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    return HealthDetail(
        health,
        history,
        tuple(BAND_ADVICE[health.band]) if health.band else (),
        frozen_map(_suggestions(client, day, session, statuses)),
        Advocacy(ask_for_advocacy(client, day, rules.scale), advocacy_reason(client, day, rules.scale)),
        frozen(pulse_summary(client.pulses, day, quarters(day, 4))),
        red_attention(session, client),
        tuple(ContactRole(*tags) for tags in contact_tags(client, day)),
        champion_missing(client, day),
    )


def red_attention(session: Session, client: Client) -> RedAttention:
    """The red client's escalations and recovery steps since it turned red, and whether `check` raises it (all
    empty when it is not red)."""
    from ..core.alerts import red_attention as attention
    from ..core.alerts import red_unattended

    day, rules = session.today, session.rules
    since, escalations, steps = attention(client, day, rules.scale)
    numbers = {id(step): number for number, step in enumerate(client.recovery, 1)}
    return RedAttention(
        since,
        tuple(EscalationEntry(e.date, e.to, e.reason, e.by) for e in escalations),
        tuple(RecoveryStepEntry(numbers[id(s)], s.step, s.due, s.owner, s.added, s.done_on, s.done_on is None and s.due < day) for s in steps),
        bool(red_unattended(client, day, rules.red_working_days, rules.calendar, scale=rules.scale)),
    )


def recovery_plan(session: Session, client_id: str) -> tuple[RecoveryStepEntry, ...]:
    """Every step of the client's recovery plan, step 1 first."""
    day = session.today
    with session.reading() as store:
        steps = store.recovery_steps(client_id)
    return tuple(RecoveryStepEntry(n, s.step, s.due, s.owner, s.added, s.done_on, s.done_on is None and s.due < day) for n, s in enumerate(steps, 1))


# ----- KPIs -------------------------------------------------------------------------------------------------


def _standing(status: KpiStandingRow | KpiStatus) -> KpiStanding:
    """A KPI's standing as shown: a retained share that cannot be meaningful is None, with the reason beside it; the
    current value against the benchmark."""
    from ..core.kpis import retained_note, versus_benchmark

    data = status._asdict() if hasattr(status, "_asdict") else status.model_dump()
    for name in ("current_date", "forecast_date"):
        data[name] = _day(data[name]) if isinstance(data[name], str) else data[name]
    note = retained_note(data["direction"], data["baseline"], data["target"], data["peak"], data["retained"])
    if note:
        data["retained"] = None
    return KpiStanding(**data, retained_note=note, vs_benchmark=versus_benchmark(data["unit"], data["benchmark"], data["current"]))


def _support_kpis(client: Client, day: date, session: Session) -> list[Kpi]:
    """The support KPIs of the client's ticket log under the rules in force (``client`` with its tickets and tier changes)."""
    from ..core.support import response_due, support_kpis, ticket_tier

    rules = session.rules
    return support_kpis(
        client.tickets,
        day,
        resolution_target=rules.median_resolution_hours,
        response_due=lambda ticket: response_due(ticket, ticket_tier(client, ticket), rules),
    )


def kpis(session: Session, client_id: str) -> tuple[KpiStanding, ...]:
    """Each KPI's standing on the day, the client's own then the support KPIs derived from its tickets."""
    from ..core.kpis import kpi_status

    day = session.today
    with session.reading() as store:
        own = store.kpi_standings(client_id, day)
        client = store.client(client_id, parts={"tickets", "tier_changes"})
    rules = session.rules
    support = [kpi_status(k, day, rules.retained_threshold) for k in _support_kpis(client, day, session)]
    standings: list[KpiStandingRow | KpiStatus] = [*own, *support]
    return tuple(_standing(s) for s in standings)


def kpi_dashboard(session: Session, client_id: str, recent: int = RECENT_READINGS) -> KpiDashboard:
    """One client's KPI dashboard: each KPI's standing with its ``recent`` latest readings (every one when < 1), open action items, financials."""
    from ..core.finance import financials
    from ..core.kpis import kpi_status

    day = session.today
    with session.reading() as store:
        client = store.client(client_id, parts={"savings", "action_items", "tickets", "tier_changes", "rollout"})
        own = store.kpi_standings(client_id, day)
        latest = store.latest_readings(client_id, day, recent)
    support = _support_kpis(client, day, session)
    kpis_shown = [DashboardKpi(_standing(s), tuple(ReadingPoint(date.fromisoformat(d), v) for d, v in latest.get(s.key, []))) for s in own]
    for kpi in support:
        status = kpi_status(kpi, day, session.rules.retained_threshold)
        upto = [r for r in kpi.readings if r.date <= day]
        kpis_shown.append(DashboardKpi(_standing(status), tuple(ReadingPoint(r.date, r.value) for r in (upto[-recent:] if recent > 0 else upto))))
    money = financials(client.savings, client.investment, client.roi_target, day)
    by_category = _ticket_categories(client.tickets, day, datetime.combine(day, time(23, 59)))
    return KpiDashboard(
        client.id,
        client.name,
        tuple(kpis_shown),
        frozen(money.model_dump(mode="json")),
        tuple(_open_action(a) for a in client.action_items if a.status == "open"),
        by_category.came_in,
        by_category,
        _rollout(client.id, client.rollout, day),
    )


def _ticket_categories(tickets: Iterable[Ticket], day: date, at: datetime) -> TicketCategories:
    from ..core.support import open_by_category, support_weeks_start, tickets_by_category

    tickets = list(tickets)
    since = support_weeks_start(day)
    return TicketCategories(since, day, at, frozen_map(tickets_by_category(tickets, since, day)), frozen_map(open_by_category(tickets, at)))


def ticket_categories(session: Session, client_id: str, at: datetime) -> TicketCategories:
    """A client's tickets by category: those that came in during the support KPIs' weeks up to the day, and those open at ``at``."""
    with session.reading() as store:
        client = store.client(client_id, parts={"tickets"})
    return _ticket_categories(client.tickets, session.today, at)


def _rollout(client_id: str, waves: Iterable[RolloutWave], day: date) -> Rollout:
    from ..core.rollout import adoption_share

    found = adoption_share(waves, day)
    entries = tuple(RolloutWaveEntry(w.number, w.name, w.unit, w.planned, w.live, w.planned_date, w.live_on, w.share, w.state) for w in found.waves)
    return Rollout(client_id, found.share, found.live, found.planned, found.unit, found.not_sized, found.live_not_sized, entries)


def rollout(session: Session, client_id: str) -> Rollout:
    """The client's rollout waves, wave 1 first, and the adoption share across them on the session's day."""
    with session.reading() as store:
        client = store.client(client_id, parts={"rollout"})
    return _rollout(client.id, client.rollout, session.today)


def _open_action(a: ActionItem) -> OpenAction:
    return OpenAction(a.text, a.owner, a.due, a.priority, a.status, a.done_on, a.source)


# ----- one client ----------------------------------------------------------------------------------------------


def handover_gate_on(store: Store, client: Client, day: date, rules: Rules, band: Band | None) -> HandoverGate:
    """The client's handover gate on ``day`` (``client`` read with its action items and checklist; ``band`` its band
    that day), under ``rules``' gate."""
    from ..core.handover import checklist_of, handover_gate

    open_high = sum(1 for a in client.action_items if a.status == "open" and a.priority == "high")
    statuses = store.kpi_standings(client.id, day)
    return handover_gate(day_number(client.go_live, day), band, statuses, open_high, rules.gate, checklist=checklist_of(client))


def client_card(session: Session, client_id: str) -> ClientCard:
    """Tier, day number, phases, band, the handover gate, money, contacts and the next touchpoint of one client."""
    from ..core.calibration import suggest_touch
    from ..core.finance import financials

    day = session.today
    with session.reading() as store:
        client = store.client(client_id, parts={"contacts", "savings", "action_items", "checklist", "tier_changes", "rollout"})
        band = store.bands_on(day, client_id).get(client_id)
        gate = handover_gate_on(store, client, day, session.rules, band)
        held = _held(store, client, session)
        upcoming = store.touchpoints_between(client_id, day, day + timedelta(days=NEXT_TOUCHPOINT_DAYS)) if client.status != "closed" else []
    number = day_number(client.go_live, day)
    money = financials(client.savings, client.investment, client.roi_target, day)
    next_tp = next((t for t in upcoming if t.status == "scheduled"), None)
    suggestion = suggest_touch(client.stakeholder_groups, client.cultural_change, client.internal_capability)
    return ClientCard(
        client.id,
        client.name,
        client.tier,
        client.owner,
        client.status,
        client.go_live,
        number,
        support_phase(number),
        adoption_phase(client.go_live, day),
        band,
        Gate(gate.ready, tuple(gate.reasons)),
        Financials(money.monthly_savings, money.ytd_savings, money.cumulative_savings, money.roi, money.roi_target, money.investment),
        tuple(ContactCard(c.name, c.kind, c.role, c.email) for c in client.contacts),
        None if next_tp is None else _upcoming(next_tp),
        sum(1 for a in client.action_items if a.status == "open"),
        tuple(TierStep(c.date, c.previous) for c in client.tier_changes),
        held,
        None if client.handover is None else HandoverRecord(client.handover.date, client.handover.by, client.handover.override),
        client.stakeholder_groups,
        client.cultural_change,
        client.internal_capability,
        None if suggestion is None else suggestion.touch,
        None if suggestion is None else suggestion.tier,
        None if suggestion is None else suggestion.reason,
        _rollout(client.id, client.rollout, day).adoption_share,
    )


def _upcoming(row: TouchpointRow) -> Upcoming:
    from .readmodels import Upcoming

    return Upcoming(date.fromisoformat(row.date), row.kind, tuple(row.covers))


# ----- the pipeline and triage -------------------------------------------------------------------------------


def pipeline(session: Session, client_id: str | None = None) -> Pipeline:
    """Every opportunity (with its id and version, for editing), its weighted value and readiness, and the totals."""
    from ..core.pipeline import engagement_month, priced_totals, readiness

    with session.reading() as store:
        if client_id:
            store.require_client(client_id)
        bands = store.bands_on(session.today)
        rows = store.opportunity_rows(client_id)
    weights, totals = priced_totals(rows)
    days: dict[str, date] = {}  # go-live days, shared by a client's opportunities
    shown = []
    for (oid, version, client, name, title, stage, source, value, probability, low, high, first, last, action, action_day, live), weighted in zip(
        rows, weights, strict=True
    ):
        go_live = days.get(live) or days.setdefault(live, date.fromisoformat(live))
        next_day = _day(action_day)
        shown.append(
            PipelineRow(
                oid,
                version,
                client,
                name,
                title,
                stage,
                source,
                value,
                probability,
                weighted,
                readiness(bands.get(client)),
                low,
                high,
                first,
                last,
                action,
                next_day,
                go_live,
                engagement_month(go_live, next_day) if next_day else None,
            )
        )
    return Pipeline(
        tuple(shown),
        PipelineTotals(
            totals.count,
            totals.value,
            totals.weighted,
            frozen_map({stage: StageTotal(t.count, t.value, t.weighted) for stage, t in totals.by_stage.items()}),
        ),
    )


def _triage_facts(store: Store, day: date) -> dict[str, tuple[TriageStoreRow, TriageFacts]]:
    """Per client (by id) its stored triage row on ``day`` and the core's TriageFacts of it: the standing, the
    latest assessment's biggest sub-score fall, the touchpoints overdue and the tickets open at the day's end."""
    from ..core.terms import priority, seniority
    from ..core.triage import TriageFacts

    rows = store.triage_rows(day)
    tickets = store.open_ticket_sizes(day)
    overdue: dict[str, list[tuple[str, int]]] = {}
    for client, kind, count in store.overdue_counts(day):
        overdue.setdefault(client, []).append((kind, count))
    found = {}
    for r in rows:
        missed = overdue.get(r.client, [])
        priorities = [priority(impact, users) for impact, users in tickets.get(r.client, [])]
        found[r.client] = (
            r,
            TriageFacts(
                tier=r.tier,
                day=day_number(date.fromisoformat(r.go_live), day),
                band=r.band,
                overall=r.overall,
                drop=r.drop,
                backsliding=r.backsliding,
                overdue=sum(count for _kind, count in missed),
                overdue_kind=min((kind for kind, _count in missed), key=seniority, default=None),
                open_p1=priorities.count("P1"),
                open_p2=priorities.count("P2"),
                open_tickets=len(priorities),
                status=r.status,
            ),
        )
    return found


def triage(session: Session) -> tuple[TriageRow, ...]:
    """One row per client: health and its change, tier, phase, next touchpoint, KPIs on target, backsliding, pipeline,
    and why it stands where it does (core.triage)."""
    from ..core.triage import critical_order, triage_reason

    day = session.today
    with session.reading() as store:
        facts = _triage_facts(store, day)
    found = []
    for r, fact in facts.values():
        number = fact.day
        reason = triage_reason(fact)
        upcoming = NextTouchpoint(date.fromisoformat(r.next_date), r.next_kind) if r.next_date and r.next_kind else None
        found.append(
            TriageRow(
                r.client,
                r.client_name,
                r.owner,
                r.tier,
                r.status,
                number,
                support_phase(number),
                r.overall,
                r.band,
                r.delta,
                _day(r.assessed),
                upcoming,
                r.backsliding,
                r.kpis_on_target,
                r.kpis,
                r.weighted_pipeline,
                fact.overdue,
                fact.open_p1,
                fact.open_tickets,
                reason.text,
                reason.short,
                critical_order(fact),
            )
        )
    return tuple(found)


# ----- lists and documents ----------------------------------------------------------------------------------------


def data_version(session: Session) -> int:
    """A number that moves on with every change people see (the newest audit row)."""
    with session.reading() as store:
        return store.data_version()


def committed_version(session: Session) -> int:
    """SQLite's count of commits by other connections, as seen by the session's reader (cheap: no table read)."""
    with session.reading() as store:
        return store.commit_counter()


def client_history(session: Session, client_id: str, parts: Iterable[str]) -> Client:
    """One client's recorded history (the core's model) with only the ``parts`` asked for."""
    with session.reading() as store:
        return store.client(client_id, parts=parts)


def client_names(session: Session) -> tuple[tuple[str, str], ...]:
    """(id, name) of every client, by id."""
    with session.reading() as store:
        return tuple(store.client_names())


def checkins(session: Session, client_id: str) -> tuple[Document, ...]:
    """A client's check-ins, newest first, each with what it captured."""
    with session.reading() as store:
        return tuple(Document(frozen(row)) for row in store.checkins(client_id))


def drafts(session: Session, mine: bool = False) -> tuple[Document, ...]:
    """Check-ins in progress, newest first (only the user's with ``mine``)."""
    with session.reading() as store:
        return tuple(Document(frozen(row)) for row in store.drafts(session.actor if mine else None))


def audit_log(session: Session, client_id: str | None = None, limit: int = 50) -> tuple[Document, ...]:
    """The audit trail, newest first."""
    with session.reading() as store:
        if client_id:
            store.require_client(client_id)
        return tuple(Document(frozen(row)) for row in store.audit_log(client_id, limit))


def tickets(session: Session, now: datetime, client_id: str | None = None, open_only: bool = False, owner: str | None = None) -> tuple[Document, ...]:
    """Support tickets with priority, status and hours to resolve (or hours open so far), oldest first.

    Each has its support clock at ``now``: when the first response and the resolution are
    due under the client's tier (the one on the day it came in) and whether either was missed.
    """
    from ..core.support import resolution_hours, ticket_clock, ticket_tier
    from ..core.terms import priority

    rules = session.rules
    with session.reading() as store:
        if client_id:
            store.require_client(client_id)
        rows = store.tickets(client_id, open_only=open_only, owner=owner)
        clients = {c.id: c for c in store.clients(sorted({row["client"] for row in rows}), parts={"tier_changes"})} if rows else {}
        found = []
        for row in rows:
            ticket = store.ticket_of(row)
            open_for = None if ticket.resolved else max(0.0, round((now - ticket.opened).total_seconds() / 3600, 1))
            clock = ticket_clock(ticket, ticket_tier(clients[row["client"]], ticket), rules, now)
            found.append(
                Document(
                    frozen(
                        {
                            **row,
                            "escalated": bool(row["escalated"]),
                            "first_contact": bool(row["first_contact"]),
                            "priority": priority(row["impact"], row["users"]),
                            "status": "open" if ticket.resolved is None else "resolved",
                            "hours": resolution_hours(ticket),
                            "hours_open": open_for,
                            "response_due": clock.response_due.isoformat(timespec="minutes"),
                            "resolve_due": clock.resolve_due.isoformat(timespec="minutes"),
                            "response_breached": clock.response_breached,
                            "resolve_breached": clock.resolve_breached,
                        }
                    )
                )
            )
    return tuple(found)


def checklist(session: Session, client_id: str) -> Document:
    """A client's knowledge-transfer checklist (the defaults, none done, until its first edit)."""
    from ..core.handover import checklist_of

    with session.reading() as store:
        client = store.client(client_id, parts={"checklist"})
    items = [item.model_dump(mode="json") for item in checklist_of(client)]
    done = sum(1 for item in items if item["done"])
    return Document(
        frozen({"client": client.id, "client_name": client.name, "items": items, "done": done, "total": len(items), "complete": done == len(items)})
    )


def search(session: Session, text: str, limit: int | None = None) -> tuple[Document, ...]:
    """Check-in notes and next steps, lessons and decisions holding every word of ``text``, best match first.

    Every word counts as typed, also as the start of a longer word; anything else in the text
    (quotes, dashes, stars, brackets, AND/OR) only separates words. A text without a word is refused.
    """
    from ..core.search import search_words

    words = search_words(text)
    if not words:
        raise UserError("say what to search for" if not text.strip() else f"nothing to search for in '{text.strip()}': give at least one word")
    with session.reading() as store:
        return tuple(Document(frozen(hit)) for hit in store.search(words, limit))


def recent_learnings(session: Session, limit: int | None = None) -> tuple[Document, ...]:
    """Lessons and decisions across the practice, newest first, in the form of search hits."""
    with session.reading() as store:
        return tuple(Document(frozen(hit)) for hit in store.recent_learnings(limit))


def checkin(session: Session, checkin_id: int) -> Document:
    """One check-in with everything it stored: notes, next steps, readings, scores, action items, learnings."""
    with session.reading() as store:
        return Document(frozen(store.checkin(checkin_id)))


def check(session: Session, owner: str | None = None, settings: CheckSettings | None = None) -> Document:
    """What needs attention on the day: findings of the alert rules with their acknowledgements, and counts."""
    from ..core.alerts import DEFAULT_SETTINGS, annotate, counts, run_checks

    rules, day = session.rules, session.today
    parts = {"kpis", "readings", "assessments", "exceptions", "action_items", "tickets", "checklist", "tier_changes", "escalations", "recovery"}
    with session.reading() as store:
        clients = store.clients(parts=parts, active_only=True, owner=owner)
        actions = [a for a in store.open_action_items(owner=owner) if a["due"] < day.isoformat()]
        acks = store.acknowledgements()
    # Ticket ages are measured from now on the real today, from the end of the day for any other day.
    now = datetime.now() if day == date.today() else None
    findings = run_checks(
        clients,
        actions,
        day,
        settings or DEFAULT_SETTINGS,
        rules.plans,
        rules.calendar,
        rules.retained_threshold,
        now=now,
        scale=rules.scale,
        p1_hours=rules.resolve_within_hours["P1"],
        rules=rules,
    )
    rows = annotate(findings, acks, day)
    return Document(frozen({"date": day.isoformat(), "findings": rows, "counts": counts(rows)}))


def readings_csv(session: Session, client_id: str | None = None, start: date | None = None, end: date | None = None) -> str:
    """KPI readings as the CSV ``readings import`` reads."""
    from .feeds import readings_csv as csv_of

    with session.reading() as store:
        if client_id:
            store.require_client(client_id)
        clients = store.clients([client_id] if client_id else None, parts={"kpis", "readings"})
    return csv_of(clients, start, end)


def calendar(session: Session, owner: str | None, start: date, end: date, templates: Mapping[str, ScriptTemplate]) -> bytes:
    """The touchpoints of the clients in support (active or handed over) from ``start`` to ``end`` as an iCalendar
    file, placed as the rules say."""
    from ..store import SCHEDULE_PARTS
    from .feeds import local_zone_name, touchpoint_calendar

    with session.reading() as store:
        clients = [c for c in store.clients(parts=SCHEDULE_PARTS, owner=owner) if c.status != "closed"]
        changes = store.touchpoint_changes(owner)
    rules = session.rules
    events = rules.events
    return touchpoint_calendar(
        clients,
        start,
        end,
        templates,
        rules.plans,
        rules.calendar,
        scale=rules.scale,
        events=events,
        zone=events.time_zone or local_zone_name(),
        changes=changes,
    )


# ----- the team's rules ---------------------------------------------------------------------------------


def rules_document(session: Session) -> str:
    """The rules in force as one TOML document: the one the database stores, else the bundled one."""
    from ..core.rules import bundled_rules_text

    with session.reading() as store:
        _, document = store.stored_rules()
    return bundled_rules_text() if document is None else document


def rules_history(session: Session) -> tuple[Document, ...]:
    """Every change of the database's rules, newest first (version, fingerprint, changed_at, changed_by, reset)."""
    with session.reading() as store:
        return tuple(Document(frozen(row)) for row in store.rules_history())
