"""Shared fixtures: the real ``carebench`` command in a sandboxed subprocess, and a fixed-date portfolio.

The portfolio below is written for the day 2026-06-15 (a Monday). Every number the
CLI tests expect is worked out by hand from it; the comments say how.

acme   platinum, go-live 2026-06-01 (day 15, stabilization), owner ana.
       Red assessment on 2026-06-05 (overall 5.2), so a recovery touchpoint every
       working day from 2026-06-08. Daily 06-01 done, daily 06-02 skipped, weekly 06-08
       skipped. On 2026-06-15: daily overdue 06-03..06-05 (missed 3), recovery overdue
       06-09..06-12 (missed 4, covering daily), weekly due covering recovery and daily.
beta   gold, go-live 2026-04-01 (day 76, scaling & handover), owner bob.
       Green on 2026-05-04 (8.3), yellow on 2026-06-01 (6.9, delta -1.4), so an
       intervention on 06-08, 06-15, ... Monthly 06-01 done (supersedes everything of
       its seniority or less before it). On 2026-06-15: intervention 06-08 and
       biweekly 06-10 overdue (one each), intervention due. Biweekly 05-13 moved to
       05-14. KPI ``fcr`` is backsliding (60 -> peak 85 -> 70: retained 0.4).
cobalt silver, go-live 2026-02-02 (day 134, steady state, adoption "reality"), owner ana.
       Green on 2026-05-04 (9.0). Quarterly 05-04 done. On 2026-06-15 only the monthly
       of 06-02 is overdue. Monthly and weekly meet on 2026-03-02 (go-live + 28 days =
       go-live + 1 month in February).
"""

from __future__ import annotations

import copy
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

CAREBENCH = Path(sys.executable).parent / "carebench"
AS_OF = "2026-06-15"
# Who carebench records as the author of every write: the real user running the tests (never $LOGNAME).
ACTOR = pwd.getpwuid(os.getuid()).pw_name

SUBSCORE_NAMES = (
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


def _scores(*values: int) -> dict:
    assert len(values) == 9
    return dict(zip(SUBSCORE_NAMES, values))


PORTFOLIO: dict = {
    "format": "carebench-portfolio",
    "version": 1,
    "as_of": AS_OF,
    "clients": [
        {
            "id": "acme",
            "name": "Acme Logistics",
            "tier": "platinum",
            "go_live": "2026-06-01",
            "owner": "ana",
            "contacts": [{"name": "Dana Smith", "role": "CIO", "email": "dana@acme.example"}],
            "kpis": [
                {
                    "key": "uptime",
                    "name": "System uptime",
                    "category": "lagging",
                    "unit": "%",
                    "direction": "higher",
                    "baseline": 95,
                    "target": 99,
                    "readings": [{"date": "2026-06-10", "value": 97}],
                },
            ],
            # perf (5,5,6)=16/3, adoption (4,5,5)=14/3, relationship (6,6,5)=17/3
            # overall = (0.4*16 + 0.3*14 + 0.3*17) / 3 = 15.7/3 = 5.233 -> 5.2 red
            "assessments": [
                {"date": "2026-06-05", "scores": _scores(5, 5, 6, 4, 5, 5, 6, 6, 5), "note": "go-live trouble", "author": "ana"},
            ],
            "opportunities": [
                {"title": "Extra site", "value": 80000, "probability": 10, "stage": "proposed", "source": "capability_need"},
            ],
            "action_items": [
                {"text": "Escalate to the CIO", "owner": "ana", "due": "2026-06-15", "priority": "medium"},
            ],
            "exceptions": [
                {"date": "2026-06-01", "kind": "daily", "status": "done"},
                {"date": "2026-06-02", "kind": "daily", "status": "skipped", "reason": "client holiday"},
                {"date": "2026-06-08", "kind": "weekly", "status": "skipped", "reason": "CIO away"},
            ],
            "checkins": [
                {
                    "date": "2026-06-01",
                    "kind": "daily",
                    "author": "ana",
                    "planned_minutes": 20,
                    "actual_minutes": 25,
                    "attendees": ["Dana Smith"],
                    "sections": [{"title": "Opening", "notes": "Orders stuck in the queue."}],
                    "next_steps": "Call the vendor.",
                },
            ],
        },
        {
            "id": "beta",
            "name": "Beta Health",
            "tier": "gold",
            "go_live": "2026-04-01",
            "owner": "bob",
            "investment": 200000,
            "roi_target": 100,
            "kpis": [
                # % unit: change in points; peak 85, current 70: retained (70-60)/(85-60) = 0.4 < 0.8
                {
                    "key": "fcr",
                    "name": "First contact resolution",
                    "category": "lagging",
                    "unit": "%",
                    "direction": "higher",
                    "baseline": 60,
                    "target": 80,
                    "readings": [
                        {"date": "2026-04-15", "value": 65},
                        {"date": "2026-05-01", "value": 75},
                        {"date": "2026-05-15", "value": 85},
                        {"date": "2026-06-01", "value": 70},
                    ],
                },
                # lower is better: (7.5-10)/10 = -25 %, on target (<= 8)
                {
                    "key": "handle_time",
                    "name": "Average handle time",
                    "category": "leading",
                    "unit": "min",
                    "direction": "lower",
                    "baseline": 10,
                    "target": 8,
                    "readings": [{"date": "2026-05-01", "value": 9}, {"date": "2026-06-01", "value": 7.5}],
                },
                {
                    "key": "training",
                    "name": "Training completion",
                    "category": "leading",
                    "unit": "%",
                    "direction": "higher",
                    "baseline": 0,
                    "target": 90,
                },
            ],
            "assessments": [
                # (0.4*24 + 0.3*24 + 0.3*27) / 3 = 24.9/3 = 8.3 green
                {"date": "2026-05-04", "scores": _scores(8, 8, 8, 8, 8, 8, 9, 9, 9)},
                # (0.4*20 + 0.3*20 + 0.3*22) / 3 = 20.6/3 = 6.867 -> 6.9 yellow
                {"date": "2026-06-01", "scores": _scores(7, 7, 6, 7, 6, 7, 7, 8, 7), "note": "slipping"},
            ],
            "savings": [{"month": "2026-04", "amount": 10000.5}, {"month": "2026-05", "amount": 12000.25}],
            "opportunities": [
                {
                    "title": "Analytics add-on",
                    "value": 50000,
                    "probability": 25,
                    "stage": "identified",
                    "source": "performance_gap",
                    "investment_low": 10000,
                    "investment_high": 20000,
                    "start_month": 3,
                    "end_month": 6,
                    "next_action": "Demo to the COO",
                    "next_action_date": "2026-07-01",
                },
                {"title": "Training package", "value": 10000, "probability": 100, "stage": "won", "source": "capability_need"},
            ],
            "action_items": [
                # no owner: the client's owner (bob) stands in
                {"text": "Fix the report export", "due": "2026-06-12", "priority": "high"},
            ],
            "exceptions": [
                {"date": "2026-05-13", "kind": "biweekly", "status": "moved", "moved_to": "2026-05-14"},
                {"date": "2026-06-01", "kind": "monthly", "status": "done"},
            ],
        },
        {
            "id": "cobalt",
            "name": "Cobalt Retail",
            "tier": "silver",
            "go_live": "2026-02-02",
            "owner": "ana",
            "investment": 100000,
            "roi_target": 150,
            "kpis": [
                {
                    "key": "cost_per_case",
                    "name": "Cost per case",
                    "category": "lagging",
                    "unit": "USD",
                    "direction": "lower",
                    "baseline": 50,
                    "target": 40,
                    "readings": [{"date": "2026-03-01", "value": 45}, {"date": "2026-04-01", "value": 40}, {"date": "2026-05-01", "value": 38}],
                },
            ],
            "assessments": [{"date": "2026-05-04", "scores": _scores(9, 9, 9, 9, 9, 9, 9, 9, 9)}],
            # as of 2026-06-15: monthly 45000 (May), YTD = cumulative = 135000,
            # ROI = (135000 - 100000) / 100000 = 35.0 %; July is in the future then.
            "savings": [
                {"month": "2026-02", "amount": 20000},
                {"month": "2026-03", "amount": 30000},
                {"month": "2026-04", "amount": 40000},
                {"month": "2026-05", "amount": 45000},
                {"month": "2026-07", "amount": 50000},
            ],
            "opportunities": [
                {"title": "Self-service portal", "value": 120000, "probability": 40, "stage": "qualified", "source": "strategic_alignment"},
            ],
            "action_items": [
                {"text": "Send the newsletter", "owner": "carl", "due": "2026-06-20", "priority": "low"},
                {"text": "Old task", "owner": "ana", "due": "2026-05-01", "priority": "high", "status": "done", "done_on": "2026-05-02"},
            ],
            "exceptions": [{"date": "2026-05-04", "kind": "quarterly", "status": "done"}],
            # Knowledge transfer complete, so the handover gate is met.
            "checklist": [
                {"key": "runbook", "label": "Runbook handed over", "done": True, "done_on": "2026-05-20"},
                {"key": "shadowing", "label": "Client team shadowed us", "done": True, "done_on": "2026-05-27"},
            ],
        },
    ],
}


def portfolio_data() -> dict:
    """A fresh deep copy of the fixed-date portfolio, safe to modify."""
    return copy.deepcopy(PORTFOLIO)


def search_portfolio() -> dict:
    """The fixed-date portfolio with lessons, decisions and more check-ins to search."""
    data = portfolio_data()
    acme, beta, cobalt = data["clients"]
    acme["learnings"] = [
        {"date": "2026-02-01", "kind": "lesson", "what": "Train the night shift separately", "why": "They missed the sessions"},
        {"date": "2026-03-01", "kind": "decision", "what": "Freeze report changes", "who": "Dana", "source": "weekly review"},
    ]
    beta["learnings"] = [{"date": "2026-02-15", "kind": "lesson", "what": "Keep a shift handover note", "source": "Night SHIFT lead"}]
    beta["checkins"] = [
        {
            "date": "2026-06-01",
            "kind": "monthly",
            "author": "bob",
            "sections": [
                {"title": "Opening", "notes": "Dispatch is calm."},
                {"title": "Metrics", "notes": "Forklift recalibration is late: the forklift vendor sent the wrong forklift parts."},
            ],
            "next_steps": "Chase the invoice dispute with finance.",
        },
    ]
    cobalt["checkins"] = [
        {
            "date": "2026-05-04",
            "kind": "quarterly",
            "author": "ana",
            "sections": [
                {
                    "title": "Review",
                    "notes": "A long review of the quarter: adoption, training, reporting, the new stores, the loyalty scheme, "
                    "the regional rollout, and one forklift in the back office that nobody uses any more.",
                }
            ],
            "next_steps": "",
        },
    ]
    return data


class Runner:
    """Runs ``carebench`` with a private HOME and XDG folders and no $CAREBENCH_DB.

    By default in this process, through the console script's own entry point (``carebench.cli.main``) with the
    environment, working folder, arguments and standard streams it would have as a process; ``real=True`` (for
    the runner or one call) runs the installed command as a real process, where that is the point: concurrency,
    signals, file modes, the import floor.
    """

    def __init__(self, home: Path, real: bool = False) -> None:
        self.home = Path(home)
        self.real = real
        env = {k: v for k, v in os.environ.items() if k != "CAREBENCH_DB" and not k.startswith("XDG_")}
        env.update(
            {
                "HOME": str(self.home),
                "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                "XDG_CONFIG_HOME": str(self.home / ".config"),
                "XDG_STATE_HOME": str(self.home / ".local" / "state"),
                "XDG_CACHE_HOME": str(self.home / ".cache"),
                "COLUMNS": "200",
                "NO_COLOR": "1",
            }
        )
        self.env = env

    def __call__(self, *args, db=None, input=None, env=None, timeout=60, real=None) -> subprocess.CompletedProcess:
        argv = [str(CAREBENCH), *map(str, args)]
        if db is not None:
            # before a "--" that ends the options, else at the end
            at = argv.index("--") if "--" in argv else len(argv)
            argv[at:at] = ["--db", str(db)]
        full_env = dict(self.env)
        if env:
            for key, value in env.items():
                if value is None:
                    full_env.pop(key, None)
                else:
                    full_env[key] = value
        if not (self.real if real is None else real) and any(not a.startswith("-") for a in argv[1:]):
            return run_in_process(argv, full_env, self.home, input)
        stdin = subprocess.DEVNULL if input is None else None
        return subprocess.run(argv, capture_output=True, text=True, input=input, stdin=stdin, env=full_env, cwd=str(self.home), timeout=timeout)

    def json(self, *args, db=None, **kw):
        """Run a command that prints JSON; fail loudly when it does not succeed."""
        result = self(*args, db=db, **kw)
        assert result.returncode == 0, f"{args} exited {result.returncode}: {result.stderr}"
        assert "Traceback" not in result.stderr
        return json.loads(result.stdout)

    def ok(self, *args, db=None, **kw) -> subprocess.CompletedProcess:
        result = self(*args, db=db, **kw)
        assert result.returncode == 0, f"{args} exited {result.returncode}: {result.stderr}"
        assert "Traceback" not in result.stderr
        return result


_IN_PROCESS = threading.Lock()


def run_in_process(argv: list[str], env: dict[str, str], cwd: Path, input: str | None) -> subprocess.CompletedProcess:
    """``carebench`` run through its entry point in this process, as the process would see the world; one at a time."""
    import contextlib
    import io

    from carebench.cli import main

    # Text streams over bytes, as a process has (binary output goes through .buffer).
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in range(2))
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    with _IN_PROCESS:
        saved_env, saved_cwd, saved = dict(os.environ), os.getcwd(), (sys.argv, sys.stdin)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv, sys.stdin = argv, stdin
        code: int | str | None = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code
        finally:
            sys.argv, sys.stdin = saved
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
    if isinstance(code, str):
        err.write(code + "\n")
        code = 1
    shown = [stream.buffer.getvalue().decode("utf-8", errors="replace") for stream in (out, err)]
    return subprocess.CompletedProcess(argv, code or 0, *shown)


def write_portfolio(path: Path, data) -> Path:
    path = Path(path)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def schema_at(conn: sqlite3.Connection, version: int, stamp: str = "2026-01-01") -> None:
    """Build in ``conn`` the schema an older carebench made: the migrations up to ``version``, each recorded as applied."""
    from carebench.store.schema import MIGRATIONS, run_step

    for target, step in MIGRATIONS:
        if target > version:
            break
        run_step(conn, step)
        conn.execute("INSERT INTO schema_version VALUES (?, ?, 'test')", (target, stamp))


def dump_database(path: Path) -> dict | None:
    """Every table except ``audit``: its schema and its rows (sorted), or None when there is no file."""
    path = Path(path)
    if not path.exists():
        return None
    conn = sqlite3.connect(str(path))
    try:
        tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
        dump = {}
        for name, sql in tables:
            if name == "audit":
                continue
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            dump[name] = (sql, sorted(rows, key=repr))
        return dump
    finally:
        conn.close()


@pytest.fixture(scope="session")
def make_runner():
    """A factory: ``make_runner(home_dir)`` gives a Runner sandboxed in that folder."""

    def make(home: Path, real: bool = False) -> Runner:
        Path(home).mkdir(parents=True, exist_ok=True)
        return Runner(home, real)

    return make


@pytest.fixture
def run(tmp_path, make_runner) -> Runner:
    """``run(*args, db=..., input=None)``: the real command in a subprocess, returns CompletedProcess (text)."""
    return make_runner(tmp_path / "home")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def portfolio_dict() -> dict:
    """A fresh copy of the fixed-date portfolio as a dict, to modify freely."""
    return portfolio_data()


@pytest.fixture(scope="session")
def make_portfolio():
    """``make_portfolio()``: a fresh copy of the fixed-date portfolio dict (usable from wider-scoped fixtures)."""
    return portfolio_data


@pytest.fixture
def portfolio_file(tmp_path) -> Path:
    """The fixed-date portfolio (see this module's docstring) as a JSON file."""
    return write_portfolio(tmp_path / "portfolio.json", portfolio_data())


@pytest.fixture(scope="session")
def dump_db():
    """``dump_db(path)``: the database's content outside the audit trail, for before/after comparisons."""
    return dump_database


def private_user_folders(tmp_path: Path, monkeypatch) -> None:
    """Point HOME and the XDG folders into ``tmp_path``, so nothing touches the real user's."""
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))


def no_locale_currency(monkeypatch) -> None:
    """Amounts carry no currency unless the rules name one, whatever the locale of whoever runs the tests."""
    from carebench.app import present

    monkeypatch.setattr(present, "locale_currency", lambda: present.NO_CURRENCY)


@pytest.fixture
def quiet_app(tmp_path, monkeypatch):
    """For workbench tests: private user folders, no currency from the locale, and no background polling reloading
    behind a test's back."""
    from carebench.ui import app as app_module

    private_user_folders(tmp_path, monkeypatch)
    no_locale_currency(monkeypatch)
    monkeypatch.setattr(app_module, "POLL_SECONDS", 3600)


@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    """The demo portfolio as of 2026-06-15 in a fresh database, with private user folders and no currency from the locale."""
    from datetime import date

    from carebench.app.demo import load_demo_portfolio
    from carebench.store import Store

    private_user_folders(tmp_path, monkeypatch)
    no_locale_currency(monkeypatch)
    path = tmp_path / "demo.db"
    with Store(path, actor="ana") as store:
        store.import_portfolio(load_demo_portfolio(date(2026, 6, 15), "ana"))
    return path


@pytest.fixture(scope="module")
def base_db(tmp_path_factory, make_runner, make_portfolio):
    """The fixed-date portfolio imported once per test module (copy it with ``fresh`` before writing)."""
    root = tmp_path_factory.mktemp("base")
    runner = make_runner(root / "home")
    source = root / "portfolio.json"
    source.write_text(json.dumps(make_portfolio()), encoding="utf-8")
    database = root / "base.db"
    runner.ok("import", source, db=database)
    return database


@pytest.fixture
def fresh(base_db, tmp_path, run):
    """A private copy of ``base_db`` and the runner to use on it."""
    copy = tmp_path / "copy.db"
    shutil.copy(base_db, copy)  # keeps the owner-only mode
    return run, copy


def burst(app, *keys: str) -> None:
    """Keys as the terminal hands them over when several come in one read (typed fast, or over a slow link): all of
    them waiting for the app before it has handled the first."""
    from textual import events

    characters = {"tab": "\t", "enter": "\r", "space": " "}
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else characters.get(key)))


def slowed(monkeypatch, module, name: str, seconds: float) -> None:
    """``module.name`` takes ``seconds`` longer (a busy shared server)."""
    import time

    real = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


async def settle(app, pilot, rounds: int = 3) -> None:
    """Wait until the app's workers are done and the messages they posted handled, ``rounds`` times over."""
    from textual.worker import WorkerCancelled

    for _ in range(rounds):
        for _attempt in range(5):
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:  # an exclusive worker was replaced by a newer request: wait for that one
                continue
        await pilot.pause()


async def settle_until(app, pilot, condition, rounds: int = 50, step: float = 0.0) -> None:
    """Settle until ``condition()`` holds: a reload that a write's message starts may begin after the first wait, and
    a timer (the draft's debounce) fires only once its time has passed (give ``step`` seconds between rounds)."""
    for _ in range(rounds):
        await settle(app, pilot, 1)
        if condition():
            return
        if step:
            await pilot.pause(step)
    raise AssertionError("the app never reached the state waited for")


def record_notifications(app, monkeypatch) -> list[tuple[str, str]]:
    """Every notification the app shows from now on, as (severity, message)."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message, *args, severity="information", **kwargs):
        seen.append((severity, str(message)))
        return original(message, *args, severity=severity, **kwargs)

    monkeypatch.setattr(app, "notify", notify)
    return seen


def rendered(widget) -> str:
    """What a widget and its shown children draw, lines stripped of panel borders, whitespace runs collapsed."""
    from textual.geometry import Region

    size = widget.outer_size
    lines = widget.render_lines(Region(0, 0, size.width, size.height))
    words = [" ".join(strip.text.strip().strip("│").strip() for strip in lines)]
    words += [rendered(child) for child in widget.children if child.display]
    return " ".join(" ".join(words).split())


def drawn_lines(widget) -> list[str]:
    """The lines of the screen where ``widget`` is, as plain text: what the terminal shows of it, children included."""
    region = widget.region
    strips = widget.screen._compositor.render_strips()  # the whole screen as drawn, one strip per line
    return [strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]]
