"""Practice outcomes across clients: retention, sustained results, revenue, advocacy, health and support.

Everything is worked out for a period (both days included) from the clients' own
records; nothing here is stored. Percentages are exact shares rounded half-up to
one decimal (health.round_half_up), money is rounded half-up to cents, and each
metric names the clients behind it so a screen can show them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, Inexact, Rounded, localcontext
from fractions import Fraction
from typing import Protocol

from .calendar import DEFAULT_CALENDAR, WorkCalendar, add_months
from .health import DEFAULT_WEIGHTS, band_of, overall_score, round_half_up
from .kpis import on_target_on
from .models import Band, Client, Contact, Pulse, Referral, Result, Testimonial
from .phases import day_number
from .pipeline import OPEN_STAGES
from .schedule import DEFAULT_PLANS, Plans, client_band, schedule
from .support import net_promoter
from .terms import CONTACT_KIND_LABEL, OUTCOME_KINDS, PROMOTER_FROM
from .weighting import DEFAULT_SCALE, Scale

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


def _money(total: Decimal) -> float:
    return float(round_half_up(total, 2))


# Amounts add up exactly as decimals (each as it was written): a portfolio's sums stay far within 60 digits, and a
# result that would not fit stops with an error rather than rounding.
EXACT_MONEY = Context(prec=60, traps=[Inexact, Rounded])


def _decimal(value: float) -> Decimal:
    """The decimal a float was written as (``kpis.exact`` as a Decimal)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return Decimal(repr(float(value)))


def in_scope(clients: Iterable[PracticeFacts], end: date, owner: str | None = None) -> list[PracticeFacts]:
    """Clients live by ``end`` (go-live on or before it), of ``owner`` when one is given, whatever their status."""
    return [c for c in clients if c.go_live <= end and (owner is None or c.owner == owner)]


def sustained_verdict(on_target: Iterable[bool | None]) -> bool | None:
    """Whether results were sustained on a mark, from each lagging KPI's on-target on that day (None: no reading by then):
    all of those read on target; None when none was read."""
    measured = [value for value in on_target if value is not None]
    return all(measured) if measured else None


@dataclass(frozen=True, slots=True)
class PracticeFacts:
    """What the practice figures read of one client, in the form they are read in (see ``facts_of``).

    Several periods are worked out from one set of facts without going back to the
    client's history: each part is in date order, ``health`` has the overall score
    (in tenths, as rounded) and band of the assessments that decide a day shown,
    ``sustained`` the verdict on each mark (months after go-live, day, all lagging KPIs
    read by then on target), ``touchpoints`` how many touchpoints fell up to each of
    some days, and how many of those were done (day, how many, how many done).
    """

    id: str
    name: str
    owner: str
    status: str
    go_live: date
    outcomes: tuple[tuple[date, str], ...] = ()
    won: tuple[tuple[date, Decimal], ...] = ()
    pipeline: Decimal | None = None
    referrals: tuple[tuple[date, bool], ...] = ()
    pulses: tuple[tuple[date, int], ...] = ()
    health: tuple[tuple[date, int, str], ...] = ()
    sustained: tuple[tuple[int, date, bool], ...] = ()
    touchpoints: tuple[tuple[date, int, int], ...] = ()

    def health_on(self, day: date) -> tuple[date, int, str] | None:
        """The latest of ``health`` on or before ``day``."""
        index = bisect_right(self.health, (day, 1_000_000))
        return self.health[index - 1] if index else None

    def touchpoints_by(self, day: date) -> tuple[int, int]:
        """How many touchpoints fell on or before ``day``, and how many of them were done (exact on the days counted)."""
        index = bisect_right(self.touchpoints, (day, 1 << 62))
        return self.touchpoints[index - 1][1:] if index else (0, 0)


def touchpoint_count_days(start: date, end: date, as_of: date) -> tuple[date, date]:
    """The days a period's share of touchpoints done counts them up to: the day before it starts, and its last day
    due (its end, or ``as_of`` when that comes first); their difference is the period's touchpoints."""
    return start - timedelta(days=1), min(end, as_of)


def running_counts(touchpoints: Iterable[tuple[date, str]]) -> list[tuple[date, int, int]]:
    """For touchpoints (date, status): on each day one falls on, how many fell on or before it and how many of
    those were done (day, how many, how many done), in date order."""
    counts: list[tuple[date, int, int]] = []
    total = done = 0
    for day, state in sorted(touchpoints, key=lambda t: t[0]):
        total, done = total + 1, done + (state == "done")
        if counts and counts[-1][0] == day:
            counts.pop()
        counts.append((day, total, done))
    return counts


def practice_facts(
    id: str,
    name: str,
    owner: str,
    status: str,
    go_live: date,
    *,
    outcomes: Iterable[tuple[date, str]] = (),
    opportunities: Iterable[tuple[str, float, int, date | None]] = (),
    referrals: Iterable[tuple[date, bool]] = (),
    pulses: Iterable[tuple[date, int]] = (),
    health: Iterable[tuple[date, Decimal | float, str]] = (),
    sustained: Mapping[int, bool | None] | None = None,
    touchpoints: Iterable[tuple[date, str]] = (),
    touchpoint_counts: Iterable[tuple[date, int, int]] | None = None,
) -> PracticeFacts:
    """A client's practice facts from its records: outcomes (date, kind) and referrals (date, became an engagement)
    and pulses (date, would recommend) in the order recorded, opportunities (stage, value, probability, closed on),
    assessments (date, overall as rounded, band), the ``sustained_verdict`` on go-live + each of SUSTAINED_MONTHS,
    and touchpoints (date, status), or instead their counts already made on the days the figures ask about
    (``touchpoint_counts``: day, how many on or before it, how many of those done)."""
    opportunities = list(opportunities)
    with localcontext(EXACT_MONEY):
        open_ones = [_decimal(value) * probability / 100 for stage, value, probability, _ in opportunities if stage in OPEN_STAGES]
        pipeline = sum(open_ones, Decimal(0)) if open_ones else None
    verdicts = sustained or {}
    marked = [(months, add_months(go_live, months), verdicts.get(months)) for months in SUSTAINED_MONTHS]
    return PracticeFacts(
        id=id,
        name=name,
        owner=owner,
        status=status,
        go_live=go_live,
        outcomes=tuple(sorted(outcomes, key=lambda o: o[0])),
        won=tuple((closed, _decimal(value)) for stage, value, _, closed in opportunities if stage == "won" and closed is not None),
        pipeline=pipeline,
        referrals=tuple(sorted(referrals, key=lambda r: r[0])),
        pulses=tuple(pulses),
        health=tuple(sorted((day, int(Decimal(str(overall)) * 10), band) for day, overall, band in health)),
        sustained=tuple((months, mark, verdict) for months, mark, verdict in marked if verdict is not None),
        touchpoints=tuple(sorted(running_counts(touchpoints) if touchpoint_counts is None else touchpoint_counts)),
    )


def facts_of(
    client: Client,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    touchpoints: Iterable[tuple[date, str]] = (),
) -> PracticeFacts:
    """The practice facts of a client's whole history (``touchpoints``: its touchpoints as ``schedules_for`` gives them)."""
    lagging = [k for k in client.kpis if k.category == "lagging"]
    verdicts = {months: sustained_verdict(on_target_on(k, add_months(client.go_live, months)) for k in lagging) for months in SUSTAINED_MONTHS}
    return practice_facts(
        client.id,
        client.name,
        client.owner,
        client.status,
        client.go_live,
        outcomes=[(o.date, o.kind) for o in client.outcomes],
        opportunities=[(o.stage, o.value, o.probability, o.closed_on) for o in client.opportunities],
        referrals=[(r.date, r.became_engagement) for r in client.referrals],
        pulses=[(p.date, p.recommend) for p in client.pulses],
        health=[(a.date, overall_score(a.scores, weights), band_of(overall_score(a.scores, weights))) for a in client.assessments],
        sustained=verdicts,
        touchpoints=touchpoints,
    )


def _facts(
    clients: Iterable[Client | PracticeFacts],
    start: date,
    end: date,
    as_of: date,
    plans: Plans,
    calendar: WorkCalendar,
    weights: Mapping[str, object],
    schedules: Mapping[str, Sequence[tuple[date, str]]] | None,
) -> list[PracticeFacts]:
    """Facts as given, or worked out of whole clients (their touchpoints from ``schedules`` or generated)."""
    found = []
    for client in clients:
        if isinstance(client, PracticeFacts):
            found.append(client)
            continue
        last_due = min(end, as_of)
        if schedules is not None:
            touchpoints: Sequence[tuple[date, str]] = schedules.get(client.id, ())
        else:
            touchpoints = [(tp.date, tp.status) for tp in schedule(client, start, last_due, plans, calendar)] if start <= last_due else []
        found.append(facts_of(client, weights, touchpoints))
    return found


def _average_health(clients: list[PracticeFacts], day: date) -> tuple[Decimal | None, list[str]]:
    """Mean of each client's latest overall score on or before ``day`` (one decimal, half-up), and who has one."""
    tenths, ids = 0, []
    for client in clients:
        latest = client.health_on(day)
        if latest is not None:
            tenths += latest[1]
            ids.append(client.id)
    if not ids:
        return None, []
    return round_half_up(Fraction(tenths, 10 * len(ids)), 1), ids


def practice_metrics(
    clients: Iterable[Client | PracticeFacts],
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

    ``clients`` are whole clients or their facts (``practice_facts``: what several periods
    are worked out from). For whole clients, ``schedules`` (see ``schedules_for``: each
    client's touchpoints as (date, status)) saves generating them; it must cover
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
    scope = in_scope(_facts(clients, start, end, as_of, plans, calendar, weights, schedules), end, owner)
    behind: dict[str, list[str]] = {"clients": [c.id for c in scope]}

    # Retention: each client's latest outcome in the period.
    latest_outcome: dict[str, str] = {}
    for client in scope:
        outcomes = [kind for day, kind in client.outcomes if start <= day <= end]
        if outcomes:
            latest_outcome[client.id] = outcomes[-1]
    kept = [cid for cid, kind in latest_outcome.items() if kind in RETAINED_KINDS]
    for kind in OUTCOME_KINDS:
        behind[kind] = [cid for cid, k in latest_outcome.items() if k == kind]
    behind["retention_rate"] = list(latest_outcome)

    # Results sustained at 6 and 12 months: the marks in the period and reached by as_of.
    verdicts: dict[int, dict[str, bool]] = {months: {} for months in SUSTAINED_MONTHS}
    for client in scope:
        for months, mark, verdict in client.sustained:
            if start <= mark <= end and mark <= as_of:
                verdicts[months][client.id] = verdict
    sustained = {months: percent(sum(found.values()), len(found)) for months, found in verdicts.items()}
    for months, found in verdicts.items():
        behind[f"sustained_{months}m"] = list(found)

    # Follow-on revenue and pipeline.
    won, won_ids, pipeline, pipeline_ids = Decimal(0), [], Decimal(0), []
    with localcontext(EXACT_MONEY):
        for client in scope:
            closed = [value for day, value in client.won if start <= day <= end]
            if closed:
                won += sum(closed, Decimal(0))
                won_ids.append(client.id)
            if client.pipeline is not None:
                pipeline += client.pipeline
                pipeline_ids.append(client.id)
    behind["follow_on_revenue"] = won_ids
    behind["weighted_pipeline"] = pipeline_ids

    # Referrals.
    referred = {c.id: [converted for day, converted in c.referrals if start <= day <= end] for c in scope}
    referred = {cid: found for cid, found in referred.items() if found}
    referrals = [converted for found in referred.values() for converted in found]
    behind["referral_rate"] = behind["referrals"] = list(referred)
    behind["referrals_converted"] = [cid for cid, found in referred.items() if any(found)]

    # Health now and at the start.
    average_end, end_ids = _average_health(scope, end)
    average_start, start_ids = _average_health(scope, start)
    change = None if average_end is None or average_start is None else average_end - average_start
    behind["average_health"] = end_ids
    behind["average_health_change"] = end_ids if change is not None else []

    # Touchpoints done.
    day_before, last_due = touchpoint_count_days(start, end, as_of)
    done = total = 0
    touched = []
    if start <= last_due:
        for client in scope:
            (before, done_before), (by, done_by) = client.touchpoints_by(day_before), client.touchpoints_by(last_due)
            if by > before:
                done += done_by - done_before
                total += by - before
                touched.append(client.id)
    behind["on_time_share"] = touched

    # Pulse answers.
    answers = {c.id: [value for day, value in c.pulses if start <= day <= end] for c in scope}
    behind["nps"] = [cid for cid, found in answers.items() if found]

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
        referrals_converted=sum(referrals),
        average_health=None if average_end is None else float(average_end),
        average_health_change=None if change is None else float(change),
        on_time_share=percent(done, total),
        nps=net_promoter([value for found in answers.values() for value in found]),
        behind={key: sorted(ids) for key, ids in behind.items()},
    )


def by_owner(
    clients: Iterable[Client | PracticeFacts],
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
    own: dict[str, list[PracticeFacts]] = {}
    for facts in _facts(clients, start, end, as_of, plans, calendar, weights, schedules):
        own.setdefault(facts.owner, []).append(facts)
    return {owner: practice_metrics(own[owner], start, end, as_of, owner) for owner in sorted(own)}


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
    clients: Iterable[Client | PracticeFacts],
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
    periods = quarters(end, count)
    every = _facts(clients, periods[0][0], end, as_of, plans, calendar, weights, schedules)
    return [practice_metrics(every, start, stop, as_of, owner) for start, stop in periods]


# ----- advocacy ---------------------------------------------------------------------------


class AdvocacyParts(Protocol):
    """What the advocacy rules read of a client: a whole Client, or only these parts of it (AdvocacyFacts)."""

    @property
    def testimonials(self) -> Sequence[Testimonial]: ...

    @property
    def referrals(self) -> Sequence[Referral]: ...

    @property
    def contacts(self) -> Sequence[Contact]: ...

    @property
    def pulses(self) -> Sequence[Pulse]: ...


@dataclass(frozen=True, slots=True)
class AdvocacyFacts:
    """The parts of a client that an ask for a testimonial or referral reads (each in the order recorded)."""

    testimonials: Sequence[Testimonial] = ()
    referrals: Sequence[Referral] = ()
    contacts: Sequence[Contact] = ()
    pulses: Sequence[Pulse] = ()


def _advocacy_blockers(client: AdvocacyParts, day: date, band: Band | None) -> list[str]:
    """Why not to ask the client for a testimonial or referral on ``day``, its band then being ``band`` (empty: ask)."""
    blockers = []
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


CHAMPION_BY_DAY = 30
"""A client still without a champion among its contacts after this day of support is flagged on its Health screen."""


def promoters(client: AdvocacyParts, day: date) -> set[str]:
    """The contacts whose latest pulse answer linked to them (on or before ``day``) makes them promoters (9-10)."""
    latest: dict[str, int] = {}
    for pulse in sorted((p for p in client.pulses if p.contact is not None and p.date <= day), key=lambda p: p.date):
        assert pulse.contact is not None
        latest[pulse.contact] = pulse.recommend
    return {name for name, recommend in latest.items() if recommend >= PROMOTER_FROM}


def advocates(client: AdvocacyParts, day: date) -> list[tuple[str, tuple[str, ...]]]:
    """The contacts best placed to give a testimonial or referral: champions and promoters, each with what it is
    (promoters who are champions first, then promoters, then champions; in the order of the contacts)."""
    liked = promoters(client, day)
    found = []
    for contact in client.contacts:
        tags = tuple(t for t, yes in (("champion", contact.kind == "champion"), ("promoter", contact.name in liked)) if yes)
        if tags:
            found.append((contact.name, tags))
    return sorted(found, key=lambda item: (-len(item[1]), "promoter" not in item[1]))


def advocate_rank(whom: Sequence[tuple[str, tuple[str, ...]]]) -> int:
    """How well placed an ask is by whom it can go to (``advocates``): 0 a promoter, 1 a champion, 2 nobody named."""
    if any("promoter" in tags for _, tags in whom):
        return 0
    return 1 if whom else 2


def contact_tags(client: Client, day: date) -> list[tuple[str, str | None, str, bool]]:
    """Each contact as (name, role, kind as said, whether a promoter on ``day``)."""
    liked = promoters(client, day)
    return [(c.name, c.role, CONTACT_KIND_LABEL[c.kind], c.name in liked) for c in client.contacts]


def champion_missing(client: Client, day: date) -> bool:
    """Whether the client is past day ``CHAMPION_BY_DAY`` of support with no champion among its contacts."""
    return day_number(client.go_live, day) > CHAMPION_BY_DAY and not any(c.kind == "champion" for c in client.contacts)


def ask_for_advocacy(client: Client, day: date, scale: Scale = DEFAULT_SCALE) -> bool:
    """Whether to ask for a testimonial or referral on ``day``.

    Yes when the latest band is green, the client has neither answered a testimonial
    request (given or declined) nor referred anyone, and was not asked in the calendar
    quarter containing ``day``: the ask shows once a quarter until it is answered.
    """
    return advocacy(client, day, client_band(client, day, scale))[0]


def advocacy_reason(client: Client, day: date, scale: Scale = DEFAULT_SCALE) -> str:
    """One line saying why the ask shows on ``day``, or why it does not."""
    return advocacy(client, day, client_band(client, day, scale))[1]


def advocacy(client: AdvocacyParts, day: date, band: Band | None) -> tuple[bool, str]:
    """``ask_for_advocacy`` and ``advocacy_reason`` of a client whose band on ``day`` is ``band`` (its assessments unread)."""
    blockers = _advocacy_blockers(client, day, band)
    if blockers:
        return False, "no ask: " + "; ".join(blockers)
    earlier = sorted(t.requested for t in client.testimonials if t.requested <= day)
    since = f" (last asked {earlier[-1]})" if earlier else ""
    whom = advocates(client, day)
    ask = "; ".join(f"{name} ({', '.join(tags)})" for name, tags in whom)
    return True, f"green and no testimonial or referral yet: ask for one{since}" + (f"; ask {ask}" if ask else "")
