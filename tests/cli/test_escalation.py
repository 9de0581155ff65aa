"""Red clients' executive escalations and recovery plans; contacts' kinds, pulses linked to contacts, champions.

On the fixed-date portfolio of conftest.py acme (go-live 2026-06-01, contact Dana Smith, CIO) is red from its
assessment of Friday 2026-06-05. With the bundled three working days, `check` raises red-unattended:acme from
Thursday 06-11 on (Mon 06-08, Tue 06-09 and Wed 06-10 have passed), unless an escalation or a recovery step
was recorded since 06-05.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from carebench.core import alerts
from carebench.core.calendar import WorkCalendar
from carebench.core.models import Client, Contact, Escalation, Portfolio, Pulse, RecoveryStep
from carebench.core.practice import advocates, champion_missing, promoters
from carebench.core.rules import RulesProblem, read_rules
from conftest import rendered, schema_at, settle

RED_FRIDAY = date(2026, 6, 5)


@pytest.fixture
def acme(make_portfolio) -> Client:
    return next(c for c in Portfolio.model_validate(make_portfolio()).clients if c.id == "acme")


def unattended(client: Client, day: str, working_days: int = 3, calendar: WorkCalendar | None = None) -> bool:
    found = alerts.red_unattended(client, date.fromisoformat(day), working_days, calendar or WorkCalendar())
    return [f.id for f in found] == ["red-unattended:acme"]


# ----- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-06-05", False),  # the day it turned red
        ("2026-06-08", False),  # Monday: the weekend does not count, no working day has passed
        ("2026-06-10", False),  # Mon and Tue have passed: two
        ("2026-06-11", True),  # Mon, Tue, Wed: three working days with neither
        ("2026-06-15", True),
    ],
)
def test_red_for_exactly_n_working_days_across_a_weekend(acme, day, expected):
    assert unattended(acme, day) is expected


def test_a_holiday_is_not_a_working_day(acme):
    holiday = WorkCalendar(holidays=frozenset({date(2026, 6, 9)}))
    assert not unattended(acme, "2026-06-11", calendar=holiday), "Mon and Wed only: Tuesday was a holiday"
    assert unattended(acme, "2026-06-12", calendar=holiday)


def test_the_number_of_working_days_is_the_rules(acme):
    assert unattended(acme, "2026-06-09", working_days=1)
    assert not unattended(acme, "2026-06-11", working_days=4)


def test_an_escalation_or_a_recovery_step_since_it_turned_red_answers_it(acme):
    escalated = acme.model_copy(update={"escalations": [Escalation(date=date(2026, 6, 11), to="Dana Smith", reason="stalled")]})
    assert not unattended(escalated, "2026-06-11")
    assert unattended(escalated, "2026-06-10") is False  # not yet due either way
    planned = acme.model_copy(update={"recovery": [RecoveryStep(added=date(2026, 6, 12), step="Retrain", due=date(2026, 6, 19))]})
    assert unattended(planned, "2026-06-11"), "a step added later does not count on an earlier day"
    assert not unattended(planned, "2026-06-12")
    old = acme.model_copy(update={"escalations": [Escalation(date=date(2026, 6, 4), to="Dana Smith", reason="earlier")]})
    assert unattended(old, "2026-06-11"), "an escalation before the client turned red belongs to another spell"


def test_red_since_is_the_first_of_the_red_assessments_in_a_row(acme):
    red = acme.assessments[-1]
    later = red.model_copy(update={"date": date(2026, 6, 12)})
    client = acme.model_copy(update={"assessments": [*acme.assessments, later]})
    assert alerts.red_since(client, date(2026, 6, 15)) == RED_FRIDAY


def test_not_red_is_never_unattended(make_portfolio):
    clients = {c.id: c for c in Portfolio.model_validate(make_portfolio()).clients}
    assert alerts.red_unattended(clients["beta"], date(2026, 6, 30)) == []


# ----- the rules key ---------------------------------------------------------------------------


def test_rules_key_is_read_and_checked():
    assert read_rules("[escalation]\nred_working_days = 5\n").red_working_days == 5
    assert read_rules("").red_working_days == 3
    for bad in ("0", "61", "2.5", '"three"', "true"):
        with pytest.raises(RulesProblem, match=r"rules>:2: escalation.red_working_days: must be a whole number of working days from 1 to 60"):
            read_rules(f"[escalation]\nred_working_days = {bad}\n")
    with pytest.raises(RulesProblem, match="is not a field|not a rule|known"):
        read_rules("[escalation]\nred_days = 3\n")


def test_rules_export_carries_the_key(fresh):
    run, db = fresh
    text = run.ok("rules", "export", db=db).stdout
    assert read_rules(text).red_working_days == 3
    assert "[escalation]" in text and "\nred_working_days = 3\n" in text


def test_imported_rules_move_the_check(fresh, tmp_path):
    run, db = fresh
    rules = tmp_path / "rules.toml"
    rules.write_text("[escalation]\nred_working_days = 8\n", encoding="utf-8")
    run.ok("rules", "import", rules, db=db)
    data = json.loads(run("check", "--date", "2026-06-15", "--json", db=db).stdout)
    assert "red-unattended:acme" not in {f["id"] for f in data["findings"]}


# ----- contacts' kinds, pulses' contacts ------------------------------------------------------


@pytest.mark.parametrize(
    "role, kind",
    [
        ("Executive Sponsor", "sponsor"),
        ("Change champion", "champion"),
        ("Power user", "power_user"),
        ("Super user", "power_user"),
        ("CIO", "other"),
        (None, "other"),
    ],
)
def test_a_contact_without_a_kind_takes_the_one_its_role_names(role, kind):
    assert Contact.model_validate({"name": "x", "role": role}).kind == kind


def test_a_stated_kind_wins_and_an_unknown_one_is_refused():
    assert Contact(name="x", role="CIO", kind="champion").kind == "champion"
    with pytest.raises(ValueError):
        Contact.model_validate({"name": "x", "kind": "boss"})


def test_promoters_and_champions(acme):
    contacts = [Contact(name="Dana Smith", role="CIO"), Contact(name="Kim Lee", role="Ops lead", kind="champion")]
    pulses = [
        Pulse(date=date(2026, 6, 1), respondent="Dana", recommend=6, satisfaction=3, contact="Dana Smith"),
        Pulse(date=date(2026, 6, 10), respondent="Dana", recommend=9, satisfaction=4, contact="Dana Smith"),
        Pulse(date=date(2026, 6, 10), respondent="someone", recommend=10, satisfaction=5),
    ]
    client = acme.model_copy(update={"contacts": contacts, "pulses": pulses})
    assert promoters(client, date(2026, 6, 5)) == set()
    assert promoters(client, date(2026, 6, 15)) == {"Dana Smith"}
    assert advocates(client, date(2026, 6, 15)) == [("Dana Smith", ("promoter",)), ("Kim Lee", ("champion",))]


def test_a_champion_is_missed_after_day_30(acme):
    assert not champion_missing(acme, date(2026, 6, 30))  # day 30
    assert champion_missing(acme, date(2026, 7, 1))  # day 31
    named = acme.model_copy(update={"contacts": [Contact(name="Kim", kind="champion")]})
    assert not champion_missing(named, date(2026, 7, 1))


def test_contacts_and_pulses_on_the_command_line(fresh):
    run, db = fresh
    run.ok("edit-client", "acme", "--contact", "Dana Smith, CIO, dana@acme.example, sponsor", "--contact", "Kim Lee, Change champion", db=db)
    contacts = json.loads(run.ok("client", "acme", "--json", db=db).stdout)["contacts"]
    assert [(c["name"], c["kind"]) for c in contacts] == [("Dana Smith", "sponsor"), ("Kim Lee", "champion")]
    bad = run("edit-client", "acme", "--contact", "Kim Lee, Ops, , boss", db=db)
    assert bad.returncode == 2 and "Kim Lee's kind must be sponsor, champion, power user or other, not 'boss'" in bad.stderr
    run.ok("pulse", "acme", "Kim", "--recommend", "10", "--satisfaction", "5", "--contact", "Kim Lee", "--date", "2026-06-12", db=db)
    unknown = run("pulse", "acme", "Kim", "--recommend", "10", "--satisfaction", "5", "--contact", "Nobody", db=db)
    assert unknown.returncode == 2 and "--contact: 'Nobody' is not a contact of acme" in unknown.stderr
    detail = json.loads(run.ok("--date", "2026-06-15", "health", "acme", "--json", db=db).stdout)
    assert {c["name"]: c["promoter"] for c in detail["contacts"]} == {"Dana Smith": False, "Kim Lee": True}
    exported = json.loads(run.ok("export", db=db).stdout)
    acme = next(c for c in exported["clients"] if c["id"] == "acme")
    assert acme["contacts"][1] == {"name": "Kim Lee", "role": "Change champion", "kind": "champion"}
    assert acme["pulses"][-1]["contact"] == "Kim Lee"


def test_add_client_takes_contacts(run, db):
    run.ok("add-client", "zeta", "--name", "Zeta", "--tier", "gold", "--go-live", "2026-05-01", "--contact", "Ann Ode, Power user", db=db)
    (contact,) = json.loads(run.ok("client", "zeta", "--json", db=db).stdout)["contacts"]
    assert contact["kind"] == "power_user"


# ----- escalate and recovery on the command line -------------------------------------------


def test_escalate_and_recovery_plan(fresh):
    run, db = fresh
    day = ("--date", "2026-06-12")
    assert run.ok(*day, "escalate", "acme", "--to", "Dana Smith (CIO)", "--reason", "Adoption stalled", db=db).stdout == (
        "acme: escalated to Dana Smith (CIO) on 2026-06-12\n"
    )
    out = run.ok(*day, "recovery", "acme", "add", "Retrain the shift leads", "--due", "2026-06-16", "--owner", "bob", db=db).stdout
    assert out == "acme: recovery step 1 due 2026-06-16 (bob): Retrain the shift leads\n"
    run.ok(*day, "recovery", "acme", "add", "Daily stand-up with ops", "--due", "2026-06-19", db=db)
    assert run.ok(*day, "recovery", "acme", "done", "1", db=db).stdout == "acme: recovery step 1 done: Retrain the shift leads\n"
    steps = json.loads(run.ok("--date", "2026-06-22", "recovery", "acme", "list", "--json", db=db).stdout)
    assert [(s["number"], s["owner"], s["done_on"], s["late"]) for s in steps] == [(1, "bob", "2026-06-12", False), (2, "ana", None, True)]
    detail = json.loads(run.ok("--date", "2026-06-15", "health", "acme", "--json", db=db).stdout)
    assert detail["red_since"] == "2026-06-05" and detail["unattended"] is False
    (escalation,) = detail["escalations"]
    assert (escalation["date"], escalation["to"], escalation["reason"]) == ("2026-06-12", "Dana Smith (CIO)", "Adoption stalled")
    assert [s["step"] for s in detail["recovery"]] == ["Retrain the shift leads", "Daily stand-up with ops"]
    log = json.loads(run.ok("log", "--client", "acme", "--json", db=db).stdout)
    assert {"escalate", "recovery-add", "recovery-done"} <= {entry["action"] for entry in log}
    data = json.loads(run("check", "--date", "2026-06-15", "--json", db=db).stdout)
    assert "red-unattended:acme" not in {f["id"] for f in data["findings"]}


@pytest.mark.parametrize(
    "args, message",
    [
        (["escalate", "nope", "--to", "X", "--reason", "why"], "unknown client 'nope'"),
        (["escalate", "acme", "--to", "X", "--reason", "  "], "--reason: say why the client is escalated"),
        (["escalate", "acme", "--to", "", "--reason", "why"], "--to: name the executive"),
        (["escalate", "acme", "--to", "X", "--reason", "why", "--date", "2026-02-30"], "2026-02-30"),
        (["recovery", "nope", "add", "Step", "--due", "2026-06-20"], "unknown client 'nope'"),
        (["recovery", "acme", "add", "Step", "--due", "2026-13-01"], "2026-13-01"),
        (["recovery", "acme", "add", "Step", "--due", "2026-06-01"], "is before today"),
        (["recovery", "acme", "add", " ", "--due", "2026-06-20"], "a recovery step needs its text"),
        (["recovery", "acme", "done", "1"], "client 'acme' has no recovery step 1 (it has no recovery plan)"),
        (["recovery", "acme", "done", "0"], "numbered from 1"),
        (["recovery", "nope", "list"], "unknown client 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(fresh, dump_db, args, message):
    run, db = fresh
    before = dump_db(db)
    result = run("--date", "2026-06-12", *args, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert dump_db(db) == before


def test_done_twice_and_an_unknown_step(fresh, dump_db):
    run, db = fresh
    run.ok("--date", "2026-06-12", "recovery", "acme", "add", "Retrain", "--due", "2026-06-16", db=db)
    run.ok("--date", "2026-06-12", "recovery", "acme", "done", "1", db=db)
    before = dump_db(db)
    again = run("--date", "2026-06-13", "recovery", "acme", "done", "1", db=db)
    assert again.returncode == 2 and "recovery step 1 of 'acme' was already done on 2026-06-12" in again.stderr
    unknown = run("--date", "2026-06-13", "recovery", "acme", "done", "2", db=db)
    assert unknown.returncode == 2 and "no recovery step 2 (its plan has step 1)" in unknown.stderr
    assert dump_db(db) == before


def test_import_export_keeps_escalations_and_plans(fresh, tmp_path):
    run, db = fresh
    run.ok("--date", "2026-06-12", "escalate", "acme", "--to", "Dana", "--reason", "stalled", db=db)
    run.ok("--date", "2026-06-12", "recovery", "acme", "add", "Retrain", "--due", "2026-06-16", db=db)
    first = run.ok("export", db=db).stdout
    client = next(c for c in json.loads(first)["clients"] if c["id"] == "acme")
    assert client["escalations"][0]["to"] == "Dana" and client["recovery"][0]["step"] == "Retrain"
    again = tmp_path / "again.db"
    source = tmp_path / "p.json"
    source.write_text(first, encoding="utf-8")
    run.ok("import", source, db=again)
    assert run.ok("export", db=again).stdout == first


# ----- migration 14 ----------------------------------------------------------------------------


def test_migration_reads_kinds_from_roles_and_links_pulses(tmp_path):
    from carebench.store import Store

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema_at(conn, 13)
    stamp = ("2026-01-01T00:00:00", "x")
    conn.execute(
        "INSERT INTO clients (id, name, tier, go_live, owner, changed_at, changed_by) VALUES ('a', 'A', 'gold', '2026-05-01', 'x', ?, ?)", stamp
    )
    for position, (name, role) in enumerate(
        [("Lee", "Executive Sponsor"), ("Kim", "CHAMPION of change"), ("Ann", "key user"), ("Bo", "CFO"), ("Cy", None)]
    ):
        conn.execute(
            "INSERT INTO contacts (client_id, position, name, role, changed_at, changed_by) VALUES ('a', ?, ?, ?, ?, ?)",
            (position, name, role, *stamp),
        )
    for respondent in ("Kim", "someone else"):
        conn.execute(
            "INSERT INTO pulses (client_id, date, respondent, recommend, satisfaction, changed_at, changed_by) "
            "VALUES ('a', '2026-06-01', ?, 9, 5, ?, ?)",
            (respondent, *stamp),
        )
    conn.commit()
    conn.close()
    path.chmod(0o600)
    with Store(path, actor="x") as store:
        client = store.client("a")
    assert [(c.name, c.kind) for c in client.contacts] == [
        ("Lee", "sponsor"),
        ("Kim", "champion"),
        ("Ann", "power_user"),
        ("Bo", "other"),
        ("Cy", "other"),
    ]
    assert [p.contact for p in client.pulses] == ["Kim", None]
    assert client.escalations == [] and client.recovery == []


# ----- the practice's asks -----------------------------------------------------------------------


def test_practice_asks_prefer_promoters_and_champions(demo_db, run):
    asks = json.loads(run.ok("--date", "2026-06-15", "practice", "--json", db=demo_db).stdout)["suggested_asks"]
    assert len(asks) >= 2, "the demo has green clients to ask"
    last = asks[-1]["client"]
    run.ok("edit-client", last, "--contact", "Pat Green, Ops lead, , champion", db=demo_db)
    after = json.loads(run.ok("--date", "2026-06-15", "practice", "--json", db=demo_db).stdout)["suggested_asks"]
    assert after[0]["client"] == last and after[0]["ask"] == ["Pat Green"]
    assert after[0]["reason"].endswith("ask Pat Green (champion)")


# ----- reports and the workbench -------------------------------------------------------------------


def test_a_red_clients_report_lists_escalation_and_plan(fresh):
    run, db = fresh
    plain = run.ok("report", "acme", "--kind", "weekly", "--date", "2026-06-15", db=db).stdout
    assert "Escalation and recovery plan" in plain and "There is neither an executive escalation nor a recovery plan yet." in plain
    run.ok("--date", "2026-06-12", "escalate", "acme", "--to", "Dana Smith", "--reason", "Adoption stalled", db=db)
    run.ok("--date", "2026-06-12", "recovery", "acme", "add", "Retrain the shift leads", "--due", "2026-06-16", db=db)
    text = run.ok("report", "acme", "--kind", "weekly", "--date", "2026-06-15", db=db).stdout
    assert "Health has been red since 5 June 2026." in text
    assert "Dana Smith" in text and "Adoption stalled" in text and "Retrain the shift leads" in text
    assert "neither an executive escalation" not in text
    green = run.ok("report", "cobalt", "--kind", "weekly", "--date", "2026-06-15", db=db).stdout
    assert "Escalation and recovery plan" not in green


async def test_health_shows_escalation_plan_and_missing_champion(fresh, monkeypatch, tmp_path):
    from carebench.ui.app import CarebenchApp

    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    run, db = fresh
    refused = run("--date", "2026-06-12", "escalate", "acme", "--to", "Dana \x1b[31m Smith", "--reason", "stalled", db=db)
    assert refused.returncode == 2
    # A member with sqlite3 can still write a control character, which the screen shows inert.
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO escalations (client_id, date, escalated_to, reason, escalated_by, changed_at, changed_by) "
        "VALUES ('acme', '2026-06-12', 'Dana Smith (CIO)', 'Adoption stalled' || char(27) || '[2J', 'ana', 'x', 'ana')"
    )
    conn.commit()
    conn.close()
    run.ok("--date", "2026-06-12", "recovery", "acme", "add", "Retrain the shift leads", "--due", "2026-06-16", db=db)
    app = CarebenchApp(db, today=date(2026, 7, 6), user="ana", client="acme")
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        panel = app.screen.query_one("#recovery")
        assert panel.display
        text = rendered(panel)
        assert "Red since 2026-06-05" in text
        assert "Escalated 2026-06-12 to Dana Smith (CIO): Adoption stalled\\x1b[2J" in text
        assert "1. Retrain the shift leads · due 2026-06-16 · ana · LATE" in text
        people = rendered(app.screen.query_one("#people"))
        assert "Dana Smith · other · CIO" in people
        assert "No champion after day 30" in people
