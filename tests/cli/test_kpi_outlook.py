"""A KPI's forecast (when it reaches its target at the current slope), its benchmark and its team-dashboard mark, on
the command line, in the portfolio file, across the schema step that brought them and in the reports.

The KPIs added to acme (conftest's portfolio) for these tests:

otd    lagging % higher, baseline 80, target 95.2, benchmark 85; weekly readings 80.5, 81, 81.5, 82, 82.5 from
       2026-05-04 to 2026-06-01. The trend line rises 0.5 a week (1/14 a day), so from 82.5 on 06-01 the target is
       12.7 / (1/14) = 177.8 days on: 178 days, 2026-11-26. Against the benchmark: 82.5 - 85 = -2.5 pp.
cycle  lagging h lower, baseline 10, target 6; readings 9, 9.5, 10 a week apart: rising, the wrong way for it.
"""

from __future__ import annotations

import json
import sqlite3

from conftest import AS_OF, schema_at

OTD = ["add-kpi", "acme", "otd", "--name", "On-time delivery", "--category", "lagging", "--unit", "%", "--direction", "higher"]
CYCLE = ["add-kpi", "acme", "cycle", "--name", "Cycle time", "--category", "lagging", "--unit", "h", "--direction", "lower"]


def with_outlook_kpis(run, db) -> None:
    run.ok(*OTD, "--baseline", "80", "--target", "95.2", "--benchmark", "85", db=db)
    for day, value in zip(("2026-05-04", "2026-05-11", "2026-05-18", "2026-05-25", "2026-06-01"), ("80.5", "81", "81.5", "82", "82.5")):
        run.ok("reading", "acme", "otd", value, "--date", day, db=db)
    run.ok(*CYCLE, "--baseline", "10", "--target", "6", db=db)
    for day, value in zip(("2026-05-18", "2026-05-25", "2026-06-01"), ("9", "9.5", "10")):
        run.ok("reading", "acme", "cycle", value, "--date", day, db=db)


def test_kpis_json_gives_the_forecast_date_and_the_benchmark(fresh):
    run, db = fresh
    with_outlook_kpis(run, db)
    kpis = {k["key"]: k for k in run.json("kpis", "acme", "--date", AS_OF, "--json", db=db)}
    pick = ("trend", "forecast", "forecast_date", "benchmark", "vs_benchmark", "team")
    assert {name: kpis["otd"][name] for name in pick} == {
        "trend": "improving",
        "forecast": "reaches",
        "forecast_date": "2026-11-26",
        "benchmark": 85,
        "vs_benchmark": -2.5,
        "team": False,
    }
    # the wrong way: no date
    assert {name: kpis["cycle"][name] for name in pick} == {
        "trend": "declining",
        "forecast": "not_at_current_slope",
        "forecast_date": None,
        "benchmark": None,
        "vs_benchmark": None,
        "team": False,
    }
    # one reading: no slope, so no forecast at all
    assert (kpis["uptime"]["forecast"], kpis["uptime"]["forecast_date"], kpis["uptime"]["benchmark"]) == (None, None, None)
    # the forecast as of an earlier day uses the readings up to it: 80.5 .. 81.5 on 05-18, (95.2 - 81.5) * 14 = 191.8 days on
    earlier = {k["key"]: k for k in run.json("kpis", "acme", "--date", "2026-05-18", "--json", db=db)}
    assert earlier["otd"]["forecast_date"] == "2026-11-26"
    # an on-target KPI is forecast as on target, with no date
    beta = {k["key"]: k for k in run.json("kpis", "beta", "--date", AS_OF, "--json", db=db)}
    assert (beta["handle_time"]["forecast"], beta["handle_time"]["forecast_date"]) == ("on_target", None)
    table = run.ok("kpis", "acme", "--date", AS_OF, db=db).stdout
    assert "reaches target" in table and "about 2026-11" in table and "not at this slope" in table and "85.0" in table


def test_edit_kpi_sets_and_removes_the_benchmark_and_the_team_mark(fresh):
    run, db = fresh
    assert run.ok("edit-kpi", "acme", "uptime", "--benchmark", "98.5", "--team", db=db).stdout == (
        "acme KPI uptime saved: benchmark 98.5, on the team dashboard\n"
    )
    uptime = run.json("kpis", "acme", "--date", AS_OF, "--json", db=db)[0]
    assert (uptime["benchmark"], uptime["vs_benchmark"], uptime["team"]) == (98.5, -1.5, True)
    assert (uptime["baseline"], uptime["target"], uptime["readings_count"]) == (95, 99, 1)  # the rest stays
    run.ok("edit-kpi", "acme", "uptime", "--no-benchmark", "--name", "Uptime", db=db)
    uptime = run.json("kpis", "acme", "--date", AS_OF, "--json", db=db)[0]
    assert (uptime["name"], uptime["benchmark"], uptime["team"]) == ("Uptime", None, True)
    logged = run.json("log", "--client", "acme", "--json", db=db)
    assert [e["action"] for e in logged[:2]] == ["edit-kpi", "edit-kpi"]


def test_a_leading_kpi_is_on_the_team_dashboard_unless_unmarked_and_follows_its_category(fresh):
    run, db = fresh
    team = {k["key"]: k["team"] for k in run.json("kpis", "beta", "--date", AS_OF, "--json", db=db)}
    assert team == {"fcr": False, "handle_time": True, "training": True}
    run.ok(
        "add-kpi",
        "beta",
        "huddles",
        "--name",
        "Huddles",
        "--category",
        "leading",
        "--unit",
        "",
        "--direction",
        "higher",
        "--baseline",
        "0",
        "--target",
        "5",
        "--no-team",
        db=db,
    )
    run.ok("edit-kpi", "beta", "training", "--category", "diagnostic", db=db)  # its mark was the category's: it goes
    run.ok("edit-kpi", "beta", "fcr", "--team", db=db)
    run.ok("edit-kpi", "beta", "fcr", "--category", "diagnostic", db=db)  # a mark given by hand stays
    team = {k["key"]: k["team"] for k in run.json("kpis", "beta", "--date", AS_OF, "--json", db=db)}
    assert team == {"fcr": True, "handle_time": True, "training": False, "huddles": False}


def test_export_and_import_carry_the_benchmark_and_the_team_mark(fresh, tmp_path):
    run, db = fresh
    run.ok("edit-kpi", "beta", "fcr", "--benchmark", "72", "--team", db=db)
    run.ok("edit-kpi", "beta", "training", "--no-team", db=db)
    exported = tmp_path / "out.json"
    run.ok("export", "-o", exported, db=db)
    kpis = {k["key"]: k for c in json.loads(exported.read_text())["clients"] for k in c["kpis"]}
    # written only where set, and a mark only where it differs from what the category gives
    assert (kpis["fcr"]["benchmark"], kpis["fcr"]["team"], kpis["training"]["team"]) == (72, True, False)
    assert "benchmark" not in kpis["handle_time"] and "team" not in kpis["handle_time"]
    again = tmp_path / "again.db"
    run.ok("import", exported, db=again)
    assert run.json("kpis", "beta", "--date", AS_OF, "--json", db=again) == run.json("kpis", "beta", "--date", AS_OF, "--json", db=db)
    second = tmp_path / "second.json"
    run.ok("export", "-o", second, db=again)
    assert second.read_text() == exported.read_text()


def test_the_schema_step_marks_the_leading_kpis_and_forecasts_from_the_readings_there(tmp_path, run):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema_at(conn, 14)
    stamp = ("2026-01-01T00:00:00", "x")
    conn.execute(
        "INSERT INTO clients (id, name, tier, go_live, owner, changed_at, changed_by) VALUES ('a', 'A', 'gold', '2026-05-01', 'x', ?, ?)", stamp
    )
    for position, (key, category) in enumerate((("adoption", "leading"), ("otd", "lagging"), ("errors", "diagnostic"))):
        conn.execute(
            "INSERT INTO kpis (client_id, position, key, name, category, unit, direction, baseline, target, changed_at, changed_by) "
            "VALUES ('a', ?, ?, ?, ?, '%', 'higher', 50, 80, ?, ?)",
            (position, key, key.title(), category, *stamp),
        )
        for day, value in (("2026-05-04", 55), ("2026-05-11", 60), ("2026-05-18", 65)):
            conn.execute(
                "INSERT INTO readings (kpi_id, date, value, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)", (position + 1, day, value, *stamp)
            )
    # rows derived by the older code, without forecasts
    conn.execute("INSERT INTO derivation VALUES ('rules_version', 'older'), ('horizon', '2027-08-01')")
    conn.executemany("INSERT INTO kpi_standing VALUES (?, 65, '2026-05-18', 60, 15, 'pp', 0, 'improving', 0, 1.0, 65, 3)", [(1,), (2,), (3,)])
    conn.commit()
    conn.close()
    path.chmod(0o600)
    kpis = run.json("kpis", "a", "--date", "2026-05-20", "--json", db=path)
    # slope 5 a week from 65 on 05-18: 15 / (5/7) = 21 days on
    assert [(k["key"], k["team"], k["benchmark"], k["forecast"], k["forecast_date"]) for k in kpis] == [
        ("adoption", True, None, "reaches", "2026-06-08"),
        ("otd", False, None, "reaches", "2026-06-08"),
        ("errors", False, None, "reaches", "2026-06-08"),
    ]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT key, team, benchmark FROM kpis ORDER BY position").fetchall() == [
        ("adoption", 1, None),
        ("otd", 0, None),
        ("errors", 0, None),
    ]
    conn.close()


def test_reports_show_the_forecast_and_the_benchmark_and_the_team_report_the_marked_kpis(fresh):
    run, db = fresh
    with_outlook_kpis(run, db)
    run.ok("edit-kpi", "acme", "otd", "--team", db=db)
    report = run.ok("report", "acme", "--kind", "monthly", "--audience", "operational", "--date", AS_OF, db=db).stdout
    header = next(line for line in report.splitlines() if line.startswith("| KPI |"))
    assert header.endswith("| Trend | Reaches target | Benchmark |")
    otd = next(line for line in report.splitlines() if line.startswith("| On-time delivery |"))
    assert otd.endswith("| about November 2026 | 85% (now 2.5 pp worse) |")
    cycle = next(line for line in report.splitlines() if line.startswith("| Cycle time |"))
    assert cycle.endswith("| not at this slope | – |")
    # the team report: the lagging KPI marked for the team (acme has no leading one); a benchmark column only where
    # one of its KPIs has a benchmark
    team = run.ok("report", "acme", "--kind", "monthly", "--audience", "team", "--date", AS_OF, db=db).stdout
    section = team.split("## Team KPIs", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ")[0].removeprefix("| ") for line in section.splitlines() if line.startswith("| ")]
    assert rows[2:] == ["On-time delivery"]  # after the header and its rule
    assert "| Benchmark |" in team
    beta = run.ok("report", "beta", "--kind", "monthly", "--audience", "team", "--date", AS_OF, db=db).stdout
    assert "| Training completion |" in beta and "| First contact resolution |" not in beta
    assert "| Benchmark |" not in beta
