"""The core stays pure and the CLI stays light: checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN_IN_CORE = ("sqlite3", "sqlite_utils", "textual", "rich")


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["models", "calendar", "schedule", "health", "kpis", "finance", "phases", "pipeline", "support", "practice",
                                    "alerts", "scripts"])
def test_core_module_imports_no_storage_or_ui(module):
    loaded = modules_after(f"import carebench.core.{module}")
    assert not {m for m in loaded if m.split(".")[0] in FORBIDDEN_IN_CORE}


def test_cli_module_does_not_import_textual():
    loaded = modules_after("import carebench.cli, carebench.views")
    assert "textual" not in loaded
