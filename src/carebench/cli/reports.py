"""Reports, alerts and data feeds: commands registered on the main `carebench` group.

report, digest (Markdown or HTML documents), check and ack (alerts for cron),
calendar (iCalendar feed of touchpoints) and readings import/export (KPI CSV).
Imports stay lazy, as in cli.py.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click

from ..app import commands, queries, transfer
from ..app.inputs import UserError, inert
from .group import DATE, cli, date_option, db_option, emit_json, json_option, output_option, session, today_or

REPORT_KINDS = ("weekly", "monthly", "qbr")
AUDIENCES = ("executive", "operational", "team")
FORMATS = ("md", "html")
SEVERITIES = ("low", "medium", "high")
CALENDAR_DAYS = 90
MAX_CALENDAR_DAYS = 5 * 366


def format_option(f):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="md",
        show_default=True,
        help="Markdown (GitHub tables) or one self-contained HTML file.",
    )(f)


def deliver(content: str | bytes, output: Path | None, what: str) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    if output is None:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    transfer.write_output(output, data)  # owner-only, never through a link
    click.echo(f"wrote {what} to {output}", err=True)


def templates_in_force() -> dict:
    from ..app.scriptbook import scripts_in_force

    templates, problems = scripts_in_force()
    for problem in problems:
        click.echo(f"warning: {inert(problem)} (skipped)", err=True)
    return templates


def render(doc: dict, fmt: str) -> str:
    if fmt == "html":
        from ..reports.render_html import render_html

        return render_html(doc)
    from ..reports.render_md import render_markdown

    return render_markdown(doc)


# ----- reports --------------------------------------------------------------------


@cli.command()
@click.argument("client", required=False)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(REPORT_KINDS),
    help="weekly: KPIs, exceptions, actions; monthly: trends, money, opportunities; qbr: the quarter and its agenda.",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="operational",
    show_default=True,
    help="executive: outcomes and money; operational: every KPI and action; team: the KPIs marked for the team, and wins.",
)
@click.option(
    "--internal",
    is_flag=True,
    help="The consultant's team's copy: adds health sub-scores and their moves, lessons and decisions, "
    "escalation calls, missed meetings and the pipeline's chances.",
)
@click.option("--all", "every", is_flag=True, help="One report for every active client (with --out-dir and/or --mail), for cron.")
@click.option("--owner", default=None, help="With --all: only this consultant's clients.")
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="With --all: write each report to this folder as CLIENT-KIND-DATE.md (or .html).",
)
@click.option("--mail", is_flag=True, help="With --all: hand each report to the local sendmail, addressed to the client's contacts.")
@format_option
@output_option
@date_option
@db_option
def report(client, kind, audience, internal, every, owner, out_dir, mail, fmt, output, as_of, db_path):
    """A client report to hand over: weekly, monthly or a quarterly business review.

    Give a CLIENT for one report (standard output or -o FILE), or --all for one
    per active client, written to --out-dir and/or mailed with --mail. The
    report is the client's copy unless --internal is given. It is signed with
    your display name ([profile] display_name in config.toml; default: your
    full name from the password database).
    """
    from ..app.settings import display_name
    from ..reports.build import client_report

    if client and every:
        raise UserError("give a client or --all, not both")
    if not client and not every:
        raise UserError("name a client, or --all for every client")
    if not every and (out_dir or mail or owner):
        raise UserError("--out-dir and --mail go with --all" if out_dir or mail else "--owner goes with --all")
    if every and not (out_dir or mail):
        raise UserError("--all needs --out-dir or --mail (a report per client cannot go to standard output)")
    if mail and internal:
        raise UserError("--mail sends to the client's contacts: it does not send the internal copy (use --out-dir)")
    if every and output:
        raise UserError("--all writes to --out-dir, not -o")
    sendmail = find_sendmail() if mail else None
    templates = templates_in_force()
    here = session(db_path, day=as_of)
    day = today_or(as_of)
    signer = display_name()
    if not every:
        doc = client_report(here, client, day, kind, audience, templates, internal=internal, signer=signer)
        deliver(render(doc, fmt), output, f"the {kind} report")
        return
    clients = [r for r in queries.triage(here) if r.status == "active" and (owner is None or r.owner == owner)]
    if out_dir:
        try:
            out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise UserError(f"cannot make the folder {out_dir}: {exc.strerror}") from None
    written = mailed = 0
    for row in clients:
        doc = client_report(here, row.client, day, kind, audience, templates, internal=internal, signer=signer)
        text = render(doc, fmt)
        if out_dir:
            transfer.write_output(out_dir / f"{row.client}-{kind}-{day.isoformat()}.{fmt}", text)
            written += 1
        if sendmail:
            card = queries.client_card(here, row.client)
            recipients = [c.email for c in card.contacts if c.email]
            if not recipients:
                click.echo(inert(f"warning: {row.client}: no contact has an email address; not mailed"), err=True)
                continue
            send_mail(sendmail, recipients, f"{doc['title']}, {doc['subtitle'][0].lower()}{doc['subtitle'][1:]}", text, fmt, mailed)
            mailed += 1
    if out_dir:
        click.echo(f"wrote {written} report{'s' if written != 1 else ''} to {out_dir}", err=True)
    if sendmail:
        click.echo(f"mailed {mailed} report{'s' if mailed != 1 else ''} with {sendmail}", err=True)


SENDMAIL_PLACES = ("/usr/sbin", "/usr/lib")  # where sendmail lives when cron's PATH leaves it out


def find_sendmail() -> str:
    import os
    import shutil

    path = os.pathsep.join([os.environ.get("PATH", ""), *SENDMAIL_PLACES])
    found = shutil.which("sendmail", path=path)
    if found is None:
        raise UserError("--mail needs a sendmail command (none on PATH, /usr/sbin or /usr/lib); install a mail transfer agent or use --out-dir")
    return found


def send_mail(sendmail: str, recipients: list[str], subject: str, text: str, fmt: str, sent_before: int) -> None:
    """One report handed to ``sendmail -t -i``: the addresses come from the message's To header."""
    import subprocess
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text, subtype="html" if fmt == "html" else "plain", cte="quoted-printable")
    try:
        done = subprocess.run([sendmail, "-t", "-i"], input=message.as_bytes(), capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"{sendmail} could not take the report for {recipients[0]} ({exc}); {sent_before} mailed before it") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(
            f"{sendmail} refused the report for {', '.join(recipients)} (exit {done.returncode}"
            + (f": {inert(said[-1])}" if said else "")
            + f"); {sent_before} mailed before it"
        )


@cli.command()
@click.option("--owner", default=None, help="Only this consultant's clients (default: the whole team).")
@format_option
@output_option
@date_option
@db_option
def digest(owner, fmt, output, as_of, db_path):
    """The weekly portfolio digest: clients by band, movers, overdue touchpoints, backsliding KPIs, handovers, pipeline."""
    from ..reports.digest import portfolio_digest

    doc = portfolio_digest(session(db_path, day=as_of), owner)
    deliver(render(doc, fmt), output, "the digest")


# ----- alerts ----------------------------------------------------------------------


@cli.command()
@click.option("--owner", default=None, help="Only this consultant's clients (and action items).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit with 1 when an unacknowledged finding is this severe or more.",
)
@date_option
@json_option
@db_option
def check(owner, fail_on, as_of, as_json, db_path):
    """What needs attention, for cron: exit 0 when nothing reaches --fail-on, else 1 (see docs/check.md)."""
    from ..app.settings import load_settings
    from ..core.alerts import failing

    settings = load_settings()
    day = today_or(as_of)
    data = queries.check(session(db_path, day=as_of), owner, settings).to_json()
    if as_json:
        emit_json(data)
    else:
        for row in data["findings"]:
            line = f"{row['severity']:<6}  {row['id']}  {row['message']}"
            if row["acknowledged"]:
                line += f"  [acknowledged until {row['ack']['until']} by {row['ack']['by']}: {row['ack']['reason']}]"
            click.echo(inert(line))
        c = data["counts"]
        open_count = c["total"] - c["acknowledged"]
        if c["total"] == 0:
            click.echo(f"{day}: nothing needs attention")
        else:
            click.echo(
                f"{day}: {open_count} finding{'s' if open_count != 1 else ''} need attention "
                f"({c['high']} high, {c['medium']} medium, {c['low']} low), {c['acknowledged']} acknowledged"
            )
    if failing(data["findings"], fail_on):
        sys.exit(1)  # not ctx.exit: main() runs click without standalone mode, which would swallow the code


@cli.command()
@click.argument("finding")
@click.option("--until", required=True, type=DATE, help="Last day the finding stays silent (inclusive).")
@click.option("--reason", required=True, help="Why it can wait (kept in the audit trail).")
@db_option
def ack(finding, until, reason, db_path):
    """Acknowledge a `check` finding (rule:client or rule:client:subject) until a day.

    The finding need not be raised right now (so a known one can be silenced ahead),
    but its rule, client and subject must exist.
    """
    replaced = commands.acknowledge(session(db_path), finding, until, reason)
    click.echo(
        inert(f"acknowledged {finding.strip()} until {until}" + (f" (replacing the acknowledgement until {replaced['until']})" if replaced else ""))
    )


# ----- calendar ---------------------------------------------------------------------


@cli.command("calendar")
@click.option("--owner", default=None, help="Only this consultant's clients.")
@click.option("--from", "start", type=DATE, default=None, help="First day (default: today).")
@click.option("--to", "end", type=DATE, default=None, help=f"Last day (default: {CALENDAR_DAYS} days after --from).")
@output_option
@date_option
@db_option
def calendar_cmd(owner, start, end, output, as_of, db_path):
    """Touchpoints as an iCalendar file (.ics) to import into a calendar app, again after every change.

    Each kind starts at the time and takes the minutes the rules' [calendar_events] set, in the
    practice's time zone; one consultant's touchpoints never overlap. Done ones stay, skipped ones
    are cancelled, and a moved one keeps its UID with a higher SEQUENCE, so an app that imports the
    new file updates what it holds.
    """
    start = start or today_or(as_of)
    end = end or start + timedelta(days=CALENDAR_DAYS)
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    if (end - start).days > MAX_CALENDAR_DAYS:
        raise UserError(f"the range {start} to {end} is longer than five years; ask for less")
    templates = templates_in_force()
    deliver(queries.calendar(session(db_path), owner, start, end, templates), output, "the calendar")


# ----- KPI feeds ------------------------------------------------------------------


@cli.group()
def readings():
    """KPI readings in bulk, as CSV with the columns client,kpi,date,value (export adds kpi_name and unit)."""


@readings.command("import")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--force", is_flag=True, help="Accept readings outside their KPI's plausible range.")
@click.option(
    "--sep",
    type=click.Choice([",", ";", "tab"]),
    default=None,
    help="The separator between fields (default: read from the header line: a comma, a semicolon or a tab).",
)
@click.option(
    "--decimal",
    type=click.Choice([".", ","]),
    default=None,
    help="The decimal mark of the values (default: a comma when the values are written 93,5 and none 93.5).",
)
@db_option
def readings_import(file, force, sep, decimal, db_path):
    """Import readings from a CSV FILE (`-` for standard input).

    The file may be what a spreadsheet saves: fields separated by commas,
    semicolons or tabs, a decimal comma, a BOM, Windows line ends, empty
    columns at the end; the kpi_name and unit columns the export adds are
    read past. When the separator or the decimal mark cannot be told, the
    message says what was seen and which option to pass.

    The whole file is checked first; then every reading is written in one
    transaction. A value equal to the stored one is left untouched, so importing
    the same file twice changes nothing. A value outside the range the check-in accepts
    is refused as a likely slip unless --force is given.
    """
    label = "<stdin>" if str(file) == "-" else str(file)
    raw = transfer.read_input(file, transfer.MAX_CSV_BYTES, "a CSV file of readings")
    separator = "\t" if sep == "tab" else sep
    counts = commands.import_readings(session(db_path), raw, label, force, separator, decimal)
    click.echo(f"{label}: {counts['added']} added, {counts['replaced']} replaced, {counts['unchanged']} unchanged")


@readings.command("export")
@click.option("--client", default=None, help="Only this client's readings.")
@click.option("--from", "start", type=DATE, default=None, help="First day.")
@click.option("--to", "end", type=DATE, default=None, help="Last day.")
@output_option
@db_option
def readings_export(client, start, end, output, db_path):
    """Export readings as CSV, in the format `readings import` reads.

    The columns are client, kpi, date, value, then the KPI's name and unit
    (kpi_name, unit) for whoever reads the file; import reads past those two.
    """
    if start and end and end < start:
        raise UserError(f"--to {end} is before --from {start}")
    deliver(queries.readings_csv(session(db_path), client, start, end), output, "the readings")
