"""`carebench check` and `ack`: the alert rules at their edges (in-process), then the commands end to end.

Expected findings on the fixed-date portfolio of conftest.py, as of 2026-06-15:
  acme   red since Fri 2026-06-05, no recovery done on 06-11 or 06-12  -> red-no-recovery:acme (high)
         neither an escalation nor a recovery plan after 3 working days -> red-unattended:acme (high)
  beta   yellow, intervention of 06-08 overdue                       -> intervention-overdue:beta (medium)
         biweekly of 06-10 overdue                                   -> missed-touchpoint:beta:biweekly (medium)
         "Fix the report export" (high) due 06-12, action item 2     -> action-overdue:beta:2 (high)
         fcr was already backsliding on 06-08: not *newly* backsliding
  cobalt monthly of 06-02 overdue                                    -> missed-touchpoint:cobalt:monthly (medium)
         last assessed 05-04, 42 days before                          -> stale-health:cobalt (low)
         day 134 but its handover gate is met (green, 1 of 1 KPI on target, no open high item)
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from carebench.core import alerts
from carebench.core.alerts import CheckSettings, Finding, annotate, counts, failing, parse_finding_id, settings_from
from carebench.core.models import Client, Portfolio
from conftest import ACTOR

D = date(2026, 6, 15)
# Most severe first, then by client, then in the order the rules run.
EXPECTED = [
    ("red-no-recovery:acme", "high"),
    ("red-unattended:acme", "high"),
    ("action-overdue:beta:2", "high"),
    ("missed-touchpoint:beta:biweekly", "medium"),
    ("intervention-overdue:beta", "medium"),
    # Beta's weekly series ended on day 30 as planned, but beta has not passed its gate since: it goes on, held.
    ("step-down-held:beta:weekly", "medium"),
    ("missed-touchpoint:cobalt:monthly", "medium"),
    ("missed-touchpoint:beta:weekly", "low"),
    ("stale-health:cobalt", "low"),
]


@pytest.fixture
def clients(make_portfolio) -> dict[str, Client]:
    return {c.id: c for c in Portfolio.model_validate(make_portfolio()).clients}


def ids(findings) -> list[str]:
    return [f.id for f in findings]


def with_exception(client: Client, day: str, kind: str, status: str = "done") -> Client:
    from carebench.core.models import TouchpointException

    extra = TouchpointException(date=date.fromisoformat(day), kind=kind, status=status, reason="x" if status == "skipped" else None)
    return client.model_copy(update={"exceptions": [*client.exceptions, extra]})


# ----- rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, days, expected",
    [
        ("2026-06-08", 2, []),  # Monday: no working day after the Friday assessment has passed
        ("2026-06-09", 2, []),  # only Monday has passed
        ("2026-06-09", 1, ["red-no-recovery:acme"]),  # one working day is enough with recovery_days = 1
        ("2026-06-10", 2, ["red-no-recovery:acme"]),  # Monday and Tuesday passed without a recovery call
        ("2026-06-15", 2, ["red-no-recovery:acme"]),
    ],
)
def test_red_without_recovery_waits_for_the_working_days(clients, day, days, expected):
    assert ids(alerts.red_without_recovery(clients["acme"], date.fromisoformat(day), days)) == expected


@pytest.mark.parametrize(
    "done_on, expected",
    [
        ("2026-06-09", []),  # inside the two working days before 06-10
        ("2026-06-10", []),  # done on the check day itself
        # On 06-08 the (skipped) weekly review stands, covering the recovery call: no recovery was held that day.
        ("2026-06-08", ["red-no-recovery:acme"]),
    ],
)
def test_a_done_recovery_call_clears_the_finding(clients, done_on, expected):
    acme = with_exception(clients["acme"], done_on, "recovery")
    assert ids(alerts.red_without_recovery(acme, date(2026, 6, 10))) == expected


def test_a_done_review_covering_the_recovery_call_counts(clients):
    acme = clients["acme"].model_copy(update={"exceptions": [e for e in clients["acme"].exceptions if e.kind != "weekly"]})
    # The weekly of 06-15 stands on a recovery day and covers it: done, it clears 06-15's check.
    acme = with_exception(acme, "2026-06-15", "weekly")
    assert alerts.red_without_recovery(acme, D) == []


def test_only_red_clients_need_recovery_calls(clients):
    assert alerts.red_without_recovery(clients["beta"], D) == []
    assert alerts.red_without_recovery(clients["cobalt"], D) == []


def test_missed_reviews_one_finding_per_kind_with_severity_by_kind(clients):
    found = alerts.missed_touchpoints(clients["beta"], D)
    assert [(f.id, f.severity) for f in found] == [("missed-touchpoint:beta:biweekly", "medium"), ("missed-touchpoint:beta:weekly", "low")]
    assert "biweekly performance review is overdue (due 2026-06-10)" in found[0].message
    cobalt = alerts.missed_touchpoints(clients["cobalt"], D)
    assert [(f.id, f.severity) for f in cobalt] == [("missed-touchpoint:cobalt:monthly", "medium")]
    # acme only misses daily and recovery touchpoints (and its weekly was skipped): no review finding.
    assert alerts.missed_touchpoints(clients["acme"], D) == []


def test_missed_quarterly_is_high_and_weekly_low(clients):
    cobalt = clients["cobalt"].model_copy(update={"exceptions": []})  # the 05-04 QBR was never done
    found = {f.id: f.severity for f in alerts.missed_touchpoints(cobalt, date(2026, 5, 5))}
    assert found["missed-touchpoint:cobalt:quarterly"] == "high"
    acme = clients["acme"].model_copy(update={"exceptions": []})  # weekly of 06-08 not skipped now
    assert {f.id: f.severity for f in alerts.missed_touchpoints(acme, date(2026, 6, 9))} == {"missed-touchpoint:acme:weekly": "low"}


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-06-08", []),  # the intervention is due today, not overdue
        ("2026-06-09", ["intervention-overdue:beta"]),
        ("2026-06-15", ["intervention-overdue:beta"]),
    ],
)
def test_intervention_overdue_for_yellow_clients(clients, day, expected):
    assert ids(alerts.intervention_overdue(clients["beta"], date.fromisoformat(day))) == expected


def test_intervention_done_clears_it(clients):
    beta = with_exception(clients["beta"], "2026-06-08", "intervention")
    assert alerts.intervention_overdue(beta, date(2026, 6, 12)) == []


@pytest.mark.parametrize(
    "day, lookback, expected",
    [
        ("2026-06-01", 7, ["kpi-backsliding:beta:fcr"]),  # 70 on 06-01 after a peak of 85: newly backsliding
        ("2026-06-07", 7, ["kpi-backsliding:beta:fcr"]),  # 7 days earlier (05-31) it was not yet
        ("2026-06-08", 7, []),  # 7 days earlier (06-01) it already was
        ("2026-06-15", 7, []),
        ("2026-06-15", 15, ["kpi-backsliding:beta:fcr"]),  # compared with 05-31
        ("2026-05-31", 7, []),
    ],
)
def test_newly_backsliding(clients, day, lookback, expected):
    assert ids(alerts.newly_backsliding(clients["beta"], date.fromisoformat(day), lookback)) == expected


def test_backsliding_message_names_the_gain_kept(clients):
    (finding,) = alerts.newly_backsliding(clients["beta"], date(2026, 6, 1))
    assert finding.message == ("Beta Health: First contact resolution is slipping back: 70% now keeps 40% of the gain it had at its best (85%)")


@pytest.mark.parametrize("go_live_offset, expected", [(88, []), (89, ["handover-gate:acme"]), (200, ["handover-gate:acme"])])
def test_handover_gate_from_day_90(clients, go_live_offset, expected):
    # go-live 89 days before the check day is day 90
    acme = clients["acme"].model_copy(update={"go_live": D - timedelta(days=go_live_offset)})
    assert ids(alerts.handover_due(acme, D)) == expected


def test_handover_gate_met_raises_nothing(clients):
    assert alerts.handover_due(clients["cobalt"], D) == []
    assert ids(alerts.handover_due(clients["cobalt"], D, handover_day=200)) == []
    (finding,) = alerts.handover_due(clients["beta"], D, handover_day=61)
    assert "band is yellow, needs green" in finding.message and "1 high-priority action item open" in finding.message


@pytest.mark.parametrize(
    "due, priority, expected",
    [
        ("2026-06-15", "high", []),  # due today: not overdue yet
        ("2026-06-14", "high", [("action-overdue:acme:7", "high")]),
        ("2026-06-01", "medium", [("action-overdue:acme:7", "medium")]),
        ("2026-06-01", "low", [("action-overdue:acme:7", "low")]),
    ],
)
def test_overdue_actions_take_their_priority_as_severity(due, priority, expected):
    item = {"id": 7, "client": "acme", "client_name": "Acme", "text": "Do it", "due": due, "priority": priority, "owner": "ana"}
    found = alerts.overdue_actions([item], D)
    assert [(f.id, f.severity) for f in found] == expected


@pytest.mark.parametrize("age, stale_days, expected", [(30, 30, []), (31, 30, ["stale-health:cobalt"]), (42, 45, [])])
def test_stale_health_edges(clients, age, stale_days, expected):
    assert ids(alerts.stale_health(clients["cobalt"], date(2026, 5, 4) + timedelta(days=age), stale_days)) == expected


@pytest.mark.parametrize("age, expected", [(30, []), (31, ["stale-health:acme"])])
def test_never_assessed_counts_from_go_live(clients, age, expected):
    acme = clients["acme"].model_copy(update={"assessments": []})
    found = alerts.stale_health(acme, acme.go_live + timedelta(days=age))
    assert ids(found) == expected
    if found:
        assert "never assessed, 31 days after go-live" in found[0].message


def test_run_checks_on_the_fixed_portfolio(clients):
    open_actions = [
        {
            "id": 2,
            "client": "beta",
            "client_name": "Beta Health",
            "text": "Fix the report export",
            "due": "2026-06-12",
            "priority": "high",
            "owner": "bob",
        }
    ]
    found = alerts.run_checks(clients.values(), open_actions, D)
    assert [(f.id, f.severity) for f in found] == EXPECTED


def test_a_series_held_past_the_rules_days_is_a_finding(clients):
    beta = clients["beta"]
    # Held from 1 May (day 31): fourteen days are allowed, the fifteenth is a finding.
    assert alerts.held_too_long(beta, date(2026, 5, 14)) == []
    [finding] = alerts.held_too_long(beta, date(2026, 5, 15))
    assert finding.id == "step-down-held:beta:weekly" and finding.severity == "medium"
    assert finding.message == "Beta Health is held at weekly: 1 of 2 KPIs on target (50%), needs 80%, for 15 days since 2026-05-01 (more than 14)"


def test_inactive_clients_are_not_checked(clients):
    acme = clients["acme"].model_copy(update={"status": "handed_over"})
    assert alerts.run_checks([acme], [], D) == []


# ----- settings, ids, acknowledgements ------------------------------------------------


def test_settings_defaults_and_overrides():
    assert settings_from({}) == CheckSettings(recovery_days=2, stale_days=30, handover_day=90, backsliding_days=7)
    assert settings_from({"stale_days": 14}).stale_days == 14


@pytest.mark.parametrize(
    "table, message",
    [
        ({"stale_days": 0}, "stale_days: must be at least 1 (got 0)"),
        ({"recovery_days": "2"}, "recovery_days: must be a whole number"),
        ({"recovery_days": 1.5}, "recovery_days: must be a whole number"),
        ({"handover_day": True}, "handover_day: must be a whole number"),
        ({"stale_dayz": 3}, "stale_dayz: unknown setting"),
        (3, "must be a table"),
    ],
)
def test_bad_settings_name_the_key(table, message):
    with pytest.raises(ValueError) as info:
        settings_from(table)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("red-no-recovery:acme", ("red-no-recovery", "acme", None)),
        ("missed-touchpoint:acme:quarterly", ("missed-touchpoint", "acme", "quarterly")),
        ("kpi-backsliding:beta:fcr", ("kpi-backsliding", "beta", "fcr")),
        ("action-overdue:beta:12", ("action-overdue", "beta", "12")),
    ],
)
def test_finding_ids_parse(text, parsed):
    assert parse_finding_id(text) == parsed


@pytest.mark.parametrize(
    "text, message",
    [
        ("acme", "is not a finding id"),
        ("red-no-recovery:", "is not a finding id"),
        ("red-no-recovery:Acme", "is not a finding id"),
        ("nope:acme", "unknown rule 'nope'"),
        ("missed-touchpoint:acme", "name a kind after the client"),
        ("action-overdue:acme", "name an action item id after the client (action-overdue:acme:ID)"),
        ("missed-touchpoint:acme:daily", "must be one of quarterly, monthly, retrospective, biweekly, weekly"),
        ("action-overdue:acme:first", "by its number"),
        ("stale-health:acme:x", "nothing after the client"),
    ],
)
def test_bad_finding_ids_are_explained(text, message):
    with pytest.raises(ValueError) as info:
        parse_finding_id(text)
    assert message in str(info.value)


def test_acknowledged_until_the_day_inclusive():
    finding = Finding(id="red-no-recovery:acme", severity="high", rule="red-no-recovery", client="acme", message="m")
    ack = {"red-no-recovery:acme": {"until": "2026-06-15", "reason": "away", "by": "ana"}}
    (row,) = annotate([finding], ack, D)
    assert row["acknowledged"] and row["ack"] == {"until": "2026-06-15", "reason": "away", "by": "ana"}
    (row,) = annotate([finding], ack, D + timedelta(days=1))
    assert not row["acknowledged"] and row["ack"] is None


def test_counts_and_failing_ignore_acknowledged_findings():
    rows = [{"severity": "high", "acknowledged": True}, {"severity": "medium", "acknowledged": False}, {"severity": "low", "acknowledged": False}]
    assert counts(rows) == {"high": 0, "medium": 1, "low": 1, "acknowledged": 1, "total": 3}
    assert not failing(rows, "high")
    assert failing(rows, "medium") and failing(rows, "low")
    assert not failing([], "low")


# ----- commands ----------------------------------------------------------------------------


def test_check_json(fresh):
    run, db = fresh
    result = run("check", "--date", "2026-06-15", "--json", db=db)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["date"] == "2026-06-15"
    assert [(f["id"], f["severity"]) for f in data["findings"]] == EXPECTED
    for finding in data["findings"]:
        assert set(finding) == {"id", "severity", "rule", "client", "message", "acknowledged", "ack"}
        assert finding["id"].startswith(f"{finding['rule']}:{finding['client']}")
        assert finding["acknowledged"] is False and finding["ack"] is None
    assert data["counts"] == {"high": 3, "medium": 4, "low": 2, "acknowledged": 0, "total": 9}


@pytest.mark.parametrize(
    "args, code",
    [
        ([], 1),
        (["--fail-on", "low"], 1),
        (["--owner", "bob", "--fail-on", "high"], 1),
        # On 06-09 acme has been red for one working day only; cobalt's monthly is overdue (medium), its health stale (low).
        (["--date", "2026-06-09", "--owner", "ana", "--fail-on", "high"], 0),
        (["--date", "2026-06-09", "--owner", "ana", "--fail-on", "medium"], 1),
        (["--date", "2026-06-09", "--owner", "ana"], 0),
    ],
)
def test_check_exit_codes(fresh, args, code):
    run, db = fresh
    result = run("check", *(args if "--date" in args else ["--date", "2026-06-15", *args]), db=db)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_check_text_output(fresh):
    run, db = fresh
    result = run("check", "--date", "2026-06-15", "--owner", "ana", db=db)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("high    red-no-recovery:acme  Acme Logistics is red (5.2 since 2026-06-05)")
    assert lines[1].startswith("high    red-unattended:acme  Acme Logistics has been red since 2026-06-05 and after 3 working days")
    assert lines[-1] == "2026-06-15: 4 findings need attention (2 high, 1 medium, 1 low), 0 acknowledged"
    quiet = run("check", "--date", "2026-06-15", "--owner", "nobody", db=db)
    assert quiet.returncode == 0 and quiet.stdout == "2026-06-15: nothing needs attention\n"


def test_ack_flow(fresh):
    run, db = fresh
    assert run("check", "--date", "2026-06-15", db=db).returncode == 1
    first = run.ok(
        "--date", "2026-06-15", "ack", "red-no-recovery:acme", "--until", "2026-06-16", "--reason", "CIO on leave <until> Wednesday", db=db
    )
    assert first.stdout == "acknowledged red-no-recovery:acme until 2026-06-16\n"
    run.ok("--date", "2026-06-15", "ack", "action-overdue:beta:2", "--until", "2026-06-15", "--reason", "done", db=db)
    assert run("check", "--date", "2026-06-15", db=db).returncode == 1, "acme still has neither an escalation nor a recovery plan"
    run.ok("--date", "2026-06-15", "escalate", "acme", "--to", "Dana Reyes (CIO)", "--reason", "Adoption stalled", db=db)
    result = run("check", "--date", "2026-06-15", "--json", db=db)
    assert result.returncode == 0, "both high findings are acknowledged and acme is escalated"
    data = json.loads(result.stdout)
    acked = {f["id"]: f for f in data["findings"] if f["acknowledged"]}
    assert acked["red-no-recovery:acme"]["ack"] == {"until": "2026-06-16", "reason": "CIO on leave <until> Wednesday", "by": ACTOR}
    assert data["counts"] == {"high": 0, "medium": 4, "low": 2, "acknowledged": 2, "total": 8}
    assert run("check", "--date", "2026-06-15", "--fail-on", "medium", db=db).returncode == 1
    # The acknowledgement of action-overdue:beta:2 ran out on the 15th; the one of acme on the 16th.
    assert run("check", "--date", "2026-06-16", db=db).returncode == 1
    later = json.loads(run("check", "--date", "2026-06-17", "--json", db=db).stdout)
    assert later["counts"]["acknowledged"] == 0
    # Acknowledging again replaces; both are in the audit trail.
    again = run.ok("--date", "2026-06-15", "ack", "red-no-recovery:acme", "--until", "2026-06-30", "--reason", "x", db=db)
    assert "replacing the acknowledgement until 2026-06-16" in again.stdout
    log = run.json("log", "--client", "acme", "--json", db=db)
    acks = [entry for entry in log if entry["action"] == "ack"]
    assert [a["detail"]["until"] for a in acks] == ["2026-06-30", "2026-06-16"]
    assert acks[0]["actor"] == ACTOR and acks[0]["detail"]["finding"] == "red-no-recovery:acme"


def test_an_id_not_raised_yet_can_be_acknowledged(fresh):
    run, db = fresh
    run.ok("--date", "2026-06-15", "ack", "kpi-backsliding:beta:handle_time", "--until", "2026-07-01", "--reason", "seasonal", db=db)
    run.ok("--date", "2026-06-15", "ack", "missed-touchpoint:acme:quarterly", "--until", "2026-07-01", "--reason", "r", db=db)


@pytest.mark.parametrize(
    "args, message",
    [
        (["acme"], "'acme' is not a finding id"),
        (["red-no-recovery:ghost"], "unknown client 'ghost'"),
        (["kpi-backsliding:beta:nps"], "client 'beta' has no KPI 'nps'"),
        (["action-overdue:cobalt:4"], "client 'cobalt' has no open action item 4"),  # item 4 is done
        (["red-no-recovery:acme", "--until", "2026-06-14"], "--until 2026-06-14 is in the past (today is 2026-06-15)"),
        (["red-no-recovery:acme", "--reason", " "], "--reason: say why"),
    ],
)
def test_ack_refuses_bad_input(fresh, dump_db, args, message):
    run, db = fresh
    before = dump_db(db)
    full = [*args]
    if "--until" not in full:
        full += ["--until", "2026-06-20"]
    if "--reason" not in full:
        full += ["--reason", "because"]
    result = run("--date", "2026-06-15", "ack", *full, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump_db(db) == before


@pytest.mark.parametrize(
    "config, message",
    [
        ("[check]\nstale_days = 0\n", "[check] stale_days: must be at least 1 (got 0)"),
        ('[check]\nrecovery_days = "two"\n', "[check] recovery_days: must be a whole number"),
        ("[check]\nstale_dayz = 3\n", "[check] stale_dayz: unknown setting"),
        ("[check\n", "not valid TOML"),
        ("check = 3\n", "[check] must be a table"),
    ],
)
def test_invalid_config_is_one_line_naming_file_and_key(fresh, config, message):
    run, db = fresh
    path = run.home / ".config" / "carebench" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config, encoding="utf-8")
    result = run("check", "--date", "2026-06-15", db=db)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: {message}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_config_thresholds_apply(fresh):
    run, db = fresh
    path = run.home / ".config" / "carebench" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[ui]\ntheme = 'x'\n\n[check]\nstale_days = 50\nrecovery_days = 6\nhandover_day = 61\n", encoding="utf-8")
    data = json.loads(run("check", "--date", "2026-06-15", "--json", db=db).stdout)
    found = {f["id"] for f in data["findings"]}
    assert "stale-health:cobalt" not in found  # 42 days < 50
    assert "red-no-recovery:acme" not in found  # only 5 working days since the assessment
    assert "handover-gate:beta" in found  # day 76 >= 61


def test_reports_load_no_ui_and_no_calendar_library():
    import subprocess
    import sys

    def loaded(code: str) -> set[str]:
        out = subprocess.run(
            [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"], capture_output=True, text=True, check=True
        )
        return {m.split(".")[0] for m in json.loads(out.stdout.strip().splitlines()[-1])}

    reports = loaded(
        "import carebench.cli, carebench.reports.build, carebench.reports.digest, "
        "carebench.app.settings, carebench.app.feeds, carebench.reports.render_html"
    )
    assert "textual" not in reports and "icalendar" not in reports
