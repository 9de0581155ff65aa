"""The practice's results across clients: retention, sustained results, follow-on revenue, referrals, health, NPS."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..core.calendar import add_months
from ..core.practice import (
    AdvocacyFacts,
    PracticeFacts,
    PracticeMetrics,
    advocacy,
    advocate_rank,
    advocates,
    by_owner,
    practice_facts,
    practice_metrics,
    quarters,
    touchpoint_count_days,
)
from .present import Currency, money, percent
from .queries import currency
from .readmodels import Document, frozen
from .session import Session

if TYPE_CHECKING:
    from ..store import Store

# Asked of each client beyond its practice facts: what its advocacy ask reads.
ASK_PARTS = frozenset({"testimonials", "referrals", "contacts", "pulses"})
TREND_QUARTERS = 6


# The metrics in the order shown: key (a PracticeMetrics field), label, and how its value reads (amounts in the currency given).
METRICS: list[tuple[str, str, Callable[[PracticeMetrics, Currency], str]]] = [
    (
        "retention_rate",
        "Client retention",
        lambda m, cur: f"{percent(m.retention_rate)} ({m.renewed} renewed, {m.extended} extended, {m.ended} ended)",
    ),
    ("sustained_6m", "Results sustained at 6 months", lambda m, cur: percent(m.sustained_6m)),
    ("sustained_12m", "Results sustained at 12 months", lambda m, cur: percent(m.sustained_12m)),
    ("follow_on_revenue", "Follow-on revenue (won)", lambda m, cur: money(m.follow_on_revenue, whole=True, currency=cur)),
    ("weighted_pipeline", "Weighted open pipeline", lambda m, cur: money(m.weighted_pipeline, whole=True, currency=cur)),
    ("referral_rate", "Referral rate", lambda m, cur: f"{percent(m.referral_rate)} ({m.referrals} referrals)"),
    ("referrals_converted", "Referrals that became engagements", lambda m, cur: str(m.referrals_converted)),
    (
        "average_health",
        "Average health",
        lambda m, cur: (
            "–"
            if m.average_health is None
            else f"{m.average_health:.1f}" + ("" if m.average_health_change is None else f" ({m.average_health_change:+.1f})")
        ),
    ),
    ("on_time_share", "Touchpoints done", lambda m, cur: percent(m.on_time_share)),
    ("nps", "NPS", lambda m, cur: "–" if m.nps is None else f"{m.nps:+d}"),
]


def practice_clients(
    store: Store, as_of: date, days: Iterable[date], periods: Sequence[tuple[date, date]], owner: str | None = None
) -> list[PracticeFacts]:
    """Each client's practice facts for the ``periods`` (start, end) on ``as_of`` (``days``: the days whose health is shown).

    They come from the derived rows the store keeps: touchpoints (counted up to the days each period's share of
    touchpoints done asks about), assessment figures and the results sustained at 6 and 12 months.
    """
    clients = store.client_rows(owner=owner)
    counted = [day for start, stop in periods for day in touchpoint_count_days(start, stop, as_of)]
    records = store.practice_records([c.id for c in clients], days, counted)
    facts = []
    for c in clients:
        facts.append(
            practice_facts(
                c.id,
                c.name,
                c.owner,
                c.status,
                c.go_live,
                outcomes=records["outcomes"].get(c.id, ()),
                opportunities=records["opportunities"].get(c.id, ()),
                referrals=[(day, bool(converted)) for day, converted in records["referrals"].get(c.id, ())],
                pulses=records["pulses"].get(c.id, ()),
                health=records["health"].get(c.id, ()),
                sustained={months: None if verdict is None else bool(verdict) for months, verdict in records["sustained"].get(c.id, ())},
                touchpoint_counts=records["touchpoints"].get(c.id, ()),
            )
        )
    return facts


def metric_rows(metrics: PracticeMetrics, trend: list[PracticeMetrics], names: dict[str, str], currency: Currency) -> list[dict[str, Any]]:
    rows = []
    for key, label, text in METRICS:
        ids = metrics.behind.get(key, [])
        rows.append(
            {
                "key": key,
                "label": label,
                "value": getattr(metrics, key),
                "text": text(metrics, currency),
                "trend": [getattr(q, key) for q in trend],
                "clients": ids,
                "client_names": [names.get(i, i) for i in ids],
            }
        )
    return rows


def practice(session: Session, start: date | None, end: date | None = None, owner: str | None = None) -> Document:
    """The practice's results for start..end (default: the year up to ``end``, today), their trend by quarter, per consultant."""
    as_of = session.today
    end = end or as_of
    start = start or add_months(end, -12) + timedelta(days=1)
    periods = quarters(end, TREND_QUARTERS)
    # Each client's touchpoints are generated once, for every period shown.
    days = [as_of, start, end, *(day for period in periods for day in period)]
    with session.reading() as store:
        clients = practice_clients(store, as_of, days, [(start, end), *periods], owner)
        # An ask needs a green band today: only those clients' testimonials and referrals are read.
        green = {c.id: c for c in clients if c.status == "active" and (health := c.health_on(as_of)) is not None and health[2] == "green"}
        found = store.client_parts(list(green), ASK_PARTS) if green else {}
    askable = {client: AdvocacyFacts(**found.get(client, {})) for client in green}
    metrics = practice_metrics(clients, start, end, as_of, owner)
    trend = [practice_metrics(clients, a, b, as_of, owner) for a, b in periods]
    names = {c.id: c.name for c in clients}
    asks = []
    for client, parts in askable.items():
        ask, reason = advocacy(parts, as_of, "green")
        if ask:
            c, whom = green[client], advocates(parts, as_of)
            asks.append(({"client": c.id, "client_name": c.name, "owner": c.owner, "reason": reason, "ask": [name for name, _ in whom]}, whom))
    # Clients with a promoter to ask come first, then those with a champion, then the rest (each in client order).
    asks.sort(key=lambda entry: advocate_rank(entry[1]))
    owners = {} if owner else {name: m.model_dump(mode="json", exclude={"behind"}) for name, m in by_owner(clients, start, end, as_of).items()}
    return Document(
        frozen(
            {
                **metrics.model_dump(mode="json"),
                "from": start.isoformat(),
                "to": end.isoformat(),
                "metrics": metric_rows(metrics, trend, names, currency(session)),
                "quarters": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in periods],
                "by_owner": owners,
                "suggested_asks": [entry for entry, _ in asks],
            }
        )
    )
