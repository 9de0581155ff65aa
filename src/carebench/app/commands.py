"""Every write carebench makes: one function each, one transaction, its input checked through the core.

The CLI and the workbench call these and nothing below them. Each returns what it did
(a small frozen record the caller words for its user) or raises ``UserError`` /
``StoreError`` with one line saying what is wrong; nothing is written then. The store
refreshes the derived rows a write affects in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.calibration import FACTORS
from .inputs import UserError, validation_message
from .readmodels import Record, record
from .session import Session

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import BaseModel

    from ..core.models import ActionItem, Assessment, CheckIn, Client, Kpi, Learning, Opportunity, Portfolio, RolloutWave, Ticket, TierChange
    from ..core.rules import Rules
    from ..store import Store

    _Model = TypeVar("_Model", bound=BaseModel)

# The type, where a field named ``date`` hides it in a class body.
Date = date


def checked(model_cls: type[_Model], **fields: Any) -> _Model:
    """A core model built from ``fields``; what the core refuses becomes one line (UserError)."""
    from pydantic import ValidationError

    try:
        return model_cls(**fields)
    except ValidationError as exc:
        raise UserError(validation_message(exc)) from None


def _refused(exc: ValueError) -> UserError:
    from pydantic import ValidationError

    return UserError(validation_message(exc) if isinstance(exc, ValidationError) else str(exc))


# ----- setting up ----------------------------------------------------------------------------


def init_database(session: Session) -> str:
    """Create the database (owner-only) or migrate it; returns its path."""
    from ..store import Store

    with Store(session.db_path, actor=session.actor, create=True, on_wait=session.on_wait) as store:
        return str(store.path)


def init_team_folder(group: str, folder: Path) -> str:
    """Set up (or repair) a team folder for a Unix group; returns the database's path."""
    from ..store.sharing import init_shared

    return str(init_shared(group, folder))


def backup(session: Session, target: str | Path, replace: bool = False) -> tuple[str, int]:
    """Copy the live database to ``target`` (a new owner-only file); returns (source, bytes written)."""
    from pathlib import Path

    from ..store.db import backup_copy

    with session.reading() as store:
        source = store.path
    backup_copy(source, Path(target), replace=replace)
    return str(source), Path(target).stat().st_size


@record
class Imported(Record):
    """A portfolio imported: how many clients it held, how many were added and replaced, and into which database."""

    clients: int
    added: int
    replaced: int
    path: str


def import_portfolio(session: Session, portfolio: Portfolio) -> Imported:
    """Write a whole validated portfolio in one transaction; clients already there are replaced whole."""
    with session.writing() as store:
        added, replaced = store.import_portfolio(portfolio)
        return Imported(len(portfolio.clients), added, replaced, str(store.path))


def import_portfolio_file(session: Session, path: Path) -> Imported:
    """Import a portfolio file: checked whole first (a file with problems creates and writes nothing; UserError lists
    them), then written client by client in one transaction. Memory holds the file's text and one client."""
    from .transfer import portfolio_clients, portfolio_text

    label, text = portfolio_text(path)
    for _ in portfolio_clients(text, label):
        pass
    with session.writing() as store:
        added, replaced = store.import_clients(portfolio_clients(text, label))
        return Imported(added + replaced, added, replaced, str(store.path))


# ----- the team's rules ------------------------------------------------------------------------

# The largest rules file carebench reads (a larger one is refused before it is read).
MAX_RULES_BYTES = 1 << 20


@record
class RulesChanged(Record):
    """A team rules file stored for the database."""

    version: int  # the database's new rules version (one per change)
    fingerprint: str
    clients: int  # clients whose derived rows were made again
    path: str


def import_rules(session: Session, path: Path) -> RulesChanged:
    """Store a team rules file for the database: checked whole first (UserError says the file, line and what is wrong,
    and nothing is stored), then stored as a new version with every client's derived rows made again, in one transaction."""
    from ..core.rules import RulesProblem, read_rules
    from .transfer import read_input

    label = "standard input" if str(path) == "-" else str(path)
    raw = read_input(path, MAX_RULES_BYTES, "a rules file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{label}: not a UTF-8 text file; nothing was stored") from None
    try:
        rules = read_rules(text, label)
    except RulesProblem as exc:
        raise UserError(f"{exc}; nothing was stored") from None
    return _store_rules(session, text, rules)


def reset_rules(session: Session) -> RulesChanged:
    """Go back to the rules carebench ships (a new version, audited), every derived row made again."""
    from ..core.rules import DEFAULT_RULES

    return _store_rules(session, None, DEFAULT_RULES)


def _store_rules(session: Session, document: str | None, rules: Rules) -> RulesChanged:
    from dataclasses import replace

    # Opened under the new rules, as they are: the rows are all made again under them (the ones stored may not even hold).
    with replace(session, given_rules=rules).writing(bring_current=False) as store:
        version = store.set_rules(document, rules)
        clients = len(store.client_ids())
        path = str(store.path)
    session.loaded.rules = rules
    return RulesChanged(version, rules.fingerprint, clients, path)


def open_demo(reset: bool = False) -> Path:
    """The demo database in the user's data folder, built from the bundled sample data on first use (or ``reset``)."""
    from pathlib import Path

    from .paths import demo_db_path

    path = demo_db_path()
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        load_demo(Session(path, create=True), date.today())
    return path


def load_demo(session: Session, anchor: date) -> tuple[Imported, date]:
    """Load the bundled demo portfolio, shifted so that ``anchor`` is its today; returns what was imported and its day."""
    from .demo import load_demo_portfolio

    portfolio = load_demo_portfolio(anchor, session.actor)
    return import_portfolio(session, portfolio), portfolio.as_of or anchor


# ----- clients, KPIs, readings, savings, assessments -------------------------------------------


def add_client(
    session: Session,
    client_id: str,
    name: str,
    tier: str,
    go_live: date,
    owner: str | None = None,
    investment: float = 0.0,
    roi_target: float = 0.0,
    contacts: Iterable[dict[str, Any]] = (),
    **complexity: Any,
) -> Client:
    """A new engagement (owner: the user unless named), with its complexity factors when given (``COMPLEXITY``:
    stakeholder_groups, cultural_change, internal_capability); returns the client model as stored."""
    from ..core.models import Client

    unknown = set(complexity) - set(COMPLEXITY)
    if unknown:
        raise UserError(f"a client has no {', '.join(sorted(unknown))}")
    client = checked(
        Client,
        id=client_id,
        name=name,
        tier=tier,
        go_live=go_live,
        owner=owner or session.actor,
        investment=investment,
        roi_target=roi_target,
        contacts=list(contacts),
        **{name: value for name, value in complexity.items() if value is not None},
    )
    with session.writing() as store:
        store.add_client(client)
    return client


# The factors a client's support intensity is calibrated from; each may be left unrecorded.
COMPLEXITY = FACTORS
EDITABLE = ("name", "owner", "investment", "roi_target", "status", "contacts", *COMPLEXITY)


@record
class ClientUpdated(Record):
    """A client's fields saved, with what changed."""

    client: str
    changed: dict[str, Any]  # field -> [before, after] (contacts: [how many before, after]; tier_changes: the history now)


def update_client(
    session: Session, client_id: str, *, tier: str | None = None, from_day: date | None = None, clear: Iterable[str] = (), **fields: Any
) -> ClientUpdated:
    """Save a client's name, owner, investment, ROI target, status, contacts or complexity factors (those given; the
    factors named in ``clear`` no longer recorded), and with ``tier`` a tier change from ``from_day`` (default: today),
    all in one transaction; refused when nothing would change."""
    with session.writing() as store, store.atomic():
        return _update_client(store, session, client_id, tier, from_day, fields, tuple(clear))


def _update_client(
    store: Store, session: Session, client_id: str, tier: str | None, from_day: date | None, fields: dict[str, Any], clear: tuple[str, ...] = ()
) -> ClientUpdated:
    from ..core.models import Client

    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise UserError(f"a client's {', '.join(sorted(unknown))} cannot be edited")
    if set(clear) - set(COMPLEXITY):
        raise UserError(f"only the complexity factors ({', '.join(COMPLEXITY)}) can be left unrecorded")
    given = {name: value for name, value in fields.items() if value is not None} | dict.fromkeys(clear)
    current = store.client(client_id, parts={"contacts", "tier_changes"})
    changes = None
    if tier is not None:
        changes = _tier_changes(current, tier, from_day or session.today)
        given["tier"] = tier
    base = current.model_dump(include={"id", "name", "tier", "go_live", "owner", "investment", "roi_target", "status", "contacts", *COMPLEXITY})
    updated = checked(Client, **{**base, **given})
    if changes is None and all(getattr(updated, name) == getattr(current, name) for name in base):
        raise UserError(f"nothing to change: {client_id} already has those values")
    changed = store.update_client(updated, changes, action="edit-client" if given.keys() - {"tier"} else "tier")
    return ClientUpdated(client_id, changed)


def _tier_changes(client: Client, tier: str, day: date) -> list[TierChange]:
    from ..core.schedule import tier_changed

    try:
        return tier_changed(client, tier, day)
    except ValueError as exc:
        raise _refused(exc) from None


@record
class TierChanged(Record):
    """A client moved to another tier from a day."""

    client: str
    previous: str
    tier: str
    from_day: date


def change_tier(session: Session, client: str, tier: str, from_day: date | None = None) -> TierChanged:
    """Move a client to ``tier`` from ``from_day`` (default: today): its touchpoints from that day follow the new tier's
    plan, those before it keep the old one, and recorded outcomes stay. One transaction, audited."""
    from ..core.schedule import tier_on

    day = from_day or session.today
    with session.writing() as store, store.atomic():
        previous = tier_on(store.client(client, parts={"tier_changes"}), day)
        _update_client(store, session, client, tier, day, {})
    return TierChanged(client, previous, tier, day)


def add_kpi(
    session: Session,
    client: str,
    key: str,
    name: str,
    category: str,
    unit: str,
    direction: str,
    baseline: float,
    target: float,
    benchmark: float | None = None,
    team: bool | None = None,
) -> Kpi:
    """A new KPI of the client; ``team`` None puts it on the team dashboard when it is a leading one."""
    from ..core.models import Kpi

    fields: dict[str, Any] = {"team": team} if team is not None else {}
    kpi = checked(
        Kpi, key=key, name=name, category=category, unit=unit, direction=direction, baseline=baseline, target=target, benchmark=benchmark, **fields
    )
    with session.writing() as store:
        store.add_kpi(client, kpi)
    return kpi


def update_kpi(session: Session, client: str, kpi_key: str, **fields: Any) -> Kpi:
    """Save the fields given of a KPI (key, name, category, unit, direction, baseline, target, benchmark, team) as
    given (a benchmark of None removes it); its readings stay. A team mark that was its category's default follows a
    new category unless ``team`` is given."""
    from ..core.models import Kpi

    with session.writing() as store, store.atomic():
        found = next((k for k in store.client(client, parts={"kpis"}).kpis if k.key == kpi_key), None)
        if found is None:
            raise UserError(f"client '{client}' has no KPI '{kpi_key}'")
        # The dump leaves ``team`` out where the category gives it, so that a new category brings its own.
        kpi = checked(Kpi, **{**found.model_dump(exclude={"readings"}), **fields})
        store.update_kpi(client, kpi_key, kpi)
    return kpi


@record
class ReadingRecorded(Record):
    """A KPI reading recorded, with the value it replaced (if any)."""

    client: str
    kpi: str
    date: date
    value: float
    replaced: float | None


def record_reading(session: Session, client: str, kpi: str, value: float, day: date | None = None, force: bool = False) -> ReadingRecorded:
    """A KPI reading inside its plausible span (the check-in's rule) unless ``force``; a second one on the same date
    replaces the first (audited)."""
    from ..core.kpis import implausible, reading_span
    from ..core.models import Reading

    entry = checked(Reading, date=day or session.today, value=value)
    with session.writing() as store, store.atomic():
        if not force:
            found = next((k for k in store.client(client, parts={"kpis"}).kpis if k.key == kpi), None)
            problem = found and implausible(entry.value, reading_span(found, entry.date))
            if problem:
                raise UserError(f"{client} {kpi}: {problem}; if it is real, record it with --force")
        old = store.add_reading(client, kpi, entry.date, entry.value)
    return ReadingRecorded(client, kpi, entry.date, entry.value, old)


def record_savings(session: Session, client: str, month: str, amount: float) -> None:
    from ..core.models import Savings

    entry = checked(Savings, month=month, amount=amount)
    with session.writing() as store:
        store.set_savings(client, entry.month, entry.amount)


@record
class Assessed(Record):
    """A health assessment recorded, with its overall score and band."""

    client: str
    date: date
    overall: float
    band: str
    replaced: bool


def record_assessment(session: Session, client: str, scores: dict[str, int], day: date | None = None, note: str | None = None) -> Assessed:
    """A health assessment (all nine sub-scores); one per client and date, a second one replaces the first."""
    from ..core.health import band_of, overall_score
    from ..core.models import Assessment, Scores

    assessment = checked(Assessment, date=day or session.today, scores=checked(Scores, **scores), note=note, author=session.actor)
    rules = session.rules
    overall = overall_score(assessment.scores, rules.weights)
    with session.writing() as store:
        replaced = store.add_assessment(client, assessment)
    return Assessed(client, assessment.date, float(overall), band_of(overall, rules.bands), replaced)


# ----- touchpoints ---------------------------------------------------------------------------


@record
class TouchpointRecorded(Record):
    """A touchpoint marked done, skipped or moved."""

    client: str
    date: date
    kind: str
    status: str
    moved_to: Date | None


def record_touchpoint(
    session: Session, client: str, day: date, status: str, kind: str | None = None, reason: str | None = None, to: date | None = None
) -> TouchpointRecorded:
    """What happened to the touchpoint standing on ``day``: done, skipped (with a reason) or moved (to a day)."""
    from ..core.schedule import move_problem, touchpoint_outcome

    if status == "skipped" and not (reason or "").strip():
        raise UserError("say why the touchpoint is skipped")
    if status == "moved" and to is not None and (problem := move_problem(to, session.today)):
        raise UserError(problem)
    with session.writing() as store, store.atomic():  # decided on what is stored under the lock, not before it
        store.refuse_recorded(client, day)
        engagement = store.client(client, parts={"assessments", "exceptions"})
        try:
            rules = store.rules
            outcome = touchpoint_outcome(engagement, day, status, kind, reason, to, rules.plans, rules.calendar, scale=rules.scale)
        except ValueError as exc:
            raise _refused(exc) from None
        store.record_exception(client, outcome)
    return TouchpointRecorded(client, day, outcome.kind, status, to)


def reopen_touchpoint(session: Session, client: str, day: date, kind: str | None = None) -> tuple[str, str]:
    """Take back the outcome of the touchpoint on ``day``; it is on the agenda again. Returns (kind, what was taken back)."""
    with session.writing() as store:
        return store.reopen_touchpoint(client, day, kind)


# ----- action items and opportunities ----------------------------------------------------------


def add_action(
    session: Session, client: str, text: str, due: date, priority: str = "medium", owner: str | None = None, source: str | None = None
) -> int:
    """An action item (owner: the client's owner unless named); returns its id."""
    from ..core.models import ActionItem

    with session.writing() as store:
        engagement = store.client(client, parts=())
        item = checked(ActionItem, text=text, due=due, priority=priority, owner=owner or engagement.owner, source=source)
        return store.add_action_item(client, item)


def complete_action(session: Session, item_id: int) -> None:
    """Close an open action item (refused when someone closed it already)."""
    with session.writing() as store:
        store.complete_action_item(item_id, session.today)


def reopen_action(session: Session, item_id: int) -> None:
    """Open a closed action item again (the undo of ``complete_action``)."""
    with session.writing() as store:
        store.reopen_action_item(item_id)


def _on_month(store: Store, client: str, opportunity: Opportunity, month: int | None) -> Opportunity:
    """The opportunity with its next action on ``month`` months after the client's go-live (core.pipeline), when given."""
    if month is None:
        return opportunity
    from ..core.pipeline import engagement_month_date

    day = engagement_month_date(store.client(client, parts=()).go_live, month)
    return opportunity.model_copy(update={"next_action_date": day})


def add_opportunity(session: Session, client: str, next_action_month: int | None = None, **fields: Any) -> int:
    """An expansion opportunity; returns its id. ``next_action_month`` N puts the next action N months after go-live."""
    from ..core.models import Opportunity

    opportunity = checked(Opportunity, **fields)
    with session.writing() as store:
        return store.add_opportunity(client, _on_month(store, client, opportunity, next_action_month))


def update_opportunity(session: Session, opportunity_id: int, opportunity: Opportunity, version: int, next_action_month: int | None = None) -> None:
    """Save an edited opportunity; refused when someone else saved it since ``version`` was read.

    ``next_action_month`` N puts the next action N months after the client's go-live.
    """
    with session.writing() as store:
        if next_action_month is not None:
            opportunity = _on_month(store, store.opportunity_client(opportunity_id), opportunity, next_action_month)
        store.update_opportunity(opportunity_id, opportunity, expected_version=version)


# ----- check-ins and drafts ----------------------------------------------------------------------


def save_draft(session: Session, client: str, day: date, kind: str, data: dict[str, Any], version: int | None, keep_both: bool = False) -> int:
    """Keep the user's check-in in progress; returns the stored draft's version.

    Refused when the stored draft moved past ``version``; with ``keep_both`` (a session going
    away) the newer stored draft stays and this one is attached to it as a recovered copy.
    """
    with session.writing() as store:
        return store.save_draft(client, day, kind, data, expected_version=version, keep_both=keep_both)


def clear_recovered(session: Session, client: str, day: date, kind: str, version: int) -> None:
    """The recovered copies of the user's draft are merged into the draft stored at ``version``: drop them."""
    with session.writing() as store:
        store.clear_recovered(client, day, kind, version)


def discard_draft(session: Session, client: str, day: date, kind: str) -> None:
    with session.writing() as store:
        store.discard_draft(client, day, kind)


def finish_checkin(
    session: Session,
    client: str,
    touchpoint_date: date,
    checkin: CheckIn,
    readings: dict[str, float],
    assessment: Assessment | None,
    actions: list[ActionItem],
    learnings: Iterable[Learning] = (),
    opportunity_id: int | None = None,
    outcome: dict[str, Any] | None = None,
    opportunity_version: int | None = None,
) -> int:
    """Store a finished check-in with all it captured in one transaction; returns its id.

    An expansion conversation (``opportunity_id``, read at ``opportunity_version``) records its
    outcome on the opportunity, refused when a teammate changed the opportunity since; any
    other check-in marks its touchpoint done, refused when it already has an outcome.
    """
    with session.writing() as store:
        if opportunity_id is not None:
            return store.record_expansion_checkin(
                client, opportunity_id, checkin, actions, outcome, learnings=learnings, expected_version=opportunity_version
            )
        return store.finish_checkin(client, checkin, readings, assessment, actions, touchpoint_date=touchpoint_date, learnings=learnings)


# ----- support tickets -----------------------------------------------------------------------------


def log_ticket(session: Session, client: str, ticket: Ticket) -> str:
    """A support ticket; returns its reference (T-n when it came without one)."""
    with session.writing() as store:
        return store.add_ticket(client, ticket)


def change_ticket(session: Session, client: str, ref: str, change: Callable[[Ticket], dict[str, Any]]) -> Ticket:
    """Apply ``change(ticket) -> fields`` to a ticket, check it and save it (refused if changed meanwhile)."""
    from ..core.models import Ticket

    with session.writing() as store:
        current, version = store.ticket(client, ref)
        updated = checked(Ticket, **{**current.model_dump(), **change(current)})
        store.update_ticket(client, updated, version)
    return updated


def resolve_ticket(session: Session, client: str, ref: str, at: datetime, first_contact: bool = False, escalated: bool = False) -> Ticket:
    from ..core.support import resolve_ticket as resolved

    def change(current: Ticket) -> dict[str, Any]:
        try:
            ticket = resolved(current, at, first_contact, escalated)
        except ValueError as exc:
            raise _refused(exc) from None
        return ticket.model_dump()

    return change_ticket(session, client, ref, change)


# ----- the practice: pulses, outcomes, advocacy, learnings, checklist, acknowledgements -------------


def record_pulse(session: Session, client: str, **fields: Any) -> None:
    """One pulse answer; a ``contact`` must be one of the client's contacts, by name."""
    from ..core.models import Pulse

    entry = checked(Pulse, **{"date": session.today, **fields})
    with session.writing() as store, store.atomic():
        if entry.contact is not None:
            names = [c.name for c in store.client(client, parts={"contacts"}).contacts]
            if entry.contact not in names:
                known = f"its contacts are {', '.join(names)}" if names else "it has no contacts (add them with edit-client --contact)"
                raise UserError(f"--contact: '{entry.contact}' is not a contact of {client}; {known}")
        store.add_pulse(client, entry)


# ----- red clients: executive escalation and the recovery plan ----------------------------------


def escalate(session: Session, client: str, to: str, reason: str, day: date | None = None) -> date:
    """Record an executive escalation of the client (audited); returns its date."""
    from ..core.models import Escalation

    if not to.strip():
        raise UserError("--to: name the executive the client is escalated to")
    if not reason.strip():
        raise UserError("--reason: say why the client is escalated")
    entry = checked(Escalation, date=day or session.today, to=to.strip(), reason=reason.strip(), by=session.actor)
    with session.writing() as store:
        store.add_escalation(client, entry)
    return entry.date


@record
class HandedOver(Record):
    """A handover recorded: the day, and the gate's unmet conditions it overrode (none when the gate was met)."""

    client: str
    date: date
    override: str | None
    overridden: tuple[str, ...]


def hand_over(session: Session, client: str, day: date | None = None, override: str | None = None) -> HandedOver:
    """Hand an active client over to its own team on ``day`` (default: today), audited.

    Only when its handover gate is met that day; otherwise UserError lists every unmet
    condition, unless ``override`` says why it is handed over anyway (recorded and shown).
    From then on the client's touchpoints follow the sustainment cadence of its plan.
    """
    from ..core.models import Handover
    from .queries import handover_gate_on

    day = day or session.today
    if override is not None and not override.strip():
        raise UserError("--reason: say why the client is handed over although its handover gate is not met")
    if day > session.today:
        raise UserError(f"--date {day} is after today ({session.today}): a handover is recorded once it has happened")
    with session.writing() as store, store.atomic():
        card = store.client(client, parts={"action_items", "checklist"})
        if card.status != "active":
            raise UserError(f"{client} is {card.status.replace('_', ' ')}, not active: only an active client can be handed over")
        if day < card.go_live:
            raise UserError(f"--date {day} is before {client}'s go-live ({card.go_live})")
        gate = handover_gate_on(store, card, day, session.rules, store.bands_on(day, client).get(client))
        if not gate.ready and override is None:
            raise UserError(
                f"{client} is not ready for handover on {day}:\n"
                + "".join(f"  - {reason}\n" for reason in gate.reasons)
                + "hand it over anyway with --override --reason TEXT (the reason is recorded)"
            )
        handover = checked(Handover, date=day, by=session.actor, override=None if gate.ready else override.strip() if override else None)
        store.hand_over(client, handover)
    return HandedOver(client, day, handover.override, () if gate.ready else tuple(gate.reasons))


@record
class RecoveryStepAdded(Record):
    """A step added to a client's recovery plan."""

    client: str
    number: int
    step: str
    due: date
    owner: str | None


def add_recovery_step(session: Session, client: str, step: str, due: date, owner: str | None = None) -> RecoveryStepAdded:
    """Add a step to the client's recovery plan (owner: the client's owner unless named); returns its number."""
    from ..core.models import RecoveryStep

    if not step.strip():
        raise UserError("a recovery step needs its text: what is to be done")
    entry = checked(RecoveryStep, added=session.today, step=step.strip(), due=due, owner=owner)
    if entry.due < entry.added:
        raise UserError(f"--due {entry.due} is before today ({entry.added}); a recovery step is due from the day it is added")
    with session.writing() as store, store.atomic():
        if entry.owner is None:
            entry = entry.model_copy(update={"owner": store.client(client, parts=()).owner})
        number = store.add_recovery_step(client, entry)
    return RecoveryStepAdded(client, number, entry.step, entry.due, entry.owner)


def complete_recovery_step(session: Session, client: str, number: int) -> str:
    """Mark step ``number`` of the client's recovery plan done today; returns the step's text."""
    if number < 1:
        raise UserError(f"the steps of a recovery plan are numbered from 1, not {number}")
    with session.writing() as store:
        return store.complete_recovery_step(client, number, session.today).step


# ----- the rollout's waves (scaling phase) ------------------------------------------------------


@record
class WaveRecorded(Record):
    """A rollout wave planned or its live count recorded."""

    client: str
    number: int
    wave: RolloutWave  # as it is stored now
    above_plan: int  # how many more are live than planned (0 when not above, or not sized)


def _recorded(client: str, number: int, wave: RolloutWave) -> WaveRecorded:
    over = wave.live - wave.planned if wave.planned is not None and wave.live > wave.planned else 0
    return WaveRecorded(client, number, wave, over)


def _wave_number(number: int) -> None:
    if number < 1:
        raise UserError(f"the waves of a rollout are numbered from 1, not {number}")


def _planned(planned: int | None) -> None:
    if planned is not None and planned < 1:
        raise UserError(f"--planned {planned}: a wave brings in at least 1 (leave --planned out while it is not sized)")


def add_rollout_wave(
    session: Session, client: str, name: str, planned: int | None = None, planned_date: date | None = None, unit: str | None = None
) -> WaveRecorded:
    """Add a wave to the client's rollout (unit: that of its waves, else users); returns its number, audited."""
    from ..core.models import RolloutWave

    if not name.strip():
        raise UserError("a rollout wave needs a name")
    _planned(planned)
    with session.writing() as store, store.atomic():
        unit = unit.strip() if unit is not None else store.rollout_unit(client) or "users"
        wave = checked(RolloutWave, name=name.strip(), unit=unit, planned=planned, planned_date=planned_date)
        number = store.add_rollout_wave(client, wave)
    return _recorded(client, number, wave)


def record_wave_live(session: Session, client: str, number: int, live: int, day: date | None = None) -> WaveRecorded:
    """How many of wave ``number`` are live, counted on ``day`` (default: today; not a day to come), audited. A count
    above the wave's plan is kept (more joined than planned): ``above_plan`` says by how many."""
    from ..core.models import RolloutWave

    _wave_number(number)
    if live < 0:
        raise UserError(f"a live count is 0 or more, not {live}")
    when = day or session.today
    if when > session.today:
        raise UserError(f"--date {when} is after today ({session.today}): a live count is of a day that has come")
    checked(RolloutWave, name="wave", live=live, live_on=when)
    with session.writing() as store:
        wave = store.update_rollout_wave(client, number, "rollout-live", live=live, live_on=when)
    return _recorded(client, number, wave)


def plan_rollout_wave(session: Session, client: str, number: int, planned: int, planned_date: date | None = None) -> WaveRecorded:
    """Size wave ``number`` again: its planned count (and, when given, its planned day), audited."""
    from ..core.models import RolloutWave

    _wave_number(number)
    _planned(planned)
    checked(RolloutWave, name="wave", planned=planned, planned_date=planned_date)
    fields: dict[str, Any] = {"planned": planned} if planned_date is None else {"planned": planned, "planned_date": planned_date}
    with session.writing() as store:
        wave = store.update_rollout_wave(client, number, "rollout-plan", **fields)
    return _recorded(client, number, wave)


def record_outcome(session: Session, client: str, kind: str, note: str | None = None, day: date | None = None) -> date:
    from ..core.models import Outcome

    entry = checked(Outcome, date=day or session.today, kind=kind, note=note)
    with session.writing() as store:
        store.add_outcome(client, entry)
    return entry.date


def add_referral(session: Session, client: str, prospect: str, converted: bool = False, note: str | None = None, day: date | None = None) -> int:
    from ..core.models import Referral

    entry = checked(Referral, date=day or session.today, prospect=prospect, became_engagement=converted, note=note)
    with session.writing() as store:
        return store.add_referral(client, entry)


def convert_referral(session: Session, referral_id: int, converted: bool = True) -> str:
    """Mark whether a referral became an engagement; returns the client who referred."""
    with session.writing() as store:
        return store.convert_referral(referral_id, converted)


def testimonial(session: Session, client: str, answer: str, day: date | None = None) -> None:
    """Ask for a testimonial (``ask``) or record the answer (``given``, ``declined``)."""
    with session.writing() as store:
        if answer == "ask":
            store.request_testimonial(client, day or session.today)
        else:
            store.answer_testimonial(client, answer, day or session.today)


def record_learning(
    session: Session,
    client: str,
    what: str,
    decision: bool = False,
    why: str = "",
    who: str | None = None,
    day: date | None = None,
    source: str | None = None,
) -> str:
    from ..core.models import Learning

    entry = checked(
        Learning, date=day or session.today, kind="decision" if decision else "lesson", what=what, why=why, who=who or session.actor, source=source
    )
    with session.writing() as store:
        store.add_learning(client, entry)
    return entry.kind


def tick_checklist(session: Session, client: str, key: str, done: bool, note: str | None = None) -> None:
    from ..core.handover import default_checklist

    with session.writing() as store:
        store.check_item(client, key, done, session.today, default_checklist(), note)


def add_checklist_item(session: Session, client: str, key: str, label: str) -> None:
    from ..core.handover import default_checklist
    from ..core.models import ChecklistItem

    item = checked(ChecklistItem, key=key, label=label)
    with session.writing() as store:
        store.add_checklist_item(client, item, default_checklist())


def remove_checklist_item(session: Session, client: str, key: str) -> None:
    from ..core.handover import default_checklist

    with session.writing() as store:
        store.remove_checklist_item(client, key, default_checklist())


def acknowledge(session: Session, finding: str, until: date, reason: str) -> dict[str, Any] | None:
    """Silence a `check` finding until a day (audited); returns the acknowledgement it replaced, if any."""
    from ..core.alerts import parse_finding_id
    from ..core.models import text_problem

    finding = finding.strip()
    try:
        rule, client, subject = parse_finding_id(finding)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    reason = reason.strip()
    if not reason:
        raise UserError("--reason: say why the finding can wait")
    problem = text_problem(reason)
    if problem:
        raise UserError(f"--reason: {problem}")
    if len(reason) > 2000:
        raise UserError("--reason: must be plain text of at most 2000 characters")
    if until < session.today:
        raise UserError(f"--until {until} is in the past (today is {session.today})")
    with session.writing() as store:
        store.require_client(client)
        if rule == "kpi-backsliding" and subject not in {k.key for k in store.client(client, parts={"kpis"}).kpis}:
            raise UserError(f"client '{client}' has no KPI '{subject}'")
        # (parse_finding_id makes sure an action-overdue finding names its item by number)
        if rule == "action-overdue" and int(subject or 0) not in {a["id"] for a in store.open_action_items() if a["client"] == client}:
            raise UserError(f"client '{client}' has no open action item {subject}")
        return store.acknowledge(finding, client, until, reason)


def doctor(session: Session, fix: bool = False) -> tuple[dict[str, Any], list[str]]:
    """What state the database file is in (see store.doctor), after mending what can be mended when ``fix``."""
    from ..store.doctor import examine
    from ..store.doctor import fix as mend

    done = mend(session.db_path) if fix else []
    return examine(session.db_path), done


def import_readings(
    session: Session, raw: bytes, label: str, force: bool = False, sep: str | None = None, decimal: str | None = None
) -> dict[str, int]:
    """KPI readings from CSV bytes, checked whole (each inside its KPI's plausible span unless ``force``), then
    written in one transaction; returns the counts. ``sep`` and ``decimal``: as the file has them (default: told
    from the file)."""
    from ..core.kpis import reading_span
    from .feeds import parse_readings_csv

    with session.writing() as store, store.atomic():
        kpis = {c.id: {k.key: None if force else reading_span(k, session.today) for k in c.kpis} for c in store.clients(parts={"kpis"})}
        rows = parse_readings_csv(raw, label, kpis, sep, decimal)
        return store.import_readings(rows, source=label)
