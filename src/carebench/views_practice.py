"""What the practice commands and the Practice screen show, as JSON-ready dicts (see views.py for the others)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from .core.calendar import add_months
from .core.health import latest_on_or_before
from .core.models import Client
from .core.handover import checklist_of
from .core.practice import (
    SUSTAINED_MONTHS,
    PracticeMetrics,
    advocacy_reason,
    ask_for_advocacy,
    by_owner,
    practice_metrics,
    quarters,
    quarterly_trend,
    schedules_for,
    search_learnings,
)
from .core.support import priority, resolution_hours
from .store import Store
from .views import DEFAULT_RULES, LOAD_CHUNK, Rules

# What practice metrics need of each client; KPI readings are loaded only for clients a sustained-results mark concerns.
PRACTICE_PARTS = frozenset({"assessments", "exceptions", "opportunities", "outcomes", "testimonials", "referrals", "pulses"})
BULK_PARTS = frozenset({"assessments", "exceptions", "opportunities"})
TREND_QUARTERS = 6


def _pct(value) -> str:
    return "–" if value is None else f"{value:g}%"


def _money(value: float) -> str:
    return f"{value:,.0f}"


# The metrics in the order shown: key (a PracticeMetrics field), label, and how its value reads.
METRICS: list[tuple[str, str, object]] = [
    ("retention_rate", "Client retention",
     lambda m: f"{_pct(m.retention_rate)} ({m.renewed} renewed, {m.extended} extended, {m.ended} ended)"),
    ("sustained_6m", "Results sustained at 6 months", lambda m: _pct(m.sustained_6m)),
    ("sustained_12m", "Results sustained at 12 months", lambda m: _pct(m.sustained_12m)),
    ("follow_on_revenue", "Follow-on revenue (won)", lambda m: _money(m.follow_on_revenue)),
    ("weighted_pipeline", "Weighted open pipeline", lambda m: _money(m.weighted_pipeline)),
    ("referral_rate", "Referral rate", lambda m: f"{_pct(m.referral_rate)} ({m.referrals} referrals)"),
    ("referrals_converted", "Referrals that became engagements", lambda m: str(m.referrals_converted)),
    ("average_health", "Average health",
     lambda m: "–" if m.average_health is None else f"{m.average_health:.1f}"
     + ("" if m.average_health_change is None else f" ({m.average_health_change:+.1f})")),
    ("on_time_share", "Touchpoints done", lambda m: _pct(m.on_time_share)),
    ("nps", "NPS", lambda m: "–" if m.nps is None else f"{m.nps:+d}"),
]


def practice_clients(store: Store, first: date, end: date, as_of: date, days: Iterable[date], owner: str | None = None,
                     rules: Rules = DEFAULT_RULES) -> tuple[list[Client], dict[str, list[tuple[date, str]]]]:
    """Clients with what the practice rules read from ``first`` to ``end``, and their touchpoints (see ``schedules_for``).

    Clients are loaded a few hundred at a time: each one's touchpoints are generated while its
    whole history is at hand, then it keeps only the assessments the rules read on ``days``
    (the latest on or before each) and none of its touchpoint outcomes. Its KPIs are those a
    sustained-results mark (go-live + 6 or 12 months) in the range concerns: the lagging
    ones, with their latest reading on or before each mark.
    """
    own = {c.id: c for c in store.clients(parts=PRACTICE_PARTS - BULK_PARTS, owner=owner)}
    marks = {c.id: marked for c in own.values()
             if (marked := [d for months in SUSTAINED_MONTHS if first <= (d := add_months(c.go_live, months)) <= end])}
    kpis = store.lagging_kpis_at(marks)
    ids, days = list(own), sorted(set(days))
    clients, schedules = [], {}
    for start in range(0, len(ids), LOAD_CHUNK):
        for client in store.bulk_clients(ids[start:start + LOAD_CHUNK], BULK_PARTS):
            schedules.update(schedules_for([client], first, end, as_of, rules.plans, rules.calendar))
            read = {id(a) for day in days if (a := latest_on_or_before(client.assessments, day)) is not None}
            update = {part: getattr(own[client.id], part) for part in PRACTICE_PARTS - BULK_PARTS}
            update.update(assessments=[a for a in client.assessments if id(a) in read], exceptions=[])
            if client.id in kpis:
                update["kpis"] = kpis[client.id]
            clients.append(client.model_copy(update=update))
    return clients, schedules


def metric_rows(metrics: PracticeMetrics, trend: list[PracticeMetrics], names: dict[str, str]) -> list[dict]:
    rows = []
    for key, label, text in METRICS:
        ids = metrics.behind.get(key, [])
        rows.append({"key": key, "label": label, "value": getattr(metrics, key), "text": text(metrics),
                     "trend": [getattr(q, key) for q in trend], "clients": ids,
                     "client_names": [names.get(i, i) for i in ids]})
    return rows


def practice_view(store: Store, as_of: date, start: date | None, end: date, owner: str | None = None,
                  rules: Rules = DEFAULT_RULES) -> dict:
    """The practice's results for start..end (default: the year up to ``end``), their trend by quarter, per consultant."""
    start = start or add_months(end, -12) + timedelta(days=1)
    return _practice_view(store, as_of, start, end, owner, rules)


def _practice_view(store: Store, as_of: date, start: date, end: date, owner: str | None, rules: Rules) -> dict:
    periods = quarters(end, TREND_QUARTERS)
    first = min(start, periods[0][0])
    # Each client's touchpoints are generated once, for every period shown.
    days = [as_of, start, end, *(day for period in periods for day in period)]
    clients, schedules = practice_clients(store, first, end, as_of, days, owner, rules)
    args = (rules.plans, rules.calendar, rules.weights)
    metrics = practice_metrics(clients, start, end, as_of, owner, *args, schedules=schedules)
    trend = quarterly_trend(clients, end, as_of, TREND_QUARTERS, owner, *args, schedules=schedules)
    names = {c.id: c.name for c in clients}
    asks = [{"client": c.id, "client_name": c.name, "owner": c.owner, "reason": advocacy_reason(c, as_of)}
            for c in clients if c.status == "active" and ask_for_advocacy(c, as_of)]
    owners = {} if owner else {name: m.model_dump(mode="json", exclude={"behind"})
                                for name, m in by_owner(clients, start, end, as_of, *args, schedules=schedules).items()}
    return {
        **metrics.model_dump(mode="json"),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "metrics": metric_rows(metrics, trend, names),
        "quarters": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in periods],
        "by_owner": owners,
        "suggested_asks": asks,
    }


def tickets_view(store: Store, now: datetime, client: str | None = None, open_only: bool = False,
                 owner: str | None = None) -> list[dict]:
    """Support tickets with priority, status and hours to resolve (or hours open so far)."""
    rows = []
    for row in store.tickets(client, open_only=open_only, owner=owner):
        ticket = store.ticket_of(row)
        open_for = None if ticket.resolved else max(0.0, round((now - ticket.opened).total_seconds() / 3600, 1))
        rows.append({**row, "escalated": bool(row["escalated"]), "first_contact": bool(row["first_contact"]),
                     "priority": priority(row["impact"], row["users"]), "status": "open" if ticket.resolved is None else "resolved",
                     "hours": resolution_hours(ticket), "hours_open": open_for})
    return rows


def checklist_view(store: Store, client_id: str) -> dict:
    client = store.client(client_id, parts={"checklist"})
    items = [item.model_dump(mode="json") for item in checklist_of(client)]
    done = sum(1 for item in items if item["done"])
    return {"client": client.id, "client_name": client.name, "items": items, "done": done, "total": len(items),
            "complete": done == len(items)}


def search_view(store: Store, text: str) -> list[dict]:
    hits = search_learnings(store.clients(parts={"learnings"}), text)
    return [{**hit, "date": hit["date"].isoformat()} for hit in hits]
