"""The weekly portfolio digest for a consultant (``owner``) or a team lead (everyone), from the views."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..app import queries
from ..app.present import currency_in_force, kept, long_date, money, no_share_notes, plural, short_date, signed, with_unit
from ..app.readmodels import to_json
from ..app.session import Session
from ..core.health import BAND_LABEL
from ..core.phases import HANDOVER_FROM_DAY, PHASE_LABEL
from ..core.pipeline import OPEN_STAGES
from ..core.terms import Band
from . import document as d
from .build import KIND_LABEL

BAND_ORDER = {"red": 0, "yellow": 1, "green": 2, None: 3}
MOVER_DAYS = 7
MOVERS = 5


def _band(band: Band | None) -> str:
    return f"{band}: {BAND_LABEL[band]}" if band else "not assessed"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _cents(values) -> float:
    return float(sum((Decimal(repr(float(v))) for v in values), Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def portfolio_digest(session: Session, owner: str | None = None) -> dict:
    """The digest document (see ``document.py``): bands, movers, overdue touchpoints, backsliding, handovers, pipeline."""
    day = session.today
    currency = currency_in_force(session.rules.currency)

    def cash(value: float) -> str:
        return money(value, currency=currency)

    rows = [r for r in to_json(queries.triage(session)) if r["status"] == "active" and (owner is None or r["owner"] == owner)]
    agenda = queries.agenda(session, owner).to_json()

    counts = {band: sum(1 for r in rows if r["band"] == band) for band in ("red", "yellow", "green", None)}
    overdue = [i for i in agenda["items"] if i["status"] == "overdue"]

    slipping = []
    for r in rows:
        if r["backsliding"]:
            slipping += [(r, k.to_json()) for k in queries.kpis(session, r["client"]) if k.backsliding]

    handovers = []
    for r in rows:
        if r["day"] >= HANDOVER_FROM_DAY:
            view = queries.client_card(session, r["client"]).to_json()
            if not view["handover"]["ready"]:
                handovers.append((r, view["handover"]["reasons"]))

    owners = {r["client"]: r["owner"] for r in to_json(queries.triage(session))}
    pipeline = [
        o
        for o in queries.pipeline(session).to_json()["opportunities"]
        if o["stage"] in OPEN_STAGES and (owner is None or owners.get(o["client"]) == owner)
    ]
    pipeline.sort(key=lambda o: (-o["weighted"], o["client_name"], o["title"]))

    recent = day - timedelta(days=MOVER_DAYS)
    movers = [r for r in rows if r["delta"] and r["assessed"] and date.fromisoformat(r["assessed"]) > recent]
    movers.sort(key=lambda r: (-abs(r["delta"]), r["client_name"]))

    summary = d.section(
        "summary",
        "At a glance",
        d.callout(
            f"{plural(len(rows), 'active client')}: {counts['red']} red, {counts['yellow']} yellow, "
            f"{counts['green']} green" + (f", {counts[None]} not assessed" if counts[None] else "") + ".",
            "red" if counts["red"] else "yellow" if counts["yellow"] else "green" if rows else "plain",
        ),
        d.facts(
            [
                (
                    "Overdue touchpoints",
                    plural(sum(i["missed"] for i in overdue), "missed touchpoint") + f" at {plural(len({i['client'] for i in overdue}), 'client')}",
                ),
                ("Backsliding KPIs", str(len(slipping))),
                ("Handovers due", str(len(handovers))),
                ("Action items due", str(len(agenda["action_items"]))),
                ("Open pipeline (weighted)", cash(_cents(o["weighted"] for o in pipeline))),
            ]
        ),
        d.bar_chart(
            "Clients by health band",
            [("red", counts["red"]), ("yellow", counts["yellow"]), ("green", counts["green"]), ("not assessed", counts[None])],
            f"{counts['red']} red, {counts['yellow']} yellow, {counts['green']} green, {counts[None]} not assessed",
        )
        if rows
        else None,
    )

    ordered = sorted(rows, key=lambda r: (BAND_ORDER[r["band"]], r["overall"] if r["overall"] is not None else 99, r["client_name"].lower()))
    bands = d.section(
        "bands",
        "Clients by health",
        d.table(
            ["Band", "Client", "Score", "Change", "Phase", "KPIs on target", "Next touchpoint"],
            [
                [
                    _band(r["band"]),
                    r["client_name"],
                    _score(r["overall"]),
                    "–" if r["delta"] is None else signed(r["delta"]),
                    f"day {r['day']}, {PHASE_LABEL.get(r['phase'], r['phase']).lower()}",
                    f"{r['kpis_on_target']} of {r['kpis']}",
                    (
                        f"{short_date(r['next_touchpoint']['date'])}: {KIND_LABEL[r['next_touchpoint']['kind']].lower()}"
                        if r["next_touchpoint"]
                        else "none planned"
                    ),
                ]
                for r in ordered
            ],
            "llrrlrl",
            empty="No active clients.",
        ),
    )

    moved = d.section(
        "movers",
        "Biggest health changes this week",
        d.table(
            ["Client", "Change", "From", "To", "Band now", "Assessed"],
            [
                [
                    r["client_name"],
                    signed(r["delta"]),
                    _score(round(r["overall"] - r["delta"], 1)),
                    _score(r["overall"]),
                    _band(r["band"]),
                    short_date(r["assessed"]),
                ]
                for r in movers[:MOVERS]
            ],
            "lrrrll",
            empty=f"No health score moved in the last {MOVER_DAYS} days.",
        ),
    )

    late = d.section(
        "overdue",
        "Overdue touchpoints",
        d.table(
            ["Client", "Touchpoint", "Last missed", "Missed", "Band", "Owner"],
            [[i["client_name"], KIND_LABEL[i["kind"]], short_date(i["date"]), str(i["missed"]), _band(i["band"]), i["owner"]] for i in overdue],
            "lllrll",
            empty="No touchpoint is overdue.",
        ),
    )

    backsliding = d.section(
        "backsliding",
        "Backsliding KPIs",
        d.table(
            ["Client", "KPI", "Baseline", "Best", "Now", "Gain kept", "Target"],
            [
                [
                    r["client_name"],
                    k["name"],
                    with_unit(k["baseline"], k["unit"]),
                    with_unit(k["peak"], k["unit"]),
                    with_unit(k["current"], k["unit"]),
                    kept(k["retained"]),
                    with_unit(k["target"], k["unit"]),
                ]
                for r, k in slipping
            ],
            "llrrrrr",
            empty="No KPI is slipping back.",
        ),
        *[d.text(note) for note in no_share_notes(k for _, k in slipping)],
    )

    handover = d.section(
        "handovers",
        "Handovers due",
        d.text(f"Clients from day {HANDOVER_FROM_DAY} on whose handover gate is not met yet.") if handovers else None,
        d.table(
            ["Client", "Day", "What is missing"],
            [[r["client_name"], str(r["day"]), "; ".join(reasons)] for r, reasons in handovers],
            "lrl",
            empty="No handover is waiting on an unmet gate.",
        ),
    )

    actions = d.section(
        "actions",
        "Action items due",
        d.table(
            ["Client", "Action", "Owner", "Due", "Priority"],
            [[a["client_name"], a["text"], a["owner"], short_date(a["due"]), a["priority"]] for a in agenda["action_items"]],
            "lllll",
            empty="No open action item is due.",
        ),
    )

    pipe = d.section(
        "pipeline",
        "Expansion pipeline",
        d.text(
            f"{plural(len(pipeline), 'open opportunity', 'open opportunities')} worth "
            f"{cash(_cents(o['value'] for o in pipeline))} a year; weighted by their chances, "
            f"{cash(_cents(o['weighted'] for o in pipeline))}."
        )
        if pipeline
        else None,
        d.table(
            ["Client", "Opportunity", "Stage", "Value", "Chance", "Weighted", "Readiness", "Next step"],
            [
                [
                    o["client_name"],
                    o["title"],
                    o["stage"],
                    cash(o["value"]),
                    f"{o['probability']}%",
                    cash(o["weighted"]),
                    o["readiness"],
                    (f"{o['next_action']} ({short_date(o['next_action_date'])})" if o["next_action_date"] else o["next_action"]) or "–",
                ]
                for o in pipeline
            ],
            "lllrrrll",
            empty="No open expansion opportunities.",
        ),
        page=True,  # printed, the pipeline starts its own page: the sales view, apart from the clients' state
    )

    who = owner or "the whole team"
    meta = [["Consultant", who], ["Active clients", str(len(rows))], ["As of", long_date(day)]]
    footer = (
        f"Prepared with carebench on {long_date(day)} for {who}. Health changes compare each client's latest "
        f"assessment with the one before; movers are those assessed in the last {MOVER_DAYS} days."
    )
    return d.document(
        "Portfolio digest" + (f": {owner}" if owner else ""),
        f"Week ending {long_date(day)}",
        meta,
        [summary, bands, moved, late, backsliding, handover, actions, pipe],
        footer,
    )
