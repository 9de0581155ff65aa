"""The DataGrid against Textual's DataTable on one table of 20,000 rows.

`python benchmarks/grid_vs_datatable.py [--rows 20000] [--keys 20] [--repeat 3] [--skip-tui]`

In one process, headless (Textual's test driver) at 120x40, for each table:
- rows: the time to hand the table every row (DataGrid.set_rows; DataTable.add_rows of the cells);
- first paint: rows handed over and the screen drawn;
- held MB: what the table holds after the first paint (tracemalloc; the caller's rows are made beforehand);
- cells computed: how many rows' cells were made (the DataTable makes all of them up front).
Then each table in its own process in a real terminal (tmux, as benchmarks/run.py measures the workbench):
- start: the process started until the first rows are on screen;
- key to paint: a cursor move down, key sent until the screen changed, against a bare app whose key
  changes a Label (benchmarks/bare_app.py);
- peak RSS of the process.
Medians of the repeats; the machines are noisy, so compare the columns, not the numbers of two runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from time import perf_counter

from textual.app import App
from textual.widgets import DataTable

from carebench.ui.widgets.grid import Column, DataGrid
from carebench.ui.widgets.tables import Cell

SIZE = (120, 40)
HEADERS = ["client", "score", "band", "Δ", "tier", "phase · day", "next touchpoint", "slipping", "on target", "pipeline"]
WIDTHS = [None, 5, 10, 6, 8, 19, 17, 8, 9, 9]


def make_rows(count: int) -> list[dict]:
    return [
        {
            "client": f"client-{n:05d}",
            "client_name": f"Client number {n} of the portfolio",
            "overall": (n % 97) / 10,
            "band": ("red", "yellow", "green")[n % 3],
            "delta": (n % 7) - 3.0,
            "tier": ("platinum", "gold", "silver")[n % 3],
            "phase": "optimization",
            "day": n % 200,
            "next": f"06-{n % 28 + 1:02d} weekly",
            "backsliding": n % 4,
            "on_target": f"{n % 5}/5",
            "pipeline": 1000.0 * (n % 500),
        }
        for n in range(count)
    ]


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, row: dict) -> list:
        self.calls += 1
        return [
            row["client_name"],
            Cell(f"{row['overall']:.1f}", justify="right"),
            Cell(f"● {row['band']}", "#E8C547"),
            f"{row['delta']:+.1f}",
            row["tier"],
            f"{row['phase']} · d{row['day']}",
            row["next"],
            Cell(str(row["backsliding"]), "dim", "right"),
            row["on_target"],
            Cell(f"{row['pipeline']:,.0f}", justify="right"),
        ]


class GridApp(App):
    CSS = "DataGrid { height: 1fr; }"

    def compose(self):
        yield DataGrid([Column(h, w, min_width=20) for h, w in zip(HEADERS, WIDTHS)], zebra_stripes=True)

    def show(self, rows: list[dict], counter: Counter) -> None:
        self.query_one(DataGrid).set_rows(rows, key=lambda row: row["client"], cells=counter)

    def table(self):
        return self.query_one(DataGrid)


class TableApp(App):
    CSS = "DataTable { height: 1fr; }"
    table_class = DataTable

    def compose(self):
        table = self.table_class(cursor_type="row", zebra_stripes=True)
        for header, width in zip(HEADERS, WIDTHS):
            table.add_column(header, width=width or 36, key=header)
        yield table

    def show(self, rows: list[dict], counter: Counter) -> None:
        table = self.query_one(DataTable)
        table.add_rows([counter(row) for row in rows])

    def table(self):
        return self.query_one(DataTable)


APPS = {"DataGrid": GridApp, "DataTable": TableApp}


def serve(name: str, count: int) -> None:
    """Run one table app in this terminal, the table focused and full (for the tmux measurements)."""

    class Served(APPS[name]):
        def on_mount(self) -> None:
            self.show(make_rows(count), Counter())
            self.table().focus()

    Served().run()


async def measure(app_class, rows: list[dict]) -> dict:
    app = app_class()
    counter = Counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.table().focus()
        await pilot.pause()
        before = perf_counter()
        await pilot.pause()
        pause = perf_counter() - before
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = perf_counter()
        app.show(rows, counter)
        handed = perf_counter()
        await pilot.pause()
        painted = perf_counter()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        return {
            "rows_ms": (handed - started) * 1000,
            "first_paint_ms": (painted - started) * 1000,
            "held_mb": held / 1e6,
            "cells": counter.calls,
            "pause_ms": pause * 1000,
        }


def in_terminal(name: str, count: int, keys: int) -> dict:
    """Start, key to paint (median) and peak RSS of one table app (or the bare app) in tmux."""
    from run import Tmux, key_to_change, rss_of, settle, wait_until

    here = Path(__file__).resolve().parent
    env = "env TERM=xterm-256color COLORTERM=truecolor"
    if name == "bare":
        command, key, ready = f"{env} {sys.executable} {here / 'bare_app.py'}", "x", "bare app ready"
    else:
        command, key, ready = (f"{env} {sys.executable} {Path(__file__).resolve()} --serve {name} --rows {count}", "Down", "Client number 1 of")
    tm = Tmux("carebench-grid-bench")
    try:
        started = time.perf_counter()
        tm.start("table", "exec " + command)
        first = wait_until(tm, "table", lambda screen: ready in screen, started, 120)
        pid = tm.pid("table")
        settle(tm, "table", 0.3)
        presses = []
        for _ in range(keys):
            presses.append(key_to_change(tm, "table", key))
            settle(tm, "table", 0.1)
        rss = rss_of(pid)
        tm.kill("table", pid)
    finally:
        tm.close()
    measured = [p for p in presses if p is not None]
    return {
        "start_ms": first * 1000 if first else float("nan"),
        "key_ms": statistics.median(measured) * 1000 if measured else float("nan"),
        "peak_mb": rss["peak_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-tui", action="store_true", help="leave out the measurements in tmux")
    parser.add_argument("--serve", choices=list(APPS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.rows)
        return
    rows = make_rows(args.rows)
    results: dict[str, list[dict]] = {name: [] for name in APPS}
    for _ in range(args.repeat):
        for name, app_class in APPS.items():
            results[name].append(asyncio.run(measure(app_class, rows)))
    floor = statistics.median(run["pause_ms"] for runs in results.values() for run in runs)
    print(
        f"{args.rows:,} rows at {SIZE[0]}x{SIZE[1]}, median of {args.repeat}, headless "
        f"(first paint includes Pilot's wait, {floor:.0f} ms with nothing to draw)"
    )
    print(f"{'table':12} {'rows ms':>10} {'1st paint ms':>13} {'held MB':>8} {'cells computed':>15}")
    for name, runs in results.items():
        median = {field: statistics.median(run[field] for run in runs) for field in runs[0]}
        print(f"{name:12} {median['rows_ms']:10.2f} {median['first_paint_ms']:13.1f} {median['held_mb']:8.2f} {median['cells']:15,.0f}")
    if args.skip_tui:
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    terminal: dict[str, list[dict]] = {name: [] for name in ("bare", *APPS)}
    for _ in range(args.repeat):
        for name in terminal:
            terminal[name].append(in_terminal(name, args.rows, args.keys))
    print(f"\nIn tmux, median of {args.repeat} runs of {args.keys} keys each")
    print(f"{'app':12} {'start ms':>10} {'key to paint ms':>16} {'peak RSS MB':>12}")
    for name, runs in terminal.items():
        median = {field: statistics.median(run[field] for run in runs) for field in runs[0]}
        print(f"{name:12} {median['start_ms']:10.0f} {median['key_ms']:16.1f} {median['peak_mb']:12.1f}")


if __name__ == "__main__":
    main()
