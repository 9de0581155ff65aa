"""Where check-in scripts come from: the bundled ones, overridden by the user's own folder."""

from __future__ import annotations

from pathlib import Path

from ..core.scripts import ScriptProblem, ScriptTemplate, parse_script
from .paths import config_dir

# The largest script file carebench reads (a larger one is refused before it is read).
MAX_SCRIPT_BYTES = 1 << 20


def bundled_scripts() -> Path:
    """The check-in scripts shipped with carebench."""
    from importlib import resources

    return Path(str(resources.files("carebench.resources").joinpath("scripts")))


def script_folders() -> list[Path]:
    """Where scripts come from, later ones overriding earlier ones: the bundled scripts, then the user's own."""
    return [bundled_scripts(), config_dir() / "scripts"]


def read_script(path: Path) -> ScriptTemplate:
    """One script file, read within its cap and parsed; ScriptProblem or StoreError says what is wrong."""
    from ..store.files import read_capped

    raw = read_capped(path, MAX_SCRIPT_BYTES, "a check-in script")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScriptProblem(f"{path}: not a UTF-8 text file") from None
    return parse_script(text, str(path))


def load_scripts(folders: list[Path]) -> tuple[dict[str, ScriptTemplate], list[str]]:
    """Scripts by the kind they serve (later folders override earlier ones) and one line per broken file."""
    from ..store import StoreError

    by_kind: dict[str, ScriptTemplate] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                template = read_script(path)
            except (ScriptProblem, StoreError) as exc:
                problems.append(str(exc))
                continue
            for kind in template.kinds():
                by_kind[kind] = template
    return by_kind, problems


def scripts_in_force() -> tuple[dict[str, ScriptTemplate], list[str]]:
    """Scripts by touchpoint kind, and one line per user file that had to be skipped."""
    return load_scripts(script_folders())
