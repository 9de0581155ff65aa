"""Reading commands: today, schedule, health, client, kpis, pipeline, log, checkins, drafts, scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..app import queries
from ..app.inputs import UserError, inert
from ..app.present import forecast_cell, investment_range, next_action_text, percent, timeline
from ..app.readmodels import to_json
from .group import DATE, cli, date_option, db_option, emit_json, json_option, session, table


@cli.command()
@click.option("--owner", default=None, help="Only this consultant's clients and action items.")
@date_option
@json_option
@db_option
def today(owner, as_of, as_json, db_path):
    """The agenda for a day: overdue touchpoints, what is due, open action items."""
    data = queries.agenda(session(db_path, day=as_of), owner)
    if as_json:
        return emit_json(data.to_json())
    rows = [
        [
            i.client_name,
            i.kind + (f" (+{', '.join(i.covers)})" if i.covers else ""),
            f"overdue: {i.missed} missed, last {i.date}" if i.status == "overdue" else "due",
            i.band or "-",
            i.phase.replace("_", " "),
            i.owner,
        ]
        for i in data.items
    ]
    table(f"Touchpoints for {data.date}", ["client", "kind", "status", "band", "phase", "owner"], rows, caption=None if rows else "nothing scheduled")
    actions = [[a.client_name, a.text, a.owner, a.due, a.priority] for a in data.action_items]
    if actions:
        table("Open action items due", ["client", "action", "owner", "due", "priority"], actions)


@cli.command("schedule")
@click.argument("client")
@click.option("--from", "start", type=DATE, default=None, help="First day (default: go-live).")
@click.option("--to", "end", type=DATE, default=None, help="Last day (default: a year after go-live, or a month from today).")
@json_option
@db_option
def schedule_cmd(client, start, end, as_json, db_path):
    """A client's touchpoints over a range, with their state."""
    if start and end and end < start:
        raise UserError(f"--to {end} is before --from {start}")
    data = queries.schedule(session(db_path), client, start, end)
    if as_json:
        return emit_json(data.to_json())
    rows = [[t.date, t.kind, ", ".join(t.covers), t.status, t.moved_from or ""] for t in data.touchpoints]
    table(f"Schedule of {client}, {data.start} to {data.end}", ["date", "kind", "covers", "status", "moved from"], rows)


@cli.command()
@click.argument("client", required=False)
@date_option
@json_option
@db_option
def health(client, as_of, as_json, db_path):
    """Health scores: every active client (most critical first, each with why), or one client's breakdown and history.

    Clients not assessed yet take their place by what is known of them (tier, day of support, open tickets,
    overdue touchpoints, KPIs slipping back), not last.
    """
    here = session(db_path, day=as_of)
    if not client:
        found = queries.health_list(here)
        if as_json:
            return emit_json(to_json(found))
        rows = [[r.client_name, r.overall, r.band or "not assessed", r.delta, r.date, r.reason] for r in found]
        return table(f"Health as of {here.today}", ["client", "overall", "band", "change", "assessed", "why"], rows)
    detail = queries.health_detail(here, client)
    if as_json:
        return emit_json(detail.to_json())
    data = detail.health
    if data.date is None:
        return click.echo(f"{client} has no health assessment on or before {here.today}")
    rows = []
    for name, comp in data.components.items():
        rows.append([f"{name} (x{comp.weight})", comp.score, ""])
        rows += [[f"  {k}", v, ""] for k, v in comp.subscores.items()]
    rows.append(["overall", data.overall, data.band])
    table(
        f"Health of {data.client_name} on {data.date}",
        ["component", "score", "band"],
        rows,
        caption=f"change {data.delta:+}" if data.delta is not None else "first assessment",
    )


@cli.command("client")
@click.argument("client")
@date_option
@json_option
@db_option
def client_cmd(client, as_of, as_json, db_path):
    """One client: tier, phase, handover gate and financials."""
    data = queries.client_card(session(db_path, day=as_of), client)
    if as_json:
        return emit_json(data.to_json())
    money = data.financials
    rows = [
        ["tier", data.tier + "".join(f" ({c.previous} before {c.date})" for c in data.tier_changes)],
        ["owner", data.owner],
        ["status", data.status],
        ["go-live", data.go_live],
        ["day", data.day],
        ["phase", data.phase],
        ["adoption", data.adoption_phase],
        ["band", data.band],
        ["handover", "ready" if data.handover.ready else "; ".join(data.handover.reasons)],
        ["monthly savings", money.monthly_savings],
        ["YTD savings", money.ytd_savings],
        ["ROI %", f"{money.roi} (target {money.roi_target})"],
    ]
    if data.suggested_tier is not None:
        groups = "-" if data.stakeholder_groups is None else data.stakeholder_groups
        factors = f"stakeholder groups {groups}, cultural change {data.cultural_change or '-'}, capability {data.internal_capability or '-'}"
        rows.append(["complexity", factors])
        rows.append(["suggested tier", f"{data.suggested_tier}: {data.suggestion_reason}"])
    if data.adoption_share is not None:
        rows.append(["adoption", percent(data.adoption_share)])
    table(data.name, ["", ""], rows)


@cli.command()
@click.argument("client")
@date_option
@json_option
@db_option
def kpis(client, as_of, as_json, db_path):
    """A client's KPIs: current, change vs baseline, target, trend, when it reaches the target at the current slope
    (forecast_date), benchmark, backsliding."""
    data = queries.kpis(session(db_path, day=as_of), client)
    if as_json:
        return emit_json(to_json(data))
    rows = [
        [
            k.name,
            k.category,
            k.baseline,
            k.target,
            k.current,
            "" if k.change is None else f"{k.change:+}{k.change_unit}",
            {True: "yes", False: "no", None: "-"}[k.on_target],
            k.trend or "-",
            forecast_cell(k.forecast, k.forecast_date),
            "-" if k.benchmark is None else k.benchmark,
            "BACKSLIDING" if k.backsliding else "",
        ]
        for k in data
    ]
    table(
        f"KPIs of {client}",
        ["KPI", "category", "baseline", "target", "current", "change", "on target", "trend", "reaches target", "benchmark", ""],
        rows,
    )


@cli.command()
@click.option("--client", default=None, help="Only this client's opportunities.")
@date_option
@json_option
@db_option
def pipeline(client, as_of, as_json, db_path):
    """Expansion opportunities: value, investment range, timeline (months after go-live), probability, weighted value,
    readiness and next action ("Month 3 (2026-09-14): ...")."""
    data = queries.pipeline(session(db_path, day=as_of), client)
    if as_json:
        return emit_json(data.to_json())
    rows = [
        [
            o.client_name,
            o.title,
            o.stage,
            f"{o.value:,.0f}",
            investment_range(o.investment_low, o.investment_high),
            timeline(o.start_month, o.end_month),
            f"{o.probability}%",
            f"{o.weighted:,.0f}",
            o.readiness,
            next_action_text(o.next_action, o.next_action_date, o.next_action_month),
        ]
        for o in data.opportunities
    ]
    totals = data.totals
    table(
        "Expansion pipeline",
        ["client", "opportunity", "stage", "value", "investment", "timeline", "prob.", "weighted", "readiness", "next action"],
        rows,
        caption=f"open pipeline {totals.value:,.0f}, weighted {totals.weighted:,.0f}",
    )


@cli.command("log")
@click.option("--client", default=None, help="Only this client's entries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@json_option
@db_option
def log_cmd(client, limit, as_json, db_path):
    """The audit trail: who changed what, newest first."""
    rows = to_json(queries.audit_log(session(db_path), client, limit))
    if as_json:
        return emit_json(rows)
    table(
        "Audit trail",
        ["when", "who", "what", "client", "detail"],
        [[r["at"], r["actor"], r["action"], r["client_id"] or "", json.dumps(r["detail"])[:80]] for r in rows],
    )


@cli.command()
@click.argument("client")
@json_option
@db_option
def checkins(client, as_json, db_path):
    """A client's check-ins, newest first, with what each one captured."""
    rows = to_json(queries.checkins(session(db_path), client))
    if as_json:
        return emit_json(rows)
    table(
        f"Check-ins of {client}",
        ["date", "kind", "author", "minutes", "readings", "assessed", "actions", "confidence"],
        [
            [
                r["date"],
                r["kind"],
                r["author"],
                f"{r['actual_minutes']}/{r['planned_minutes']}",
                len(r["readings"]),
                "yes" if r["assessment"] else "",
                len(r["action_items"]),
                "" if r["confidence"] is None else f"{r['confidence']}/10",
            ]
            for r in rows
        ],
        caption=None if rows else "no check-ins yet",
    )


@cli.command()
@click.option("--mine", is_flag=True, help="Only your drafts.")
@json_option
@db_option
def drafts(mine, as_json, db_path):
    """Check-ins in progress (drafts), newest first."""
    rows = to_json(queries.drafts(session(db_path), mine))
    if as_json:
        return emit_json(rows)
    table(
        "Open drafts",
        ["client", "touchpoint", "author", "saved"],
        [[r["client_name"], f"{r['kind']} {r['date']}", r["author"], r["changed_at"]] for r in rows],
        caption=None if rows else "no drafts",
    )


@cli.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@json_option
def scripts(file, as_json):
    """List the check-in scripts in force, or check a script FILE and say what is wrong with it."""
    from ..app.scriptbook import read_script, script_folders, scripts_in_force
    from ..core.scripts import ScriptProblem

    if file is not None:
        try:
            template = read_script(file)
        except ScriptProblem as exc:
            raise UserError(str(exc)) from None
        click.echo(
            f"{file}: ok: '{inert(template.title)}' for {', '.join(template.kinds())}, "
            f"{len(template.section)} sections, {template.planned_minutes} minutes"
        )
        return
    templates, problems = scripts_in_force()
    for problem in problems:
        click.echo(f"warning: {inert(problem)} (skipped)", err=True)
    rows = [
        {"kind": kind, "title": t.title, "minutes": t.planned_minutes, "sections": [s.title for s in t.section], "file": t.source}
        for kind, t in sorted(templates.items())
    ]
    if as_json:
        return emit_json(rows)
    table(
        "Check-in scripts",
        ["kind", "script", "minutes", "sections", "file"],
        [[r["kind"], r["title"], r["minutes"], len(r["sections"]), Path(r["file"]).name] for r in rows],
        caption=f"your own scripts go in {script_folders()[-1]}",
    )
