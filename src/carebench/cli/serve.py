"""`carebench serve`: the workbench in a browser, one session per connection, behind a secret token."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .group import DATE, cli, db_option, resolve_db

DEFAULT_PORT = 8000


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; beyond loopback only with --public and TLS.")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="Port to listen on (0: one the system picks).")
@click.option("--public", is_flag=True, help="Allow an address other than loopback (needs --cert and --key).")
@click.option("--cert", "certificate", type=click.Path(path_type=Path, dir_okay=False), default=None, help="TLS certificate file (PEM).")
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False), default=None, help="The certificate's private key file (PEM).")
@click.option("--new-token", is_flag=True, help="Make a new secret token first; the old one stops working.")
@click.option("--date", "as_of", type=DATE, default=None, help="Every session plans as if today were this day, YYYY-MM-DD.")
@db_option
def serve(host, port, public, certificate, key, new_token, as_of: date | None, db_path):
    """Serve the workbench to a browser (a phone's too), one session per connection.

    Each connection runs the workbench as you, on the same database. Every request
    needs the secret token: the address printed at start carries it once, then the
    browser keeps it in a cookie. The token lives owner-only in your state folder;
    --new-token replaces it. Listens on loopback (127.0.0.1) unless --public is
    given with a TLS certificate and key. Ctrl+C stops serving.
    """
    from ..app import serving
    from ..app.commands import init_database
    from ..app.session import Session

    plan = serving.plan_serving(host, port, public, certificate, key)
    ssl_context = serving.tls_context(plan)
    path = resolve_db(db_path)
    init_database(Session(path, as_of or date.today()))  # a database carebench refuses is refused here, once
    token, made = serving.serve_token(new=new_token)

    from ..ui.serve import WorkbenchServer

    server = WorkbenchServer(serving.session_command(path, as_of), plan.host, plan.port, token, ssl_context)

    def ready(bound: int) -> None:
        where = f"[{plan.host}]" if ":" in plan.host else plan.host
        scheme = "https" if plan.tls else "http"
        click.echo(f"carebench serves {path} on {scheme}://{where}:{bound}/")
        click.echo(f"open (once; the browser keeps it): {scheme}://{where}:{bound}/?token={token}")
        click.echo(("a new token was made; " if made else "") + "anyone with this address works as you: keep it private. ctrl+c stops.")

    server.run(ready)
