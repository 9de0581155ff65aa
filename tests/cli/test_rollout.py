"""The scaling phase's rollout waves on the command line: rollout CLIENT add / live / plan / list, the adoption share
in `client --json` and in the operational reports, export and import, and migration 17.

On the fixed-date portfolio of conftest.py (today 2026-06-15) beta (gold, go-live 2026-04-01) is in scaling &
handover; it rolls out a pilot of 50 users (planned for 2026-05-04), a second wave of 150 (planned for 2026-07-01)
and a third wave not sized yet. With 50 and 30 live the adoption share is (50 + 30) / (50 + 150) = 40%.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import schema_at

DAY = ("--date", "2026-06-15")


def three_waves(run, db) -> None:
    run.ok(*DAY, "rollout", "beta", "add", "Pilot", "--planned", "50", "--date", "2026-05-04", db=db)
    run.ok(*DAY, "rollout", "beta", "add", "Wave 2", "--planned", "150", "--date", "2026-07-01", db=db)
    run.ok(*DAY, "rollout", "beta", "add", "Wave 3", db=db)


def test_waves_added_counted_live_and_listed_with_the_adoption_share(fresh):
    run, db = fresh
    out = run.ok(*DAY, "rollout", "beta", "add", "Pilot", "--planned", "50", "--date", "2026-05-04", db=db).stdout
    assert out == "beta: rollout wave 1 (Pilot): 0 of 50 users live, planned for 2026-05-04\n"
    run.ok(*DAY, "rollout", "beta", "add", "Wave 2", "--planned", "150", "--date", "2026-07-01", db=db)
    assert run.ok(*DAY, "rollout", "beta", "add", "Wave 3", db=db).stdout == "beta: rollout wave 3 (Wave 3): not sized\n"
    before = run.json(*DAY, "rollout", "beta", "list", "--json", db=db)
    assert [w["state"] for w in before["waves"]] == ["late", "planned", "not_sized"], "the pilot's day has passed with none live"
    assert before["adoption_share"] == 0.0
    live = run.ok(*DAY, "rollout", "beta", "live", "1", "50", db=db)
    assert live.stdout == "beta: rollout wave 1 (Pilot): 50 of 50 users live, planned for 2026-05-04\n" and live.stderr == ""
    run.ok(*DAY, "rollout", "beta", "live", "2", "30", "--date", "2026-06-12", db=db)
    data = run.json(*DAY, "rollout", "beta", "list", "--json", db=db)
    assert {k: data[k] for k in ("client", "adoption_share", "live", "planned", "unit", "not_sized", "live_not_sized")} == {
        "client": "beta",
        "adoption_share": 40.0,
        "live": 80,
        "planned": 200,
        "unit": "users",
        "not_sized": 1,
        "live_not_sized": 0,
    }
    assert [(w["number"], w["name"], w["planned"], w["live"], w["live_on"], w["share"], w["state"]) for w in data["waves"]] == [
        (1, "Pilot", 50, 50, "2026-06-15", 100.0, "complete"),
        (2, "Wave 2", 150, 30, "2026-06-12", 20.0, "rolling_out"),
        (3, "Wave 3", None, 0, None, None, "not_sized"),
    ]
    table = run.ok(*DAY, "rollout", "beta", "list", db=db).stdout
    assert "40% adopted: 80 of 200 users live (1 wave not sized yet, 0 live in it)" in table
    assert "rolling out" in table and "not sized" in table
    assert run.json(*DAY, "client", "beta", "--json", db=db)["adoption_share"] == 40.0
    log = run.json("log", "--client", "beta", "--json", db=db)
    assert [entry["action"] for entry in log][:5] == ["rollout-live", "rollout-live", "rollout-add", "rollout-add", "rollout-add"]


def test_a_wave_sized_later_joins_the_share(fresh):
    run, db = fresh
    three_waves(run, db)
    run.ok(*DAY, "rollout", "beta", "live", "3", "10", db=db)
    assert run.json(*DAY, "rollout", "beta", "list", "--json", db=db)["live_not_sized"] == 10
    out = run.ok(*DAY, "rollout", "beta", "plan", "3", "200", "--date", "2026-08-01", db=db).stdout
    assert out == "beta: rollout wave 3 (Wave 3): 10 of 200 users live, planned for 2026-08-01\n"
    data = run.json(*DAY, "rollout", "beta", "list", "--json", db=db)
    assert (data["adoption_share"], data["live"], data["planned"], data["not_sized"]) == (2.5, 10, 400, 0)


def test_live_above_the_plan_is_kept_with_a_warning(fresh):
    run, db = fresh
    run.ok(*DAY, "rollout", "beta", "add", "Pilot", "--planned", "50", db=db)
    result = run.ok(*DAY, "rollout", "beta", "live", "1", "60", db=db)
    assert result.stdout == "beta: rollout wave 1 (Pilot): 60 of 50 users live\n"
    assert result.stderr == "warning: wave 1 has 10 more live than the 50 planned; recorded (`carebench rollout beta plan 1 COUNT` sizes it again)\n"
    data = run.json(*DAY, "rollout", "beta", "list", "--json", db=db)
    assert (data["adoption_share"], data["waves"][0]["state"]) == (120.0, "complete")
    lower = run.ok(*DAY, "rollout", "beta", "plan", "1", "40", db=db)
    assert "warning: wave 1 has 20 more live than the 40 planned" in lower.stderr, "sizing a wave below its live count warns too"


def test_the_first_wave_sets_the_unit_the_others_count(fresh):
    run, db = fresh
    run.ok(*DAY, "rollout", "cobalt", "add", "North", "--planned", "3", "--unit", "sites", db=db)
    assert run.ok(*DAY, "rollout", "cobalt", "add", "South", "--planned", "5", db=db).stdout == "cobalt: rollout wave 2 (South): 0 of 5 sites live\n"
    data = run.json(*DAY, "rollout", "cobalt", "list", "--json", db=db)
    assert data["unit"] == "sites" and [w["unit"] for w in data["waves"]] == ["sites", "sites"]


def test_a_client_without_waves(fresh):
    run, db = fresh
    assert run.ok(*DAY, "rollout", "acme", "list", db=db).stdout == (
        "acme has no rollout waves (add one with `carebench rollout acme add NAME --planned N`)\n"
    )
    data = run.json(*DAY, "rollout", "acme", "list", "--json", db=db)
    assert data == {"client": "acme", "adoption_share": None, "live": 0, "planned": 0, "unit": None, "not_sized": 0, "live_not_sized": 0, "waves": []}
    assert run.json(*DAY, "client", "acme", "--json", db=db)["adoption_share"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["rollout", "nope", "add", "Pilot", "--planned", "5"], "unknown client 'nope'"),
        (["rollout", "beta", "add", "  ", "--planned", "5"], "a rollout wave needs a name"),
        (["rollout", "beta", "add", "Pilot", "--planned", "-5"], "--planned -5: a wave brings in at least 1"),
        (
            ["rollout", "beta", "add", "Pilot", "--planned", "0"],
            "--planned 0: a wave brings in at least 1 (leave --planned out while it is not sized)",
        ),
        (["rollout", "beta", "add", "Pilot", "--planned", "ten"], "'ten' is not a valid integer"),
        (["rollout", "beta", "add", "Pilot", "--planned", "200000000"], "planned: must be at most 100000000"),
        (["rollout", "beta", "add", "Pilot", "--date", "2026-02-30"], "2026-02-30"),
        (["rollout", "beta", "add", "Pilot", "--unit", ""], "unit: must not be empty"),
        (["rollout", "beta", "add", "Pilot\x1b[2J"], "name:"),
        (["rollout", "beta", "add", "Wave 2", "--planned", "5"], "client 'beta' has a rollout wave named 'Wave 2' already"),
        (["rollout", "beta", "add", "Stores", "--unit", "sites"], "the rollout waves of 'beta' count users, not sites: one unit for all of them"),
        (["rollout", "beta", "live", "4", "10"], "client 'beta' has no rollout wave 4 (its rollout has waves 1-3)"),
        (["rollout", "beta", "live", "0", "10"], "the waves of a rollout are numbered from 1, not 0"),
        (["rollout", "beta", "live", "1", "-3"], "a live count is 0 or more, not -3"),
        (["rollout", "beta", "live", "1", "x"], "'x' is not a valid integer"),
        (["rollout", "beta", "live", "1", "10", "--date", "2026-06-16"], "--date 2026-06-16 is after today (2026-06-15)"),
        (["rollout", "beta", "plan", "9", "10"], "client 'beta' has no rollout wave 9"),
        (["rollout", "beta", "plan", "1", "0"], "--planned 0: a wave brings in at least 1"),
        (["rollout", "acme", "live", "1", "10"], "client 'acme' has no rollout wave 1 (it has no rollout waves)"),
        (["rollout", "nope", "list"], "unknown client 'nope'"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_bad_input_is_one_line_and_changes_nothing(fresh, dump_db, args, message):
    run, db = fresh
    three_waves(run, db)
    before = dump_db(db)
    result = run(*DAY, *args, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert dump_db(db) == before


def test_export_and_import_keep_the_waves(fresh, tmp_path):
    run, db = fresh
    three_waves(run, db)
    run.ok(*DAY, "rollout", "beta", "live", "1", "55", db=db)
    first = run.ok("export", db=db).stdout
    beta = next(c for c in json.loads(first)["clients"] if c["id"] == "beta")
    assert beta["rollout"] == [
        {"name": "Pilot", "unit": "users", "planned": 50, "live": 55, "planned_date": "2026-05-04", "live_on": "2026-06-15"},
        {"name": "Wave 2", "unit": "users", "planned": 150, "live": 0, "planned_date": "2026-07-01"},
        {"name": "Wave 3", "unit": "users", "live": 0},
    ]
    assert "rollout" not in next(c for c in json.loads(first)["clients"] if c["id"] == "acme"), "a client without waves is written as before"
    source = tmp_path / "p.json"
    source.write_text(first, encoding="utf-8")
    again = tmp_path / "again.db"
    run.ok("import", source, db=again)
    assert run.ok("export", db=again).stdout == first
    assert run.json(*DAY, "rollout", "beta", "list", "--json", db=again)["adoption_share"] == 27.5


def test_import_refuses_waves_in_two_units_or_twice_the_same_name(run, db, portfolio_dict, tmp_path):
    beta = next(c for c in portfolio_dict["clients"] if c["id"] == "beta")
    beta["rollout"] = [{"name": "Pilot", "planned": 5}, {"name": "Stores", "planned": 2, "unit": "sites"}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    result = run("import", path, db=db)
    assert result.returncode == 2 and result.stderr == f"error: {path}: clients[1]: the rollout waves count in one unit, not several (sites, users)\n"
    beta["rollout"] = [{"name": "Pilot"}, {"name": "Pilot"}]
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    result = run("import", path, db=db)
    assert result.returncode == 2 and "duplicate rollout wave Pilot" in result.stderr
    assert not db.exists() or run.json("export", db=db)["clients"] == []


def test_operational_reports_of_a_client_with_waves_show_the_adoption_share(fresh):
    run, db = fresh
    plain = run.ok("report", "beta", "--kind", "weekly", "--date", "2026-06-15", db=db).stdout
    assert "Rollout adoption" not in plain, "no waves, no section"
    three_waves(run, db)
    run.ok(*DAY, "rollout", "beta", "live", "1", "50", db=db)
    run.ok(*DAY, "rollout", "beta", "live", "2", "30", db=db)
    for kind in ("weekly", "monthly", "qbr"):
        text = run.ok("report", "beta", "--kind", kind, "--audience", "operational", "--date", "2026-06-15", db=db).stdout
        assert "Rollout adoption" in text, kind
        assert "40% adopted: 80 of 200 users live (1 wave not sized yet, 0 live in it)." in text
        assert "Wave 2" in text and "rolling out" in text
    html = run.ok("report", "beta", "--kind", "monthly", "--format", "html", "--date", "2026-06-15", db=db).stdout
    assert "Rollout adoption" in html
    executive = run.ok("report", "beta", "--kind", "monthly", "--audience", "executive", "--date", "2026-06-15", db=db).stdout
    assert "Rollout adoption" not in executive


# ----- migration 17 ----------------------------------------------------------------------------------------------


def test_migration_17_keeps_the_clients_with_nothing_recorded_and_the_checks_hold(tmp_path):
    from carebench.store import Store

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema_at(conn, 14)
    conn.execute(
        "INSERT INTO clients (id, name, tier, go_live, owner, changed_at, changed_by) VALUES ('a', 'A', 'gold', '2026-05-01', 'x', 'then', 'x')"
    )
    conn.commit()
    conn.close()
    path.chmod(0o600)
    with Store(path, actor="x") as store:
        client = store.client("a")
    assert (client.name, client.stakeholder_groups, client.cultural_change, client.internal_capability, client.rollout) == ("A", None, None, None, [])
    conn = sqlite3.connect(path)
    for statement in (
        "INSERT INTO rollout_waves (client_id, name, planned, changed_at, changed_by) VALUES ('a', 'W', 'five', 'now', 'x')",
        "INSERT INTO rollout_waves (client_id, name, planned, changed_at, changed_by) VALUES ('a', 'W', 0, 'now', 'x')",
        "INSERT INTO rollout_waves (client_id, name, live, changed_at, changed_by) VALUES ('a', 'W', 2.5, 'now', 'x')",
        "UPDATE clients SET stakeholder_groups = 'many'",
        "UPDATE clients SET stakeholder_groups = 0",
        "UPDATE clients SET cultural_change = 'huge'",
        "UPDATE clients SET internal_capability = 'strong'",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(statement)
    conn.close()
