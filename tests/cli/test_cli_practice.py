"""The practice commands from outside: a portfolio with known outcomes, tickets and surveys, figures worked out by hand."""

from __future__ import annotations

import pytest

from conftest import dump_database, write_portfolio


def _scores(value: int) -> dict:
    return {
        name: value
        for name in (
            "achievement",
            "trend",
            "sustainability",
            "adherence",
            "engagement",
            "leadership",
            "communication",
            "satisfaction",
            "expansion_interest",
        )
    }


PRACTICE = {
    "format": "carebench-portfolio",
    "version": 1,
    "clients": [
        {
            "id": "alpha",
            "name": "Alpha Mills",
            "tier": "gold",
            "go_live": "2025-06-02",
            "owner": "ana",
            "kpis": [
                {
                    "key": "cost",
                    "name": "Cost per unit",
                    "category": "lagging",
                    "unit": "USD",
                    "direction": "lower",
                    "baseline": 100,
                    "target": 80,
                    "readings": [{"date": "2025-12-01", "value": 78}, {"date": "2026-06-01", "value": 79}],
                }
            ],
            "assessments": [{"date": "2025-12-15", "scores": _scores(8)}, {"date": "2026-06-01", "scores": _scores(9)}],
            "opportunities": [
                {"title": "Second site", "value": 50000, "probability": 100, "stage": "won", "closed_on": "2026-04-15"},
                {"title": "Analytics", "value": 100000, "probability": 50, "stage": "proposed"},
            ],
            "outcomes": [{"date": "2026-03-01", "kind": "renewed"}],
            "referrals": [{"date": "2026-02-10", "prospect": "Northwind", "became_engagement": True}],
            "pulses": [
                {"date": "2026-05-01", "respondent": "Ada", "recommend": 10, "satisfaction": 5},
                {"date": "2026-05-01", "respondent": "Ben", "recommend": 9, "satisfaction": 4},
            ],
            "learnings": [
                {
                    "date": "2026-04-02",
                    "kind": "lesson",
                    "what": "Train the night shift separately",
                    "why": "they missed the day sessions",
                    "who": "ana",
                }
            ],
        },
        {
            "id": "beta",
            "name": "Beta Foods",
            "tier": "silver",
            "go_live": "2025-12-01",
            "owner": "bob",
            "kpis": [
                {
                    "key": "defects",
                    "name": "Defects",
                    "category": "lagging",
                    "unit": "",
                    "direction": "lower",
                    "baseline": 10,
                    "target": 5,
                    "readings": [{"date": "2026-05-20", "value": 7}],
                }
            ],
            "assessments": [{"date": "2025-12-20", "scores": _scores(6)}, {"date": "2026-05-15", "scores": _scores(5)}],
            "opportunities": [
                {"title": "Training", "value": 20000, "probability": 0, "stage": "lost", "closed_on": "2026-03-01"},
                {"title": "Pilot", "value": 30000, "probability": 100, "stage": "won", "closed_on": "2025-12-20"},
            ],
            "outcomes": [{"date": "2026-05-31", "kind": "ended"}],
            "pulses": [
                {"date": "2026-05-02", "respondent": "Cy", "recommend": 3, "satisfaction": 2},
                {"date": "2026-05-02", "respondent": "Di", "recommend": 7, "satisfaction": 3},
            ],
            "tickets": [
                {"ref": "T-1", "title": "Scanners down", "impact": "high", "users": "many", "opened": "2026-06-13T09:00:00+00:00"},
                {
                    "ref": "T-2",
                    "title": "Report totals",
                    "impact": "medium",
                    "users": "some",
                    "opened": "2026-06-08T10:00:00+00:00",
                    "first_response": "2026-06-08T10:30:00+00:00",
                    "resolved": "2026-06-08T14:00:00+00:00",
                    "first_contact": True,
                },
                {
                    "ref": "T-3",
                    "title": "Password reset",
                    "impact": "low",
                    "users": "few",
                    "opened": "2026-06-09T08:00:00+00:00",
                    "first_response": "2026-06-09T09:00:00+00:00",
                    "resolved": "2026-06-10T08:00:00+00:00",
                    "escalated": True,
                },
            ],
            "learnings": [
                {
                    "date": "2026-05-05",
                    "kind": "decision",
                    "what": "Move go-live reviews to Mondays",
                    "why": "Fridays are dispatch peaks",
                    "who": "bob",
                }
            ],
        },
        {
            "id": "gamma",
            "name": "Gamma Retail",
            "tier": "silver",
            "go_live": "2026-03-02",
            "owner": "ana",
            "assessments": [{"date": "2026-06-01", "scores": _scores(8)}],
        },
        {"id": "delta", "name": "Delta Labs", "tier": "gold", "go_live": "2026-09-01", "owner": "bob"},
    ],
}

DAY = "2026-06-15"


@pytest.fixture
def practice_db(tmp_path, run):
    db = tmp_path / "practice.db"
    run.ok("import", write_portfolio(tmp_path / "practice.json", PRACTICE), db=db)
    return db


def test_practice_figures_match_the_hand_count(run, practice_db):
    data = run.json("--date", DAY, "practice", "--from", "2026-01-01", "--to", "2026-06-30", "--json", db=practice_db)
    # delta goes live after the period: three clients in scope
    assert data["clients"] == 3 and data["behind"]["clients"] == ["alpha", "beta", "gamma"]
    # alpha renewed, beta ended: 1 of 2
    assert (data["retention_rate"], data["renewed"], data["extended"], data["ended"]) == (50.0, 1, 0, 1)
    # beta's 6-month mark (2026-06-01): defects 7 against a target of 5, off; alpha's 12-month mark (2026-06-02): 79 <= 80
    assert (data["sustained_6m"], data["sustained_12m"]) == (0.0, 100.0)
    assert data["behind"]["sustained_6m"] == ["beta"] and data["behind"]["sustained_12m"] == ["alpha"]
    # won in the period: alpha's 50,000 (beta's pilot closed in 2025); open: 100,000 at 50 %
    assert (data["follow_on_revenue"], data["weighted_pipeline"]) == (50000.0, 50000.0)
    # alpha referred one of three clients, and it became an engagement
    assert (data["referral_rate"], data["referrals"], data["referrals_converted"]) == (33.3, 1, 1)
    # end: (9 + 5 + 8) / 3 = 7.33 -> 7.3; start: (8 + 6) / 2 = 7.0 (gamma not yet assessed)
    assert (data["average_health"], data["average_health_change"]) == (7.3, 0.3)
    # answers 10, 9, 3, 7: two promoters, one detractor of four -> +25
    assert data["nps"] == 25
    assert 0 <= data["on_time_share"] <= 100
    assert (data["from"], data["to"]) == ("2026-01-01", "2026-06-30")
    rows = {m["key"]: m for m in data["metrics"]}
    assert rows["retention_rate"]["clients"] == ["alpha", "beta"]
    assert rows["nps"]["text"] == "+25" and len(rows["nps"]["trend"]) == len(data["quarters"]) == 6
    assert set(data["by_owner"]) == {"ana", "bob"}


def test_practice_for_one_consultant(run, practice_db):
    data = run.json("--date", DAY, "practice", "--from", "2026-01-01", "--to", "2026-06-30", "--owner", "ana", "--json", db=practice_db)
    assert data["clients"] == 2 and data["owner"] == "ana"
    assert (data["retention_rate"], data["referral_rate"], data["nps"]) == (100.0, 50.0, 100)
    assert data["by_owner"] == {}


def test_practice_table_and_bad_period(run, practice_db):
    shown = run.ok("--date", DAY, "practice", db=practice_db).stdout
    assert "Client retention" in shown and "NPS" in shown
    bad = run("practice", "--from", "2026-07-01", "--to", "2026-06-01", db=practice_db)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --from 2026-07-01 is after --to 2026-06-01"


def test_ticket_priorities_and_derived_support_kpis(run, practice_db):
    tickets = {t["ref"]: t for t in run.json("--date", DAY, "ticket", "list", "beta", "--json", db=practice_db)}
    assert {ref: t["priority"] for ref, t in tickets.items()} == {"T-1": "P1", "T-2": "P3", "T-3": "P4"}
    assert (tickets["T-2"]["hours"], tickets["T-3"]["hours"], tickets["T-1"]["hours"]) == (4.0, 24.0, None)
    assert tickets["T-1"]["status"] == "open"
    # The week of 8-14 June: three opened, T-2 (4 h) and T-3 (24 h) resolved, one at first contact, one escalated,
    # T-1 (a P1) open at the week's end.
    kpis = {k["key"]: k for k in run.json("kpis", "beta", "--date", "2026-06-14", "--json", db=practice_db)}
    assert {k: kpis[k]["current"] for k in kpis if k.startswith("support-")} == {
        "support-volume": 3.0,
        "support-resolution-hours": 14.0,
        "support-first-contact": 50.0,
        "support-escalation": 33.3,
        "support-open-p1p2": 1.0,
        "support-response-on-time": 100.0,  # T-2 and T-3 answered well within silver's 24 working hours
    }
    assert all(kpis[k]["category"] == "diagnostic" for k in kpis if k.startswith("support-"))


def test_ticket_list_gives_each_ticket_its_support_clock(run, practice_db):
    # alpha is gold: first response by closing time on the business day (17:00), Friday evening's on Monday.
    run.ok("ticket", "add", "alpha", "Late label", "--impact", "low", "--users", "few", "--opened", "2026-06-12 16:30", db=practice_db)
    run.ok("ticket", "respond", "alpha", "T-1", "--at", "2026-06-12 17:00", db=practice_db)
    run.ok("ticket", "add", "alpha", "Evening crash", "--impact", "low", "--users", "few", "--opened", "2026-06-12 18:00", db=practice_db)
    keys = ("response_due", "resolve_due", "response_breached", "resolve_breached")

    def clock(day: str, at: str = "09:00") -> dict:
        listed = run.json("--date", day, "ticket", "list", "alpha", "--at", f"{day} {at}", "--json", db=practice_db)
        return {t["ref"]: tuple(t[k] for k in keys) for t in listed}

    assert clock("2026-06-13") == {
        "T-1": ("2026-06-12T17:00", "2026-06-13T16:30", False, False),  # answered exactly on time
        "T-2": ("2026-06-15T17:00", "2026-06-13T18:00", False, False),
    }
    assert clock("2026-06-16") == {
        "T-1": ("2026-06-12T17:00", "2026-06-13T16:30", False, True),
        "T-2": ("2026-06-15T17:00", "2026-06-13T18:00", True, True),
    }
    # Read at the minute it is due, a clock is not breached yet; a minute later it is.
    assert clock("2026-06-13", "16:30")["T-1"][3] is False and clock("2026-06-13", "16:31")["T-1"][3] is True
    # beta is silver: 24 working hours from Saturday's T-1 run from Monday 09:00 to Wednesday 17:00.
    beta = {t["ref"]: t for t in run.json("--date", DAY, "ticket", "list", "beta", "--json", db=practice_db)}
    assert (beta["T-1"]["response_due"], beta["T-1"]["response_breached"]) == ("2026-06-17T17:00", False)


def findings(run, db, day: str) -> list[dict]:
    """`check` exits 1 when something high is found; its JSON is on stdout either way."""
    import json

    return json.loads(run("check", "--date", day, "--json", db=db).stdout)["findings"]


def test_an_open_p1_older_than_a_day_is_a_finding(run, practice_db):
    found = findings(run, practice_db, DAY)
    p1 = [f for f in found if f["rule"] == "ticket-p1-open"]
    assert [f["id"] for f in p1] == ["ticket-p1-open:beta:t-1"] and p1[0]["severity"] == "high"
    # At the end of the 13th T-1 is 15 hours old.
    assert [f for f in findings(run, practice_db, "2026-06-13") if f["rule"] == "ticket-p1-open"] == []


def test_check_reports_late_first_responses_and_ones_about_to_be_late(run, practice_db):
    run.ok("ticket", "add", "alpha", "Evening crash", "--impact", "medium", "--users", "many", "--opened", "2026-06-12 18:00", db=practice_db)
    late = [f for f in findings(run, practice_db, "2026-06-16") if f["rule"] == "ticket-response-late"]
    assert [(f["id"], f["severity"]) for f in late] == [("ticket-response-late:alpha:t-1", "high")]  # a P2
    assert late[0]["message"] == (
        'Alpha Mills: P2 ticket T-1 "Evening crash" has had no first response; gold was promised one by 2026-06-15 17:00 (late by 30 h 59 min)'
    )
    on_sunday = [f["rule"] for f in findings(run, practice_db, "2026-06-14") if f["client"] == "alpha" and f["rule"].startswith("ticket-")]
    assert on_sunday == ["ticket-resolve-late"]  # 24 h to resolve count every hour; the response is not due before Monday
    run.ok(
        "--date", "2026-06-16", "ack", "ticket-response-late:alpha:t-1", "--until", "2026-06-16", "--reason", "client closed Monday", db=practice_db
    )
    acked = [f for f in findings(run, practice_db, "2026-06-16") if f["rule"] == "ticket-response-late"]
    assert acked[0]["acknowledged"] is True


def test_ticket_add_respond_resolve(run, practice_db):
    added = run.json(
        "ticket", "add", "gamma", "Till freezes", "--impact", "high", "--users", "some", "--opened", "2026-06-15 08:00", "--json", db=practice_db
    )
    assert added == {"client": "gamma", "ref": "T-1", "priority": "P2", "opened": "2026-06-15T08:00"}
    run.ok("ticket", "respond", "gamma", "T-1", "--at", "2026-06-15 08:20", db=practice_db)
    done = run.ok("ticket", "resolve", "gamma", "T-1", "--at", "2026-06-15 11:30", "--escalated", db=practice_db)
    assert done.stdout.strip() == "gamma T-1 resolved at 2026-06-15 11:30 after 3.5 h"
    row = run.json("ticket", "list", "gamma", "--json", db=practice_db)[0]
    assert (row["first_response"], row["resolved"], row["escalated"], row["first_contact"]) == ("2026-06-15T08:20", "2026-06-15T11:30", True, False)


@pytest.mark.parametrize(
    "args, message",
    [
        (["ticket", "resolve", "beta", "T-9"], "error: beta has no ticket T-9"),
        (["ticket", "resolve", "beta", "T-2"], "error: T-2 was already resolved at 2026-06-08 14:00"),
        (["ticket", "resolve", "beta", "T-1", "--at", "2026-06-12 09:00"], "error: resolved is before the ticket was opened"),
        (["ticket", "add", "beta", "x", "--impact", "huge", "--users", "many"], None),
        (
            ["ticket", "add", "beta", "x", "--impact", "high", "--users", "many", "--opened", "2026-06-15 25:00"],
            "error: Invalid value for '--opened': '2026-06-15 25:00' is not a real time of day",
        ),
        (["ticket", "add", "beta", "x", "--impact", "high", "--users", "many", "--category", "gossip"], None),
        (["ticket", "add", "beta", "x", "--impact", "high", "--users", "many", "--ref", "T-1"], "error: beta already has a ticket T-1"),
        (["pulse", "beta", "Eve", "--recommend", "11", "--satisfaction", "3"], None),
        (["pulse", "beta", "Eve", "--recommend", "8", "--satisfaction", "0"], None),
        (["outcome", "beta", "paused"], None),
        (["checklist", "tick", "gamma", "nope"], "error: gamma's handover checklist has no item 'nope'"),
        (["checklist", "add", "gamma", "Bad Key", "Label"], None),
        (["referral", "convert", "99"], "error: no referral 99"),
        (["search", "  "], "error: say what to search for"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else None,
)
def test_bad_practice_input_is_one_line_and_changes_nothing(run, practice_db, args, message):
    before = dump_database(practice_db)
    result = run(*args, db=practice_db)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    if message:
        assert lines[0] == message
    assert dump_database(practice_db) == before


def test_pulses_feed_nps_and_the_satisfaction_suggestion(run, practice_db):
    run.ok("pulse", "gamma", "Flo", "--recommend", "6", "--satisfaction", "3", "--date", "2026-06-10", db=practice_db)
    health = run.json("health", "alpha", "--date", DAY, "--json", db=practice_db)
    # alpha's two answers in the last 90 days: satisfaction 5 and 4, mean 4.5 -> 9 of 10
    assert health["suggestions"]["satisfaction"]["score"] == 9
    data = run.json("--date", DAY, "practice", "--from", "2026-06-01", "--to", "2026-06-30", "--json", db=practice_db)
    assert data["nps"] == -100  # Flo's 6 is the only answer in June: one detractor


def test_outcomes_referrals_and_testimonials(run, practice_db):
    run.ok("outcome", "gamma", "extended", "--date", "2026-06-05", db=practice_db)
    run.ok("referral", "add", "gamma", "Orbit Co", "--date", "2026-06-06", db=practice_db)
    data = run.json("--date", DAY, "practice", "--from", "2026-06-01", "--to", "2026-06-30", "--json", db=practice_db)
    # beta ended on 31 May, outside June: gamma's extension is the only outcome
    assert (data["retention_rate"], data["extended"], data["referrals"], data["referrals_converted"]) == (100.0, 1, 1, 0)
    run.ok("referral", "convert", "2", db=practice_db)
    data = run.json("--date", DAY, "practice", "--from", "2026-06-01", "--to", "2026-06-30", "--json", db=practice_db)
    assert data["referrals_converted"] == 1
    # alpha is green (9.0) and has referred someone already: no ask; gamma (8.0, green) has referred too now
    asks = [a["client"] for a in data["suggested_asks"]]
    assert "alpha" not in asks and "gamma" not in asks
    run.ok("testimonial", "ask", "alpha", "--date", "2026-06-10", db=practice_db)
    run.ok("testimonial", "declined", "alpha", "--date", "2026-06-12", db=practice_db)
    exported = run.json("export", db=practice_db)
    alpha = next(c for c in exported["clients"] if c["id"] == "alpha")
    assert alpha["testimonials"] == [{"requested": "2026-06-10", "answer": "declined", "answered": "2026-06-12"}]


def test_advocacy_ask_for_a_green_client_that_has_not_answered(run, tmp_path):
    data = {**PRACTICE, "clients": [{**PRACTICE["clients"][2]}]}  # gamma alone: green, never asked
    db = tmp_path / "g.db"
    run.ok("import", write_portfolio(tmp_path / "g.json", data), db=db)
    asks = run.json("--date", DAY, "practice", "--json", db=db)["suggested_asks"]
    assert [a["client"] for a in asks] == ["gamma"]
    run.ok("testimonial", "ask", "gamma", "--date", "2026-06-01", db=db)
    # asked this quarter: not again until the next one
    assert run.json("--date", DAY, "practice", "--json", db=db)["suggested_asks"] == []
    assert [a["client"] for a in run.json("--date", "2026-07-01", "practice", "--json", db=db)["suggested_asks"]] == ["gamma"]


def test_search_lessons_and_decisions(run, practice_db):
    hits = run.json("search", "NIGHT", "--json", db=practice_db)
    assert [(h["client"], h["kind"], h["what"]) for h in hits] == [("alpha", "lesson", "Train the night shift separately")]
    assert [h["client"] for h in run.json("search", "dispatch", "--json", db=practice_db)] == ["beta"]
    assert run.json("search", "zzz", "--json", db=practice_db) == []
    run.ok("learning", "gamma", "Night shift needs its own champion", "--decision", "--date", "2026-06-14", db=practice_db)
    hits = run.json("search", "night", "--json", db=practice_db)
    assert [(h["client"], h["date"]) for h in hits] == [("gamma", "2026-06-14"), ("alpha", "2026-04-02")]


def test_checklist_holds_the_handover_gate(run, practice_db):
    shown = run.json("checklist", "show", "gamma", "--json", db=practice_db)
    assert (shown["done"], shown["total"], shown["complete"]) == (0, 8, False)
    for item in shown["items"]:
        run.ok("checklist", "tick", "gamma", item["key"], "--date", "2026-06-10", db=practice_db)
    run.ok("checklist", "add", "gamma", "sop", "SOP signed off", db=practice_db)
    client = run.json("client", "gamma", "--date", DAY, "--json", db=practice_db)
    assert client["handover"]["reasons"][-1] == "knowledge transfer not done: SOP signed off"
    run.ok("checklist", "remove", "gamma", "sop", db=practice_db)
    client = run.json("client", "gamma", "--date", DAY, "--json", db=practice_db)
    assert not any(r.startswith("knowledge transfer") for r in client["handover"]["reasons"])
    assert run.json("checklist", "show", "gamma", "--json", db=practice_db)["complete"] is True


def test_practice_records_survive_export_and_import(run, practice_db, tmp_path):
    first = run.ok("export", db=practice_db).stdout
    again = tmp_path / "again.db"
    run.ok("import", write_portfolio(tmp_path / "x.json", __import__("json").loads(first)), db=again)
    assert run.ok("export", db=again).stdout == first


def test_ticket_escalate_has_no_time_and_the_readme_does_not_promise_one(run, practice_db):
    from pathlib import Path

    refused = run("ticket", "escalate", "beta", "T-1", "--at", "2026-06-15 10:00", db=practice_db)
    assert refused.returncode == 2 and "No such option '--at'" in refused.stderr
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    documented = [line for line in readme.splitlines() if "ticket escalate" in line or "escalate CLIENT" in line]
    assert documented and all("--at" not in line for line in documented)
    assert run.ok("ticket", "escalate", "beta", "T-1", db=practice_db).stdout.strip() == "beta T-1 escalated"


def test_rules_export_shows_business_hours_and_import_checks_them(run, practice_db, tmp_path):
    assert 'business_hours = "09:00-17:00"' in run.ok("rules", "export", db=practice_db).stdout
    bad = tmp_path / "rules.toml"
    bad.write_text('[calendar]\nbusiness_hours = "17:00-09:00"\n', encoding="utf-8")
    refused = run("rules", "import", bad, db=practice_db)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith(f"error: {bad}:2: calendar.business_hours: must open before it closes")
    late = tmp_path / "late.toml"
    late.write_text('[calendar]\nbusiness_hours = "09:00-19:00"\n', encoding="utf-8")
    run.ok("rules", "import", late, db=practice_db)
    run.ok("ticket", "add", "alpha", "After five", "--impact", "low", "--users", "few", "--opened", "2026-06-12 18:00", db=practice_db)
    assert run.json("--date", "2026-06-13", "ticket", "list", "alpha", "--json", db=practice_db)[0]["response_due"] == "2026-06-12T19:00"
