"""Setting up and keeping the portfolio from the workbench: the forms for clients, KPIs, readings, assessments and
action items, opened from the screens' keys and the command palette alike.

Each form starts from what it is given or loads (off the UI thread), checks what is typed through the core's
models, and saves through app.commands; what it saved is announced and every screen shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..app.session import Session
    from .app import CarebenchApp


def open_form(app: CarebenchApp, build: Callable[[Any], Screen], load: Callable[[Session], Any] | None = None, then=None) -> None:
    """Open the form ``build(data)`` makes, ``data`` being what ``load(session)`` reads (in a worker) or None.

    A form closed with a line (what it saved) has it shown and the screens reloaded; ``then(line)`` follows.
    """

    def closed(summary: str | None) -> None:
        if summary:
            app.notify(summary)
            app.refresh_all()
            if then is not None:
                then(summary)

    if load is None:
        app.push_screen(build(None), closed)
        return

    given_up = False  # escape while the form loads: it does not open

    def give_up() -> None:
        nonlocal given_up
        given_up = True

    release = app.hold_keys(give_up)  # what is typed while the form loads is for the form

    def loading() -> None:
        try:
            data = load(app.session())
        except Exception as exc:
            app.call_from_thread(app.notify, app.user_error(exc), severity="error")
            app.call_from_thread(release)
            return

        async def push() -> None:  # on the UI thread
            if not given_up:
                await app.push_screen(build(data), closed)
            release()

        # Textual types the callback as returning T | Awaitable[T]: for an awaitable of None mypy solves T as Never.
        app.call_from_thread(push)  # type: ignore[arg-type]

    app.run_worker(loading, thread=True, group="form", exit_on_error=False)


def chosen_client(app: CarebenchApp) -> str | None:
    """The client screens 3-5 show, or None (with a word on what to do) when there is none yet."""
    if app.client_id is None:
        app.notify("There are no clients yet: press n on Today (or pick New client in the palette) to add one", severity="warning")
    return app.client_id


def new_client(app: CarebenchApp) -> None:
    """The new-client form; the client added becomes the one screens 3-5 show."""
    from .widgets.forms import client_form

    forms = []

    def build(ids) -> Screen:
        forms.append(client_form(app.plan_day, app.user, set(ids)))
        return forms[0]

    def then(_summary: str) -> None:
        app.client_id = forms[0].saved.id
        app.load_clients()

    open_form(app, build, _client_ids, then=then)


def _client_ids(session) -> list[str]:
    from ..app import queries

    return [client_id for client_id, _ in queries.client_names(session)]


def edit_client(app: CarebenchApp, client_id: str | None = None) -> None:
    from ..app import queries
    from .widgets.forms import edit_client_form

    client_id = client_id or chosen_client(app)
    if client_id:
        open_form(app, lambda card: edit_client_form(card, app.plan_day), lambda session: queries.client_card(session, client_id))


def new_kpi(app: CarebenchApp, client_id: str | None = None) -> None:
    from ..app import queries
    from .widgets.forms import kpi_form

    client_id = client_id or chosen_client(app)
    if client_id:
        open_form(app, lambda card: kpi_form(client_id, card.name), lambda session: queries.client_card(session, client_id))


def edit_kpi(app: CarebenchApp, client_id: str, client_name: str, kpi) -> None:
    from .widgets.forms import kpi_form

    open_form(app, lambda _: kpi_form(client_id, client_name, kpi))


def record_reading(app: CarebenchApp, client_id: str | None = None, kpi: str | None = None) -> None:
    from ..app import queries
    from .widgets.forms import reading_form

    client_id = client_id or chosen_client(app)
    if not client_id:
        return

    def load(session):
        name, keys = queries.client_card(session, client_id).name, [k.key for k in queries.kpis(session, client_id)]
        if not keys:
            from ..app.inputs import UserError

            raise UserError(f"{name} has no KPIs yet: add one first (n on the KPIs screen)")
        return name, keys

    def build(data) -> Screen:
        name, keys = data
        return reading_form(client_id, name, keys, app.plan_day, kpi)

    open_form(app, build, load)


def assess(app: CarebenchApp, client_id: str | None = None) -> None:
    from ..app import queries
    from .widgets.scores import AssessmentDialog

    client_id = client_id or chosen_client(app)
    if client_id:
        open_form(app, lambda start: AssessmentDialog(start, app.plan_day), lambda session: queries.assessment_start(session, client_id))


def new_action(app: CarebenchApp, client_id: str | None = None) -> None:
    from ..app import queries
    from .widgets.forms import action_item_form

    client_id = client_id or chosen_client(app)
    if not client_id:
        return

    def build(card) -> Screen:
        def save(session, item) -> str:
            from ..app import commands

            commands.add_action(session, client_id, item.text, item.due, item.priority, item.owner, item.source)
            return f"{card.name}: action item added, due {item.due}"

        form = action_item_form(card.name, card.owner, app.plan_day)
        form.save = save
        return form

    open_form(app, build, lambda session: queries.client_card(session, client_id))
