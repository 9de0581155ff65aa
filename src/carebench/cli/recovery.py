"""A red client's executive escalation and recovery plan: escalate, recovery add / done / list."""

from __future__ import annotations

import click

from ..app import commands, queries
from ..app.inputs import inert
from ..app.readmodels import to_json
from .group import DATE, cli, db_option, emit_json, group_client, json_option, session, table


@cli.command()
@click.argument("client")
@click.option("--to", "to", required=True, help="The executive the client is escalated to (name, or name and title).")
@click.option("--reason", required=True, help="Why: what the executive is asked to do or decide.")
@click.option("--date", "day", type=DATE, default=None, help="Day of the escalation, YYYY-MM-DD (default: today).")
@db_option
def escalate(client, to, reason, day, db_path):
    """Record an executive escalation of a red client (audited).

    A red client needs an executive escalation or a recovery plan: `check` raises one
    that has neither after the rules' `escalation.red_working_days` working days.
    """
    when = commands.escalate(session(db_path), client, to, reason, day)
    click.echo(f"{client}: escalated to {inert(to.strip())} on {when}")


@cli.group()
@click.argument("client")
def recovery(client):
    """A red client's recovery plan: `recovery CLIENT add STEP --due D [--owner L]`, `recovery CLIENT done N`,
    `recovery CLIENT list`.

    Steps are numbered 1, 2, ... in the order they are added; `done N` marks step N
    done today. Health and the client's reports show the plan while the client is red.
    """


@recovery.command("add")
@click.argument("step")
@click.option("--due", required=True, type=DATE, help="When the step is due, YYYY-MM-DD (today or later).")
@click.option("--owner", default=None, help="Who does it (login; default: the client's owner).")
@db_option
def add(step, due, owner, db_path):
    """Add STEP to the client's recovery plan (audited)."""
    client = group_client()
    done = commands.add_recovery_step(session(db_path), client, step, due, owner)
    click.echo(f"{client}: recovery step {done.number} due {done.due} ({inert(done.owner or '')}): {inert(done.step)}")


@recovery.command("done")
@click.argument("number", type=int)
@db_option
def done(number, db_path):
    """Mark step NUMBER of the client's recovery plan done today (audited)."""
    client = group_client()
    step = commands.complete_recovery_step(session(db_path), client, number)
    click.echo(f"{client}: recovery step {number} done: {inert(step)}")


@recovery.command("list")
@json_option
@db_option
def list_(as_json, db_path):
    """The client's recovery plan, step 1 first: due date, owner, done or late."""
    client = group_client()
    steps = queries.recovery_plan(session(db_path), client)
    if as_json:
        return emit_json(to_json(steps))
    if not steps:
        click.echo(f"{client} has no recovery plan (add a step with `carebench recovery {client} add STEP --due D`)")
        return
    table(
        f"Recovery plan of {client}",
        ["#", "step", "due", "owner", "state"],
        [[s.number, s.step, s.due, s.owner or "", f"done {s.done_on}" if s.done_on else ("late" if s.late else "open")] for s in steps],
    )
