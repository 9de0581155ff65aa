"""The carebench performance benchmark (not part of the test suite).

Usage:  python benchmarks/run.py [--scale 1 10] [--repeat 5] [--out benchmarks/results/results.json]
                                 [--imports 3] [--calls 10] [--before REV | --before none]
                                 [--skip-cli] [--skip-writes] [--skip-rebuild] [--skip-tui] [--seed N] [--db-dir DIR]
        python benchmarks/run.py --report benchmarks/results/results.json   (print an earlier run again)

Run it with the Python of the environment carebench is installed in (the `carebench` command is
taken from next to that Python). Databases are generated once per (scale, shape, seed) with
benchmarks/generate.py and cached in benchmarks/results/db/ (regenerated when generate.py or the schema
version changes). Scale 1 is 2,000 clients with 20 KPIs x 50 readings each; scale 10 and above use 10 KPIs x
12 readings per client (20,000 clients, 2.4M readings at scale 10). Everything is measured as of 2026-06-15,
the generator's anchor day, and the day after. The report is printed as markdown. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
CAREBENCH = str(Path(PY).parent / "carebench")
DAY = "2026-06-15"
NEXT_DAY = "2026-06-16"
DAYS = {"anchor": DAY, "next day": NEXT_DAY}
TMUX_SOCKET = "carebench-bench"
SIZE = (120, 40)
# What every command pays before carebench does anything: the interpreter, click, sqlite3 and json.
IMPORT_FLOOR = "import click, sqlite3, json"
# The release before the derived rows (schema 7), whose writes are the "before" of the write costs.
BEFORE_REV = "9b3b831^"

# The portfolio's shape: 20 KPIs x 50 readings per client below GROWTH_SCALE, 10 x 12 from it on.
STANDARD_SHAPE = (20, 50)
GROWTH_SCALE = 10.0
GROWTH_SHAPE = (10, 12)

# Targets (from the design issue).
READ_TARGETS_MS = {"agenda": 25.0, "triage": 25.0, "kpi_dashboard": 10.0, "practice": 150.0}
CLI_COMMANDS = ("today", "health", "pipeline")
CLI_RATIO = 1.5  # each command / the import floor
FIRST_PAINT_RATIO = 1.5  # workbench first paint of Today / bare app first paint
SWITCH_RATIO = 1.5  # every screen switch / Textual's own switch between two one-label screens
CURSOR_RATIO = 1.5  # cursor key-to-paint / the bare app's key-to-paint
WRITE_EXTRA_MS = 10.0  # a write may cost this much more than in the release before
REBUILD_S = 5.0
RSS_LIMIT_MB = 120.0
GROWTH_FACTOR = 3.0  # agenda and triage at GROWTH_SCALE / at scale 1

# The reads measured in-process: the targets, then context (no target of their own).
TARGET_READS = tuple(READ_TARGETS_MS)
CONTEXT_READS = ("schedule_year", "health_list", "pipeline")
WRITES = ("reading", "assessment, green", "assessment, red", "touchpoint done", "engagement outcome", "check-in finished")
# Writes that need an open touchpoint of the client.
TOUCHPOINT_WRITES = ("touchpoint done", "check-in finished")
WRITE_ROUNDS = 2  # the write workers of now and before alternate this many times


# ----- helpers --------------------------------------------------------------------


def stats(seconds: list[float | None]) -> dict | None:
    """Median, min and max in milliseconds, with every run (None when nothing was measured)."""
    ms = [s * 1000 for s in seconds if s is not None]
    if not ms:
        return None
    return {
        "median": round(statistics.median(ms), 3),
        "min": round(min(ms), 3),
        "max": round(max(ms), 3),
        "n": len(ms),
        "runs": [round(v, 3) for v in ms],
    }


def with_ratio(s: dict | None, floor: dict | None) -> dict | None:
    if s is None:
        return None
    return {**s, "ratio": round(s["median"] / floor["median"], 2) if floor else None}


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
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "tmux": tmux,
        **versions,
    }


def generator_fingerprint(generator: Path, schema: str) -> str:
    """Databases are made again when the generator or the schema version changes."""
    return hashlib.sha256(generator.read_bytes() + f"schema {schema}".encode()).hexdigest()[:12]


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


def byte_compile(root: Path) -> None:
    """Compile a carebench tree to bytecode, as ``pip install .`` does.

    An editable install run with PYTHONDONTWRITEBYTECODE set keeps none, and every start
    would then compile its modules from source, which an installed copy reads ready-made.
    """
    import compileall

    compileall.compile_dir(root, quiet=1)


def shape_of(scale: float) -> tuple[int, int]:
    """(KPIs per client, readings per KPI) of the portfolio generated at ``scale``."""
    return GROWTH_SHAPE if scale >= GROWTH_SCALE else STANDARD_SHAPE


def ensure_db(
    db_dir: Path, scale: float, seed: int, *, src: Path | None = None, label: str = "portfolio", schema: str | None = None
) -> tuple[Path, dict]:
    """The cached database for (scale, seed, shape), generated when missing or out of date.

    ``src`` is another carebench tree (its own src/ and benchmarks/generate.py), run with
    PYTHONPATH pointing at it; its generator knows only the standard shape.
    """
    db_dir.mkdir(parents=True, exist_ok=True)
    kpis, readings = shape_of(scale) if src is None else STANDARD_SHAPE
    shape = "" if (kpis, readings) == STANDARD_SHAPE else f"-k{kpis}r{readings}"
    name = f"{label}-s{scale:g}{shape}-seed{seed}"
    db = db_dir / f"{name}.db"
    meta_path = db_dir / f"{name}.json"
    generator = (src or REPO) / "benchmarks" / "generate.py"
    if schema is None:
        from carebench.store.schema import SCHEMA_VERSION

        schema = str(SCHEMA_VERSION)
    fingerprint = generator_fingerprint(generator, schema)
    if db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            return db, meta
    for stale in db_dir.glob(f"{name}.db*"):
        stale.unlink()
    print(f"generating {db.name} (scale {scale:g}, {kpis} KPIs x {readings} readings, seed {seed}) ...", flush=True)
    argv = [PY, str(generator), str(db), "--scale", str(scale), "--seed", str(seed), "--force", "--json"]
    env = dict(os.environ)
    if src is None:
        argv += ["--kpis", str(kpis), "--readings", str(readings)]
    else:
        env["PYTHONPATH"] = str(src / "src")
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{generator} failed:\n{out.stderr[-3000:]}")
    meta = json.loads(out.stdout)
    meta["fingerprint"] = fingerprint
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"  {meta['clients']:,} clients, {meta['readings']:,} readings in {meta['seconds_total']} s", flush=True)
    return db, meta


def copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of a database (SQLite's backup), for measurements that write."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)  # carebench refuses a database other users can read
    return target


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def isolated_env(home: Path) -> dict[str, str]:
    """An environment that keeps the user's own carebench settings (theme, config) out of the measurements."""
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
    )
    env.pop("CAREBENCH_DB", None)
    env.pop("PYTHONPATH", None)
    return env


def db_sizes(db: Path, meta: dict) -> dict:
    """Bytes per 1,000 readings: the whole file as generated (every table and index), and the readings table alone."""
    per = meta["readings"] / 1000
    sizes = {
        "file_bytes_as_generated": meta["bytes"],
        "db_bytes_per_1000_readings": round(meta["bytes"] / per),
        "readings_table_bytes_per_1000_readings": None,
    }
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


def run_worker(args: list[str], env: dict | None = None) -> dict:
    """This script as a worker in its own interpreter; its answer is the JSON on its last line of output."""
    out = subprocess.run([PY, str(Path(__file__).resolve()), *args], capture_output=True, text=True, env=env)
    if out.returncode:
        lines = out.stderr.strip().splitlines() or ["(no output)"]
        raise RuntimeError(f"worker {args[1]} failed: {lines[-1]}\n" + "\n".join(lines[-40:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ----- in-process reads (each worker runs in its own interpreter) -------------------


def picks(db: str, counts: bool = False) -> dict:
    """The clients the one-client reads are measured on (clients 1..200 exist at every scale of one shape)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        dash = conn.execute("SELECT id FROM clients WHERE id <= 'client-00200' AND status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
        sched = conn.execute(
            "SELECT id, go_live FROM clients WHERE id <= 'client-00200' AND status = 'active' AND tier = 'platinum' "
            "AND go_live <= ? ORDER BY go_live DESC, id LIMIT 1",
            (DAY,),
        ).fetchone()
        rows = (
            {
                t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("clients", "kpis", "readings", "touchpoint_exceptions", "touchpoints")
            }
            if counts
            else {}
        )
    finally:
        conn.close()
    return {"dashboard_client": dash, "schedule_client": sched[0], "schedule_from": sched[1], "counts": rows}


def read_calls(chosen: dict) -> dict:
    """Each read measured, as a function of a session (the application layer's own entry points)."""
    from carebench.app import queries
    from carebench.app.practice import practice
    from carebench.core.calendar import add_months

    start = date.fromisoformat(chosen["schedule_from"])
    end = add_months(start, 12) - timedelta(days=1)  # the client's first 12 months from go-live
    return {
        "agenda": lambda s: queries.agenda(s),
        "triage": lambda s: queries.triage(s),
        "kpi_dashboard": lambda s: queries.kpi_dashboard(s, chosen["dashboard_client"]),
        "practice": lambda s: practice(s, None),
        "schedule_year": lambda s: queries.schedule(s, chosen["schedule_client"], start, end),
        "health_list": lambda s: queries.health_list(s),
        "pipeline": lambda s: queries.pipeline(s),
    }


def size_of(name: str, result) -> dict:
    """What a read gave back, in numbers (to tell that the measured reads did their whole work)."""
    if name == "agenda":
        first = result.items[0].client_name if result.items else None
        return {
            "rows": len(result.items),
            "overdue": sum(i.status == "overdue" for i in result.items),
            "action_items": len(result.action_items),
            "first_client_name": first,
        }
    if name == "kpi_dashboard":
        return {"client": result.client, "kpis": len(result.kpis), "recent_per_kpi": max((len(k.recent) for k in result.kpis), default=0)}
    if name == "practice":
        return {"clients": result["clients"]}
    if name == "schedule_year":
        return {"client": result.client, "from": result.start.isoformat(), "to": result.end.isoformat(), "touchpoints": len(result.touchpoints)}
    if name == "pipeline":
        return {"opportunities": len(result.opportunities)}
    return {"rows": len(result)}


def worker_reads(db: str, repeat: int) -> dict:
    """Repeated reads in one process: one unmeasured call, then ``repeat`` timed ones, each on a new connection."""
    from carebench.app.session import Session

    chosen = picks(db, counts=True)
    calls = read_calls(chosen)
    base = Session(Path(db), date.fromisoformat(DAY))
    with base.reading():  # unmeasured: the store's modules imported
        pass
    opens = []
    for _ in range(repeat):
        started = time.perf_counter()
        with base.reading():
            pass
        opens.append(time.perf_counter() - started)
    results: dict = {"picks": chosen, "store_open": stats(opens), "repeated": {}, "sizes": {}}
    for name, call in calls.items():
        results["repeated"][name], results["sizes"][name] = {}, {}
        for day_name, day in DAYS.items():
            session = base.on(date.fromisoformat(day))
            found = call(session)  # unmeasured: warms the page cache and the modules it imports
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                call(session)
                runs.append(time.perf_counter() - started)
            results["repeated"][name][day_name] = stats(runs)
            results["sizes"][name][day_name] = size_of(name, found)
    results["peak_rss_mb"] = peak_rss_mb()
    return results


def worker_first(db: str, name: str, day: str) -> dict:
    """One read, the first of a fresh process: the application layer imported, nothing read or worked out yet."""
    from carebench.app import (
        practice,  # noqa: F401
        queries,  # noqa: F401  (imported before the clock starts, as by any caller)
    )
    from carebench.app.session import Session

    chosen = picks(db)
    call = read_calls(chosen)[name]
    session = Session(Path(db), date.fromisoformat(day))
    started = time.perf_counter()
    call(session)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def measure_reads(db: Path, repeat: int) -> dict:
    print("  in-process reads: repeated ...", flush=True)
    found = run_worker(["--worker", "reads", "--worker-db", str(db), "--repeat", str(repeat)])
    print("  in-process reads: first call of a fresh process ...", flush=True)
    for name in TARGET_READS:  # unmeasured: page cache and bytecode
        run_worker(["--worker", "first", "--worker-db", str(db), "--worker-read", name, "--worker-day", DAY])
    firsts: dict[str, dict[str, list[float]]] = {name: {d: [] for d in DAYS} for name in TARGET_READS}
    for _ in range(repeat):
        for name in TARGET_READS:
            for day_name, day in DAYS.items():
                answer = run_worker(["--worker", "first", "--worker-db", str(db), "--worker-read", name, "--worker-day", day])
                firsts[name][day_name].append(answer["seconds"])
    found["first_call"] = {name: {d: stats(v) for d, v in by_day.items()} for name, by_day in firsts.items()}
    return found


# ----- writes, now and in the release before (a worker that runs against either) ----


def open_touchpoints(session, clients: list[str], wanted: int) -> list[tuple[str, date, str]]:
    """(client, day, kind) of the latest open touchpoint on or before the session's day, for up to ``wanted`` clients."""
    day = session.today
    start = day - timedelta(days=90)
    try:
        from carebench.app import queries
    except ImportError:  # the release before: no queries module
        queries = None
    found = []
    for client in clients:
        if queries is not None:
            rows = [(t.date, t.kind, t.status) for t in queries.schedule(session, client, start, day).touchpoints]
        else:
            from carebench.core.schedule import schedule

            with session.reading() as store:
                engagement = store.client(client)
            rows = [(t.date, t.kind, t.status) for t in schedule(engagement, start, day)]
        still_open = [r for r in rows if r[2] == "scheduled" and r[0] <= day]
        if still_open:
            found.append((client, still_open[-1][0], still_open[-1][1]))
            if len(found) >= wanted:
                break
    return found


def worker_writes(db: str, repeat: int, round_: int) -> dict:
    """Each kind of write through app.commands, one unmeasured then ``repeat`` timed, each on another client.

    Runs against this carebench or, with PYTHONPATH pointing at it, the release before (same
    commands). ``round_`` picks other clients for each round on the same database.
    """
    from carebench.app import commands
    from carebench.app.session import Session
    from carebench.core.models import (
        SUBSCORES,
        ActionItem,
        Assessment,
        CheckIn,
        Scores,
        Section,
    )

    day = date.fromisoformat(DAY)
    session = Session(Path(db), day)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        clients = [r[0] for r in conn.execute("SELECT id FROM clients WHERE status = 'active' AND go_live <= ? ORDER BY id", (DAY,))]
        kpis: dict[str, list[str]] = {}
        for client, key in conn.execute("SELECT client_id, key FROM kpis ORDER BY client_id, position"):
            kpis.setdefault(client, []).append(key)
        owners = dict(conn.execute("SELECT id, owner FROM clients"))
    finally:
        conn.close()
    per_kind = repeat + 1
    plain = [w for w in WRITES if w not in TOUCHPOINT_WRITES]
    pool = clients[round_ * len(plain) * per_kind :]
    needed = len(TOUCHPOINT_WRITES) * per_kind
    # Clients with an open touchpoint, taken from the end of the list (the plain writes take from the start).
    with_open = open_touchpoints(session, list(reversed(clients)), needed * (round_ + 1))[round_ * needed :]
    if len(pool) < len(plain) * per_kind or len(with_open) < needed:
        raise RuntimeError(f"not enough clients for {per_kind} writes of each kind (round {round_})")

    def scores(value: int) -> dict[str, int]:
        return {name: value for name in SUBSCORES}

    def write(kind: str, index: int) -> object:
        if kind in TOUCHPOINT_WRITES:
            client, when, tp_kind = with_open[TOUCHPOINT_WRITES.index(kind) * per_kind + index]
        else:
            client = pool[plain.index(kind) * per_kind + index]
        if kind == "reading":
            return commands.record_reading(session, client, kpis[client][0], 42.0, day)
        if kind == "assessment, green":
            return commands.record_assessment(session, client, scores(9), day)
        if kind == "assessment, red":
            return commands.record_assessment(session, client, scores(4), day)
        if kind == "touchpoint done":
            return commands.record_touchpoint(session, client, when, "done", kind=tp_kind)
        if kind == "engagement outcome":
            return commands.record_outcome(session, client, "renewed", day=day)
        checkin = CheckIn(
            date=day,
            kind=tp_kind,
            author=session.actor,
            planned_minutes=30,
            actual_minutes=35,
            attendees=["Project sponsor"],
            sections=[Section(title="Review of the KPIs", notes="On track.")],
            next_steps="Share the adoption report.",
        )
        return commands.finish_checkin(
            session,
            client,
            when,
            checkin,
            {key: 50.0 for key in kpis[client][:3]},
            Assessment(date=day, scores=Scores(**scores(8)), author=session.actor),
            [ActionItem(text="Share the adoption report", owner=owners[client], due=day + timedelta(days=14))],
        )

    found: dict = {}
    for kind in WRITES:
        runs = []
        for index in range(per_kind):
            started = time.perf_counter()
            write(kind, index)
            elapsed = time.perf_counter() - started
            if index:  # the first write of a kind imports what it needs
                runs.append(elapsed)
        found[kind] = runs
    return {"seconds": found, "peak_rss_mb": peak_rss_mb()}


def before_tree(rev: str, root: Path) -> tuple[Path, str]:
    """The files of ``rev`` (its src/, benchmarks/generate.py, themes...), unpacked once under ``root``."""
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = root / f"before-{sha[:12]}"
    if not (tree / ".unpacked").exists():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        (tree / ".unpacked").write_text(sha + "\n")
    byte_compile(tree / "src" / "carebench")
    return tree, sha


def before_schema(tree: Path) -> str:
    out = subprocess.run(
        [PY, "-c", "from carebench.store.schema import SCHEMA_VERSION; print(SCHEMA_VERSION)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree / "src")},
        check=True,
    )
    return out.stdout.strip()


def measure_writes(db: Path, repeat: int, work: Path, before: tuple[Path, Path, str] | None) -> dict:
    """Write costs on a copy of ``db``; with ``before`` (tree, database, sha) also the release before, alternating."""
    now_copy = copy_db(db, work / "writes-now.db")
    then_copy = copy_db(before[1], work / "writes-before.db") if before else None
    now: dict[str, list[float]] = {w: [] for w in WRITES}
    then: dict[str, list[float]] = {w: [] for w in WRITES}
    peaks = {"now": 0.0, "before": 0.0}
    try:
        for round_ in range(WRITE_ROUNDS):
            args = ["--worker", "writes", "--repeat", str(repeat), "--worker-round", str(round_)]
            answer = run_worker([*args, "--worker-db", str(now_copy)])
            peaks["now"] = max(peaks["now"], answer["peak_rss_mb"])
            for kind, runs in answer["seconds"].items():
                now[kind].extend(runs)
            if before:
                answer = run_worker([*args, "--worker-db", str(then_copy)], env={**os.environ, "PYTHONPATH": str(before[0] / "src")})
                peaks["before"] = max(peaks["before"], answer["peak_rss_mb"])
                for kind, runs in answer["seconds"].items():
                    then[kind].extend(runs)
    finally:
        remove_db(now_copy)
        if then_copy:
            remove_db(then_copy)
    found = {"now": {k: stats(v) for k, v in now.items()}, "peak_rss_mb": peaks}
    if before:
        found["before"] = {k: stats(v) for k, v in then.items()}
        found["before_rev"] = before[2]
        found["extra_ms"] = {k: round(found["now"][k]["median"] - found["before"][k]["median"], 2) for k in WRITES}
    return found


# ----- a full rebuild of the derived rows ------------------------------------------


def worker_rebuild(db: str, repeat: int) -> dict:
    """projections.rebuild (what a change of rules or of the derivation code runs) on a writable store."""
    from carebench.store import Store, projections

    runs = []
    with Store(db, create=False, today=date.fromisoformat(DAY)) as store:
        for _ in range(repeat):
            started = time.perf_counter()
            projections.rebuild(store.conn, store.rules)
            runs.append(time.perf_counter() - started)
        rows = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in projections.DERIVED_TABLES}
    return {"seconds": runs, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def measure_rebuild(db: Path, repeat: int, work: Path) -> dict:
    target = copy_db(db, work / "rebuild.db")
    try:
        answer = run_worker(["--worker", "rebuild", "--worker-db", str(target), "--repeat", str(repeat)])
    finally:
        remove_db(target)
    return {**stats(answer["seconds"]), "rows": answer["rows"], "peak_rss_mb": answer["peak_rss_mb"]}


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


def cli_argv(name: str, db: Path, day: str) -> list[str]:
    return [CAREBENCH, name, "--db", str(db), "--date", day, "--json"]


def measure_cli(db: Path, imports: int, calls: int, env: dict, work: Path) -> dict:
    """The reading commands as whole processes on a database just imported from an export of ``db``.

    Each import goes into a new database; then ``calls`` rounds of the import floor and every
    command on both days (stdout to /dev/null). The first round is the first call after the import.
    """
    portfolio = work / "portfolio.json"
    export_s = run_timed([CAREBENCH, "export", "-o", str(portfolio), "--db", str(db)], env)
    fresh = work / "imported.db"
    floor_argv = [PY, "-c", IMPORT_FLOOR]
    keys = [(name, day_name) for name in CLI_COMMANDS for day_name in DAYS]
    for argv in [floor_argv, *(cli_argv(name, db, DAYS[d]) for name, d in keys)]:  # page cache and bytecode
        run_timed(argv, env)
    floor: list[float] = []
    times: dict[tuple[str, str], list[list[float]]] = {key: [[] for _ in range(calls)] for key in keys}
    import_s = []
    try:
        for i in range(imports):
            print(f"  CLI: import {i + 1}/{imports} and {calls} calls of each command ...", flush=True)
            remove_db(fresh)
            import_s.append(run_timed([CAREBENCH, "import", str(portfolio), "--db", str(fresh)], env))
            for call in range(calls):
                floor.append(run_timed(floor_argv, env))
                for name, day_name in keys:
                    times[(name, day_name)][call].append(run_timed(cli_argv(name, fresh, DAYS[day_name]), env))
        floor_stats = stats(floor)
        result: dict = {
            "import_floor": floor_stats,
            "export": stats([export_s]),
            "import": stats(import_s),
            "portfolio_bytes": portfolio.stat().st_size,
            "calls": calls,
            "imports": imports,
            "commands": {},
        }
        for (name, day_name), by_call in times.items():
            result["commands"].setdefault(name, {})[day_name] = {
                "first": with_ratio(stats(by_call[0]), floor_stats),
                "last": with_ratio(stats(by_call[-1]), floor_stats),
                "later": with_ratio(stats([t for runs in by_call[1:] for t in runs]), floor_stats),
            }
        textual = {}
        for name in CLI_COMMANDS:
            probe = subprocess.run(
                [PY, "-c", TEXTUAL_PROBE, *cli_argv(name, fresh, DAY)[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
            )
            found = re.search(r"TEXTUAL_MODULES=(\d+)", probe.stderr)
            textual[name] = int(found.group(1)) if found else None
        result["textual_modules_loaded"] = textual
    finally:
        remove_db(fresh)
        portfolio.unlink(missing_ok=True)
    return result


# ----- the workbench in tmux ---------------------------------------------------------


class Tmux:
    """A private tmux server driven through one control-mode client (capture-pane costs ~0.1 ms, no process spawn)."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        subprocess.run(
            ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "keeper", "-x", str(SIZE[0]), "-y", str(SIZE[1]), "sleep 86400"],
            check=True,
        )
        self.proc = subprocess.Popen(
            ["tmux", "-L", socket, "-C", "attach", "-t", "=keeper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
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


def shown_text(tm: Tmux, name: str) -> str:
    """The screen as text, without its blank lines (for a report of what was on it)."""
    return "\n".join(line.rstrip() for line in tm.screen(name).splitlines() if line.strip())


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


POLL_S = 0.005


def wait_until(tm: Tmux, name: str, test, started: float, timeout: float, escapes: bool = False, fail=None) -> float | None:
    """Seconds from ``started`` to the first capture that passes ``test`` (None on timeout, or once one passes ``fail``)."""
    deadline = started + timeout
    while True:
        shown = tm.screen(name, escapes)
        now = time.perf_counter()
        if test(shown):
            return now - started
        if now > deadline or (fail is not None and fail(shown)):
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


# key, title in the header, what shows once the screen's data is in (None: the first agenda row, for Today)
SWITCHES = [
    ("2", "Portfolio —", r"\d+ of \d+ clients"),
    ("3", "KPIs —", r"· \d+ KPIs"),
    ("4", "Health —", r"· day -?\d+ ·"),
    ("5", "Expansion —", r"\d+ opportunities"),
    ("6", "Practice —", r"\d{4}-\d\d-\d\d · \d+ clients"),
    ("1", "Today —", None),
]
SCREENS = [title.split(" ")[0] for _, title, _ in SWITCHES]
# Rounds of the six switches in each workbench run: the first visits every screen but Today
# (shown at start), the others are later visits.
SWITCH_ROUNDS = 3
CURSOR_KEYS = 5


# The workbench's notice when a screen's data could not be loaded (no use waiting for it then).
LOAD_FAILED = "Could not load"


def load_failed(shown: str) -> bool:
    return LOAD_FAILED in shown


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
        times.append(wait_until(tm, name, lambda s, marker=marker: marker in s, t0, 10))
        settle(tm, name, 0.2)
    tm.kill(name, pid)
    return times


def carebench_run(tm: Tmux, env_prefix: str, db: Path, day: str, first_row: str | None, cursor_keys: int, timeout: float) -> dict:
    """``workbench_run``; a workbench that stopped (its tmux session gone) is a run without a first paint."""
    try:
        return workbench_run(tm, env_prefix, db, day, first_row, cursor_keys, timeout)
    except RuntimeError as exc:
        tm.kill("bench")
        return {"first_paint": None, "problems": [f"the workbench stopped: {exc}"]}


def workbench_run(tm: Tmux, env_prefix: str, db: Path, day: str, first_row: str | None, cursor_keys: int, timeout: float) -> dict:
    """One workbench process: first paint of Today, SWITCH_ROUNDS rounds of keys 2-6 and 1, cursor moves, peak RSS.

    A switch is timed until the screen's title is in the header and its data is painted;
    a step that times out is recorded as None and the run goes on (``problems`` says which).
    A screen that timed out once is given only a few seconds on its later visits.
    """
    name = "bench"
    marker = first_row or "touchpoints ("
    problems: list[str] = []
    started = time.perf_counter()
    tm.start(name, f"exec {env_prefix} {CAREBENCH} --db {db} --date {day}")
    first = wait_until(tm, name, lambda s: marker in s, started, timeout, fail=load_failed)
    pid = tm.pid(name)
    if first is None:
        shown = shown_text(tm, name)
        tm.kill(name, pid)
        return {"first_paint": None, "problems": [f"Today never showed {marker!r}:\n{shown}"]}
    # The start-up notice (old SQLite) would change the screen under the key measurements: let it go first.
    wait_until(tm, name, lambda s: "predates 3.52" not in s, time.perf_counter(), 15)
    settle(tm, name, 0.4)
    switches: dict[str, dict[str, list]] = {screen: {"first": [], "later": [], "title": []} for screen in SCREENS}
    failed: set[str] = set()
    for round_ in range(SWITCH_ROUNDS):
        for (key, title, data), screen in zip(SWITCHES, SCREENS):
            pattern = re.compile(re.escape(marker) if data is None else data)
            wait = 3.0 if screen in failed else timeout
            t0 = time.perf_counter()
            tm.keys(name, key)
            shown_title = wait_until(tm, name, lambda s, title=title: title in s, t0, wait)
            painted = wait_until(tm, name, lambda s, title=title, pattern=pattern: title in s and bool(pattern.search(s)), t0, wait, fail=load_failed)
            if painted is None:
                failed.add(screen)
                problems.append(f"{screen} (round {round_ + 1}) never showed {pattern.pattern!r}:\n{shown_text(tm, name)}")
            switches[screen]["title"].append(shown_title)
            visit = "first" if round_ == 0 and screen != "Today" else "later"
            switches[screen][visit].append(painted)
            settle(tm, name, 0.4)
    cursor: dict[str, list] = {"Today": [], "Portfolio": []}
    for _ in range(cursor_keys):
        cursor["Today"].append(key_to_change(tm, name, "Down"))
        settle(tm, name, 0.15)
    t0 = time.perf_counter()
    tm.keys(name, "2")
    wait_until(tm, name, lambda s: "Portfolio —" in s, t0, timeout)
    settle(tm, name, 0.4)
    for _ in range(cursor_keys):
        cursor["Portfolio"].append(key_to_change(tm, name, "Down"))
        settle(tm, name, 0.15)
    rss = rss_of(pid)
    tm.kill(name, pid)
    return {"first_paint": first, "switches": switches, "cursor": cursor, "problems": problems, **rss}


def measure_tui(db: Path, first_rows: dict[str, str | None], repeat: int, home: Path, timeout: float) -> dict:
    """Alternating runs: the bare app, Textual's own screen switch, the workbench on the anchor day and on the next."""
    env = isolated_env(home)
    keep = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    env_prefix = "env " + " ".join(f"{k}={shell_quote(env[k])}" for k in keep) + " TERM=xterm-256color COLORTERM=truecolor"
    tm = Tmux(TMUX_SOCKET)
    bare: list[dict] = []
    modes: list[float | None] = []
    bench: dict[str, list[dict]] = {day_name: [] for day_name in DAYS}
    try:
        # One unmeasured start of each to warm the page cache and the bytecode. A workbench that
        # cannot paint Today is not run again; the floors are still measured.
        bare_run(tm, env_prefix, 1)
        warm = carebench_run(tm, env_prefix, db, DAY, first_rows["anchor"], 1, timeout)
        broken = warm["problems"][0] if warm["first_paint"] is None else None
        if broken:
            print(f"  the workbench did not paint Today; measuring the floors only:\n{broken[:1500]}", flush=True)
        for i in range(repeat):
            print(f"  workbench run {i + 1}/{repeat}", flush=True)
            bare.append(bare_run(tm, env_prefix, 5))
            modes.extend(bare_modes_run(tm, env_prefix, 6))
            if broken:
                continue
            for day_name, day in DAYS.items():
                bench[day_name].append(carebench_run(tm, env_prefix, db, day, first_rows[day_name], CURSOR_KEYS, timeout))
    finally:
        tm.close()

    bare_first = stats([r["first_paint"] for r in bare])
    bare_key = stats([k for r in bare for k in r["keys"]])
    bare_switch = stats(modes)
    runs = [r for by_day in bench.values() for r in by_day if r["first_paint"] is not None]
    result: dict = {
        "bare": {"first_paint": bare_first, "key_to_paint": bare_key, "mode_switch": bare_switch, "peak_rss_mb": max(r["peak_mb"] for r in bare)},
        "first_paint_today": {day_name: with_ratio(stats([r["first_paint"] for r in by_day]), bare_first) for day_name, by_day in bench.items()},
        "switch": {},
        "cursor": {},
        "peak_rss_mb": stats([r["peak_mb"] / 1000 for r in runs]),  # MB (stats multiplies by 1,000)
        "problems": [p for by_day in bench.values() for r in by_day for p in r["problems"]],
    }
    if broken:
        result["workbench_error"] = broken
    for screen in SCREENS:
        result["switch"][screen] = {
            visit: with_ratio(stats([v for r in runs for v in r["switches"][screen][visit]]), bare_switch) for visit in ("first", "later", "title")
        }
    for screen in ("Today", "Portfolio"):
        result["cursor"][screen] = with_ratio(stats([v for r in runs for v in r["cursor"][screen]]), bare_key)
    return result


# ----- targets and the report --------------------------------------------------------

READ_LABEL = {"first_call": "first call of a fresh process", "repeated": "repeated, a new connection each"}
VISIT_LABEL = {"first": "first visit", "later": "later visits"}


def growth_pair(results: dict) -> tuple[str, str] | None:
    """(scale 1, the growth scale) when both were measured."""
    keys = results["scales"]
    growth = [k for k in keys if float(k) >= GROWTH_SCALE]
    return ("1", growth[0]) if "1" in keys and growth else None


def evaluate(results: dict) -> list[dict]:
    """Every target with its verdict: met, missed, or not measured (measured None)."""
    targets: list[dict] = []

    def add(name: str, scale: str, limit: str, measured, met, note: str = "") -> None:
        targets.append(
            {"target": name, "scale": scale, "limit": limit, "measured": measured, "met": None if measured is None else bool(met), "note": note}
        )

    def ok(d) -> bool:
        return isinstance(d, dict) and "error" not in d

    for key in sorted(results["scales"], key=float):
        entry = results["scales"][key]
        growth = float(key) >= GROWTH_SCALE
        tui = entry.get("tui")
        if not growth:
            reads = entry.get("reads")
            for name, limit in READ_TARGETS_MS.items():
                for mode in ("first_call", "repeated"):
                    for day_name in DAYS:
                        s = reads[mode][name][day_name] if ok(reads) else None
                        m = s and s["median"]
                        add(f"{name}, {READ_LABEL[mode]}, {day_name} (ms)", key, f"<= {limit:g}", m, m is not None and m <= limit)
            cli = entry.get("cli")
            if cli is not None:
                for name in CLI_COMMANDS:
                    for day_name in DAYS:
                        for which, label in (("first", "first call after import"), ("last", f"call {cli.get('calls', '?') if ok(cli) else '?'}")):
                            s = cli["commands"][name][day_name][which] if ok(cli) else None
                            r = s and s["ratio"]
                            add(
                                f"`carebench {name} --json`, {label}, {day_name} (× import floor)",
                                key,
                                f"<= {CLI_RATIO}",
                                r,
                                r is not None and r <= CLI_RATIO,
                            )
            writes = entry.get("writes")
            if writes is not None:
                for kind in WRITES:
                    extra = writes["extra_ms"][kind] if ok(writes) and "extra_ms" in writes else None
                    note = "" if extra is not None else (entry.get("before_error") or writes.get("error") or "the release before was not measured")
                    add(
                        f"write: {kind}, cost over the release before (ms)",
                        key,
                        f"<= +{WRITE_EXTRA_MS:g}",
                        extra,
                        extra is not None and extra <= WRITE_EXTRA_MS,
                        (note.splitlines() or [""])[0][:200],
                    )
            rebuild = entry.get("rebuild")
            if rebuild is not None:
                m = round(rebuild["median"] / 1000, 2) if ok(rebuild) else None
                add("full rebuild of the derived rows (s)", key, f"<= {REBUILD_S:g}", m, m is not None and m <= REBUILD_S)
        if tui is not None:
            why = tui.get("workbench_error") or tui.get("error") or ""
            if why:
                said = why.split(LOAD_FAILED, 1)[1] if LOAD_FAILED in why else why.splitlines()[0]
                said = " ".join(line.strip(" ▌") for line in said.splitlines()[:4] if line.strip(" ▌"))
                why = f"the workbench did not paint Today: {said[:160]}"
            for day_name in DAYS:
                s = tui["first_paint_today"][day_name] if ok(tui) else None
                r = s and s["ratio"]
                add(
                    f"workbench first paint of Today, {day_name} (× bare app)",
                    key,
                    f"<= {FIRST_PAINT_RATIO}",
                    r,
                    r is not None and r <= FIRST_PAINT_RATIO,
                    why,
                )
            if not growth:
                for screen in SCREENS:
                    for visit in ("first", "later"):
                        if screen == "Today" and visit == "first":
                            continue  # Today is shown at start: its first visit is the first paint
                        s = tui["switch"][screen][visit] if ok(tui) else None
                        r = s and s["ratio"]
                        add(
                            f"switch to {screen}, {VISIT_LABEL[visit]}, data painted (× Textual's own switch)",
                            key,
                            f"<= {SWITCH_RATIO}",
                            r,
                            r is not None and r <= SWITCH_RATIO,
                            why,
                        )
                for screen in ("Today", "Portfolio"):
                    s = tui["cursor"][screen] if ok(tui) else None
                    r = s and s["ratio"]
                    add(f"cursor Down on {screen}, key to paint (× bare app)", key, f"<= {CURSOR_RATIO}", r, r is not None and r <= CURSOR_RATIO, why)
                s = tui["peak_rss_mb"] if ok(tui) else None
                m = s and s["median"]
                add("workbench peak RSS after every screen (MB)", key, f"<= {RSS_LIMIT_MB:g}", m, m is not None and m <= RSS_LIMIT_MB, why)
    pair = growth_pair(results)
    if pair:
        small, big = (results["scales"][k].get("reads") for k in pair)
        for name in ("agenda", "triage"):
            for mode in ("first_call", "repeated"):
                for day_name in DAYS:
                    factor = None
                    if ok(small) and ok(big) and small[mode][name][day_name] and big[mode][name][day_name]:
                        factor = round(big[mode][name][day_name]["median"] / small[mode][name][day_name]["median"], 2)
                    add(
                        f"{name} growth, {READ_LABEL[mode]}, {day_name} (× scale 1)",
                        pair[1],
                        f"<= {GROWTH_FACTOR:g}",
                        factor,
                        factor is not None and factor <= GROWTH_FACTOR,
                    )
    return targets


def cell(d: dict | None, ratio: bool = False, digits: int = 1) -> str:
    if not d:
        return "–"
    text = f"{d['median']:,.{digits}f} [{d['min']:,.{digits}f}-{d['max']:,.{digits}f}]"
    if ratio and d.get("ratio") is not None:
        text += f" ×{d['ratio']:.2f}"
    return text


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    def text(value) -> str:
        return " ".join(str(value).split()).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def print_report(results: dict) -> None:
    """The run as markdown: the targets with their verdicts first, then every measure by scale."""
    out: list[str] = []
    keys = sorted(results["scales"], key=float)
    m = results["machine"]
    out.append(f"## Run {results['started']} to {results.get('finished', '?')}")
    load = results.get("loadavg_at_start") or ["?"]
    end_load = results.get("loadavg_at_end") or ["?"]
    out.append(
        f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB, Python {m['python']}, SQLite {m['sqlite']}, "
        f"textual {m['textual']}, {m['tmux']}. Load average {load[0]:.2f} at the start, "
        f"{end_load[0] if isinstance(end_load[0], str) else f'{end_load[0]:.2f}'} at the end. "
        f"Sources {results['source_fingerprints'][0][1]}; `{' '.join(results.get('argv', []))}`."
    )
    if results.get("code_changed_during_run"):
        out.append("**The carebench sources changed during this run:** " + ", ".join(f"{stage} {f}" for stage, f in results["source_fingerprints"]))
    out.append("Times in ms, median [min-max] of the repeats; ratios are medians over the floor's median in this run.")

    out.append("\n### Targets\n")
    rows = [
        [t["target"], t["scale"], t["limit"], "–" if t["measured"] is None else t["measured"], verdict(t["met"])]
        + ([t["note"]] if any(x["note"] for x in results["targets"]) else [])
        for t in results["targets"]
    ]
    headers = ["target", "scale", "limit", "measured", "verdict"]
    if any(x["note"] for x in results["targets"]):
        headers.append("note")
    out.append(md_table(headers, rows))
    counted = [t["met"] for t in results["targets"]]
    out.append(f"\n{counted.count(True)} met, {counted.count(False)} missed, {counted.count(None)} not measured.")

    def col(label: str) -> list[str]:
        return [f"{label} {k}" for k in keys]

    sizes = [results["scales"][k]["sizes"] for k in keys]
    out.append("\n### Portfolios\n")
    out.append(
        md_table(
            ["", *col("scale")],
            [
                ["clients", *[f"{s['clients']:,}" for s in sizes]],
                ["KPIs per client × readings per KPI", *[f"{s.get('kpis_per_client', 20)} × {s.get('readings_per_kpi', 50)}" for s in sizes]],
                ["readings", *[f"{s['readings']:,}" for s in sizes]],
                ["done/skipped touchpoints", *[f"{s['touchpoint_exceptions']:,}" for s in sizes]],
                [
                    "derived touchpoints",
                    *[f"{results['scales'][k].get('reads', {}).get('picks', {}).get('counts', {}).get('touchpoints', 0):,}" for k in keys],
                ],
                ["generation (s)", *[str(s["seconds_total"]) for s in sizes]],
                [
                    "DB bytes per 1,000 readings (file / readings table)",
                    *[
                        f"{results['scales'][k]['db_bytes_per_1000_readings']:,} / "
                        f"{results['scales'][k].get('readings_table_bytes_per_1000_readings') or 0:,}"
                        for k in keys
                    ],
                ],
            ],
        )
    )

    def get(k: str, *path):
        node = results["scales"][k]
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return None
            node = node[p]
        return node

    out.append("\n### In-process reads (app.queries, app.practice)\n")
    rows = []
    for name in (*TARGET_READS, *CONTEXT_READS):
        for mode in ("first_call", "repeated"):
            if mode == "first_call" and name not in TARGET_READS:
                continue
            for day_name in DAYS:
                limit = READ_TARGETS_MS.get(name)
                rows.append(
                    [
                        name + (f" (≤ {limit:g})" if limit else ""),
                        READ_LABEL[mode],
                        day_name,
                        *[cell(get(k, "reads", mode, name, day_name)) for k in keys],
                    ]
                )
    rows.append(["opening the store (a read-only Session.reading)", "", "", *[cell(get(k, "reads", "store_open"), digits=2) for k in keys]])
    out.append(md_table(["read", "how", "day", *col("scale")], rows))
    shown = []
    for k in keys:
        found = get(k, "reads", "sizes")
        if found:
            a, t = found["agenda"]["anchor"], found["triage"]["anchor"]
            shown.append(
                f"scale {k}: agenda {a['rows']:,} rows ({a['overdue']:,} overdue) and {a['action_items']:,} "
                f"action items, triage {t['rows']:,} rows, dashboard {found['kpi_dashboard']['anchor']['kpis']} KPIs, "
                f"practice {found['practice']['anchor']['clients']:,} clients"
            )
    if shown:
        out.append("\nWhat the reads returned on the anchor day: " + "; ".join(shown) + ".")

    if any(get(k, "cli") for k in keys):
        out.append("\n### Reading commands as whole processes, on a database just imported\n")
        rows = [['`python -c "' + IMPORT_FLOOR + '"` (import floor)', "", *[cell(get(k, "cli", "import_floor")) for k in keys]]]
        for name in CLI_COMMANDS:
            for day_name in DAYS:
                for which in ("first", "last", "later"):
                    calls = next((get(k, "cli", "calls") for k in keys if get(k, "cli", "calls")), 10)
                    label = {"first": "first call after the import", "last": f"call {calls}", "later": f"calls 2-{calls}"}[which]
                    rows.append(
                        [
                            f"`carebench {name} --json`, {day_name}",
                            label,
                            *[cell(get(k, "cli", "commands", name, day_name, which), ratio=True) for k in keys],
                        ]
                    )
        rows.append(["`carebench export` (once)", "", *[cell(get(k, "cli", "export"), digits=0) for k in keys]])
        rows.append(["`carebench import` into a new database", "", *[cell(get(k, "cli", "import"), digits=0) for k in keys]])
        rows.append(["textual modules loaded by the commands", "", *[str(get(k, "cli", "textual_modules_loaded") or "–") for k in keys]])
        out.append(md_table(["command", "call", *col("scale")], rows))

    if any(get(k, "writes") for k in keys):
        out.append("\n### Writes (app.commands, each on another client, on a copy of the database)\n")
        headers = ["write", *col("now, scale")]
        before_keys = [k for k in keys if get(k, "writes", "before")]
        for k in before_keys:
            headers += [f"before ({get(k, 'writes', 'before_rev')[:9]}), scale {k}", f"extra, scale {k}"]
        rows = []
        for kind in WRITES:
            row = [kind, *[cell(get(k, "writes", "now", kind)) for k in keys]]
            for k in before_keys:
                row += [cell(get(k, "writes", "before", kind)), f"{get(k, 'writes', 'extra_ms', kind):+.1f}"]
            rows.append(row)
        out.append(md_table(headers, rows))
        for k in keys:
            if get(k, "before_error"):
                out.append(f"\nThe release before was not measured at scale {k}: {get(k, 'before_error').splitlines()[0][:300]}")

    if any(get(k, "rebuild") for k in keys):
        out.append("\n### Full rebuild of the derived rows (projections.rebuild)\n")
        out.append(
            md_table(
                ["", *col("scale")],
                [
                    [
                        "seconds",
                        *[
                            "–"
                            if not get(k, "rebuild", "median")
                            else f"{get(k, 'rebuild', 'median') / 1000:.2f} [{get(k, 'rebuild', 'min') / 1000:.2f}-"
                            f"{get(k, 'rebuild', 'max') / 1000:.2f}]"
                            for k in keys
                        ],
                    ],
                    ["derived rows", *[f"{sum((get(k, 'rebuild', 'rows') or {}).values()):,}" for k in keys]],
                    ["peak RSS of the process (MB)", *[str(get(k, "rebuild", "peak_rss_mb") or "–") for k in keys]],
                ],
            )
        )

    tui_keys = [k for k in keys if get(k, "tui")]
    if tui_keys:
        out.append(f"\n### Workbench in tmux {SIZE[0]}×{SIZE[1]}\n")
        rows = [
            ["bare app: first paint", *[cell(get(k, "tui", "bare", "first_paint")) for k in tui_keys]],
            ["bare app: key to paint", *[cell(get(k, "tui", "bare", "key_to_paint")) for k in tui_keys]],
            ["Textual's own switch between two one-label screens", *[cell(get(k, "tui", "bare", "mode_switch")) for k in tui_keys]],
        ]
        for day_name in DAYS:
            rows.append(
                [
                    f"first paint of Today with its rows, {day_name}",
                    *[cell(get(k, "tui", "first_paint_today", day_name), ratio=True) for k in tui_keys],
                ]
            )
        for screen in SCREENS:
            for visit in ("first", "later", "title"):
                if screen == "Today" and visit == "first":
                    continue
                label = {"first": "first visit, data painted", "later": "later visits, data painted", "title": "title in the header, every visit"}[
                    visit
                ]
                rows.append([f"switch to {screen}: {label}", *[cell(get(k, "tui", "switch", screen, visit), ratio=True) for k in tui_keys]])
        for screen in ("Today", "Portfolio"):
            rows.append([f"cursor Down on {screen}", *[cell(get(k, "tui", "cursor", screen), ratio=True) for k in tui_keys]])
        rows.append(["peak RSS after every screen (MB)", *[cell(get(k, "tui", "peak_rss_mb")) for k in tui_keys]])
        rows.append(["bare app peak RSS (MB)", *[str(get(k, "tui", "bare", "peak_rss_mb") or "–") for k in tui_keys]])
        out.append(md_table(["measure", *[f"scale {k}" for k in tui_keys]], rows))
        for k in tui_keys:
            broken = get(k, "tui", "workbench_error")
            if broken:
                out.append(f"\nAt scale {k} the workbench did not paint Today (only the floors were measured):\n\n```\n{broken[:2500]}\n```")
            problems = get(k, "tui", "problems")
            if problems:
                out.append(f"\nAt scale {k}, {len(problems)} step(s) of the workbench did not finish; the first:\n\n```\n{problems[0][:2500]}\n```")
    for k in keys:
        for stage, found in results["scales"][k].items():
            if isinstance(found, dict) and "error" in found:
                out.append(f"\n{stage} at scale {k} failed:\n\n```\n{found['error'][-2500:]}\n```")
    print("\n".join(out))


# ----- putting it together -------------------------------------------------------------


def stage(entry: dict, name: str, run, *args) -> None:
    """``run(*args)`` into ``entry[name]``; a failure is recorded there and the run goes on."""
    try:
        entry[name] = run(*args)
    except Exception as exc:  # noqa: BLE001  (recorded in the results and the report)
        entry[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"  {name} failed: {str(exc)[-1500:]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="carebench performance benchmark")
    parser.add_argument(
        "--scale",
        type=float,
        nargs="+",
        default=[1.0, GROWTH_SCALE],
        help="portfolio sizes (1 = 2,000 clients; 10 and above: 10 KPIs x 12 readings per client)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats of every measurement (default 5)")
    parser.add_argument("--imports", type=int, default=3, help="imports into a new database per scale, for the CLI (default 3)")
    parser.add_argument("--calls", type=int, default=10, help="calls of each command after each import (default 10)")
    parser.add_argument("--rebuild-repeat", type=int, default=3, help="full rebuilds timed per scale (default 3)")
    parser.add_argument("--before", default=BEFORE_REV, help=f"the release whose write costs are the baseline (default {BEFORE_REV}); 'none' to skip")
    parser.add_argument("--tui-timeout", type=float, default=120.0, help="seconds a workbench step may take (default 120)")
    parser.add_argument("--seed", type=int, default=20260615)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "results.json")
    parser.add_argument("--db-dir", type=Path, default=HERE / "results" / "db")
    parser.add_argument("--skip-cli", action="store_true", help="leave out the command-line processes")
    parser.add_argument("--skip-writes", action="store_true", help="leave out the write costs")
    parser.add_argument("--skip-rebuild", action="store_true", help="leave out the full rebuild")
    parser.add_argument("--skip-tui", action="store_true", help="leave out the workbench in tmux")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON", help="only print the report of an earlier run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-db", help=argparse.SUPPRESS)
    parser.add_argument("--worker-read", help=argparse.SUPPRESS)
    parser.add_argument("--worker-day", help=argparse.SUPPRESS)
    parser.add_argument("--worker-round", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        answer = {
            "reads": lambda: worker_reads(args.worker_db, args.repeat),
            "first": lambda: worker_first(args.worker_db, args.worker_read, args.worker_day),
            "writes": lambda: worker_writes(args.worker_db, args.repeat, args.worker_round),
            "rebuild": lambda: worker_rebuild(args.worker_db, args.repeat),
        }[args.worker]()
        print(json.dumps(answer))
        return 0
    if args.report:
        earlier = json.loads(args.report.read_text())
        earlier["targets"] = evaluate(earlier)  # judged again: a run cut short has none yet
        print_report(earlier)
        return 0

    import carebench

    started = datetime.now(UTC)
    byte_compile(Path(carebench.__file__).resolve().parent)
    scales = sorted(set(args.scale))
    reference = "1" if 1.0 in scales else f"{min(scales):g}"
    results: dict = {
        "started": started.isoformat(timespec="seconds"),
        "days": DAYS,
        "argv": ["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)],
        "args": {
            "scale": scales,
            "repeat": args.repeat,
            "seed": args.seed,
            "imports": args.imports,
            "calls": args.calls,
            "rebuild_repeat": args.rebuild_repeat,
            "before": args.before,
        },
        "machine": machine(),
        "loadavg_at_start": os.getloadavg(),
        "scales": {},
    }
    fingerprints: list[tuple[str, str]] = [("start", source_fingerprint())]
    results["source_fingerprints"] = fingerprints
    tmux = shutil.which("tmux") is not None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="carebench-bench-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = isolated_env(home)
        for scale in scales:
            key = f"{scale:g}"
            db, meta = ensure_db(args.db_dir, scale, args.seed)
            entry: dict = {"db": str(db), "sizes": meta, **db_sizes(db, meta)}
            results["scales"][key] = entry
            print(f"scale {key} ({meta['clients']:,} clients, {meta['readings']:,} readings):", flush=True)
            stage(entry, "reads", measure_reads, db, args.repeat)
            if not args.skip_writes:
                before = None
                if key == reference and args.before.lower() != "none":
                    try:
                        tree, sha = before_tree(args.before, args.db_dir.parent)
                        before_db, _ = ensure_db(args.db_dir, scale, args.seed, src=tree, label=f"before-{sha[:12]}", schema=before_schema(tree))
                        before = (tree, before_db, sha)
                    except Exception as exc:  # noqa: BLE001  (said in the report; the writes of now are still measured)
                        entry["before_error"] = f"{type(exc).__name__}: {exc}"
                        print(f"  the release before could not be set up: {str(exc)[:1000]}", flush=True)
                print("  writes" + (f" (and the release before, {before[2][:9]})" if before else "") + " ...", flush=True)
                stage(entry, "writes", measure_writes, db, args.repeat, work, before)
                if before and "error" in entry["writes"]:
                    entry["before_error"] = entry["writes"]["error"]
                    stage(entry, "writes", measure_writes, db, args.repeat, work, None)
            if not args.skip_rebuild:
                print("  full rebuild ...", flush=True)
                stage(entry, "rebuild", measure_rebuild, db, args.rebuild_repeat, work)
            if not args.skip_cli:
                stage(entry, "cli", measure_cli, db, args.imports, args.calls, env, work)
            if not args.skip_tui:
                if not tmux:
                    print("  tmux is not installed: no workbench measurements", flush=True)
                else:
                    print("  workbench in tmux ...", flush=True)
                    agenda = (entry.get("reads") or {}).get("sizes", {}).get("agenda", {})
                    rows = {d: agenda.get(d, {}).get("first_client_name") for d in DAYS}
                    stage(entry, "tui", measure_tui, db, rows, args.repeat, home, args.tui_timeout)
            fingerprints.append((f"scale {key}", source_fingerprint()))
            args.out.write_text(json.dumps(results, indent=2))  # what is done so far, should a later scale fail

    results["loadavg_at_end"] = os.getloadavg()
    results["code_changed_during_run"] = len({f for _, f in fingerprints}) > 1
    results["targets"] = evaluate(results)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2))
    print()
    print_report(results)
    print(f"\nresults written to {args.out}")
    if results["code_changed_during_run"]:
        print(
            "WARNING: the carebench sources changed while the benchmark ran; the stages measured different code: "
            + ", ".join(f"{stage_} {f}" for stage_, f in fingerprints)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
