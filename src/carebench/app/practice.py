"""The practice's results across clients: retention, sustained results, follow-on revenue, referrals, health, NPS."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..core.calendar import add_months
from ..core.practice import (
    SUSTAINED_MONTHS,
    PracticeMetrics,
    advocacy_reason,
    ask_for_advocacy,
    by_owner,
    practice_metrics,
    quarterly_trend,
    quarters,
)
from .present import money, percent
from .readmodels import Document, frozen
from .session import Session

if TYPE_CHECKING:
    from ..core.models import Client
    from ..store import Store

# Clients whose histories are in memory at once.
LOAD_CHUNK = 250
# What practice metrics need of each client; KPI readings are loaded only for clients a sustained-results mark concerns.
PRACTICE_PARTS = frozenset({"assessments", "opportunities", "outcomes", "testimonials", "referrals", "pulses"})
# Loaded by the store's bulk read (the assessments only those that decide a day shown).
BULK_PARTS = frozenset({"assessments", "opportunities"})
TREND_QUARTERS = 6


# The metrics in the order shown: key (a PracticeMetrics field), label, and how its value reads.
METRICS: list[tuple[str, str, Callable[[PracticeMetrics], str]]] = [
    ("retention_rate", "Client retention", lambda m: f"{percent(m.retention_rate)} ({m.renewed} renewed, {m.extended} extended, {m.ended} ended)"),
    ("sustained_6m", "Results sustained at 6 months", lambda m: percent(m.sustained_6m)),
    ("sustained_12m", "Results sustained at 12 months", lambda m: percent(m.sustained_12m)),
    ("follow_on_revenue", "Follow-on revenue (won)", lambda m: money(m.follow_on_revenue, whole=True)),
    ("weighted_pipeline", "Weighted open pipeline", lambda m: money(m.weighted_pipeline, whole=True)),
    ("referral_rate", "Referral rate", lambda m: f"{percent(m.referral_rate)} ({m.referrals} referrals)"),
    ("referrals_converted", "Referrals that became engagements", lambda m: str(m.referrals_converted)),
    (
        "average_health",
        "Average health",
        lambda m: (
            "–"
            if m.average_health is None
            else f"{m.average_health:.1f}" + ("" if m.average_health_change is None else f" ({m.average_health_change:+.1f})")
        ),
    ),
    ("on_time_share", "Touchpoints done", lambda m: percent(m.on_time_share)),
    ("nps", "NPS", lambda m: "–" if m.nps is None else f"{m.nps:+d}"),
]


def practice_clients(
    store: Store, first: date, end: date, as_of: date, days: Iterable[date], owner: str | None = None
) -> tuple[list[Client], dict[str, list[tuple[date, str]]]]:
    """Clients with what the practice rules read from ``first`` to ``end``, and their touchpoints (as ``schedules_for``).

    The touchpoints come from the derived rows the store keeps. Each client keeps only the
    assessments the rules read on ``days`` (the latest on or before each). Its KPIs are
    those a sustained-results mark (go-live + 6 or 12 months) in the range concerns: the
    lagging ones, with their latest reading on or before each mark.
    """
    own = {c.id: c for c in store.clients(parts=PRACTICE_PARTS - BULK_PARTS, owner=owner)}
    marks = {
        c.id: marked for c in own.values() if (marked := [d for months in SUSTAINED_MONTHS if first <= (d := add_months(c.go_live, months)) <= end])
    }
    kpis = store.lagging_kpis_at(marks)
    ids, days = list(own), sorted(set(days))
    clients: list[Client] = []
    schedules = store.touchpoint_statuses(ids, first, min(end, as_of))
    for start in range(0, len(ids), LOAD_CHUNK):
        for client in store.bulk_clients(ids[start : start + LOAD_CHUNK], days):
            update = {part: getattr(own[client.id], part) for part in PRACTICE_PARTS - BULK_PARTS}
            if client.id in kpis:
                update["kpis"] = kpis[client.id]
            clients.append(client.model_copy(update=update))
    return clients, schedules


def metric_rows(metrics: PracticeMetrics, trend: list[PracticeMetrics], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for key, label, text in METRICS:
        ids = metrics.behind.get(key, [])
        rows.append(
            {
                "key": key,
                "label": label,
                "value": getattr(metrics, key),
                "text": text(metrics),
                "trend": [getattr(q, key) for q in trend],
                "clients": ids,
                "client_names": [names.get(i, i) for i in ids],
            }
        )
    return rows


def practice(session: Session, start: date | None, end: date | None = None, owner: str | None = None) -> Document:
    """The practice's results for start..end (default: the year up to ``end``, today), their trend by quarter, per consultant."""
    as_of, rules = session.today, session.rules
    end = end or as_of
    start = start or add_months(end, -12) + timedelta(days=1)
    periods = quarters(end, TREND_QUARTERS)
    first = min(start, periods[0][0])
    # Each client's touchpoints are generated once, for every period shown.
    days = [as_of, start, end, *(day for period in periods for day in period)]
    with session.reading() as store:
        clients, schedules = practice_clients(store, first, end, as_of, days, owner)
    args = (rules.plans, rules.calendar, rules.weights)
    metrics = practice_metrics(clients, start, end, as_of, owner, *args, schedules=schedules)
    trend = quarterly_trend(clients, end, as_of, TREND_QUARTERS, owner, *args, schedules=schedules)
    names = {c.id: c.name for c in clients}
    asks = [
        {"client": c.id, "client_name": c.name, "owner": c.owner, "reason": advocacy_reason(c, as_of)}
        for c in clients
        if c.status == "active" and ask_for_advocacy(c, as_of)
    ]
    owners = (
        {}
        if owner
        else {
            name: m.model_dump(mode="json", exclude={"behind"})
            for name, m in by_owner(clients, start, end, as_of, *args, schedules=schedules).items()
        }
    )
    return Document(
        frozen(
            {
                **metrics.model_dump(mode="json"),
                "from": start.isoformat(),
                "to": end.isoformat(),
                "metrics": metric_rows(metrics, trend, names),
                "quarters": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in periods],
                "by_owner": owners,
                "suggested_asks": asks,
            }
        )
    )
