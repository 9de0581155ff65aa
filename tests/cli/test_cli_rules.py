"""Team rules in the database: export, edit, import, reset; refused files; the same rules for every user.

The fixed-date portfolio (conftest.py) as of 2026-06-15. Under the bundled rules cobalt's
monthly of 2026-03-02 covers a weekly, and beta's latest assessment is 6.9, yellow.
"""

from __future__ import annotations

import sqlite3

import pytest

from carebench.core.rules import bundled_rules_text
from conftest import AS_OF

COBALT_MARCH = ("schedule", "cobalt", "--from", "2026-03-01", "--to", "2026-03-04", "--json")


def _export(run, database) -> str:
    result = run.ok("rules", "export", db=database)
    return result.stdout


def _import(run, database, path, text: str):
    path.write_text(text, encoding="utf-8")
    return run("rules", "import", path, db=database)


def test_export_prints_the_bundled_rules_until_a_team_imports_its_own(fresh):
    run, database = fresh
    assert _export(run, database) == bundled_rules_text()
    assert run.ok("rules", "history", db=database).stdout.strip() == "the bundled rules, never changed"


def test_a_holiday_imported_moves_a_touchpoint_and_reset_moves_it_back(fresh, tmp_path):
    run, database = fresh
    before = run.json(*COBALT_MARCH, db=database)
    assert [(t["date"], t["kind"], t["covers"]) for t in before["touchpoints"]] == [
        ("2026-03-02", "monthly", ["weekly"]),
        ("2026-03-03", "retrospective", []),
    ]

    edited = _export(run, database).replace("holidays = []", "holidays = [2026-03-02]")
    result = _import(run, database, tmp_path / "rules.toml", edited)
    assert result.returncode == 0, result.stderr
    assert "rules version 1" in result.stdout and "3 clients" in result.stdout
    after = run.json(*COBALT_MARCH, db=database)
    # The monthly and the weekly both move off the holiday to the next working day, the day of the retrospective.
    assert [(t["date"], t["kind"], t["covers"]) for t in after["touchpoints"]] == [("2026-03-03", "monthly", ["retrospective", "weekly"])]
    assert _export(run, database) == edited

    assert run.ok("rules", "reset", db=database).returncode == 0
    assert run.json(*COBALT_MARCH, db=database) == before
    assert _export(run, database) == bundled_rules_text()


def test_weights_and_bands_imported_change_the_scores(fresh, tmp_path):
    run, database = fresh
    before = run.json("health", "beta", "--date", AS_OF, "--json", db=database)
    assert (before["overall"], before["band"]) == (6.9, "yellow")
    edited = (
        _export(run, database)
        .replace(
            "weights = { performance = 0.40, adoption = 0.30, relationship = 0.30 }",
            "weights = { performance = 0.2, adoption = 0.2, relationship = 0.6 }",
        )
        .replace("yellow_from = 6.0", "yellow_from = 7.2")
    )
    assert _import(run, database, tmp_path / "rules.toml", edited).returncode == 0
    after = run.json("health", "beta", "--date", AS_OF, "--json", db=database)
    # (0.2*20 + 0.2*20 + 0.6*22) / 3 = 7.066.. -> 7.1, below yellow_from 7.2: red; before (0.2*24 + 0.2*24 + 0.6*27) / 3 = 8.6
    assert (after["overall"], after["band"], after["previous_overall"], after["delta"]) == (7.1, "red", 8.6, -1.5)
    assert after["components"]["relationship"]["weight"] == 0.6
    listed = {h["client"]: h for h in run.json("health", "--date", AS_OF, "--json", db=database)}
    assert (listed["beta"]["overall"], listed["beta"]["band"]) == (7.1, "red")
    # A red latest assessment brings a recovery touchpoint on every working day after it.
    # (On 06-03 beta's held weekly review stands and covers it.)
    week = run.json("schedule", "beta", "--from", "2026-06-02", "--to", "2026-06-05", "--json", db=database)
    assert [(t["kind"], t["covers"]) for t in week["touchpoints"]] == [("recovery", []), ("weekly", ["recovery"]), ("recovery", []), ("recovery", [])]


BAD_FILES = [
    ("syntax", "[health\nweights = 1\n", ":1: not valid TOML"),
    ("unknown key", "[kpis]\nbacksliding_below = 0.8\nbackslide = 0.5\n", ":3: kpis.backslide: is not a rule carebench knows"),
    ("value type", '[health]\ngreen_from = "eight"\n', ':2: health.green_from: must be a number, not the text "eight"'),
    (
        "negative weight",
        "[health]\nweights = { performance = -0.2, adoption = 0.6, relationship = 0.6 }\n",
        ":2: health.weights: weight for performance must be between 0 and 1, got -0.2",
    ),
    (
        "plan field",
        '[[rule]]\ntier = "gold"\nkind = "weekly"\nunit = "days"\nevery = "7"\nlast_day = 30\n',
        ":5: rule[0].every: must be a whole number",
    ),
    ("bands crossed", "[health]\ngreen_from = 6.0\nyellow_from = 7.0\n", ":3: health.yellow_from: must be below green_from"),
]


@pytest.mark.parametrize(("text", "said"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES])
def test_a_bad_rules_file_is_refused_with_its_line_and_nothing_is_stored(fresh, tmp_path, dump_db, text, said):
    run, database = fresh
    good = _export(run, database).replace("holidays = []", "holidays = [2026-03-02]")
    assert _import(run, database, tmp_path / "good.toml", good).returncode == 0
    stored = dump_db(database)
    path = tmp_path / "bad.toml"
    result = _import(run, database, path, text)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}{said}"), result.stderr
    assert "nothing was stored" in result.stderr and "Traceback" not in result.stderr
    assert dump_db(database) == stored
    assert _export(run, database) == good


def test_every_change_is_audited_and_numbered(fresh, tmp_path):
    run, database = fresh
    text = _export(run, database).replace("backsliding_below = 0.8", "backsliding_below = 0.5")
    assert _import(run, database, tmp_path / "rules.toml", text).returncode == 0
    assert run.ok("rules", "reset", db=database).returncode == 0
    history = run.json("rules", "history", "--json", db=database)
    assert [(h["version"], h["reset"]) for h in history] == [(2, True), (1, False)]
    log = run.json("log", "--json", db=database)
    actions = [entry["action"] for entry in log[:2]]
    assert actions == ["rules reset", "rules import"]
    assert log[1]["detail"]["version"] == 1 and log[1]["detail"]["fingerprint"] == history[1]["fingerprint"]


def test_backsliding_threshold_imported_changes_the_kpis(fresh, tmp_path):
    run, database = fresh
    # beta's fcr keeps 0.4 of its best gain: backsliding under 0.8, not under 0.3.
    before = {k["key"]: k for k in run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)}
    assert before["fcr"]["backsliding"] is True
    text = _export(run, database).replace("backsliding_below = 0.8", "backsliding_below = 0.3")
    assert _import(run, database, tmp_path / "rules.toml", text).returncode == 0
    after = {k["key"]: k for k in run.json("kpis", "beta", "--date", AS_OF, "--json", db=database)}
    assert after["fcr"]["backsliding"] is False


def test_every_user_and_connection_sees_the_same_rules(fresh, tmp_path):
    from datetime import date

    from carebench.app import queries
    from carebench.app.session import Session
    from carebench.store import Store

    run, database = fresh
    text = _export(run, database).replace("holidays = []", "holidays = [2026-03-02]")
    assert _import(run, database, tmp_path / "rules.toml", text).returncode == 0
    other = Session(database, today=date(2026, 6, 15), actor="someone-else")
    assert date(2026, 3, 2) in other.rules.calendar.holidays
    assert queries.rules_document(other) == text
    with Store(database, readonly=True, today=date(2026, 6, 15)) as store:
        assert store.rules.fingerprint == other.rules.fingerprint
        assert [tp.date for tp in store.touchpoints_between("cobalt", date(2026, 3, 1), date(2026, 3, 4))] == ["2026-03-03"]


def test_rules_damaged_by_direct_sql_are_refused_by_name(fresh):
    run, database = fresh
    conn = sqlite3.connect(database)
    conn.execute(
        "INSERT INTO rules (version, document, fingerprint, changed_at, changed_by) VALUES (1, '[kpis]\nbacksliding_below = 7\n', 'x', 'now', 'sql')"
    )
    conn.commit()
    conn.close()
    result = run("health", "--date", AS_OF, "--json", db=database)
    assert result.returncode == 2
    assert "the team rules stored in" in result.stderr and "carebench rules reset" in result.stderr
    assert run.ok("rules", "reset", db=database).returncode == 0
    assert run.json("health", "beta", "--date", AS_OF, "--json", db=database)["overall"] == 6.9
