"""The guided check-in: what it shows (the script with prompts filled from the client's data) and what it starts from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from ..core.phases import day_number, support_phase
from .present import with_unit
from .readmodels import Document, frozen
from .session import Session

if TYPE_CHECKING:
    from ..core.kpis import KpiStatus
    from ..store import Store


def _kpi_line(status: KpiStatus) -> str:
    unit = status.unit if status.unit in ("%",) else f" {status.unit}" if status.unit else ""
    if status.current is None:
        return f"• {status.name}: no reading yet (target {status.target:g}{unit})"
    previous = f", before {status.previous:g}{unit}" if status.previous is not None else ""
    mark = "on target" if status.on_target else "off target"
    return f"• {status.name}: {status.current:g}{unit}{previous}; target {status.target:g}{unit} ({mark})"


NO_ACHIEVEMENT = "no KPI has improved on its reading before yet"


def achievement(kpis: Mapping[str, Mapping[str, Any]], taken: Mapping[str, float], day: str) -> str:
    """The latest achievement, in words: the KPI whose latest reading improved most on the one before it
    (core.kpis.latest_achievement, improvement measured the KPI's good way as a share of its baseline-to-target gap).

    ``kpis`` are the check-in's KPIs (its context's "kpis"); ``taken`` the readings typed in the check-in, by KPI key,
    to be stored on ``day`` (YYYY-MM-DD): each is its KPI's latest, after its current reading (or, when that one is of
    ``day`` too and so replaced, after the one before it).
    """
    from ..core.kpis import latest_achievement

    shown = list(kpis.values())
    moves = []
    for kpi in shown:
        before, after = kpi["previous"], kpi["current"]
        if kpi["key"] in taken:
            before, after = (kpi["previous"] if kpi["current_date"] == day else kpi["current"]), taken[kpi["key"]]
        moves.append((kpi["direction"], kpi["baseline"], kpi["target"], before, after))
    index = latest_achievement(moves)
    if index is None:
        return NO_ACHIEVEMENT
    kpi, (*_, before, after) = shown[index], moves[index]
    return f"{kpi['name']} improved from {with_unit(before, kpi['unit'])} to {with_unit(after, kpi['unit'])}"


def prompts(ctx: Document, index: int, taken: Mapping[str, float]) -> list[str]:
    """Section ``index``'s prompts filled in, the achievement counting the readings ``taken`` so far in the check-in."""
    from ..core.scripts import render

    filled = {**ctx["placeholders"], "achievement": achievement(ctx["kpis"], taken, ctx["day"])}
    return [render(p, filled) for p in ctx["script"]["sections"][index]["templates"]]


def _covered(store: Store, client_id: str, day: date) -> list[str]:
    """The kinds the client's touchpoint of ``day`` covers (none when it has none that day, or the day is past the horizon)."""
    from ..store import StoreError

    try:
        return [kind for row in store.touchpoints_between(client_id, day, day) for kind in row.covers]
    except StoreError:
        return []


def context(session: Session, client_id: str, touchpoint_date: date, kind: str, opportunity_id: int | None = None) -> Document:
    """Everything a guided check-in needs: the script with its prompts filled in, KPIs, last scores, the user's draft."""
    from ..core.finance import financials
    from ..core.health import latest_on_or_before
    from ..core.kpis import kpi_status, reading_span
    from ..core.pipeline import readiness
    from ..core.schedule import client_band
    from ..core.scripts import kpis_for, render, script_for
    from .drafts import read_local
    from .queries import _suggestions
    from .scriptbook import scripts_in_force

    day, rules = session.today, session.rules

    templates, problems = scripts_in_force()
    if kind not in templates:
        raise ValueError(f"there is no check-in script for '{kind}' touchpoints")
    with session.reading() as store:
        client = store.client(client_id)
        covers = _covered(store, client_id, touchpoint_date)
        opportunities = store.opportunities(client_id) if opportunity_id is not None else []
        draft = store.load_draft(client_id, touchpoint_date, kind)
        others = [
            d["author"]
            for d in store.drafts()
            if d["client"] == client_id and d["date"] == touchpoint_date.isoformat() and d["kind"] == kind and d["author"] != store.actor
        ]
    local = read_local(session, client_id, touchpoint_date, kind)
    statuses = [kpi_status(k, day, rules.retained_threshold) for k in client.kpis]
    latest = latest_on_or_before(client.assessments, day)
    band = client_band(client, day, rules.scale)
    number = day_number(client.go_live, day)
    money = financials(client.savings, client.investment, client.roi_target, day)
    open_actions = [a for a in client.action_items if a.status == "open"]
    last_checkin = max(client.checkins, key=lambda c: c.date, default=None)
    opportunity = None
    if opportunity_id is not None:
        rows = [r for r in opportunities if r["id"] == opportunity_id]
        if not rows:
            raise ValueError(f"no opportunity {opportunity_id} for {client_id}")
        opportunity = rows[0]
    title, sections = script_for(kind, covers, templates)
    roi = f"ROI {money.roi:g}% against a target of {money.roi_target:g}%" if money.roi is not None else "no ROI yet"
    kpis = {}
    for kpi, status in zip(client.kpis, statuses):
        low, high = reading_span(kpi, day)
        kpis[kpi.key] = {
            **status.model_dump(
                mode="json", include={"key", "name", "unit", "category", "direction", "baseline", "target", "current", "previous", "current_date"}
            ),
            "low": low,
            "high": high,
        }
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
        "opportunity": (f"{opportunity['title']} ({opportunity['stage']}, {opportunity['value']:,.0f} a year, {opportunity['probability']}%)")
        if opportunity
        else "none chosen",
        "achievement": achievement(kpis, {}, day.isoformat()),
    }
    return Document(
        frozen(
            {
                "client": client.id,
                "client_name": client.name,
                "owner": client.owner,
                "contacts": [c.name for c in client.contacts],
                "kind": kind,
                "touchpoint_date": touchpoint_date.isoformat(),
                "day": day.isoformat(),
                "band": band,
                "script": {
                    "title": title,
                    "planned_minutes": sum(s.minutes for s in sections),
                    "sections": [
                        {
                            "title": s.title,
                            "minutes": s.minutes,
                            "capture": list(s.capture),
                            "prompts": [render(p, context) for p in s.prompts],
                            "templates": list(s.prompts),  # to fill again as readings are taken (see prompts)
                            "kpis": [k.key for k in kpis_for(s, client.kpis)],
                            "scores": list(s.scores) if s.scores else None,
                        }
                        for s in sections
                    ],
                },
                "script_problems": problems,
                "placeholders": context,
                "kpis": kpis,
                "last_scores": latest.scores.model_dump() if latest else None,
                "last_assessed": latest.date.isoformat() if latest else None,
                "suggestions": {name: s.to_json() for name, s in _suggestions(client, day, session, statuses).items()},
                "draft": draft[0] if draft else None,
                "draft_version": draft[1] if draft else None,
                # Copies of this draft from sessions that ended (a stale one's save, a local copy): merged on opening.
                "recovered": [*(draft[2] if draft else []), *([local] if local else [])],
                "other_drafts": others,
                "opportunity": opportunity,
            }
        )
    )
