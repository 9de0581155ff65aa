"""The rollout of the scaling phase: rollout CLIENT add / live / plan / list."""

from __future__ import annotations

import click

from ..app import commands, queries
from ..app.commands import WaveRecorded
from ..app.inputs import inert
from ..app.present import adoption_text, percent
from ..core.rollout import WAVE_STATE_LABEL
from .group import DATE, cli, db_option, emit_json, group_client, json_option, session, table


@cli.group()
@click.argument("client")
def rollout(client):
    """The client's rollout waves: `rollout CLIENT add NAME [--planned N] [--date D] [--unit U]`,
    `rollout CLIENT live N COUNT`, `rollout CLIENT plan N COUNT`, `rollout CLIENT list`.

    Waves are numbered 1, 2, ... in the order they are added and all count one unit (users unless the first
    says otherwise: sites, stores...). The adoption share is the live count over the planned count across the
    waves that have one; a wave not sized yet is left out of it. The KPIs screen's operational dashboard and the
    operational reports show it.
    """


def _said(done: WaveRecorded) -> None:
    """The wave as it stands now, and a warning on standard error when more are live than planned."""
    w = done.wave
    planned = "not sized" if w.planned is None else f"{w.live} of {w.planned} {inert(w.unit)} live"
    when = f", planned for {w.planned_date}" if w.planned_date else ""
    click.echo(f"{done.client}: rollout wave {done.number} ({inert(w.name)}): {planned}{when}")
    if done.above_plan:
        click.echo(
            f"warning: wave {done.number} has {done.above_plan} more live than the {w.planned} planned; "
            f"recorded (`carebench rollout {done.client} plan {done.number} COUNT` sizes it again)",
            err=True,
        )


@rollout.command("add")
@click.argument("name")
@click.option("--planned", type=int, default=None, help="How many users (or units) the wave brings in; leave it out while not sized.")
@click.option("--date", "planned_date", type=DATE, default=None, help="The day the wave is planned to go live, YYYY-MM-DD.")
@click.option("--unit", default=None, help="What the waves count: users, sites, stores... (default: that of the client's waves, else users).")
@db_option
def add(name, planned, planned_date, unit, db_path):
    """Add wave NAME to the client's rollout (audited)."""
    _said(commands.add_rollout_wave(session(db_path), group_client(), name, planned, planned_date, unit))


@rollout.command("live", context_settings={"ignore_unknown_options": True})
@click.argument("number", type=int)
@click.argument("count", type=int)
@click.option("--date", "day", type=DATE, default=None, help="The day of the count, YYYY-MM-DD (default: today).")
@db_option
def live(number, count, day, db_path):
    """Record that COUNT of wave NUMBER are live (audited); more than planned is kept, with a warning."""
    _said(commands.record_wave_live(session(db_path), group_client(), number, count, day))


@rollout.command("plan", context_settings={"ignore_unknown_options": True})
@click.argument("number", type=int)
@click.argument("count", type=int)
@click.option("--date", "planned_date", type=DATE, default=None, help="A new planned day for the wave, YYYY-MM-DD.")
@db_option
def plan(number, count, planned_date, db_path):
    """Size wave NUMBER again: COUNT users (or units) planned (audited)."""
    _said(commands.plan_rollout_wave(session(db_path), group_client(), number, count, planned_date))


@rollout.command("list")
@json_option
@db_option
def list_(as_json, db_path):
    """The client's rollout waves, wave 1 first, and the adoption share across them."""
    client = group_client()
    found = queries.rollout(session(db_path), client)
    if as_json:
        return emit_json(found.to_json())
    if not found.waves:
        click.echo(f"{client} has no rollout waves (add one with `carebench rollout {client} add NAME --planned N`)")
        return
    table(
        f"Rollout of {client}",
        ["#", "wave", "planned", "live", "share", "planned for", "counted", "state"],
        [
            [w.number, w.name, w.planned or "-", w.live, percent(w.share), w.planned_date or "", w.live_on or "", WAVE_STATE_LABEL[w.state]]
            for w in found.waves
        ],
        caption=adoption_text(found.to_json()),
    )
