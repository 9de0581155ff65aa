"""Write docs/cli.md: every carebench command's --help, as the command prints it.

Usage: python tools/cli_reference.py [OUTPUT_PATH]   (default: docs/cli.md)

tests/unit/test_docs.py fails when the file is not what this writes, so the reference cannot
fall behind the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from carebench.cli.group import every_command

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
WIDTH = 100


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's path below ``group``, the group itself first, subcommands in name order."""
    found = [path]
    context = click.Context(group, info_name="carebench")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        elif command is not None:
            found.append((*path, name))
    return found


def reference() -> str:
    cli = every_command()
    parts = ["# Command reference\n\n", "Every command's `--help`, as carebench prints it (`python tools/cli_reference.py` writes this file).\n"]
    for path in commands(cli):
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="carebench", terminal_width=WIDTH, max_content_width=WIDTH)
        if result.exit_code != 0:
            raise SystemExit(f"carebench {' '.join(path)} --help failed: {result.output}")
        parts.append(f"\n## {' '.join(('carebench', *path))}\n\n```\n{result.output.rstrip()}\n```\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.write_text(reference(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
