"""`carebench check`: the user's thresholds from config.toml, the findings of the alert rules and their acknowledgements."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

from ..core.alerts import DEFAULT_SETTINGS, CheckSettings, annotate, counts, run_checks, settings_from
from ..app.inputs import UserError
from ..store import Store
from ..views import DEFAULT_RULES, Rules

MAX_CONFIG_BYTES = 1 << 20  # the largest config.toml carebench reads
CHECK_PARTS = frozenset({"kpis", "readings", "assessments", "exceptions", "action_items", "tickets", "checklist"})


def config_path() -> Path:
    from ..app.paths import config_dir

    return config_dir() / "config.toml"


def load_settings(path: Path | None = None) -> CheckSettings:
    """The [check] table of the user's config.toml (defaults when the file or the table is absent)."""
    from ..store.files import read_capped

    path = path or config_path()
    if not path.exists():
        return DEFAULT_SETTINGS
    try:
        text = read_capped(path, MAX_CONFIG_BYTES, "a settings file").decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    try:
        return settings_from(data.get("check", {}))
    except ValueError as exc:
        raise UserError(f"{path}: [check] {exc}") from None


def check_view(store: Store, day: date, owner: str | None = None, settings: CheckSettings = DEFAULT_SETTINGS,
               rules: Rules = DEFAULT_RULES) -> dict:
    """What needs attention on ``day``: {"date", "findings": [...], "counts": {...}} (see docs/check.md)."""
    clients = store.clients(parts=CHECK_PARTS, active_only=True, owner=owner)
    actions = [a for a in store.open_action_items(owner=owner) if a["due"] < day.isoformat()]
    # Ticket ages are measured from now on the real today, from the end of the day for any other day.
    now = datetime.now() if day == date.today() else None
    findings = run_checks(clients, actions, day, settings, rules.plans, rules.calendar, rules.retained_threshold, now=now)
    rows = annotate(findings, store.acknowledgements(), day)
    return {"date": day.isoformat(), "findings": rows, "counts": counts(rows)}
