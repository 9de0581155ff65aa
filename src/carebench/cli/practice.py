"""The practice commands, registered on the main `carebench` group.

practice (outcomes across the practice), ticket (the support log), pulse (survey
answers), outcome, referral, testimonial, learning, search and checklist (the
knowledge-transfer checklist behind the handover gate). Imports stay lazy, as in cli.py.
"""

from __future__ import annotations

from datetime import datetime

import click

from ..app import commands, queries
from ..app.commands import checked
from ..app.inputs import UserError, inert, parse_moment
from ..app.readmodels import to_json
from ..core.terms import IMPACTS, OUTCOME_KINDS, REACHES
from .group import DATE, ParsedType, cli, db_option, emit_json, json_option, session, table, today_or

MOMENT = ParsedType("time", parse_moment, datetime)


def now_or(moment: datetime | None) -> datetime:
    """The time given, else now (on the planning day when --date was given to carebench)."""
    if moment is not None:
        return moment
    now = datetime.now().replace(second=0, microsecond=0)
    day = today_or(None)
    return datetime.combine(day, now.time())


def day_option(f):
    return click.option("--date", "day", type=DATE, default=None, help="Day it happened, YYYY-MM-DD (default: today).")(f)


# ----- practice metrics -----------------------------------------------------------


@cli.command()
@click.option("--from", "start", type=DATE, default=None, help="First day of the period (default: 12 months before --to).")
@click.option("--to", "end", type=DATE, default=None, help="Last day of the period (default: today).")
@click.option("--owner", default=None, help="Only this consultant's clients.")
@json_option
@db_option
def practice(start, end, owner, as_json, db_path):
    """How the practice is doing: retention, sustained results, follow-on revenue, referrals, health, NPS."""
    from ..app.practice import practice as practice_results

    as_of = today_or(None)
    end = end or as_of
    if start is not None and start > end:
        raise UserError(f"--from {start} is after --to {end}")
    data = practice_results(session(db_path), start, end, owner).to_json()
    if as_json:
        return emit_json(data)
    rows = [[m["label"], m["text"], ", ".join(m["clients"][:4]) + (" …" if len(m["clients"]) > 4 else "")] for m in data["metrics"]]
    who = f" · {owner}" if owner else ""
    table(f"Practice {data['from']} to {data['to']}{who}", ["measure", "value", "behind it"], rows, caption=f"{data['clients']} clients in scope")
    if data["suggested_asks"]:
        click.echo("Ask for a testimonial or referral: " + inert(", ".join(a["client_name"] for a in data["suggested_asks"])))


# ----- support tickets -----------------------------------------------------------


@cli.group()
def ticket():
    """The support ticket log: add, respond, resolve, escalate, list."""


@ticket.command("add")
@click.argument("client")
@click.argument("title")
@click.option("--impact", type=click.Choice(IMPACTS), required=True, help="Business impact.")
@click.option("--users", type=click.Choice(REACHES), required=True, help="How many users it affects.")
@click.option(
    "--category", default="other", show_default=True, help="defect, question, data, access, performance, integration, change_request or other."
)
@click.option("--opened", type=MOMENT, default=None, help="When it came in, 'YYYY-MM-DD HH:MM' (default: now).")
@click.option("--ref", default=None, help="Its reference (default: the next T-n).")
@json_option
@db_option
def ticket_add(client, title, impact, users, category, opened, ref, as_json, db_path):
    """Log a support ticket; its priority (P1-P4) follows from impact and users affected."""
    from ..core.models import TICKET_CATEGORIES, Ticket
    from ..core.support import priority

    if category not in TICKET_CATEGORIES:
        raise UserError(f"--category: '{category}' is not one of {', '.join(TICKET_CATEGORIES)}")
    entry = checked(Ticket, ref=ref, title=title, category=category, impact=impact, users=users, opened=now_or(opened))
    ref = commands.log_ticket(session(db_path), client, entry)
    level = priority(impact, users)
    if as_json:
        return emit_json({"client": client, "ref": ref, "priority": level, "opened": entry.opened.isoformat(timespec="minutes")})
    click.echo(f"{client} {ref} opened {entry.opened:%Y-%m-%d %H:%M}: {level} ({impact} impact, {users} users)")


@ticket.command("respond")
@click.argument("client")
@click.argument("ref")
@click.option("--at", type=MOMENT, default=None, help="When, 'YYYY-MM-DD HH:MM' (default: now).")
@db_option
def ticket_respond(client, ref, at, db_path):
    """Record the first response to a ticket."""
    at = now_or(at)

    def change(current):
        if current.first_response is not None:
            raise UserError(f"{ref} already had its first response at {current.first_response:%Y-%m-%d %H:%M}")
        return {"first_response": at}

    commands.change_ticket(session(db_path), client, ref, change)
    click.echo(f"{client} {ref}: first response at {at:%Y-%m-%d %H:%M}")


@ticket.command("resolve")
@click.argument("client")
@click.argument("ref")
@click.option("--at", type=MOMENT, default=None, help="When, 'YYYY-MM-DD HH:MM' (default: now).")
@click.option("--first-contact", is_flag=True, help="Resolved at the first contact.")
@click.option("--escalated", is_flag=True, help="It had to be escalated.")
@db_option
def ticket_resolve(client, ref, at, first_contact, escalated, db_path):
    """Mark a ticket resolved."""
    from ..core.support import resolution_hours

    at = now_or(at)
    updated = commands.resolve_ticket(session(db_path), client, ref, at, first_contact, escalated)
    click.echo(f"{client} {ref} resolved at {at:%Y-%m-%d %H:%M} after {resolution_hours(updated):g} h")


@ticket.command("escalate")
@click.argument("client")
@click.argument("ref")
@db_option
def ticket_escalate(client, ref, db_path):
    """Mark a ticket as escalated."""

    def change(current):
        if current.escalated:
            raise UserError(f"{ref} is already escalated")
        return {"escalated": True}

    commands.change_ticket(session(db_path), client, ref, change)
    click.echo(f"{client} {ref} escalated")


@ticket.command("list")
@click.argument("client", required=False)
@click.option("--open", "open_only", is_flag=True, help="Only tickets not yet resolved.")
@click.option("--owner", default=None, help="Only this consultant's clients.")
@click.option("--at", type=MOMENT, default=None, help="The moment the clocks are read at, 'YYYY-MM-DD HH:MM' (default: now, on the planning day).")
@json_option
@db_option
def ticket_list(client, open_only, owner, at, as_json, db_path):
    """Support tickets with their priority, resolution time and clock (when the first response and the resolution are due), oldest first."""
    rows = to_json(queries.tickets(session(db_path), now_or(at), client, open_only=open_only, owner=owner))
    if as_json:
        return emit_json(rows)
    table(
        "Support tickets",
        ["client", "ref", "priority", "title", "opened", "status", "hours"],
        [
            [
                r["client"],
                r["ref"],
                r["priority"],
                r["title"],
                r["opened"].replace("T", " "),
                r["status"],
                "" if r["hours"] is None else f"{r['hours']:g}",
            ]
            for r in rows
        ],
    )


# ----- pulses, outcomes, advocacy, learnings ---------------------------------------


@cli.command()
@click.argument("client")
@click.argument("respondent")
@click.option("--recommend", type=int, required=True, help="Would they recommend us, 0-10.")
@click.option("--satisfaction", type=int, required=True, help="How satisfied, 1-5.")
@click.option("--comment", default=None)
@click.option("--contact", default=None, help="The client's contact who answered, by name (a promoter, 9-10, is marked on Health and asked first).")
@day_option
@db_option
def pulse(client, respondent, recommend, satisfaction, comment, contact, day, db_path):
    """Record one answer to a pulse survey."""
    day = day or today_or(None)
    commands.record_pulse(
        session(db_path), client, date=day, respondent=respondent, recommend=recommend, satisfaction=satisfaction, comment=comment, contact=contact
    )
    said = f" ({inert(contact)})" if contact else ""
    click.echo(f"{client}: {inert(respondent)}{said} would recommend {recommend}/10, satisfaction {satisfaction}/5 on {day}")


@cli.command()
@click.argument("client")
@click.argument("kind", type=click.Choice(OUTCOME_KINDS))
@click.option("--note", default=None)
@day_option
@db_option
def outcome(client, kind, note, day, db_path):
    """Record how an engagement continued: renewed, extended or ended."""
    when = commands.record_outcome(session(db_path), client, kind, note, day)
    click.echo(f"{client} {kind} on {when}")


@cli.group()
def referral():
    """Referrals a client gave: add one, or mark it as having become an engagement."""


@referral.command("add")
@click.argument("client")
@click.argument("prospect")
@click.option("--converted", is_flag=True, help="It already became an engagement.")
@click.option("--note", default=None)
@day_option
@db_option
def referral_add(client, prospect, converted, note, day, db_path):
    """Record a prospect the client referred."""
    day = day or today_or(None)
    new_id = commands.add_referral(session(db_path), client, prospect, converted, note, day)
    click.echo(f"{client} referred {prospect} on {day} (referral {new_id})")


@referral.command("convert")
@click.argument("referral_id", type=int, metavar="ID")
@click.option("--undo", is_flag=True, help="It did not become an engagement after all.")
@db_option
def referral_convert(referral_id, undo, db_path):
    """Mark referral ID as having become an engagement."""
    client = commands.convert_referral(session(db_path), referral_id, not undo)
    click.echo(f"referral {referral_id} from {inert(client)} " + ("no longer counts as an engagement" if undo else "became an engagement"))


@cli.command()
@click.argument("answer", type=click.Choice(("ask", "given", "declined")))
@click.argument("client")
@day_option
@db_option
def testimonial(answer, client, day, db_path):
    """Record asking a client for a testimonial (ask), or their answer (given, declined)."""
    day = day or today_or(None)
    commands.testimonial(session(db_path), client, answer, day)
    click.echo(f"{client}: testimonial {'asked for' if answer == 'ask' else answer} on {day}")


@cli.command()
@click.argument("client")
@click.argument("what")
@click.option("--decision", is_flag=True, help="It is a decision (default: a lesson learned).")
@click.option("--why", default="", help="The reasoning behind it.")
@click.option("--who", default=None, help="Who learned or decided it (default: you).")
@day_option
@db_option
def learning(client, what, decision, why, who, day, db_path):
    """Record a lesson learned or a decision taken for a client."""
    day = day or today_or(None)
    kind = commands.record_learning(session(db_path), client, what, decision, why, who, day)
    click.echo(f"{client}: {kind} recorded on {day}")


SEARCH_LIMIT = 100
"""How many hits ``carebench search`` shows unless told otherwise."""


@cli.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=SEARCH_LIMIT, show_default=True, help="Show at most this many hits.")
@json_option
@db_option
def search(text, limit, as_json, db_path):
    """Search check-in notes and next steps, lessons and decisions across the practice.

    Every word of TEXT must be there (any case; a word also finds longer words it starts);
    the best matches come first. Quotes, dashes, stars, brackets and AND/OR are read as
    plain text, never as search syntax.
    """
    from rich.text import Text

    from ..app.present import snippet_parts

    hits = to_json(queries.search(session(db_path), text, limit))
    if as_json:
        return emit_json(hits)
    if not hits:
        click.echo(f"nothing matches '{inert(text.strip())}'")
        return

    def shown(hit) -> Text:
        return Text.assemble(*[(inert(part), "bold reverse" if found else "") for part, found in snippet_parts(hit["snippet"], hit["highlights"])])

    table(
        f"Check-ins, lessons and decisions matching '{text.strip()}', best first",
        ["date", "client", "source", "kind", "who", "snippet"],
        [[h["date"], h["client_name"], SOURCE_WORDS[h["source"]], h["kind"], h["who"], shown(h)] for h in hits],
        caption=f"the first {limit}: --limit shows more" if len(hits) == limit else None,
    )


SOURCE_WORDS = {"checkin": "check-in", "lesson": "lesson", "decision": "decision"}


# ----- the knowledge-transfer checklist -----------------------------------------------


@cli.group()
def checklist():
    """A client's knowledge-transfer checklist: the handover gate needs every item done."""


@checklist.command("show")
@click.argument("client")
@json_option
@db_option
def checklist_show(client, as_json, db_path):
    """Show a client's checklist."""
    data = queries.checklist(session(db_path), client).to_json()
    if as_json:
        return emit_json(data)
    for item in data["items"]:
        mark = "x" if item["done"] else " "
        when = f"  ({item['done_on']})" if item["done_on"] else ""
        click.echo(inert(f"[{mark}] {item['key']}: {item['label']}{when}"))
    click.echo(f"{data['done']} of {data['total']} done")


@checklist.command("tick")
@click.argument("client")
@click.argument("key")
@click.option("--note", default=None)
@day_option
@db_option
def checklist_tick(client, key, note, day, db_path):
    """Mark a checklist item done."""
    from dataclasses import replace

    here = session(db_path)
    if day:
        here = replace(here, today=day)
    commands.tick_checklist(here, client, key, True, note)
    click.echo(f"{client}: {key} done on {here.today}")


@checklist.command("untick")
@click.argument("client")
@click.argument("key")
@db_option
def checklist_untick(client, key, db_path):
    """Mark a checklist item not done."""
    commands.tick_checklist(session(db_path), client, key, False)
    click.echo(f"{client}: {key} not done")


@checklist.command("add")
@click.argument("client")
@click.argument("key")
@click.argument("label")
@db_option
def checklist_add(client, key, label, db_path):
    """Add an item of your own to a client's checklist."""
    commands.add_checklist_item(session(db_path), client, key, label)
    click.echo(f"{client}: checklist item {key} added")


@checklist.command("remove")
@click.argument("client")
@click.argument("key")
@db_option
def checklist_remove(client, key, db_path):
    """Remove an item from a client's checklist (it no longer holds the handover back)."""
    commands.remove_checklist_item(session(db_path), client, key)
    click.echo(f"{client}: checklist item {key} removed")
