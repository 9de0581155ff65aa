"""Build the carebench demo portfolio (sample_data/demo_portfolio.json).

The demo is written for AS_OF (a Monday) and holds nine fictional client
engagements at different points after go-live. Everything is generated from
seeded random generators, so running the script again writes the same bytes.

Besides KPIs, health and touchpoints, each client carries practice records:
a support ticket log (heavy in the first 30 days, thinning out as users learn;
the red client has the one open P1), pulse survey answers that follow the
client's health band, lessons and decisions, and where the story calls for it
renewals, testimonials, referrals and a knowledge-transfer checklist. The demo's
"now" is 09:00 on AS_OF (CUTOFF): nothing in the file happens later than that.

Usage: python tools/build_demo.py [OUTPUT_PATH]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from carebench.core.calendar import add_months
from carebench.core.handover import default_checklist, handover_gate
from carebench.core.health import band_of, overall_score
from carebench.core.kpis import kpi_status
from carebench.core.models import (
    ActionItem,
    Assessment,
    CheckIn,
    ChecklistItem,
    Client,
    Contact,
    Handover,
    Kpi,
    Learning,
    Opportunity,
    Outcome,
    Portfolio,
    Pulse,
    Reading,
    Referral,
    Savings,
    Scores,
    Section,
    Testimonial,
    Ticket,
    TouchpointException,
)
from carebench.core.phases import day_number
from carebench.core.rules import DEFAULT_RULES
from carebench.core.schedule import client_band
from carebench.core.schedule import schedule as core_schedule
from carebench.core.terms import priority

AS_OF = date(2026, 6, 15)
SEED = 20260615
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "sample_data" / "demo_portfolio.json"
DAY = timedelta(days=1)
# Tickets are logged to the minute; the demo's "now" is 09:00 on AS_OF.
CUTOFF = datetime.combine(AS_OF, time(9, 0))

# The rules the demo must satisfy (checked at the end of build()) are the bundled rules.
RULES = DEFAULT_RULES
CALENDAR = RULES.calendar


# ---------------------------------------------------------------- date helpers


def d(text: str) -> date:
    return date.fromisoformat(text)


def month_key(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


# ---------------------------------------------------------------- health helpers


def overall(scores: Scores) -> Decimal:
    return overall_score(scores, RULES.weights)


def band_of_scores(scores: Scores) -> str:
    return band_of(overall(scores), RULES.bands)


def band_for_level(level: float) -> str:
    """The band a health level (an overall score the story aims at) falls in."""
    return band_of(Decimal(repr(level)), RULES.bands)


def is_backsliding(kpi: Kpi) -> bool:
    return kpi_status(kpi, retained_threshold=RULES.retained_threshold).backsliding


# ---------------------------------------------------------------- specs


@dataclass
class KpiSpec:
    key: str
    name: str
    category: str
    unit: str
    direction: str
    baseline: float
    target: float
    plateau: float = 1.0  # share of the baseline->target gap reached in steady state
    tau: float = 30.0  # learning-curve time constant, days
    start: int = 0  # days from go-live when improvement begins (negative: before)
    step: float = 0.0  # share of the plateau gained at once on go-live
    noise: float = 0.03  # standard deviation as a share of the gap
    noise_abs: float | None = None  # floor for the standard deviation in units (counts wiggle by at least one)
    dec: int = 1  # decimals kept
    spike: float = 0.0  # go-live surge, as a share of the baseline, in the worse direction
    spike_tau: float = 10.0
    honeymoon: float = 0.0  # extra share of the gap around day 45 that later settles
    fade: tuple[int, float] | None = None  # (day the improvement starts eroding, share kept by AS_OF)
    monotone: bool = False  # never gets worse (completion counters)
    cap: float | None = None  # upper bound (uptime cannot pass 100)


@dataclass
class FixedTicket:
    """A ticket the story needs at a given moment (the rest of the log is generated around it)."""

    opened: datetime
    category: str
    title: str
    impact: str
    users: str
    respond: int | None  # minutes to the first response (None: nobody has answered yet)
    resolve: float | None  # hours from opening to resolution (None: still open)
    escalated: bool = False
    first_contact: bool = False


@dataclass
class TicketPlan:
    """How a client's support log is generated: volume falls after go-live as users learn the system."""

    count: int  # generated tickets, besides the fixed ones
    vocab: dict[str, str] = field(default_factory=dict)  # fills the shared title templates
    titles: list[tuple[str, str, str, str]] = field(default_factory=list)  # (category, impact, users, title)
    fixed: list[FixedTicket] = field(default_factory=list)
    tau: float = 12.0  # days for the go-live surge to fall by e
    floor: float = 0.04  # steady daily volume, as a share of the go-live day's
    bump: tuple[int, float] | None = None  # (day the volume rises again, extra daily share)
    hours: tuple[int, int] = (8, 17)  # when tickets are opened
    weekend: float = 0.0  # weekend volume relative to a weekday
    escalate: float = 0.03  # escalation chance for P3/P4 tickets
    first_contact: float = 0.8  # chance a simple question or access request is solved on the first call
    slow: float = 1.0  # stretches response and resolution times


@dataclass
class PulsePlan:
    respondents: list[str]
    every: tuple[int, int] = (14, 28)  # days between one respondent's answers
    window: int = 110  # how far back the pulses go (days before AS_OF)
    start: date | None = None  # first possible answer (default: a week after go-live, within the window)
    start_level: float = 8.0  # mood before the first health assessment
    offsets: dict[str, float] = field(default_factory=dict)  # a respondent's lean, in recommend points


@dataclass
class ClientSpec:
    id: str
    name: str
    tier: str
    go_live: date
    owner: str
    investment: float
    roi_target: float
    contacts: list[tuple[str, str, str]]
    kpis: list[KpiSpec]
    seven_day: bool = False  # operates weekends, so daily readings every calendar day
    status: str = "active"
    savings_rate: float = 0.0  # steady monthly savings
    savings_fade: tuple[int, float] | None = None  # (month the savings start eroding, share kept)
    health: list[tuple[int, float]] = field(default_factory=list)  # (day number, level) keyframes
    health_profile: dict[str, float] = field(default_factory=dict)  # per sub-score offsets
    latest_assessment: date | None = None
    late_step: int = 28
    early_shift: int = 0
    explicit_assessments: list[tuple[date, tuple[int, ...], str]] = field(default_factory=list)
    assessment_notes: dict[date, str] = field(default_factory=dict)
    exceptions_all_from: date | None = None  # every past touchpoint from here is done unless listed
    skip: dict[date, str] = field(default_factory=dict)
    leave: set[date] = field(default_factory=set)
    done_dates: list[date] = field(default_factory=list)  # explicit done touchpoints (older clients)
    story: dict[str, list[str]] = field(default_factory=dict)  # text pools, each in the order things happened
    attendees: dict[str, list[str]] = field(default_factory=dict)  # per touchpoint kind, instead of the default
    qbr: dict[date, list[str]] = field(default_factory=dict)
    team: list[str] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    ticket_plan: TicketPlan | None = None
    pulse_plan: PulsePlan | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    testimonials: list[Testimonial] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    learnings: list[Learning] = field(default_factory=list)
    checklist: dict[str, tuple[date | None, str | None]] = field(default_factory=dict)  # key: (done on, note)


def ai(text: str, due: str, priority: str, owner: str, source: str | None = None, done: str | None = None) -> ActionItem:
    return ActionItem(
        text=text,
        owner=owner,
        due=d(due),
        priority=priority,
        status="done" if done else "open",
        done_on=d(done) if done else None,
        source=source,
    )


def opp(
    title: str,
    source: str,
    value: float,
    probability: int,
    stage: str,
    low: float,
    high: float,
    start: int,
    end: int,
    action: str | None = None,
    action_date: str | None = None,
    closed: str | None = None,
) -> Opportunity:
    return Opportunity(
        title=title,
        source=source,
        value=value,
        probability=probability,
        stage=stage,
        investment_low=low,
        investment_high=high,
        start_month=start,
        end_month=end,
        next_action=action,
        next_action_date=d(action_date) if action_date else None,
        closed_on=d(closed) if closed else None,
    )


def at(text: str) -> datetime:
    """A local moment written 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text)


def tk(
    opened: str,
    category: str,
    title: str,
    impact: str,
    users: str,
    respond: int | None,
    resolve: float | None,
    escalated: bool = False,
    first_contact: bool = False,
) -> FixedTicket:
    return FixedTicket(at(opened), category, title, impact, users, respond, resolve, escalated, first_contact)


def outcome(on: str, kind: str, note: str) -> Outcome:
    return Outcome(date=d(on), kind=kind, note=note)


def testimonial(requested: str, answer: str = "pending", answered: str | None = None) -> Testimonial:
    return Testimonial(requested=d(requested), answer=answer, answered=d(answered) if answered else None)


def referral(on: str, prospect: str, became: bool, note: str) -> Referral:
    return Referral(date=d(on), prospect=prospect, became_engagement=became, note=note)


def learned(on: str, kind: str, what: str, why: str, who: str, source: str | None = None) -> Learning:
    return Learning(date=d(on), kind=kind, what=what, why=why, who=who, source=source)


def item(done_on: str | None, note: str | None = None) -> tuple[date | None, str | None]:
    """A checklist entry for ClientSpec.checklist: done on a date, or not done (None), with an optional note."""
    return (d(done_on) if done_on else None, note)


def training(baseline: float = 0.0, plateau: float = 0.98, start: int = -50, tau: float = 18.0) -> KpiSpec:
    return KpiSpec(
        "training_completion",
        "Training completion",
        "leading",
        "%",
        "higher",
        baseline,
        100.0,
        plateau=plateau,
        start=start,
        tau=tau,
        noise=0.004,
        monotone=True,
    )


def tickets(
    baseline: float, target: float, spike: float = 1.4, plateau: float = 1.0, tau: float = 30.0, spike_tau: float = 9.0, noise: float = 0.04
) -> KpiSpec:
    return KpiSpec(
        "support_tickets",
        "Support tickets (rolling 7 days)",
        "diagnostic",
        "count",
        "lower",
        baseline,
        target,
        plateau=plateau,
        tau=tau,
        spike=spike,
        spike_tau=spike_tau,
        noise=noise,
        dec=0,
    )


def uptime(baseline: float, target: float, step: float = 0.6, noise: float = 0.05) -> KpiSpec:
    return KpiSpec("system_uptime", "System uptime", "diagnostic", "%", "higher", baseline, target, step=step, tau=20, noise=noise, dec=2, cap=100.0)


# ---------------------------------------------------------------- the clients


def client_specs() -> list[ClientSpec]:
    return [kestrel(), tidewater(), harbourline(), brackenfield(), quillon(), pellworth(), corvane(), meridale(), ashgrove()]


def kestrel() -> ClientSpec:
    """Day 4: warehouse management system live at the distribution centre."""
    return ClientSpec(
        id="kestrel-ridge-outfitters",
        name="Kestrel Ridge Outfitters",
        tier="platinum",
        go_live=d("2026-06-12"),
        owner="you",
        investment=480_000,
        roi_target=220,
        seven_day=True,
        contacts=[
            ("Maren Oakes", "VP Fulfilment", "maren.oakes@kestrelridge.example"),
            ("Tobias Quint", "DC Operations Manager", "tobias.quint@kestrelridge.example"),
            ("Lena Varga", "WMS Super-user Lead", "lena.varga@kestrelridge.example"),
        ],
        kpis=[
            training(0.0, 0.97, start=-60, tau=20),
            KpiSpec("process_adherence", "Pick-pack process adherence", "leading", "%", "higher", 62.0, 90.0, start=-21, tau=20, noise=0.015),
            KpiSpec("pick_accuracy", "Pick accuracy", "lagging", "%", "higher", 97.1, 99.5, step=0.45, tau=25, noise=0.03, dec=2),
            KpiSpec("same_day_ship", "Orders shipped same day", "lagging", "%", "higher", 78.0, 95.0, step=0.3, tau=30, noise=0.03),
            KpiSpec("cost_per_order", "Fulfilment cost per order", "lagging", "USD", "lower", 6.85, 5.60, step=0.25, tau=40, noise=0.03, dec=2),
            KpiSpec("dock_to_stock", "Dock-to-stock time", "lagging", "h", "lower", 30.0, 12.0, step=0.3, tau=30, noise=0.02),
            tickets(14, 8, spike=1.6, spike_tau=8),
            uptime(99.2, 99.8, step=0.7, noise=0.04),
        ],
        exceptions_all_from=d("2026-06-12"),
        story={
            "opening": [
                "Go-live cutover finished at 04:10; first wave released at 06:00 as planned. Floor busy but calm.",
            ],
            "issues": [
                "Label printers on packing benches 7-12 clip the SKU barcode on the small label stock; packers are re-printing by hand.",
            ],
            "wins": ["Scanner-driven picking is already cutting mis-picks; the super-users handled most floor questions themselves."],
            "steps": [
                "Tobias to keep the war-room open through Monday; we re-check label printers before the first wave.",
            ],
            "confidence": ["Confidence 7/10: the system is stable, the printer issue is the one thing slowing packing."],
        },
        team=["Dev Saluja (shift lead)"],
        action_items=[
            ai(
                "Confirm rollback plan and war-room rota for go-live weekend",
                "2026-06-11",
                "high",
                "you",
                "go-live readiness review",
                done="2026-06-11",
            ),
            ai(
                "Fix label printer template on packing benches 7-12 (barcode clipped on small labels)",
                "2026-06-15",
                "high",
                "you",
                "daily check-in 2026-06-12",
            ),
            ai("Send go-live summary to Maren for Tuesday's all-hands", "2026-06-16", "low", "you", "daily check-in 2026-06-12"),
            ai("Agree the same-day order cut-off time with customer service", "2026-06-17", "medium", "you", "daily check-in 2026-06-12"),
            ai("Pull first-week pick accuracy by picker for the Friday weekly review", "2026-06-19", "medium", "you"),
        ],
        ticket_plan=TicketPlan(
            count=14,
            hours=(6, 22),
            weekend=1.0,
            tau=6.0,
            vocab={
                "system": "WMS",
                "record": "pick task",
                "records": "pick tasks",
                "report": "wave plan report",
                "roles": "pickers",
                "site": "packing bench 3",
                "interface": "carrier manifest upload",
            },
            titles=[
                ("defect", "medium", "some", "Pack station screen does not refresh after a short pick"),
                ("question", "low", "few", "How to split a pallet on putaway"),
                ("access", "low", "some", "Scanners log out after ten idle minutes on the night shift"),
                ("data", "medium", "some", "Bin locations in aisle 14 missing from the WMS"),
                ("integration", "medium", "some", "Carrier manifest not sent for the 14:00 collection"),
                ("performance", "medium", "many", "Handheld scanners lag while a wave is released"),
                ("question", "low", "few", "Which exception code to use for a damaged carton"),
                ("change_request", "low", "some", "Show the carrier cut-off time on the packing screen"),
            ],
            fixed=[
                tk("2026-06-12 06:14", "integration", "First wave not released to the handheld scanners", "high", "many", 6, 1.3, escalated=True),
                tk(
                    "2026-06-12 09:05",
                    "defect",
                    "Small labels on packing benches 7-12 clip the SKU barcode",
                    "medium",
                    "some",
                    12,
                    None,
                    escalated=True,
                ),
                tk(
                    "2026-06-13 10:32", "question", "Scanner shows 'location locked' on replenishment moves", "low", "few", 9, 0.3, first_contact=True
                ),
            ],
        ),
        pulse_plan=PulsePlan(["Maren Oakes", "Tobias Quint", "Lena Varga"], start=d("2026-06-12"), start_level=7.6),
        learnings=[
            learned(
                "2026-06-11",
                "decision",
                "Keep the war-room staffed through the first weekend and the first Monday wave.",
                "The DC ships seven days a week and Monday carries the biggest wave; a rollback after Monday would cost a week.",
                "Maren Oakes",
                "go-live readiness review 2026-06-11",
            ),
            learned(
                "2026-06-12",
                "lesson",
                "Print every label template on every label stock during the test run.",
                "Benches 7-12 use the small stock, which nobody printed in testing; the barcode was clipped on go-live day.",
                "you",
                "daily check-in 2026-06-12",
            ),
        ],
    )


def tidewater() -> ClientSpec:
    """Day 20: quality and standard-work program at a tableware plant."""
    return ClientSpec(
        id="tidewater-ceramics",
        name="Tidewater Ceramics",
        tier="gold",
        go_live=d("2026-05-27"),
        owner="you",
        investment=210_000,
        roi_target=180,
        contacts=[
            ("Graham Asante", "Plant Director", "graham.asante@tidewaterceramics.example"),
            ("Ines Carvalho", "Quality Manager", "ines.carvalho@tidewaterceramics.example"),
        ],
        kpis=[
            training(0.0, 0.96, start=-45, tau=16),
            KpiSpec("standard_work_adherence", "Standard work adherence", "leading", "%", "higher", 55.0, 90.0, start=-7, tau=22, noise=0.015),
            KpiSpec(
                "improvement_suggestions", "Improvement suggestions (rolling 7 days)", "leading", "count", "higher", 2, 12, tau=18, noise=0.03, dec=0
            ),
            KpiSpec("defect_rate", "Defect rate", "lagging", "%", "lower", 6.8, 3.0, step=0.1, tau=35, noise=0.02, dec=2),
            KpiSpec("first_pass_yield", "First-pass yield", "lagging", "%", "higher", 88.5, 95.0, step=0.1, tau=35, noise=0.02),
            KpiSpec("kiln_cycle_time", "Kiln cycle time", "lagging", "h", "lower", 14.5, 11.0, tau=40, noise=0.02, dec=2),
            KpiSpec("rework_hours", "Rework hours (rolling 7 days)", "diagnostic", "h", "lower", 120, 50, tau=35, noise=0.02, dec=0),
            tickets(9, 4, spike=0.5, spike_tau=6, noise=0.02),
        ],
        exceptions_all_from=d("2026-05-27"),
        story={
            "issues": [
                "Night crew on the glazing line still works from the old sheets; two of five stations skipped the new thickness check.",
                "Kiln 3 temperature export has stopped, so the kiln cycle numbers are from kilns 1 and 2 only.",
            ],
            "wins": [
                "Defect boards are up on every line and the team leads update them at the start of shift without prompting.",
                "Ines's team logged the first suggestions in the new tracker; one (sponge station rinse) already in place.",
            ],
            "steps": [
                "Ines to re-run standard work training for the glazing night crew by Friday.",
                "Maintenance to check the kiln 3 sensor export; until then we report kiln cycle time without kiln 3.",
                "Start a weekly defect Pareto review with Ines; first one next Wednesday.",
            ],
        },
        team=["Tom Brannigan (glazing team lead)"],
        health=[(15, 8.2)],
        health_profile={"sustainability": -1, "expansion_interest": -1, "engagement": 1},
        assessment_notes={
            d("2026-06-10"): "First review after go-live. Adherence audits are climbing and the plant team owns the defect boards. "
            "Scores held back on sustainability: it is week two and the night crew is behind. Green, keep the weekly rhythm.",
        },
        action_items=[
            ai(
                "Re-run standard work training for the glazing line night crew",
                "2026-06-05",
                "medium",
                "you",
                "weekly check-in 2026-06-03",
                done="2026-06-05",
            ),
            ai(
                "Kiln 3 temperature logs missing for a week now: check the sensor export with maintenance",
                "2026-06-12",
                "high",
                "you",
                "biweekly review 2026-06-10",
            ),
            ai("Set up the weekly defect Pareto review with Ines", "2026-06-17", "medium", "you", "biweekly review 2026-06-10"),
            ai("Photograph the new defect boards for the visual management guide", "2026-06-26", "low", "you"),
        ],
        opportunities=[
            opp(
                "Kiln energy optimisation",
                "performance_gap",
                85_000,
                10,
                "identified",
                30_000,
                50_000,
                6,
                12,
                "Ask Graham for the last twelve months of kiln gas bills",
                "2026-07-01",
            ),
        ],
        ticket_plan=TicketPlan(
            count=18,
            hours=(6, 18),
            tau=10.0,
            floor=0.05,
            vocab={
                "system": "defect tracker",
                "record": "defect record",
                "records": "defect records",
                "report": "defect Pareto report",
                "roles": "glazing operators",
                "site": "the glazing line",
                "interface": "kiln data logger export",
            },
            titles=[
                ("question", "low", "few", "How to log a crazing defect against the right glaze batch"),
                ("defect", "medium", "some", "Defect board export drops the night-shift rows"),
                ("data", "low", "few", "Glaze recipe codes in the tracker do not match the mixing room"),
                ("access", "low", "few", "Team lead tablet on the glazing line locked"),
                ("change_request", "low", "some", "Add a 'pinholes' defect code for the cup line"),
                ("question", "low", "some", "Where the standard work sheets for the sorting stations are kept"),
            ],
            fixed=[
                tk("2026-05-29 06:40", "question", "Night crew cannot find the new glaze thickness check sheet", "low", "some", 40, 1.0),
                tk(
                    "2026-06-08 07:45", "integration", "Kiln 3 temperature export stopped; no cycle data since the weekend", "medium", "few", 50, None
                ),
            ],
        ),
        pulse_plan=PulsePlan(["Graham Asante", "Ines Carvalho", "Tom Brannigan"]),
        learnings=[
            learned(
                "2026-06-03",
                "lesson",
                "Train the night crew on their own shift, with their own team lead.",
                "Two of five glazing stations on nights skipped the new thickness check; the night crew had only been handed the sheets.",
                "Ines Carvalho",
                "weekly check-in 2026-06-03",
            ),
            learned(
                "2026-06-10",
                "decision",
                "Report kiln cycle time from kilns 1 and 2 only until the kiln 3 export is fixed.",
                "A figure with a silent gap would look like an improvement; the plant prefers a narrower number it can trust.",
                "Graham Asante",
                "biweekly review 2026-06-10",
            ),
        ],
    )


def harbourline() -> ClientSpec:
    """Day 46: new claims workflow at an insurance services firm."""
    return ClientSpec(
        id="harbourline-insurance",
        name="Harbourline Insurance Services",
        tier="platinum",
        go_live=d("2026-05-01"),
        owner="sam",
        investment=560_000,
        roi_target=220,
        savings_rate=52_000,
        contacts=[
            ("Deborah Lachance", "Head of Claims", "deborah.lachance@harbourline.example"),
            ("Marcus Heyward", "Claims Operations Lead", "marcus.heyward@harbourline.example"),
            ("Sunita Rao", "IT Business Partner", "sunita.rao@harbourline.example"),
        ],
        kpis=[
            training(10.0, 0.99, start=-40, tau=15),
            KpiSpec("workflow_adherence", "Claims workflow adherence", "leading", "%", "higher", 58.0, 92.0, start=-5, tau=18, noise=0.015),
            KpiSpec(
                "improvement_suggestions", "Improvement suggestions (rolling 7 days)", "leading", "count", "higher", 1, 8, tau=20, noise=0.03, dec=0
            ),
            KpiSpec("claim_cycle_time", "Claim cycle time", "lagging", "days", "lower", 12.4, 7.0, tau=28, noise=0.02),
            KpiSpec("cost_per_claim", "Handling cost per claim", "lagging", "USD", "lower", 148.0, 115.0, tau=35, noise=0.02, dec=2),
            KpiSpec("first_contact_resolution", "First-contact resolution", "lagging", "%", "higher", 61.0, 78.0, tau=30, noise=0.02),
            KpiSpec(
                "open_backlog", "Open claims backlog", "diagnostic", "count", "lower", 1850, 900, tau=32, noise=0.015, spike=0.08, spike_tau=10, dec=0
            ),
            tickets(22, 10, spike=1.3, spike_tau=9, noise=0.03),
            uptime(99.0, 99.7, step=0.6, noise=0.05),
        ],
        exceptions_all_from=d("2026-05-01"),
        skip={
            d("2026-05-25"): "Public holiday; claims office closed.",
            d("2026-05-13"): "Marcus pulled into the quarterly reinsurance audit all day; issues covered by email.",
        },
        leave={d("2026-06-01")},
        story={
            "opening": [
                "Go-live day. Cutover finished at 06:30 and all 42 adjusters were logged in by 09:00; migration counts match.",
                "First Monday live. Weekend claims imported overnight; about 140 migrated claims turned up with no owner.",
                "Queues opened on time; owner-less claims parked in a holding queue while the reassignment script is tested.",
                "Overnight document import failed for 31 claims; Sunita re-ran it by 09:15.",
                "Quiet start. Two adjusters out sick; Marcus moved one from fast-track to cover.",
                "Start-of-week pile-up in motor claims after the weekend storm; team leads re-balanced queues by 10:00.",
                "Morning stand-up done in 8 minutes; team leads read straight from the workflow board now.",
                "New escalation rule for high-value claims went live overnight; no errors in the log.",
                "Backlog review first thing with Marcus; oldest open claim is now 19 days, down from 41.",
                "Team leads reported no blockers at stand-up; focus today is the pending-documents queue.",
                "Pending-documents status live since this morning; 212 claims moved out of the main backlog view.",
                "Good energy on the floor; the fast-track team hit its daily number before lunch yesterday.",
                "Short week after the holiday; Tuesday volumes high but queues clear by 16:00.",
                "Aoife ran the stand-up without prompting; we only listened.",
                "Last planned daily. The team will keep its own 10-minute stand-up once we move to weekly.",
            ],
            "issues": [
                "About 140 claims migrated without an owner and sit in a general queue; they need a bulk reassignment.",
                "Adjusters still email documents to each other instead of attaching them to the claim.",
                "The overnight document import has no alert when it fails; we heard about it from the adjusters.",
                "Fast-track triage rules send too many glass claims to full assessment.",
                "Pending-documents claims have no status of their own, so they look stuck in the backlog view.",
                "Supervisors spend an hour a day re-balancing queues by hand.",
                "Two new adjusters have not had the triage training and route by habit.",
                "Call-back tasks are created but not closed after the call, which inflates the open task count.",
                "Board pack figures still come from the old spreadsheet and do not match the workflow.",
                "Some adjusters keep a private list of 'their' claims next to the workflow: double work, no visibility.",
                "Cost per claim moves slower than cycle time; overtime for the backlog clean-up is still running.",
                "Supervisors want a team-level cycle time view; today they only see the whole department.",
                "The monthly optimization session slipped; Deborah's diary is full with the board cycle.",
            ],
            "wins": [
                "Zero claims lost in the overnight imports this week.",
                "Adjusters say the document view saves them 'a dozen clicks a claim'.",
                "Fast-track team suggested a checklist for glass claims; it went live the same day.",
                "Deborah showed the backlog chart at her leadership meeting unprompted.",
                "Motor claims cycle time below ten days for the first time this year.",
                "First-contact resolution up on the phones; simple claims get a decision on the first call.",
                "Team stand-ups now run without us in the room.",
            ],
            "steps": [
                "Sam to send Marcus the bulk reassignment script for owner-less claims.",
                "Sunita to add an alert for failed overnight imports.",
                "Remind adjusters at stand-up: documents go on the claim, not in email.",
                "Sunita to add a 'pending documents' status to the workflow.",
                "Review the glass-claim routing rule with the fast-track team on Thursday.",
                "Marcus to trial the automatic queue balancing rule on motor claims for a week.",
                "Keep the daily stand-up to 15 minutes; move the detailed backlog review to Wednesdays.",
                "Marcus to run a 30-minute triage refresher for the two new adjusters.",
                "Check close-out of call-back tasks at Friday's weekly review.",
                "Agree one source for the board pack numbers with Deborah's analyst.",
                "Hand the daily stand-up to Aoife and Kwame from next week.",
                "Build a team-level cycle time view for the Monday huddle.",
                "Rebook the monthly optimization session with Deborah.",
                "Draft the month-two results note for the board pack.",
            ],
            "confidence": [
                "Confidence 6/10 on day one: nerves about the migrated claims, nothing broken.",
                "Confidence 6/10; the owner-less claims worry the supervisors.",
                "Confidence 7/10 once the holding queue was in place.",
                "Confidence 6/10 today because of the import failure; back up once it was re-run.",
                "Confidence 7/10; short-staffed but coping.",
                "Confidence 7/10; the storm backlog is the worry, not the system.",
                "Confidence 8/10 from the team leads.",
                "Confidence 8/10; the escalation rule works as designed.",
                "Confidence 8/10; the team asked to drop the extra manual checks.",
                "Confidence 8/10; the pending-documents status is the last big ask.",
                "Confidence 9/10 from Marcus; the backlog view finally makes sense.",
                "Confidence 9/10; Deborah happy with the trend.",
                "Confidence 8/10; holiday catch-up went fine.",
                "Confidence 9/10 from the team leads; they run the stand-up themselves.",
                "Confidence 9/10; team ready to run without daily check-ins.",
            ],
        },
        attendees={"daily": ["Marcus Heyward"]},
        team=["Aoife Brennan (fast-track team lead)", "Kwame Osei (motor claims supervisor)"],
        health=[(15, 8.1), (29, 8.3), (43, 8.5)],
        health_profile={"sustainability": -1, "communication": 1, "leadership": 1},
        assessment_notes={
            d("2026-05-15"): "Two weeks in: workflow adherence climbing fast and the backlog has turned. Owner-less migrated claims "
            "were the main drag. Sustainability scored low on purpose; too early to call it embedded.",
            d("2026-05-29"): "End of stabilization. Claim cycle time moving the right way and the team asked to drop the extra "
            "manual checks. Deborah engaged, attends Fridays. Daily check-ins end; weekly continues.",
            d("2026-06-12"): "Optimization phase going well. Most leading indicators near target; cost per claim lagging as "
            "expected because the backlog clean-up still costs overtime. Monthly optimization session "
            "was missed and needs rebooking.",
        },
        action_items=[
            ai("Bulk-reassign the ~140 migrated claims with no owner", "2026-05-06", "high", "sam", "daily check-in 2026-05-04", done="2026-05-06"),
            ai(
                "Add a 'pending documents' status to the claims workflow",
                "2026-05-20",
                "medium",
                "sam",
                "weekly review 2026-05-08",
                done="2026-05-20",
            ),
            ai("Run a triage refresher for the two new adjusters", "2026-06-10", "medium", "sam", "weekly review 2026-06-05"),
            ai("Build team-level cycle time view for the Monday huddle", "2026-06-15", "medium", "sam", "weekly review 2026-06-05"),
            ai("Rebook the missed monthly optimization session with Deborah and Marcus", "2026-06-16", "medium", "sam", "weekly review 2026-06-12"),
            ai("Draft the month-two results note for Deborah's board pack", "2026-06-24", "low", "sam"),
        ],
        opportunities=[
            opp(
                "Fraud triage rules in the new claims workflow",
                "strategic_alignment",
                210_000,
                20,
                "identified",
                80_000,
                120_000,
                4,
                9,
                "Get fraud referral volumes for the last year from Sunita",
                "2026-07-06",
            ),
        ],
        ticket_plan=TicketPlan(
            count=40,
            hours=(8, 18),
            tau=11.0,
            floor=0.05,
            vocab={
                "system": "claims workflow",
                "record": "claim",
                "records": "claims",
                "report": "backlog report",
                "roles": "adjusters",
                "site": "the motor claims floor",
                "interface": "overnight document import",
            },
            titles=[
                ("defect", "medium", "some", "Claim stays in triage after the fast-track rule fires"),
                ("question", "low", "few", "How to reopen a claim closed by mistake"),
                ("data", "medium", "some", "Policy excess missing on migrated motor claims"),
                ("access", "low", "few", "New adjuster cannot see the glass claims queue"),
                ("performance", "medium", "many", "Claims workflow slow between 09:00 and 09:30"),
                ("change_request", "low", "some", "Team-level cycle time view for the Monday huddle"),
                ("integration", "medium", "some", "Payment file to finance misses two approved claims"),
                ("question", "low", "few", "How to attach one document to several claims"),
                ("defect", "medium", "few", "Call-back task stays open after the call is logged"),
            ],
            fixed=[
                tk("2026-05-04 08:12", "data", "About 140 migrated claims have no owner", "high", "many", 9, 55.0, escalated=True),
                tk("2026-05-07 08:02", "integration", "Overnight document import failed for 31 claims", "high", "some", 11, 1.3, escalated=True),
                tk("2026-05-11 10:20", "change_request", "Add a 'pending documents' status to the claims workflow", "medium", "some", 45, 221.0),
            ],
        ),
        pulse_plan=PulsePlan(["Deborah Lachance", "Marcus Heyward", "Sunita Rao", "Aoife Brennan"]),
        testimonials=[testimonial("2026-05-29", "declined", "2026-06-08")],
        learnings=[
            learned(
                "2026-05-06",
                "lesson",
                "Check that every migrated record has an owner before cutover, not after.",
                "About 140 claims arrived without an owner and sat in a general queue for two days.",
                "sam",
                "daily check-in 2026-05-04",
            ),
            learned(
                "2026-05-20",
                "decision",
                "Every overnight job gets a failure alert to the IT business partner.",
                "The failed document import was reported by adjusters, not by the system.",
                "Sunita Rao",
                "weekly review 2026-05-15",
            ),
            learned(
                "2026-05-29",
                "decision",
                "End the daily check-ins after four weeks; team leads keep a 10-minute stand-up.",
                "Stand-ups already ran without us and the team asked to drop the extra manual checks.",
                "Deborah Lachance",
                "assessment 2026-05-29",
            ),
        ],
    )


def brackenfield() -> ClientSpec:
    """Day 75, RED: production planning and scheduling at a chilled food maker, sliding."""
    return ClientSpec(
        id="brackenfield-foods",
        name="Brackenfield Foods",
        tier="gold",
        go_live=d("2026-04-02"),
        owner="you",
        investment=240_000,
        roi_target=200,
        seven_day=True,
        savings_rate=26_000,
        contacts=[
            ("Alan Mercer", "Operations Director", "alan.mercer@brackenfieldfoods.example"),
            ("Joanna Briggs", "Planning Manager", "joanna.briggs@brackenfieldfoods.example"),
            ("Kofi Mensah", "Night Shift Production Manager", "kofi.mensah@brackenfieldfoods.example"),
        ],
        kpis=[
            training(0.0, 0.8, start=-40, tau=25),
            KpiSpec(
                "schedule_adherence",
                "Planners working to the frozen schedule",
                "leading",
                "%",
                "higher",
                64.0,
                90.0,
                plateau=0.4,
                tau=20,
                noise=0.012,
            ),
            KpiSpec("schedule_attainment", "Schedule attainment", "lagging", "%", "higher", 71.0, 92.0, plateau=0.45, tau=35, noise=0.01),
            KpiSpec("otif", "On time in full", "lagging", "%", "higher", 88.0, 96.0, plateau=0.45, tau=35, noise=0.015),
            KpiSpec("waste_rate", "Production waste", "lagging", "%", "lower", 7.9, 5.0, plateau=0.35, tau=30, noise=0.008, dec=2),
            KpiSpec("changeover_time", "Average changeover time", "lagging", "h", "lower", 2.6, 1.5, plateau=0.45, tau=30, noise=0.01, dec=2),
            KpiSpec(
                "overtime_hours", "Overtime hours (rolling 7 days)", "diagnostic", "h", "lower", 410, 250, plateau=0.3, tau=35, noise=0.01, dec=0
            ),
            tickets(12, 5, spike=1.0, spike_tau=14, plateau=0.5, tau=40, noise=0.015),
        ],
        explicit_assessments=[
            (
                d("2026-04-16"),
                (8, 8, 7, 9, 8, 9, 9, 9, 8),
                "Good first fortnight. Planners use the scheduler for every line and Alan chairs the daily production meeting "
                "himself. Night shift training is behind (6 of 14 planners). Green, but watch the night shift.",
            ),
            (
                d("2026-04-30"),
                (7, 7, 7, 8, 7, 8, 8, 8, 8),
                "Attainment flat for ten days. Day shift re-sequences orders by phone when retail orders change late, which "
                "breaks the plan for nights. Night training still 6 of 14. Yellow: weekly intervention on the frozen window.",
            ),
            (
                d("2026-05-14"),
                (6, 6, 6, 7, 7, 7, 8, 7, 7),
                "Frozen schedule window agreed on paper but not kept; 40% of orders re-sequenced inside 24 hours. Waste and "
                "overtime barely moved. Alan missed the last two production meetings (retail customer audits). Still yellow.",
            ),
            (
                d("2026-05-28"),
                (6, 6, 6, 6, 6, 6, 7, 7, 6),
                "Missed delivery to the retail DC two days ago traced to a manual re-sequence on the sauce line. Joanna defending "
                "the tool but the shift managers have gone back to their own spreadsheets. Yellow and falling.",
            ),
            (
                d("2026-06-05"),
                (5, 4, 5, 5, 5, 4, 6, 5, 6),
                "Red. Two more short deliveries this week, overtime up again, night shift planning almost entirely off-system. "
                "No named owner for the schedule on nights and Alan has not been in the room for four weeks. Recovery plan: "
                "daily 30-minute recovery check-in with Joanna, training for the eight outstanding planners, executive session "
                "with Alan to sign off the frozen window and shift owners.",
            ),
        ],
        exceptions_all_from=d("2026-04-02"),
        skip={
            d("2026-05-21"): "Alan and Joanna both at the retail customer's supplier audit; actions reviewed by email instead.",
            d("2026-06-10"): "Line 2 down for an allergen deep clean; Joanna could not leave the floor. Moved the agenda to the biweekly.",
        },
        leave={d("2026-06-12")},
        story={
            "issues": [
                "Night shift has 8 of 14 planners untrained on the scheduler; they plan on the old spreadsheet and key it in afterwards.",
                "Changeover matrix for the sauce line is wrong in the master data, so the scheduler underestimates changeovers.",
                "Day shift re-sequences orders by phone when late retail orders come in; nights inherit a plan that no longer matches the floor.",
                "Overtime is being booked to cover short runs created by last-minute re-sequencing.",
                "Shift managers keep their own order lists; the system is treated as a record, not the plan.",
                "Alan has missed the daily production meeting for weeks; without him nobody enforces the frozen window.",
                "Waste tally only happens at the end of the week, too late to act on.",
            ],
            "wins": [
                "Planners on day shift build the whole week in the scheduler; the first plan went out on time.",
                "Joanna's day planners stay inside the scheduler and their lines hit plan on most days.",
                "Changeover times on line 1 are down after the new sequence rules.",
                "The corrected changeover matrix made the plan for the sauce line realistic for the first time.",
                "Kofi agreed to pilot the frozen window on nights for one week.",
            ],
            "steps": [
                "Book the outstanding night-shift planners on scheduler training.",
                "Joanna to correct the sauce line changeover matrix with the line engineer.",
                "Joanna to publish a frozen 48-hour window and log every re-sequence request with a reason.",
                "Ask Alan to come back to the daily production meeting, at least Mondays and Thursdays.",
                "Review every short delivery at the next check-in with the order history from the scheduler.",
                "Start a waste tally at each shift handover on line 2.",
                "Prepare the recovery plan for Alan to sign off at the executive session.",
            ],
            "optimization": [
                "Group allergen runs so the deep cleans fall at shift change instead of mid-shift.",
                "Use the scheduler's what-if view before accepting late retail orders instead of re-sequencing by phone.",
            ],
            "capability": [
                "Joanna can build and publish the weekly plan alone; nights have nobody who can yet.",
                "Kofi to shadow Joanna's Monday planning session so nights have a second planner who knows the tool.",
            ],
            "analysis": [
                "Attainment has been flat for two weeks; late re-sequencing breaks the plan before nights start it.",
                "Frozen window agreed but not kept: most re-sequences come from two customers' late changes accepted by phone.",
                "Short deliveries trace back to re-sequencing inside 24 hours; the scheduler is right, the floor is not using it.",
                "Adherence on nights is the gap: day shift plans in the system, nights on paper. Training and ownership, not software.",
                "The sponsor's absence these past weeks removed the only person who could say no to late re-sequences.",
            ],
            "plan": [
                "Weekly intervention on the frozen window: Joanna logs each late change and who accepted it.",
                "Customer service to route late retail changes through Joanna, not straight to the shift managers.",
                "Daily 30-minute check-in with Joanna until two weeks at 80% attainment. Training for the 8 night planners "
                "within two weeks. Named schedule owner per shift. Frozen window signed by Alan.",
                "Track re-sequence requests daily; any inside the window needs Joanna's sign-off. Kofi pilots on nights.",
                "Waste and overtime reviewed at every check-in; overtime only against a logged reason.",
            ],
            "escalation": [
                "No escalation yet; Alan informed by email of the trend.",
                "No escalation; review at the biweekly with the log of late changes.",
                "Escalated: executive session with Alan Mercer booked for next week to sign off the recovery plan.",
                "Escalation stays open until Alan confirms shift owners in writing.",
                "No further escalation today; review again at the biweekly with Alan present.",
            ],
        },
        attendees={"recovery": ["Joanna Briggs", "Kofi Mensah"], "intervention": ["Joanna Briggs"]},
        team=["Priti Shah (day shift planner)"],
        action_items=[
            ai(
                "Re-map the changeover matrix for the sauce line in the scheduler master data",
                "2026-05-22",
                "medium",
                "you",
                "biweekly review 2026-05-14",
                done="2026-05-22",
            ),
            ai("Root-cause the missed delivery to the retail DC", "2026-06-01", "high", "you", "biweekly review 2026-05-28", done="2026-06-01"),
            ai(
                "Get the eight untrained night-shift planners through scheduler training", "2026-06-12", "high", "you", "recovery check-in 2026-06-09"
            ),
            ai("Start a waste tally at shift handover on line 2", "2026-06-15", "medium", "you", "recovery check-in 2026-06-08"),
            ai(
                "Executive session with Alan Mercer: sign off recovery plan and a named schedule owner per shift",
                "2026-06-17",
                "high",
                "you",
                "recovery check-in 2026-06-08",
            ),
            ai(
                "Lock the frozen-schedule window at 48 hours and log every re-sequence request",
                "2026-06-19",
                "medium",
                "you",
                "biweekly review 2026-06-11",
            ),
        ],
        opportunities=[
            opp("Demand sensing add-on for retail promotions", "strategic_alignment", 110_000, 0, "lost", 50_000, 70_000, 4, 8, closed="2026-05-19"),
        ],
        ticket_plan=TicketPlan(
            count=34,
            hours=(5, 23),
            weekend=0.6,
            tau=20.0,
            floor=0.12,
            escalate=0.08,
            first_contact=0.45,
            slow=1.6,
            vocab={
                "system": "scheduler",
                "record": "production order",
                "records": "production orders",
                "report": "weekly plan view",
                "roles": "planners",
                "site": "line 2",
                "interface": "ERP order feed",
            },
            titles=[
                ("defect", "medium", "some", "Plan shows line 3 free during the allergen clean"),
                ("question", "low", "few", "How to move an order inside the frozen window with a reason"),
                ("data", "medium", "some", "Shelf-life days wrong for the new coleslaw range"),
                ("integration", "high", "some", "Late retail orders from the ERP arrive after the plan is published"),
                ("access", "low", "few", "Night planner locked out of the scheduler"),
                ("performance", "medium", "some", "Plan publish takes fifteen minutes at shift change"),
                ("question", "low", "few", "Why the scheduler puts two changeovers on the sauce line"),
                ("change_request", "medium", "some", "Flag orders re-sequenced inside 24 hours"),
            ],
            fixed=[
                tk("2026-04-03 10:40", "data", "Sauce line changeover times wrong in the scheduler master data", "medium", "some", 70, 1180.0),
                tk(
                    "2026-05-26 17:05",
                    "other",
                    "Short delivery to the retail DC: sauce order moved by phone, not in the plan",
                    "high",
                    "some",
                    25,
                    142.0,
                    escalated=True,
                ),
                tk(
                    "2026-06-12 21:40",
                    "integration",
                    "Night-shift plan not reaching the line terminals; lines 1-3 running from paper",
                    "high",
                    "many",
                    18,
                    None,
                    escalated=True,
                ),
            ],
        ),
        pulse_plan=PulsePlan(
            ["Alan Mercer", "Joanna Briggs", "Kofi Mensah", "Priti Shah"],
            every=(14, 21),
            window=60,
            offsets={"Alan Mercer": -0.5, "Joanna Briggs": 0.6, "Kofi Mensah": -0.8},
        ),
        learnings=[
            learned(
                "2026-04-30",
                "lesson",
                "Train every night-shift planner before go-live; catch-up sessions afterwards do not happen.",
                "Six of 14 planners were trained at go-live; the others kept the old spreadsheet and keyed the plan in afterwards.",
                "Joanna Briggs",
                "assessment 2026-04-30",
            ),
            learned(
                "2026-05-28",
                "lesson",
                "A frozen schedule window holds only when a sponsor in the room says no to late changes.",
                "The window was agreed weeks earlier, yet 40% of orders were re-sequenced inside 24 hours once Alan stopped attending.",
                "you",
                "biweekly review 2026-05-28",
            ),
            learned(
                "2026-06-05",
                "decision",
                "Daily 30-minute recovery check-ins with Joanna, and an executive session with Alan to sign off the recovery plan.",
                "The band went red: short deliveries, overtime up, night-shift planning off-system.",
                "you",
                "assessment 2026-06-05",
            ),
        ],
        checklist={
            "runbook": item(None, "Day-shift section written; the night-shift section is missing."),
            "troubleshooting-guide": item("2026-05-22", "Includes the corrected changeover matrix."),
            "decision-log": item("2026-05-14"),
            "internal-owner": item(None, "Joanna owns day shift; nobody named for nights yet. For Alan to sign off at the executive session."),
            "shadowing": item(None, "Kofi to shadow Joanna's Monday planning session."),
            "escalation-path": item("2026-06-05", "Joanna first, then Alan Mercer; agreed in the recovery plan."),
        },
    )


def quillon() -> ClientSpec:
    """Day 99: production flow redesign at a dental laboratory, heading for handover."""
    return ClientSpec(
        id="quillon-dental-labs",
        name="Quillon Dental Labs",
        tier="silver",
        go_live=d("2026-03-09"),
        owner="priya",
        investment=95_000,
        roi_target=160,
        savings_rate=8_500,
        contacts=[
            ("Hanna Lindqvist", "Managing Director", "hanna.lindqvist@quillonlabs.example"),
            ("Rafael Ortiz", "Production Supervisor", "rafael.ortiz@quillonlabs.example"),
        ],
        kpis=[
            training(20.0, 0.99, start=-30, tau=14),
            KpiSpec("process_adherence", "Case flow adherence", "leading", "%", "higher", 60.0, 90.0, tau=22, noise=0.02),
            KpiSpec("case_turnaround", "Case turnaround", "lagging", "days", "lower", 8.5, 6.0, tau=28, noise=0.025, dec=2),
            KpiSpec("remake_rate", "Remake rate", "lagging", "%", "lower", 5.6, 3.0, tau=30, noise=0.025, dec=2),
            KpiSpec("cost_per_case", "Cost per case", "lagging", "USD", "lower", 96.0, 82.0, plateau=1.05, tau=35, noise=0.02, dec=2),
            tickets(14, 6, spike=0.6, spike_tau=7, noise=0.03),
        ],
        early_shift=1,
        health=[(16, 8.1), (44, 8.4), (93, 8.7)],
        health_profile={"communication": 1, "expansion_interest": -1},
        latest_assessment=d("2026-06-09"),
        assessment_notes={
            d("2026-06-09"): "QBR. Five of six KPIs on target; remake rate within reach. Dr. Lindqvist wants to start handover "
            "next month and asked about digital impression intake. Green: ask for a testimonial.",
        },
        exceptions_all_from=d("2026-03-09"),
        skip={d("2026-04-06"): "Easter Monday; lab closed."},
        story={
            "issues": [
                "Clinic couriers drop cases without the intake checklist, so technicians chase prescriptions.",
                "Two technicians prefer the old job bags and skip the case tracker scan at milling.",
                "Crown and bridge cases still batch at the model room; flow breaks after lunch.",
                "Tracker screen in the finishing room is too far from the benches to read.",
                "Crown blanks ran out on Thursday again; nobody owns the reorder.",
                "Remakes on posterior crowns are mostly contact points; the design check happens too late.",
                "Morning intake peaks at 10:00 and the model room queues until noon.",
                "Rush cases from one clinic jump the queue without a flag in the tracker.",
            ],
            "wins": [
                "Every case scanned at intake this week for the first time.",
                "Rafael runs the morning case review himself now.",
                "Two-bin kanban for crown blanks stopped the Thursday stock-outs.",
                "Turnaround under seven days for three weeks running.",
                "Remakes down after the design check moved before milling.",
                "Clinics noticed: two sent thank-you notes about faster returns.",
                "Technicians now log remake reasons with a code without being asked.",
            ],
            "steps": [
                "Priya to update the intake checklist and send it to the clinic couriers.",
                "Rafael to make the tracker scan at milling part of the morning review.",
                "Walk the two job-bag technicians through the tracker one to one.",
                "Mount a second tracker screen in finishing.",
                "Rafael to move crown and bridge to the two-bin kanban.",
                "Name an owner for the crown blank reorder.",
                "Move the design check before milling for posterior crowns.",
                "Start coding remake reasons so the monthly review has real data.",
                "Add a rush flag to the tracker and agree the rules with the clinic.",
                "Level the morning intake: ask the two biggest clinics for a second courier slot.",
                "Review the remake codes with Rafael and pick the top two causes.",
                "Prepare the QBR pack: results, competitive picture, next-year goals.",
                "Start drafting the handover pack: KPI definitions, owners, review rhythm.",
            ],
            "optimization": [
                "Level the morning intake so the model room does not peak at 10:00.",
                "Cost per case could drop further by moving zirconia milling to a second shift.",
            ],
            "capability": [
                "Technicians trained to log remake reasons with a code, so the monthly review has real data.",
                "Rafael reads the flow board and adjusts staffing on his own; next is teaching the shift leads.",
            ],
        },
        qbr={
            d("2026-06-09"): [
                "Five of six KPIs on target. Turnaround 6 days against 8.5 before; remakes just above target.",
                "Dr. Lindqvist says two competing labs quote seven to ten days; Quillon now quotes six and keeps it.",
                "Goal for next year is growth with partner clinics without adding technicians; the new flow is the base for that.",
                "Digital impression intake for partner clinics discussed; she wants a demo of the options before deciding.",
            ],
        },
        action_items=[
            ai(
                "Update the case intake checklist and send it to clinic couriers",
                "2026-03-20",
                "low",
                "priya",
                "weekly review 2026-03-16",
                done="2026-03-19",
            ),
            ai("Move crown and bridge cases to the two-bin kanban", "2026-04-24", "medium", "priya", "weekly review 2026-04-13", done="2026-04-23"),
            ai(
                "Review the remake reason codes with Rafael and pick the top two causes",
                "2026-06-05",
                "medium",
                "priya",
                "weekly review 2026-05-25",
                done="2026-06-04",
            ),
            ai("Prepare the handover pack: KPI definitions, owners, review rhythm", "2026-06-22", "medium", "priya", "QBR 2026-06-09"),
            ai("Ask Dr. Lindqvist for a short testimonial quote", "2026-06-30", "low", "priya", "QBR 2026-06-09"),
        ],
        opportunities=[
            opp(
                "Digital impression intake for partner clinics",
                "capability_need",
                70_000,
                40,
                "qualified",
                25_000,
                35_000,
                4,
                8,
                "Demo the intake portal options to Dr. Lindqvist",
                "2026-06-10",
            ),
        ],
        ticket_plan=TicketPlan(
            count=24,
            hours=(7, 17),
            tau=12.0,
            floor=0.05,
            vocab={
                "system": "case tracker",
                "record": "case",
                "records": "cases",
                "report": "turnaround report",
                "roles": "technicians",
                "site": "the finishing room",
                "interface": "clinic portal sync",
            },
            titles=[
                ("question", "low", "few", "How to split a bridge case between two technicians"),
                ("defect", "low", "some", "Scan at milling records the wrong station"),
                ("data", "low", "few", "Clinic name misspelt on cases from the portal"),
                ("change_request", "low", "some", "Add remake reason codes to the case tracker"),
                ("access", "low", "few", "Finishing room tablet needs a new login"),
                ("integration", "medium", "some", "Portal cases arrive without the prescription PDF"),
            ],
            fixed=[
                tk("2026-03-24 13:30", "other", "Tracker screen in the finishing room too far from the benches to read", "low", "some", 55, 72.0),
                tk("2026-05-12 09:15", "change_request", "Rush cases need a flag in the case tracker", "medium", "some", 40, 50.0),
            ],
        ),
        pulse_plan=PulsePlan(["Hanna Lindqvist", "Rafael Ortiz"], every=(14, 21)),
        learnings=[
            learned(
                "2026-04-23",
                "lesson",
                "Every stock item on the line gets a two-bin kanban and a named owner for the reorder.",
                "Crown blanks ran out three Thursdays running because nobody owned the reorder.",
                "Rafael Ortiz",
                "weekly review 2026-04-20",
            ),
            learned(
                "2026-05-11",
                "decision",
                "Move the design check before milling for posterior crowns.",
                "Most remakes were contact points found after milling, when the only fix is a new crown.",
                "Rafael Ortiz",
                "weekly review 2026-05-11",
            ),
            learned(
                "2026-06-09",
                "decision",
                "Start handover next month with a pack of KPI definitions, owners and the review rhythm.",
                "Five of six KPIs are on target and Rafael runs the morning review himself.",
                "Hanna Lindqvist",
                "QBR 2026-06-09",
            ),
        ],
        checklist={
            "runbook": item(None, "Handover pack in draft, due next week."),
            "troubleshooting-guide": item("2026-05-27"),
            "decision-log": item("2026-06-09", "Walked through at the QBR."),
            "internal-owner": item("2026-05-11", "Rafael Ortiz owns the flow board and the remake review."),
            "shadowing": item("2026-04-20"),
            "reverse-shadowing": item("2026-06-04", "Priya watched Rafael run the morning case review on his own."),
            "governance-cadence": item(None, "Monthly review with Hanna from next month; dates still to book."),
        },
    )


def pellworth() -> ClientSpec:
    """Month 5, YELLOW: lean assembly line at a bicycle maker; enthusiasm fading in the reality phase."""
    return ClientSpec(
        id="pellworth-cycle-works",
        name="Pellworth Cycle Works",
        tier="silver",
        go_live=d("2026-01-28"),
        owner="you",
        investment=120_000,
        roi_target=150,
        savings_rate=11_000,
        contacts=[
            ("Owen Tranter", "Operations Manager", "owen.tranter@pellworthcycles.example"),
            ("Bea Kowalczyk", "Assembly Line Lead", "bea.kowalczyk@pellworthcycles.example"),
        ],
        kpis=[
            training(0.0, 0.9, start=-30, tau=20),
            KpiSpec("line_adherence", "Line standard adherence", "leading", "%", "higher", 50.0, 90.0, plateau=0.85, tau=25, noise=0.012),
            KpiSpec(
                "improvement_suggestions",
                "Improvement suggestions (rolling 7 days)",
                "leading",
                "count",
                "higher",
                1,
                10,
                plateau=0.8,
                tau=20,
                noise=0.03,
                dec=0,
                fade=(70, 0.5),
            ),
            KpiSpec(
                "assembly_cycle_time", "Assembly cycle time per bike", "lagging", "h", "lower", 3.4, 2.5, plateau=0.7, tau=30, noise=0.012, dec=2
            ),
            KpiSpec("on_time_delivery", "On-time delivery to dealers", "lagging", "%", "higher", 84.0, 95.0, plateau=0.65, tau=30, noise=0.015),
            KpiSpec("warranty_claim_rate", "Warranty claim rate", "lagging", "%", "lower", 2.9, 1.8, plateau=0.5, tau=40, noise=0.015, dec=2),
            KpiSpec("rework_hours", "Rework hours (rolling 7 days)", "diagnostic", "h", "lower", 65, 30, plateau=0.55, tau=30, noise=0.015, dec=0),
            tickets(12, 5, spike=0.6, spike_tau=8, plateau=0.85, noise=0.03),
        ],
        health=[(15, 8.2), (57, 8.6), (71, 8.1), (85, 7.7), (127, 6.9)],
        health_profile={"engagement": -1, "expansion_interest": -1, "achievement": 0.3},
        latest_assessment=d("2026-06-03"),
        late_step=14,
        assessment_notes={
            d("2026-04-08"): "End of hyper-care approaching. Cycle time and delivery improved but both short of target; "
            "warranty claims only half-way. Team energy lower than two months ago. Green, just.",
            d("2026-04-22"): "First yellow. Scores down on engagement and leadership: Owen is moving the warehouse and the "
            "line reviews have lost their owner. Results flat for three weeks. Weekly intervention plan.",
            d("2026-05-06"): "Spring volume is up and the line is running three new hires who never had the line training. "
            "Adherence audits still fine on day shift, afternoon shift stopped the daily huddle. Yellow.",
            d("2026-05-20"): "Suggestion board has gone quiet (half the suggestions of two months ago). Owen is stretched across the new "
            "warehouse move. Wheel truing rework found and fixed. Still yellow; results have stalled, not fallen.",
            d("2026-06-03"): "Yellow again. On-time delivery and cycle time are holding but short of target, and the team side "
            "is fading: no afternoon huddles, suggestions down, new hires untrained. Intervention plan: restart "
            "huddles, train the spring hires, relaunch the suggestion board with a weekly 15-minute review.",
        },
        done_dates=[d("2026-04-28"), d("2026-05-13"), d("2026-05-28")],
        story={
            "issues": [
                "Afternoon shift has dropped its daily huddle; issues wait until the next morning.",
                "Three spring hires work at stations 2 and 5 without the line training.",
                "Wheel truing rework is back after the supplier changed rim batches.",
            ],
            "wins": [
                "Cycle time holding around 2.8 hours per bike through the spring peak.",
                "Bea rebuilt the station 4 fixture and took ten minutes out of the fork fit.",
            ],
            "steps": [
                "Owen to book the three spring hires on line training.",
                "Bea to restart the afternoon huddle, 10 minutes at 14:00.",
                "Relaunch the suggestion board with a weekly 15-minute review.",
            ],
            "analysis": [
                "Results stalled rather than fell: cycle time and delivery hold, but the routines that produced them are thinning "
                "out on the afternoon shift.",
            ],
            "plan": [
                "Restart afternoon huddles this week; train the spring hires within two weeks; weekly suggestion review on Fridays.",
            ],
            "escalation": ["No escalation yet. If the next review is still yellow, bring Owen's manager into the monthly."],
            "optimization": [
                "Kitting for the e-bike variant would take the battery fitting off the line.",
                "Wheelset quality from the new supplier is the biggest single driver of rework and warranty claims.",
            ],
            "capability": [
                "Bea can run the line audits alone now; the afternoon lead still needs coaching.",
            ],
        },
        qbr={
            d("2026-04-28"): [
                "Cycle time 2.8 h against 3.4 before; on-time delivery 91% against 95% target. Warranty claims only half-way.",
                "Dealers report shorter waits than from the two bigger brands this spring.",
                "Owen wants the line ready for the e-bike variant in autumn; the standard work is the base for it.",
                "Wheelset quality came up as a possible follow-on; park until the line is back on track.",
            ],
        },
        team=["Callum Reyes (afternoon shift lead)"],
        action_items=[
            ai("Swap the worn torque drivers on station 4", "2026-05-15", "low", "you", "QBR 2026-04-28", done="2026-05-15"),
            ai("Root-cause the wheel truing rework with Bea", "2026-05-29", "medium", "you", "intervention 2026-05-13", done="2026-05-29"),
            ai("Restart daily huddles on the afternoon shift", "2026-06-08", "high", "you", "intervention 2026-05-13"),
            ai("Relaunch the suggestion board with a weekly 15-minute review", "2026-06-15", "medium", "you", "monthly session 2026-05-28"),
            ai("Book the three spring hires on line training (first date fell through; rebooked)", "2026-06-19", "medium", "you", "QBR 2026-04-28"),
        ],
        opportunities=[
            opp(
                "Supplier quality program for wheelsets",
                "performance_gap",
                45_000,
                20,
                "identified",
                15_000,
                25_000,
                7,
                10,
                "Quantify wheelset rework and warranty cost with Owen",
                "2026-06-24",
            ),
        ],
        ticket_plan=TicketPlan(
            count=20,
            hours=(7, 17),
            tau=12.0,
            floor=0.05,
            bump=(95, 0.05),
            vocab={
                "system": "line tablet app",
                "record": "build order",
                "records": "build orders",
                "report": "line audit sheet",
                "roles": "assemblers",
                "site": "station 5",
                "interface": "ERP build order sync",
            },
            titles=[
                ("question", "low", "few", "Which torque setting applies to the new e-bike fork"),
                ("defect", "low", "some", "Work instruction for station 4 still shows the old fixture"),
                ("data", "medium", "some", "Build order for the gravel model lists the wrong wheelset"),
                ("change_request", "low", "some", "Add the suggestion board to the line audit sheet"),
                ("question", "low", "some", "How to book rework time against a frame number"),
            ],
            fixed=[
                tk("2026-05-07 14:20", "access", "Three spring hires have no login for the line tablets", "medium", "few", 35, 26.0),
            ],
        ),
        pulse_plan=PulsePlan(["Owen Tranter", "Bea Kowalczyk", "Callum Reyes"], offsets={"Bea Kowalczyk": 0.5, "Callum Reyes": -0.5}),
        learnings=[
            learned(
                "2026-05-06",
                "lesson",
                "New hires do the line training before they join the line, even at the spring peak.",
                "Three spring hires learned stations 2 and 5 from colleagues, and rework rose at both.",
                "you",
                "assessment 2026-05-06",
            ),
            learned(
                "2026-05-29",
                "lesson",
                "Re-check the standard work whenever a supplier changes a part batch.",
                "Wheel truing rework came back when the rim supplier changed batches and nothing on the line changed with it.",
                "Bea Kowalczyk",
                "intervention 2026-05-13",
            ),
            learned(
                "2026-06-03",
                "decision",
                "If the review in two weeks is still yellow, bring Owen's manager into the monthly session.",
                "Owen is stretched by the warehouse move and the line reviews have lost their owner.",
                "you",
                "assessment 2026-06-03",
            ),
        ],
    )


def corvane() -> ClientSpec:
    """Month 10, YELLOW and BACKSLIDING: transport planning at a freight company."""
    fade_day = 120
    return ClientSpec(
        id="corvane-freight",
        name="Corvane Freight Systems",
        tier="platinum",
        go_live=d("2025-09-03"),
        owner="you",
        investment=420_000,
        roi_target=250,
        seven_day=True,
        savings_rate=58_000,
        savings_fade=(4, 0.6),
        contacts=[
            ("Nadia Ferreira", "Chief Operating Officer", "nadia.ferreira@corvanefreight.example"),
            ("Liam Doherty", "Head of Transport Planning", "liam.doherty@corvanefreight.example"),
            ("Yusuf Adeyemi", "Continuous Improvement Lead", "yusuf.adeyemi@corvanefreight.example"),
        ],
        kpis=[
            KpiSpec(
                "training_completion",
                "Training completion",
                "leading",
                "%",
                "higher",
                0.0,
                100.0,
                plateau=0.98,
                start=-40,
                tau=18,
                noise=0.004,
                fade=(190, 0.86),
            ),
            KpiSpec(
                "planning_adherence",
                "Load planning standard adherence",
                "leading",
                "%",
                "higher",
                48.0,
                90.0,
                plateau=1.02,
                tau=25,
                noise=0.015,
                fade=(fade_day, 0.62),
            ),
            KpiSpec(
                "improvement_suggestions",
                "Improvement suggestions (rolling 7 days)",
                "leading",
                "count",
                "higher",
                2,
                10,
                plateau=1.1,
                tau=25,
                noise=0.03,
                dec=0,
                fade=(fade_day, 0.35),
            ),
            KpiSpec(
                "cost_per_shipment",
                "Cost per shipment",
                "lagging",
                "USD",
                "lower",
                212.0,
                175.0,
                plateau=1.08,
                tau=30,
                noise=0.02,
                dec=2,
                fade=(fade_day, 0.52),
            ),
            KpiSpec(
                "on_time_delivery", "On-time delivery", "lagging", "%", "higher", 86.0, 95.0, plateau=1.08, tau=30, noise=0.02, fade=(fade_day, 0.45)
            ),
            KpiSpec(
                "load_factor", "Average load factor", "lagging", "%", "higher", 71.0, 85.0, plateau=1.05, tau=35, noise=0.02, fade=(fade_day, 0.6)
            ),
            KpiSpec(
                "damage_claim_rate",
                "Damage claim rate",
                "lagging",
                "%",
                "lower",
                1.9,
                1.0,
                plateau=1.05,
                tau=40,
                noise=0.02,
                dec=2,
                fade=(fade_day + 20, 0.65),
            ),
            KpiSpec(
                "rework_hours",
                "Planning rework hours (rolling 7 days)",
                "diagnostic",
                "h",
                "lower",
                180,
                70,
                plateau=1.05,
                tau=30,
                noise=0.02,
                dec=0,
                fade=(fade_day, 0.55),
            ),
            tickets(25, 10, spike=1.2, spike_tau=10, plateau=1.05, noise=0.02),
            uptime(99.3, 99.8, step=0.8, noise=0.04),
        ],
        health=[(15, 8.3), (57, 8.8), (120, 8.6), (148, 8.1), (162, 7.7), (286, 6.8)],
        health_profile={"communication": 1, "satisfaction": 0.5, "sustainability": -0.6},
        latest_assessment=d("2026-06-03"),
        assessment_notes={
            d("2026-01-14"): "Still green but the first soft signs: cost per shipment up about $3 from last month's best and "
            "planning adherence audits a few points lower at the north depot. Last month's peak volumes may "
            "explain part of it. Watch next month.",
            d("2026-02-11"): "Yellow. The slide is real: on-time delivery, load factor and cost per shipment all off their "
            "best for six weeks. North depot planners skip the load standard when volume is high. Weekly "
            "interventions with Liam start now.",
            d("2026-03-11"): "Still yellow. Two experienced north depot planners left; their replacements were shown the tool "
            "by colleagues, not trained. Improvement suggestions have almost stopped.",
            d("2026-04-08"): "Yellow, no better. Liam attends the interventions but the depot KPI boards have not been "
            "updated for a week or more. Nadia asked for a proper look at the numbers at the QBR in two months.",
            d("2026-05-06"): "Cost per shipment has given back about a third of the gain over four months. Planning adherence "
            "audits at the north depot are the weak spot; two experienced planners left two months ago and their "
            "replacements learned from colleagues, not from the standard. Yellow.",
            d("2026-06-03"): "QBR. Results still well above the pre-project baseline, but every lagging KPI is off its peak: "
            "cost per shipment, on-time delivery, load factor and damage claims all slipping since the new "
            "year. Classic reality-phase slide: routines thinned out once we stepped back. Nadia engaged and "
            "wants a sustainment plan, not a new project. Yellow; weekly interventions continue.",
        },
        done_dates=[d("2026-06-03"), d("2026-06-10")],
        story={
            "analysis": [
                "Cost per shipment slid from its best; the north depot plans outside the standard on about a third "
                "of loads, and the untrained new starters account for most of it.",
            ],
            "plan": [
                "Re-audit load plans against the standard on all three depots; induction module for new planners; reset the "
                "depot KPI boards; weekly planning review at the north depot with Liam.",
            ],
            "escalation": [
                "Nadia has the backsliding analysis; sponsor review booked. No further escalation while the re-audit runs.",
            ],
            "issues": ["Depot KPI boards had not been updated for weeks."],
            "wins": ["South depot held its numbers; its planning lead can coach the north depot."],
            "steps": [
                "Liam to run the first re-audit at the north depot this week.",
                "Yusuf to restart the weekly suggestion review at the north depot; Martin to present the first re-audit results next week.",
            ],
        },
        qbr={
            d("2026-06-03"): [
                "Against baseline: cost per shipment still about $10 lower, on-time delivery up 3 points, load factor up. But "
                "each is well off its peak of half a year ago; retained share under 60% on cost and on-time delivery.",
                "Two regional competitors are now offering next-day slots at our old price; the gains we lose are exactly the "
                "margin that let Corvane match them.",
                "Nadia's priority for the next year is margin, not volume. A sustainment plan fits that; a new module does not yet.",
                "Cross-dock scheduling raised by Liam; agreed to hold until planning adherence is back above 85%.",
            ],
        },
        team=["Martin Hale (north depot planning lead)"],
        attendees={"intervention": ["Liam Doherty", "Yusuf Adeyemi", "Martin Hale"]},
        action_items=[
            ai("Pull month-by-month cost per shipment by depot", "2026-06-05", "medium", "you", "QBR 2026-06-03", done="2026-06-05"),
            ai("Reset the depot KPI boards (not updated for two months)", "2026-06-11", "low", "you", "QBR 2026-06-03", done="2026-06-11"),
            ai("Present the backsliding analysis and sustainment plan to Nadia Ferreira", "2026-06-12", "high", "you", "QBR 2026-06-03"),
            ai("Re-establish the weekly planning review at the north depot", "2026-06-15", "medium", "you", "intervention 2026-06-10"),
            ai("Re-audit load plans against the planning standard at all three depots", "2026-06-19", "high", "you", "intervention 2026-06-10"),
            ai(
                "Planning tool induction module for new starters (nine joined untrained over the past three months)",
                "2026-06-26",
                "medium",
                "you",
                "QBR 2026-06-03",
            ),
        ],
        opportunities=[
            opp(
                "Cross-dock scheduling module",
                "capability_need",
                150_000,
                15,
                "identified",
                60_000,
                90_000,
                13,
                18,
                "Hold until planning adherence is back above 85%; revisit at the next QBR",
                "2026-09-03",
            ),
            opp(
                "Carrier rate benchmarking",
                "competitive_response",
                120_000,
                35,
                "qualified",
                25_000,
                40_000,
                11,
                13,
                "Send Liam the benchmark scope and data request",
                "2026-06-12",
            ),
        ],
        ticket_plan=TicketPlan(
            count=26,
            hours=(6, 21),
            weekend=0.4,
            tau=12.0,
            floor=0.035,
            bump=(190, 0.05),
            vocab={
                "system": "planning tool",
                "record": "load plan",
                "records": "load plans",
                "report": "depot KPI board",
                "roles": "planners",
                "site": "the north depot",
                "interface": "carrier booking feed",
            },
            titles=[
                ("question", "low", "few", "How to split a load across two trailers"),
                ("defect", "medium", "some", "Load plan loses the tail-lift flag when copied"),
                ("data", "medium", "some", "Postcode zones for the north depot out of date"),
                ("integration", "medium", "some", "Carrier booking feed rejected three bookings overnight"),
                ("performance", "medium", "many", "Planning tool slow while the evening loads are built"),
                ("change_request", "low", "some", "Show the load factor on the depot KPI board"),
                ("access", "low", "few", "New north depot planner needs planning tool access"),
            ],
            fixed=[
                tk(
                    "2025-09-03 06:35", "integration", "Carrier booking feed rejects every load after cutover", "high", "many", 5, 2.6, escalated=True
                ),
                tk(
                    "2026-06-09 10:05",
                    "question",
                    "New north depot planner asks how the load standard treats mixed pallets",
                    "low",
                    "few",
                    20,
                    0.4,
                    first_contact=True,
                ),
            ],
        ),
        pulse_plan=PulsePlan(["Nadia Ferreira", "Liam Doherty", "Yusuf Adeyemi", "Martin Hale"], window=120),
        learnings=[
            learned(
                "2026-02-11",
                "lesson",
                "Step back in stages: keep a monthly audit of the planning standard after the weekly reviews end.",
                "North depot adherence slipped within weeks of the weekly reviews stopping, and the lagging KPIs followed.",
                "you",
                "assessment 2026-02-11",
            ),
            learned(
                "2026-03-11",
                "lesson",
                "Replacement planners get the standard training, not a walk-through from a colleague.",
                "The replacements for the two planners who left learned the workarounds along with the tool; most off-standard loads are theirs.",
                "Liam Doherty",
                "assessment 2026-03-11",
            ),
            learned(
                "2026-06-03",
                "decision",
                "A sustainment plan first; the cross-dock module waits until planning adherence is back above 85%.",
                "Nadia's priority for the year is margin, and the slide is in the routines, not the software.",
                "Nadia Ferreira",
                "QBR 2026-06-03",
            ),
        ],
    )


def meridale() -> ClientSpec:
    """Month 14, green: inventory and replenishment at a medical supplies distributor."""
    return ClientSpec(
        id="meridale-health-supplies",
        name="Meridale Health Supplies",
        tier="gold",
        go_live=d("2025-05-06"),
        owner="sam",
        investment=260_000,
        roi_target=180,
        savings_rate=74_000,
        contacts=[
            ("Claire Whitcombe", "Supply Chain Director", "claire.whitcombe@meridalehealth.example"),
            ("Ravi Menon", "Inventory Control Manager", "ravi.menon@meridalehealth.example"),
        ],
        kpis=[
            training(15.0, 0.98, start=-35, tau=16),
            KpiSpec(
                "replenishment_adherence",
                "Replenishment rule adherence",
                "leading",
                "%",
                "higher",
                55.0,
                90.0,
                plateau=1.03,
                tau=30,
                noise=0.02,
                honeymoon=0.05,
            ),
            KpiSpec(
                "improvement_suggestions",
                "Improvement suggestions (rolling 7 days)",
                "leading",
                "count",
                "higher",
                1,
                6,
                plateau=1.1,
                tau=35,
                noise=0.025,
                dec=0,
            ),
            KpiSpec("order_fill_rate", "Order fill rate", "lagging", "%", "higher", 91.5, 97.5, plateau=1.02, tau=40, noise=0.025),
            KpiSpec(
                "cost_per_order", "Cost per order", "lagging", "USD", "lower", 18.40, 15.50, plateau=1.06, tau=45, noise=0.02, dec=2, honeymoon=0.05
            ),
            KpiSpec("inventory_accuracy", "Inventory record accuracy", "lagging", "%", "higher", 94.0, 99.0, plateau=0.99, tau=35, noise=0.02, dec=2),
            KpiSpec("days_of_stock", "Days of stock on hand", "lagging", "days", "lower", 46.0, 34.0, plateau=1.05, tau=60, noise=0.02),
            tickets(11, 5, spike=1.0, spike_tau=10, noise=0.03),
        ],
        health=[(15, 8.0), (57, 8.5), (127, 8.2), (155, 7.7), (183, 7.8), (211, 8.3), (300, 8.7), (393, 8.8)],
        health_profile={"expansion_interest": 1, "trend": -0.4},
        latest_assessment=d("2026-06-02"),
        assessment_notes={
            d("2025-09-23"): "A dip: fill rate and replenishment adherence off their highs of two months ago while two inventory "
            "controllers were on leave and temps covered. Yellow; weekly interventions with Ravi until the "
            "team is back.",
            d("2025-10-21"): "Still just yellow. Team back from leave, adherence recovering, but the temps' manual overrides "
            "left some bad minimum levels that Ravi is cleaning up.",
            d("2025-11-18"): "Back to green. Minimum levels cleaned up and the override log is reviewed every Friday by "
            "Ravi. Fill rate back above target.",
            d("2026-05-05"): "Twelve-month review ahead of the QBR. Every lagging KPI on target except days of stock, which is "
            "a day short. Ravi's team runs the replenishment rules without us. Claire interested in the "
            "second distribution centre.",
            d(
                "2026-06-02"
            ): "First check since the scheduled touchpoints ended. Results holding through the spring flu-season peak. Revised proposal for "
            "the second DC is with Claire. Green; ask for a case study.",
        },
        done_dates=[d("2026-05-06")],
        qbr={
            d("2026-05-06"): [
                "Fill rate 97.8% against 91.5% at baseline; cost per order under target for six months.",
                "Two hospital groups moved orders to Meridale after the winter, citing reliability.",
                "Claire's plan for next year is a second distribution centre; replenishment rules are the base for it.",
                "Second-DC rollout discussed: Claire asked for a revised proposal with a phased start.",
            ],
        },
        story={"steps": ["Sam to send the revised second-DC proposal with a phased start."]},
        action_items=[
            ai("Send the revised second-DC proposal draft to Claire", "2026-06-05", "medium", "sam", "QBR 2026-05-06", done="2026-06-05"),
            ai("Collect Q2 fill-rate data for the case study", "2026-06-22", "medium", "sam", "assessment 2026-06-02"),
            ai("Confirm sustainment review dates for the second half", "2026-07-03", "low", "sam"),
        ],
        opportunities=[
            opp(
                "Supplier scorecards and vendor-managed inventory pilot",
                "strategic_alignment",
                95_000,
                100,
                "won",
                40_000,
                55_000,
                9,
                13,
                closed="2026-01-14",
            ),
            opp(
                "Replenishment model for the second distribution centre",
                "strategic_alignment",
                260_000,
                60,
                "proposed",
                120_000,
                160_000,
                15,
                21,
                "Follow up on the revised proposal with Claire",
                "2026-06-19",
            ),
            opp("Warehouse slotting study", "performance_gap", 40_000, 0, "lost", 20_000, 30_000, 11, 13, closed="2026-03-10"),
        ],
        ticket_plan=TicketPlan(
            count=18,
            hours=(7, 17),
            tau=12.0,
            floor=0.03,
            vocab={
                "system": "replenishment tool",
                "record": "purchase proposal",
                "records": "purchase proposals",
                "report": "fill-rate report",
                "roles": "inventory controllers",
                "site": "the pick face",
                "interface": "supplier EDI link",
            },
            titles=[
                ("question", "low", "few", "How to override a minimum level with a reason"),
                ("data", "medium", "some", "Supplier lead times not updated after the price file"),
                ("defect", "medium", "few", "Purchase proposal rounds pack sizes down"),
                ("integration", "medium", "some", "Supplier EDI link sent no order confirmations overnight"),
                ("change_request", "low", "some", "Add days of stock to the weekly fill-rate report"),
                ("access", "low", "few", "Temporary inventory controller needs read-only access"),
            ],
            fixed=[
                tk("2025-09-16 09:40", "data", "Minimum levels overwritten by manual overrides during the summer cover", "medium", "some", 45, 150.0),
            ],
        ),
        pulse_plan=PulsePlan(["Claire Whitcombe", "Ravi Menon"], every=(21, 28)),
        outcomes=[
            outcome("2025-08-04", "extended", "Ninety-day hyper-care extended into a sustainment year with monthly reviews."),
            outcome(
                "2026-05-06",
                "renewed",
                "Renewed at the twelve-month QBR for a second year of quarterly sustainment reviews; the second-DC work is quoted separately.",
            ),
        ],
        testimonials=[testimonial("2025-12-02", "given", "2025-12-16"), testimonial("2026-06-02")],
        referrals=[
            referral(
                "2025-08-20",
                "Quillon Dental Labs",
                True,
                "Claire introduced Dr. Lindqvist, a long-standing customer; signed three months before going live.",
            ),
            referral(
                "2026-05-06", "Northgate Hospital Group central stores", False, "Intro call with their stores manager planned in about two months."
            ),
        ],
        learnings=[
            learned(
                "2025-09-23",
                "lesson",
                "Plan cover for summer leave: temporary staff need the replenishment rules explained, not just a login.",
                "Manual overrides by the temps left wrong minimum levels and the fill rate dipped for six weeks.",
                "Ravi Menon",
                "assessment 2025-09-23",
            ),
            learned(
                "2025-11-18",
                "decision",
                "Ravi reviews the override log every Friday.",
                "Overrides are where the rules quietly stop being followed.",
                "Ravi Menon",
                "assessment 2025-11-18",
            ),
            learned(
                "2026-05-06",
                "decision",
                "Propose the second distribution centre with a phased start.",
                "Claire wants the routines proven in the new building before every product line moves.",
                "Claire Whitcombe",
                "QBR 2026-05-06",
            ),
        ],
    )


def ashgrove() -> ClientSpec:
    """Month 20, handed over: scheduling and estimating workflow at a commercial printer."""
    return ClientSpec(
        id="ashgrove-print-studio",
        name="Ashgrove Print Studio",
        tier="silver",
        go_live=d("2024-10-22"),
        owner="priya",
        investment=85_000,
        roi_target=200,
        status="handed_over",
        savings_rate=17_000,
        contacts=[
            ("Patrick Dunmore", "Owner and Managing Director", "patrick.dunmore@ashgroveprint.example"),
            ("Elise Moreau", "Production Manager", "elise.moreau@ashgroveprint.example"),
        ],
        kpis=[
            training(30.0, 0.99, start=-30, tau=15),
            KpiSpec(
                "job_ticket_adherence", "Job ticket adherence", "leading", "%", "higher", 60.0, 92.0, plateau=1.0, tau=30, noise=0.02, honeymoon=0.06
            ),
            KpiSpec(
                "job_turnaround", "Job turnaround", "lagging", "days", "lower", 5.8, 4.0, plateau=1.05, tau=35, noise=0.025, dec=2, honeymoon=0.05
            ),
            KpiSpec("makeready_time", "Makeready time", "lagging", "h", "lower", 1.6, 1.1, plateau=1.0, tau=40, noise=0.025, dec=2),
            KpiSpec("waste_rate", "Paper waste", "lagging", "%", "lower", 9.5, 6.0, plateau=1.04, tau=45, noise=0.025, dec=2),
            KpiSpec("cost_per_job", "Cost per job", "lagging", "USD", "lower", 410.0, 360.0, plateau=1.08, tau=50, noise=0.02, dec=2),
            KpiSpec("rework_hours", "Rework hours (rolling 7 days)", "diagnostic", "h", "lower", 38, 18, plateau=1.0, tau=35, noise=0.03, dec=0),
        ],
        health=[(15, 8.0), (85, 8.6), (200, 8.4), (360, 8.8), (600, 8.9)],
        health_profile={"communication": -0.6, "satisfaction": 1, "expansion_interest": 0.4},
        latest_assessment=d("2026-05-26"),
        late_step=42,
        assessment_notes={
            d("2025-10-28"): "Twelve months in and handed over. Elise owns the weekly review; all lagging KPIs on target. "
            "From now on a sustainment call every six weeks.",
            d("2026-05-26"): "Sustainment call. Handed over more than half a year ago; Elise runs the weekly review on her own and "
            "every lagging KPI is on target. Wide-format rollout finished. Patrick happy to be a reference.",
        },
        action_items=[
            ai("Handover pack signed off by Patrick and Elise", "2025-11-14", "medium", "priya", "handover review 2025-10-22", done="2025-11-14"),
            ai(
                "Ask Patrick for a referral to the regional printers' association",
                "2026-05-29",
                "low",
                "priya",
                "assessment 2026-05-26",
                done="2026-05-28",
            ),
            ai("Sustainment call: check waste on the new press", "2026-06-29", "low", "priya"),
        ],
        opportunities=[
            opp("Wide-format department scheduling rollout", "capability_need", 48_000, 100, "won", 18_000, 24_000, 14, 18, closed="2025-11-20"),
            opp(
                "Estimating templates and quote turnaround program",
                "performance_gap",
                36_000,
                55,
                "proposed",
                12_000,
                16_000,
                20,
                23,
                "Walk Patrick through the proposal on the sustainment call",
                "2026-06-29",
            ),
        ],
        ticket_plan=TicketPlan(
            count=0,
            fixed=[
                tk(
                    "2025-12-09 10:20",
                    "question",
                    "How to schedule a wide-format job across both printers",
                    "low",
                    "few",
                    40,
                    0.5,
                    first_contact=True,
                ),
                tk("2026-01-21 08:50", "access", "New estimator needs a job scheduler login", "low", "few", 25, 3.0),
                tk("2026-03-04 13:15", "defect", "Press schedule shows the new press twice", "medium", "some", 50, 22.0),
                tk("2026-04-15 11:05", "change_request", "Show paper stock on order on the job ticket", "low", "some", 90, 160.0),
                tk("2026-06-11 15:40", "question", "Which makeready standard applies to the new press", "low", "few", 120, None),
            ],
        ),
        pulse_plan=PulsePlan(["Patrick Dunmore", "Elise Moreau"], every=(21, 28)),
        outcomes=[
            outcome("2025-04-23", "extended", "Support extended from six to twelve months to see the estimating team through its first busy season."),
            outcome(
                "2025-11-14",
                "ended",
                "Engagement ended at handover with the signed handover pack; Elise's team runs "
                "the weekly review and sustainment calls come every six weeks.",
            ),
        ],
        testimonials=[testimonial("2025-11-14", "given", "2025-11-27")],
        referrals=[
            referral(
                "2026-05-28", "Regional printers' association", False, "Patrick to introduce us at their members' meeting in about three months."
            ),
        ],
        learnings=[
            learned(
                "2025-10-28",
                "decision",
                "Move to a sustainment call every six weeks after handover.",
                "Elise runs the weekly review on her own and every lagging KPI is on target.",
                "Patrick Dunmore",
                "assessment 2025-10-28",
            ),
            learned(
                "2025-11-14",
                "lesson",
                "A handover pack signed by the owner, with a named owner per KPI, makes the handover stick.",
                "Nothing came back to us in the first month after handover.",
                "priya",
                "handover pack sign-off 2025-11-14",
            ),
        ],
        checklist={
            "runbook": item("2025-09-30"),
            "troubleshooting-guide": item("2025-10-06"),
            "decision-log": item("2025-10-14"),
            "internal-owner": item("2025-09-16", "Elise Moreau owns the weekly review."),
            "shadowing": item("2025-09-24"),
            "reverse-shadowing": item("2025-10-08"),
            "escalation-path": item("2025-10-20"),
            "governance-cadence": item("2025-11-14", "Weekly review run by Elise; sustainment calls every six weeks."),
        },
    )


# ---------------------------------------------------------------- readings


def reading_dates(spec: ClientSpec) -> list[date]:
    """Daily (or working-daily) around go-live and for 90 days after, then twice a week, then weekly."""
    go_live, last = spec.go_live, AS_OF - DAY
    days_live = (AS_OF - go_live).days
    daily_ok = (lambda on: True) if spec.seven_day else CALENDAR.is_working
    dates: list[date] = []
    if days_live < 120:
        start = min(go_live - timedelta(days=28), AS_OF - timedelta(days=95))
        on = start
        while on < go_live:
            if daily_ok(on):
                dates.append(on)
            on += DAY
    else:
        dates.extend(go_live - timedelta(days=7 * k) for k in range(8, 0, -1))
    on = go_live
    while on <= last:
        n = day_number(go_live, on)
        if n <= 90:
            keep = daily_ok(on)
        elif n <= 365:
            keep = on.weekday() in (0, 3)
        else:
            keep = on.weekday() == 0
        if keep:
            dates.append(on)
        on += DAY
    return dates


def truncated_gauss(rng: random.Random, sd: float) -> float:
    return max(-2.0, min(2.0, rng.gauss(0.0, 1.0))) * sd


def smoothstep(x: float) -> float:
    x = max(0.0, min(1.0, x))
    return x * x * (3 - 2 * x)


def gap_share(k: KpiSpec, t: int, t_end: int) -> float:
    """Share of the baseline->target gap achieved t days after go-live."""
    if t < k.start:
        g = 0.0
    else:
        g = 1 - math.exp(-(t - k.start) / k.tau)
    if t >= 0 and k.step:
        g = k.step + (1 - k.step) * g
    f = k.plateau * g
    if k.honeymoon and t > 0:
        f += k.honeymoon * (t / 45) * math.exp(1 - t / 45)
    if k.fade and t > k.fade[0]:
        peak_day, kept = k.fade
        f *= 1 - (1 - kept) * smoothstep((t - peak_day) / max(1, t_end - peak_day))
    return f


def build_readings(spec: ClientSpec, k: KpiSpec, dates: list[date], rng: random.Random) -> list[Reading]:
    gap = k.target - k.baseline
    worse = -1 if k.direction == "higher" else 1
    t_end = (AS_OF - spec.go_live).days
    readings: list[Reading] = []
    best_so_far = None
    for on in dates:
        t = (on - spec.go_live).days
        value = k.baseline + gap * gap_share(k, t, t_end)
        if k.spike and t >= 0:
            value += worse * k.spike * k.baseline * math.exp(-t / k.spike_tau)
        floor = k.noise_abs if k.noise_abs is not None else (0.45 if k.unit == "count" else 0.0)
        value += truncated_gauss(rng, max(k.noise * abs(gap), floor))
        if k.unit == "%":
            value = min(100.0, max(0.0, value))
        if k.cap is not None:
            value = min(k.cap, value)
        if k.unit in ("count", "h", "days", "USD"):
            value = max(0.0, value)
        value = round(value, k.dec)
        if k.monotone:
            best_so_far = value if best_so_far is None else max(best_so_far, value)
            value = best_so_far
        readings.append(Reading(date=on, value=float(value)))
    return readings


def build_kpis(spec: ClientSpec) -> tuple[list[Kpi], dict[str, dict[date, float]]]:
    dates = reading_dates(spec)
    kpis, series = [], {}
    for k in spec.kpis:
        rng = random.Random(f"{SEED}:{spec.id}:kpi:{k.key}")
        readings = build_readings(spec, k, dates, rng)
        kpis.append(
            Kpi(
                key=k.key,
                name=k.name,
                category=k.category,
                unit=k.unit,
                direction=k.direction,
                baseline=k.baseline,
                target=k.target,
                readings=readings,
            )
        )
        series[k.key] = {r.date: r.value for r in readings}
    return kpis, series


# ---------------------------------------------------------------- savings


def build_savings(spec: ClientSpec) -> list[Savings]:
    if not spec.savings_rate:
        return []
    rng = random.Random(f"{SEED}:{spec.id}:savings")
    first = spec.go_live if spec.go_live.day == 1 else add_months(spec.go_live.replace(day=1), 1)
    savings, index = [], 1
    month = first
    while month_key(month) <= "2026-05":
        share = 1 - math.exp(-index / 1.8)
        if spec.savings_fade and index > spec.savings_fade[0]:
            peak, kept = spec.savings_fade
            months_live = (AS_OF.year - spec.go_live.year) * 12 + AS_OF.month - spec.go_live.month
            share *= 1 - (1 - kept) * smoothstep((index - peak) / max(1, months_live - 1 - peak))
        amount = spec.savings_rate * share * (1 + rng.uniform(-0.05, 0.05))
        savings.append(Savings(month=month_key(month), amount=float(round(amount, -2))))
        month = add_months(month, 1)
        index += 1
    return savings


# ---------------------------------------------------------------- assessments


def assessment_dates(spec: ClientSpec) -> list[date]:
    go_live = spec.go_live
    early = [go_live + timedelta(days=14 * k + spec.early_shift) for k in range(1, 7)]
    early = [on for on in early if on < AS_OF]
    late: list[date] = []
    if spec.latest_assessment:
        on = spec.latest_assessment
        while day_number(go_live, on) > 90:
            late.append(on)
            on -= timedelta(days=spec.late_step)
        late.reverse()
        early = [on for on in early if not late or (late[0] - on).days >= 10]
    return early + late


def level_at(spec: ClientSpec, n: int) -> float:
    points = spec.health
    if n <= points[0][0]:
        return points[0][1]
    for (n0, v0), (n1, v1) in zip(points, points[1:]):
        if n0 <= n <= n1:
            return v0 + (v1 - v0) * (n - n0) / (n1 - n0)
    return points[-1][1]


def scores_near(level: float, profile: dict[str, float], rng: random.Random) -> Scores:
    """Whole sub-scores scattered around a level whose band they must keep."""
    want = band_for_level(level)
    for _ in range(200):
        values = {}
        for name in Scores.model_fields:
            raw = level + profile.get(name, 0.0) + rng.choice((-0.7, -0.3, 0.0, 0.0, 0.3, 0.7))
            values[name] = max(1, min(10, int(math.floor(raw + 0.5))))
        scores = Scores(**values)
        if band_of_scores(scores) == want and abs(float(overall(scores)) - level) <= 0.35:
            return scores
    raise AssertionError(f"no scores found for level {level}")


def snapshot(spec: ClientSpec, series: dict[str, dict[date, float]], on: date, keys: list[str]) -> str:
    parts = []
    for key in keys:
        k = next(k for k in spec.kpis if k.key == key)
        value = latest_value(series[key], on)
        if value is not None:
            parts.append(f"{k.name} {fmt(k, value)} (target {fmt(k, k.target)})")
    return "; ".join(parts) + "." if parts else ""


GENERIC_NOTES = {
    "stabilization": [
        "Stabilization going to plan. {snap} Issues raised at check-ins are closed within a day or two.",
        "First weeks. {snap} The team uses the new routine without being chased; a few workarounds left at the edges.",
        "Settling in. {snap} Super-users answer most floor questions themselves now.",
    ],
    "optimization": [
        "Optimization phase. {snap} Focus has moved from fixing problems to tuning the process.",
        "Good fortnight. {snap} Sponsor attends the reviews and asks the right questions.",
        "Numbers moving the right way. {snap} Team leads have started proposing their own changes.",
    ],
    "scaling": [
        "Scaling and handover. {snap} Owners named for every KPI; the client team leads the review.",
        "Preparing handover. {snap} Remaining gaps are small and have owners and dates.",
        "Steady progress. {snap} Routines hold on the days we are not there.",
    ],
    "green": [
        "Results holding. {snap} No open escalations; review rhythm kept by the client team.",
        "Steady month. {snap} The client team ran the last review without us leading it.",
        "Green. {snap} Improvement ideas still coming from the floor, the best sign of sustainment.",
        "Another stable month. {snap} Sponsor asking about next steps; good moment for an expansion conversation.",
        "Holding well. {snap} One soft week traced to holiday staffing, recovered since.",
        "Sustaining. {snap} Standard work reviewed and updated by the client on their own.",
    ],
    "yellow": [
        "At risk. {snap} Routines are slipping on one shift and nobody has picked it up; intervention weekly.",
        "Yellow. {snap} Results flattened and the sponsor's attention has moved to other projects.",
        "Still yellow. {snap} Intervention actions half done; follow up at the next check-in.",
    ],
    "recovered": [
        "Back to green. {snap} The intervention actions are done and the team owns the routine again.",
    ],
}


def note_pool(n: int, band: str, previous_band: str | None) -> str:
    if band == "green" and previous_band == "yellow":
        return "recovered"
    if band != "green":
        return band
    return "stabilization" if n <= 30 else "optimization" if n <= 60 else "scaling" if n <= 90 else "green"


def snapshot_keys(spec: ClientSpec, rng: random.Random) -> list[str]:
    lagging = [k.key for k in spec.kpis if k.category == "lagging"]
    leading = [k.key for k in spec.kpis if k.category == "leading" and k.key != "training_completion"]
    keys = rng.sample(lagging, 1)
    if leading:
        keys += rng.sample(leading, 1)
    return keys


def band_named_in(note: str) -> str | None:
    """The band a hand-written note talks about, when it names exactly one."""
    named = [band for band in ("green", "yellow", "red") if re.search(rf"\b{band}\b", note.lower())]
    return named[0] if len(named) == 1 else None


def build_assessments(spec: ClientSpec, series: dict[str, dict[date, float]]) -> list[Assessment]:
    assessments = generate_assessments(spec, series)
    for assessment in assessments:
        named = band_named_in(assessment.note or "")
        assert named in (None, band_of_scores(assessment.scores)), (spec.id, assessment.date, named)
    return assessments


def generate_assessments(spec: ClientSpec, series: dict[str, dict[date, float]]) -> list[Assessment]:
    if spec.explicit_assessments:
        return [
            Assessment(date=on, scores=Scores(**dict(zip(Scores.model_fields, values))), note=note, author=spec.owner)
            for on, values, note in spec.explicit_assessments
        ]
    if not spec.health:
        return []
    rng = random.Random(f"{SEED}:{spec.id}:health")
    pools = {name: rng.sample(lines, len(lines)) for name, lines in GENERIC_NOTES.items()}
    used: dict[str, int] = defaultdict(int)
    assessments, previous_band = [], None
    for on in assessment_dates(spec):
        n = day_number(spec.go_live, on)
        scores = scores_near(level_at(spec, n), spec.health_profile, rng)
        band = band_of_scores(scores)
        note = spec.assessment_notes.get(on)
        if note is None:
            pool = note_pool(n, band, previous_band)
            lines = pools[pool]
            note = lines[used[pool] % len(lines)].format(snap=snapshot(spec, series, on, snapshot_keys(spec, rng)))
            used[pool] += 1
        assessments.append(Assessment(date=on, scores=scores, note=note, author=spec.owner))
        previous_band = band
    return assessments


# ---------------------------------------------------------------- schedule


def schedule(client: Client, until: date) -> dict[date, tuple[str, set[str]]]:
    """Standing touchpoint per date from go-live up to `until`: (kind, kinds it covers)."""
    touchpoints = core_schedule(client, client.go_live, until, RULES.plans, CALENDAR, scale=RULES.scale)
    return {t.date: (t.kind, set(t.covers)) for t in touchpoints}


# ---------------------------------------------------------------- check-ins

SECTIONS = {
    "daily": ["Opening assessment", "Metrics and issues", "Confidence and next steps"],
    "weekly": ["Metrics and trends", "Challenges", "Wins and team feedback", "Next priorities and support"],
    "biweekly": ["Metrics and trends", "Challenges", "Wins and team feedback", "Next priorities and support"],
    "monthly": ["Trend review", "Optimization opportunities", "Capability building", "Plan"],
    "retrospective": ["What worked", "What did not work", "Decisions", "Next phase"],
    "quarterly": ["Results vs targets", "Competitive position", "Strategic alignment", "Expansion exploration"],
    "intervention": ["Problem analysis", "Intervention plan", "Escalation decision"],
    "recovery": ["Problem analysis", "Intervention plan", "Escalation decision"],
}
PLANNED_MINUTES = {"daily": 20, "weekly": 60, "biweekly": 60, "monthly": 90, "retrospective": 30, "quarterly": 80, "intervention": 45, "recovery": 30}
FALLBACK = {
    "opening": ["Team in good shape at the start of the day."],
    "issues": ["No new blockers raised."],
    "wins": ["Team leads report the new routine is becoming habit."],
    "steps": ["Keep the current rhythm; review again next session."],
    "confidence": ["Confidence 8/10 from the team leads."],
    "optimization": ["Look at where the remaining manual steps are."],
    "capability": ["Client team leads are taking over the review."],
    "analysis": ["Results short of plan; routines not yet embedded."],
    "plan": ["Agree owners and dates for the open actions."],
    "escalation": ["No escalation needed at this point."],
}


def latest_value(values: dict[date, float], on: date) -> float | None:
    found = [when for when in values if when <= on]
    return values[max(found)] if found else None


def fmt(k: KpiSpec, value: float) -> str:
    if k.unit == "%":
        return f"{value:.{k.dec}f}%"
    if k.unit == "USD":
        return f"${value:,.2f}"
    if k.unit == "count":
        return f"{value:.0f}"
    return f"{value:.{k.dec}f} {k.unit}"


def change_text(k: KpiSpec, value: float) -> str:
    if k.unit == "%":
        delta = value - k.baseline
        return "at baseline" if abs(delta) < 0.05 else f"{delta:+.1f} pp vs baseline"
    relative = (value - k.baseline) / abs(k.baseline) * 100 if k.baseline else 0.0
    return "at baseline" if abs(relative) < 0.5 else f"{relative:+.0f}% vs baseline"


class Picker:
    """Hands out lines from the story pools in the order things happened.

    Check-ins are built twice: a counting pass learns how often each pool is used,
    then the k-th use of a pool gets the line k/uses of the way down that pool, so
    early problems show up in early check-ins and lines repeat only when a pool is
    shorter than its uses.
    """

    def __init__(self, story: dict[str, list[str]], uses: dict[str, int] | None = None):
        self.pools = {**FALLBACK, **story}
        self.uses = uses
        self.calls: dict[str, int] = defaultdict(int)

    def __call__(self, pool: str) -> str:
        lines = self.pools[pool]
        k = self.calls[pool]
        self.calls[pool] += 1
        if self.uses is None:
            return lines[0]
        return lines[k * len(lines) // self.uses[pool]]

    def after(self, pool: str, line: str) -> str:
        """The line that follows `line` in its pool (the same line at the end of the pool)."""
        lines = self.pools[pool]
        if line in lines and lines.index(line) + 1 < len(lines):
            return lines[lines.index(line) + 1]
        return "Same priorities until the next session; owners report progress there."


def metrics_text(spec: ClientSpec, series: dict[str, dict[date, float]], on: date, rng: random.Random, count: int) -> str:
    wanted = [k for k in spec.kpis if k.key != "training_completion"]
    chosen = sorted(rng.sample(wanted, min(count, len(wanted))), key=lambda k: spec.kpis.index(k))
    parts = []
    for k in chosen:
        value = latest_value(series[k.key], on - DAY)
        if value is not None:
            parts.append(f"{k.name} {fmt(k, value)} ({change_text(k, value)}, target {fmt(k, k.target)})")
    return "; ".join(parts) + "."


def build_checkin(spec: ClientSpec, series, on: date, kind: str, pick: Picker, rng: random.Random) -> CheckIn:
    contacts = [c[0] for c in spec.contacts]
    if kind in spec.attendees:
        attendees = list(spec.attendees[kind])
    elif kind == "daily":
        attendees = contacts[1:3] if len(contacts) > 2 else contacts[-1:]
    else:
        attendees = contacts
    if spec.team and kind in ("daily", "weekly", "biweekly", "recovery") and rng.random() < 0.7:
        attendees = attendees + [rng.choice(spec.team).split(" (")[0]]
    titles = SECTIONS[kind]
    if kind == "quarterly" and on in spec.qbr:
        notes = spec.qbr[on]
    elif kind == "daily":
        notes = [pick("opening"), f"{metrics_text(spec, series, on, rng, 2)} {pick('issues')}", pick("confidence")]
    elif kind in ("weekly", "biweekly"):
        notes = [metrics_text(spec, series, on, rng, 3), pick("issues"), pick("wins"), pick("steps")]
    elif kind == "monthly":
        notes = [metrics_text(spec, series, on, rng, 4), pick("optimization"), pick("capability"), pick("steps")]
    elif kind == "retrospective":
        notes = [pick("wins"), pick("issues"), pick("plan"), pick("steps")]
    elif kind in ("intervention", "recovery"):
        notes = [f"{pick('analysis')} {metrics_text(spec, series, on, rng, 2)}", pick("plan"), pick("escalation")]
    else:
        notes = [
            metrics_text(spec, series, on, rng, 4),
            "No change in the market picture.",
            "Priorities unchanged since the last review.",
            "Nothing new to explore this quarter.",
        ]
    if kind in ("weekly", "biweekly", "monthly", "retrospective"):
        # The last section already holds this session's priority; next steps carry the one after it.
        steps = pick.after("steps", notes[-1])
    else:
        steps = pick("steps")
    planned = PLANNED_MINUTES[kind]
    actual = max(10, planned + rng.choice((-10, -5, 0, 0, 5, 10) if planned >= 45 else (-5, 0, 0, 5)))
    return CheckIn(
        date=on,
        kind=kind,
        author=spec.owner,
        planned_minutes=planned,
        actual_minutes=actual,
        attendees=attendees,
        sections=[Section(title=t, notes=n) for t, n in zip(titles, notes)],
        next_steps=steps,
    )


def build_exceptions(spec: ClientSpec, client: Client, series) -> tuple[list[TouchpointException], list[CheckIn]]:
    plan = schedule(client, AS_OF)
    chosen: list[tuple[date, str, str, str | None]] = []
    if spec.exceptions_all_from:
        for on, (kind, _) in plan.items():
            if spec.exceptions_all_from <= on < AS_OF and on not in spec.leave:
                if on in spec.skip:
                    chosen.append((on, kind, "skipped", spec.skip[on]))
                else:
                    chosen.append((on, kind, "done", None))
    if client.handover is not None:  # the sustainment reviews since the handover all took place
        chosen += [(on, kind, "done", None) for on, (kind, _) in plan.items() if client.handover.date <= on < AS_OF]
    for on in spec.done_dates:
        assert on in plan, f"{spec.id}: no touchpoint on {on}"
        chosen.append((on, plan[on][0], "done", None))
    for on in list(spec.skip) + list(spec.leave):
        assert on in plan, f"{spec.id}: no touchpoint to skip or leave on {on}"
    seed = f"{SEED}:{spec.id}:checkins"

    def write_checkins(pick: Picker) -> list[CheckIn]:
        rng = random.Random(seed)
        return [build_checkin(spec, series, on, kind, pick, rng) for on, kind, status, _ in sorted(chosen) if status == "done"]

    counting = Picker(spec.story)
    write_checkins(counting)
    checkins = write_checkins(Picker(spec.story, dict(counting.calls)))
    exceptions = [TouchpointException(date=on, kind=kind, status=status, reason=reason) for on, kind, status, reason in sorted(chosen)]
    return exceptions, checkins


# ---------------------------------------------------------------- practice records: tickets

# Shared ticket titles, filled in with each client's words (category, impact, users, title).
GENERIC_TICKETS: list[tuple[str, str, str, str]] = [
    ("access", "low", "few", "Password reset after a locked {system} account"),
    ("access", "low", "few", "New starter needs a {system} login"),
    ("access", "medium", "some", "Some {roles} cannot open the {report}: role missing"),
    ("question", "low", "few", "How to correct a {record} saved by mistake"),
    ("question", "low", "few", "Where to find the {report}"),
    ("question", "low", "some", "Which status to use for a {record} on hold"),
    ("question", "low", "few", "How to print the {report} for the team board"),
    ("defect", "medium", "some", "{report} totals do not match the list of {records}"),
    ("defect", "medium", "few", "Error when saving a {record} with a long note"),
    ("defect", "low", "some", "Sort order of the {report} resets after a refresh"),
    ("data", "medium", "some", "Duplicate {records} after the overnight load"),
    ("data", "low", "few", "Wrong unit of measure on a {record}"),
    ("performance", "medium", "some", "{system} slow to open at the start of the shift"),
    ("integration", "medium", "some", "{interface} did not run overnight"),
    ("change_request", "low", "some", "Add a filter by team to the {report}"),
    ("change_request", "low", "few", "Rename a status to match the words used on the floor"),
    ("other", "low", "few", "Printer mapping on {site}"),
    ("other", "low", "few", "Tablet on {site} drops off the network"),
]

# What people ask for, in the first 30 days and afterwards.
CATEGORY_WEIGHTS = {
    "early": {"access": 22, "question": 30, "defect": 18, "data": 10, "performance": 6, "integration": 5, "change_request": 5, "other": 4},
    "later": {"access": 10, "question": 28, "defect": 14, "data": 14, "performance": 4, "integration": 5, "change_request": 20, "other": 5},
}

# Minutes to the first response and hours to resolve, by priority (low, high).
RESPONSE_MINUTES = {"P1": (5, 20), "P2": (10, 60), "P3": (20, 180), "P4": (30, 300)}
RESOLVE_HOURS = {"P1": (1.0, 5.0), "P2": (3.0, 24.0), "P3": (4.0, 48.0), "P4": (8.0, 96.0)}


def is_p1(ticket: Ticket) -> bool:
    return priority(ticket.impact, ticket.users) == "P1"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def closed_days(spec: ClientSpec) -> set[date]:
    """Days the client's site was shut (public holidays among the skipped touchpoints)."""
    return {on for on, reason in spec.skip.items() if "holiday" in reason.lower() or "closed" in reason.lower()}


def ticket_days(spec: ClientSpec, plan: TicketPlan) -> tuple[list[date], list[float]]:
    """Days a generated ticket may be opened on (before AS_OF) and how likely each is."""
    days, weights = [], []
    shut = closed_days(spec)
    on = spec.go_live
    while on < AS_OF:
        if on in shut:
            on += DAY
            continue
        t = (on - spec.go_live).days
        weight = math.exp(-t / plan.tau) + plan.floor
        if plan.bump and t >= plan.bump[0]:
            weight += plan.bump[1] * smoothstep((t - plan.bump[0]) / 21)
        if not CALENDAR.is_working(on):
            weight *= plan.weekend
        if weight > 0:
            days.append(on)
            weights.append(weight)
        on += DAY
    return days, weights


def pick_title(plan: TicketPlan, phase: str, used: dict[str, int], rng: random.Random) -> tuple[str, str, str, str]:
    weights = CATEGORY_WEIGHTS[phase]
    categories = list(weights)
    pool: list[tuple[str, str, str, str]] = []
    while not pool:
        category = rng.choices(categories, weights=[weights[c] for c in categories])[0]
        pool = [entry for entry in plan.titles if entry[0] == category]
        pool += [(c, i, u, capitalised(t.format(**plan.vocab))) for c, i, u, t in GENERIC_TICKETS if c == category]
    fewest = min(used[entry[3]] for entry in pool)
    entry = rng.choice([entry for entry in pool if used[entry[3]] == fewest])
    used[entry[3]] += 1
    return entry


def wider(impact: str, users: str, chance: float, rng: random.Random) -> str:
    """Sometimes the same issue reaches more users (never so far that it becomes a P1)."""
    reach = ("few", "some", "many")
    if users == "many" or rng.random() >= chance:
        return users
    widened = reach[reach.index(users) + 1]
    return users if priority(impact, widened) == "P1" else widened


def ticket_times(plan: TicketPlan, opened: datetime, category: str, impact: str, users: str, rng: random.Random) -> tuple[int, float, bool, bool]:
    """Minutes to respond, hours to resolve, escalated, resolved at first contact."""
    prio = priority(impact, users)
    low, high = RESPONSE_MINUTES[prio]
    respond = round(rng.randint(low, high) * plan.slow)
    simple = category in ("question", "access", "other") and prio in ("P3", "P4")
    quick_fix = category in ("defect", "data") and prio == "P4"  # a workaround given on the call
    chance = plan.first_contact if simple else plan.first_contact * 0.5 if quick_fix else 0.0
    if rng.random() < chance:
        return respond, respond / 60 + rng.randint(5, 40) / 60, False, True
    low_h, high_h = RESOLVE_HOURS[prio]
    hours = rng.uniform(low_h, high_h) * plan.slow
    if rng.random() < 0.06:
        hours *= 3
    if CUTOFF - opened < timedelta(days=10) and rng.random() < 0.4:
        hours *= 5  # waiting on the client: recent tickets are the ones still open
    escalated = prio == "P1" or rng.random() < (0.25 if prio == "P2" else plan.escalate)
    return respond, respond / 60 + hours, escalated, False


def make_ticket(
    title: str,
    category: str,
    impact: str,
    users: str,
    opened: datetime,
    respond: int | None,
    resolve: float | None,
    escalated: bool,
    first_contact: bool,
) -> Ticket:
    """A ticket as it stands at CUTOFF: anything later than that has not happened yet."""
    first_response = opened + timedelta(minutes=respond) if respond is not None else None
    resolved = opened + timedelta(minutes=round(resolve * 60)) if resolve is not None else None
    if first_response is not None and first_response > CUTOFF:
        first_response = resolved = None
    if resolved is not None and resolved > CUTOFF:
        resolved = None
    if resolved is not None and first_response is not None and resolved < first_response:
        resolved = first_response
    return Ticket(
        title=title,
        category=category,
        impact=impact,
        users=users,
        opened=opened,
        first_response=first_response,
        resolved=resolved,
        escalated=escalated,
        first_contact=first_contact and resolved is not None,
    )


def build_tickets(spec: ClientSpec) -> list[Ticket]:
    plan = spec.ticket_plan
    if plan is None:
        return []
    rng = random.Random(f"{SEED}:{spec.id}:tickets")
    found = [make_ticket(f.title, f.category, f.impact, f.users, f.opened, f.respond, f.resolve, f.escalated, f.first_contact) for f in plan.fixed]
    days, weights = ticket_days(spec, plan)
    used: dict[str, int] = defaultdict(int)
    for _ in range(plan.count):
        on = rng.choices(days, weights=weights)[0]
        first_hour, last_hour = plan.hours
        if on == spec.go_live:
            first_hour = max(first_hour, 6)
        opened = datetime.combine(on, time(rng.randint(first_hour, last_hour - 1), rng.randint(0, 59)))
        phase = "early" if (on - spec.go_live).days < 30 else "later"
        category, impact, users, title = pick_title(plan, phase, used, rng)
        users = wider(impact, users, 0.3 if phase == "early" else 0.15, rng)
        if impact == "low" and rng.random() < 0.15:
            impact = "medium"
        assert priority(impact, users) != "P1", (spec.id, title)  # P1s come from the story only
        respond, resolve, escalated, first_contact = ticket_times(plan, opened, category, impact, users, rng)
        found.append(make_ticket(title, category, impact, users, opened, respond, resolve, escalated, first_contact))
    found.sort(key=lambda t: (t.opened, t.title))
    for number, ticket in enumerate(found, start=1):
        ticket.ref = f"T-{number}"
    return found


# ---------------------------------------------------------------- practice records: pulses

PULSE_COMMENTS = {
    "green": [
        "Quick answers whenever we raise something; the team feels looked after.",
        "The new routine is part of the morning meeting now. Keep the weekly rhythm.",
        "Would like a little more notice before changes go live.",
        "Good progress; the numbers speak for themselves.",
        "Our team leads run the reviews now, which is what we wanted.",
    ],
    "yellow": [
        "Results are fine but the team's energy has dropped.",
        "We need more hands-on help on the floor, not more reports.",
        "Support answers quickly, but the same issues keep coming back.",
        "Hard to keep the routines going with everything else this quarter.",
    ],
    "red": [
        "Too many late changes still get through; the plan has to stick.",
        "Night shift feels left out of the training.",
        "Deliveries are slipping and we are not convinced the tool is helping yet.",
        "We need a decision from the top on who owns the schedule.",
    ],
}


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def recommend_level(level: float) -> float:
    """The likely 0-10 answer at a health level: 9 at 8.0, rising slowly above it and falling fast below it."""
    return 9.0 + (level - 8.0) if level >= 8.0 else 9.0 - 2.0 * (8.0 - level)


def mood_on(spec: ClientSpec, assessments: list[Assessment], on: date) -> float:
    """The health level behind a pulse answer: the latest assessment on or before the day."""
    before = [a for a in assessments if a.date <= on]
    if not before:
        return spec.pulse_plan.start_level if spec.pulse_plan else 8.0
    return float(overall(max(before, key=lambda a: a.date).scores))


def build_pulses(spec: ClientSpec, assessments: list[Assessment]) -> list[Pulse]:
    plan = spec.pulse_plan
    if plan is None:
        return []
    rng = random.Random(f"{SEED}:{spec.id}:pulses")
    start = plan.start or max(spec.go_live + timedelta(days=7), AS_OF - timedelta(days=plan.window))
    pulses = []
    comments = {band: rng.sample(lines, len(lines)) for band, lines in PULSE_COMMENTS.items()}
    said: dict[str, int] = defaultdict(int)
    for who in plan.respondents:
        lean = plan.offsets.get(who, rng.uniform(-0.5, 0.5))
        on = start + timedelta(days=rng.randint(0, min(6, (AS_OF - start).days)))
        while True:
            while on in closed_days(spec) or not (spec.seven_day or CALENDAR.is_working(on)):
                on += DAY
            if on > AS_OF:
                break
            level = mood_on(spec, assessments, on)
            recommend = max(0, min(10, round_half_up(recommend_level(level) + lean + truncated_gauss(rng, 0.6))))
            satisfaction = max(1, min(5, round_half_up(recommend / 2 + truncated_gauss(rng, 0.35))))
            comment = None
            if rng.random() < 0.35:
                band = band_for_level(level)
                lines = comments[band]
                comment = lines[said[band] % len(lines)]
                said[band] += 1
            pulses.append(Pulse(date=on, respondent=who, recommend=recommend, satisfaction=satisfaction, comment=comment))
            on += timedelta(days=rng.randint(*plan.every))
    return sorted(pulses, key=lambda p: (p.date, p.respondent))


# ---------------------------------------------------------------- practice records: checklist


def build_checklist(spec: ClientSpec) -> list[ChecklistItem]:
    """The default knowledge-transfer items with the spec's progress; empty (the defaults) when the spec has none."""
    if not spec.checklist:
        return []
    defaults = default_checklist()
    unknown = set(spec.checklist) - {i.key for i in defaults}
    assert not unknown, (spec.id, unknown)
    items = []
    for default in defaults:
        done_on, note = spec.checklist.get(default.key, (None, None))
        items.append(ChecklistItem(key=default.key, label=default.label, done=done_on is not None, done_on=done_on, note=note))
    return items


# ---------------------------------------------------------------- build


def build_client(spec: ClientSpec) -> Client:
    kpis, series = build_kpis(spec)
    client = Client(
        id=spec.id,
        name=spec.name,
        tier=spec.tier,
        go_live=spec.go_live,
        owner=spec.owner,
        investment=spec.investment,
        roi_target=spec.roi_target,
        status=spec.status,
        contacts=[Contact(name=n, role=r, email=e) for n, r, e in spec.contacts],
        kpis=kpis,
        savings=build_savings(spec),
        opportunities=spec.opportunities,
        action_items=spec.action_items,
    )
    client.assessments = build_assessments(spec, series)
    client.checklist = build_checklist(spec)
    if spec.status == "handed_over":
        client.handover = Handover(date=first_ready_day(client), by=spec.owner)
    client.exceptions, client.checkins = build_exceptions(spec, client, series)
    client.outcomes = spec.outcomes
    client.testimonials = spec.testimonials
    client.referrals = spec.referrals
    client.tickets = build_tickets(spec)
    client.pulses = build_pulses(spec, client.assessments)
    client.learnings = spec.learnings
    return client


def gate_on(client: Client, on: date):
    """The client's handover gate as it stood on ``on``: its results, high-priority items and checklist of that day."""
    open_high = sum(1 for a in client.action_items if a.priority == "high" and a.due <= on and (a.done_on is None or a.done_on > on))
    checklist = [item.model_copy(update={"done": item.done_on is not None and item.done_on <= on}) for item in client.checklist]
    statuses = [kpi_status(k, on) for k in client.kpis]
    return handover_gate(day_number(client.go_live, on), client_band(client, on), statuses, open_high, RULES.gate, checklist=checklist)


def first_ready_day(client: Client) -> date:
    """A handed-over client's handover day: the first working day, once its knowledge transfer is done, its gate is met."""
    on = max(item.done_on for item in client.checklist if item.done_on)
    while not (CALENDAR.is_working(on) and gate_on(client, on).ready):
        on += timedelta(days=1)
        assert on < AS_OF, f"{client.id}: the handover gate is never met"
    return on


def build() -> Portfolio:
    portfolio = Portfolio(as_of=AS_OF, clients=[build_client(spec) for spec in client_specs()])
    portfolio = Portfolio.model_validate_json(portfolio.model_dump_json())
    check(portfolio)
    return portfolio


def check(portfolio: Portfolio) -> None:
    """The promises the demo makes, asserted so a change to the specs cannot quietly break them."""
    bands = {}
    for client in portfolio.clients:
        assert CALENDAR.is_working(client.go_live), client.id
        if client.assessments:
            latest = max(client.assessments, key=lambda a: a.date)
            bands[client.id] = band_of_scores(latest.scores)
        for kpi in client.kpis:
            dates = sorted(r.date for r in kpi.readings)
            assert len(dates) >= 60 and (dates[-1] - dates[0]).days >= 60, (client.id, kpi.key)
            assert AS_OF - timedelta(days=7) <= dates[-1] <= AS_OF, (client.id, kpi.key)
        sliding = [k.key for k in client.kpis if is_backsliding(k)]
        if client.id == "corvane-freight":
            assert sum(1 for k in client.kpis if k.category == "lagging" and is_backsliding(k)) >= 2
        else:
            assert len(sliding) <= 1, (client.id, sliding)
        plan = schedule(client, AS_OF)
        for e in client.exceptions:
            assert plan.get(e.date, (None,))[0] == e.kind, (client.id, e)
        done = {(e.date, e.kind) for e in client.exceptions if e.status == "done"}
        assert done == {(c.date, c.kind) for c in client.checkins}, client.id
    red = [c for c, b in bands.items() if b == "red"]
    yellow = [c for c, b in bands.items() if b == "yellow"]
    assert red == ["brackenfield-foods"], bands
    assert sorted(yellow) == ["corvane-freight", "pellworth-cycle-works"], bands
    stages = {o.stage for c in portfolio.clients for o in c.opportunities}
    assert stages == {"identified", "qualified", "proposed", "won", "lost"}
    check_practice(portfolio, bands)


def promoters_and_detractors(pulses: list[Pulse]) -> tuple[int, int]:
    return sum(p.recommend >= 9 for p in pulses), sum(p.recommend <= 6 for p in pulses)


def check_practice(portfolio: Portfolio, bands: dict[str, str]) -> None:
    """The promises of the practice records: tickets, pulses, outcomes, advocacy, learnings, checklists."""
    all_tickets = [t for c in portfolio.clients for t in c.tickets]
    assert 150 <= len(all_tickets) <= 300, len(all_tickets)
    open_p1 = []
    for client in portfolio.clients:
        live = (AS_OF - client.go_live).days
        tickets = client.tickets
        assert [t.ref for t in tickets] == [f"T-{n}" for n in range(1, len(tickets) + 1)], client.id
        assert [t.opened for t in tickets] == sorted(t.opened for t in tickets), client.id
        for t in tickets:
            assert datetime.combine(client.go_live, time()) <= t.opened < CUTOFF, (client.id, t.ref)
            moments = [m for m in (t.opened, t.first_response, t.resolved) if m is not None]
            assert moments == sorted(moments) and moments[-1] <= CUTOFF, (client.id, t.ref)
            assert t.resolved is None or t.first_response is not None, (client.id, t.ref)
            if t.resolved is None and is_p1(t):
                open_p1.append((client.id, t))
        if live >= 540:  # long past go-live: only a handful
            assert 1 <= len(tickets) <= 6, client.id
            continue
        assert len(tickets) >= 10, client.id
        # Volume falls as users learn: the first 30 days hold more than any later 30 days, twice over.
        offsets = [(t.opened.date() - client.go_live).days for t in tickets]
        first = sum(1 for o in offsets if o < 30)
        later = [sum(1 for o in offsets if 30 * k <= o < 30 * (k + 1)) for k in range(1, live // 30)]
        assert all(first >= 2 * n for n in later), (client.id, first, later)
        resolved = [t for t in tickets if t.resolved is not None]
        assert any(t.first_contact for t in resolved), client.id
    assert [c for c, _ in open_p1] == ["brackenfield-foods"], open_p1
    assert CUTOFF - open_p1[0][1].opened >= timedelta(days=2)
    answered = [t for t in all_tickets if t.first_response is not None]
    quick = [t for t in answered if t.first_response - t.opened <= timedelta(hours=4)]
    assert len(quick) >= 0.75 * len(answered)
    resolved = [t for t in all_tickets if t.resolved is not None]
    assert len(resolved) >= 0.9 * len(all_tickets)
    assert 0.02 <= sum(t.escalated for t in all_tickets) / len(all_tickets) <= 0.12
    assert 0.25 <= sum(t.first_contact for t in resolved) / len(resolved) <= 0.8
    assert sum(t.resolved is None for t in all_tickets) >= 5

    for client in portfolio.clients:
        pulses = client.pulses
        assert pulses, client.id
        assert all(client.go_live <= p.date <= AS_OF for p in pulses), client.id
        assert all(0 <= p.recommend <= 10 and 1 <= p.satisfaction <= 5 for p in pulses), client.id
        by_person: dict[str, list[date]] = defaultdict(list)
        for p in pulses:
            by_person[p.respondent].append(p.date)
        assert len(by_person) >= 2, client.id
        for dates in by_person.values():
            assert all(14 <= (b - a).days <= 31 for a, b in zip(dates, dates[1:])), (client.id, dates)
        band = bands.get(client.id)
        recent = [p for p in pulses if AS_OF - p.date <= timedelta(days=30)]
        promoters, detractors = promoters_and_detractors(pulses)
        if band == "green":
            assert promoters > len(pulses) / 2 and detractors == 0, client.id
        elif band == "red":
            promoters, detractors = promoters_and_detractors(recent)
            assert detractors > len(recent) / 2 and promoters == 0, client.id
        elif band == "yellow":
            promoters, detractors = promoters_and_detractors(recent)
            assert detractors >= promoters, client.id

    for client in portfolio.clients:
        for o in client.outcomes:
            assert client.go_live < o.date <= AS_OF, client.id
        if (AS_OF - client.go_live).days > 365:
            assert client.outcomes, client.id
        if client.status != "active":
            assert any(o.kind == "ended" for o in client.outcomes), client.id
    kinds = [o.kind for c in portfolio.clients for o in c.outcomes]
    assert set(kinds) == {"renewed", "extended", "ended"}, kinds

    answers = [t.answer for c in portfolio.clients for t in c.testimonials]
    assert answers.count("given") >= 2 and answers.count("pending") == 1 and answers.count("declined") == 1, answers
    for client in portfolio.clients:
        if client.testimonials or client.referrals:
            assert bands.get(client.id) == "green", client.id
        for t in client.testimonials:
            assert client.go_live < t.requested <= AS_OF and (t.answered is None or t.answered <= AS_OF), client.id
        for r in client.referrals:
            assert client.go_live < r.date <= AS_OF, client.id
    became = [r for c in portfolio.clients for r in c.referrals if r.became_engagement]
    assert len(became) == 1 and len([r for c in portfolio.clients for r in c.referrals]) >= 2
    engaged = next(c for c in portfolio.clients if c.name.startswith(became[0].prospect))
    assert became[0].date < engaged.go_live

    logins = {c.owner for c in portfolio.clients}
    for client in portfolio.clients:
        assert 1 <= len(client.learnings) <= 4, client.id
        people = {c.name for c in client.contacts} | logins
        for learning in client.learnings:
            assert learning.what and learning.why and learning.who in people, (client.id, learning.who)
            assert client.go_live - timedelta(days=7) <= learning.date <= AS_OF, client.id

    keys = [i.key for i in default_checklist()]
    full, partial = [], []
    for client in portfolio.clients:
        day = day_number(client.go_live, AS_OF)
        if not client.checklist:
            assert not 61 <= day <= 120, client.id  # clients at handover keep their checklist
            continue
        assert [i.key for i in client.checklist] == keys, client.id
        for i in client.checklist:
            assert (i.done_on is not None) == i.done, (client.id, i.key)
            assert i.done_on is None or client.go_live <= i.done_on <= AS_OF, (client.id, i.key)
        done = sum(i.done for i in client.checklist)
        (full if done == len(keys) else partial).append(client.id)
        if done < len(keys):
            assert 0 < done and 61 <= day <= 120, client.id
    assert len(full) == 1 and len(partial) >= 2, (full, partial)

    for client in portfolio.clients:
        for o in client.opportunities:
            if o.stage in ("won", "lost"):
                assert o.closed_on is not None and client.go_live < o.closed_on <= AS_OF, (client.id, o.title)
            else:
                assert o.closed_on is None, (client.id, o.title)


def render(portfolio: Portfolio) -> str:
    return portfolio.model_dump_json(indent=2, exclude_none=True) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Write the demo portfolio, the same bytes on every run.")
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="where to write it (default: sample_data/demo_portfolio.json)")
    output = parser.parse_args(argv[1:]).output
    output.write_text(render(build()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
