"""The ``carebench`` command end to end: every command's happy path through a real subprocess.

Expected values are worked out by hand from the fixed-date portfolio in conftest.py
(as of 2026-06-15); the comments show the arithmetic.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from conftest import ACTOR

AS_OF = "2026-06-15"
COMMANDS = (
    "init",
    "schema",
    "import",
    "export",
    "demo",
    "demo-data",
    "today",
    "schedule",
    "health",
    "client",
    "kpis",
    "pipeline",
    "log",
    "add-client",
    "add-kpi",
    "reading",
    "savings",
    "assess",
    "done",
    "skip",
    "move",
    "add-opportunity",
    "add-action",
)
SCORES_80 = "achievement=8,trend=8,sustainability=7,adherence=8,engagement=8,leadership=8,communication=8,satisfaction=8,expansion_interest=9"


def parallel(calls):
    """Run independent calls (they only read); returns results in order."""
    return [call() for call in calls]


@pytest.fixture(scope="module")
def shared(tmp_path_factory, make_runner, base_db):
    """The fixed-date portfolio's database (see ``base_db``), for tests that only read it, and a runner."""
    return make_runner(tmp_path_factory.mktemp("shared") / "home"), base_db


@pytest.fixture
def sr(shared):
    """Run a command against the shared (read-only) database."""
    runner, database = shared

    def call(*args, **kw):
        return runner(*args, db=database, **kw)

    call.json = lambda *args, **kw: runner.json(*args, db=database, **kw)
    return call


# ----- help --------------------------------------------------------------------


def test_top_level_help_lists_every_command(run):
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: carebench" in result.stdout
    for command in COMMANDS:
        assert command in result.stdout


def test_version(run):
    version = run("--version")
    assert version.returncode == 0 and "carebench" in version.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_subcommand_help(command, capsys, monkeypatch):
    """Each subcommand's --help, through the console script's entry point (in-process: 20+ subprocesses cost too much)."""
    from carebench.cli import main

    monkeypatch.setattr(sys, "argv", ["carebench", command, "--help"])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    assert code in (0, None), out.err
    assert f"Usage: carebench {command}" in out.out
    assert "Traceback" not in out.err


# ----- today ---------------------------------------------------------------------

ITEM_KEYS = {"client", "client_name", "owner", "kind", "date", "status", "missed", "covers", "band"}
ACTION_KEYS = {"client", "text", "owner", "due", "priority"}


def rows(data):
    return [(i["client"], i["kind"], i["date"], i["status"], i["missed"], i["covers"], i["band"]) for i in data["items"]]


def test_today_groups_overdue_per_client_and_kind(sr):
    data = sr.json("today", "--date", AS_OF, "--json")
    assert data["date"] == AS_OF
    for item in data["items"]:
        assert ITEM_KEYS <= set(item)
    for item in data["action_items"]:
        assert ACTION_KEYS <= set(item)
    # Overdue first (red, yellow, green; senior kind first), then what is due today.
    assert rows(data) == [
        # recovery every working day after the red assessment of 06-05: 06-09..06-12 missed (06-08 is the weekly)
        ("acme", "recovery", "2026-06-12", "overdue", 4, ["daily"], "red"),
        # daily 06-01 done, 06-02 skipped: 06-03, 06-04, 06-05 missed
        ("acme", "daily", "2026-06-05", "overdue", 3, [], "red"),
        # beta's weekly series is held past day 30 (its gate is not met), so the biweekly covers a weekly
        ("beta", "biweekly", "2026-06-10", "overdue", 1, ["weekly"], "yellow"),
        ("beta", "weekly", "2026-06-03", "overdue", 1, [], "yellow"),
        # yellow assessment of 06-01: intervention at +7 days; the monthly done on 06-01 supersedes older ones
        ("beta", "intervention", "2026-06-08", "overdue", 1, [], "yellow"),
        # quarterly 05-04 done supersedes everything before it; monthly 06-02 missed
        ("cobalt", "monthly", "2026-06-02", "overdue", 1, [], "green"),
        ("acme", "weekly", AS_OF, "due", 0, ["recovery", "daily"], "red"),
        ("beta", "intervention", AS_OF, "due", 0, [], "yellow"),
    ]
    assert [i["client_name"] for i in data["items"]][:2] == ["Acme Logistics", "Acme Logistics"]
    assert [i["owner"] for i in data["items"]] == ["ana", "ana", "bob", "bob", "bob", "ana", "ana", "bob"]
    # open items due on or before the day, soonest first; beta's has no owner so the client's owner stands in
    assert [(a["client"], a["text"], a["owner"], a["due"], a["priority"]) for a in data["action_items"]] == [
        ("beta", "Fix the report export", "bob", "2026-06-12", "high"),
        ("acme", "Escalate to the CIO", "ana", "2026-06-15", "medium"),
    ]


def test_today_owner_filter(sr):
    bob, ana, carl = parallel(
        [
            lambda: sr.json("today", "--date", AS_OF, "--owner", "bob", "--json"),
            lambda: sr.json("today", "--date", AS_OF, "--owner", "ana", "--json"),
            lambda: sr.json("today", "--date", "2026-06-20", "--owner", "carl", "--json"),
        ]
    )
    assert {i["client"] for i in bob["items"]} == {"beta"}
    assert len(bob["items"]) == 4
    assert [a["text"] for a in bob["action_items"]] == ["Fix the report export"]
    assert {i["client"] for i in ana["items"]} == {"acme", "cobalt"}
    assert len(ana["items"]) == 4
    assert [a["text"] for a in ana["action_items"]] == ["Escalate to the CIO"]
    # carl owns no client, but an action item of cobalt's that falls due on 06-20
    assert carl["items"] == []
    assert [(a["client"], a["text"], a["owner"]) for a in carl["action_items"]] == [("cobalt", "Send the newsletter", "carl")]


def test_today_on_another_date_and_root_date_option(sr):
    sub, root = parallel(
        [
            lambda: sr.json("today", "--date", "2026-06-05", "--json"),
            lambda: sr.json("--date", "2026-06-05", "today", "--json"),
        ]
    )
    assert sub == root
    assert sub["date"] == "2026-06-05"
    # 06-05 is the red assessment's own day: escalation starts the next working day
    assert rows(sub) == [
        ("acme", "daily", "2026-06-04", "overdue", 2, [], "red"),
        ("beta", "weekly", "2026-06-03", "overdue", 1, [], "yellow"),  # held past day 30: its gate is not met
        ("cobalt", "monthly", "2026-06-02", "overdue", 1, [], "green"),
        ("acme", "daily", "2026-06-05", "due", 0, [], "red"),
    ]
    assert sub["action_items"] == []


# ----- schedule --------------------------------------------------------------------

TP_KEYS = {"date", "kind", "covers", "status", "moved_from"}


def test_schedule_covers_states_and_moves(sr):
    cobalt, acme, beta = parallel(
        [
            lambda: sr.json("schedule", "cobalt", "--from", "2026-03-01", "--to", "2026-03-03", "--json"),
            lambda: sr.json("schedule", "acme", "--from", "2026-06-01", "--to", "2026-06-09", "--json"),
            lambda: sr.json("schedule", "beta", "--from", "2026-04-14", "--to", "2026-05-15", "--json"),
        ]
    )
    # silver go-live 2026-02-02: go-live + 28 days = go-live + 1 month = 2026-03-02, the monthly stands; day 30 is
    # the first phase's retrospective
    assert cobalt["client"] == "cobalt"
    assert cobalt["touchpoints"] == [
        {"date": "2026-03-02", "kind": "monthly", "covers": ["weekly"], "status": "scheduled", "moved_from": None},
        {"date": "2026-03-03", "kind": "retrospective", "covers": [], "status": "scheduled", "moved_from": None},
    ]
    for tp in acme["touchpoints"] + beta["touchpoints"]:
        assert TP_KEYS <= set(tp)
    assert [(t["date"], t["kind"], t["covers"], t["status"]) for t in acme["touchpoints"]] == [
        ("2026-06-01", "daily", [], "done"),
        ("2026-06-02", "daily", [], "skipped"),
        ("2026-06-03", "daily", [], "scheduled"),
        ("2026-06-04", "daily", [], "scheduled"),
        ("2026-06-05", "daily", [], "scheduled"),
        ("2026-06-08", "weekly", ["recovery", "daily"], "skipped"),
        ("2026-06-09", "recovery", ["daily"], "scheduled"),
    ]
    # gold go-live 2026-04-01: weekly 04-08/15/22/29, biweekly 04-15/29, 05-13 (moved to 05-14), retrospective
    # 04-30 (day 30), monthly 05-01;
    # beta did not pass its gate on day 30 (no assessment yet, no KPI on target), so the weekly series is held
    assert [(t["date"], t["kind"], t["covers"], t["moved_from"]) for t in beta["touchpoints"]] == [
        ("2026-04-15", "biweekly", ["weekly"], None),
        ("2026-04-22", "weekly", [], None),
        ("2026-04-29", "biweekly", ["weekly"], None),
        ("2026-04-30", "retrospective", [], None),
        ("2026-05-01", "monthly", [], None),
        ("2026-05-06", "weekly", [], None),
        ("2026-05-13", "weekly", [], None),
        ("2026-05-14", "biweekly", [], "2026-05-13"),
    ]


def test_schedule_default_range_is_the_first_year(sr):
    data = sr.json("schedule", "beta", "--json")
    dates = [t["date"] for t in data["touchpoints"]]
    assert dates[0] == "2026-04-08"
    # quarterly n=1 (07-01) stands over the monthly of the same date
    assert {"date": "2026-07-01", "kind": "quarterly", "covers": ["monthly", "weekly"], "status": "scheduled", "moved_from": None}.items() <= next(
        t for t in data["touchpoints"] if t["date"] == "2026-07-01"
    ).items()
    assert data["to"] >= "2027-04-01"


# ----- health ----------------------------------------------------------------------

HEALTH_KEYS = {"client", "date", "overall", "band", "components", "previous_overall", "delta"}


def test_health_list_most_critical_first(sr):
    data, earlier = parallel(
        [
            lambda: sr.json("health", "--date", AS_OF, "--json"),
            lambda: sr.json("health", "--date", "2026-05-20", "--json"),
        ]
    )
    for row in data:
        assert HEALTH_KEYS <= set(row)
    assert [(r["client"], r["overall"], r["band"], r["previous_overall"], r["delta"], r["date"]) for r in data] == [
        ("acme", 5.2, "red", None, None, "2026-06-05"),
        ("beta", 6.9, "yellow", 8.3, -1.4, "2026-06-01"),
        ("cobalt", 9.0, "green", None, None, "2026-05-04"),
    ]
    # acme (perf 16/3, adoption 14/3, relationship 17/3): component scores shown to two decimals
    acme = data[0]["components"]
    assert set(acme) == {"performance", "adoption", "relationship"}
    assert acme["performance"] == {"score": 5.33, "weight": 0.4, "subscores": {"achievement": 5, "trend": 5, "sustainability": 6}}
    assert acme["adoption"]["score"] == 4.67 and acme["adoption"]["weight"] == 0.3
    assert acme["relationship"]["score"] == 5.67 and acme["relationship"]["weight"] == 0.3
    # every row says why it stands where it does
    assert data[2]["reason"] == "monthly optimization session overdue"
    assert all(isinstance(r["reason"], str) and r["reason"] for r in data)
    # as of 2026-05-20: acme not yet assessed but in its first days of support, so it comes before the green
    # ones (never last by default); beta only has its green assessment
    assert [(r["client"], r["overall"], r["band"], r["delta"]) for r in earlier] == [
        ("acme", None, None, None),
        ("beta", 8.3, "green", None),
        ("cobalt", 9.0, "green", None),
    ]
    assert earlier[0]["reason"].startswith("not assessed, day ")


def test_health_of_one_client_with_history(sr):
    data, earlier = parallel(
        [
            lambda: sr.json("health", "beta", "--date", AS_OF, "--json"),
            lambda: sr.json("health", "beta", "--date", "2026-05-20", "--json"),
        ]
    )
    assert HEALTH_KEYS | {"history"} <= set(data)
    assert data["client"] == "beta"
    assert data["date"] == "2026-06-01"
    # (0.4*20 + 0.3*20 + 0.3*22) / 3 = 6.866.. -> 6.9 ; previous (0.4*24 + 0.3*24 + 0.3*27) / 3 = 8.3
    assert (data["overall"], data["band"], data["previous_overall"], data["delta"]) == (6.9, "yellow", 8.3, -1.4)
    assert data["components"] == {
        "performance": {"score": 6.67, "weight": 0.4, "subscores": {"achievement": 7, "trend": 7, "sustainability": 6}},
        "adoption": {"score": 6.67, "weight": 0.3, "subscores": {"adherence": 7, "engagement": 6, "leadership": 7}},
        "relationship": {"score": 7.33, "weight": 0.3, "subscores": {"communication": 7, "satisfaction": 8, "expansion_interest": 7}},
    }
    assert data["history"] == [
        {"date": "2026-05-04", "overall": 8.3, "band": "green"},
        {"date": "2026-06-01", "overall": 6.9, "band": "yellow"},
    ]
    assert (earlier["date"], earlier["overall"], earlier["band"], earlier["delta"]) == ("2026-05-04", 8.3, "green", None)
    assert earlier["history"] == [{"date": "2026-05-04", "overall": 8.3, "band": "green"}]


# ----- client ----------------------------------------------------------------------

CLIENT_KEYS = {"id", "name", "tier", "owner", "go_live", "day", "phase", "adoption_phase", "handover", "financials"}
MONEY_KEYS = {"monthly_savings", "ytd_savings", "cumulative_savings", "roi", "roi_target"}


def test_client_phase_handover_and_financials(sr):
    acme, beta, cobalt, cobalt_later = parallel(
        [
            lambda: sr.json("client", "acme", "--date", AS_OF, "--json"),
            lambda: sr.json("client", "beta", "--date", AS_OF, "--json"),
            lambda: sr.json("client", "cobalt", "--date", AS_OF, "--json"),
            lambda: sr.json("client", "cobalt", "--date", "2027-01-15", "--json"),
        ]
    )
    for data in (acme, beta, cobalt):
        assert CLIENT_KEYS <= set(data)
        assert MONEY_KEYS <= set(data["financials"])
        assert set(data["handover"]) >= {"ready", "reasons"}
    # go-live 2026-06-01 is day 1, so 2026-06-15 is day 15
    assert (acme["id"], acme["name"], acme["tier"], acme["owner"], acme["go_live"]) == ("acme", "Acme Logistics", "platinum", "ana", "2026-06-01")
    assert (acme["day"], acme["phase"], acme["adoption_phase"]) == (15, "stabilization", "honeymoon")
    assert acme["handover"]["ready"] is False
    # too early, red, 0 of 1 KPI on target, knowledge transfer not started
    assert len(acme["handover"]["reasons"]) == 4
    assert acme["handover"]["reasons"][-1].startswith("knowledge transfer not done: runbook handed over")
    assert acme["financials"]["roi"] is None  # nothing invested
    assert acme["financials"]["monthly_savings"] is None
    # 2026-04-01 -> 2026-06-15 is 75 days later: day 76
    assert (beta["day"], beta["phase"], beta["adoption_phase"]) == (76, "scaling_handover", "honeymoon")
    assert beta["handover"] == {
        "ready": False,
        "reasons": [
            "band is yellow, needs green",
            "1 of 2 KPIs on target (50%), needs 80%",
            "1 high-priority action item open",
            "knowledge transfer not done: runbook handed over, troubleshooting guide handed over, decision log reviewed "
            "with the client, internal owner named, client team shadowed us, we shadowed the client team, escalation "
            "path agreed, governance meetings scheduled",
        ],
    }
    # savings 10000.50 + 12000.25; ROI = (22000.75 - 200000) / 200000 * 100 = -88.99.. -> -89.0
    assert {k: beta["financials"][k] for k in MONEY_KEYS} == {
        "monthly_savings": 12000.25,
        "ytd_savings": 22000.75,
        "cumulative_savings": 22000.75,
        "roi": -89.0,
        "roi_target": 100.0,
    }
    # 2026-02-02 -> 2026-06-15: day 134; 4 whole months elapsed -> month 5 -> reality
    assert (cobalt["day"], cobalt["phase"], cobalt["adoption_phase"]) == (134, "steady_state", "reality")
    assert cobalt["handover"] == {"ready": True, "reasons": []}
    # July's savings lie in the future; ROI = (135000 - 100000) / 100000 = 35 %
    assert {k: cobalt["financials"][k] for k in MONEY_KEYS} == {
        "monthly_savings": 45000.0,
        "ytd_savings": 135000.0,
        "cumulative_savings": 135000.0,
        "roi": 35.0,
        "roi_target": 150.0,
    }
    # as of 2027-01-15: day 348, 11 whole months -> month 12 -> integration; no 2027 savings yet
    assert (cobalt_later["day"], cobalt_later["phase"], cobalt_later["adoption_phase"]) == (348, "steady_state", "integration")
    assert {k: cobalt_later["financials"][k] for k in MONEY_KEYS} == {
        "monthly_savings": 50000.0,
        "ytd_savings": 0.0,
        "cumulative_savings": 185000.0,
        "roi": 85.0,
        "roi_target": 150.0,
    }


# ----- kpis ------------------------------------------------------------------------

KPI_KEYS = {
    "key",
    "name",
    "category",
    "unit",
    "direction",
    "baseline",
    "target",
    "current",
    "change",
    "change_unit",
    "on_target",
    "trend",
    "backsliding",
    "retained",
}


def pick(row, keys=("key", "current", "change", "change_unit", "on_target", "trend", "backsliding", "retained")):
    return {k: row[k] for k in keys}


def test_kpis_current_change_target_trend_backsliding(sr):
    now, earlier = parallel(
        [
            lambda: sr.json("kpis", "beta", "--date", AS_OF, "--json"),
            lambda: sr.json("kpis", "beta", "--date", "2026-05-20", "--json"),
        ]
    )
    assert isinstance(now, list) and len(now) == 3
    for row in now:
        assert KPI_KEYS <= set(row)
    assert (now[0]["name"], now[0]["category"], now[0]["unit"], now[0]["direction"], now[0]["baseline"], now[0]["target"]) == (
        "First contact resolution",
        "lagging",
        "%",
        "higher",
        60,
        80,
    )
    assert [pick(r) for r in now] == [
        # % KPI: change in points. Peak 85, now 70: retained (70-60)/(85-60) = 0.4 < 0.8 -> backsliding.
        # Least squares over (0,65) (16,75) (30,85) (47,70): slope 181.25/1202.75, x 47 days = +7.1 > 5% of 20
        {
            "key": "fcr",
            "current": 70,
            "change": 10,
            "change_unit": "pp",
            "on_target": False,
            "trend": "improving",
            "backsliding": True,
            "retained": 0.4,
        },
        # lower is better: (7.5 - 10) / 10 = -25 %; at its best value, so retained 1.0
        {
            "key": "handle_time",
            "current": 7.5,
            "change": -25,
            "change_unit": "%",
            "on_target": True,
            "trend": "improving",
            "backsliding": False,
            "retained": 1.0,
        },
        {
            "key": "training",
            "current": None,
            "change": None,
            "change_unit": "pp",
            "on_target": None,
            "trend": None,
            "backsliding": False,
            "retained": None,
        },
    ]
    # on 2026-05-20 the peak (85) is the latest reading: on target, nothing lost
    assert pick(earlier[0]) == {
        "key": "fcr",
        "current": 85,
        "change": 25,
        "change_unit": "pp",
        "on_target": True,
        "trend": "improving",
        "backsliding": False,
        "retained": 1.0,
    }
    assert earlier[1]["current"] == 9 and earlier[1]["change"] == -10


# ----- pipeline --------------------------------------------------------------------

OPP_KEYS = {"client", "title", "stage", "value", "probability", "weighted", "readiness"}


def test_pipeline_weighted_totals_and_readiness(sr):
    data, beta, earlier = parallel(
        [
            lambda: sr.json("pipeline", "--date", AS_OF, "--json"),
            lambda: sr.json("pipeline", "--client", "beta", "--date", AS_OF, "--json"),
            lambda: sr.json("pipeline", "--date", "2026-05-20", "--json"),
        ]
    )
    for row in data["opportunities"]:
        assert OPP_KEYS <= set(row)
    assert [(o["client"], o["title"], o["stage"], o["value"], o["probability"], o["weighted"], o["readiness"]) for o in data["opportunities"]] == [
        ("acme", "Extra site", "proposed", 80000, 10, 8000, "hold: recover health first"),
        ("beta", "Analytics add-on", "identified", 50000, 25, 12500, "nurture"),
        ("beta", "Training package", "won", 10000, 100, 10000, "nurture"),
        ("cobalt", "Self-service portal", "qualified", 120000, 40, 48000, "ready to present"),
    ]
    totals = data["totals"]
    assert {"value", "weighted", "by_stage"} <= set(totals)
    # open stages only: 80000 + 50000 + 120000 ; 8000 + 12500 + 48000
    assert (totals["value"], totals["weighted"]) == (250000, 68500)
    assert totals["by_stage"]["won"] == {"count": 1, "value": 10000, "weighted": 10000}
    assert totals["by_stage"]["qualified"] == {"count": 1, "value": 120000, "weighted": 48000}
    assert set(totals["by_stage"]) == {"identified", "qualified", "proposed", "won"}
    assert [o["title"] for o in beta["opportunities"]] == ["Analytics add-on", "Training package"]
    assert (beta["totals"]["value"], beta["totals"]["weighted"]) == (50000, 12500)
    # on 2026-05-20 beta was green and acme not yet assessed
    readiness = {o["client"]: o["readiness"] for o in earlier["opportunities"]}
    assert readiness["beta"] == "ready to present"
    assert readiness["acme"].startswith("unknown")


# ----- tables (no --json) ----------------------------------------------------------

TABLE_CASES = {
    "today": (("today", "--date", AS_OF), ["Acme Logistics", "Fix the report export"]),
    "health-one": (("health", "beta", "--date", AS_OF), ["achievement", "6.9"]),
    "kpis": (("kpis", "beta", "--date", AS_OF), ["BACKSLIDING"]),
    "pipeline": (("pipeline", "--date", AS_OF), ["Self-service portal", "68,500"]),
}


@pytest.fixture(scope="module")
def table_outputs(shared):
    runner, database = shared
    names = list(TABLE_CASES)
    results = parallel([lambda n=n: runner(*TABLE_CASES[n][0], db=database) for n in names])
    return dict(zip(names, results))


@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_human_readable_output(table_outputs, case):
    result = table_outputs[case]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for text in TABLE_CASES[case][1]:
        assert text in result.stdout


# ----- schema, init, import/export -------------------------------------------------


def test_schema_is_json_schema_with_clients(run):
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert "clients" in schema["properties"]
    assert "Client" in schema.get("$defs", {})


def test_init_creates_owner_only_file(run, db):
    result = run("init", db=db)
    assert result.returncode == 0, result.stderr
    assert db.exists()
    for path in [db, Path(f"{db}-wal"), Path(f"{db}-shm")]:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert run.json("today", "--json", "--date", AS_OF, db=db) == {"date": AS_OF, "items": [], "action_items": []}


def test_default_database_lives_in_the_sandboxed_data_folder(run, tmp_path):
    result = run("init")
    assert result.returncode == 0, result.stderr
    expected = tmp_path / "home" / ".local" / "share" / "carebench" / "portfolio.db"
    assert expected.exists()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    # $CAREBENCH_DB wins over the default, --db over both
    env_db = tmp_path / "from_env.db"
    assert run("init", env={"CAREBENCH_DB": str(env_db)}).returncode == 0
    assert env_db.exists()


def test_import_export_round_trip_is_byte_identical(run, tmp_path, portfolio_file):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    run.ok("import", portfolio_file, db=first)
    export1 = run.ok("export", db=first).stdout
    file1 = tmp_path / "export1.json"
    file1.write_text(export1, encoding="utf-8")
    run.ok("import", file1, db=second)
    export2 = run.ok("export", db=second).stdout
    assert export2 == export1
    # importing the same file again into the same database replaces each client whole: still identical
    again = run.ok("import", file1, db=first)
    assert "(0 new, 3 replaced)" in again.stdout
    assert run.ok("export", db=first).stdout == export1
    # -o writes the same text to a file
    out = tmp_path / "out.json"
    run.ok("export", "-o", out, db=second)
    assert out.read_bytes() == export1.encode("utf-8")
    data = json.loads(export1)
    assert [c["id"] for c in data["clients"]] == ["acme", "beta", "cobalt"]
    assert data["format"] == "carebench-portfolio"


def test_import_replaces_clients_whole_and_keeps_the_others(fresh, portfolio_dict, tmp_path):
    run, database = fresh
    before = json.loads(run.ok("export", db=database).stdout)
    beta = next(c for c in portfolio_dict["clients"] if c["id"] == "beta")
    beta["kpis"] = beta["kpis"][1:2]  # only handle_time now
    beta["name"] = "Beta Health Group"
    new = {"id": "delta", "name": "Delta Foods", "tier": "silver", "go_live": "2026-05-04", "owner": "bob"}
    update = tmp_path / "update.json"
    update.write_text(json.dumps({"format": "carebench-portfolio", "version": 1, "clients": [beta, new]}), encoding="utf-8")
    result = run.ok("import", update, db=database)
    assert "(1 new, 1 replaced)" in result.stdout
    after = json.loads(run.ok("export", db=database).stdout)
    by_id = {c["id"]: c for c in after["clients"]}
    assert sorted(by_id) == ["acme", "beta", "cobalt", "delta"]
    assert by_id["beta"]["name"] == "Beta Health Group"
    assert [k["key"] for k in by_id["beta"]["kpis"]] == ["handle_time"]
    old = {c["id"]: c for c in before["clients"]}
    assert by_id["acme"] == old["acme"] and by_id["cobalt"] == old["cobalt"]


def test_import_from_standard_input_creates_a_private_database(run, db, portfolio_dict):
    result = run("import", "-", db=db, input=json.dumps(portfolio_dict))
    assert result.returncode == 0, result.stderr
    assert "3 clients (3 new, 0 replaced)" in result.stdout
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert len(run.json("health", "--date", AS_OF, "--json", db=db)) == 3


def test_only_active_clients_get_touchpoints_and_health_rows(run, db, portfolio_dict, tmp_path):
    next(c for c in portfolio_dict["clients"] if c["id"] == "cobalt")["status"] = "handed_over"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    run.ok("import", path, db=db)
    today = run.json("today", "--date", "2026-06-20", "--json", db=db)
    assert "cobalt" not in {i["client"] for i in today["items"]}
    assert "cobalt" not in {a["client"] for a in today["action_items"]}
    assert [r["client"] for r in run.json("health", "--date", AS_OF, "--json", db=db)] == ["acme", "beta"]


def test_demo_data_loads(run, db):
    from carebench.app.paths import bundled

    try:
        demo = bundled("sample_data") / "demo_portfolio.json"
    except FileNotFoundError:
        demo = None
    if demo is None or not demo.exists():
        pytest.skip("the demo portfolio file is not in this checkout yet")
    result = run("demo-data", "--anchor", AS_OF, db=db)
    assert result.returncode == 0, result.stderr
    assert "demo portfolio loaded" in result.stdout
    assert db.exists()


# ----- writes ----------------------------------------------------------------------


def test_write_commands_build_a_client_from_scratch(run, db):
    run.ok(
        "add-client",
        "zeta",
        "--name",
        "Zeta Bank",
        "--tier",
        "gold",
        "--go-live",
        "2026-05-04",
        "--investment",
        "50000",
        "--roi-target",
        "120",
        db=db,
    )
    run.ok(
        "add-kpi",
        "zeta",
        "nps",
        "--name",
        "Net promoter score",
        "--category",
        "lagging",
        "--unit",
        "pts",
        "--direction",
        "higher",
        "--baseline",
        "20",
        "--target",
        "40",
        db=db,
    )
    run.ok("reading", "zeta", "nps", "30", "--date", "2026-06-01", db=db)
    run.ok("reading", "zeta", "nps", "45", "--date", "2026-06-10", db=db)
    run.ok("savings", "zeta", "2026-05", "10000", db=db)
    run.ok("savings", "zeta", "2026-06", "15000", db=db)
    out = run.ok("assess", "zeta", "--scores", SCORES_80, "--date", "2026-06-05", "--note", "fine", db=db)
    assert "8.0" in out.stdout and "green" in out.stdout
    run.ok(
        "add-opportunity",
        "zeta",
        "--title",
        "Mobile app",
        "--value",
        "90000",
        "--probability",
        "30",
        "--stage",
        "qualified",
        "--source",
        "competitive_response",
        "--investment-low",
        "20000",
        "--investment-high",
        "30000",
        "--start-month",
        "6",
        "--end-month",
        "9",
        db=db,
    )
    run.ok("add-action", "zeta", "Book the QBR", "--due", "2026-06-12", "--priority", "high", db=db)

    client = run.json("client", "zeta", "--date", AS_OF, "--json", db=db)
    # add-client without --owner: the login of whoever ran it
    assert (client["owner"], client["tier"], client["go_live"], client["day"], client["phase"]) == (ACTOR, "gold", "2026-05-04", 43, "optimization")
    # ROI = (25000 - 50000) / 50000 = -50 %
    assert {k: client["financials"][k] for k in MONEY_KEYS} == {
        "monthly_savings": 15000.0,
        "ytd_savings": 25000.0,
        "cumulative_savings": 25000.0,
        "roi": -50.0,
        "roi_target": 120.0,
    }
    kpis = run.json("kpis", "zeta", "--date", AS_OF, "--json", db=db)
    # (45 - 20) / 20 = +125 %
    assert pick(kpis[0]) == {
        "key": "nps",
        "current": 45,
        "change": 125,
        "change_unit": "%",
        "on_target": True,
        "trend": "improving",
        "backsliding": False,
        "retained": 1.0,
    }
    health = run.json("health", "zeta", "--date", AS_OF, "--json", db=db)
    # perf 23/3, adoption 24/3, relationship 25/3: (0.4*23 + 0.3*24 + 0.3*25) / 3 = 7.966.. -> 8.0 green
    assert (health["overall"], health["band"], health["delta"]) == (8.0, "green", None)
    pipeline = run.json("pipeline", "--date", AS_OF, "--json", db=db)
    assert [(o["title"], o["weighted"], o["readiness"]) for o in pipeline["opportunities"]] == [("Mobile app", 27000, "ready to present")]
    today = run.json("today", "--date", AS_OF, "--json", db=db)
    assert [(a["text"], a["owner"], a["priority"]) for a in today["action_items"]] == [("Book the QBR", ACTOR, "high")]


def test_reading_on_the_same_date_replaces_it(fresh):
    run, database = fresh
    out = run.ok("reading", "beta", "handle_time", "7.9", "--date", "2026-06-01", db=database)
    assert "replaced 7.5" in out.stdout
    kpis = run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)
    handle = next(k for k in kpis if k["key"] == "handle_time")
    assert handle["current"] == 7.9
    assert handle["change"] == -21  # (7.9 - 10) / 10
    export = json.loads(run.ok("export", db=database).stdout)
    readings = next(c for c in export["clients"] if c["id"] == "beta")["kpis"][1]["readings"]
    assert readings == [{"date": "2026-05-01", "value": 9.0}, {"date": "2026-06-01", "value": 7.9}]


def test_assess_on_the_same_date_replaces_it_and_ends_escalation(fresh):
    run, database = fresh
    out = run.ok("assess", "beta", "--scores", SCORES_80, "--date", "2026-06-01", "--note", "recovered", db=database)
    assert "replaced" in out.stdout
    health = run.json("health", "beta", "--date", AS_OF, "--json", db=database)
    # 7.966.. rounds to 8.0, and the band is read from the rounded value: green; 8.0 - 8.3 = -0.3
    assert (health["overall"], health["band"], health["previous_overall"], health["delta"]) == (8.0, "green", 8.3, -0.3)
    assert health["history"] == [
        {"date": "2026-05-04", "overall": 8.3, "band": "green"},
        {"date": "2026-06-01", "overall": 8.0, "band": "green"},
    ]
    today = run.json("today", "--date", AS_OF, "--owner", "bob", "--json", db=database)
    # no yellow assessment any more: no intervention touchpoints (green, but 1 of 2 KPIs on target: weekly still held)
    assert rows(today) == [
        ("beta", "biweekly", "2026-06-10", "overdue", 1, ["weekly"], "green"),
        ("beta", "weekly", "2026-06-03", "overdue", 1, [], "green"),
    ]


def test_done_supersedes_older_touchpoints_of_the_same_or_lower_seniority(fresh):
    run, database = fresh
    out = run.ok("done", "acme", "--date", "2026-06-12", db=database)
    assert "recovery" in out.stdout
    today = run.json("today", "--date", AS_OF, "--owner", "ana", "--json", db=database)
    # the recovery done on 06-12 covers the missed recoveries before it and the (less senior) dailies
    assert rows(today) == [
        ("cobalt", "monthly", "2026-06-02", "overdue", 1, [], "green"),
        ("acme", "weekly", AS_OF, "due", 0, ["recovery", "daily"], "red"),
    ]
    schedule = run.json("schedule", "acme", "--from", "2026-06-12", "--to", "2026-06-12", "--json", db=database)
    assert [(t["kind"], t["status"]) for t in schedule["touchpoints"]] == [("recovery", "done")]


def test_done_with_a_covered_kind_and_skip(fresh):
    run, database = fresh
    run.ok("done", "acme", "--date", AS_OF, "--kind", "daily", db=database)  # a covered kind names the standing one
    run.ok("skip", "beta", "--date", "2026-06-10", "--reason", "team offsite", db=database)
    today = run.json("today", "--date", AS_OF, "--json", db=database)
    assert rows(today) == [
        ("beta", "weekly", "2026-06-03", "overdue", 1, [], "yellow"),  # the skipped biweekly covered a held weekly
        ("beta", "intervention", "2026-06-08", "overdue", 1, [], "yellow"),
        ("cobalt", "monthly", "2026-06-02", "overdue", 1, [], "green"),
        ("beta", "intervention", AS_OF, "due", 0, [], "yellow"),
    ]
    schedule = run.json("schedule", "beta", "--from", "2026-06-10", "--to", "2026-06-10", "--json", db=database)
    assert [(t["kind"], t["status"]) for t in schedule["touchpoints"]] == [("biweekly", "skipped")]


def test_move_changes_schedule_and_agenda(fresh):
    run, database = fresh
    out = run.ok("--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", "2026-06-16", "--reason", "client asked", db=database)
    assert "moved" in out.stdout
    schedule = run.json("schedule", "beta", "--from", AS_OF, "--to", "2026-06-17", "--json", db=database)
    assert schedule["touchpoints"] == [
        {"date": "2026-06-16", "kind": "intervention", "covers": [], "status": "scheduled", "moved_from": AS_OF},
        {"date": "2026-06-17", "kind": "weekly", "covers": [], "status": "scheduled", "moved_from": None},  # held
    ]
    next_day = run.json("today", "--date", "2026-06-16", "--owner", "bob", "--json", db=database)
    assert ("beta", "intervention", "2026-06-16", "due", 0, [], "yellow") in rows(next_day)
    # the moved touchpoint can be done on its new date; that also settles the older missed intervention
    run.ok("done", "beta", "--date", "2026-06-16", db=database)
    after = run.json("today", "--date", "2026-06-17", "--owner", "bob", "--json", db=database)
    # an intervention is less senior than the held weekly series: those stay
    assert rows(after) == [
        ("beta", "biweekly", "2026-06-10", "overdue", 1, ["weekly"], "yellow"),
        ("beta", "weekly", "2026-06-03", "overdue", 1, [], "yellow"),
        ("beta", "weekly", "2026-06-17", "due", 0, [], "yellow"),
    ]


def test_savings_for_a_month_replaces_it(fresh):
    run, database = fresh
    run.ok("savings", "cobalt", "2026-05", "50000", db=database)
    money = run.json("client", "cobalt", "--date", AS_OF, "--json", db=database)["financials"]
    # 20000 + 30000 + 40000 + 50000 = 140000 ; ROI (140000 - 100000) / 100000 = 40 %
    assert (money["monthly_savings"], money["ytd_savings"], money["roi"]) == (50000, 140000, 40.0)


def test_negative_values_after_double_dash(fresh):
    run, database = fresh
    # (a negative share is implausible: --force says it is meant)
    run.ok("reading", "beta", "fcr", "--date", "2026-06-02", "--force", "--", "-5", db=database)
    assert run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)[0]["current"] == -5


def test_log_shows_who_did_what_and_the_environment_cannot_say_otherwise(fresh):
    run, database = fresh
    # LOGNAME and USER name a teammate: the audit trail records the real user all the same.
    run.ok("reading", "beta", "fcr", "72", "--date", "2026-06-10", db=database, env={"LOGNAME": "alice", "USER": "alice"})
    run.ok("add-action", "acme", "Call the vendor", "--due", "2026-06-16", db=database)
    entries = run.json("log", "--json", db=database)
    assert [(e["actor"], e["action"], e["client_id"]) for e in entries[:3]] == [
        (ACTOR, "add-action", "acme"),
        (ACTOR, "reading", "beta"),
        (ACTOR, "import", None),
    ]
    for entry in entries:
        assert {"at", "actor", "action", "client_id", "detail"} <= set(entry)
        assert entry["at"][:4].isdigit() and "T" in entry["at"]
    assert entries[1]["detail"]["kpi"] == "fcr" and entries[1]["detail"]["value"] == 72
    only_beta = run.json("log", "--json", "--client", "beta", "--limit", "1", db=database)
    assert [(e["actor"], e["client_id"]) for e in only_beta] == [(ACTOR, "beta")]


def test_negative_reading_without_double_dash(fresh):
    run, database = fresh
    result = run("reading", "beta", "fcr", "-5", "--date", "2026-06-02", "--force", db=database)
    assert result.returncode == 0, result.stderr


# ----- the demo from the command line; no terminal ----------------------------------------------


def test_every_command_finds_the_demo_database_with_demo(run):
    missing = run("today", "--demo")
    assert missing.returncode == 2 and "carebench demo" in missing.stderr and "demo.db" in missing.stderr
    run.ok("demo-data", "--demo", "--anchor", AS_OF)
    today = run.json("today", "--demo", "--date", AS_OF, "--json")
    assert today["items"] and today["date"] == AS_OF
    assert run.json("--demo", "health", "--json", "--date", AS_OF)  # given to carebench itself, too
    both = run("today", "--demo", "--db", run.home / "other.db")
    assert both.returncode == 2 and "--db or --demo" in both.stderr


def test_without_a_terminal_the_workbench_says_so_at_once(run, tmp_path):
    for args in ((), ("demo",)):
        result = run(*args, db=tmp_path / "p.db" if not args else None, real=True, timeout=20)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == (
            "error: the workbench needs a terminal; over ssh use `ssh -t HOST carebench`, or run a command such as `carebench today`"
        )
        assert result.stdout == ""
    assert not (tmp_path / "p.db").exists()  # nothing was created either
    assert not list(run.home.rglob("demo.db"))


def test_a_touchpoint_cannot_be_moved_into_the_past(fresh):
    run, database = fresh
    refused = run("--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", "2026-06-12", db=database)
    assert refused.returncode == 2
    assert "2026-06-12 is in the past (today is 2026-06-15)" in refused.stderr
    run.ok("--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", AS_OF.replace("15", "17"), db=database)


def test_errors_say_the_rule_in_carebenchs_words_not_the_validators(fresh, tmp_path):
    run, database = fresh
    empty = run("add-action", "acme", "", "--due", "2026-06-20", db=database)
    assert empty.returncode == 2 and "must not be empty" in empty.stderr and "should" not in empty.stderr
    source = tmp_path / "p.json"
    source.write_text('{"clients": [{"id": "x", "name": "X", "tier": "bronze", "go_live": "2026-02-30", "owner": "ana", "investment": "lots"}]}')
    refused = run("import", source, db=database)
    assert refused.returncode == 2
    assert "clients[0].tier: must be one of 'platinum', 'gold' or 'silver'" in refused.stderr
    assert "clients[0].go_live: must be a date, YYYY-MM-DD" in refused.stderr
    assert "clients[0].investment: must be a number" in refused.stderr
    assert "Input should" not in refused.stderr


def test_a_retained_share_that_means_nothing_is_null_with_its_reason(run, db):
    run.ok("add-client", "zeta", "--name", "Zeta Bank", "--tier", "gold", "--go-live", "2026-05-04", db=db)
    kpi = ("--category", "diagnostic", "--unit", "tickets", "--direction", "lower", "--baseline", "14", "--target", "8")
    run.ok("add-kpi", "zeta", "tickets", "--name", "Support tickets", *kpi, db=db)
    run.ok("reading", "zeta", "tickets", "13", "--date", "2026-06-01", db=db)
    run.ok("reading", "zeta", "tickets", "32", "--date", "2026-06-10", "--force", db=db)
    (tickets,) = [k for k in run.json("kpis", "zeta", "--date", AS_OF, "--json", db=db) if k["key"] == "tickets"]
    # (32 - 14) / (13 - 14) = -1800%: worse than the baseline, so no share; the key stays, null
    assert tickets["backsliding"] is True and tickets["peak"] == 13
    assert tickets["retained"] is None
    assert "worse than its baseline" in tickets["retained_note"]


def test_pipeline_table_shows_the_opportunity_as_tracked(sr):
    result = sr("pipeline", "--client", "beta", "--date", AS_OF)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    header = next(line for line in out.splitlines() if "opportunity" in line)
    columns = [c.strip() for c in header.strip("┃│ ").replace("┃", "│").split("│")]
    assert columns == ["client", "opportunity", "stage", "value", "investment", "timeline", "prob.", "weighted", "readiness", "next action"]
    analytics = next(line for line in out.splitlines() if "Analytics add-on" in line)
    # beta went live 2026-04-01, so 2026-07-01 is three months after: shown both ways
    for cell in ("50,000", "10,000–20,000", "months 3–6 after go-live", "25%", "12,500", "Month 3 (2026-07-01): Demo to the COO"):
        assert cell in analytics, cell


def test_a_next_action_entered_as_a_month_of_the_engagement(run, db):
    run.ok("add-client", "zeta", "--name", "Zeta Bank", "--tier", "gold", "--go-live", "2026-06-14", db=db)
    run.ok(
        "add-opportunity",
        "zeta",
        *("--title", "Supply chain optimization", "--value", "180000", "--probability", "75"),
        *("--investment-low", "45000", "--investment-high", "65000", "--start-month", "6", "--end-month", "8"),
        *("--next-action", "Present the supply-chain opportunity", "--next-action-date", "Month 3"),
        db=db,
    )
    (row,) = run.json("pipeline", "--client", "zeta", "--json", "--date", "2026-06-15", db=db)["opportunities"]
    assert (row["next_action_date"], row["next_action_month"], row["go_live"]) == ("2026-09-14", 3, "2026-06-14")
    assert (row["investment_low"], row["investment_high"], row["start_month"], row["end_month"]) == (45000, 65000, 6, 8)
    assert row["weighted"] == 135000
    out = run.ok("pipeline", "--client", "zeta", "--date", "2026-06-15", db=db).stdout
    assert "Month 3 (2026-09-14): Present the" in out  # (the table wraps the rest)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("month 0", "after 'month' write a whole number of months after go-live from 1 to 240, not 0"),
        ("month x", "not x"),
        ("month", "not nothing"),
        ("month 241", "not 241"),
        ("month 2.5", "not 2.5"),
        ("next week", "is neither a date (YYYY-MM-DD) nor 'month N'"),
    ],
    ids=["month-0", "month-x", "month-alone", "past-240", "fraction", "words"],
)
def test_a_bad_next_action_month_is_refused_and_nothing_is_stored(run, db, when, message):
    run.ok("add-client", "zeta", "--name", "Zeta Bank", "--tier", "gold", "--go-live", "2026-06-14", db=db)
    result = run("add-opportunity", "zeta", "--title", "T", "--value", "1", "--probability", "5", "--next-action-date", when, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: next action date:") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert run.json("pipeline", "--json", db=db)["opportunities"] == []
