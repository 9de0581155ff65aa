"""Build a large, deterministic carebench portfolio straight through the store, for the benchmark.

Usage: python benchmarks/generate.py DB [--scale S] [--seed N] [--kpis K] [--readings R] [--history H] [--force]

At --scale 1: 2,000 engagements, 40,000 KPIs, 2,000,000 readings, 48,000 assessments,
10,000 opportunities, 20,000 action items, ~100,000 done/skipped touchpoints and check-ins
with notes for a share of the done ones (plus 2 contacts and 12 months of savings a client).
Sizes scale with the number of clients. --kpis and --readings set the KPIs per client
(default 20, at most 24) and the weekly readings per KPI (default 50): the benchmark's
growth portfolio is --scale 10 --kpis 10 --readings 12 (20,000 clients, 2,400,000 readings).
--history multiplies the readings kept per KPI (R x H).

Every client is generated from its own seeded random generator (seed, client number), so
client N is the same at every scale and on every run (for the same --kpis): the data is
anchored to ANCHOR (2026-06-15), not to today.

``Store.bulk_load`` then works out every derived row (touchpoints, assessment figures, KPI
standing, standing timelines, summaries) with the same projection code a rebuild runs, in the
same transaction: the database measured is the one users get.

Touchpoint outcomes use real touchpoint dates: each client's schedule up to the anchor is
computed with carebench.core.schedule.schedule() on a lightweight Client model; the most recent
ones (50 a client) are marked done (85%) or skipped (15%), except a few of the very latest,
left open so that the agenda has overdue rows. A client whose schedule has fewer than 50 past
touchpoints (a recent go-live) passes the shortfall on to the next clients, so the total stays
close to 50 per client.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from carebench.core.calendar import add_months
from carebench.core.health import band_of, overall_score
from carebench.core.models import SUBSCORES, Assessment, Client, Scores
from carebench.core.schedule import schedule
from carebench.store import Store

ANCHOR = date(2026, 6, 15)
DEFAULT_SEED = 20260615
STAMP = {"changed_at": "2026-06-15T06:00:00+00:00", "changed_by": "benchmark"}

CLIENTS_AT_SCALE_1 = 2000
KPIS_PER_CLIENT = 20
READINGS_PER_KPI = 50
READING_EVERY_DAYS = 7
ASSESSMENTS_PER_CLIENT = 24
ASSESSMENT_EVERY_DAYS = 14
OPPORTUNITIES_PER_CLIENT = 5
ACTIONS_PER_CLIENT = 10
EXCEPTIONS_PER_CLIENT = 50
CHECKIN_SHARE = 0.2  # of the done touchpoints, the share with a stored check-in and its notes
OWNERS = [f"consultant{n:02d}" for n in range(1, 41)]

# key, name, category, unit, direction, baseline, target (varied per client by up to +-20%)
KPI_POOL = [
    ("adoption-rate", "Adoption rate", "leading", "%", "higher", 35, 85),
    ("active-users", "Weekly active users", "leading", "users", "higher", 120, 400),
    ("training-completion", "Training completion", "leading", "%", "higher", 20, 95),
    ("logins-per-user", "Logins per user per week", "leading", "logins", "higher", 2, 6),
    ("feature-usage", "Core feature usage", "leading", "%", "higher", 30, 75),
    ("self-service-rate", "Self-service rate", "leading", "%", "higher", 25, 60),
    ("process-adherence", "Process adherence", "leading", "%", "higher", 50, 90),
    ("order-cycle-time", "Order cycle time", "lagging", "days", "lower", 9, 4),
    ("cost-per-order", "Cost per order", "lagging", "EUR", "lower", 42, 28),
    ("on-time-delivery", "On-time delivery", "lagging", "%", "higher", 78, 95),
    ("error-rate", "Order error rate", "lagging", "%", "lower", 6, 1.5),
    ("inventory-turns", "Inventory turns", "lagging", "turns", "higher", 5, 8),
    ("first-pass-yield", "First-pass yield", "lagging", "%", "higher", 82, 96),
    ("csat", "Customer satisfaction", "lagging", "points", "higher", 6.5, 8.5),
    ("open-tickets", "Open support tickets", "diagnostic", "tickets", "lower", 140, 30),
    ("time-to-resolve", "Mean time to resolve", "diagnostic", "hours", "lower", 30, 8),
    ("uptime", "System uptime", "diagnostic", "%", "higher", 97.5, 99.9),
    ("data-quality", "Master data quality", "diagnostic", "%", "higher", 70, 97),
    ("backlog-age", "Backlog age", "diagnostic", "days", "lower", 21, 5),
    ("integration-errors", "Integration errors", "diagnostic", "errors", "lower", 60, 5),
    ("manual-touches", "Manual touches per order", "diagnostic", "touches", "lower", 4, 1),
    ("report-usage", "Report usage", "leading", "%", "higher", 15, 70),
    ("forecast-accuracy", "Forecast accuracy", "lagging", "%", "higher", 60, 85),
    ("days-sales-outstanding", "Days sales outstanding", "lagging", "days", "lower", 55, 40),
]
NAME_A = [
    "Northwind",
    "Bluebird",
    "Granite",
    "Harbor",
    "Juniper",
    "Kestrel",
    "Larkspur",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pinecrest",
    "Quarry",
    "Redwood",
    "Saltmarsh",
    "Tidewater",
    "Upland",
    "Vantage",
    "Willow",
    "Yarrow",
    "Zephyr",
    "Amber",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Glacier",
    "Heron",
    "Iris",
    "Jasper",
]
NAME_B = [
    "Logistics",
    "Health",
    "Foods",
    "Retail",
    "Pharma",
    "Energy",
    "Textiles",
    "Motors",
    "Insurance",
    "Telecom",
    "Foundry",
    "Labs",
    "Brewing",
    "Aerospace",
    "Outfitters",
    "Utilities",
    "Media",
    "Freight",
    "Dental",
    "Packaging",
]
OPP_TITLES = [
    "Warehouse module",
    "Analytics add-on",
    "Second site rollout",
    "Mobile app",
    "Supplier portal",
    "Advanced planning",
    "Automation pack",
    "Service desk",
    "Data migration wave 2",
    "Training academy",
]
OPP_SOURCES = ["performance_gap", "capability_need", "strategic_alignment", "competitive_response"]
STAGE_PROBABILITY = [("identified", 10), ("qualified", 30), ("proposed", 60), ("won", 100), ("lost", 0)]
ACTION_TEXTS = [
    "Send the updated training plan",
    "Fix the label printer mapping",
    "Review the month-end close",
    "Escalate the integration backlog",
    "Schedule a refresher for the night shift",
    "Clean up duplicate vendors",
    "Agree the KPI targets for Q3",
    "Share the adoption report",
    "Book the executive review",
    "Document the returns workaround",
]
SKIP_REASONS = ["client asked to skip (quarter close)", "public holiday at the client", "key user on leave", "covered in the steering meeting"]
NOTE_SENTENCES = [
    "Order volumes are back to pre-go-live levels and the team is confident with the new screens.",
    "Two key users still fall back to spreadsheets for the weekly forecast; agreed a session to close the gap.",
    "The integration queue was cleared after the mapping fix; no new errors since Tuesday.",
    "Leadership wants a view of savings by site before the board meeting.",
    "Night shift adoption lags the day shift by about ten points.",
    "Data quality issues in the vendor master slow down invoice matching.",
    "Support tickets are trending down; most remaining ones are how-to questions.",
    "The client asked about the analytics add-on for the second site.",
]

TIER_WEIGHTS = [("platinum", 0.2), ("gold", 0.4), ("silver", 0.4)]


def sizes(scale: float) -> dict[str, int]:
    clients = max(1, round(CLIENTS_AT_SCALE_1 * scale))
    return {"clients": clients}


def pick_weighted(rng: random.Random, pairs):
    x = rng.random()
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def scores_for(rng: random.Random, band: str) -> dict[str, int]:
    """Nine sub-scores whose overall falls in ``band`` (checked with carebench's own rules)."""
    level = {"green": (8.2, 9.4), "yellow": (6.3, 7.7), "red": (3.5, 5.6)}[band]
    while True:
        centre = rng.uniform(*level)
        values = {name: max(1, min(10, round(rng.gauss(centre, 0.8)))) for name in SUBSCORES}
        if band_of(overall_score(Scores.model_construct(**values))) == band:
            return values


class ClientPlan:
    """Everything generated for one client (small: the readings are produced lazily from it)."""

    __slots__ = ("index", "id", "name", "tier", "go_live", "owner", "status", "kpis", "assessments", "rng_seed")


def go_live_for(rng: random.Random) -> date:
    # A few go-lives ahead, a fifth in the 90-day support window, the rest over the last three years.
    roll = rng.random()
    if roll < 0.04:
        return ANCHOR + timedelta(days=rng.randint(1, 45))
    if roll < 0.24:
        return ANCHOR - timedelta(days=rng.randint(0, 89))
    return ANCHOR - timedelta(days=rng.randint(90, 3 * 365))


def plan_client(index: int, seed: int, kpis_per_client: int = KPIS_PER_CLIENT) -> tuple[ClientPlan, random.Random]:
    rng = random.Random(f"{seed}:{index}")
    p = ClientPlan()
    p.index = index
    p.id = f"client-{index:05d}"
    p.name = f"{NAME_A[index % len(NAME_A)]} {NAME_B[(index // len(NAME_A)) % len(NAME_B)]} {index:04d}"
    p.tier = pick_weighted(rng, TIER_WEIGHTS)
    p.go_live = go_live_for(rng)
    p.owner = OWNERS[rng.randrange(len(OWNERS))]
    age = (ANCHOR - p.go_live).days
    roll = rng.random()
    p.status = "active"
    if age > 365 and roll < 0.15:
        p.status = "handed_over"
    elif age > 365 and roll < 0.18:
        p.status = "closed"
    chosen = sorted(rng.sample(range(len(KPI_POOL)), kpis_per_client))
    p.kpis = []
    for position, pool_index in enumerate(chosen):
        key, name, category, unit, direction, baseline, target = KPI_POOL[pool_index]
        f = rng.uniform(0.8, 1.2)
        baseline, target = round(baseline * f, 2), round(target * rng.uniform(0.9, 1.1) * f, 2)
        if unit == "%":
            baseline, target = min(baseline, 99.0), min(target, 99.9)
        p.kpis.append((position, key, name, category, unit, direction, baseline, target))
    # Assessments every two weeks up to the anchor; the latest is red for ~10%, yellow for ~20%.
    latest_band = pick_weighted(rng, [("red", 0.10), ("yellow", 0.20), ("green", 0.70)])
    last = ANCHOR - timedelta(days=rng.randint(0, ASSESSMENT_EVERY_DAYS - 1))
    p.assessments = []
    for k in range(ASSESSMENTS_PER_CLIENT):
        day = last - timedelta(days=ASSESSMENT_EVERY_DAYS * (ASSESSMENTS_PER_CLIENT - 1 - k))
        band = latest_band if k == ASSESSMENTS_PER_CLIENT - 1 else pick_weighted(rng, [("red", 0.12), ("yellow", 0.25), ("green", 0.63)])
        p.assessments.append((day, scores_for(rng, band)))
    p.rng_seed = rng.random()
    return p, rng


def reading_values(rng: random.Random, kpi, count: int) -> list[float]:
    """A learning curve from baseline towards target with noise; some KPIs slide back at the end."""
    _, _, _, _, unit, direction, baseline, target = kpi
    gap = target - baseline
    plateau = rng.uniform(0.6, 1.15)
    tau = rng.uniform(4, 15)
    noise = abs(gap) * rng.uniform(0.02, 0.06)
    slide = rng.random() < 0.15
    values = []
    start = max(0, count - READINGS_PER_KPI)  # longer histories (--history) start flat at the baseline
    for k in range(count):
        step = max(0, k - start)
        value = baseline + gap * plateau * (1 - math.exp(-step / tau))
        if slide and k >= count - 8:
            value -= gap * plateau * 0.5 * (k - (count - 8)) / 8
        value += rng.gauss(0, noise)
        if unit == "%":
            value = min(100.0, max(0.0, value))
        elif value < 0:
            value = 0.0
        values.append(round(value, 2))
    return values


def build(
    db_path: Path, scale: float, seed: int, history: float = 1.0, kpis_per_client: int = KPIS_PER_CLIENT, readings: int = READINGS_PER_KPI
) -> dict:
    if not 1 <= kpis_per_client <= len(KPI_POOL):
        raise ValueError(f"KPIs per client must be 1 to {len(KPI_POOL)}")
    started = time.perf_counter()
    n = sizes(scale)["clients"]
    plans = [plan_client(i, seed, kpis_per_client) for i in range(1, n + 1)]
    readings_per_kpi = max(1, round(readings * history))

    clients_rows, contact_rows, kpi_rows, assessment_rows, savings_rows = [], [], [], [], []
    opp_rows, action_rows, exception_rows, checkin_rows = [], [], [], []
    kpi_id = 0
    checkin_id = 0
    shortfall = 0
    kpi_specs: list[tuple[int, int, tuple]] = []  # (client index, kpi id, kpi tuple)
    for p, rng in plans:
        clients_rows.append(
            {
                "id": p.id,
                "name": p.name,
                "tier": p.tier,
                "go_live": p.go_live.isoformat(),
                "owner": p.owner,
                "investment": float(rng.randrange(100, 2000) * 1000),
                "roi_target": float(rng.choice([100, 150, 200, 250])),
                "status": p.status,
                **STAMP,
            }
        )
        for pos in range(2):
            contact_rows.append(
                {
                    "client_id": p.id,
                    "position": pos,
                    "name": f"Contact {pos + 1} of {p.name}",
                    "role": ["Project sponsor", "Key user"][pos],
                    "email": f"c{pos + 1}@{p.id}.example",
                    **STAMP,
                }
            )
        for position, key, name, category, unit, direction, baseline, target in p.kpis:
            kpi_id += 1
            kpi_rows.append(
                {
                    "id": kpi_id,
                    "client_id": p.id,
                    "position": position,
                    "key": key,
                    "name": name,
                    "category": category,
                    "unit": unit,
                    "direction": direction,
                    "baseline": baseline,
                    "target": target,
                    "team": int(category == "leading"),  # as a KPI without a team mark is imported
                    **STAMP,
                }
            )
            kpi_specs.append((p.index, kpi_id, (position, key, name, category, unit, direction, baseline, target)))
        for day, values in p.assessments:
            assessment_rows.append(
                {
                    "client_id": p.id,
                    "date": day.isoformat(),
                    **values,
                    "note": rng.choice(NOTE_SENTENCES) if rng.random() < 0.3 else None,
                    "author": p.owner,
                    **STAMP,
                }
            )
        for m in range(12):
            month = add_months(date(ANCHOR.year, ANCHOR.month, 1), -12 + m)
            savings_rows.append({"client_id": p.id, "month": f"{month:%Y-%m}", "amount": float(rng.randrange(0, 80) * 500), **STAMP})
        for _ in range(OPPORTUNITIES_PER_CLIENT):
            stage, probability = rng.choice(STAGE_PROBABILITY)
            value = float(rng.randrange(10, 500) * 1000)
            low = float(round(value * rng.uniform(0.3, 0.6), -3))
            start = rng.randint(0, 12)
            has_next = stage not in ("won", "lost") and rng.random() < 0.8
            opp_rows.append(
                {
                    "client_id": p.id,
                    "title": rng.choice(OPP_TITLES),
                    "source": rng.choice(OPP_SOURCES),
                    "value": value,
                    "probability": probability,
                    "stage": stage,
                    "investment_low": low,
                    "investment_high": low * 2,
                    "start_month": start,
                    "end_month": start + rng.randint(1, 12),
                    "next_action": "Follow up with the sponsor" if has_next else None,
                    "next_action_date": (ANCHOR + timedelta(days=rng.randint(-20, 40))).isoformat() if has_next else None,
                    **STAMP,
                }
            )
        for _ in range(ACTIONS_PER_CLIENT):
            due = ANCHOR + timedelta(days=rng.randint(-45, 60))
            done = rng.random() < 0.65
            action_rows.append(
                {
                    "client_id": p.id,
                    "text": rng.choice(ACTION_TEXTS),
                    "owner": p.owner,
                    "due": due.isoformat(),
                    "priority": pick_weighted(rng, [("high", 0.2), ("medium", 0.5), ("low", 0.3)]),
                    "status": "done" if done else "open",
                    "done_on": min(due, ANCHOR).isoformat() if done else None,
                    "source": "check-in",
                    **STAMP,
                }
            )
        # Touchpoint outcomes on real dates: the client's schedule up to the day before the anchor.
        light = Client.model_construct(
            id=p.id,
            name=p.name,
            tier=p.tier,
            go_live=p.go_live,
            owner=p.owner,
            status="active",
            exceptions=[],
            assessments=[Assessment.model_construct(date=d, scores=Scores.model_construct(**v)) for d, v in p.assessments],
        )
        first = min(p.go_live, p.assessments[0][0])
        past = schedule(light, first, ANCHOR - timedelta(days=1))
        gap = pick_weighted(rng, [(0, 0.6), (rng.randint(1, 2), 0.25), (rng.randint(3, 6), 0.15)])
        candidates = past[:-gap] if gap else past
        wanted = EXCEPTIONS_PER_CLIENT + shortfall
        chosen = candidates[-wanted:]
        shortfall = wanted - len(chosen)
        for tp in chosen:
            done = rng.random() < 0.85
            exception_rows.append(
                {
                    "client_id": p.id,
                    "date": tp.date.isoformat(),
                    "kind": tp.kind,
                    "status": "done" if done else "skipped",
                    "reason": None if done else rng.choice(SKIP_REASONS),
                    "moved_to": None,
                    **STAMP,
                }
            )
            if done and rng.random() < CHECKIN_SHARE:
                checkin_id += 1
                notes = [
                    {"title": title, "notes": " ".join(rng.sample(NOTE_SENTENCES, 2))}
                    for title in ("Review of the KPIs", "Open issues", "Next steps")
                ]
                checkin_rows.append(
                    {
                        "id": checkin_id,
                        "client_id": p.id,
                        "date": tp.date.isoformat(),
                        "kind": tp.kind,
                        "author": p.owner,
                        "planned_minutes": 30,
                        "actual_minutes": rng.randint(20, 50),
                        "attendees": json.dumps([f"Contact 1 of {p.name}", f"Contact 2 of {p.name}"]),
                        "sections": json.dumps(notes),
                        "next_steps": rng.choice(ACTION_TEXTS) + ".",
                        **STAMP,
                    }
                )
    planned_at = time.perf_counter()

    counts = {"readings": 0}

    def readings():
        for client_index, kid, kpi in kpi_specs:
            rng = random.Random(f"{seed}:{client_index}:{kid}:{readings_per_kpi}")
            # Weekly readings; the newest within the last week before the anchor.
            newest = ANCHOR - timedelta(days=rng.randint(0, READING_EVERY_DAYS - 1))
            values = reading_values(rng, kpi, readings_per_kpi)
            first = newest - timedelta(days=READING_EVERY_DAYS * (readings_per_kpi - 1))
            for k, value in enumerate(values):
                counts["readings"] += 1
                yield {
                    "kpi_id": kid,
                    "date": (first + timedelta(days=READING_EVERY_DAYS * k)).isoformat(),
                    "value": value,
                    "changed_at": STAMP["changed_at"],
                    "changed_by": STAMP["changed_by"],
                }

    with Store(db_path, actor="benchmark", today=ANCHOR) as store:
        store.bulk_load(
            {
                "clients": clients_rows,
                "contacts": contact_rows,
                "kpis": kpi_rows,
                "readings": readings(),
                "assessments": assessment_rows,
                "savings": savings_rows,
                "opportunities": opp_rows,
                "action_items": action_rows,
                "checkins": checkin_rows,
                "touchpoint_exceptions": exception_rows,
            }
        )
        store.conn.execute("ANALYZE")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finished = time.perf_counter()
    result = {
        "db": str(db_path),
        "scale": scale,
        "seed": seed,
        "history": history,
        "anchor": ANCHOR.isoformat(),
        "kpis_per_client": kpis_per_client,
        "readings_per_kpi": readings_per_kpi,
        "clients": len(clients_rows),
        "active_clients": sum(r["status"] == "active" for r in clients_rows),
        "kpis": len(kpi_rows),
        "readings": counts["readings"],
        "assessments": len(assessment_rows),
        "opportunities": len(opp_rows),
        "action_items": len(action_rows),
        "touchpoint_exceptions": len(exception_rows),
        "checkins": len(checkin_rows),
        "contacts": len(contact_rows),
        "savings": len(savings_rows),
        "tiers": {t: sum(r["tier"] == t for r in clients_rows) for t, _ in TIER_WEIGHTS},
        "bytes": db_path.stat().st_size,
        "seconds_planning": round(planned_at - started, 2),
        "seconds_total": round(finished - started, 2),
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path, help="database file to create (must not exist unless --force)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 2,000 clients (default); 0.1 for a quick run")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--kpis", type=int, default=KPIS_PER_CLIENT, help=f"KPIs per client (default {KPIS_PER_CLIENT})")
    parser.add_argument("--readings", type=int, default=READINGS_PER_KPI, help=f"weekly readings per KPI (default {READINGS_PER_KPI})")
    parser.add_argument("--history", type=float, default=1.0, help="readings per KPI as a multiple of --readings (default 1)")
    parser.add_argument("--force", action="store_true", help="replace DB if it exists")
    parser.add_argument("--json", action="store_true", help="print the sizes as JSON")
    args = parser.parse_args(argv)
    if args.db.exists():
        if not args.force:
            parser.error(f"{args.db} exists (pass --force to replace it)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    if not 1 <= args.kpis <= len(KPI_POOL):
        parser.error(f"--kpis must be 1 to {len(KPI_POOL)}")
    if args.readings < 1:
        parser.error("--readings must be at least 1")
    result = build(args.db, args.scale, args.seed, args.history, args.kpis, args.readings)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value:,}" if isinstance(value, int) else f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
