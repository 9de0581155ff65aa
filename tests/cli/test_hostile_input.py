"""Random and hostile input: every reader of typed or filed text either accepts it or says what is wrong in one line."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from carebench.app.inputs import UserError, parse_date, parse_number, parse_scores
from carebench.app.transfer import read_portfolio
from carebench.core.models import Client, Portfolio
from carebench.core.scripts import ScriptProblem, parse_script
from carebench.store import Store
from carebench.ui.screens.checkin import check_reading, check_score
from carebench.ui.themes import read_theme

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "",
            " ",
            "2026-02-30",
            "0000-00-00",
            "9999-12-31",
            "1e400",
            "nan",
            "-inf",
            "NaN",
            "Infinity",
            "١٢",
            "³",
            "'); DROP TABLE clients;--",
            "\x1b[31mred\x1b[0m",
            "\x1b]0;title\x07",
            "[bold]markup[/]",
            "\x00",
            "a" * 100_000,
        ]
    ),
)


def one_line(message: str) -> bool:
    return bool(message) and "\n" not in message


@FAST
@given(HOSTILE_TEXT)
def test_dates_numbers_and_scores_parse_or_explain(text):
    for parse in (parse_date, lambda t: parse_number(t, "value"), parse_scores):
        try:
            parse(text)
        except UserError as exc:
            assert one_line(str(exc)[:500].split("\n")[0])


@FAST
@given(HOSTILE_TEXT)
def test_runner_fields_accept_or_explain(text):
    kpi = {"name": "Orders", "low": 0.0, "high": 100.0}
    value, problem = check_reading(text, kpi)
    assert (value is None) or (0 <= value <= 100 and problem is None)
    score, problem = check_score(text)
    assert (score is None and problem) or (1 <= score <= 10 and problem is None)


@FAST
@given(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT)
def test_forms_accept_or_explain(text, due, value):
    from carebench.ui.widgets.forms import action_item_form, opportunity_form

    form = action_item_form("Acme", "ana", date(2026, 6, 15))
    result, problem = form.validate({"text": text, "owner": "", "due": due, "priority": "high"})
    assert (result is None) != (problem is None)
    form = opportunity_form("Acme")
    result, problem = form.validate(
        {
            "title": text,
            "value": value,
            "probability": due,
            "stage": "identified",
            "source": "performance_gap",
            "investment": value,
            "timeline": text,
            "next_action": text,
            "next_action_date": due,
        }
    )
    assert (result is None) != (problem is None)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@FAST
@given(JSON)
def test_any_json_file_is_a_portfolio_or_a_list_of_problems(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("import") / "p.json"
    path.write_text(json.dumps(data))
    try:
        read_portfolio(path)
    except UserError as exc:
        lines = str(exc).splitlines()
        assert 1 <= len(lines) <= 21
        assert all(line.startswith(f"{path}:") for line in lines)


def valid_client() -> dict:
    return {
        "id": "acme",
        "name": "Acme",
        "tier": "gold",
        "go_live": "2026-03-02",
        "owner": "ana",
        "kpis": [
            {
                "key": "otd",
                "name": "On time",
                "category": "lagging",
                "unit": "%",
                "direction": "higher",
                "baseline": 80,
                "target": 95,
                "readings": [{"date": "2026-06-01", "value": 90}],
            }
        ],
    }


@pytest.mark.parametrize(
    "path, value, problem",
    [
        (("name",), "\x1b[31mred\x1b[0m", "control characters"),
        (("name",), "x" * 201, "at most 200"),
        (("name",), "", "at least 1"),
        (("go_live",), "2026-02-30", "date"),
        (("go_live",), "9999-12-01", "between 1900-01-01 and 2199-12-31"),
        (("tier",), "bronze", "platinum"),
        (("kpis", 0, "target"), float("nan"), "finite"),
        (("kpis", 0, "target"), 1e300, "too large"),
        (("kpis", 0, "readings", 0, "value"), "12", "must be a number"),
        (("kpis", 0, "readings", 0, "value"), [], "number"),
    ],
    ids=["escape-sequence", "long-name", "empty-name", "impossible-date", "far-future", "tier", "nan", "huge", "numeric-string", "wrong-type"],
)
def test_hostile_fields_are_refused_with_their_path(path, value, problem):
    data = valid_client()
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    if problem is None:
        Client.model_validate(data)
        return
    with pytest.raises(ValidationError) as info:
        Client.model_validate(data)
    assert problem in str(info.value)


def test_a_ten_megabyte_note_is_refused():
    data = valid_client()
    data["assessments"] = [
        {
            "date": "2026-06-01",
            "note": "x" * 10_000_000,
            "scores": {
                k: 5
                for k in (
                    "achievement",
                    "trend",
                    "sustainability",
                    "adherence",
                    "engagement",
                    "leadership",
                    "communication",
                    "satisfaction",
                    "expansion_interest",
                )
            },
        }
    ]
    with pytest.raises(ValidationError, match="at most 20000"):
        Client.model_validate(data)


def test_sql_and_markup_in_text_are_stored_and_shown_literally(tmp_path):
    data = valid_client()
    data["name"] = "Robert'); DROP TABLE clients;-- [bold]Tables[/]"
    with Store(tmp_path / "t.db") as store:
        store.import_portfolio(Portfolio(clients=[Client.model_validate(data)]))
        assert store.client("acme", parts=()).name == data["name"]
        assert store.client_ids() == ["acme"]


@FAST
@given(st.text(max_size=400))
def test_any_script_file_parses_or_says_where_it_is_wrong(text):
    try:
        parse_script(text, "mine.toml")
    except ScriptProblem as exc:
        assert str(exc).startswith("mine.toml:") and one_line(str(exc).split("\n")[0])


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["kind", "title", "section", "also", "extra"]),
        st.one_of(
            st.text(max_size=10),
            st.integers(),
            st.lists(
                st.dictionaries(
                    st.sampled_from(["title", "minutes", "prompts", "capture", "readings"]),
                    st.one_of(st.text(max_size=8), st.integers(-5, 500), st.lists(st.text(max_size=8), max_size=3)),
                    max_size=5,
                ),
                max_size=3,
            ),
        ),
        max_size=5,
    )
)
def test_mangled_script_structures_are_explained(data):
    import tomllib

    def to_toml(value):
        return json.dumps(value) if not isinstance(value, list) else "[" + ", ".join(to_toml(v) for v in value) + "]"

    lines = []
    for key, value in data.items():
        if key == "section" and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            for section in value:
                lines.append("[[section]]")
                lines += [f"{k} = {to_toml(v)}" for k, v in section.items()]
        else:
            lines.insert(0, f"{key} = {to_toml(value) if not isinstance(value, list) or not value or not isinstance(value[0], dict) else '[]'}")
    text = "\n".join(lines)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_script(text, "mine.toml")
    except ScriptProblem as exc:
        assert str(exc).startswith("mine.toml:")


@FAST
@given(st.text(max_size=300))
def test_any_theme_file_loads_or_is_explained(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("themes") / "mine.toml"
    path.write_text(text)
    try:
        read_theme(path)
    except ValueError as exc:
        assert str(exc)


def test_broken_theme_files_are_reported_once_and_skipped(tmp_path):
    from carebench.ui.themes import load_themes

    (tmp_path / "bad.toml").write_text("name = 'x'\nprimary = 'not-a-colour'\n")
    (tmp_path / "worse.toml").write_text("this is not toml")
    (tmp_path / "good.toml").write_text("name = 'mine'\nprimary = '#336699'\n")
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"]
    assert len(problems) == 2 and all(p.startswith(("bad.toml", "worse.toml")) for p in problems)
