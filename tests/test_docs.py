"""The documentation and the commands agree: every command and option is in docs/cli.md, every command the README
names exists."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
TOOL = runpy.run_path(str(ROOT / "tools" / "cli_reference.py"))


def test_the_command_reference_is_what_the_commands_say():
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == TOOL["reference"](), "docs/cli.md is out of date: run python tools/cli_reference.py"


def test_every_command_and_option_is_in_the_reference():
    from carebench.cli.group import every_command

    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    cli = every_command()
    for path in TOOL["commands"](cli):
        command = cli
        for name in path:
            command = command.get_command(click.Context(command), name)
        assert f"\n## {' '.join(('carebench', *path))}\n" in written
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("-"):
                    assert option in written, f"carebench {' '.join(path)} {option} is not documented"


def test_every_command_the_readme_names_exists():
    from carebench.cli.group import every_command

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # "carebench done\|skip\|move" (in a Markdown table) names three commands
    named = {name for found in re.findall(r"`carebench ([a-z][a-z-]*(?:\\\|[a-z][a-z-]*)*)", readme) for name in found.split("\\|")}
    known = set(every_command().commands)
    assert named, "the README names no commands"
    assert named - known == set()
    # and the README's command table leaves none out
    assert known - named == set()
