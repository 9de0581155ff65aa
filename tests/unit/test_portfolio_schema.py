"""The portfolio file is exactly its schema: `carebench schema` validates what `export` writes, and `import` accepts
what the schema accepts and refuses what it refuses (JSON Schema Draft 2020-12, formats asserted)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from carebench.app import transfer
from carebench.app.inputs import UserError
from carebench.app.session import Session
from carebench.core.models import Client
from carebench.store import Store
from conftest import AS_OF, SUBSCORE_NAMES


@pytest.fixture(scope="module")
def validator(make_runner, tmp_path_factory) -> Draft202012Validator:
    """The validator of the schema `carebench schema` prints, formats (date, date-time) asserted."""
    runner = make_runner(tmp_path_factory.mktemp("schema") / "home")
    schema = json.loads(runner.ok("schema").stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(validator: Draft202012Validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def imported(tmp_path: Path, document) -> Client | str:
    """The first client import reads from ``document`` (or the message refusing it)."""
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    try:
        portfolio = transfer.read_portfolio(path)
    except UserError as exc:
        return str(exc)
    return portfolio.clients[0] if portfolio.clients else "no clients"


def test_the_schema_is_draft_2020_12_and_closed(validator):
    schema = validator.schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"format", "version", "clients"}
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name
    assert schema["$defs"]["Ticket"]["properties"]["opened"]["format"] == "date-time"


def test_the_export_of_the_fixed_portfolio_validates(validator, base_db, run):
    exported = json.loads(run.ok("export", db=base_db).stdout)
    assert problems(validator, exported) == []


def test_the_export_of_the_demo_validates(validator, demo_db):
    exported = json.loads(transfer.export_portfolio(Session(demo_db, today=date(2026, 6, 15))))
    assert problems(validator, exported) == []
    opened = [t["opened"] for c in exported["clients"] for t in c.get("tickets", [])]
    assert opened and all(moment.endswith("+00:00") for moment in opened)


def test_the_bundled_demo_file_is_its_schema(validator):
    demo = json.loads((Path(__file__).parents[2] / "sample_data" / "demo_portfolio.json").read_text(encoding="utf-8"))
    assert problems(validator, demo) == []


# ----- random portfolios ---------------------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=12)
days = st.dates(date(2024, 1, 1), date(2028, 12, 31)).map(date.isoformat)
offsets = st.sampled_from(["Z", "+00:00", "+02:00", "-05:30", "+14:00"])
moments = st.builds(lambda d, h, m, o: f"{d}T{h:02d}:{m:02d}:00{o}", days, st.integers(0, 23), st.integers(0, 59), offsets)
numbers = st.one_of(st.integers(-1000, 10**6), st.floats(-1e6, 1e6, allow_nan=False))
wholes = st.integers(1, 10).flatmap(lambda n: st.sampled_from([n, float(n)]))


@st.composite
def client_data(draw, number: int) -> dict:
    """A client as a file may hold it (scores as 8 or 8.0, times with any offset), accepted by import."""
    opened = draw(moments)
    ticket = {"title": "Ticket " + str(number), "impact": draw(st.sampled_from(["high", "low"])), "users": "some", "opened": opened}
    if draw(st.booleans()):
        ticket.update(escalated=draw(st.booleans()), first_response=opened)
    return {
        "id": f"c{number}",
        "name": draw(texts.filter(lambda t: t.strip() and not any(c in t for c in "\n\t"))).strip() or "x",
        "tier": draw(st.sampled_from(["platinum", "gold", "silver"])),
        "go_live": draw(days),
        "owner": "ana",
        "investment": draw(st.integers(0, 10**6)),
        "kpis": [
            {
                "key": "k1",
                "name": "KPI",
                "category": "lagging",
                "unit": draw(st.sampled_from(["", "%", "€"])),
                "direction": "higher",
                "baseline": draw(numbers),
                "target": draw(numbers),
                "benchmark": draw(st.none() | numbers),
                "team": draw(st.booleans()),
                "readings": [{"date": d, "value": draw(numbers)} for d in sorted(set(draw(st.lists(days, max_size=4))))],
            }
        ],
        "assessments": [{"date": draw(days), "scores": {name: draw(wholes) for name in SUBSCORE_NAMES}, "note": draw(texts)}],
        "opportunities": [{"title": "More", "value": draw(st.integers(0, 10**6)), "probability": draw(st.integers(0, 100))}],
        "tickets": [ticket],
        "pulses": [{"date": draw(days), "respondent": "Lee", "recommend": draw(st.integers(0, 10)), "satisfaction": draw(st.integers(1, 5))}],
        "referrals": [{"date": draw(days), "prospect": "Zed", "became_engagement": draw(st.booleans())}],
        "stakeholder_groups": draw(st.one_of(st.none(), st.integers(1, 1000))),
        "cultural_change": draw(st.sampled_from([None, "low", "medium", "high"])),
        "internal_capability": draw(st.sampled_from([None, "low", "medium", "high"])),
        "rollout": [
            {"name": f"Wave {w}", "unit": "sites", "planned": draw(st.one_of(st.none(), st.integers(1, 10**6))), "live": draw(st.integers(0, 10**6))}
            | ({"planned_date": draw(days)} if draw(st.booleans()) else {})
            for w in range(draw(st.integers(0, 3)))
        ],
    }


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_export_of_random_portfolios_validates(validator, tmp_path_factory, data):
    raw = [data.draw(client_data(n)) for n in range(data.draw(st.integers(1, 3)))]
    try:
        chosen = [Client.model_validate(c) for c in raw]
    except ValidationError:
        assume(False)  # a rule that compares values (a response before the opening) the schema does not say
    document = {"format": "carebench-portfolio", "version": 1, "clients": raw}
    assert problems(validator, document) == [], "the drawn file should be one the schema accepts"
    path = tmp_path_factory.mktemp("random") / "p.db"
    with Store(path, actor="ana") as store:
        store.import_clients(chosen)
    exported = json.loads(transfer.export_portfolio(Session(path, today=date(2026, 6, 15))))
    assert problems(validator, exported) == []


# ----- import accepts exactly what the schema accepts --------------------------------------------------------------


def _acme(document: dict) -> dict:
    return document["clients"][0]


MUTATIONS = {
    # (what is changed, does the schema accept it)
    "reading-true": (lambda d: _acme(d)["kpis"][0]["readings"][0].update(value=True), False),
    "reading-string": (lambda d: _acme(d)["kpis"][0]["readings"][0].update(value="93.5"), False),
    "benchmark-number": (lambda d: _acme(d)["kpis"][0].update(benchmark=98.5), True),
    "benchmark-null": (lambda d: _acme(d)["kpis"][0].update(benchmark=None), True),
    "benchmark-string": (lambda d: _acme(d)["kpis"][0].update(benchmark="98.5"), False),
    "benchmark-true": (lambda d: _acme(d)["kpis"][0].update(benchmark=True), False),
    "benchmark-too-large": (lambda d: _acme(d)["kpis"][0].update(benchmark=-2e15), False),
    "team-true": (lambda d: _acme(d)["kpis"][0].update(team=True), True),
    "team-1": (lambda d: _acme(d)["kpis"][0].update(team=1), False),
    "team-null": (lambda d: _acme(d)["kpis"][0].update(team=None), False),
    "investment-string": (lambda d: _acme(d).update(investment="250000"), False),
    "investment-true": (lambda d: _acme(d).update(investment=True), False),
    "score-8.0": (lambda d: _acme(d)["assessments"][0]["scores"].update(trend=8.0), True),
    "score-8.5": (lambda d: _acme(d)["assessments"][0]["scores"].update(trend=8.5), False),
    "score-true": (lambda d: _acme(d)["assessments"][0]["scores"].update(trend=True), False),
    "score-string": (lambda d: _acme(d)["assessments"][0]["scores"].update(trend="8"), False),
    "probability-50.0": (lambda d: _acme(d).update(opportunities=[{"title": "x", "value": 1, "probability": 50.0}]), True),
    "flag-1": (lambda d: _acme(d).update(referrals=[{"date": AS_OF, "prospect": "Zed", "became_engagement": 1}]), False),
    "flag-string": (lambda d: _acme(d).update(referrals=[{"date": AS_OF, "prospect": "Zed", "became_engagement": "true"}]), False),
    "date-number": (lambda d: _acme(d).update(go_live=20260601), False),
    "date-with-time": (lambda d: _acme(d).update(go_live="2026-06-01T00:00:00"), False),
    "slug-upper": (lambda d: _acme(d).update(id="ACME"), False),
    "month-13": (lambda d: _acme(d).update(savings=[{"month": "2026-13", "amount": 1}]), False),
    "name-newline": (lambda d: _acme(d).update(name="Acme\nLogistics"), False),
    "note-control": (lambda d: _acme(d)["assessments"][0].update(note="a\x1b[31m"), False),
    "note-newline": (lambda d: _acme(d)["assessments"][0].update(note="a\nb"), True),
    "number-too-large": (lambda d: _acme(d).update(investment=2e15), False),
    "version-true": (lambda d: d.update(version=True), False),
    "version-1.0": (lambda d: d.update(version=1.0), True),
    "no-format": (lambda d: d.pop("format"), False),
    "no-version": (lambda d: d.pop("version"), False),
    "no-clients": (lambda d: d.pop("clients"), False),
    "unknown-top-level": (lambda d: d.update(extra=1), False),
    "ticket-naive": (lambda d: _acme(d).update(tickets=[{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T09:30:00"}]), False),
    "ticket-no-seconds": (
        lambda d: _acme(d).update(tickets=[{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T09:30+00:00"}]),
        False,
    ),
    "ticket-space": (
        lambda d: _acme(d).update(tickets=[{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10 09:30:00+00:00"}]),
        False,
    ),
    "groups-3": (lambda d: _acme(d).update(stakeholder_groups=3), True),
    "groups-3.0": (lambda d: _acme(d).update(stakeholder_groups=3.0), True),
    "groups-0": (lambda d: _acme(d).update(stakeholder_groups=0), False),
    "groups-string": (lambda d: _acme(d).update(stakeholder_groups="3"), False),
    "change-high": (lambda d: _acme(d).update(cultural_change="high"), True),
    "change-null": (lambda d: _acme(d).update(cultural_change=None), True),
    "change-huge": (lambda d: _acme(d).update(cultural_change="huge"), False),
    "capability-low": (lambda d: _acme(d).update(internal_capability="low"), True),
    "capability-strong": (lambda d: _acme(d).update(internal_capability="strong"), False),
    "wave-sized": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "planned": 50, "live": 60, "planned_date": AS_OF, "live_on": AS_OF}]), True),
    "wave-not-sized": (lambda d: _acme(d).update(rollout=[{"name": "Later", "unit": "sites"}]), True),
    "wave-planned-0": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "planned": 0}]), False),
    "wave-live-negative": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "live": -1}]), False),
    "wave-live-string": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "live": "5"}]), False),
    "wave-unit-empty": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "unit": ""}]), False),
    "wave-unknown-field": (lambda d: _acme(d).update(rollout=[{"name": "Pilot", "users": 5}]), False),
    "ticket-utc": (lambda d: _acme(d).update(tickets=[{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T09:30:00Z"}]), True),
    "ticket-offset": (
        lambda d: _acme(d).update(tickets=[{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T11:30:00+02:00"}]),
        True,
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_import_accepts_exactly_what_the_schema_accepts(validator, portfolio_dict, tmp_path, case):
    change, accepted = MUTATIONS[case]
    document = copy.deepcopy(portfolio_dict)
    change(document)
    assert (problems(validator, document) == []) is accepted
    result = imported(tmp_path, document)
    if accepted:
        assert isinstance(result, Client), result
    else:
        assert isinstance(result, str) and result.startswith(f"{tmp_path / 'in.json'}: "), result
        assert "Traceback" not in result and "Input should" not in result


def test_a_score_written_8_0_is_stored_as_8(run, db, portfolio_dict, tmp_path):
    _acme(portfolio_dict)["assessments"][0]["scores"] = {name: 8.0 for name in SUBSCORE_NAMES}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    run.ok("import", path, db=db)
    exported = json.loads(run.ok("export", db=db).stdout)
    assert _acme(exported)["assessments"][0]["scores"] == dict.fromkeys(SUBSCORE_NAMES, 8)


def test_a_ticket_time_with_an_offset_is_kept_in_utc(run, db, portfolio_dict, tmp_path):
    _acme(portfolio_dict)["tickets"] = [{"ref": "T-1", "title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T11:30:00+02:00"}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    run.ok("import", path, db=db)
    assert _acme(json.loads(run.ok("export", db=db).stdout))["tickets"][0]["opened"] == "2026-06-10T09:30:00+00:00"


def test_the_refusals_say_the_rule(run, db, portfolio_dict, tmp_path):
    _acme(portfolio_dict)["kpis"][0]["readings"][0]["value"] = True
    _acme(portfolio_dict)["investment"] = "250000"
    _acme(portfolio_dict)["tickets"] = [{"title": "t", "impact": "low", "users": "few", "opened": "2026-06-10T09:30"}]
    del portfolio_dict["format"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(portfolio_dict), encoding="utf-8")
    result = run("import", path, db=db)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert f"error: {path}: format: is required" in lines
    assert f"error: {path}: clients[0].kpis[0].readings[0].value: must be a number" in lines
    assert f"error: {path}: clients[0].investment: must be a number" in lines
    assert f"error: {path}: clients[0].tickets[0].opened: must be a date and time with its offset, YYYY-MM-DDTHH:MM:SS+00:00 (Z for UTC)" in lines
    assert not db.exists() or json.loads(run.ok("export", db=db).stdout)["clients"] == []
