"""Check-in scripts as the core reads them: lessons and decisions kept from a section's notes, and the checks on them."""

from __future__ import annotations

import pytest

from carebench.app.scriptbook import bundled_scripts, load_scripts
from carebench.core.models import KINDS
from carebench.core.scripts import ScriptProblem, learned, parse_script

LEARNED = [
    ("one line", "Super users answered most questions", ["lessons"], [("lesson", "Super users answered most questions")]),
    (
        "dash, star and bullet taken off",
        "- stand-ups\n* training\n\u2022 a FAQ",
        ["decisions"],
        [("decision", "stand-ups"), ("decision", "training"), ("decision", "a FAQ")],
    ),
    ("numbers taken off", "1. first\n2) second\n10. tenth", ["lessons"], [("lesson", "first"), ("lesson", "second"), ("lesson", "tenth")]),
    ("empty and blank lines skipped", "\n  \nkept\n\n", ["lessons"], [("lesson", "kept")]),
    ("a marker alone is no learning", "-\n  2.  \n", ["lessons"], []),
    ("a dash inside a line stays", "cut-over went well - mostly", ["lessons"], [("lesson", "cut-over went well - mostly")]),
    ("a number without a marker stays", "3 sites live early", ["lessons"], [("lesson", "3 sites live early")]),
    ("only the first marker goes", "- - nested", ["lessons"], [("lesson", "- nested")]),
    ("notes alone keep no learnings", "a plain note", ["notes"], []),
]


@pytest.mark.parametrize(("notes", "capture", "expected"), [case[1:] for case in LEARNED], ids=[case[0] for case in LEARNED])
def test_each_line_of_a_learning_section_is_one_learning(notes, capture, expected):
    assert learned(notes, ["notes", *capture]) == expected


SCRIPT = 'kind = "retrospective"\ntitle = "R"\n\n[[section]]\ntitle = "S"\nminutes = 5\ncapture = {capture}\n'
REFUSED = [
    ("lessons without notes", '["lessons"]', "capture notes too"),
    ("lessons and decisions", '["notes", "lessons", "decisions"]', "not both"),
    ("an unknown capture", '["notes", "wisdom"]', "capture"),
]


@pytest.mark.parametrize(("capture", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_a_section_that_keeps_learnings_is_checked(capture, message):
    with pytest.raises(ScriptProblem, match=message) as caught:
        parse_script(SCRIPT.format(capture=capture), "retro.toml")
    assert str(caught.value).startswith("retro.toml:7: section.0.capture")


def test_every_touchpoint_kind_has_a_bundled_script_and_the_retrospective_keeps_lessons_and_decisions():
    scripts, problems = load_scripts([bundled_scripts()])
    assert problems == []
    assert set(KINDS) <= set(scripts)
    retrospective = scripts["retrospective"]
    assert [(s.title, [c for c in s.capture if c in ("lessons", "decisions")]) for s in retrospective.section] == [
        ("What worked", ["lessons"]),
        ("What did not work", ["lessons"]),
        ("Decisions", ["decisions"]),
        ("Next phase", []),
    ]
