"""What the CLI and the workbench show: store reads put through the core's rules, as plain JSON-ready dicts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .core.calendar import add_months
from .core.finance import financials
from .core.health import (
    BAND_ADVICE,
    health_report,
    health_history,
    latest_on_or_before,
    previous_of,
    suggest_subscores,
)
from .core.kpis import TREND_WINDOW, is_on_target, kpi_status, retention
from .core.models import Client
from .core.phases import adoption_phase, day_number, support_phase
from .core.handover import checklist_of, handover_gate
from .core.pipeline import pipeline_totals, readiness, weighted_value
from .core.practice import advocacy_reason, ask_for_advocacy, quarters
from .core.support import pulse_summary, support_kpis
from .core.rules import DEFAULT_RULES, Rules  # noqa: F401 (the views' callers take the rules from here too)
from .core.schedule import agenda_order, agenda_rows, agenda_window, client_band, on_time_share, schedule
from .store import SCHEDULE_PARTS, Store


# How far ahead a next touchpoint is looked for.
NEXT_TOUCHPOINT_DAYS = 400
# Clients whose whole histories are in memory at once when views are worked out.
LOAD_CHUNK = 250


def per_client(store: Store, parts, compute, *, ids: list[str] | None = None, active_only: bool = False,
               owner: str | None = None, prepare=None, load=None) -> dict[str, object]:
    """``compute(client)`` for each client (all, or ``ids``), as JSON-ready results by client id in id order.

    Clients are loaded ``LOAD_CHUNK`` at a time with ``parts`` (or by ``load(ids)`` when given),
    after ``prepare(ids)`` fetched in bulk what ``compute`` needs.
    """
    if ids is None:
        ids = store.client_ids(active_only=active_only, owner=owner)
    if prepare is not None and ids:
        prepare(ids)
    results = {}
    for start in range(0, len(ids), LOAD_CHUNK):  # a part at a time: no whole portfolio's histories at once
        part = ids[start:start + LOAD_CHUNK]
        for client in load(part) if load is not None else store.clients(part, parts=parts):
            results[client.id] = compute(client)
    return results


def _num(value):
    """Decimals as JSON numbers."""
    return float(value) if isinstance(value, Decimal) else value


def today_view(store: Store, day: date, owner: str | None = None, rules: Rules = DEFAULT_RULES) -> dict:
    rows = per_client(store, SCHEDULE_PARTS,
                      lambda c: agenda_rows(agenda_window(c, day, day, rules.plans, rules.calendar), day),
                      active_only=True, owner=owner, load=store.bulk_clients)
    items = sorted((item for client_rows in rows.values() for item in client_rows), key=agenda_order)
    return {
        "date": day.isoformat(),
        "items": items,
        "action_items": [
            {"client": a["client"], "client_name": a["client_name"], "id": a["id"], "text": a["text"],
             "owner": a["owner"], "due": a["due"], "priority": a["priority"]}
            for a in store.open_action_items(due_on_or_before=day, owner=owner)
        ],
    }


def schedule_view(store: Store, client_id: str, start: date | None, end: date | None, today: date,
                  rules: Rules = DEFAULT_RULES) -> dict:
    """By default the whole plan: from go-live to twelve months after it (or a month past today, if later)."""
    client = store.client(client_id, parts=SCHEDULE_PARTS)
    start = start or client.go_live
    end = end or max(add_months(client.go_live, 12), today + timedelta(days=30))
    touchpoints = schedule(client, start, end, rules.plans, rules.calendar)
    return {
        "client": client.id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "touchpoints": [tp.model_dump(mode="json", exclude={"reason"} if tp.reason is None else None) for tp in touchpoints],
    }


def _health_of(client: Client, day: date, rules: Rules) -> dict:
    latest = latest_on_or_before(client.assessments, day)
    if latest is None:
        return {"client": client.id, "client_name": client.name, "date": None, "overall": None, "band": None,
                "components": None, "previous_overall": None, "delta": None, "drivers": []}
    report = health_report(latest, previous_of(client.assessments, latest), rules.weights)
    return {
        "client": client.id,
        "client_name": client.name,
        "date": report.date.isoformat(),
        "overall": _num(report.overall),
        "band": report.band,
        "components": {
            name: {"score": _num(c.score), "weight": _num(c.weight), "subscores": dict(c.subscores)}
            for name, c in report.components.items()
        },
        "previous_overall": _num(report.previous_overall),
        "delta": _num(report.delta),
        "drivers": [d.model_dump() for d in report.drivers],
        "note": report.note,
    }


def _health_load(store: Store, day: date):
    """How ``_health_of`` clients are loaded: a client's health on ``day`` reads its two latest assessments up to then."""
    return lambda stale: store.bulk_clients(stale, {"assessments"}, since=day, earlier_assessments=2)


def health_list_view(store: Store, day: date, rules: Rules = DEFAULT_RULES) -> list[dict]:
    """Every active client's latest health, most critical first (clients never assessed last)."""
    rows = per_client(store, {"assessments"}, lambda c: _health_of(c, day, rules), active_only=True,
                      load=_health_load(store, day))
    return sorted(rows.values(), key=lambda r: (r["overall"] is None, r["overall"] or 0, r["client"]))


def health_view(store: Store, client_id: str, day: date, rules: Rules = DEFAULT_RULES) -> dict:
    client = store.client(client_id)
    result = _health_of(client, day, rules)
    result["history"] = [
        {"date": d.isoformat(), "overall": _num(overall), "band": band}
        for d, overall, band in health_history(client.assessments, rules.weights, until=day)
    ]
    result["advice"] = list(BAND_ADVICE[result["band"]]) if result["band"] else []
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    result["suggestions"] = _suggestions(client, day, rules, statuses)
    result["advocacy"] = {"ask": ask_for_advocacy(client, day), "reason": advocacy_reason(client, day)}
    result["pulse"] = pulse_summary(client.pulses, day, quarters(day, 4))
    return result


def _suggestions(client: Client, day: date, rules: Rules, statuses: list) -> dict:
    """Evidence-based sub-score suggestions: the KPIs (support ones included), touchpoints done, pulse answers."""
    support = [kpi_status(k, day, rules.retained_threshold) for k in support_kpis(client.tickets, day)]
    share = on_time_share(client, day, plans=rules.plans, calendar=rules.calendar)
    return {name: s.model_dump()
            for name, s in suggest_subscores(statuses + support, share, pulses=client.pulses, as_of=day).items()}


def all_kpis(client: Client, day: date) -> list:
    """The client's KPIs followed by the support KPIs derived from its ticket log (diagnostic)."""
    return [*client.kpis, *support_kpis(client.tickets, day)]


def kpis_view(store: Store, client_id: str, day: date, rules: Rules = DEFAULT_RULES) -> list[dict]:
    client = store.client(client_id, parts={"kpis", "readings", "tickets"})
    return [kpi_status(k, day, rules.retained_threshold).model_dump(mode="json") for k in all_kpis(client, day)]


def client_view(store: Store, client_id: str, day: date, rules: Rules = DEFAULT_RULES) -> dict:
    client = store.client(client_id)
    number = day_number(client.go_live, day)
    band = client_band(client, day)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    open_high = sum(1 for a in client.action_items if a.status == "open" and a.priority == "high")
    gate = handover_gate(number, band, statuses, open_high, checklist=checklist_of(client))
    money = financials(client.savings, client.investment, client.roi_target, day)
    upcoming = schedule(client, day, day + timedelta(days=400), rules.plans, rules.calendar)
    next_tp = next((tp for tp in upcoming if tp.status == "scheduled"), None)
    return {
        "id": client.id,
        "name": client.name,
        "tier": client.tier,
        "owner": client.owner,
        "status": client.status,
        "go_live": client.go_live.isoformat(),
        "day": number,
        "phase": support_phase(number),
        "adoption_phase": adoption_phase(client.go_live, day),
        "band": band,
        "handover": {"ready": gate.ready, "reasons": list(gate.reasons)},
        "financials": {
            "monthly_savings": money.monthly_savings,
            "ytd_savings": money.ytd_savings,
            "cumulative_savings": money.cumulative_savings,
            "roi": money.roi,
            "roi_target": money.roi_target,
            "investment": money.investment,
        },
        "contacts": [c.model_dump(exclude_none=True) for c in client.contacts],
        "next_touchpoint": next_tp.model_dump(mode="json", include={"date", "kind", "covers"}) if next_tp else None,
        "open_action_items": sum(1 for a in client.action_items if a.status == "open"),
    }


def pipeline_view(store: Store, day: date, client_id: str | None = None, rules: Rules = DEFAULT_RULES) -> dict:
    """Every opportunity (with its id and version, for editing) and the pipeline's totals."""
    if client_id:
        store.require_client(client_id)
    ids = [client_id] if client_id else None
    health = per_client(store, {"assessments"}, lambda c: _health_of(c, day, rules), ids=ids,
                        load=_health_load(store, day))
    rows, opportunities = [], []
    for row in store.opportunities(client_id):
        opportunities.append(store.opportunity_of(row))
        rows.append({
            "id": row["id"], "version": row["version"],
            "client": row["client_id"], "client_name": health[row["client_id"]]["client_name"], "title": row["title"],
            "stage": row["stage"], "source": row["source"], "value": row["value"], "probability": row["probability"],
            "weighted": weighted_value(row["value"], row["probability"]), "readiness": readiness(health[row["client_id"]]["band"]),
            "investment_low": row["investment_low"], "investment_high": row["investment_high"],
            "start_month": row["start_month"], "end_month": row["end_month"],
            "next_action": row["next_action"], "next_action_date": row["next_action_date"],
        })
    return {"opportunities": rows, "totals": pipeline_totals(opportunities).model_dump(mode="json")}


def kpi_dashboard_view(store: Store, client_id: str, day: date, recent: int = 30, rules: Rules = DEFAULT_RULES) -> dict:
    """One client's KPI dashboard: each KPI's status with its recent readings, open action items and financials."""
    store.require_client(client_id)
    if recent < 1:  # every reading
        parts = {"kpis", "readings", "savings", "action_items", "tickets"}
        return per_client(store, parts, lambda c: _kpi_dashboard(c, day, recent, rules), ids=[client_id])[client_id]
    # A status needs the latest TREND_WINDOW readings and the best one, the dashboard the latest ``recent``:
    # so the history is not loaded, and its length does not matter.
    loaded: dict = {}

    def compute(client: Client) -> dict:
        counts = {}
        for kpi in client.kpis:
            kpi.readings, counts[id(kpi)] = loaded.get((client.id, kpi.key), ([], 0))
        return _kpi_dashboard(client, day, recent, rules, counts)

    return per_client(store, {"kpis", "savings", "action_items", "tickets"}, compute, ids=[client_id],
                      prepare=lambda stale: loaded.update(store.kpi_readings(stale, day, max(recent, TREND_WINDOW))))[client_id]


def _kpi_dashboard(client: Client, day: date, recent: int, rules: Rules, counts: dict[int, int] | None = None) -> dict:
    """``counts``: for KPIs loaded with only their deciding readings, how many readings each has (by ``id(kpi)``)."""
    counts = counts or {}
    kpis = []
    for kpi in all_kpis(client, day):
        status = kpi_status(kpi, day, rules.retained_threshold, count=counts.get(id(kpi))).model_dump(mode="json")
        upto = [r for r in kpi.readings if r.date <= day][-recent:]
        status["recent"] = [{"date": r.date.isoformat(), "value": r.value} for r in upto]
        kpis.append(status)
    money = financials(client.savings, client.investment, client.roi_target, day)
    return {
        "client": client.id,
        "client_name": client.name,
        "kpis": kpis,
        "financials": money.model_dump(mode="json"),
        "action_items": [a.model_dump(mode="json") for a in client.action_items if a.status == "open"],
    }


def _triage_row(client: Client, day: date, rules: Rules) -> dict:
    health = _health_of(client, day, rules)
    number = day_number(client.go_live, day)
    upcoming = schedule(client, day, day + timedelta(days=NEXT_TOUCHPOINT_DAYS), rules.plans, rules.calendar)
    next_tp = next((tp for tp in upcoming if tp.status == "scheduled"), None)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    return {
        "client": client.id,
        "client_name": client.name,
        "owner": client.owner,
        "tier": client.tier,
        "status": client.status,
        "day": number,
        "phase": support_phase(number),
        "overall": health["overall"],
        "band": health["band"],
        "delta": health["delta"],
        "assessed": health["date"],
        "next_touchpoint": next_tp.model_dump(mode="json", include={"date", "kind"}) if next_tp else None,
        "backsliding": sum(s.backsliding for s in statuses),
        "kpis_on_target": sum(bool(s.on_target) for s in statuses),
        "kpis": len(statuses),
        "weighted_pipeline": pipeline_totals(client.opportunities).weighted,
    }


def portfolio_view(store: Store, day: date, rules: Rules = DEFAULT_RULES) -> list[dict]:
    """One triage row per client: health and its change, tier, phase, next touchpoint, backsliding KPIs, pipeline."""
    standings: dict = {}
    parts = {"assessments", "exceptions", "opportunities"}

    def compute(client: Client) -> dict:
        # A KPI's part of the row needs only its latest and its best reading, worked out in SQLite.
        row = _triage_row(client, day, rules)
        kpis = standings.get(client.id, {"kpis": []})["kpis"]
        row["backsliding"] = sum(retention(direction, baseline, current, peak, rules.retained_threshold)[1]
                                 for _key, direction, baseline, target, current, peak in kpis)
        row["kpis_on_target"] = sum(current is not None and is_on_target(direction, current, target)
                                    for _key, direction, baseline, target, current, peak in kpis)
        row["kpis"] = len(kpis)
        return row

    # Only the two latest assessments up to the day (health and its change) and what lies ahead (the next touchpoint).
    return list(per_client(store, parts, compute,
                           load=lambda ids: store.bulk_clients(ids, parts, since=day, earlier_assessments=2),
                           prepare=lambda ids: standings.update(store.kpi_latest_and_best(ids, day))).values())


def _kpi_line(status) -> str:
    unit = status.unit if status.unit in ("%",) else f" {status.unit}" if status.unit else ""
    if status.current is None:
        return f"• {status.name}: no reading yet (target {status.target:g}{unit})"
    previous = f", before {status.previous:g}{unit}" if status.previous is not None else ""
    mark = "on target" if status.on_target else "off target"
    return f"• {status.name}: {status.current:g}{unit}{previous}; target {status.target:g}{unit} ({mark})"


def checkin_context(store: Store, client_id: str, touchpoint_date: date, kind: str, day: date,
                    opportunity_id: int | None = None, rules: Rules = DEFAULT_RULES) -> dict:
    """Everything a guided check-in needs: the script with its prompts filled in, KPIs, last scores, the author's draft."""
    from .core.kpis import plausible_range
    from .core.scripts import kpis_for, render
    from .app.scriptbook import scripts_in_force

    templates, problems = scripts_in_force()
    template = templates.get(kind)
    if template is None:
        raise ValueError(f"there is no check-in script for '{kind}' touchpoints")
    client = store.client(client_id)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    latest = latest_on_or_before(client.assessments, day)
    band = client_band(client, day)
    number = day_number(client.go_live, day)
    money = financials(client.savings, client.investment, client.roi_target, day)
    open_actions = [a for a in client.action_items if a.status == "open"]
    last_checkin = max(client.checkins, key=lambda c: c.date, default=None)
    opportunity = None
    if opportunity_id is not None:
        rows = [r for r in store.opportunities(client_id) if r["id"] == opportunity_id]
        if not rows:
            raise ValueError(f"no opportunity {opportunity_id} for {client_id}")
        opportunity = rows[0]
    roi = f"ROI {money.roi:g}% against a target of {money.roi_target:g}%" if money.roi is not None else "no ROI yet"
    context = {
        "client": client.name,
        "contact": client.contacts[0].name if client.contacts else "the client",
        "band": band or "not assessed",
        "day": str(number),
        "phase": support_phase(number).replace("_", " "),
        "kpi_lines": "\n".join(_kpi_line(s) for s in statuses) or "(no KPIs yet)",
        "open_actions": "; ".join(f"{a.text} (due {a.due})" for a in open_actions[:5]) or "none",
        "last_next_steps": (last_checkin.next_steps if last_checkin and last_checkin.next_steps else "nothing recorded"),
        "financials": f"{money.monthly_savings or 0:,.0f} last month, {money.ytd_savings:,.0f} this year; {roi}",
        "readiness": readiness(band),
        "opportunity": (f"{opportunity['title']} ({opportunity['stage']}, {opportunity['value']:,.0f} a year, "
                        f"{opportunity['probability']}%)") if opportunity else "none chosen",
    }
    kpis = {}
    for kpi, status in zip(client.kpis, statuses):
        recent = [r.value for r in kpi.readings if r.date <= day][-30:]
        low, high = plausible_range(kpi.unit, kpi.baseline, kpi.target, recent)
        kpis[kpi.key] = {**status.model_dump(mode="json", include={"key", "name", "unit", "category", "direction", "baseline",
                                                                      "target", "current", "previous"}), "low": low, "high": high}
    draft = store.load_draft(client_id, touchpoint_date, kind)
    others = [d["author"] for d in store.drafts() if d["client"] == client_id and d["date"] == touchpoint_date.isoformat()
              and d["kind"] == kind and d["author"] != store.actor]
    return {
        "client": client.id,
        "client_name": client.name,
        "owner": client.owner,
        "contacts": [c.name for c in client.contacts],
        "kind": kind,
        "touchpoint_date": touchpoint_date.isoformat(),
        "day": day.isoformat(),
        "band": band,
        "script": {
            "title": template.title,
            "planned_minutes": template.planned_minutes,
            "sections": [
                {"title": s.title, "minutes": s.minutes, "capture": list(s.capture),
                 "prompts": [render(p, context) for p in s.prompts],
                 "kpis": [k.key for k in kpis_for(s, client.kpis)],
                 "scores": list(s.scores) if s.scores else None}
                for s in template.section
            ],
        },
        "script_problems": problems,
        "kpis": kpis,
        "last_scores": latest.scores.model_dump() if latest else None,
        "last_assessed": latest.date.isoformat() if latest else None,
        "suggestions": _suggestions(client, day, rules, statuses),
        "draft": draft[0] if draft else None,
        "draft_version": draft[1] if draft else None,
        "other_drafts": others,
        "opportunity": opportunity,
    }
