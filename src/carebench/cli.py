"""The ``carebench`` command: the workbench, plus scripting commands over the same database.

Imports stay lazy so that scripting commands start fast and never load the UI.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import date
from pathlib import Path

import click

from .inputs import UserError, inert, parse_date, parse_scores, validation_message
from .store import Store, StoreError, current_login

TIERS = ("platinum", "gold", "silver")
CATEGORIES = ("leading", "lagging", "diagnostic")
PRIORITIES = ("high", "medium", "low")
STAGES = ("identified", "qualified", "proposed", "won", "lost")
SOURCES = ("performance_gap", "capability_need", "strategic_alignment", "competitive_response")
KIND_CHOICES = ("quarterly", "monthly", "biweekly", "weekly", "intervention", "recovery", "daily")
MAX_IMPORT_ERRORS = 20
# The largest files carebench reads (a larger one is refused before it is read).
MAX_PORTFOLIO_BYTES = 100 << 20


class ParsedType(click.ParamType):
    """A parameter read by one of the parsers in inputs.py; what it says is wrong becomes click's one-line error."""

    def __init__(self, name: str, parse, kind: type) -> None:
        self.name, self.parse, self.kind = name, parse, kind

    def convert(self, value, param, ctx):
        if isinstance(value, self.kind):
            return value
        try:
            return self.parse(value)
        except UserError as exc:
            self.fail(str(exc), param, ctx)


DATE = ParsedType("date", parse_date, date)


def db_option(f):
    return click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
                        help="Database file (default: $CAREBENCH_DB, else portfolio.db in your data folder).")(f)


def date_option(f):
    return click.option("--date", "as_of", type=DATE, default=None,
                        help="Report as of this day, YYYY-MM-DD (default: today).")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)


# The database the running command uses (for messages about a failure after the command ended).
_resolved: list[Path] = []


def resolve_db(db_path: Path | None) -> Path:
    if db_path is None:
        root = click.get_current_context().find_root()
        db_path = root.params.get("db_path")
    if db_path is None:
        from .paths import default_db_path

        db_path = default_db_path()
    _resolved[:] = [db_path]
    return db_path


def open_store(db_path: Path | None, *, create: bool = False, readonly: bool = False) -> Store:
    """The database for this command; ``readonly`` for commands that only read (they never take the write lock)."""
    def waiting(seconds: float) -> None:
        click.echo(f"waiting for the database: another user is writing ({seconds:.0f} s)", err=True)

    return Store(resolve_db(db_path), create=create, readonly=readonly, on_wait=waiting)


def today_or(as_of: date | None) -> date:
    if as_of is None:
        root = click.get_current_context().find_root()
        as_of = root.params.get("as_of")
    return as_of or date.today()


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def console():
    from rich.console import Console

    return Console(highlight=False)


def table(title: str, columns: list[str], rows: list[list], caption: str | None = None) -> None:
    """Print a table; every piece of text is shown as it is (no markup) and made inert, as it may come from the database."""
    from rich.markup import escape
    from rich.table import Table

    def shown(value) -> str:
        return escape(inert("" if value is None else str(value)))

    t = Table(title=shown(title), caption=None if caption is None else shown(caption), header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*[shown(v) for v in row])
    console().print(t)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option("--date", "as_of", type=DATE, default=None, help="Plan as if today were this day, YYYY-MM-DD.")
@click.option("--theme", default=None, help="Workbench theme (remembered); see the command palette for the list.")
@click.version_option(package_name="carebench")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, as_of: date | None, theme: str | None) -> None:
    """carebench: post-implementation support (hyper-care) for client engagements.

    Without a command, opens the workbench on your database. Which check-ins are
    due today, what each client's KPIs and health score say, and which expansion
    opportunities are ripe, from one SQLite file.
    """
    if ctx.invoked_subcommand is None:
        run_workbench(resolve_db(db_path), as_of, theme)


def run_workbench(db_path: Path, as_of: date | None, theme: str | None) -> None:
    """Open the Textual workbench (the only place textual is imported)."""
    with Store(db_path, create=True):
        pass  # create or migrate before the UI starts, so errors are one line here
    from .ui.app import CarebenchApp, share_one_malloc_arena

    share_one_malloc_arena()
    app = CarebenchApp(db_path, today=as_of, theme=theme)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


@cli.command()
@click.option("--reset", is_flag=True, help="Rebuild the demo database from the bundled sample data.")
@click.option("--theme", default=None, help="Workbench theme.")
def demo(reset, theme):
    """Open the workbench on the demo portfolio (built on first use, anchored to today)."""
    from .demo import load_demo_portfolio
    from .paths import demo_db_path

    path = demo_db_path()
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        with Store(path, create=True) as store:
            store.import_portfolio(load_demo_portfolio(date.today(), current_login()))
    run_workbench(path, None, theme)


# ----- setup ------------------------------------------------------------------


@cli.command()
@click.option("--shared", nargs=2, metavar="GROUP DIR", default=None,
              help="Set up a team database in DIR for the Unix GROUP (folder setgid 2770, database 0660).")
@db_option
def init(shared, db_path):
    """Create an empty database (owner-only permissions), or migrate an existing one.

    With --shared GROUP DIR, create DIR/portfolio.db for a team: every member of
    GROUP can open it, nobody else can read it.
    """
    if shared:
        from .store.sharing import init_shared

        path = init_shared(shared[0], Path(shared[1]))
        click.echo(f"team database ready: {path} (group {shared[0]}); members use --db {path} or CAREBENCH_DB={path}")
        return
    with open_store(db_path, create=True) as store:
        click.echo(f"database ready: {store.path}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@json_option
@db_option
def backup(file, force, as_json, db_path):
    """Copy the database to FILE with SQLite's online backup (safe while others write)."""
    from .store.db import backup_copy

    if os.path.lexists(file) and not force:
        raise UserError(f"{file} exists; pass --force to replace it")
    with open_store(db_path, readonly=True) as store:
        source = store.path
    backup_copy(source, file, replace=force)
    result = {"source": str(source), "backup": str(file), "bytes": file.stat().st_size}
    if as_json:
        return emit_json(result)
    click.echo(f"backed up {source} to {file} ({result['bytes']:,} bytes)")


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
    from .store.doctor import examine
    from .store.doctor import fix as mend

    path = resolve_db(db_path)
    if fix:
        for line in mend(path):
            click.echo(f"fixed: {line}", err=True)
    report = examine(path)
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
    from .core.models import Portfolio

    emit_json(Portfolio.model_json_schema())


def read_portfolio(path: Path):
    """Validate a whole portfolio file; raise ImportProblems listing what is wrong."""
    from pydantic import ValidationError

    from .core.models import Portfolio

    from .store.files import read_capped

    label = "<stdin>" if str(path) == "-" else str(path)
    raw = read_capped(path, MAX_PORTFOLIO_BYTES, "a portfolio")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{label}: not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise UserError(f"{label}: nested too deeply to be a portfolio") from None
    try:
        return Portfolio.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors()[:MAX_IMPORT_ERRORS]:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
            message = error["msg"].removeprefix("Value error, ")
            lines.append(inert(f"{label}: {where}: {message}" if where else f"{label}: {message}"))
        if exc.error_count() > MAX_IMPORT_ERRORS:
            lines.append(f"{label}: ... and {exc.error_count() - MAX_IMPORT_ERRORS} more problems")
        raise UserError("\n".join(lines)) from None


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@db_option
def import_(file, db_path):
    """Import a portfolio file (JSON; see `carebench schema`).

    The whole file is checked before anything is written; then it is written in
    one transaction. Clients already in the database are replaced whole.
    """
    portfolio = read_portfolio(file)
    with open_store(db_path, create=True) as store:
        added, replaced = store.import_portfolio(portfolio)
    click.echo(f"imported {len(portfolio.clients)} clients ({added} new, {replaced} replaced) into {store.path}")


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@db_option
def export(output, db_path):
    """Export the whole portfolio in the import format."""
    with open_store(db_path, readonly=True) as store:
        text = store.export_portfolio().model_dump_json(indent=2, exclude_none=True) + "\n"
    if output:
        from .store.files import write_file

        write_file(output, text)
        click.echo(f"exported to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("demo-data")
@click.option("--anchor", type=DATE, default=None, help="The day that plays the demo's 'today' (default: today).")
@db_option
def demo_data(anchor, db_path):
    """Load the bundled demo portfolio, its dates shifted so that ANCHOR is its 'today'."""
    from .demo import load_demo_portfolio

    portfolio = load_demo_portfolio(anchor or date.today(), current_login())
    with open_store(db_path, create=True) as store:
        added, replaced = store.import_portfolio(portfolio)
    click.echo(f"demo portfolio loaded: {len(portfolio.clients)} clients as of {portfolio.as_of} into {store.path}")


# ----- reading ----------------------------------------------------------------


@cli.command()
@click.option("--owner", default=None, help="Only this consultant's clients and action items.")
@date_option
@json_option
@db_option
def today(owner, as_of, as_json, db_path):
    """The agenda for a day: overdue touchpoints, what is due, open action items."""
    from .views import today_view

    with open_store(db_path, readonly=True) as store:
        data = today_view(store, today_or(as_of), owner)
    if as_json:
        return emit_json(data)
    rows = [
        [i["client_name"], i["kind"] + (f" (+{', '.join(i['covers'])})" if i["covers"] else ""),
         f"overdue: {i['missed']} missed, last {i['date']}" if i["status"] == "overdue" else "due",
         i["band"] or "-", i["phase"].replace("_", " "), i["owner"]]
        for i in data["items"]
    ]
    table(f"Touchpoints for {data['date']}", ["client", "kind", "status", "band", "phase", "owner"], rows,
          caption=None if rows else "nothing scheduled")
    actions = [[a["client_name"], a["text"], a["owner"], a["due"], a["priority"]] for a in data["action_items"]]
    if actions:
        table("Open action items due", ["client", "action", "owner", "due", "priority"], actions)


@cli.command("schedule")
@click.argument("client")
@click.option("--from", "start", type=DATE, default=None, help="First day (default: go-live).")
@click.option("--to", "end", type=DATE, default=None, help="Last day (default: a year after go-live, or a month from today).")
@json_option
@db_option
def schedule_cmd(client, start, end, as_json, db_path):
    """A client's touchpoints over a range, with their state."""
    from .views import schedule_view

    if start and end and end < start:
        raise UserError(f"--to {end} is before --from {start}")
    with open_store(db_path, readonly=True) as store:
        data = schedule_view(store, client, start, end, today_or(None))
    if as_json:
        return emit_json(data)
    rows = [[t["date"], t["kind"], ", ".join(t["covers"]), t["status"], t["moved_from"] or ""] for t in data["touchpoints"]]
    table(f"Schedule of {client}, {data['from']} to {data['to']}", ["date", "kind", "covers", "status", "moved from"], rows)


@cli.command()
@click.argument("client", required=False)
@date_option
@json_option
@db_option
def health(client, as_of, as_json, db_path):
    """Health scores: every active client (most critical first), or one client's breakdown and history."""
    from .views import health_list_view, health_view

    day = today_or(as_of)
    with open_store(db_path, readonly=True) as store:
        data = health_view(store, client, day) if client else health_list_view(store, day)
    if as_json:
        return emit_json(data)
    if not client:
        rows = [[r["client_name"], r["overall"], r["band"], r["delta"], r["date"]] for r in data]
        return table(f"Health as of {day}", ["client", "overall", "band", "change", "assessed"], rows)
    if data["date"] is None:
        return click.echo(f"{client} has no health assessment on or before {day}")
    rows = []
    for name, comp in data["components"].items():
        rows.append([f"{name} (x{comp['weight']})", comp["score"], ""])
        rows += [[f"  {k}", v, ""] for k, v in comp["subscores"].items()]
    rows.append(["overall", data["overall"], data["band"]])
    table(f"Health of {data['client_name']} on {data['date']}", ["component", "score", "band"], rows,
          caption=f"change {data['delta']:+}" if data["delta"] is not None else "first assessment")


@cli.command("client")
@click.argument("client")
@date_option
@json_option
@db_option
def client_cmd(client, as_of, as_json, db_path):
    """One client: tier, phase, handover gate and financials."""
    from .views import client_view

    with open_store(db_path, readonly=True) as store:
        data = client_view(store, client, today_or(as_of))
    if as_json:
        return emit_json(data)
    money = data["financials"]
    rows = [
        ["tier", data["tier"]], ["owner", data["owner"]], ["go-live", data["go_live"]], ["day", data["day"]],
        ["phase", data["phase"]], ["adoption", data["adoption_phase"]], ["band", data["band"]],
        ["handover", "ready" if data["handover"]["ready"] else "; ".join(data["handover"]["reasons"])],
        ["monthly savings", money["monthly_savings"]], ["YTD savings", money["ytd_savings"]],
        ["ROI %", f"{money['roi']} (target {money['roi_target']})"],
    ]
    table(data["name"], ["", ""], rows)


@cli.command()
@click.argument("client")
@date_option
@json_option
@db_option
def kpis(client, as_of, as_json, db_path):
    """A client's KPIs: current, change vs baseline, target, trend, backsliding."""
    from .views import kpis_view

    with open_store(db_path, readonly=True) as store:
        data = kpis_view(store, client, today_or(as_of))
    if as_json:
        return emit_json(data)
    rows = [
        [k["name"], k["category"], k["baseline"], k["target"], k["current"],
         "" if k["change"] is None else f"{k['change']:+}{k['change_unit']}",
         {True: "yes", False: "no", None: "-"}[k["on_target"]], k["trend"] or "-", "BACKSLIDING" if k["backsliding"] else ""]
        for k in data
    ]
    table(f"KPIs of {client}", ["KPI", "category", "baseline", "target", "current", "change", "on target", "trend", ""], rows)


@cli.command()
@click.option("--client", default=None, help="Only this client's opportunities.")
@date_option
@json_option
@db_option
def pipeline(client, as_of, as_json, db_path):
    """Expansion opportunities with weighted values and readiness."""
    from .views import pipeline_view

    with open_store(db_path, readonly=True) as store:
        data = pipeline_view(store, today_or(as_of), client)
    if as_json:
        return emit_json(data)
    rows = [[o["client_name"], o["title"], o["stage"], f"{o['value']:,.0f}", f"{o['probability']}%",
             f"{o['weighted']:,.0f}", o["readiness"]] for o in data["opportunities"]]
    totals = data["totals"]
    table("Expansion pipeline", ["client", "opportunity", "stage", "value", "prob.", "weighted", "readiness"], rows,
          caption=f"open pipeline {totals['value']:,.0f}, weighted {totals['weighted']:,.0f}")


@cli.command("log")
@click.option("--client", default=None, help="Only this client's entries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@json_option
@db_option
def log_cmd(client, limit, as_json, db_path):
    """The audit trail: who changed what, newest first."""
    with open_store(db_path, readonly=True) as store:
        if client:
            store.require_client(client)
        rows = store.audit_log(client, limit)
    if as_json:
        return emit_json(rows)
    table("Audit trail", ["when", "who", "what", "client", "detail"],
          [[r["at"], r["actor"], r["action"], r["client_id"] or "", json.dumps(r["detail"])[:80]] for r in rows])


@cli.command()
@click.argument("client")
@json_option
@db_option
def checkins(client, as_json, db_path):
    """A client's check-ins, newest first, with what each one captured."""
    with open_store(db_path, readonly=True) as store:
        rows = store.checkins(client)
    if as_json:
        return emit_json(rows)
    table(f"Check-ins of {client}", ["date", "kind", "author", "minutes", "readings", "assessed", "actions"],
          [[r["date"], r["kind"], r["author"], f"{r['actual_minutes']}/{r['planned_minutes']}", len(r["readings"]),
            "yes" if r["assessment"] else "", len(r["action_items"])] for r in rows],
          caption=None if rows else "no check-ins yet")


@cli.command()
@click.option("--mine", is_flag=True, help="Only your drafts.")
@json_option
@db_option
def drafts(mine, as_json, db_path):
    """Check-ins in progress (drafts), newest first."""
    with open_store(db_path, readonly=True) as store:
        rows = store.drafts(current_login() if mine else None)
    if as_json:
        return emit_json(rows)
    table("Open drafts", ["client", "touchpoint", "author", "saved"],
          [[r["client_name"], f"{r['kind']} {r['date']}", r["author"], r["changed_at"]] for r in rows],
          caption=None if rows else "no drafts")


@cli.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@json_option
def scripts(file, as_json):
    """List the check-in scripts in force, or check a script FILE and say what is wrong with it."""
    from .core.scripts import ScriptProblem
    from .scriptbook import read_script, script_folders, scripts_in_force

    if file is not None:
        try:
            template = read_script(file)
        except ScriptProblem as exc:
            raise UserError(str(exc)) from None
        click.echo(f"{file}: ok: '{inert(template.title)}' for {', '.join(template.kinds())}, "
                   f"{len(template.section)} sections, {template.planned_minutes} minutes")
        return
    templates, problems = scripts_in_force()
    for problem in problems:
        click.echo(f"warning: {inert(problem)} (skipped)", err=True)
    rows = [{"kind": kind, "title": t.title, "minutes": t.planned_minutes, "sections": [s.title for s in t.section],
             "file": t.source} for kind, t in sorted(templates.items())]
    if as_json:
        return emit_json(rows)
    table("Check-in scripts", ["kind", "script", "minutes", "sections", "file"],
          [[r["kind"], r["title"], r["minutes"], len(r["sections"]), Path(r["file"]).name] for r in rows],
          caption=f"your own scripts go in {script_folders()[-1]}")


# ----- writing ----------------------------------------------------------------


def checked(model_cls, **fields):
    """Build a core model, turning validation failures into one-line user errors."""
    from pydantic import ValidationError

    try:
        return model_cls(**fields)
    except ValidationError as exc:
        raise UserError(validation_message(exc)) from None


@cli.command("add-client")
@click.argument("client_id", metavar="ID")
@click.option("--name", required=True)
@click.option("--tier", required=True, type=click.Choice(TIERS))
@click.option("--go-live", "go_live", required=True, type=DATE)
@click.option("--owner", default=None, help="Consultant's login (default: you).")
@click.option("--investment", type=float, default=0.0, help="What the client invested (for ROI).")
@click.option("--roi-target", "roi_target", type=float, default=0.0, help="Target ROI in percent.")
@db_option
def add_client(client_id, name, tier, go_live, owner, investment, roi_target, db_path):
    """Add a client engagement."""
    from .core.models import Client

    client = checked(Client, id=client_id, name=name, tier=tier, go_live=go_live, owner=owner or current_login(),
                     investment=investment, roi_target=roi_target)
    with open_store(db_path, create=True) as store:
        store.add_client(client)
    click.echo(f"added {client.id} ({client.tier}, go-live {client.go_live})")


@cli.command("add-kpi")
@click.argument("client")
@click.argument("key")
@click.option("--name", required=True)
@click.option("--category", required=True, type=click.Choice(CATEGORIES))
@click.option("--unit", required=True, help="'%' for percentages (changes are then in percentage points).")
@click.option("--direction", required=True, type=click.Choice(("higher", "lower")), help="Which way is better.")
@click.option("--baseline", required=True, type=float)
@click.option("--target", required=True, type=float)
@db_option
def add_kpi(client, key, name, category, unit, direction, baseline, target, db_path):
    """Add a KPI to a client."""
    from .core.models import Kpi

    kpi = checked(Kpi, key=key, name=name, category=category, unit=unit, direction=direction, baseline=baseline, target=target)
    with open_store(db_path) as store:
        store.add_kpi(client, kpi)
    click.echo(f"added KPI {key} to {client}")


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("client")
@click.argument("kpi")
@click.argument("value", type=float)
@click.option("--date", "day", type=DATE, default=None, help="Day of the reading (default: today).")
@db_option
def reading(client, kpi, value, day, db_path):
    """Record a KPI reading (a second reading on the same day replaces the first)."""
    from .core.models import Reading

    entry = checked(Reading, date=day or today_or(None), value=value)
    with open_store(db_path) as store:
        old = store.add_reading(client, kpi, entry.date, entry.value)
    click.echo(f"{client} {kpi} = {value:g}" + (f" (replaced {old:g})" if old is not None else ""))


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("client")
@click.argument("month", metavar="YYYY-MM")
@click.argument("amount", type=float)
@db_option
def savings(client, month, amount, db_path):
    """Record a month's savings for a client (replaces that month's figure)."""
    from .core.models import Savings

    entry = checked(Savings, month=month, amount=amount)
    with open_store(db_path) as store:
        store.set_savings(client, entry.month, entry.amount)
    click.echo(f"{client} saved {amount:,.2f} in {month}")


@cli.command()
@click.argument("client")
@click.option("--scores", required=True, help="All nine sub-scores, e.g. achievement=8,trend=9,... (1-10).")
@click.option("--date", "day", type=DATE, default=None, help="Day of the assessment (default: today).")
@click.option("--note", default=None)
@db_option
def assess(client, scores, day, note, db_path):
    """Record a health assessment of a client."""
    from .core.health import band_of, overall_score
    from .core.models import Assessment, Scores

    assessment = checked(Assessment, date=day or today_or(None), scores=Scores(**parse_scores(scores)), note=note,
                         author=current_login())
    with open_store(db_path) as store:
        replaced = store.add_assessment(client, assessment)
    overall = overall_score(assessment.scores)
    click.echo(f"{client} health {overall} ({band_of(overall)}) on {assessment.date}" + (" (replaced that day's)" if replaced else ""))


def _touchpoint_command(status: str):
    def command(client, day, kind, reason, to, db_path):
        from .core.schedule import touchpoint_outcome

        if status == "skipped" and not reason:
            raise UserError("say why with --reason")
        if status == "moved" and to is None:
            raise UserError("say where to with --to YYYY-MM-DD")
        if status != "moved" and to is not None:
            raise UserError("--to is only for move")
        with open_store(db_path) as store:
            engagement = store.client(client, parts={"assessments", "exceptions"})
            try:
                outcome = touchpoint_outcome(engagement, day, status, kind, reason, to)
            except ValueError as exc:
                raise UserError(validation_message(exc) if hasattr(exc, "errors") else str(exc)) from None
            store.record_exception(client, outcome)
        detail = f" to {to}" if status == "moved" else ""
        click.echo(f"{client}: {outcome.kind} touchpoint on {day} {status}{detail}")

    return command


for _name, _status, _help in (
    ("done", "done", "Mark the touchpoint on --date as done."),
    ("skip", "skipped", "Skip the touchpoint on --date (needs --reason)."),
    ("move", "moved", "Move the touchpoint on --date to another day (--to)."),
):
    cli.command(_name, help=_help)(
        click.argument("client")(
            click.option("--date", "day", type=DATE, required=True, help="Day the touchpoint stands on.")(
                click.option("--kind", type=click.Choice(KIND_CHOICES), default=None,
                             help="Which touchpoint, when it matters.")(
                    click.option("--reason", default=None)(
                        click.option("--to", type=DATE, default=None, help="New day (move only).")(
                            db_option(_touchpoint_command(_status)))))))
    )


@cli.command("add-opportunity")
@click.argument("client")
@click.option("--title", required=True)
@click.option("--value", required=True, type=float, help="Potential annual value.")
@click.option("--probability", required=True, type=int, help="Chance of winning, 0-100.")
@click.option("--stage", type=click.Choice(STAGES), default="identified", show_default=True)
@click.option("--source", type=click.Choice(SOURCES), default="performance_gap", show_default=True)
@click.option("--investment-low", type=float, default=None)
@click.option("--investment-high", type=float, default=None)
@click.option("--start-month", type=int, default=None, help="Months after go-live.")
@click.option("--end-month", type=int, default=None, help="Months after go-live.")
@click.option("--next-action", default=None)
@click.option("--next-action-date", type=DATE, default=None)
@db_option
def add_opportunity(client, db_path, **fields):
    """Add an expansion opportunity."""
    from .core.models import Opportunity

    opportunity = checked(Opportunity, **fields)
    with open_store(db_path) as store:
        store.add_opportunity(client, opportunity)
    click.echo(f"added opportunity '{opportunity.title}' to {client}")


@cli.command("add-action")
@click.argument("client")
@click.argument("text")
@click.option("--due", required=True, type=DATE)
@click.option("--priority", type=click.Choice(PRIORITIES), default="medium", show_default=True)
@click.option("--owner", default=None, help="Who does it (default: the client's owner).")
@db_option
def add_action(client, text, due, priority, owner, db_path):
    """Add an action item to a client."""
    from .core.models import ActionItem

    with open_store(db_path) as store:
        engagement = store.client(client, parts=())
        item = checked(ActionItem, text=text, due=due, priority=priority, owner=owner or engagement.owner)
        store.add_action_item(client, item)
    click.echo(f"added action for {client}, due {due} ({priority})")


def main() -> None:
    """Entry point: every failure a user can cause is one line on stderr, exit code 2."""
    try:
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
    except sqlite3.Error as exc:
        from .store.db import explain, is_environmental

        if not is_environmental(exc):
            crashed(exc)
        click.echo(f"error: {inert(str(explain(exc, resolve_db_quietly())))}", err=True)
        sys.exit(2)
    except Exception as exc:
        crashed(exc)


def resolve_db_quietly() -> Path:
    """The database a failed command was using, as far as it can still be told."""
    return _resolved[0] if _resolved else Path("the database")


def crashed(exc: BaseException) -> None:
    """An unexpected error: the details go to a private crash report, the user gets one line (exit 1)."""
    from .crash import crash_line

    click.echo(f"error: {crash_line(exc)}", err=True)
    sys.exit(1)


from . import cli_practice, cli_reports  # noqa: E402,F401  (register the practice, report and feed commands)
