"""Practice outcomes across clients: retention, sustained results, revenue, advocacy, health and support.

Everything is worked out for a period (both days included) from the clients' own
records; nothing here is stored. Percentages are exact shares rounded half-up to
one decimal (health.round_half_up), money is rounded half-up to cents, and each
metric names the clients behind it so a screen can show them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .calendar import DEFAULT_CALENDAR, WorkCalendar, add_months
from .health import DEFAULT_WEIGHTS, latest_on_or_before, overall_score, round_half_up
from .kpis import exact, on_target_on
from .models import Client, Result
from .pipeline import OPEN_STAGES
from .schedule import DEFAULT_PLANS, Plans, client_band, schedule
from .support import nps
from .terms import OUTCOME_KINDS

RETAINED_KINDS = ("renewed", "extended")
"""Outcomes that count as keeping the client."""

SUSTAINED_MONTHS = (6, 12)
"""Months after go-live at which results are checked for staying on target."""

"""Opportunity stages still in the pipeline."""


class PracticeMetrics(Result):
    """The practice's results for one period; the field names are a JSON contract (``carebench practice --json``)."""

    start: date
    end: date
    as_of: date
    owner: str | None = None
    clients: int
    retention_rate: float | None
    renewed: int
    extended: int
    ended: int
    sustained_6m: float | None
    sustained_12m: float | None
    follow_on_revenue: float
    weighted_pipeline: float
    referral_rate: float | None
    referrals: int
    referrals_converted: int
    average_health: float | None
    average_health_change: float | None
    on_time_share: float | None
    nps: int | None
    behind: dict[str, list[str]]


def percent(part: int, whole: int) -> float | None:
    """part / whole as a percent rounded half-up to one decimal; None when there is nothing to divide by."""
    if whole == 0:
        return None
    return float(round_half_up(Fraction(part, whole) * 100, 1))


def _money(total: Fraction) -> float:
    return float(round_half_up(total, 2))


def in_scope(clients: Iterable[Client], end: date, owner: str | None = None) -> list[Client]:
    """Clients live by ``end`` (go-live on or before it), of ``owner`` when one is given, whatever their status."""
    return [c for c in clients if c.go_live <= end and (owner is None or c.owner == owner)]


def _sustained(client: Client, months: int, start: date, end: date, as_of: date) -> bool | None:
    """Whether every lagging KPI measured by the mark (go-live + ``months``) was on target on it.

    None when the mark is outside the period, not reached by ``as_of``, or no lagging
    KPI has a reading on or before it.
    """
    mark = add_months(client.go_live, months)
    if not start <= mark <= end or mark > as_of:
        return None
    measured = [on_target for k in client.kpis if k.category == "lagging" if (on_target := on_target_on(k, mark)) is not None]
    if not measured:
        return None
    return all(measured)


def _average_health(clients: list[Client], day: date, weights: Mapping[str, object]) -> tuple[Decimal | None, list[str]]:
    """Mean of each client's latest overall score on or before ``day`` (one decimal, half-up), and who has one."""
    scores, ids = [], []
    for client in clients:
        latest = latest_on_or_before(client.assessments, day)
        if latest is not None:
            scores.append(Fraction(overall_score(latest.scores, weights)))
            ids.append(client.id)
    if not scores:
        return None, []
    return round_half_up(sum(scores, Fraction(0)) / len(scores), 1), ids


def practice_metrics(
    clients: Iterable[Client],
    start: date,
    end: date,
    as_of: date,
    owner: str | None = None,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    *,
    schedules: Mapping[str, Sequence[tuple[date, str]]] | None = None,
) -> PracticeMetrics:
    """Work out the practice's results for ``start``..``end`` (both included) over the clients in scope.

    ``schedules`` (see ``schedules_for``: each client's touchpoints as (date, status))
    saves generating them again when several periods are worked out; it must cover
    ``start`` to ``min(end, as_of)``.

    In scope: clients live by ``end`` (and of ``owner`` when given). Per metric:

    - retention_rate: of the clients with an outcome dated in the period, the share
      whose latest such outcome is renewed or extended; renewed/extended/ended count
      those clients by that latest outcome.
    - sustained_6m / sustained_12m: of the clients whose go-live + 6 (12) months falls
      in the period (and by ``as_of``) with a lagging KPI read by then, the share whose
      lagging KPIs read by then were all on target on that day.
    - follow_on_revenue: value of opportunities won with closed_on in the period.
    - weighted_pipeline: value x probability / 100 of the opportunities still open
      today (they carry no dates, so this is the same for any period).
    - referral_rate: share of clients in scope with a referral dated in the period;
      referrals counts them, referrals_converted those that became engagements.
    - average_health: mean of each client's latest overall score on or before ``end``
      (one decimal); average_health_change: that minus the same worked out on ``start``
      (both as shown, rounded), None when either has no assessment to go on.
    - on_time_share: share of the touchpoints from ``start`` to ``end`` (not after
      ``as_of``: later ones are not yet due) that were done. Only active clients have
      touchpoints.
    - nps: of every pulse answer dated in the period.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    scope = in_scope(clients, end, owner)
    behind: dict[str, list[str]] = {"clients": [c.id for c in scope]}

    # Retention: each client's latest outcome in the period.
    latest_outcome: dict[str, str] = {}
    for client in scope:
        outcomes = sorted((o for o in client.outcomes if start <= o.date <= end), key=lambda o: o.date)
        if outcomes:
            latest_outcome[client.id] = outcomes[-1].kind
    kept = [cid for cid, kind in latest_outcome.items() if kind in RETAINED_KINDS]
    for kind in OUTCOME_KINDS:
        behind[kind] = [cid for cid, k in latest_outcome.items() if k == kind]
    behind["retention_rate"] = list(latest_outcome)

    # Results sustained at 6 and 12 months.
    sustained: dict[int, float | None] = {}
    for months in SUSTAINED_MONTHS:
        verdicts = {c.id: v for c in scope if (v := _sustained(c, months, start, end, as_of)) is not None}
        sustained[months] = percent(sum(verdicts.values()), len(verdicts))
        behind[f"sustained_{months}m"] = list(verdicts)

    # Follow-on revenue and pipeline.
    won, won_ids, pipeline, pipeline_ids = Fraction(0), [], Fraction(0), []
    for client in scope:
        closed = [o for o in client.opportunities if o.stage == "won" and o.closed_on is not None and start <= o.closed_on <= end]
        if closed:
            won += sum((exact(o.value) for o in closed), Fraction(0))
            won_ids.append(client.id)
        open_ones = [o for o in client.opportunities if o.stage in OPEN_STAGES]
        if open_ones:
            pipeline += sum((exact(o.value) * o.probability / 100 for o in open_ones), Fraction(0))
            pipeline_ids.append(client.id)
    behind["follow_on_revenue"] = won_ids
    behind["weighted_pipeline"] = pipeline_ids

    # Referrals.
    referred = {c.id: [r for r in c.referrals if start <= r.date <= end] for c in scope}
    referred = {cid: found for cid, found in referred.items() if found}
    referrals = [r for found in referred.values() for r in found]
    behind["referral_rate"] = behind["referrals"] = list(referred)
    behind["referrals_converted"] = [cid for cid, found in referred.items() if any(r.became_engagement for r in found)]

    # Health now and at the start.
    average_end, end_ids = _average_health(scope, end, weights)
    average_start, start_ids = _average_health(scope, start, weights)
    change = None if average_end is None or average_start is None else average_end - average_start
    behind["average_health"] = end_ids
    behind["average_health_change"] = end_ids if change is not None else []

    # Touchpoints done.
    last_due = min(end, as_of)
    done = total = 0
    touched = []
    for client in scope:
        if last_due < start:
            statuses = []
        elif schedules is not None:
            statuses = [status for day, status in schedules.get(client.id, ()) if start <= day <= last_due]
        else:
            statuses = [tp.status for tp in schedule(client, start, last_due, plans, calendar)]
        if statuses:
            done += statuses.count("done")
            total += len(statuses)
            touched.append(client.id)
    behind["on_time_share"] = touched

    # Pulse answers.
    answers = [p for c in scope for p in c.pulses if start <= p.date <= end]
    behind["nps"] = [c.id for c in scope if any(start <= p.date <= end for p in c.pulses)]

    return PracticeMetrics(
        start=start,
        end=end,
        as_of=as_of,
        owner=owner,
        clients=len(scope),
        retention_rate=percent(len(kept), len(latest_outcome)),
        renewed=len(behind["renewed"]),
        extended=len(behind["extended"]),
        ended=len(behind["ended"]),
        sustained_6m=sustained[6],
        sustained_12m=sustained[12],
        follow_on_revenue=_money(won),
        weighted_pipeline=_money(pipeline),
        referral_rate=percent(len(referred), len(scope)),
        referrals=len(referrals),
        referrals_converted=sum(1 for r in referrals if r.became_engagement),
        average_health=None if average_end is None else float(average_end),
        average_health_change=None if change is None else float(change),
        on_time_share=percent(done, total),
        nps=nps(answers),
        behind={key: sorted(ids) for key, ids in behind.items()},
    )


def by_owner(
    clients: Iterable[Client],
    start: date,
    end: date,
    as_of: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    *,
    schedules: Mapping[str, Sequence[tuple[date, str]]] | None = None,
) -> dict[str, PracticeMetrics]:
    """The period's metrics per consultant (every owner among ``clients``, in name order)."""
    every = list(clients)
    owners = sorted({c.owner for c in every})
    return {owner: practice_metrics(every, start, end, as_of, owner, plans, calendar, weights, schedules=schedules) for owner in owners}


def schedules_for(
    clients: Iterable[Client], start: date, end: date, as_of: date, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> dict[str, list[tuple[date, str]]]:
    """Each client's touchpoints from ``start`` to ``min(end, as_of)`` as (date, status), for ``practice_metrics``.

    A client's touchpoints on a day do not depend on the range asked for, so the periods
    within this one are worked out from it without generating anything again.
    """
    last_due = min(end, as_of)
    return {c.id: [(tp.date, tp.status) for tp in schedule(c, start, last_due, plans, calendar)] for c in clients}


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter containing ``day``."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, add_months(first, 3) - timedelta(days=1)


def quarters(end: date, count: int) -> list[tuple[date, date]]:
    """The last ``count`` calendar quarters, oldest first; the last contains ``end`` and stops at it."""
    first, _ = quarter_of(end)
    periods = []
    for back in range(count - 1, -1, -1):
        start = add_months(first, -3 * back)
        periods.append((start, min(end, add_months(start, 3) - timedelta(days=1))))
    return periods


def quarterly_trend(
    clients: Iterable[Client],
    end: date,
    as_of: date,
    count: int = 6,
    owner: str | None = None,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    *,
    schedules: Mapping[str, Sequence[tuple[date, str]]] | None = None,
) -> list[PracticeMetrics]:
    """The metrics of each of the last ``count`` quarters up to ``end``, oldest first (for sparklines)."""
    every = list(clients)
    return [practice_metrics(every, start, stop, as_of, owner, plans, calendar, weights, schedules=schedules) for start, stop in quarters(end, count)]


# ----- advocacy ---------------------------------------------------------------------------


def _advocacy_blockers(client: Client, day: date) -> list[str]:
    """Why not to ask the client for a testimonial or referral on ``day`` (empty: ask)."""
    blockers = []
    band = client_band(client, day)
    if band is None:
        blockers.append("not assessed yet")
    elif band != "green":
        blockers.append(f"band is {band}, ask once it is green")
    answered = sorted(
        (t for t in client.testimonials if t.answered is not None and t.answer != "pending" and t.answered <= day), key=lambda t: t.answered or day
    )
    if answered:
        blockers.append(f"testimonial {answered[-1].answer} on {answered[-1].answered}")
    referrals = sorted((r for r in client.referrals if r.date <= day), key=lambda r: r.date)
    if referrals:
        blockers.append(f"referred {referrals[-1].prospect} on {referrals[-1].date}")
    first, last = quarter_of(day)
    asked = sorted(t.requested for t in client.testimonials if first <= t.requested <= last)
    if asked:
        blockers.append(f"already asked this quarter, on {asked[-1]}")
    return blockers


def ask_for_advocacy(client: Client, day: date) -> bool:
    """Whether to ask for a testimonial or referral on ``day``.

    Yes when the latest band is green, the client has neither answered a testimonial
    request (given or declined) nor referred anyone, and was not asked in the calendar
    quarter containing ``day``: the ask shows once a quarter until it is answered.
    """
    return not _advocacy_blockers(client, day)


def advocacy_reason(client: Client, day: date) -> str:
    """One line saying why the ask shows on ``day``, or why it does not."""
    blockers = _advocacy_blockers(client, day)
    if blockers:
        return "no ask: " + "; ".join(blockers)
    earlier = sorted(t.requested for t in client.testimonials if t.requested <= day)
    since = f" (last asked {earlier[-1]})" if earlier else ""
    return f"green and no testimonial or referral yet: ask for one{since}"


# ----- lessons learned --------------------------------------------------------------------

LEARNING_FIELDS = ("what", "why", "who", "source")
"""The fields of a learning that a search looks in (besides the client's name)."""


def matches(text: str, *fields: str | None) -> bool:
    """Whether ``text`` occurs in any of the fields, ignoring case (an empty text matches everything)."""
    needle = text.strip().casefold()
    return any(needle in (field or "").casefold() for field in fields)


def search_learnings(clients: Iterable[Client], text: str) -> list[dict[str, Any]]:
    """Lessons and decisions whose what, why, who, source or client name contains ``text`` (any case), newest first.

    Each hit is a dict with client, client_name, date, kind, what, why, who and source;
    hits of one date keep the order of the clients and their learnings.
    """
    hits = [
        {
            "client": client.id,
            "client_name": client.name,
            "date": learning.date,
            "kind": learning.kind,
            "what": learning.what,
            "why": learning.why,
            "who": learning.who,
            "source": learning.source,
        }
        for client in clients
        for learning in client.learnings
        if matches(text, client.name, *(getattr(learning, name) for name in LEARNING_FIELDS))
    ]
    return sorted(hits, key=lambda hit: hit["date"], reverse=True)
