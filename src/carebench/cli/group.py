"""The ``carebench`` click group and what its commands share: options, parameter types, output helpers."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date
from pathlib import Path

import click

from ..app.inputs import UserError, inert, parse_date
from ..core.terms import CATEGORIES, PRIORITIES, SOURCES, STAGES, TIERS  # noqa: F401  (the commands' choices)
from ..core.terms import ENGAGEMENT_STATUSES as STATUSES  # noqa: F401
from ..core.terms import KINDS as KIND_CHOICES  # noqa: F401

MAX_IMPORT_ERRORS = 20


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


def _use_demo(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["carebench.demo"] = True  # meta is shared by the group's context and the command's


def db_option(f):
    f = click.option(
        "--demo", is_flag=True, expose_value=False, callback=_use_demo, help="Use the demo database (the one `carebench demo` opens) instead."
    )(f)
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path),
        default=None,
        help="Database file (default: $CAREBENCH_DB, else portfolio.db in your data folder).",
    )(f)


def date_option(f):
    return click.option("--date", "as_of", type=DATE, default=None, help="Report as of this day, YYYY-MM-DD (default: today).")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)


# The database the running command uses (for messages about a failure after the command ended).
resolved: list[Path] = []


def resolve_db(db_path: Path | None) -> Path:
    context = click.get_current_context()
    if db_path is None:
        db_path = context.find_root().params.get("db_path")
    if context.meta.get("carebench.demo"):
        if db_path is not None:
            raise UserError("give --db or --demo, not both")
        from ..app.paths import demo_db_path

        db_path = demo_db_path()
        if not db_path.exists() and context.info_name not in ("demo-data", "init"):
            raise UserError(f"there is no demo database yet ({db_path}): `carebench demo` builds it and opens it")
    if db_path is None:
        from ..app.paths import default_db_path

        db_path = default_db_path()
    resolved[:] = [db_path]
    return db_path


class RebuildProgress:
    """A progress bar on standard error for remaking the derived rows, once that has taken more than a second.

    Called as ``progress(done, clients)``: first with 0 done when the work starts, then after each
    chunk of clients. Nothing is drawn when the stream is not a terminal.
    """

    WIDTH = 30

    def __init__(self, stream=None, clock=None) -> None:
        import time

        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if done == 0:
            self.started = self.clock()
            return
        if not self.shown and (self.clock() - self.started < 1.0 or not self.stream.isatty()):
            return
        self.shown = True
        filled = self.WIDTH * done // max(total, 1)
        self.stream.write(f"\rmaking the derived rows again [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} clients")
        if done >= total:
            self.stream.write("\n")
            self.shown = False
        self.stream.flush()


def session(db_path: Path | None = None, *, create: bool = False, day: date | None = None):
    """The application session for this command: the database, the planning day (``day``, else --date), the user."""
    from ..app.session import Session

    def waiting(seconds: float) -> None:
        click.echo(f"waiting for the database: another user is writing ({seconds:.0f} s)", err=True)

    return Session(resolve_db(db_path), today=today_or(day), on_wait=waiting, create=create, on_progress=RebuildProgress())


def today_or(as_of: date | None) -> date:
    if as_of is None:
        root = click.get_current_context().find_root()
        as_of = root.params.get("as_of")
    return as_of or date.today()


def output_option(f):
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Write to this file (a new owner-only file) instead of standard output.",
    )(f)


def group_client() -> str:
    """The CLIENT given to the group of the command running (``rollout CLIENT add``, ``recovery CLIENT done``)."""
    parent = click.get_current_context().parent
    assert parent is not None
    return parent.params["client"]


def emit_json(data) -> None:
    """JSON on standard output: indented for a person at a terminal, on one line for a program reading a pipe or file."""
    import sys

    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, ensure_ascii=False))


def console():
    from rich.console import Console

    return Console(highlight=False)


def table(title: str, columns: list[str], rows: list[list], caption: str | None = None) -> None:
    """Print a table; every piece of text is shown as it is (no markup) and made inert, as it may come from the database
    (a rich Text is taken as it is: whoever built it made its pieces inert)."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    def shown(value):
        if isinstance(value, Text):  # built from inert pieces, styled on purpose
            return value
        return escape(inert("" if value is None else str(value)))

    t = Table(title=shown(title), caption=None if caption is None else shown(caption), header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*[shown(v) for v in row])
    console().print(t)


# The module that registers each command. A command's module is imported when it runs, so a command pays only for
# its own imports; help and suggestions list them all.
COMMAND_MODULES = {
    **dict.fromkeys(("checklist", "learning", "outcome", "practice", "pulse", "referral", "search", "testimonial", "ticket"), "practice"),
    **dict.fromkeys(("checkins", "client", "drafts", "health", "kpis", "log", "pipeline", "schedule", "scripts", "today"), "reading"),
    **dict.fromkeys(("ack", "calendar", "check", "digest", "readings", "report"), "reports"),
    **dict.fromkeys(("backup", "datasette-metadata", "demo", "demo-data", "doctor", "export", "import", "init", "schema"), "setup"),
    **dict.fromkeys(("escalate", "recovery"), "recovery"),
    "rollout": "rollout",
    "rules": "rules",
    "serve": "serve",
    **dict.fromkeys(
        (
            "add-action",
            "add-client",
            "add-kpi",
            "add-opportunity",
            "assess",
            "done",
            "edit-client",
            "handover",
            "edit-kpi",
            "move",
            "reading",
            "reopen",
            "savings",
            "skip",
            "tier",
        ),
        "writing",
    ),
}


class LazyGroup(click.Group):
    """The main group: its commands are registered by their modules, each imported the first time it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"{__package__}.{COMMAND_MODULES[name]}")
        return self.commands.get(name)


def every_command() -> click.Group:
    """The group with every command module imported (for the documentation and the tests)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"{__package__}.{module}")
    return cli


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def require_terminal() -> None:
    """The workbench draws on a terminal and reads its keys: refuse at once, before anything is built, without one."""
    import os

    # `carebench serve` runs each browser's workbench on pipes, drawn by Textual's web driver.
    if os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("the workbench needs a terminal; over ssh use `ssh -t HOST carebench`, or run a command such as `carebench today`")


def run_workbench(db_path: Path, as_of: date | None, theme: str | None) -> None:
    """Open the Textual workbench (the only place textual is imported); it needs a terminal on both ends."""
    require_terminal()
    from ..app.commands import init_database
    from ..app.session import Session

    init_database(Session(db_path, as_of or date.today()))  # create or migrate before the UI starts: errors are one line here
    from ..ui.app import CarebenchApp, share_one_malloc_arena

    share_one_malloc_arena()
    app = CarebenchApp(db_path, today=as_of, theme=theme)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
