"""The team's rules: export, import, reset and their history."""

from __future__ import annotations

from pathlib import Path

import click

from ..app import commands, queries, transfer
from ..app.inputs import inert
from .group import cli, db_option, emit_json, json_option, output_option, session


@cli.group()
def rules():
    """The team rules the database works under: cadence plans, working days and holidays, health weights and
    bands, the backsliding threshold, response commitments, ticket targets and the calendar's times and time zone.

    Every user of the database works under the same rules. Export them, edit the file
    and import it; reset goes back to the rules carebench ships.
    """


@rules.command("export")
@output_option
@db_option
def export_(output, db_path):
    """Print the rules in force as one TOML document (the bundled rules until the team imports its own)."""
    text = queries.rules_document(session(db_path))
    if output:
        transfer.write_output(output, text)
        click.echo(f"rules exported to {output}", err=True)
    else:
        click.echo(text, nl=False)


@rules.command("import")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@db_option
def import_(file, db_path):
    """Check a rules file whole and store it for the database (audited, one version per change).

    A file with a problem is refused with its line and what is wrong, and nothing is
    stored. Otherwise every client's touchpoints, scores and standings are made again
    under the new rules, in the same transaction (`-` reads standard input).
    """
    done = commands.import_rules(session(db_path), file)
    click.echo(f"rules version {done.version} stored in {done.path}; {done.clients} clients worked out again under them")


@rules.command()
@db_option
def reset(db_path):
    """Go back to the rules carebench ships (a new version, audited); every client is worked out again."""
    done = commands.reset_rules(session(db_path))
    click.echo(f"rules version {done.version}: the bundled rules, stored in {done.path}; {done.clients} clients worked out again under them")


@rules.command()
@json_option
@db_option
def history(as_json, db_path):
    """Every change of the rules, newest first: version, fingerprint, when, who, and whether it was a reset."""
    rows = [row.to_json() for row in queries.rules_history(session(db_path))]
    if as_json:
        return emit_json(rows)
    if not rows:
        click.echo("the bundled rules, never changed")
    for row in rows:
        what = "reset to the bundled rules" if row["reset"] else "imported"
        click.echo(f"version {row['version']}  {row['changed_at']}  {inert(row['changed_by'])}  {what}  ({row['fingerprint']})")
