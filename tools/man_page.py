"""Write docs/carebench.1: the manual page, made from the click commands (their usage, help and options).

Usage: python tools/man_page.py [OUTPUT_PATH]   (default: docs/carebench.1; read it with `man -l docs/carebench.1`)

The wheel installs the page as share/man/man1/carebench.1, so `man carebench` finds it where the
installation's share/man is on the manual path. tests/unit/test_docs.py fails when the file is not what
this writes.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from carebench import __version__
from carebench.cli.group import every_command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "docs" / "carebench.1"
commands = runpy.run_path(str(ROOT / "tools" / "cli_reference.py"))["commands"]


def roff(text: str) -> str:
    """Text as roff reads it literally: backslashes and hyphens escaped, no line taken for a request."""
    lines = []
    for line in text.replace("\\", "\\e").replace("-", "\\-").splitlines():
        lines.append(f"\\&{line}" if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def paragraphs(text: str) -> str:
    """A command's help as paragraphs; a block click keeps as written (after a \\b line) stays as written."""
    out = []
    for block in text.split("\n\n"):
        block = block.strip("\n")
        if block.startswith("\b"):
            out.append(".PP\n.nf\n" + roff(block.removeprefix("\b").strip("\n")) + "\n.fi")
        elif block.strip():
            out.append(".PP\n" + roff(" ".join(line.strip() for line in block.splitlines())))
    return "\n".join(out)


def options(command: click.Command, context: click.Context) -> str:
    out = []
    for param in command.get_params(context):
        record = param.get_help_record(context) if isinstance(param, click.Option) else None
        if record is None:
            continue
        names, help_text = record
        out.append(f".TP\n\\fB{roff(names)}\\fR\n{roff(help_text) if help_text else ''}".rstrip())
    return "\n".join(out)


def section(cli: click.Group, path: tuple[str, ...]) -> str:
    parent = click.Context(cli, info_name="carebench", **cli.context_settings)
    command: click.Command = cli
    context = parent
    for name in path:
        found = command.get_command(context, name) if isinstance(command, click.Group) else None
        assert found is not None, path
        command, context = found, click.Context(found, info_name=name, parent=context)
    usage = " ".join(command.collect_usage_pieces(context))
    parts = [
        f'.SS "carebench {" ".join(path)}"',
        f".B carebench {roff(' '.join(path))}\n{roff(usage)}",
        paragraphs(command.help or command.short_help or ""),
        options(command, context),
    ]
    return "\n".join(p for p in parts if p)


def page() -> str:
    cli = every_command()
    context = click.Context(cli, info_name="carebench", **cli.context_settings)
    listed = [path for path in commands(cli) if path]
    return "\n".join(
        [
            f'.TH CAREBENCH 1 "" "carebench {__version__}" "User Commands"',
            ".SH NAME",
            "carebench \\- a keyboard\\-driven terminal workbench for post\\-implementation support (hyper\\-care)",
            ".SH SYNOPSIS",
            ".B carebench\n[\\fIOPTIONS\\fR]\n.br\n.B carebench\n\\fICOMMAND\\fR [\\fIARGS\\fR]...",
            ".SH DESCRIPTION",
            paragraphs(cli.help or ""),
            ".SH OPTIONS",
            options(cli, context),
            ".SH COMMANDS",
            ".PP\nEvery command takes \\fB\\-\\-help\\fR. Bad input prints one line starting \\fIerror:\\fR and exits 2.",
            *(section(cli, path) for path in listed),
            ".SH ENVIRONMENT",
            ".TP\n.B CAREBENCH_DB\nThe database file when \\fB\\-\\-db\\fR is not given.",
            ".TP\n.B NO_COLOR\nThe workbench and the tables draw without colour.",
            ".SH FILES",
            ".TP\n.I ~/.local/share/carebench/portfolio.db\nThe default database (in the per\\-user data folder).",
            ".TP\n.I ~/.config/carebench/\nYour own themes (\\fIthemes/\\fR), check\\-in scripts (\\fIscripts/\\fR) and settings.",
            ".TP\n.I ~/.local/state/carebench/\nDrafts of check\\-ins in progress and crash reports, owner\\-only.",
            ".SH SHELL COMPLETION",
            ".PP\nCompletion of commands and options comes from click. For bash, add to \\fI~/.bashrc\\fR:",
            '.PP\n.nf\neval "$(_CAREBENCH_COMPLETE=bash_source carebench)"\n.fi',
            ".PP\nfor zsh, \\fB_CAREBENCH_COMPLETE=zsh_source\\fR in \\fI~/.zshrc\\fR; for fish,",
            "\\fB_CAREBENCH_COMPLETE=fish_source carebench | source\\fR in \\fI~/.config/fish/completions/carebench.fish\\fR.",
            ".SH EXIT STATUS",
            ".PP\n0 on success; 1 when a check fails (\\fBdoctor\\fR, \\fBcheck \\-\\-fail\\-on\\fR);",
            "2 for bad input or a database carebench refuses, with nothing changed.",
            ".SH SEE ALSO",
            ".PP\nThe README and docs/cli.md of the carebench distribution; \\fBsqlite3\\fR(1).",
            "",
        ]
    )


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.write_text(page(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
