"""Bad input on the command line: one ``error:`` line on stderr, exit code 2, no traceback, database untouched.

Every case runs the real command in a subprocess against its own copy of a
database holding the fixed-date portfolio (conftest.py). The cases are
independent, so a module fixture runs them side by side and the tests check
the recorded outcomes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

AS_OF = "2026-06-15"
S8 = "achievement=8,trend=9,sustainability=7,adherence=7,engagement=6,leadership=8,communication=9,satisfaction=8"
FULL = S8 + ",expansion_interest=9"


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


NEW_KPI = ["add-kpi", "beta", "k", "--name", "K", "--category", "lagging", "--unit", "%", "--direction", "higher", "--baseline", "1", "--target", "2"]

# (id, argv, xfail reason or None). Each runs with --db pointing at a fresh copy of the portfolio database.
BAD_ARGUMENTS = [
    # dates
    ("today-impossible-date", ["today", "--date", "2026-02-30", "--json"], None),
    ("today-not-a-date", ["today", "--date", "15/06/2026"], None),
    ("root-impossible-date", ["--date", "2026-02-30", "today", "--json"], None),
    ("schedule-to-before-from", ["schedule", "beta", "--from", "2026-06-10", "--to", "2026-06-01"], None),
    # unknown client, for every command that names one
    ("health-unknown-client", ["health", "nope", "--json"], None),
    ("kpis-unknown-client", ["kpis", "nope", "--json"], None),
    ("pipeline-unknown-client", ["pipeline", "--client", "nope", "--json"], None),
    ("schedule-unknown-client", ["schedule", "nope", "--json"], None),
    ("log-unknown-client", ["log", "--client", "nope", "--json"], None),
    ("reading-unknown-client", ["reading", "nope", "fcr", "5", "--date", AS_OF], None),
    ("assess-unknown-client", ["assess", "nope", "--scores", FULL, "--date", AS_OF], None),
    ("done-unknown-client", ["done", "nope", "--date", AS_OF], None),
    ("add-action-unknown-client", ["add-action", "nope", "Do it", "--due", AS_OF], None),
    # add-client
    ("add-client-duplicate", ["add-client", "acme", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05"], None),
    ("add-client-bad-id", ["add-client", "Bad Id", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05"], None),
    ("add-client-bad-tier", ["add-client", "newc", "--name", "X", "--tier", "bronze", "--go-live", "2026-01-05"], None),
    (
        "add-client-negative-investment",
        ["add-client", "newc", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05", "--investment", "-5"],
        None,
    ),
    (
        "add-client-infinite-roi-target",
        ["add-client", "newc", "--name", "X", "--tier", "gold", "--go-live", "2026-01-05", "--roi-target", "inf"],
        None,
    ),
    ("add-client-missing-tier", ["add-client", "newc", "--name", "X", "--go-live", "2026-01-05"], None),
    # add-kpi
    (
        "add-kpi-duplicate-key",
        [
            "add-kpi",
            "beta",
            "fcr",
            "--name",
            "K",
            "--category",
            "lagging",
            "--unit",
            "%",
            "--direction",
            "higher",
            "--baseline",
            "1",
            "--target",
            "2",
        ],
        None,
    ),
    (
        "add-kpi-nan-baseline",
        [
            "add-kpi",
            "beta",
            "k",
            "--name",
            "K",
            "--category",
            "lagging",
            "--unit",
            "%",
            "--direction",
            "higher",
            "--baseline",
            "nan",
            "--target",
            "2",
        ],
        None,
    ),
    # a benchmark is a finite number of a sensible size, on add-kpi and edit-kpi alike
    *(
        (f"add-kpi-benchmark-{name}", [*NEW_KPI, "--benchmark", value], None)
        for name, value in (("text", "about 80"), ("nan", "nan"), ("inf", "inf"), ("too-large", "1e16"), ("empty", ""))
    ),
    *(
        (f"edit-kpi-benchmark-{name}", ["edit-kpi", "beta", "fcr", "--benchmark", value], None)
        for name, value in (("text", "80%"), ("nan", "nan"), ("minus-inf", "-inf"), ("too-large", "-2e15"))
    ),
    ("edit-kpi-benchmark-and-none", ["edit-kpi", "beta", "fcr", "--benchmark", "80", "--no-benchmark"], None),
    ("edit-kpi-nothing-to-change", ["edit-kpi", "beta", "fcr"], None),
    ("edit-kpi-unknown-kpi", ["edit-kpi", "beta", "nokpi", "--benchmark", "80"], None),
    ("edit-kpi-unknown-client", ["edit-kpi", "nope", "fcr", "--benchmark", "80"], None),
    ("edit-kpi-key-taken", ["edit-kpi", "beta", "fcr", "--key", "handle_time"], None),
    # reading
    ("reading-unknown-kpi", ["reading", "beta", "nokpi", "5", "--date", AS_OF], None),
    ("reading-nan", ["reading", "beta", "fcr", "nan", "--date", AS_OF], None),
    # savings
    ("savings-month-13", ["savings", "beta", "2026-13", "100"], None),
    ("savings-nan", ["savings", "beta", "2026-06", "nan"], None),
    # assess
    ("assess-score-11", ["assess", "beta", "--scores", S8 + ",expansion_interest=11", "--date", AS_OF], None),
    ("assess-score-fraction", ["assess", "beta", "--scores", S8 + ",expansion_interest=8.5", "--date", AS_OF], None),
    ("assess-missing-score", ["assess", "beta", "--scores", S8, "--date", AS_OF], None),
    ("assess-duplicate-score", ["assess", "beta", "--scores", FULL + ",achievement=8", "--date", AS_OF], None),
    ("assess-unknown-score", ["assess", "beta", "--scores", FULL + ",bogus=3", "--date", AS_OF], None),
    ("assess-missing-scores-option", ["assess", "beta", "--date", AS_OF], None),
    ("assess-superscript-digit", ["assess", "beta", "--scores", S8 + ",expansion_interest=\u00b3", "--date", AS_OF], None),
    ("assess-arabic-indic-digit", ["assess", "beta", "--scores", S8 + ",expansion_interest=\u0663", "--date", AS_OF], None),
    # done / skip / move
    ("done-no-touchpoint", ["done", "beta", "--date", "2026-06-13"], None),
    ("done-wrong-kind", ["done", "beta", "--date", AS_OF, "--kind", "quarterly"], None),
    ("done-with-to", ["done", "beta", "--date", AS_OF, "--to", "2026-06-16"], None),
    ("skip-without-reason", ["skip", "beta", "--date", AS_OF], None),
    ("move-without-to", ["move", "beta", "--date", AS_OF], None),
    ("move-to-same-day", ["move", "beta", "--date", AS_OF, "--to", AS_OF], None),
    ("move-already-done", ["--date", AS_OF, "move", "beta", "--date", "2026-06-01", "--to", "2026-06-20"], None),
    ("move-into-the-past", ["--date", AS_OF, "move", "beta", "--date", AS_OF, "--to", "2026-06-12"], None),
    # add-opportunity
    ("opportunity-probability-150", ["add-opportunity", "beta", "--title", "T", "--value", "100", "--probability", "150"], None),
    ("opportunity-probability-fraction", ["add-opportunity", "beta", "--title", "T", "--value", "100", "--probability", "10.5"], None),
    (
        "opportunity-investment-low-above-high",
        ["add-opportunity", "beta", "--title", "T", "--value", "100", "--probability", "10", "--investment-low", "5", "--investment-high", "1"],
        None,
    ),
    (
        "opportunity-start-after-end",
        ["add-opportunity", "beta", "--title", "T", "--value", "100", "--probability", "10", "--start-month", "6", "--end-month", "2"],
        None,
    ),
    # add-action
    ("action-bad-priority", ["add-action", "beta", "Do it", "--due", "2026-07-01", "--priority", "urgent"], None),
    ("action-empty-text", ["add-action", "beta", "", "--due", "2026-07-01"], None),
    ("action-control-characters", ["add-action", "beta", "bad\x1b[2Jtext", "--due", "2026-07-01"], None),
    # the command line itself
    ("unknown-command", ["frobnicate"], None),
    ("unknown-option", ["today", "--bogus"], None),
    ("log-limit-zero", ["log", "--limit", "0"], None),
    ("export-into-missing-folder", ["export", "-o", "{tmp}/no/such/folder/out.json"], None),
    ("export-onto-a-directory", ["export", "-o", "{tmp}"], None),
    # dates at the ends of the calendar are refused: carebench works with 1900..2199
    ("today-last-representable-date", ["today", "--date", "9999-12-31", "--json"], None),
    ("health-first-representable-days", ["health", "beta", "--date", "0001-01-05", "--json"], None),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory, make_runner, base_db):
    root = tmp_path_factory.mktemp("errors")
    assert not Path(f"{base_db}-wal").exists()
    return root, make_runner(root / "home"), base_db


def copy_of(database: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(database, target)
    target.chmod(0o600)  # carebench refuses databases every user could read
    return target


def run_cases(base, dump_db, cases):
    """Run ``cases`` (id -> callable(db, folder) -> CompletedProcess) side by side on copies of the base database."""
    root, runner, database = base

    def one(item):
        case_id, call = item
        folder = root / "cases" / case_id
        db = copy_of(database, folder / "t.db")
        before = dump_db(db)
        result = call(db, folder)
        return case_id, (result, before, dump_db(db))

    return dict(map(one, cases.items()))


def assert_one_error_line(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, f"exit {result.returncode}: {result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert len(lines[0]) > len("error: ") + 5
    assert result.stdout == ""


@pytest.fixture(scope="module")
def bad_argument_outcomes(base, dump_db):
    root, runner, _ = base

    def call(args):
        def go(db, folder):
            return runner(*[a.replace("{tmp}", str(folder)) for a in args], db=db)

        return go

    return run_cases(base, dump_db, {case_id: call(args) for case_id, args, _ in BAD_ARGUMENTS})


@pytest.mark.parametrize(
    "case_id",
    [pytest.param(case_id, id=case_id, marks=bug(reason) if reason else ()) for case_id, _, reason in BAD_ARGUMENTS],
)
def test_bad_argument(bad_argument_outcomes, case_id):
    result, before, after = bad_argument_outcomes[case_id]
    assert_one_error_line(result)
    assert after == before, "the database changed"


def test_error_messages_say_what_is_wrong(bad_argument_outcomes):
    def err(case_id):
        return bad_argument_outcomes[case_id][0].stderr

    assert "nope" in err("health-unknown-client")
    assert "2026-02-30" in err("today-impossible-date")
    assert "expansion_interest" in err("assess-score-11") and "11" in err("assess-score-11")
    assert "expansion_interest" in err("assess-missing-score")
    assert "nokpi" in err("reading-unknown-kpi")
    assert "probability" in err("opportunity-probability-150")
    assert "--to" in err("schedule-to-before-from")
    assert "already exists" in err("add-client-duplicate")
    assert err("add-kpi-benchmark-text") == "error: Invalid value for '--benchmark': 'about 80' is not a valid float.\n"
    assert err("add-kpi-benchmark-nan") == err("edit-kpi-benchmark-nan") == "error: benchmark: must be a finite number\n"
    assert err("edit-kpi-benchmark-too-large") == "error: benchmark: is too large (at most 1e15 in size)\n"
    assert err("edit-kpi-benchmark-and-none") == "error: give --benchmark or --no-benchmark, not both\n"
    assert "nokpi" in err("edit-kpi-unknown-kpi") and "nope" in err("edit-kpi-unknown-client")
    assert "handle_time" in err("edit-kpi-key-taken")


def test_far_future_go_live_is_refused_or_harmless(base, tmp_path):
    _, runner, database = base
    db = copy_of(database, tmp_path / "t.db")
    added = runner("add-client", "far", "--name", "Far", "--tier", "gold", "--go-live", "9999-12-01", db=db)
    if added.returncode != 0:
        assert_one_error_line(added)
        return
    today = runner("today", "--date", AS_OF, "--json", db=db)
    assert today.returncode == 0, today.stderr


# ----- the database file itself -----------------------------------------------------


def test_missing_database_is_not_created_by_a_read(run, tmp_path):
    missing = tmp_path / "missing.db"
    result = run("today", "--json", db=missing)
    assert_one_error_line(result)
    assert "init" in result.stderr
    assert not missing.exists() and not Path(f"{missing}-wal").exists()


def test_database_path_is_a_directory(run, tmp_path):
    assert_one_error_line(run("today", "--json", db=tmp_path))


def test_file_that_is_not_a_database(run, tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    for args in (("today", "--json"), ("add-client", "x", "--name", "X", "--tier", "gold", "--go-live", AS_OF)):
        assert_one_error_line(run(*args, db=path))
    assert path.read_bytes() == before


def test_database_from_a_newer_carebench_is_refused(run, tmp_path, dump_db):
    from carebench.store import Store

    path = tmp_path / "newer.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version, applied_at, applied_by) VALUES (99, '2030-01-01', 'future')")
    conn.commit()
    conn.close()
    before = dump_db(path)
    result = run("today", "--json", db=path)
    assert_one_error_line(result)
    assert "newer" in result.stderr
    assert dump_db(path) == before


def test_init_below_a_regular_file(run, tmp_path):
    parent = tmp_path / "plain.txt"
    parent.write_text("x")
    assert_one_error_line(run("init", db=parent / "x.db"))


# ----- import ---------------------------------------------------------------------------


def set_in(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def many_errors(data):
    data["clients"] = [{"id": f"c{i}", "name": "N", "tier": "bronze", "go_live": "2026-01-05", "owner": "a"} for i in range(25)]


def one_good_one_bad(data):
    data["clients"] = [
        {"id": "delta", "name": "Delta", "tier": "gold", "go_live": "2026-01-05", "owner": "a"},
        {
            "id": "acme",
            "name": "Acme",
            "tier": "gold",
            "go_live": "2026-01-05",
            "owner": "a",
            "kpis": [{"key": "k", "name": "K", "category": "lagging", "direction": "higher", "baseline": 1, "target": "x"}],
        },
    ]


def changed(*changes):
    """File content: the portfolio with ``changes`` applied (built lazily, from the conftest factory)."""

    def build(make_portfolio):
        data = make_portfolio()
        for change in changes:
            change(data)
        return json.dumps(data)

    return build


def fixed(content):
    return lambda make_portfolio: content


# id -> (content builder: gives str | bytes | None (no file) | "DIR", expected line count, text expected, xfail reason)
IMPORT_CASES = {
    "file-not-found": (fixed(None), 1, "", None),
    "a-directory": (fixed("DIR"), 1, "directory", None),
    "not-json": (fixed('{"clients": ['), 1, "JSON", None),
    "not-utf8": (fixed(b'{"clients": [], "x": "\xff\xfe"}'), 1, "UTF-8", None),
    "wrong-types": (
        changed(set_in(["clients", 0, "tier"], 5), set_in(["clients", 2, "kpis", 0, "target"], "abc")),
        2,
        "clients[2].kpis[0].target",
        None,
    ),
    "score-11": (changed(set_in(["clients", 1, "assessments", 0, "scores", "trend"], 11)), 1, "clients[1].assessments[0].scores.trend", None),
    "probability-150": (changed(set_in(["clients", 1, "opportunities", 0, "probability"], 150)), 1, "clients[1].opportunities[0].probability", None),
    "impossible-date": (changed(set_in(["clients", 0, "go_live"], "2026-02-30")), 1, "clients[0].go_live", None),
    "nan-value": (changed(set_in(["clients", 1, "kpis", 0, "readings", 0, "value"], float("nan"))), 1, "clients[1].kpis[0].readings[0].value", None),
    "duplicate-client-ids": (changed(lambda d: d["clients"].append(d["clients"][0])), 1, "acme", None),
    "duplicate-kpi-keys": (changed(lambda d: d["clients"][1]["kpis"].append(d["clients"][1]["kpis"][0])), 1, "fcr", None),
    "more-than-20-problems": (changed(many_errors), 21, "5 more", None),
    "valid-client-next-to-invalid-one": (changed(one_good_one_bad), 1, "clients[1].kpis[0].target", None),
    "newline-in-unknown-key": (changed(set_in(["bad\nkey"], 1)), 1, "key", None),
}


@pytest.fixture(scope="module")
def import_outcomes(base, dump_db, make_portfolio):
    _, runner, _ = base

    def call(case_id, build):
        def go(db, folder):
            content = build(make_portfolio)
            path = folder / f"{case_id}.json"
            if content == "DIR":
                path.mkdir()
            elif isinstance(content, bytes):
                path.write_bytes(content)
            elif content is not None:
                path.write_text(content, encoding="utf-8")
            result = runner("import", path, db=db)
            result.label = str(path)
            return result

        return go

    return run_cases(base, dump_db, {case_id: call(case_id, spec[0]) for case_id, spec in IMPORT_CASES.items()})


@pytest.mark.parametrize(
    "case_id",
    [pytest.param(case_id, id=case_id, marks=bug(spec[3]) if spec[3] else ()) for case_id, spec in IMPORT_CASES.items()],
)
def test_bad_import_file(import_outcomes, case_id):
    result, before, after = import_outcomes[case_id]
    _, lines_expected, text, _ = IMPORT_CASES[case_id]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, f"exit {result.returncode}: {result.stderr}"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == lines_expected, result.stderr
    for line in lines:
        assert line.startswith(f"error: {result.label}: "), line
    assert text in result.stderr
    assert after == before, "the database changed"


def test_import_error_lines_are_capped_at_20_problems(import_outcomes):
    result = import_outcomes["more-than-20-problems"][0]
    lines = result.stderr.splitlines()
    problems = [line for line in lines if "clients[" in line]
    assert len(problems) == 20
    assert lines[-1] == f"error: {result.label}: ... and 5 more problems"


def test_bad_import_into_a_new_database_creates_nothing(run, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"clients": [{"id": "x"}]}', encoding="utf-8")
    database = tmp_path / "new.db"
    result = run("import", path, db=database)
    assert result.returncode == 2
    assert all(line.startswith(f"error: {path}: ") for line in result.stderr.splitlines())
    assert not database.exists()


def test_bad_import_from_standard_input(run, db):
    result = run("import", "-", db=db, input='{"clients": 5}')
    assert result.returncode == 2
    assert result.stderr.startswith("error: <stdin>: clients: ")
    assert not db.exists()


# ----- staying light --------------------------------------------------------------------


def test_today_json_does_not_load_the_ui_or_the_write_library(base, tmp_path):
    """The scripting path never imports textual, and reading needs no sqlite-utils: run the entry point, look at sys.modules."""
    _, runner, database = base
    code = (
        "import sys\n"
        f"sys.argv = ['carebench', 'today', '--json', '--date', '{AS_OF}', '--db', {str(database)!r}]\n"
        "from carebench.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('TEXTUAL-LOADED' if 'textual' in sys.modules else 'TEXTUAL-ABSENT', file=sys.stderr)\n"
        "    print('SQLITE-UTILS-LOADED' if 'sqlite_utils' in sys.modules else 'SQLITE-UTILS-ABSENT', file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=runner.env, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["date"] == AS_OF
    assert result.stderr.strip().splitlines()[-2:] == ["TEXTUAL-ABSENT", "SQLITE-UTILS-ABSENT"]
