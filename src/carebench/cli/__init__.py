"""The ``carebench`` command.

``main`` runs the click group; each command's module (one per area) is imported only when
that command runs, and with no command the workbench opens.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from ..app.errors import DatabaseError, StoreError
from ..app.inputs import UserError, inert


def main() -> None:
    """Entry point: every failure a user can cause is one line on stderr, exit code 2."""
    try:
        from .group import cli

        cli.main(standalone_mode=False, prog_name="carebench")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"error: {inert(' '.join(exc.format_message().split()))}", err=True)
        sys.exit(exc.exit_code)
    except (UserError, StoreError) as exc:
        # Several problems (an import) come as several lines; each one is made inert on its own.
        click.echo("\n".join(f"error: {inert(line)}" for line in str(exc).split("\n")), err=True)
        sys.exit(2)
    except BrokenPipeError:
        # The reader went away (`carebench today | head`): nothing more to say, and nothing to flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except DatabaseError as exc:
        from ..app.errors import sqlite_problem

        problem = sqlite_problem(exc, resolve_db_quietly())
        if problem is None:
            crashed(exc)
        click.echo(f"error: {inert(problem)}", err=True)
        sys.exit(2)
    except Exception as exc:
        crashed(exc)


def resolve_db_quietly() -> Path:
    """The database a failed command was using, as far as it can still be told."""
    from .group import resolved

    return resolved[0] if resolved else Path("the database")


def crashed(exc: BaseException) -> NoReturn:
    """An unexpected error: the details go to a private crash report, the user gets one line (exit 1)."""
    from ..app.crash import crash_line

    click.echo(f"error: {crash_line(exc)}", err=True)
    sys.exit(1)
