"""Writing commands: add-client, edit-client, tier, add-kpi, edit-kpi, reading, savings, assess, done, skip, move, reopen, add-opportunity,
add-action."""

from __future__ import annotations

import click

from ..app import commands
from ..app.inputs import UserError, inert, parse_contacts, parse_next_action_day, parse_scores
from ..core.terms import LEVELS
from .group import CATEGORIES, DATE, KIND_CHOICES, PRIORITIES, SOURCES, STAGES, STATUSES, TIERS, ParsedType, cli, db_option, session

BENCHMARK_HELP = "A value to compare the KPI with (an industry or peer figure), shown against the current one."
TEAM_HELP = "Show the KPI on the team dashboard (whatever its category), or not."
CONTACT_HELP = (
    '"NAME, ROLE, EMAIL, KIND" (repeatable; all but the name may be left out): KIND is sponsor, champion, power user or other, '
    "read from the role's words when left out."
)


NOT_RECORDED = "none"


def _groups(text: str) -> int | str:
    """A count of stakeholder groups, or ``none`` (not recorded)."""
    if text.strip().lower() == NOT_RECORDED:
        return NOT_RECORDED
    try:
        return int(text)
    except ValueError:
        raise UserError(f"'{text}' is not a whole number (or none)") from None


def complexity_options(f):
    """The complexity factors support intensity is calibrated from; ``none`` says a factor is not recorded."""
    for option in reversed(
        (
            click.option(
                "--stakeholder-groups",
                "stakeholder_groups",
                type=ParsedType("N|none", _groups, int),
                default=None,
                help="How many stakeholder groups the implementation touches (1-1000).",
            ),
            click.option(
                "--cultural-change",
                "cultural_change",
                type=click.Choice((*LEVELS, NOT_RECORDED)),
                default=None,
                help="How much cultural change it asks of the client.",
            ),
            click.option(
                "--internal-capability",
                "internal_capability",
                type=click.Choice((*LEVELS, NOT_RECORDED)),
                default=None,
                help="How capable the client's own team is.",
            ),
        )
    ):
        f = option(f)
    return f


def _complexity(given: dict) -> tuple[dict, list[str]]:
    """The complexity factors given a value, and those given ``none``."""
    values = {name: value for name, value in given.items() if value is not None and value != NOT_RECORDED}
    return values, [name for name, value in given.items() if value == NOT_RECORDED]


def _shown(value) -> str:
    return "not recorded" if value is None else str(value)


def _suggestion(client: str, db_path) -> str:
    """The line saying which tier the client's complexity suggests (empty when none is recorded)."""
    from ..app import queries

    card = queries.client_card(session(db_path), client)
    if card.suggested_tier is None:
        return ""
    same = " (its tier)" if card.suggested_tier == card.tier else ""
    return f"\nsuggested tier: {card.suggested_tier}{same}, {card.suggestion_reason}"


@cli.command("add-client")
@click.argument("client_id", metavar="ID")
@click.option("--name", required=True)
@click.option("--tier", required=True, type=click.Choice(TIERS))
@click.option("--go-live", "go_live", required=True, type=DATE)
@click.option("--owner", default=None, help="Consultant's login (default: you).")
@click.option("--investment", type=float, default=0.0, help="What the client invested (for ROI).")
@click.option("--roi-target", "roi_target", type=float, default=0.0, help="Target ROI in percent.")
@click.option("--contact", "contacts", multiple=True, help=CONTACT_HELP)
@complexity_options
@db_option
def add_client(client_id, name, tier, go_live, owner, investment, roi_target, contacts, db_path, **complexity):
    """Add a client engagement.

    With its complexity (stakeholder groups, cultural change, internal capability) it says the tier that
    calibration suggests: high touch (platinum), medium (gold) or low (silver).
    """
    people = [c for text in contacts for c in parse_contacts(text)]
    values, _ = _complexity(complexity)
    client = commands.add_client(session(db_path, create=True), client_id, name, tier, go_live, owner, investment, roi_target, people, **values)
    click.echo(f"added {client.id} ({client.tier}, go-live {client.go_live})" + (_suggestion(client.id, db_path) if values else ""))


@cli.command("edit-client")
@click.argument("client")
@click.option("--name", default=None)
@click.option("--owner", default=None, help="Consultant's login.")
@click.option("--investment", type=float, default=None, help="What the client invested (for ROI).")
@click.option("--roi-target", "roi_target", type=float, default=None, help="Target ROI in percent.")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only active engagements have touchpoints.")
@click.option("--contact", "contacts", multiple=True, help=CONTACT_HELP + " The contacts given replace all the client's contacts.")
@complexity_options
@db_option
def edit_client(client, name, owner, investment, roi_target, status, contacts, db_path, **complexity):
    """Change a client's name, owner, investment, ROI target, status, contacts or complexity (audited); `tier` changes
    its tier.

    A complexity factor given `none` is no longer recorded. When the complexity changes, the tier it suggests is said.
    """
    people = [c for text in contacts for c in parse_contacts(text)] if contacts else None
    values, cleared = _complexity(complexity)
    given = {"name": name, "owner": owner, "investment": investment, "roi_target": roi_target, "status": status, "contacts": people, **values}
    if all(value is None for value in given.values()) and not cleared:
        raise UserError(
            "say what to change: --name, --owner, --investment, --roi-target, --status, --contact, --stakeholder-groups, "
            "--cultural-change or --internal-capability"
        )
    done = commands.update_client(session(db_path), client, clear=cleared, **given)
    said = ", ".join(f"{field.replace('_', ' ')} {_shown(before)} -> {_shown(after)}" for field, (before, after) in done.changed.items())
    click.echo(f"{client}: {said}" + (_suggestion(client, db_path) if done.changed.keys() & set(commands.COMPLEXITY) else ""))


@cli.command("tier")
@click.argument("client")
@click.argument("tier", type=click.Choice(TIERS))
@click.option("--from", "from_day", type=DATE, default=None, help="First day of the new tier's plan (default: today).")
@db_option
def tier(client, tier, from_day, db_path):
    """Move a client to another support tier (audited).

    Touchpoints from --from on follow the new tier's cadence plan (counted from go-live);
    those before it keep the old plan, and outcomes already recorded stay.
    """
    done = commands.change_tier(session(db_path), client, tier, from_day)
    click.echo(f"{client}: {done.previous} -> {done.tier} from {done.from_day}")


@cli.command("handover")
@click.argument("client")
@click.option("--date", "day", type=DATE, default=None, help="Day of the handover, YYYY-MM-DD (default: today; not later).")
@click.option("--override", is_flag=True, help="Hand over although the handover gate is not met (needs --reason).")
@click.option("--reason", default=None, help="With --override: why the client is handed over anyway (recorded and shown).")
@db_option
def handover(client, day, override, reason, db_path):
    """Hand an active client over to its own team (audited).

    Only when its handover gate is met (day 61 or later, results that pass the rules'
    [gate], no open high-priority action item, knowledge transfer done); otherwise it
    lists every unmet condition and exits 2, unless --override --reason TEXT says why.
    From the handover on, the client's touchpoints follow the sustainment cadence of its
    plan (a quarterly review by default) until the engagement is closed.
    """
    if override != (reason is not None):
        raise UserError("--override and --reason go together: --override --reason TEXT hands over a client whose gate is not met")
    done = commands.hand_over(session(db_path), client, day, reason if override else None)
    if done.override is None:
        click.echo(f"{client}: handed over on {done.date}; the handover gate was met")
    else:
        click.echo(f"{client}: handed over on {done.date} overriding the handover gate ({'; '.join(done.overridden)}): {inert(done.override)}")


@cli.command("add-kpi")
@click.argument("client")
@click.argument("key")
@click.option("--name", required=True)
@click.option("--category", required=True, type=click.Choice(CATEGORIES))
@click.option("--unit", required=True, help="'%' for percentages (changes are then in percentage points).")
@click.option("--direction", required=True, type=click.Choice(("higher", "lower")), help="Which way is better.")
@click.option("--baseline", required=True, type=float)
@click.option("--target", required=True, type=float)
@click.option("--benchmark", type=float, default=None, help=BENCHMARK_HELP)
@click.option("--team/--no-team", default=None, help=TEAM_HELP + " Default: leading KPIs are, the others are not.")
@db_option
def add_kpi(client, key, name, category, unit, direction, baseline, target, benchmark, team, db_path):
    """Add a KPI to a client."""
    commands.add_kpi(session(db_path), client, key, name, category, unit, direction, baseline, target, benchmark, team)
    click.echo(f"added KPI {key} to {client}")


@cli.command("edit-kpi")
@click.argument("client")
@click.argument("kpi")
@click.option("--key", "new_key", default=None, help="A new key for the KPI.")
@click.option("--name", default=None)
@click.option("--category", type=click.Choice(CATEGORIES), default=None)
@click.option("--unit", default=None, help="'%' for percentages (changes are then in percentage points).")
@click.option("--direction", type=click.Choice(("higher", "lower")), default=None, help="Which way is better.")
@click.option("--baseline", type=float, default=None)
@click.option("--target", type=float, default=None)
@click.option("--benchmark", type=float, default=None, help=BENCHMARK_HELP)
@click.option("--no-benchmark", "no_benchmark", is_flag=True, help="Remove the KPI's benchmark.")
@click.option("--team/--no-team", default=None, help=TEAM_HELP)
@db_option
def edit_kpi(client, kpi, new_key, name, category, unit, direction, baseline, target, benchmark, no_benchmark, team, db_path):
    """Change a KPI's key, name, category, unit, direction, baseline, target, benchmark or team mark (audited); its
    readings stay. A leading KPI moved to another category leaves the team dashboard (and one moved to leading joins
    it) unless --team or --no-team says otherwise."""
    if benchmark is not None and no_benchmark:
        raise UserError("give --benchmark or --no-benchmark, not both")
    given = {
        "key": new_key,
        "name": name,
        "category": category,
        "unit": unit,
        "direction": direction,
        "baseline": baseline,
        "target": target,
        "benchmark": benchmark,
        "team": team,
    }
    given = {field: value for field, value in given.items() if value is not None}
    if no_benchmark:
        given["benchmark"] = None
    if not given:
        raise UserError(
            "say what to change: --key, --name, --category, --unit, --direction, --baseline, --target, --benchmark, --no-benchmark or --team"
        )
    done = commands.update_kpi(session(db_path), client, kpi, **given)
    benchmark_now = "none" if done.benchmark is None else f"{done.benchmark:g}"
    click.echo(f"{client} KPI {done.key} saved: benchmark {benchmark_now}, {'on' if done.team else 'not on'} the team dashboard")


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("client")
@click.argument("kpi")
@click.argument("value", type=float)
@click.option("--date", "day", type=DATE, default=None, help="Day of the reading (default: today).")
@click.option("--force", is_flag=True, help="Record a real outlier outside the KPI's plausible range.")
@db_option
def reading(client, kpi, value, day, force, db_path):
    """Record a KPI reading (a second reading on the same day replaces the first).

    A value outside the range the check-in accepts (from the KPI's baseline, target and
    latest readings) is refused as a likely typing slip unless --force is given.
    """
    done = commands.record_reading(session(db_path), client, kpi, value, day, force)
    click.echo(f"{client} {kpi} = {value:g}" + (f" (replaced {done.replaced:g})" if done.replaced is not None else ""))


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("client")
@click.argument("month", metavar="YYYY-MM")
@click.argument("amount", type=float)
@db_option
def savings(client, month, amount, db_path):
    """Record a month's savings for a client (replaces that month's figure)."""
    commands.record_savings(session(db_path), client, month, amount)
    click.echo(f"{client} saved {amount:,.2f} in {month}")


@cli.command()
@click.argument("client")
@click.option("--scores", required=True, help="All nine sub-scores, e.g. achievement=8,trend=9,... (1-10).")
@click.option("--date", "day", type=DATE, default=None, help="Day of the assessment (default: today).")
@click.option("--note", default=None)
@db_option
def assess(client, scores, day, note, db_path):
    """Record a health assessment of a client."""
    done = commands.record_assessment(session(db_path), client, parse_scores(scores), day, note)
    click.echo(f"{client} health {done.overall} ({done.band}) on {done.date}" + (" (replaced that day's)" if done.replaced else ""))


def _touchpoint_command(status: str):
    def command(client, day, kind, reason, to, db_path):
        if status == "skipped" and not reason:
            raise UserError("say why with --reason")
        if status == "moved" and to is None:
            raise UserError("say where to with --to YYYY-MM-DD")
        if status != "moved" and to is not None:
            raise UserError("--to is only for move")
        done = commands.record_touchpoint(session(db_path), client, day, status, kind, reason, to)
        detail = f" to {to}" if status == "moved" else ""
        click.echo(f"{client}: {done.kind} touchpoint on {day} {status}{detail}")

    return command


for _name, _status, _help in (
    ("done", "done", "Mark the touchpoint on --date as done."),
    ("skip", "skipped", "Skip the touchpoint on --date (needs --reason)."),
    ("move", "moved", "Move the touchpoint on --date to another day (--to)."),
):
    cli.command(_name, help=_help)(
        click.argument("client")(
            click.option("--date", "day", type=DATE, required=True, help="Day the touchpoint stands on.")(
                click.option("--kind", type=click.Choice(KIND_CHOICES), default=None, help="Which touchpoint, when it matters.")(
                    click.option("--reason", default=None)(
                        click.option("--to", type=DATE, default=None, help="New day (move only).")(db_option(_touchpoint_command(_status)))
                    )
                )
            )
        )
    )


@cli.command()
@click.argument("client")
@click.option("--date", "day", type=DATE, required=True, help="Day the touchpoint had its outcome recorded on.")
@click.option("--kind", type=click.Choice(KIND_CHOICES), default=None, help="Which touchpoint, when it matters.")
@db_option
def reopen(client, day, kind, db_path):
    """Take back a touchpoint's outcome (done, skipped or moved): it is on the agenda again."""
    found, status = commands.reopen_touchpoint(session(db_path), client, day, kind)
    click.echo(f"{client}: {found} touchpoint on {day} reopened (it was {status})")


@cli.command("add-opportunity")
@click.argument("client")
@click.option("--title", required=True)
@click.option("--value", required=True, type=float, help="Potential annual value.")
@click.option("--probability", required=True, type=int, help="Chance of winning, 0-100.")
@click.option("--stage", type=click.Choice(STAGES), default="identified", show_default=True)
@click.option("--source", type=click.Choice(SOURCES), default="performance_gap", show_default=True)
@click.option("--investment-low", type=float, default=None, help="What it would cost the client, at least.")
@click.option("--investment-high", type=float, default=None, help="What it would cost the client, at most.")
@click.option("--start-month", type=int, default=None, help="Timeline: the month after go-live it would start.")
@click.option("--end-month", type=int, default=None, help="Timeline: the month after go-live it would end.")
@click.option("--next-action", default=None, help="What to do next, e.g. 'Present the supply-chain opportunity'.")
@click.option(
    "--next-action-date",
    "next_action_when",
    metavar="D|'month N'",
    default=None,
    help="When: YYYY-MM-DD, or 'month N' for N months after the client's go-live.",
)
@db_option
def add_opportunity(client, db_path, next_action_when, **fields):
    """Add an expansion opportunity: value, chance, investment range, timeline in months after go-live, next action.

    The next action's date may be given as the month of the engagement ("month 3": three months after
    go-live); it is stored as that day and shown both ways ("Month 3 (2026-09-14)").
    """
    day, month = parse_next_action_day(next_action_when) if next_action_when is not None else (None, None)
    commands.add_opportunity(session(db_path), client, next_action_month=month, next_action_date=day, **fields)
    click.echo(f"added opportunity '{fields['title']}' to {client}")


@cli.command("add-action")
@click.argument("client")
@click.argument("text")
@click.option("--due", required=True, type=DATE)
@click.option("--priority", type=click.Choice(PRIORITIES), default="medium", show_default=True)
@click.option("--owner", default=None, help="Who does it (default: the client's owner).")
@db_option
def add_action(client, text, due, priority, owner, db_path):
    """Add an action item to a client."""
    commands.add_action(session(db_path), client, text, due, priority, owner)
    click.echo(f"added action for {client}, due {due} ({priority})")
