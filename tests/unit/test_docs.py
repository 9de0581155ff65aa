"""The documentation and the commands agree: every command and option is in docs/cli.md, every command the README
names exists."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = runpy.run_path(str(ROOT / "tools" / "cli_reference.py"))
MAN = runpy.run_path(str(ROOT / "tools" / "man_page.py"))


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


def test_the_man_page_is_what_the_commands_say_and_names_every_command():
    from carebench.cli.group import every_command

    written = (ROOT / "docs" / "carebench.1").read_text(encoding="utf-8")
    assert written == MAN["page"](), "docs/carebench.1 is out of date: run python tools/man_page.py"
    cli = every_command()
    for path in TOOL["commands"](cli):
        name = " ".join(("carebench", *path))
        if path:
            assert f'\n.SS "{name}"\n' in written, f"{name} is not in the man page"
    assert "_CAREBENCH_COMPLETE=bash_source carebench" in written


def test_the_man_page_reads_without_warnings():
    import shutil
    import subprocess

    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    shown = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(ROOT / "docs" / "carebench.1")], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stderr == ""


def test_the_wheel_installs_the_man_page_and_the_readme_says_how_to_complete():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]["docs/carebench.1"] == "share/man/man1/carebench.1"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'eval "$(_CAREBENCH_COMPLETE=bash_source carebench)"' in readme
    assert "man -l docs/carebench.1" in readme


def test_the_version_option(run):
    from carebench import __version__

    result = run.ok("--version")
    assert result.stdout == f"carebench, version {__version__}\n"
