"""Where check-in scripts come from: the bundled ones, overridden by the user's own folder."""

from __future__ import annotations

from pathlib import Path

from .core.scripts import ScriptTemplate, load_scripts
from .paths import config_dir


def script_folders() -> list[Path]:
    return [Path(__file__).resolve().parent / "scripts", config_dir() / "scripts"]


def scripts_in_force() -> tuple[dict[str, ScriptTemplate], list[str]]:
    """Scripts by touchpoint kind, and one line per user file that had to be skipped."""
    return load_scripts(script_folders())
