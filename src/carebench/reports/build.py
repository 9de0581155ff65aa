"""Client reports (weekly, monthly, QBR) for three audiences, assembled from the views.

Every number comes from the same view functions the CLI and the workbench use
(``client_view``, ``health_view``, ``kpi_dashboard_view``, ``kpis_view``,
``pipeline_view``, ``today_view``, ``schedule_view``); this module only picks,
compares and words them. The audience decides which sections appear and which
KPIs they cover (executive: lagging KPIs and money; operational: every KPI and
every action; team: the KPIs marked for the team, and recognition).

A report is for the client unless it is the internal copy: the client's copy shows
their results, plans and asks, and leaves out what only the consultant's team
reads (health sub-scores and their moves, the assessment note, lessons and
decisions, the escalation a meeting belongs to, the consultant's missed meetings,
the chances and readiness of the sales pipeline).
"""

from __future__ import annotations

from datetime import date, timedelta

from ..app import queries
from ..app.present import (
    PLAIN_UNITS,
    adoption_text,
    against_benchmark,
    currency_in_force,
    forecast_cell,
    investment_range,
    kept,
    long_date,
    money,
    month_label,
    next_action_text,
    no_share_notes,
    number,
    percent,
    plural,
    short_date,
    signed,
    sparkline,
    thin,
    timeline,
    with_unit,
)
from ..app.session import Session
from ..app.settings import full_name
from ..core.calendar import add_months
from ..core.finance import month_of
from ..core.health import BAND_LABEL
from ..core.kpis import RETAINED_BARELY, RETAINED_WORSE, on_dashboard
from ..core.models import KIND_LABEL as KINDS_IN_PROSE
from ..core.phases import PHASE_LABEL
from ..core.pipeline import OPEN_STAGES, readiness
from ..core.rollout import WAVE_STATE_LABEL
from ..core.support import SUPPORT_KPI_KEYS
from ..core.terms import TICKET_CATEGORY_LABEL
from . import document as d

KINDS = ("weekly", "monthly", "qbr")
AUDIENCES = ("executive", "operational", "team")
DEFAULT_AUDIENCE = "operational"

KIND_TITLE = {"weekly": "Weekly report", "monthly": "Monthly report", "qbr": "Quarterly business review"}
PERIOD_TITLE = {"weekly": "Week", "monthly": "Month", "qbr": "Quarter"}
PERIOD_WORD = {"weekly": "this week", "monthly": "this month", "qbr": "this quarter"}
CHANGE_COLUMN = {"weekly": "Since last week", "monthly": "Over the month", "qbr": "Over the quarter"}
AUDIENCE_LABEL = {"executive": "Executive sponsors", "operational": "Operations leads", "team": "The project team"}
KPI_NOUN = {"executive": ("outcome KPI", "outcome KPIs"), "operational": ("KPI", "KPIs"), "team": ("team KPI", "team KPIs")}
KIND_LABEL = {kind: label[0].upper() + label[1:] for kind, label in KINDS_IN_PROSE.items()}
BAND_TONE = {"red": "red", "yellow": "yellow", "green": "green", None: "plain"}
READINESS_TEXT = {
    "ready to present": "Ready to present: the results support a conversation about what comes next.",
    "nurture": "Nurture: keep building the case, and settle the open issues before proposing anything new.",
    "hold: recover health first": "On hold: recover health first; expansion talks wait until then.",
}
# The meetings a client hears of as support calls: which escalation a call belongs to is the team's business.
CLIENT_KIND_LABEL = {**KIND_LABEL, "retrospective": "Phase review", "intervention": "Support call", "recovery": "Support call"}
INTERNAL_SECTIONS = frozenset({"learnings"})
# Sections shown only when the client has what they are about (a rollout's waves).
WHEN_PRESENT = {"rollout": lambda f: bool(f.rollout["waves"])}
SPARK_POINTS = 16
CHART_POINTS = 60
UPCOMING_DAYS = 28

# Which sections each report kind shows to each audience, in order.
PLAN: dict[str, dict[str, tuple[str, ...]]] = {
    "weekly": {
        "executive": ("summary", "attention", "kpis", "money", "health", "decisions", "next"),
        "operational": ("summary", "attention", "kpis", "rollout", "actions", "health", "learnings", "next"),
        "team": ("summary", "wins", "attention", "kpis", "actions", "next"),
    },
    "monthly": {
        "executive": ("summary", "kpis", "money", "health-history", "improve", "expansion", "decisions"),
        "operational": ("summary", "attention", "kpis", "rollout", "money", "health-history", "improve", "expansion", "actions", "learnings", "next"),
        "team": ("summary", "wins", "kpis", "improve", "actions", "learnings", "next"),
    },
    "qbr": {
        "executive": ("summary", "agenda", "kpis", "money", "health-history", "sustainability", "expansion", "decisions", "learnings"),
        "operational": (
            "summary",
            "agenda",
            "kpis",
            "rollout",
            "money",
            "health-history",
            "sustainability",
            "expansion",
            "actions",
            "learnings",
            "next",
        ),
        "team": ("summary", "agenda", "kpis", "wins", "sustainability", "actions", "learnings", "next"),
    },
}


def report_sections(kind: str, audience: str, internal: bool = False) -> tuple[str, ...]:
    """The sections a report shows, in order: the plan's, less those only the team reads unless ``internal``."""
    planned = PLAN[kind][audience]
    return planned if internal else tuple(name for name in planned if name not in INTERNAL_SECTIONS)


def period_start(kind: str, day: date) -> date:
    """The day the period's changes are measured from: a week, a month or three months before ``day``."""
    if kind == "weekly":
        return day - timedelta(days=7)
    return add_months(day, -1 if kind == "monthly" else -3)


class Facts:
    """Everything one report needs, read once through the views."""

    def __init__(
        self, session: Session, client_id: str, day: date, kind: str, audience: str, templates: dict, internal: bool, signer: str | None
    ) -> None:
        from dataclasses import replace

        if kind not in KINDS:
            raise ValueError(f"unknown report kind {kind!r}; expected one of: {', '.join(KINDS)}")
        self.day, self.kind, self.audience, self.templates, self.internal = day, kind, audience, templates, internal
        self.names = {session.actor: signer} if signer else {}
        self.currency = currency_in_force(session.rules.currency)
        self.start = period_start(kind, day)
        here = replace(session, today=day)
        self.client = queries.client_card(here, client_id).to_json()
        self.health = queries.health_detail(here, client_id).to_json()
        dashboard = queries.kpi_dashboard(here, client_id, recent=100_000).to_json()
        self.money = dashboard["financials"]
        self.tickets_by_category = dashboard["tickets_by_category"]
        self.rollout = dashboard["rollout"]
        self.kpis = [k for k in dashboard["kpis"] if on_dashboard(audience, k["category"], k["team"])]
        self.before = {k.key: k.to_json() for k in queries.kpis(replace(session, today=self.start), client_id)}
        owner = self.client["owner"]
        self.open_actions = sorted(
            ({**a, "owner": a["owner"] or owner} for a in dashboard["action_items"]),
            key=lambda a: (a["due"], {"high": 0, "medium": 1, "low": 2}[a["priority"]]),
        )
        model = queries.client_history(here, client_id, {"action_items", "savings", "learnings"})
        self.learnings = sorted((x for x in model.learnings if self.start < x.date <= day), key=lambda x: x.date)
        self.closed_actions = sorted(
            (a for a in model.action_items if a.status == "done" and a.done_on and self.start < a.done_on <= day), key=lambda a: a.done_on or day
        )
        self.savings = [(s.month, s.amount) for s in sorted(model.savings, key=lambda s: s.month) if s.month <= month_of(day)]
        self.overdue = [i for i in queries.agenda(here, owner).to_json()["items"] if i["client"] == client_id and i["status"] == "overdue"]
        self.upcoming = [
            t for t in queries.schedule(here, client_id, day, day + timedelta(days=120)).to_json()["touchpoints"] if t["status"] == "scheduled"
        ]
        self.pipeline = queries.pipeline(here, client_id).to_json()

    # ----- derived ---------------------------------------------------------

    def person(self, login: str) -> str:
        """Who a login is, by name: the signer's display name for the user, else the full name the system knows."""
        return self.names.get(login) or full_name(login)

    def cash(self, value: float | None) -> str:
        return money(value, currency=self.currency)

    def sections(self) -> tuple[str, ...]:
        planned = tuple(
            name for name in report_sections(self.kind, self.audience, self.internal) if name not in WHEN_PRESENT or WHEN_PRESENT[name](self)
        )
        if self.health["red_since"] is not None and planned:  # a red client's report says what is being done about it
            return (planned[0], "recovery", *planned[1:])
        return planned

    def noun(self, count: int) -> str:
        singular, many = KPI_NOUN[self.audience]
        return singular if count == 1 else many

    def spark_from(self) -> date:
        return self.day - timedelta(days=28) if self.kind == "weekly" else self.start

    def readings(self, kpi: dict) -> list[tuple[date, float]]:
        since = self.spark_from()
        points = [(date.fromisoformat(r["date"]), r["value"]) for r in kpi["recent"]]
        inside = [p for p in points if p[0] > since]
        return inside if len(inside) >= 2 else points[-8:]

    def minutes(self, kind: str) -> int | None:
        template = self.templates.get(kind)
        return template.planned_minutes if template else None

    def history_points(self) -> list[dict]:
        """The assessments the health chart covers: those in the window, and the last one before it as a start."""
        since = self.start if self.kind == "qbr" else add_months(self.day, -3)
        history = self.health["history"]
        inside = [h for h in history if date.fromisoformat(h["date"]) > since]
        before = [h for h in history if date.fromisoformat(h["date"]) <= since]
        return before[-1:] + inside

    def band_at_start(self) -> dict | None:
        earlier = [h for h in self.health["history"] if date.fromisoformat(h["date"]) <= self.start]
        return earlier[-1] if earlier else None


# ----- wording helpers --------------------------------------------------------


def _meeting(f: Facts, tp: dict) -> str:
    labels = KIND_LABEL if f.internal else CLIENT_KIND_LABEL
    label = labels.get(tp["kind"], tp["kind"])
    covers = [labels.get(k, k).lower() for k in tp.get("covers") or [] if labels.get(k, k) != label]
    return f"{label} (also serves as the {' and '.join(covers)})" if covers else label


def _period_change(kpi: dict, before: dict | None) -> tuple[str, float | None]:
    """The change since the period's start in the KPI's own unit, and its size signed the good way (> 0: better)."""
    if kpi["current"] is None:
        return "–", None
    if before is None or before["current"] is None:
        return "new", None
    delta = kpi["current"] - before["current"]
    if abs(delta) < 1e-9:
        return "no change", 0.0
    plain = kpi["unit"].strip().lower() in PLAIN_UNITS
    unit = " pp" if kpi["unit"].strip() == "%" else "" if plain else f" {kpi['unit'].strip()}"
    better = delta > 0 if kpi["direction"] == "higher" else delta < 0
    return f"{signed(round(delta, 4))}{unit} ({'better' if better else 'worse'})", abs(delta) if better else -abs(delta)


def _vs_baseline(kpi: dict) -> str:
    if kpi["change"] is None:
        return "–"
    return f"{signed(kpi['change'])}{' pp' if kpi['change_unit'] == 'pp' else '%'}"


def _status(kpi: dict) -> str:
    if kpi["on_target"] is None:
        return "no reading yet"
    text = "on target" if kpi["on_target"] else "off target"
    return text + ", slipping back" if kpi["backsliding"] else text


def _forecast_cell(kpi: dict) -> str:
    """When the KPI reaches its target at the current slope, by month: "about June 2027"."""
    day = date.fromisoformat(kpi["forecast_date"]) if kpi["forecast_date"] else None
    return forecast_cell(kpi["forecast"], day, month=lambda d: month_label(f"{d:%Y-%m}"))


def _benchmark_cell(kpi: dict) -> str:
    if kpi["benchmark"] is None:
        return "–"
    compared = against_benchmark(kpi["direction"], kpi["unit"], kpi["benchmark"], kpi["current"], kpi["vs_benchmark"])
    return with_unit(kpi["benchmark"], kpi["unit"]) + (f" (now {compared})" if compared else "")


def _trend_cell(f: Facts, kpi: dict) -> str:
    spark = sparkline([v for _, v in thin(f.readings(kpi), SPARK_POINTS)])
    word = kpi["trend"] or ""
    return f"{spark} {word}".strip() or "–"


def _kpi_attention(kpi: dict) -> str | None:
    unit = kpi["unit"]
    now, target = with_unit(kpi["current"], unit), with_unit(kpi["target"], unit)
    if kpi["backsliding"]:
        retained = kpi["retained"]
        if retained is not None:
            hold = f"it keeps {round(retained * 100)}% of that gain"
        else:
            hold = "now worse than its baseline" if kpi["retained_note"] == RETAINED_WORSE else "barely better than its baseline at best"
        return f"{kpi['name']} is slipping back: {now} now, against {with_unit(kpi['peak'], unit)} at its best ({hold}) and a target of {target}."
    if kpi["on_target"] is False:
        side = "below" if kpi["direction"] == "higher" else "above"
        return f"{kpi['name']} is {side} target: {now} against {target}."
    return None


def attention_items(f: Facts) -> list[str]:
    """Exceptions first: KPIs slipping back, then KPIs off target, then (in the internal copy) missed meetings."""
    slipping = [_kpi_attention(k) for k in f.kpis if k["backsliding"]]
    off = [_kpi_attention(k) for k in f.kpis if not k["backsliding"] and k["on_target"] is False]
    missed = []
    for item in f.overdue if f.internal else []:
        label = KIND_LABEL.get(item["kind"], item["kind"])
        count = f" ({item['missed']} missed in all)" if item["missed"] > 1 else ""
        missed.append(f"{label} of {short_date(item['date'])} has not taken place yet{count}.")
    return [text for text in slipping + off if text] + missed


def _headline(f: Facts) -> str:
    health = f.health
    if health["band"] is None:
        return "Health has not been assessed yet."
    text = f"Health {health['overall']:.1f} out of 10: {BAND_LABEL[health['band']]}"
    history = health["history"]
    if health["delta"] is None:
        return text + " (first assessment)."
    previous = short_date(history[-2]["date"]) if len(history) >= 2 else "the last assessment"
    if health["delta"] > 0:
        return text + f", up {health['delta']:.1f} since {previous}."
    if health["delta"] < 0:
        return text + f", down {abs(health['delta']):.1f} since {previous}."
    return text + f", unchanged since {previous}."


def _roi(f: Facts) -> str:
    m = f.money
    if m["roi"] is None:
        return "not tracked: no investment recorded"
    return f"{number(m['roi'])}% against a target of {number(m['roi_target'])}%"


def _phase(f: Facts) -> str:
    c = f.client
    return f"day {c['day']}, {PHASE_LABEL.get(c['phase'], c['phase']).lower()}" if c["day"] >= 1 else "before go-live"


# ----- sections ----------------------------------------------------------------


def s_summary(f: Facts) -> dict:
    measured = [k for k in f.kpis if k["on_target"] is not None]
    on = sum(1 for k in measured if k["on_target"])
    items = [
        (
            f"{KPI_NOUN[f.audience][1][0].upper()}{KPI_NOUN[f.audience][1][1:]} on target",
            f"{on} of {len(measured)}" if measured else "none measured yet",
        )
    ]
    if "attention" in f.sections():
        items.append(("Needs attention", plural(len(attention_items(f)), "item")))
    if f.audience == "executive":
        latest = f.money["latest_month"]
        items.append(
            (
                f"Savings in {month_label(latest)}" if latest else "Savings last month",
                f.cash(f.money["monthly_savings"]) if latest else "none recorded yet",
            )
        )
        items.append(("Return on investment", _roi(f)))
    items.append(("Support phase", _phase(f)))
    nxt = f.upcoming[0] if f.upcoming else None
    items.append(("Next meeting", f"{short_date(nxt['date'])}: {_meeting(f, nxt)}" if nxt else "none planned"))
    return d.section("summary", "At a glance", d.callout(_headline(f), BAND_TONE[f.health["band"]]), d.facts(items))


def _none_measured(f: Facts) -> bool:
    return not any(k["on_target"] is not None for k in f.kpis)


def s_attention(f: Facts) -> dict:
    meetings = " and no meeting was missed" if f.internal else ""
    if _none_measured(f):
        empty = f"Nothing needs attention so far: no {KPI_NOUN[f.audience][0]} has a reading yet{meetings}."
    else:
        empty = f"Nothing needs attention: every {KPI_NOUN[f.audience][0]} shown is on target{meetings}."
    return d.section("attention", "Needs attention", d.bullets(attention_items(f), empty=empty))


def s_kpis(f: Facts) -> dict:
    base = {"executive": "Outcomes against target", "operational": "KPIs against target", "team": "Team KPIs"}
    intro = {
        "executive": "The business outcomes this work is meant to move (lagging KPIs).",
        "operational": f"Every KPI, with its change since {long_date(f.start)}.",
        "team": "The measures the team moves day to day: the leading ones among them show where the results are heading.",
    }[f.audience]
    # A benchmark column only where some KPI shown has a benchmark to compare with.
    benchmarks = any(k["benchmark"] is not None for k in f.kpis)
    rows = []
    for k in f.kpis:
        change, _ = _period_change(k, f.before.get(k["key"]))
        rows.append(
            [
                k["name"],
                with_unit(k["current"], k["unit"]),
                with_unit(k["target"], k["unit"]),
                change,
                _vs_baseline(k),
                _status(k),
                _trend_cell(f, k),
                _forecast_cell(k),
                *([_benchmark_cell(k)] if benchmarks else []),
            ]
        )
    table = d.table(
        ["KPI", "Now", "Target", CHANGE_COLUMN[f.kind], "Vs baseline", "Status", "Trend", "Reaches target", *(["Benchmark"] if benchmarks else [])],
        rows,
        "lrrrrlll" + ("r" if benchmarks else ""),
        empty=f"No {KPI_NOUN[f.audience][1]} are tracked for this client yet.",
    )
    flagged = [k for k in f.kpis if k["backsliding"] or k["on_target"] is False]
    chosen = (flagged + [k for k in f.kpis if k not in flagged])[:3]
    charts = []
    for k in chosen:
        points = thin(f.readings(k), CHART_POINTS)
        if not points:
            continue
        summary = (
            f"{with_unit(points[0][1], k['unit'])} on {short_date(points[0][0])}, "
            f"{with_unit(points[-1][1], k['unit'])} on {short_date(points[-1][0])}; "
            f"target {with_unit(k['target'], k['unit'])}"
        )
        charts.append(d.line_chart(k["name"], points, summary, target=k["target"], unit="%" if k["unit"].strip() == "%" else ""))
    tickets = _ticket_categories(f) if any(k["key"] in SUPPORT_KPI_KEYS for k in f.kpis) else None
    return d.section("kpis", f"{base[f.audience]} {PERIOD_WORD[f.kind]}", d.text(intro) if rows else None, table, *tickets or (), *charts)


def _ticket_categories(f: Facts) -> tuple[dict | None, ...]:
    """Beside the support KPIs, their tickets by category: open at the end of the day, and come in over the KPIs' weeks."""
    counts = f.tickets_by_category
    came_in, still_open = counts["came_in"], counts["open"]
    categories = [*came_in, *(c for c in still_open if c not in came_in)]
    since = short_date(counts["since"])
    rows = [[TICKET_CATEGORY_LABEL.get(c, c), str(still_open.get(c, 0)), str(came_in.get(c, 0))] for c in categories]
    if not rows:
        return (d.text(f"No support ticket is open, and none came in since {since}."),)
    return (
        d.text(f"Support tickets by category: open at the end of {short_date(counts['until'])}, and all that came in since {since}."),
        d.table(["Category", "Open", f"Since {since}"], rows, "lrr"),
    )


def s_money(f: Facts) -> dict:
    m = f.money
    items = []
    if m["latest_month"]:
        items.append((f"Savings in {month_label(m['latest_month'])}", f.cash(m["monthly_savings"])))
    else:
        items.append(("Savings last month", "none recorded yet"))
    items += [(f"Savings in {f.day.year} so far", f.cash(m["ytd_savings"])), ("Savings since go-live", f.cash(m["cumulative_savings"]))]
    if m["investment"]:
        items.append(("Investment", f.cash(m["investment"])))
    items.append(("Return on investment", _roi(f)))
    note = None
    if m["roi"] is not None:
        needed = m["investment"] * (1 + m["roi_target"] / 100)
        if m["roi"] >= m["roi_target"]:
            note = "The investment has reached its return target."
        else:
            note = (
                f"To meet the return target, savings since go-live need to reach {f.cash(needed)}: {f.cash(needed - m['cumulative_savings'])} to go."
            )
    recent = f.savings[-12:]
    if len(recent) > 1:
        span = f"{len(recent)} months from {month_label(recent[0][0])} to {month_label(recent[-1][0])}"
    else:
        span = f"{month_label(recent[0][0])} only" if recent else ""
    chart = d.bar_chart(
        "Savings per month", [(month_label(mo)[:3], amount) for mo, amount in recent], f"{span}, {f.cash(sum(a for _, a in recent))} in all"
    )
    return d.section("money", "Financial impact", d.facts(items), d.text(note) if note else None, chart)


def s_health(f: Facts) -> dict:
    h = f.health
    if h["band"] is None:
        return d.section("health", "Health score", d.text("Health has not been assessed yet."))
    items = [("Score", f"{h['overall']:.1f} out of 10"), ("Band", f"{h['band']}: {BAND_LABEL[h['band']]}"), ("Assessed on", long_date(h["date"]))]
    start = f.band_at_start()
    if start and start["band"] != h["band"]:
        items.append(("A week ago", f"{start['band']} ({start['overall']:.1f})"))
    blocks: list[dict | None] = [d.facts(items)]
    if not f.internal:
        return d.section("health", "Health score", *blocks)
    if f.audience == "operational":
        rows = [
            [
                name.capitalize(),
                f"{round(c['weight'] * 100)}%",
                f"{c['score']:.2f}",
                ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c["subscores"].items()),
            ]
            for name, c in h["components"].items()
        ]
        blocks.append(d.table(["Component", "Weight", "Score", "Sub-scores (1-10)"], rows, "lrrl"))
    if h["drivers"]:
        blocks.append(d.text("What moved since the previous assessment:"))
        blocks.append(
            d.bullets([f"{x['subscore'].replace('_', ' ')}: {x['before']} to {x['after']} ({signed(x['change'])})" for x in h["drivers"][:5]])
        )
    if h.get("note"):
        blocks.append(d.text(f"Assessment note: {h['note']}"))
    return d.section("health", "Health score", *blocks)


def s_health_history(f: Facts) -> dict:
    title = "Health over the quarter" if f.kind == "qbr" else "Health over recent months"
    points = f.history_points()
    if not points:
        return d.section("health-history", title, d.text("Health has not been assessed yet."))
    first, last = points[0], points[-1]
    if len(points) == 1:
        summary = f"one assessment: {last['overall']:.1f} ({last['band']}) on {short_date(last['date'])}"
    else:
        values = [p["overall"] for p in points]
        summary = (
            f"from {first['overall']:.1f} ({first['band']}) on {short_date(first['date'])} "
            f"to {last['overall']:.1f} ({last['band']}) on {short_date(last['date'])}; "
            f"lowest {min(values):.1f}, highest {max(values):.1f}"
        )
    chart = d.line_chart("Health score", [(date.fromisoformat(p["date"]), p["overall"]) for p in points], summary, health_bands=True)
    rows, previous = [], None
    for p in points:
        change = "–" if previous is None else signed(round(p["overall"] - previous, 1))
        rows.append([short_date(p["date"]), f"{p['overall']:.1f}", f"{p['band']}: {BAND_LABEL[p['band']]}", change])
        previous = p["overall"]
    return d.section("health-history", title, chart, d.table(["Assessed", "Score", "Band", "Change"], rows[::-1], "lrll"))


def s_improve(f: Facts) -> dict:
    items = []
    slipping = [k for k in f.kpis if k["backsliding"]]
    for k in slipping:
        items.append(f"Win back the gains on {k['name']}: {with_unit(k['current'], k['unit'])} now, {with_unit(k['peak'], k['unit'])} at its best.")

    def progress(k: dict) -> float:
        gap = k["target"] - k["baseline"]
        return (k["current"] - k["baseline"]) / gap if gap else 0.0

    off = sorted((k for k in f.kpis if k["on_target"] is False and not k["backsliding"]), key=progress)
    for k in off:
        share = round(max(progress(k), 0) * 100)
        items.append(
            f"Close the gap on {k['name']}: {with_unit(k['current'], k['unit'])} now, target "
            f"{with_unit(k['target'], k['unit'])}; {share}% of the way from the starting point of "
            f"{with_unit(k['baseline'], k['unit'])}."
        )
    more = len(items) - 5
    shown = items[:5] + ([f"... and {plural(more, 'more item')}."] if more > 0 else [])
    if _none_measured(f):
        empty = f"No {KPI_NOUN[f.audience][0]} has a reading yet, so there is nothing to compare with its target."
    else:
        empty = f"Every {KPI_NOUN[f.audience][0]} shown is at or better than target. The focus now is keeping it there."
    return d.section("improve", "Where to improve next", d.bullets(shown, empty=empty))


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def s_expansion(f: Facts) -> dict:
    title = "Expansion pipeline" if f.kind == "qbr" else "Expansion readiness"
    ready = readiness(f.health["band"])
    blocks: list[dict | None] = []
    if f.internal:
        blocks.append(d.text(READINESS_TEXT.get(ready, "Assess the client's health before discussing expansion.")))
    else:
        title = "What could come next"
    rows = f.pipeline["opportunities"]
    open_rows = [o for o in rows if o["stage"] in OPEN_STAGES]

    def cells(o: dict) -> list[str]:
        shown = [
            o["title"],
            o["stage"],
            f.cash(o["value"]),
            investment_range(o["investment_low"], o["investment_high"], currency=f.currency),
            timeline(o["start_month"], o["end_month"]),
            f"{o['probability']}%",
            f.cash(o["weighted"]),
            next_action_text(o["next_action"], _iso(o["next_action_date"]), o["next_action_month"], written=short_date) or "–",
        ]
        return shown if f.internal else [shown[0], *shown[2:5], shown[7]]

    columns = ["Opportunity", "Stage", "Annual value", "Investment", "Timeline", "Chance", "Weighted value", "Next step"]
    blocks.append(
        d.table(
            columns if f.internal else [columns[0], *columns[2:5], columns[7]],
            [cells(o) for o in open_rows],
            "llrrlrrl" if f.internal else "lrrll",
            empty="No open expansion opportunities are recorded.",
        )
    )
    totals = f.pipeline["totals"]
    if open_rows:
        worth = f"{plural(totals['count'], 'open opportunity', 'open opportunities')} worth {f.cash(totals['value'])} a year"
        blocks.append(d.text(f"{worth}; weighted by their chances, {f.cash(totals['weighted'])}." if f.internal else f"{worth}."))
    won = [o for o in rows if o["stage"] == "won"]
    if won:
        blocks.append(d.bullets([f"Already agreed: {o['title']} ({f.cash(o['value'])} a year)." for o in won]))
    return d.section("expansion", title, *blocks)


def s_sustainability(f: Facts) -> dict:
    # Improved once: a share to show, or one that means nothing now (shown "—", its reason below the table).
    improved = [k for k in f.kpis if k["retained"] is not None or k["retained_note"] in (RETAINED_WORSE, RETAINED_BARELY)]
    rows = [
        [
            k["name"],
            with_unit(k["baseline"], k["unit"]),
            with_unit(k["peak"], k["unit"]),
            with_unit(k["current"], k["unit"]),
            kept(k["retained"]),
            "slipping back" if k["backsliding"] else "holding",
        ]
        for k in improved
    ]
    blocks: list[dict | None] = []
    if improved:
        holding = sum(1 for k in improved if not k["backsliding"])
        blocks.append(
            d.text(f"{holding} of {len(improved)} improved {f.noun(len(improved))} keep at least 80% of their best gain over the starting point.")
        )
    components = f.health["components"]
    if components and f.internal:
        score = components["performance"]["subscores"]["sustainability"]
        blocks.append(d.text(f"Sustainability score at the last assessment: {score} out of 10."))
    blocks.append(
        d.table(
            ["KPI", "Starting point", "Best", "Now", "Gain kept", "Status"],
            rows,
            "lrrrrl",
            empty="No KPI shown has improved on its starting point yet, so there is no gain to hold.",
        )
    )
    blocks += [d.text(note) for note in no_share_notes(improved)]
    return d.section("sustainability", "Are the gains holding?", *blocks)


def s_agenda(f: Facts) -> dict:
    template = f.templates.get("quarterly")
    if template is None:
        return d.section("agenda", "Agenda", d.text("No script for the quarterly business review is set up."))
    rows, clock = [], 0
    for part in template.section:
        end = clock + part.minutes
        rows.append([f"{clock // 60}:{clock % 60:02d}-{end // 60}:{end % 60:02d}", part.title, str(part.minutes)])
        clock = end
    planned = next((t for t in f.upcoming if t["kind"] == "quarterly" or "quarterly" in t["covers"]), None)
    when = f" The next review is planned for {long_date(planned['date'])}." if planned else ""
    return d.section("agenda", "Agenda", d.text(f"{template.title}: {clock} minutes.{when}"), d.table(["Time", "Topic", "Minutes"], rows, "llr"))


def _due_note(f: Facts, due: str) -> str:
    late = (f.day - date.fromisoformat(due)).days
    if late > 0:
        return f"overdue by {plural(late, 'day')}"
    return "due today" if late == 0 else "open"


def s_actions(f: Facts) -> dict:
    title = "Team actions" if f.audience == "team" else "Action items"
    blocks = [
        d.table(
            ["Action", "Owner", "Due", "Priority", "Status"],
            [[a["text"], f.person(a["owner"]), short_date(a["due"]), a["priority"], _due_note(f, a["due"])] for a in f.open_actions],
            "llll" + "l",
            empty="No action items are open.",
        )
    ]
    if f.audience != "team":
        blocks.append(d.text(f"Closed {PERIOD_WORD[f.kind]}:"))
        blocks.append(
            d.table(
                ["Action", "Owner", "Done on"],
                [[a.text, f.person(a.owner or f.client["owner"]), short_date(a.done_on)] for a in f.closed_actions],
                empty=f"None closed {PERIOD_WORD[f.kind]}.",
            )
        )
    return d.section("actions", title, *blocks)


def s_decisions(f: Facts) -> dict:
    high = [a for a in f.open_actions if a["priority"] == "high"]
    others = len(f.open_actions) - len(high)
    blocks = [
        d.table(
            ["Action", "Owner", "Due", "Status"],
            [[a["text"], f.person(a["owner"]), short_date(a["due"]), _due_note(f, a["due"])] for a in high],
            empty="No high-priority action is open.",
        )
    ]
    if others:
        blocks.append(d.text(f"{plural(others, 'other action item')} {'is' if others == 1 else 'are'} open with the teams."))
    return d.section("decisions", "High-priority actions", *blocks)


def s_wins(f: Facts) -> dict:
    items = []
    for k in f.kpis:
        _, better = _period_change(k, f.before.get(k["key"]))
        if k["on_target"]:
            items.append(f"{k['name']} is on target at {with_unit(k['current'], k['unit'])}.")
        elif better and better > 0:
            before = f.before[k["key"]]["current"]
            items.append(f"{k['name']} improved {PERIOD_WORD[f.kind]}, from {with_unit(before, k['unit'])} to {with_unit(k['current'], k['unit'])}.")
    items += [f"Done: {a.text} ({f.person(a.owner or f.client['owner'])})." for a in f.closed_actions]
    return d.section(
        "wins", "Wins to recognise", d.bullets(items, empty="No wins recorded yet this time; the next review is a good moment to find some.")
    )


def s_learnings(f: Facts) -> dict:
    rows = [[short_date(x.date), x.kind, x.what, x.why or "–", x.who or "–"] for x in f.learnings]
    return d.section(
        "learnings",
        "Lessons and decisions",
        d.table(["Date", "Kind", "What", "Why", "Who"], rows, "lllll", empty=f"None recorded {PERIOD_WORD[f.kind]}."),
    )


def s_recovery(f: Facts) -> dict:
    """A red client's executive escalations and recovery plan since it turned red (only in a red client's reports)."""
    h = f.health
    blocks: list[dict | None] = [d.text(f"Health has been red since {long_date(h['red_since'])}.")]
    if h["unattended"]:
        blocks.append(d.text("There is neither an executive escalation nor a recovery plan yet."))
    blocks.append(
        d.table(
            ["Escalated on", "To", "Why"],
            [[short_date(e["date"]), e["to"], e["reason"]] for e in h["escalations"]],
            empty="No executive escalation.",
        )
    )
    blocks.append(
        d.table(
            ["#", "Recovery step", "Owner", "Due", "Status"],
            [[str(s["number"]), s["step"], s["owner"] or f.client["owner"], short_date(s["due"]), _step_status(s)] for s in h["recovery"]],
            "rllll",
            empty="No recovery plan.",
        )
    )
    return d.section("recovery", "Escalation and recovery plan", *blocks)


def _step_status(step: dict) -> str:
    if step["done_on"]:
        return f"done {short_date(step['done_on'])}"
    return "late" if step["late"] else "open"


def s_rollout(f: Facts) -> dict:
    """The rollout's adoption share and its waves (only for a client with waves)."""
    r = f.rollout
    rows = [
        [
            w["name"],
            "–" if w["planned"] is None else f"{w['planned']:,}",
            f"{w['live']:,}",
            percent(w["share"]),
            short_date(w["planned_date"]) if w["planned_date"] else "–",
            WAVE_STATE_LABEL[w["state"]],
        ]
        for w in r["waves"]
    ]
    said = adoption_text(r)
    intro = f"{said[0].upper()}{said[1:]}."
    table = d.table(["Wave", "Planned", "Live", "Share", "Planned for", "State"], rows, "lrrrll")
    return d.section("rollout", "Rollout adoption", d.text(intro), table)


def s_next(f: Facts) -> dict:
    soon = [t for t in f.upcoming if date.fromisoformat(t["date"]) <= f.day + timedelta(days=UPCOMING_DAYS)][:6]
    rows = []
    for t in soon:
        minutes = f.minutes(t["kind"])
        rows.append([short_date(t["date"]), _meeting(f, t), f"{minutes} min" if minutes else "–"])
    return d.section(
        "next", "Coming up", d.table(["Date", "Meeting", "Length"], rows, "llr", empty="No meetings are planned in the next four weeks.")
    )


SECTIONS = {
    "summary": s_summary,
    "attention": s_attention,
    "kpis": s_kpis,
    "money": s_money,
    "health": s_health,
    "health-history": s_health_history,
    "improve": s_improve,
    "expansion": s_expansion,
    "sustainability": s_sustainability,
    "agenda": s_agenda,
    "actions": s_actions,
    "decisions": s_decisions,
    "wins": s_wins,
    "learnings": s_learnings,
    "next": s_next,
    "recovery": s_recovery,
    "rollout": s_rollout,
}


def client_report(
    session: Session,
    client_id: str,
    day: date,
    kind: str,
    audience: str = DEFAULT_AUDIENCE,
    templates: dict | None = None,
    *,
    internal: bool = False,
    signer: str | None = None,
) -> dict:
    """The report document for one client (see ``document.py``): the client's copy, or with ``internal`` the
    team's. ``signer`` is the name the session's user signs with (others are named from the password database)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; expected one of: {', '.join(AUDIENCES)}")
    if templates is None:
        from ..app.scriptbook import scripts_in_force

        templates = scripts_in_force()[0]
    f = Facts(session, client_id, day, kind, audience, templates, internal, signer)
    c = f.client
    consultant = f.person(c["owner"])
    meta = [
        ["Client", c["name"]],
        ["Period", f"{short_date(f.start + timedelta(days=1))} to {short_date(day)}"],
        ["Prepared for", AUDIENCE_LABEL[audience]],
        ["Consultant", consultant],
    ]
    if internal:
        meta.append(["Internal copy", "for the consultant's team, not for the client"])
    footer = f"Prepared by {consultant} with carebench on {long_date(day)}. Figures are as of that day; changes compare with {long_date(f.start)}."
    sections = [SECTIONS[name](f) for name in f.sections()]
    return d.document(f"{c['name']}: {KIND_TITLE[kind]}", f"{PERIOD_TITLE[kind]} ending {long_date(day)}", meta, sections, footer)
