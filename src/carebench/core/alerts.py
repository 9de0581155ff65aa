"""Alert rules for `carebench check`: what needs attention on a day, as findings with stable ids.

Every rule is a pure function of a client's data (or of open action items) and a
date; nothing here reads the database or prints. A finding's id is
``rule:client`` or ``rule:client:subject`` (subject: a touchpoint kind, a KPI key,
an action item's number or a ticket reference), so a person can acknowledge it and the
acknowledgement still matches tomorrow's run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from .calendar import DEFAULT_CALENDAR, WorkCalendar
from .handover import checklist_of, handover_gate
from .health import BAND_LABEL, band_of, latest_on_or_before, overall_score
from .kpis import kpi_status
from .models import KIND_LABEL, Client, Escalation, RecoveryStep, Result, error_text
from .phases import day_number
from .rules import DEFAULT_RULES, Rules
from .schedule import DEFAULT_PLANS, Plans, Touchpoint, client_band, held_series, overdue, schedule
from .support import URGENT, due_soon, is_open, priority_of, ticket_clock, ticket_subject, ticket_tier
from .terms import DEFAULT_GATE, Gate
from .weighting import DEFAULT_SCALE, Scale

Severity = Literal["low", "medium", "high"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")
"""Least to most severe."""

RULES: dict[str, str] = {
    "red-no-recovery": "a red client had no recovery call in the last N working days",
    "red-unattended": "a red client has neither an executive escalation nor a recovery plan after N working days",
    "ticket-p1-open": "a P1 support ticket has been open for more than 24 hours",
    "ticket-response-late": "an open support ticket has had no first response by the time its tier was promised one",
    "ticket-resolve-late": "an open P2-P4 support ticket is past the time its priority should be resolved in",
    "ticket-response-soon": "an open support ticket's first response is due within the hour (or the last tenth of its window)",
    "ticket-resolve-soon": "an open support ticket's resolution is due within the hour (or the last tenth of its window)",
    "missed-touchpoint": "a QBR, monthly session or (bi)weekly review is overdue",
    "intervention-overdue": "a yellow client's intervention is overdue",
    "kpi-backsliding": "a KPI started slipping back from its best in the last N days",
    "handover-gate": "the support period is over but the handover gate is not met",
    "step-down-held": "a gated series has gone on past its planned end for longer than the rules' gate.held_days",
    "action-overdue": "an open action item is past its due date",
    "stale-health": "no health assessment for more than N days",
}
"""Every rule and what it looks for, in the order they run."""

SUBJECT_RULES = {
    "missed-touchpoint": "kind",
    "kpi-backsliding": "kpi",
    "action-overdue": "action item id",
    **dict.fromkeys(("ticket-p1-open", "ticket-response-late", "ticket-resolve-late", "ticket-response-soon", "ticket-resolve-soon"), "ticket"),
}
"""Rules whose findings name a subject after the client, and what the subject is."""

REVIEW_KINDS = ("quarterly", "monthly", "retrospective", "biweekly", "weekly")
MISSED_SEVERITY: dict[str, Severity] = {"quarterly": "high", "monthly": "medium", "retrospective": "low", "biweekly": "medium", "weekly": "low"}
PRIORITY_SEVERITY: dict[str, Severity] = {"high": "high", "medium": "medium", "low": "low"}
P1_OPEN_HOURS = 24
"""How long a P1 ticket may stay open before it is raised."""

ID_RE = re.compile(r"^([a-z][a-z0-9-]*):([a-z0-9][a-z0-9_-]{0,63})(?::([a-z0-9][a-z0-9_-]{0,63}))?$")


class Finding(Result):
    """One thing that needs attention; the field names are a JSON contract."""

    id: str
    severity: Severity
    rule: str
    client: str
    message: str


class CheckSettings(Result):
    """Thresholds of the rules (the [check] table of config.toml)."""

    model_config = ConfigDict(extra="forbid")

    recovery_days: int = Field(default=2, ge=1, le=60, strict=True)
    stale_days: int = Field(default=30, ge=1, le=3650, strict=True)
    handover_day: int = Field(default=90, ge=1, le=3650, strict=True)
    backsliding_days: int = Field(default=7, ge=1, le=365, strict=True)


DEFAULT_SETTINGS = CheckSettings()


def settings_from(table: Mapping[str, object]) -> CheckSettings:
    """Settings from a parsed [check] table; ValueError "key: problem" names the first bad key."""
    if not isinstance(table, Mapping):
        raise ValueError("must be a table of settings")
    try:
        return CheckSettings.model_validate(dict(table))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or "check"
        if error["type"] == "extra_forbidden":
            problem = f"unknown setting (known: {', '.join(CheckSettings.model_fields)})"
        else:
            problem = f"{error_text(error)} (got {error.get('input')!r})"
        raise ValueError(f"{key}: {problem}") from None


def finding_id(rule: str, client: str, subject: str | int | None = None) -> str:
    return f"{rule}:{client}" if subject is None else f"{rule}:{client}:{subject}"


def parse_finding_id(text: str) -> tuple[str, str, str | None]:
    """(rule, client, subject) of a finding id; ValueError says what is wrong with it."""
    match = ID_RE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a finding id; ids look like rule:client or rule:client:subject (as `carebench check` prints them)")
    rule, client, subject = match.groups()
    if rule not in RULES:
        raise ValueError(f"'{text}': unknown rule '{rule}' (known: {', '.join(RULES)})")
    wants = SUBJECT_RULES.get(rule)
    if wants and subject is None:
        article = "an" if wants[0] in "aeiou" else "a"
        raise ValueError(f"'{text}': {rule} findings name {article} {wants} after the client ({rule}:{client}:{wants.split()[-1].upper()})")
    if not wants and subject is not None:
        raise ValueError(f"'{text}': {rule} findings are rule:client, with nothing after the client")
    if wants == "kind" and subject not in REVIEW_KINDS:
        raise ValueError(f"'{text}': the touchpoint kind must be one of {', '.join(REVIEW_KINDS)}")
    if rule == "action-overdue" and not subject.isdigit():
        raise ValueError(f"'{text}': the action item must be given by its number")
    return rule, client, subject


def _working_days_before(day: date, count: int, after: date, calendar: WorkCalendar) -> list[date]:
    """Up to ``count`` working days before ``day`` and after ``after``, oldest first."""
    found: list[date] = []
    cursor = day - timedelta(days=1)
    while len(found) < count and cursor > after:
        if calendar.is_working(cursor):
            found.append(cursor)
        cursor -= timedelta(days=1)
    return sorted(found)


def red_without_recovery(
    client: Client,
    day: date,
    recovery_days: int = 2,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    scale: Scale = DEFAULT_SCALE,
) -> list[Finding]:
    """A red client none of whose recovery touchpoints was done in the last ``recovery_days`` working days.

    The window is the ``recovery_days`` working days before ``day`` (plus ``day``
    itself, when a recovery call is already done that day). Recovery calls start the
    working day after the red assessment, so nothing is raised until that many
    working days have passed since it. A done touchpoint that stands on a recovery
    day (a weekly review covering it, say) counts as the recovery call.
    """
    latest = latest_on_or_before(client.assessments, day)
    if latest is None or band_of(overall_score(latest.scores, scale.weights), scale.bands) != "red":
        return []
    window = _working_days_before(day, recovery_days, latest.date, calendar)
    if len(window) < recovery_days:
        return []
    done = [
        tp
        for tp in schedule(client, window[0], day, plans, calendar, scale=scale)
        if tp.status == "done" and (tp.kind == "recovery" or "recovery" in tp.covers)
    ]
    if done:
        return []
    overall = overall_score(latest.scores, scale.weights)
    days = "working day" if recovery_days == 1 else f"{recovery_days} working days"
    return [
        Finding(
            id=finding_id("red-no-recovery", client.id),
            severity="high",
            rule="red-no-recovery",
            client=client.id,
            message=f"{client.name} is red ({overall} since {latest.date}) and no recovery call was done in the last {days}",
        )
    ]


def red_since(client: Client, day: date, scale: Scale = DEFAULT_SCALE) -> date | None:
    """The date of the assessment that made the client red, when its latest assessment on ``day`` is red: the first of
    the red assessments that follow one another up to the latest (None when the client is not red)."""
    upto = sorted((a for a in client.assessments if a.date <= day), key=lambda a: a.date)
    since = None
    for assessment in reversed(upto):
        if band_of(overall_score(assessment.scores, scale.weights), scale.bands) != "red":
            break
        since = assessment.date
    return since


def red_attention(client: Client, day: date, scale: Scale = DEFAULT_SCALE) -> tuple[date | None, list[Escalation], list[RecoveryStep]]:
    """(red since, escalations, recovery steps) of the red spell standing on ``day``: the escalations and the steps
    added from the day it turned red up to ``day`` (all empty and None when the client is not red)."""
    since = red_since(client, day, scale)
    if since is None:
        return None, [], []
    escalations = [e for e in client.escalations if since <= e.date <= day]
    steps = [s for s in client.recovery if since <= s.added <= day]
    return since, escalations, steps


def red_unattended(
    client: Client, day: date, working_days: int = 3, calendar: WorkCalendar = DEFAULT_CALENDAR, *, scale: Scale = DEFAULT_SCALE
) -> list[Finding]:
    """A red client with neither an executive escalation nor a recovery plan once ``working_days`` working days have
    passed since the assessment that made it red (the days after it and before ``day``; an escalation or a step
    recorded since it, ``day`` included, answers it)."""
    since, escalations, steps = red_attention(client, day, scale)
    if since is None or escalations or steps:
        return []
    passed = _working_days_before(day, working_days, since, calendar)
    if len(passed) < working_days:
        return []
    days = "working day" if working_days == 1 else f"{working_days} working days"
    return [
        Finding(
            id=finding_id("red-unattended", client.id),
            severity="high",
            rule="red-unattended",
            client=client.id,
            message=f"{client.name} has been red since {since} and after {days} has neither an executive escalation nor a recovery plan "
            f"(carebench escalate {client.id} / carebench recovery {client.id} add)",
        )
    ]


def _overdue(client: Client, day: date, plans: Plans, calendar: WorkCalendar, scale: Scale = DEFAULT_SCALE) -> list[Touchpoint]:
    return overdue(schedule(client, min(client.go_live, day), day, plans, calendar, scale=scale), day)


def missed_touchpoints(
    client: Client, day: date, plans: Plans = DEFAULT_PLANS, calendar: WorkCalendar = DEFAULT_CALENDAR, *, missed: list[Touchpoint] | None = None
) -> list[Finding]:
    """One finding per overdue review kind (quarterly, monthly, retrospective, biweekly, weekly), as the agenda counts them."""
    missed = _overdue(client, day, plans, calendar) if missed is None else missed
    findings = []
    for kind in REVIEW_KINDS:
        of_kind = [tp for tp in missed if tp.kind == kind]
        if not of_kind:
            continue
        count = f"{len(of_kind)} missed, the last on {of_kind[-1].date}" if len(of_kind) > 1 else f"due {of_kind[-1].date}"
        findings.append(
            Finding(
                id=finding_id("missed-touchpoint", client.id, kind),
                severity=MISSED_SEVERITY[kind],
                rule="missed-touchpoint",
                client=client.id,
                message=f"{client.name}: the {KIND_LABEL[kind]} is overdue ({count})",
            )
        )
    return findings


def intervention_overdue(
    client: Client,
    day: date,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    *,
    missed: list[Touchpoint] | None = None,
    scale: Scale = DEFAULT_SCALE,
) -> list[Finding]:
    """A yellow client (latest band on ``day``) with an overdue intervention touchpoint."""
    if client_band(client, day, scale) != "yellow":
        return []
    missed = _overdue(client, day, plans, calendar, scale) if missed is None else missed
    late = [tp for tp in missed if tp.kind == "intervention"]
    if not late:
        return []
    return [
        Finding(
            id=finding_id("intervention-overdue", client.id),
            severity="medium",
            rule="intervention-overdue",
            client=client.id,
            message=f"{client.name} is yellow and its intervention of {late[-1].date} is overdue"
            + (f" ({len(late)} missed)" if len(late) > 1 else ""),
        )
    ]


def _value(value: float, unit: str) -> str:
    text = f"{value:g}"
    return f"{text}%" if unit.strip() == "%" else f"{text} {unit}".rstrip()


def newly_backsliding(client: Client, day: date, lookback_days: int = 7, retained_threshold: float = 0.8) -> list[Finding]:
    """KPIs backsliding on ``day`` that were not backsliding ``lookback_days`` earlier."""
    findings = []
    for kpi in client.kpis:
        now = kpi_status(kpi, day, retained_threshold)
        if not now.backsliding or kpi_status(kpi, day - timedelta(days=lookback_days), retained_threshold).backsliding:
            continue
        assert now.peak is not None and now.retained is not None and now.current is not None  # backsliding: all known
        peak = _value(now.peak, kpi.unit)
        hold = (
            f"is worse than its baseline again (best {peak})"
            if now.retained < 0
            else f"keeps {round(now.retained * 100)}% of the gain it had at its best ({peak})"
        )
        findings.append(
            Finding(
                id=finding_id("kpi-backsliding", client.id, kpi.key),
                severity="medium",
                rule="kpi-backsliding",
                client=client.id,
                message=f"{client.name}: {kpi.name} is slipping back: {_value(now.current, kpi.unit)} now {hold}",
            )
        )
    return findings


def handover_due(
    client: Client, day: date, handover_day: int = 90, retained_threshold: float = 0.8, *, scale: Scale = DEFAULT_SCALE, gate: Gate = DEFAULT_GATE
) -> list[Finding]:
    """From day ``handover_day`` on (the end of the 90-day support period), a handover gate that is not met.

    The gate is the one the workbench shows, knowledge-transfer checklist included
    (the default items, none done, when the client has none stored).
    """
    number = day_number(client.go_live, day)
    if number < handover_day:
        return []
    statuses = [kpi_status(k, day, retained_threshold) for k in client.kpis]
    open_high = sum(1 for a in client.action_items if a.status == "open" and a.priority == "high")
    found = handover_gate(number, client_band(client, day, scale), statuses, open_high, gate, checklist=checklist_of(client))
    if found.ready:
        return []
    return [
        Finding(
            id=finding_id("handover-gate", client.id),
            severity="medium",
            rule="handover-gate",
            client=client.id,
            message=f"{client.name} is on day {number} and not ready for handover: {'; '.join(found.reasons)}",
        )
    ]


def held_too_long(client: Client, day: date, plans: Plans = DEFAULT_PLANS, *, scale: Scale = DEFAULT_SCALE) -> list[Finding]:
    """A gated series held (the client fails its gate) for more than the plans' ``gate.held_days`` days by ``day``."""
    findings = []
    for kind, since, reason in held_series(client, day, plans, scale=scale):
        days = (day - since).days + 1
        if days > plans.gate.held_days:
            findings.append(
                Finding(
                    id=finding_id("step-down-held", client.id, kind),
                    severity="medium",
                    rule="step-down-held",
                    client=client.id,
                    message=f"{client.name} is {reason}, for {days} days since {since} (more than {plans.gate.held_days})",
                )
            )
    return findings


def open_p1_findings(client: Client, now: datetime, within_hours: float = P1_OPEN_HOURS) -> list[Finding]:
    """P1 tickets still open at ``now`` that were opened more than ``within_hours`` (their resolution target) before it (exactly that is not yet)."""
    findings = []
    for ticket in sorted(client.tickets, key=lambda t: t.opened):
        if priority_of(ticket) != "P1" or not is_open(ticket, now):
            continue
        age = now - ticket.opened
        if age <= timedelta(hours=within_hours):
            continue
        hours = int(age.total_seconds() // 3600)
        findings.append(
            Finding(
                id=finding_id("ticket-p1-open", client.id, ticket_subject(ticket.ref or "")),
                severity="high",
                rule="ticket-p1-open",
                client=client.id,
                message=f'{client.name}: P1 ticket {ticket.ref} "{ticket.title}" has been open for {hours} hours '
                f"(since {ticket.opened:%Y-%m-%d %H:%M})",
            )
        )
    return findings


def _late_by(due: datetime, now: datetime) -> str:
    minutes = int((now - due).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def ticket_clock_findings(client: Client, now: datetime, rules: Rules) -> list[Finding]:
    """Open tickets whose first response or resolution is late at ``now``, or about to be (``support.due_soon``).

    A late first response is high for a P1 or P2, medium otherwise; a late resolution (P2-P4: an open P1 past its
    target is ``ticket-p1-open``) is medium for a P2, low otherwise; what is about to be late is low.
    """
    findings = []
    for ticket in sorted(client.tickets, key=lambda t: t.opened):
        if not is_open(ticket, now):
            continue
        level, subject = priority_of(ticket), ticket_subject(ticket.ref or "")
        tier = ticket_tier(client, ticket)
        clock = ticket_clock(ticket, tier, rules, now)
        what = f'{client.name}: {level} ticket {ticket.ref} "{ticket.title}"'
        if ticket.first_response is None:
            if clock.response_breached:
                rule, severity = "ticket-response-late", ("high" if level in URGENT else "medium")
                promised = f"{tier} was promised one by {clock.response_due:%Y-%m-%d %H:%M}"
                message = f"{what} has had no first response; {promised} (late by {_late_by(clock.response_due, now)})"
                findings.append(Finding(id=finding_id(rule, client.id, subject), severity=severity, rule=rule, client=client.id, message=message))
            elif due_soon(clock.response_due, ticket.opened, now):
                rule = "ticket-response-soon"
                message = f"{what} needs its first response by {clock.response_due:%Y-%m-%d %H:%M} ({tier} commitment)"
                findings.append(Finding(id=finding_id(rule, client.id, subject), severity="low", rule=rule, client=client.id, message=message))
        if clock.resolve_breached and level != "P1":
            rule, severity = "ticket-resolve-late", ("medium" if level == "P2" else "low")
            message = f"{what} should have been resolved by {clock.resolve_due:%Y-%m-%d %H:%M} (late by {_late_by(clock.resolve_due, now)})"
            findings.append(Finding(id=finding_id(rule, client.id, subject), severity=severity, rule=rule, client=client.id, message=message))
        elif not clock.resolve_breached and due_soon(clock.resolve_due, ticket.opened, now):
            rule = "ticket-resolve-soon"
            message = f"{what} should be resolved by {clock.resolve_due:%Y-%m-%d %H:%M}"
            findings.append(Finding(id=finding_id(rule, client.id, subject), severity="low", rule=rule, client=client.id, message=message))
    return findings


def overdue_actions(items: Iterable[Mapping[str, Any]], day: date) -> list[Finding]:
    """Open action items due before ``day`` (each a mapping with id, client, client_name, text, due, priority, owner)."""
    findings = []
    for item in items:
        due = item["due"] if isinstance(item["due"], date) else date.fromisoformat(item["due"])
        if due >= day:
            continue
        late = (day - due).days
        text = item["text"] if len(item["text"]) <= 80 else item["text"][:79] + "…"
        findings.append(
            Finding(
                id=finding_id("action-overdue", item["client"], item["id"]),
                severity=PRIORITY_SEVERITY[item["priority"]],
                rule="action-overdue",
                client=item["client"],
                message=f'{item["client_name"]}: "{text}" ({item["priority"]}, {item.get("owner") or "no owner"}) '
                f"was due {due}, {late} day{'s' if late != 1 else ''} ago",
            )
        )
    return findings


def stale_health(client: Client, day: date, stale_days: int = 30, *, scale: Scale = DEFAULT_SCALE) -> list[Finding]:
    """No assessment for more than ``stale_days`` days (counted from go-live when there was never one)."""
    latest = latest_on_or_before(client.assessments, day)
    since = latest.date if latest else client.go_live
    age = (day - since).days
    if age <= stale_days:
        return []
    if latest:
        band = band_of(overall_score(latest.scores, scale.weights), scale.bands)
        message = f"{client.name}: the last health assessment is {age} days old ({latest.date}, {band}: {BAND_LABEL[band]})"
    else:
        message = f"{client.name}: never assessed, {age} days after go-live"
    return [Finding(id=finding_id("stale-health", client.id), severity="low", rule="stale-health", client=client.id, message=message)]


def order(finding: Finding) -> tuple[int, str, int, str]:
    """Most severe first, then by client and rule."""
    return (-SEVERITIES.index(finding.severity), finding.client, list(RULES).index(finding.rule), finding.id)


def run_checks(
    clients: Iterable[Client],
    open_actions: Iterable[Mapping[str, Any]],
    day: date,
    settings: CheckSettings = DEFAULT_SETTINGS,
    plans: Plans = DEFAULT_PLANS,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    retained_threshold: float = 0.8,
    now: datetime | None = None,
    *,
    scale: Scale = DEFAULT_SCALE,
    p1_hours: float = P1_OPEN_HOURS,
    rules: Rules = DEFAULT_RULES,
) -> list[Finding]:
    """Every rule over active clients (with all their parts) and open action items, most severe first.

    ``now`` is the moment ticket ages are measured at; it defaults to the last minute of ``day``;
    ``scale`` gives assessments their bands and ``p1_hours`` is how long a P1 may stay open; the ticket
    clocks (response and resolution targets) are those of ``rules``.
    ``rules.red_working_days`` is how long a red client may go without an escalation or a recovery plan.
    """
    now = datetime.combine(day, time(23, 59)) if now is None else now
    findings: list[Finding] = []
    for client in clients:
        if client.status != "active":
            continue
        missed = _overdue(client, day, plans, calendar, scale)
        findings += red_without_recovery(client, day, settings.recovery_days, plans, calendar, scale=scale)
        findings += red_unattended(client, day, rules.red_working_days, calendar, scale=scale)
        findings += open_p1_findings(client, now, p1_hours)
        findings += ticket_clock_findings(client, now, rules)
        findings += missed_touchpoints(client, day, plans, calendar, missed=missed)
        findings += intervention_overdue(client, day, plans, calendar, missed=missed, scale=scale)
        findings += newly_backsliding(client, day, settings.backsliding_days, retained_threshold)
        findings += handover_due(client, day, settings.handover_day, retained_threshold, scale=scale, gate=plans.gate)
        findings += held_too_long(client, day, plans, scale=scale)
        findings += stale_health(client, day, settings.stale_days, scale=scale)
    findings += overdue_actions(open_actions, day)
    return sorted(findings, key=order)


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def annotate(findings: list[Finding], acks: Mapping[str, Mapping[str, Any]], day: date) -> list[dict[str, Any]]:
    """Findings as JSON-ready dicts, each marked acknowledged when an acknowledgement runs until ``day`` or later."""
    rows = []
    for finding in findings:
        ack = acks.get(finding.id)
        active = ack is not None and str(ack["until"]) >= day.isoformat()
        rows.append(
            {
                **finding.model_dump(),
                "acknowledged": active,
                "ack": {"until": str(ack["until"]), "reason": ack["reason"], "by": ack["by"]} if ack is not None and active else None,
            }
        )
    return rows


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Unacknowledged findings per severity, plus the acknowledged and total counts."""
    result: dict[str, int] = {severity: 0 for severity in reversed(SEVERITIES)}
    for row in rows:
        if not row["acknowledged"]:
            result[row["severity"]] += 1
    result["acknowledged"] = sum(1 for row in rows if row["acknowledged"])
    result["total"] = len(rows)
    return result


def failing(rows: list[dict[str, Any]], fail_on: str) -> bool:
    """Whether an unacknowledged finding is at or above ``fail_on`` (the exit code of `carebench check`)."""
    return any(not row["acknowledged"] and at_or_above(row["severity"], fail_on) for row in rows)
