"""The carebench performance benchmark (not part of the test suite).

Usage:  python benchmarks/run.py [--scale 0.1 0.5 1] [--repeat 5] [--out benchmarks/results/results.json]
                                 [--skip-tui] [--skip-io] [--no-history] [--seed N] [--io-repeat 3] [--db-dir DIR]
        python benchmarks/run.py --report benchmarks/results/results.json   (print an earlier run again)

Run it with the Python of the environment carebench is installed in (the `carebench` command is
taken from next to that Python). Databases are generated once per (scale, seed, history) with
benchmarks/generate.py and cached in benchmarks/results/db/ (regenerated when generate.py or the schema version changes).
Everything is measured as of 2026-06-15, the generator's anchor date. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
CAREBENCH = str(Path(PY).parent / "carebench")
DAY = "2026-06-15"
# The first look at the next day, after DAY was looked at and nothing changed (what is remembered per client carries over).
NEXT_DAY = "2026-06-16"
TMUX_SOCKET = "carebench-bench"
SIZE = (120, 40)
IMPORT_FLOOR = "import carebench.cli, carebench.views"

# Targets from the issue.
TARGETS_MS = {"agenda": 50.0, "triage": 50.0, "kpi_dashboard": 20.0, "schedule_year": 5.0}
# The in-process views measured (see worker_inprocess).
VIEWS = ("agenda", "triage", "kpi_dashboard", "schedule_year", "practice")
TUI_FIRST_PAINT_RATIO = 1.5
TUI_KEY_RATIO = 2.0
CLI_TODAY_RATIO = 2.0
RSS_LIMIT_MB = 150.0
# Growth checks: the log-log slope of time against clients may not exceed 1 (linear) by more than this
# much (timer noise), and 4x the readings per KPI may cost at most this factor.
SLOPE_TOLERANCE = 0.15
HISTORY_FACTOR_LIMIT = 1.25


# ----- helpers --------------------------------------------------------------------


def stats(seconds: list[float]) -> dict:
    """Median, min and max in milliseconds, with every run."""
    ms = [s * 1000 for s in seconds]
    return {"median": round(statistics.median(ms), 3), "min": round(min(ms), 3), "max": round(max(ms), 3),
            "runs": [round(v, 3) for v in ms]}


def median(d: dict | None) -> float | None:
    return None if not d else d["median"]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in ("textual", "pydantic", "sqlite-utils", "rich", "click"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = None
    tmux = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip() if shutil.which("tmux") else None
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "ram_gb": mem_gb, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(), "tmux": tmux, **versions}


def generator_fingerprint() -> str:
    """Databases are rebuilt when the generator or the schema version changes."""
    from carebench.store.schema import SCHEMA_VERSION

    text = (HERE / "generate.py").read_bytes() + f"schema {SCHEMA_VERSION}".encode()
    return hashlib.sha256(text).hexdigest()[:12]


def source_fingerprint() -> str:
    """A hash of the installed carebench sources, to tell whether the code changed while the benchmark ran."""
    import carebench

    root = Path(carebench.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml", ".tcss") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def byte_compile_installed() -> None:
    """Compile the installed carebench to bytecode, as ``pip install .`` does.

    An editable install run with PYTHONDONTWRITEBYTECODE set keeps none, and every start
    would then compile some 30 modules from source (about 0.1 s) that an installed copy
    reads ready-made.
    """
    import compileall

    import carebench

    compileall.compile_dir(Path(carebench.__file__).resolve().parent, quiet=1)


def forget_views(db: Path | str) -> list[str]:
    """Empty every table the program remembers computed views in (``*cache*``), as on the first view of a day."""
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%cache%'")]
        for table in tables:
            conn.execute(f'DELETE FROM "{table}"')
        conn.commit()
    finally:
        conn.close()
    return tables


def ensure_db(db_dir: Path, scale: float, seed: int, history: float = 1.0) -> tuple[Path, dict]:
    """The cached database for (scale, seed, history), generated when missing or out of date."""
    db_dir.mkdir(parents=True, exist_ok=True)
    name = f"portfolio-s{scale:g}-seed{seed}" + (f"-h{history:g}" if history != 1 else "")
    db = db_dir / f"{name}.db"
    meta_path = db_dir / f"{name}.json"
    fingerprint = generator_fingerprint()
    if db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            return db, meta
    for stale in db_dir.glob(f"{name}.db*"):
        stale.unlink()
    print(f"generating {db.name} (scale {scale:g}, seed {seed}, history x{history:g}) ...", flush=True)
    out = subprocess.run([PY, str(HERE / "generate.py"), str(db), "--scale", str(scale), "--seed", str(seed),
                          "--history", str(history), "--force", "--json"], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"generate.py failed:\n{out.stderr}")
    meta = json.loads(out.stdout)
    meta["fingerprint"] = fingerprint
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"  {meta['clients']:,} clients, {meta['readings']:,} readings in {meta['seconds_total']} s", flush=True)
    return db, meta


def isolated_env(home: Path) -> dict[str, str]:
    """An environment that keeps the user's own carebench settings (theme, config) out of the measurements."""
    env = dict(os.environ)
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache")})
    env.pop("CAREBENCH_DB", None)
    return env


def db_sizes(db: Path, meta: dict) -> dict:
    """Bytes per 1,000 readings: the whole file as generated (every table and index), and the readings table alone."""
    per = meta["readings"] / 1000
    sizes = {"file_bytes_as_generated": meta["bytes"], "db_bytes_per_1000_readings": round(meta["bytes"] / per),
             "readings_table_bytes_per_1000_readings": None}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'readings'").fetchone()[0]
        sizes["readings_table_bytes_per_1000_readings"] = round(found / per)
    except sqlite3.Error:  # SQLite built without the dbstat table
        pass
    finally:
        conn.close()
    return sizes


def run_timed(argv: list[str], env: dict, stdin=None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, stdin=stdin)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


# ----- in-process worker (runs in its own interpreter, one per database) ----------


def worker_inprocess(db: str, repeat: int) -> dict:
    """Time the views the CLI and the workbench use, each call on a freshly opened Store."""
    from datetime import timedelta

    from carebench.core.calendar import add_months
    from carebench.store import Store
    from carebench.views import kpi_dashboard_view, portfolio_view, schedule_view, today_view
    from carebench.views_practice import practice_view

    day = date.fromisoformat(DAY)
    next_day = date.fromisoformat(NEXT_DAY)
    with Store(db, create=False) as store:
        # Clients 1..200 exist at every scale and are generated the same way, so these picks are stable.
        dash = store.conn.execute(
            "SELECT id FROM clients WHERE id <= 'client-00200' AND status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
        sched = store.conn.execute(
            "SELECT id, go_live FROM clients WHERE id <= 'client-00200' AND status = 'active' AND tier = 'platinum' "
            "AND go_live <= ? ORDER BY go_live DESC, id LIMIT 1", (DAY,)).fetchone()
        counts = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("clients", "kpis", "readings", "touchpoint_exceptions")}
    sched_id, sched_start = sched[0], date.fromisoformat(sched[1])
    sched_end = add_months(sched_start, 12) - timedelta(days=1)

    def measure(fn, next_fn=None) -> tuple[dict, object]:
        """Cold: nothing remembered; warm: the same call again, views remembered; next_day (with ``next_fn``):
        the first look at the next day after nothing was remembered but the day before (computed, not measured);
        one_changed (with ``next_fn``): the view again after one client's data version moved on."""
        found: dict = {}
        result = None
        for mode in ("cold", "warm", "next_day", "one_changed") if next_fn else ("cold", "warm"):
            runs = []
            for i in range(repeat + 1):
                if mode in ("cold", "next_day"):
                    forget_views(db)
                if mode == "next_day":
                    with Store(db, create=False) as before:
                        fn(before)
                if mode == "one_changed":
                    # Nothing is remembered per client any more (derived rows follow every write): as after a look.
                    with Store(db, create=False) as before:
                        fn(before)
                store = Store(db, create=False)
                try:
                    started = time.perf_counter()
                    outcome = (next_fn if mode == "next_day" else fn)(store)
                    elapsed = time.perf_counter() - started
                finally:
                    store.close()
                if mode != "next_day":
                    result = outcome
                if i:  # the first call of each mode warms Python and the page cache
                    runs.append(elapsed)
            found[mode] = stats(runs)
        return found, result

    opens = []
    for _ in range(repeat):
        started = time.perf_counter()
        Store(db, create=False).close()
        opens.append(time.perf_counter() - started)

    results: dict = {"counts": counts, "store_open": stats(opens)}
    results["agenda"], agenda = measure(lambda s: today_view(s, day), lambda s: today_view(s, next_day))
    results["agenda"].update({"rows": len(agenda["items"]), "action_items": len(agenda["action_items"])})
    results["triage"], triage = measure(lambda s: portfolio_view(s, day), lambda s: portfolio_view(s, next_day))
    results["triage"]["rows"] = len(triage)
    results["kpi_dashboard"], dashboard = measure(lambda s: kpi_dashboard_view(s, dash, day))
    results["kpi_dashboard"].update({"client": dash, "kpis": len(dashboard["kpis"]),
                                     "recent_per_kpi": max((len(k["recent"]) for k in dashboard["kpis"]), default=0)})
    results["schedule_year"], sched_view = measure(lambda s: schedule_view(s, sched_id, sched_start, sched_end, day))
    results["schedule_year"].update({"client": sched_id, "from": sched_start.isoformat(), "to": sched_end.isoformat(),
                                     "touchpoints": len(sched_view["touchpoints"])})
    # Remembered per data version (cold: nothing remembered; warm: the same data version again).
    results["practice"], practice = measure(lambda s: practice_view(s, day, None, day))
    results["practice"]["clients"] = practice["clients"]
    results["first_agenda_client_name"] = agenda["items"][0]["client_name"] if agenda["items"] else None
    results["dashboard_client"] = dash
    return results


def inprocess(db: Path, repeat: int) -> dict:
    out = subprocess.run([PY, str(Path(__file__).resolve()), "--worker", "inprocess", "--worker-db", str(db),
                          "--repeat", str(repeat)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"in-process worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----- whole CLI processes -----------------------------------------------------------

TEXTUAL_PROBE = """
import atexit, sys
def report():
    sys.stderr.write("TEXTUAL_MODULES=%d\\n" % sum(1 for m in sys.modules if m == "textual" or m.startswith("textual.")))
atexit.register(report)
sys.argv = ["carebench"] + sys.argv[1:]
from carebench.cli import main
main()
"""


def cli_commands(db: Path, client: str) -> dict[str, list[str]]:
    common = ["--db", str(db), "--date", DAY, "--json"]
    return {
        "today": [CAREBENCH, "today", *common],
        "health": [CAREBENCH, "health", *common],
        "kpis": [CAREBENCH, "kpis", client, *common],
        "pipeline": [CAREBENCH, "pipeline", *common],
    }


def measure_cli(db: Path, client: str, repeat: int, env: dict) -> dict:
    """Whole processes, alternating with the import floor; cold (nothing remembered) and warm; does any load textual?"""
    commands = cli_commands(db, client)
    floor_argv = [PY, "-c", IMPORT_FLOOR]
    for argv in [floor_argv, *commands.values()]:  # warm the page cache and .pyc files
        run_timed(argv, env)
    next_day = [NEXT_DAY if arg == DAY else arg for arg in commands["today"]]
    times: dict[str, list[float]] = {"import_floor": [], "today next_day": []}
    for name in commands:
        times[f"{name} cold"], times[f"{name} warm"] = [], []
    for _ in range(repeat):
        times["import_floor"].append(run_timed(floor_argv, env))
        for name, argv in commands.items():
            forget_views(db)
            times[f"{name} cold"].append(run_timed(argv, env))
            times[f"{name} warm"].append(run_timed(argv, env))
            if name == "today":  # DAY is remembered now, NEXT_DAY not yet
                times["today next_day"].append(run_timed(next_day, env))
    floor = stats(times["import_floor"])
    result: dict = {"import_floor": floor}
    for name in commands:
        result[name] = {}
        for mode in ("cold", "warm", "next_day"):
            if f"{name} {mode}" in times:
                s = stats(times[f"{name} {mode}"])
                result[name][mode] = {**s, "ratio_to_import_floor": round(s["median"] / floor["median"], 2)}
    textual = {}
    for name, argv in commands.items():
        probe = subprocess.run([PY, "-c", TEXTUAL_PROBE, *argv[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, env=env)
        found = re.search(r"TEXTUAL_MODULES=(\d+)", probe.stderr)
        textual[name] = int(found.group(1)) if found else None
    result["textual_modules_loaded"] = textual
    return result


def measure_import_export(src_db: Path, repeat: int, env: dict, work: Path) -> dict:
    """`carebench export` of a 200-client database, and `carebench import` of that file into a new database."""
    portfolio = work / "portfolio-200.json"
    exports = []
    for i in range(repeat):
        portfolio.unlink(missing_ok=True)
        exports.append(run_timed([CAREBENCH, "--db", str(src_db), "export", "-o", str(portfolio)], env))
    data = json.loads(portfolio.read_text())
    imports = []
    target = work / "imported.db"
    for _ in range(repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        imports.append(run_timed([CAREBENCH, "import", str(portfolio), "--db", str(target)], env))
    readings = sum(len(k["readings"]) for c in data["clients"] for k in c["kpis"])
    return {"clients": len(data["clients"]), "readings": readings, "file_bytes": portfolio.stat().st_size,
            "export": stats(exports), "import": stats(imports)}


# ----- the workbench in tmux ---------------------------------------------------------


class Tmux:
    """A private tmux server driven through one control-mode client (capture-pane costs ~0.1 ms, no process spawn)."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "keeper", "-x", str(SIZE[0]),
                        "-y", str(SIZE[1]), "sleep 86400"], check=True)
        self.proc = subprocess.Popen(["tmux", "-L", socket, "-C", "attach", "-t", "=keeper"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)
        self.buf = b""
        self._block()  # the reply to attach itself

    def _line(self) -> bytes:
        while b"\n" not in self.buf:
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError("the tmux control client went away")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def _block(self) -> tuple[bytes, bool]:
        while not self._line().startswith(b"%begin"):
            pass  # notifications between replies
        out = []
        while True:
            line = self._line()
            if line.startswith(b"%end") or line.startswith(b"%error"):
                return b"\n".join(out), line.startswith(b"%error")
            out.append(line)

    def cmd(self, command: str) -> bytes:
        self.proc.stdin.write(command.encode() + b"\n")
        out, error = self._block()
        if error:
            raise RuntimeError(f"tmux {command!r}: {out.decode(errors='replace')}")
        return out

    def start(self, name: str, command: str) -> None:
        self.cmd(f"new-session -d -s {name} -x {SIZE[0]} -y {SIZE[1]} {shell_quote(command)}")

    def screen(self, name: str, escapes: bool = False) -> str:
        return self.cmd(f"capture-pane -p {'-e ' if escapes else ''}-t ={name}:").decode("utf-8", errors="replace")

    def keys(self, name: str, *keys: str) -> None:
        self.cmd(f"send-keys -t ={name}: {' '.join(keys)}")

    def pid(self, name: str) -> int:
        return int(self.cmd(f"display -p -t ={name}: '#{{pane_pid}}'").decode().strip())

    def kill(self, name: str, pid: int | None = None) -> None:
        try:
            self.cmd(f"kill-session -t ={name}")
        except RuntimeError:
            pass
        if pid:
            deadline = time.monotonic() + 5
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.02)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


POLL_S = 0.005


def wait_until(tm: Tmux, name: str, test, started: float, timeout: float, escapes: bool = False) -> float | None:
    """Seconds from ``started`` to the first capture that passes ``test`` (None on timeout)."""
    deadline = started + timeout
    while True:
        shown = tm.screen(name, escapes)
        now = time.perf_counter()
        if test(shown):
            return now - started
        if now > deadline:
            return None
        time.sleep(POLL_S)


def settle(tm: Tmux, name: str, quiet: float = 0.3, timeout: float = 120.0) -> None:
    """Wait until the screen has not changed for ``quiet`` seconds."""
    last, since = tm.screen(name, True), time.perf_counter()
    deadline = since + timeout
    while time.perf_counter() - since < quiet and time.perf_counter() < deadline:
        time.sleep(POLL_S * 4)
        shown = tm.screen(name, True)
        if shown != last:
            last, since = shown, time.perf_counter()


def key_to_change(tm: Tmux, name: str, key: str, timeout: float = 10.0) -> float | None:
    before = tm.screen(name, True)
    started = time.perf_counter()
    tm.keys(name, key)
    return wait_until(tm, name, lambda s: s != before, started, timeout, escapes=True)


def rss_of(pid: int) -> dict:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM", "VmRSS")):
            key, value = line.split(":")
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return {"peak_mb": found.get("VmHWM"), "rss_mb": found.get("VmRSS")}


# key, title in the header, what shows once the screen's data is in (None: shown before the switch)
SWITCHES = [
    ("2", "Portfolio —", r"\d+ of \d+ clients"),
    ("3", "KPIs —", r"· \d+ KPIs"),
    ("4", "Health —", r"· day -?\d+ ·"),
    ("5", "Expansion —", r"\d+ opportunities"),
    ("6", "Practice —", r"\d{4}-\d\d-\d\d · \d+ clients"),
    ("1", "Today —", None),
]


def bare_run(tm: Tmux, env_prefix: str, keys: int) -> dict:
    name = "bare"
    started = time.perf_counter()
    tm.start(name, f"exec {env_prefix} {PY} {HERE / 'bare_app.py'}")
    first = wait_until(tm, name, lambda s: "bare app ready" in s, started, 30)
    pid = tm.pid(name)
    settle(tm, name, 0.3)
    presses = []
    for _ in range(keys):
        presses.append(key_to_change(tm, name, "x"))
        settle(tm, name, 0.1)
    rss = rss_of(pid)
    tm.kill(name, pid)
    return {"first_paint": first, "keys": presses, **rss}


def bare_modes_run(tm: Tmux, env_prefix: str, switches: int) -> list[float | None]:
    """Textual's own screen switch: two modes of one Label each."""
    name = "modes"
    started = time.perf_counter()
    tm.start(name, f"exec {env_prefix} {PY} {HERE / 'bare_app.py'} --modes")
    wait_until(tm, name, lambda s: "bare screen one" in s, started, 30)
    pid = tm.pid(name)
    settle(tm, name, 0.3)
    times = []
    for i in range(switches):
        key, marker = ("2", "bare screen two") if i % 2 == 0 else ("1", "bare screen one")
        t0 = time.perf_counter()
        tm.keys(name, key)
        times.append(wait_until(tm, name, lambda s: marker in s, t0, 10))
        settle(tm, name, 0.2)
    tm.kill(name, pid)
    return times


def carebench_run(tm: Tmux, env_prefix: str, db: Path, first_row: str | None, cursor_keys: int) -> dict:
    name = "bench"
    marker = first_row or "touchpoints ("
    started = time.perf_counter()
    tm.start(name, f"exec {env_prefix} {CAREBENCH} --db {db} --date {DAY}")
    first = wait_until(tm, name, lambda s: marker in s, started, 300)
    if first is None:
        raise RuntimeError(f"the Today screen never showed {marker!r}:\n{tm.screen(name)}")
    pid = tm.pid(name)
    # The start-up notice (old SQLite) would change the screen under the key measurements: let it go first.
    wait_until(tm, name, lambda s: "predates 3.52" not in s, time.perf_counter(), 15)
    settle(tm, name, 0.4)
    switches: dict[str, dict[str, list]] = {title: {"title": [], "data_first_visit": []} for _, title, _ in SWITCHES}
    for round_ in (1, 2):
        for key, title, data in SWITCHES:
            t0 = time.perf_counter()
            tm.keys(name, key)
            shown_title = wait_until(tm, name, lambda s: title in s, t0, 300)
            switches[title]["title"].append(shown_title)
            if round_ == 1 and data:
                pattern = re.compile(data)
                switches[title]["data_first_visit"].append(wait_until(tm, name, lambda s: bool(pattern.search(s)), t0, 300))
            settle(tm, name, 0.4)
    cursor = {"Today": [], "Portfolio": []}
    for _ in range(cursor_keys):
        cursor["Today"].append(key_to_change(tm, name, "Down"))
        settle(tm, name, 0.15)
    t0 = time.perf_counter()
    tm.keys(name, "2")
    wait_until(tm, name, lambda s: "Portfolio —" in s, t0, 300)
    settle(tm, name, 0.4)
    for _ in range(cursor_keys):
        cursor["Portfolio"].append(key_to_change(tm, name, "Down"))
        settle(tm, name, 0.15)
    rss = rss_of(pid)
    tm.kill(name, pid)
    return {"first_paint": first, "switches": switches, "cursor": cursor, **rss}


def measure_tui(db: Path, first_row: str | None, repeat: int, home: Path) -> dict:
    """Alternating runs: the bare app, the workbench with nothing remembered (cold), the workbench again (warm)."""
    env = isolated_env(home)
    keep = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    env_prefix = "env " + " ".join(f"{k}={shell_quote(env[k])}" for k in keep) + " TERM=xterm-256color COLORTERM=truecolor"
    tm = Tmux(TMUX_SOCKET)
    bare: list[dict] = []
    modes: list[float | None] = []
    bench: dict[str, list[dict]] = {"cold": [], "warm": []}
    try:
        # One unmeasured start of each to warm the page cache and .pyc files.
        bare_run(tm, env_prefix, 1)
        carebench_run(tm, env_prefix, db, first_row, 1)
        for i in range(repeat):
            print(f"  workbench run {i + 1}/{repeat}", flush=True)
            bare.append(bare_run(tm, env_prefix, 5))
            modes.extend(bare_modes_run(tm, env_prefix, 6))
            forget_views(db)
            bench["cold"].append(carebench_run(tm, env_prefix, db, first_row, 5))
            bench["warm"].append(carebench_run(tm, env_prefix, db, first_row, 5))
    finally:
        tm.close()

    def ok(values):
        return [v for v in values if v is not None]

    bare_first = stats(ok([r["first_paint"] for r in bare]))
    bare_key = stats(ok([k for r in bare for k in r["keys"]]))

    def ratio(s: dict, floor: dict) -> dict:
        return {**s, "ratio": round(s["median"] / floor["median"], 2)}

    everything = bench["cold"] + bench["warm"]
    bare_switch = stats(ok(modes))
    result: dict = {
        "bare": {"first_paint": bare_first, "key_to_paint": bare_key, "peak_rss_mb": max(r["peak_mb"] for r in bare),
                 "mode_switch": bare_switch},
        "first_paint_today": {mode: ratio(stats(ok([r["first_paint"] for r in runs])), bare_first) for mode, runs in bench.items()},
        "switch": {}, "switch_with_data_first_visit": {}, "cursor": {},
        "peak_rss_mb": {mode: max(r["peak_mb"] for r in runs) for mode, runs in bench.items()},
        "rss_mb_at_end": statistics.median(r["rss_mb"] for r in everything),
        "timeouts": sum(v is None for r in everything for t in r["switches"].values() for vs in t.values() for v in vs)
                    + sum(v is None for r in everything for vs in r["cursor"].values() for v in vs),
    }
    for _, title, data in SWITCHES:
        screen = title.split(" ")[0]
        result["switch"][screen] = {
            mode: {**ratio(stats(ok([v for r in runs for v in r["switches"][title]["title"]])), bare_key)}
            for mode, runs in bench.items()}
        for by_mode in result["switch"][screen].values():
            by_mode["ratio_to_bare_mode_switch"] = round(by_mode["median"] / bare_switch["median"], 2)
        if data:
            result["switch_with_data_first_visit"][screen] = {
                mode: ratio(stats(ok([v for r in runs for v in r["switches"][title]["data_first_visit"]])), bare_key)
                for mode, runs in bench.items()}
    for screen in ("Today", "Portfolio"):
        values = ok([v for r in everything for v in r["cursor"][screen]])
        result["cursor"][screen] = ratio(stats(values), bare_key) if values else None
    return result


# ----- putting it together -------------------------------------------------------------


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(time) against log(clients): 1 is linear growth, 0 flat."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return round(sum((p[0] - mx) * (p[1] - my) for p in pts) / den, 2) if den else None


def evaluate(results: dict) -> list[dict]:
    targets = []

    def add(name, limit, measured, met, note=""):
        targets.append({"target": name, "limit": limit, "measured": measured,
                        "met": None if measured is None else bool(met), "note": note})

    largest = max(results["scales"], key=float)
    big = results["scales"][largest]
    tui = results.get("tui")
    if tui:
        for mode in ("cold", "warm"):
            r = tui["first_paint_today"][mode]["ratio"]
            add(f"workbench first paint of Today ({mode}) / bare first paint", f"<= {TUI_FIRST_PAINT_RATIO}", r,
                r <= TUI_FIRST_PAINT_RATIO)
        for screen, by_mode in tui["switch"].items():
            for mode, s in by_mode.items():
                add(f"switch to {screen}, title painted ({mode}) / bare key-to-paint", f"<= {TUI_KEY_RATIO}", s["ratio"],
                    s["ratio"] <= TUI_KEY_RATIO)
        for screen, by_mode in tui["switch_with_data_first_visit"].items():
            for mode, s in by_mode.items():
                add(f"switch to {screen}, its data painted ({mode}) / bare key-to-paint", f"<= {TUI_KEY_RATIO}", s["ratio"],
                    s["ratio"] <= TUI_KEY_RATIO, "stricter reading: the screen with its rows")
        for screen, s in tui["cursor"].items():
            add(f"cursor Down on {screen} / bare key-to-paint", f"<= {TUI_KEY_RATIO}", s and s["ratio"],
                s and s["ratio"] <= TUI_KEY_RATIO)
        for mode, peak in tui["peak_rss_mb"].items():
            add(f"workbench peak RSS after every screen ({mode}, MB)", f"<= {RSS_LIMIT_MB:g}", peak, peak <= RSS_LIMIT_MB)
    cli = big["cli"]
    for mode in ("cold", "warm", "next_day"):
        if mode not in cli["today"]:
            continue
        r = cli["today"][mode]["ratio_to_import_floor"]
        add(f"`carebench today --json` ({mode}) / import floor", f"<= {CLI_TODAY_RATIO}", r, r <= CLI_TODAY_RATIO)
    loaded = cli["textual_modules_loaded"]
    add("no CLI command imports textual", "0 textual modules", loaded, all(v == 0 for v in loaded.values()))
    for metric, limit in TARGETS_MS.items():
        for mode in ("cold", "warm", "next_day", "one_changed"):
            if mode not in big["inprocess"][metric]:
                continue
            m = big["inprocess"][metric][mode]["median"]
            add(f"in-process {metric} ({mode}, ms)", f"<= {limit:g}", m, m <= limit)
    for metric, s in results["growth"]["slope_vs_clients"].items():
        add(f"{metric}: growth with clients (log-log slope)", f"<= 1 (+{SLOPE_TOLERANCE})", s,
            s is not None and s <= 1 + SLOPE_TOLERANCE)
    for metric, f in results["growth"].get("history_x4_factor", {}).items():
        add(f"{metric}: cost of 4x the readings per KPI (factor)", f"<= {HISTORY_FACTOR_LIMIT}", f, f <= HISTORY_FACTOR_LIMIT)
    return targets


def print_report(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=150)
    scales = sorted(results["scales"], key=float)
    m = results["machine"]
    console.print(f"run {results['started']} → {results.get('finished')} · {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB, "
                  f"Python {m['python']}, SQLite {m['sqlite']}, textual {m['textual']} · load average at start "
                  f"{results.get('loadavg_at_start', ['?'])[0]:.2f}")
    if results.get("code_changed_during_run"):
        console.print("[red]the carebench sources changed during this run:[/] "
                      + ", ".join(f"{stage} {f}" for stage, f in results["source_fingerprints"]))

    def cell(d):
        return "–" if not d else f"{d['median']:.1f} [{d['min']:.1f}-{d['max']:.1f}]"

    t = Table(title="Portfolio, in-process views and CLI processes (ms: median \\[min-max]; cold = nothing remembered; "
                    "next_day = first look at the next day; one_changed = one client's data changed)",
              header_style="bold")
    t.add_column("measure")
    for s in scales:
        t.add_column(f"scale {s} ({results['scales'][s]['sizes']['clients']:,} clients)", justify="right")
    for key, label in (("readings", "readings"), ("touchpoint_exceptions", "done/skipped touchpoints"), ("checkins", "check-ins")):
        t.add_row(label, *[f"{results['scales'][s]['sizes'][key]:,}" for s in scales])
    t.add_row("generation (s)", *[str(results["scales"][s]["sizes"]["seconds_total"]) for s in scales])
    t.add_row("DB bytes / 1,000 readings (whole file)", *[f"{results['scales'][s]['db_bytes_per_1000_readings']:,.0f}" for s in scales])
    t.add_row("readings table bytes / 1,000 readings",
              *[f"{results['scales'][s].get('readings_table_bytes_per_1000_readings') or 0:,.0f}" for s in scales])
    for metric in VIEWS:
        limit = TARGETS_MS.get(metric)
        for mode in ("cold", "warm", "next_day", "one_changed"):
            if mode not in results["scales"][scales[0]]["inprocess"].get(metric, {}):
                continue
            t.add_row(f"{metric} {mode}" + (f" (≤ {limit:g})" if limit else ""),
                      *[cell(results["scales"][s]["inprocess"][metric][mode]) for s in scales])
    t.add_row("store open", *[cell(results["scales"][s]["inprocess"]["store_open"]) for s in scales])
    t.add_row("python -c import floor", *[cell(results["scales"][s]["cli"]["import_floor"]) for s in scales])
    for cmd in ("today", "health", "kpis", "pipeline"):
        for mode in ("cold", "warm", "next_day"):
            if mode not in results["scales"][scales[0]]["cli"][cmd]:
                continue
            t.add_row(f"carebench {cmd} --json {mode}",
                      *[f"{cell(results['scales'][s]['cli'][cmd][mode])} ×{results['scales'][s]['cli'][cmd][mode]['ratio_to_import_floor']}"
                        for s in scales])
    console.print(t)

    growth = results["growth"]
    g = Table(title="Growth (cold)", header_style="bold")
    g.add_column("measure")
    g.add_column("slope vs clients (1 = linear)", justify="right")
    g.add_column("4x readings/KPI factor", justify="right")
    for metric, s in growth["slope_vs_clients"].items():
        g.add_row(metric, "–" if s is None else f"{s:.2f}", str(growth.get("history_x4_factor", {}).get(metric, "–")))
    console.print(g)

    tui = results.get("tui")
    if tui:
        w = Table(title=f"Workbench in tmux {SIZE[0]}x{SIZE[1]} (scale {tui['scale']}; ms: median \\[min-max] and ratio to the bare app)",
                  header_style="bold")
        w.add_column("measure")
        w.add_column("cold", justify="right")
        w.add_column("warm", justify="right")
        w.add_row("bare app: first paint (left) / key-to-paint (right)", cell(tui["bare"]["first_paint"]), cell(tui["bare"]["key_to_paint"]))
        w.add_row("bare app: screen (mode) switch", cell(tui["bare"]["mode_switch"]), "")

        def both(by_mode):
            return [f"{cell(by_mode[m])} ×{by_mode[m]['ratio']}" for m in ("cold", "warm")]

        w.add_row("first paint of Today with its rows", *both(tui["first_paint_today"]))
        for screen, by_mode in tui["switch"].items():
            w.add_row(f"switch to {screen} (title)", *[f"{x} (×{by_mode[m]['ratio_to_bare_mode_switch']} mode)"
                                                       for x, m in zip(both(by_mode), ("cold", "warm"))])
        for screen, by_mode in tui["switch_with_data_first_visit"].items():
            w.add_row(f"switch to {screen} (data, first visit)", *both(by_mode))
        for screen, s in tui["cursor"].items():
            w.add_row(f"cursor Down on {screen} (both)", "–" if not s else f"{cell(s)} ×{s['ratio']}", "")
        w.add_row("peak RSS (MB; bare app: %s)" % tui["bare"]["peak_rss_mb"], f"{tui['peak_rss_mb']['cold']}",
                  f"{tui['peak_rss_mb']['warm']}")
        console.print(w)

    io = results.get("import_export")
    if io:
        console.print(f"import/export of {io['clients']} clients ({io['readings']:,} readings, {io['file_bytes']:,} bytes): "
                      f"export {cell(io['export'])} ms, import {cell(io['import'])} ms")

    tt = Table(title="Targets", header_style="bold")
    tt.add_column("target")
    tt.add_column("limit")
    tt.add_column("measured", justify="right")
    tt.add_column("met")
    for item in results["targets"]:
        met = {True: "[green]met[/]", False: "[red]MISSED[/]", None: "–"}[item["met"]]
        tt.add_row(item["target"], item["limit"], str(item["measured"]), met)
    console.print(tt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="carebench performance benchmark")
    parser.add_argument("--scale", type=float, nargs="+", default=[0.1, 0.5, 1.0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--io-repeat", type=int, default=3, help="repeats of the 200-client import/export (default 3)")
    parser.add_argument("--seed", type=int, default=20260615)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "results.json")
    parser.add_argument("--db-dir", type=Path, default=HERE / "results" / "db")
    parser.add_argument("--skip-tui", action="store_true", help="leave out the workbench-in-tmux measurements")
    parser.add_argument("--skip-io", action="store_true", help="leave out the import/export measurements")
    parser.add_argument("--no-history", action="store_true", help="leave out the 4x-readings database")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON", help="only print the tables of an earlier run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "inprocess":
        print(json.dumps(worker_inprocess(args.worker_db, args.repeat)))
        return 0
    if args.report:
        print_report(json.loads(args.report.read_text()))
        return 0

    started = datetime.now(timezone.utc)
    byte_compile_installed()
    scales = sorted(set(args.scale))
    results: dict = {"started": started.isoformat(timespec="seconds"), "date_measured_as_of": DAY,
                     "args": {"scale": scales, "repeat": args.repeat, "seed": args.seed, "io_repeat": args.io_repeat},
                     "machine": machine(), "loadavg_at_start": os.getloadavg(), "scales": {}}
    fingerprints: list[tuple[str, str]] = [("start", source_fingerprint())]
    results["source_fingerprints"] = fingerprints
    with tempfile.TemporaryDirectory(prefix="carebench-bench-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = isolated_env(home)
        for scale in scales:
            db, meta = ensure_db(args.db_dir, scale, args.seed)
            key = f"{scale:g}"
            print(f"scale {key}: in-process views ...", flush=True)
            entry = {"db": str(db), "sizes": meta, **db_sizes(db, meta)}
            entry["inprocess"] = inprocess(db, args.repeat)
            print(f"scale {key}: CLI processes ...", flush=True)
            entry["cli"] = measure_cli(db, entry["inprocess"]["dashboard_client"], args.repeat, env)
            results["scales"][key] = entry
            fingerprints.append((f"scale {key}", source_fingerprint()))

        growth: dict = {"slope_vs_clients": {}}
        for metric in VIEWS:
            growth["slope_vs_clients"][metric] = slope(
                [(results["scales"][k]["sizes"]["clients"], results["scales"][k]["inprocess"][metric]["cold"]["median"])
                 for k in results["scales"]])
        for metric in ("agenda", "triage"):
            growth["slope_vs_clients"][f"{metric} next day"] = slope(
                [(results["scales"][k]["sizes"]["clients"], results["scales"][k]["inprocess"][metric]["next_day"]["median"])
                 for k in results["scales"]])
        for cmd in ("today", "health", "kpis", "pipeline"):
            growth["slope_vs_clients"][f"cli {cmd}"] = slope(
                [(results["scales"][k]["sizes"]["clients"], results["scales"][k]["cli"][cmd]["cold"]["median"])
                 for k in results["scales"]])
        if not args.no_history:
            base_scale = scales[0]
            base_db, _ = ensure_db(args.db_dir, base_scale, args.seed)
            deep_db, deep_meta = ensure_db(args.db_dir, base_scale, args.seed, history=4)
            print(f"history x4 at scale {base_scale:g}: in-process views (and the x1 database again, back to back) ...", flush=True)
            base = inprocess(base_db, args.repeat)
            deep = inprocess(deep_db, args.repeat)
            growth["history"] = {"scale": base_scale, "readings": deep_meta["readings"], "inprocess": deep, "inprocess_x1": base}
            fingerprints.append(("history", source_fingerprint()))
            growth["history_x4_factor"] = {m: round(deep[m]["cold"]["median"] / base[m]["cold"]["median"], 2)
                                           for m in VIEWS}
        results["growth"] = growth

        if not args.skip_io:
            src_db, _ = ensure_db(args.db_dir, 0.1, args.seed)
            print("import/export of the 200-client portfolio ...", flush=True)
            results["import_export"] = measure_import_export(src_db, args.io_repeat, env, work)
            fingerprints.append(("import/export", source_fingerprint()))

        if not args.skip_tui:
            if shutil.which("tmux") is None:
                print("tmux is not installed: skipping the workbench measurements", flush=True)
            else:
                largest = f"{scales[-1]:g}"
                print(f"workbench in tmux on scale {largest} ...", flush=True)
                entry = results["scales"][largest]
                results["tui"] = {"scale": largest, **measure_tui(Path(entry["db"]), entry["inprocess"]["first_agenda_client_name"],
                                                                   args.repeat, home)}
                fingerprints.append(("workbench", source_fingerprint()))

    results["loadavg_at_end"] = os.getloadavg()
    results["code_changed_during_run"] = len({f for _, f in fingerprints}) > 1
    results["targets"] = evaluate(results)
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print_report(results)
    print(f"results written to {args.out}")
    if results["code_changed_during_run"]:
        print("WARNING: the carebench sources changed while the benchmark ran; the stages measured different code: "
              + ", ".join(f"{stage} {f}" for stage, f in fingerprints))
    return 0


if __name__ == "__main__":
    sys.exit(main())
