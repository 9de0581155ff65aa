"""Setting up and moving data: demo, init, backup, doctor, schema, datasette-metadata, import, export, demo-data."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from ..app import commands, schema_reference, transfer
from ..app.inputs import UserError, inert
from .group import (
    DATE,
    cli,
    db_option,
    emit_json,
    json_option,
    output_option,
    require_terminal,
    resolve_db,
    run_workbench,
    session,
)


@cli.command()
@click.option("--reset", is_flag=True, help="Rebuild the demo database from the bundled sample data.")
@click.option("--theme", default=None, help="Workbench theme.")
def demo(reset, theme):
    """Open the workbench on the demo portfolio (built on first use, anchored to today)."""
    require_terminal()
    path = commands.open_demo(reset)
    run_workbench(path, None, theme)
    click.echo(f"The demo database is {path}; the commands use it with --demo, e.g. `carebench today --demo`.")


@cli.command()
@click.option(
    "--shared",
    nargs=2,
    metavar="GROUP DIR",
    default=None,
    help="Set up a team database in DIR for the Unix GROUP (folder setgid 2770, database 0660).",
)
@db_option
def init(shared, db_path):
    """Create an empty database (owner-only permissions), or migrate an existing one.

    With --shared GROUP DIR, create DIR/portfolio.db for a team: every member of
    GROUP can open it, nobody else can read it.
    """
    if shared:
        path = commands.init_team_folder(shared[0], Path(shared[1]))
        click.echo(f"team database ready: {path} (group {shared[0]}); members use --db {path} or CAREBENCH_DB={path}")
        return
    click.echo(f"database ready: {commands.init_database(session(db_path, create=True))}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists (a regular file only).")
@json_option
@db_option
def backup(file, force, as_json, db_path):
    """Copy the database to FILE with SQLite's online backup (safe while others write)."""
    if os.path.lexists(file) and not force:
        raise UserError(f"{file} exists; pass --force to replace it")
    source, size = commands.backup(session(db_path), file, replace=force)
    if as_json:
        return emit_json({"source": source, "backup": str(file), "bytes": size})
    click.echo(f"backed up {source} to {file} ({size:,} bytes)")


@cli.command()
@click.option("--fix", is_flag=True, help="Mend what can be mended: modes of your files, the audit trail's triggers.")
@json_option
@db_option
def doctor(fix, as_json, db_path):
    """Check the database: integrity, WAL size, schema version, orphan rows, permissions, filesystem, SQLite version.

    Exits 1 when a check fails (warnings alone exit 0), and 2 when carebench would
    refuse to open the database (files other users can read or write); the message
    says the command that mends it, and --fix runs it for the files you own.
    """
    from ..app.session import Session

    report, fixed = commands.doctor(Session(resolve_db(db_path)), fix)
    for line in fixed:
        click.echo(f"fixed: {inert(line)}", err=True)
    if as_json:
        emit_json(report)
    else:
        for check in report["checks"]:
            mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[check["status"]]
            click.echo(f"{mark}  {check['name']}: {inert(check['detail'])}")
    if report["refused"]:
        sys.exit(2)
    if not report["ok"]:
        sys.exit(1)


@cli.command()
def schema():
    """Print the JSON Schema of the portfolio file."""
    emit_json(transfer.portfolio_schema())


@cli.command("datasette-metadata")
@output_option
@db_option
def datasette_metadata(output, db_path):
    """Print Datasette's metadata for the database: a title, and a description of every table and column.

    Serve it with `datasette portfolio.db --metadata metadata.json`. The database is
    named by its file's name without the extension, as Datasette names it; the file
    itself is not opened.
    """
    text = json.dumps(schema_reference.datasette_metadata(resolve_db(db_path).stem), indent=2, ensure_ascii=False) + "\n"
    if output:
        transfer.write_output(output, text)
        click.echo(f"wrote Datasette's metadata to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@db_option
def import_(file, db_path):
    """Import a portfolio file (JSON; see `carebench schema`).

    The whole file is checked before anything is written; then it is written in
    one transaction. Clients already in the database are replaced whole.
    """
    done = commands.import_portfolio_file(session(db_path, create=True), file)
    click.echo(f"imported {done.clients} clients ({done.added} new, {done.replaced} replaced) into {done.path}")


@cli.command()
@output_option
@db_option
def export(output, db_path):
    """Export the whole portfolio in the import format."""
    text = transfer.export_portfolio(session(db_path))
    if output:
        transfer.write_output(output, text)
        click.echo(f"exported to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("demo-data")
@click.option("--anchor", type=DATE, default=None, help="The day that plays the demo's 'today' (default: today).")
@db_option
def demo_data(anchor, db_path):
    """Load the bundled demo portfolio, its dates shifted so that ANCHOR is its 'today'."""
    done, as_of = commands.load_demo(session(db_path, create=True), anchor or date.today())
    click.echo(f"demo portfolio loaded: {done.clients} clients as of {as_of} into {done.path}")
