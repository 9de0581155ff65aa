"""The core stays pure and the CLI stays light: checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold():
    """The layers and what each may import ([tool.importlinter] in pyproject.toml), checked by import-linter:
    cli over ui over reports over app over store over core; the core pure; only the store speaks SQL."""
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_the_cli_and_the_queries_load_no_textual():
    loaded = modules_after("import carebench.cli, carebench.app.queries")
    assert "textual" not in loaded


def test_the_workbench_paints_today_and_reads_the_agenda_without_pydantic():
    loaded = modules_after(
        "from carebench.ui.app import CarebenchApp\n"
        "from carebench.ui.themes import load_themes\n"
        "load_themes()\n"
        "import carebench.app.queries, carebench.store.store"
    )
    assert "pydantic" not in loaded


def test_once_today_is_painted_the_other_screens_modules_load_in_the_background(tmp_path):
    from carebench.store import Store

    db = tmp_path / "empty.db"
    Store(db).close()
    loaded = modules_after(
        "import asyncio, sys\n"
        "from datetime import date\n"
        "from carebench.ui.app import CarebenchApp\n"
        "seen = {}\n"
        "async def main():\n"
        f"    app = CarebenchApp({str(db)!r}, today=date(2026, 6, 15), user='ana')\n"
        "    seen['before'] = 'carebench.ui.screens.health' in sys.modules or 'pydantic' in sys.modules\n"
        "    async with app.run_test() as pilot:\n"
        "        for _ in range(100):\n"
        "            await app.workers.wait_for_complete()\n"
        "            await pilot.pause(0.05)\n"
        "            if 'carebench.ui.screens.health' in sys.modules:\n"
        "                break\n"
        "asyncio.run(main())\n"
        "assert not seen['before']\n"
    )
    assert {"carebench.ui.screens.health", "carebench.ui.screens.practice", "carebench.core.models"} <= loaded


def run_cli_and_list_modules(tmp_path, *args: str) -> set[str]:
    """The modules loaded by a real ``carebench`` command run in a fresh interpreter (its output discarded)."""
    from datetime import date

    from carebench.app.commands import init_database
    from carebench.app.session import Session

    db = tmp_path / "portfolio.db"
    init_database(Session(db, date(2026, 6, 15)))
    return modules_after(
        "import sys, io, contextlib\n"
        f"sys.argv = ['carebench', '--db', {str(db)!r}, *{list(args)!r}]\n"
        "from carebench.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
    )


@pytest.mark.parametrize("command", ["health", "pipeline", "today"])
def test_the_health_pipeline_and_agenda_commands_load_neither_pydantic_nor_other_commands(tmp_path, command):
    loaded = run_cli_and_list_modules(tmp_path, command, "--json")
    assert "pydantic" not in loaded
    assert "carebench.cli.reading" in loaded
    assert not {"carebench.cli.practice", "carebench.cli.setup", "carebench.cli.writing", "carebench.cli.reports"} & loaded


def test_every_command_is_found_in_the_module_the_lazy_group_names():
    from carebench.cli.group import COMMAND_MODULES, every_command

    registered = {name: command.callback.__module__.rsplit(".", 1)[1] for name, command in every_command().commands.items()}
    assert registered == COMMAND_MODULES


def test_no_module_of_carebench_imports_itself_round_a_circle():
    """The import graph (run-time imports, deferred ones included; those for type checkers only left out) has no cycle."""
    import grimp

    graph = grimp.build_graph("carebench", exclude_type_checking_imports=True)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    circles = [sorted(group) for group in strongly_connected(imports) if len(group) > 1]
    assert circles == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of a directed graph, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups
