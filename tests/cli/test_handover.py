"""`carebench handover`: refused with every unmet condition, accepted when the gate is met or with a recorded reason;
the sustainment cadence after it; what is held and why in the schedule JSON."""

from __future__ import annotations

import json

from conftest import dump_database


def client_json(run, db, client: str, day: str = "2026-06-15") -> dict:
    return json.loads(run.ok("--date", day, "client", client, "--json", db=db).stdout)


def test_a_client_whose_gate_is_not_met_is_refused_with_every_condition(fresh):
    run, db = fresh
    before = dump_database(db)
    refused = run("--date", "2026-06-15", "handover", "beta", db=db)
    assert refused.returncode == 2
    lines = refused.stderr.splitlines()
    assert lines[0] == "error: beta is not ready for handover on 2026-06-15:"
    assert "error:   - band is yellow, needs green" in lines
    assert "error:   - 1 of 2 KPIs on target (50%), needs 80%" in lines
    assert "error:   - 1 high-priority action item open" in lines
    assert lines[-1] == "error: hand it over anyway with --override --reason TEXT (the reason is recorded)"
    assert dump_database(db) == before


def test_a_client_whose_gate_is_met_is_handed_over_and_keeps_a_sustainment_cadence(fresh):
    run, db = fresh
    assert client_json(run, db, "cobalt")["handover"] == {"ready": True, "reasons": []}
    done = run.ok("--date", "2026-06-15", "handover", "cobalt", db=db)
    assert done.stdout == "cobalt: handed over on 2026-06-15; the handover gate was met\n"
    card = client_json(run, db, "cobalt")
    assert card["status"] == "handed_over"
    assert card["handed_over"] == {"date": "2026-06-15", "by": card["handed_over"]["by"], "override": None}
    schedule = json.loads(run.ok("--date", "2026-06-15", "schedule", "cobalt", "--from", "2026-06-15", "--to", "2027-06-30", "--json", db=db).stdout)
    # The go-live plan stops; a quarterly review every three months follows, moved off weekends.
    assert [(t["date"], t["kind"]) for t in schedule["touchpoints"]] == [
        ("2026-09-15", "quarterly"),
        ("2026-12-15", "quarterly"),
        ("2027-03-15", "quarterly"),
        ("2027-06-15", "quarterly"),
    ]
    again = run("--date", "2026-06-16", "handover", "cobalt", db=db)
    assert again.returncode == 2 and again.stderr == "error: cobalt is handed over, not active: only an active client can be handed over\n"
    # The sustainment review is on the agenda of its day.
    agenda = json.loads(run.ok("--date", "2026-09-15", "today", "--json", db=db).stdout)
    assert ("cobalt", "quarterly", "due") in {(r["client"], r["kind"], r["status"]) for r in agenda["items"]}


def test_an_override_needs_a_reason_and_records_it(fresh):
    run, db = fresh
    before = dump_database(db)
    for args in (["--override"], ["--reason", "asked by the CIO"], ["--override", "--reason", "  "]):
        refused = run("--date", "2026-06-15", "handover", "acme", *args, db=db)
        assert refused.returncode == 2 and refused.stderr.startswith("error: "), args
        assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert dump_database(db) == before
    done = run.ok("--date", "2026-06-15", "handover", "acme", "--override", "--reason", "The client's own team takes over now", db=db)
    assert done.stdout.startswith("acme: handed over on 2026-06-15 overriding the handover gate (handover is considered from day 61, this is day 15;")
    assert done.stdout.endswith(": The client's own team takes over now\n")
    assert client_json(run, db, "acme")["handed_over"]["override"] == "The client's own team takes over now"


def test_days_a_handover_cannot_have(fresh):
    run, db = fresh
    later = run("--date", "2026-06-15", "handover", "cobalt", "--date", "2026-06-16", db=db)
    assert later.returncode == 2 and "is after today (2026-06-15)" in later.stderr
    early = run("--date", "2026-06-15", "handover", "cobalt", "--date", "2026-01-01", db=db)
    assert early.returncode == 2 and "is before cobalt's go-live (2026-02-02)" in early.stderr
    unknown = run("--date", "2026-06-15", "handover", "nobody", db=db)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr


def test_the_handover_survives_export_and_import(fresh, tmp_path):
    run, db = fresh
    run.ok("--date", "2026-06-15", "handover", "cobalt", db=db)
    exported = tmp_path / "out.json"
    run.ok("export", "-o", exported, db=db)
    data = json.loads(exported.read_text(encoding="utf-8"))
    cobalt = next(c for c in data["clients"] if c["id"] == "cobalt")
    assert cobalt["status"] == "handed_over" and cobalt["handover"]["date"] == "2026-06-15"
    other = tmp_path / "again.db"
    run.ok("import", exported, db=other)
    assert client_json(run, other, "cobalt")["handed_over"]["date"] == "2026-06-15"


def test_the_schedule_says_what_is_held_and_why(fresh):
    run, db = fresh
    schedule = json.loads(run.ok("--date", "2026-06-15", "schedule", "beta", "--json", db=db).stdout)
    assert schedule["held"] == [
        {"kind": "weekly", "since": "2026-05-01", "reason": "held at weekly: band is yellow, needs green; 1 of 2 KPIs on target (50%), needs 80%"}
    ]
    assert client_json(run, db, "beta")["held"] == schedule["held"]
    assert json.loads(run.ok("--date", "2026-06-15", "schedule", "cobalt", "--json", db=db).stdout)["held"] == []
