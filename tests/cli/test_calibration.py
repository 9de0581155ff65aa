"""Support intensity calibration on the command line: complexity recorded with add-client and edit-client, the
suggested touch and tier in `client --json` (null until some complexity is recorded), export and import."""

from __future__ import annotations

import json

import pytest

DAY = ("--date", "2026-06-15")
NEW = ("add-client", "zeta", "--name", "Zeta", "--tier", "gold", "--go-live", "2026-05-01")


def suggestion(card: dict) -> tuple:
    return card["suggested_touch"], card["suggested_tier"], card["suggestion_reason"]


def test_a_client_created_with_its_complexity_gets_the_suggested_tier(fresh):
    run, db = fresh
    out = run.ok(*NEW, "--stakeholder-groups", "5", "--cultural-change", "high", "--internal-capability", "medium", db=db).stdout
    assert (
        out == "added zeta (gold, go-live 2026-05-01)\nsuggested tier: platinum, high touch: 5 stakeholder groups and significant cultural change\n"
    )
    card = run.json(*DAY, "client", "zeta", "--json", db=db)
    assert (card["stakeholder_groups"], card["cultural_change"], card["internal_capability"]) == (5, "high", "medium")
    assert suggestion(card) == ("high", "platinum", "high touch: 5 stakeholder groups and significant cultural change")
    assert card["tier"] == "gold", "a suggestion: the tier stays what was set"
    assert "suggested tier" in run.ok(*DAY, "client", "zeta", db=db).stdout


def test_no_complexity_no_suggestion(fresh):
    run, db = fresh
    assert run.ok(*NEW, db=db).stdout == "added zeta (gold, go-live 2026-05-01)\n"
    card = run.json(*DAY, "client", "zeta", "--json", db=db)
    assert {
        k: card[k] for k in ("stakeholder_groups", "cultural_change", "internal_capability", "suggested_tier", "suggestion_reason")
    } == dict.fromkeys(("stakeholder_groups", "cultural_change", "internal_capability", "suggested_tier", "suggestion_reason"))
    assert "suggested tier" not in run.ok(*DAY, "client", "zeta", db=db).stdout


def test_edit_client_records_and_clears_complexity(fresh):
    run, db = fresh
    out = run.ok("edit-client", "cobalt", "--stakeholder-groups", "1", "--cultural-change", "low", "--internal-capability", "high", db=db).stdout
    assert out == (
        "cobalt: stakeholder groups not recorded -> 1, cultural change not recorded -> low, internal capability not recorded -> high\n"
        "suggested tier: silver (its tier), low touch: a single stakeholder group, little cultural change and strong internal capability\n"
    )
    out = run.ok("edit-client", "cobalt", "--internal-capability", "none", db=db).stdout
    assert out == (
        "cobalt: internal capability high -> not recorded\n"
        "suggested tier: silver (its tier), low touch: a single stakeholder group and little cultural change (internal capability not recorded)\n"
    )
    run.ok("edit-client", "cobalt", "--stakeholder-groups", "none", "--cultural-change", "none", db=db)
    card = run.json(*DAY, "client", "cobalt", "--json", db=db)
    assert (card["stakeholder_groups"], card["cultural_change"], card["internal_capability"]) == (None, None, None)
    assert suggestion(card) == (None, None, None)
    assert [e["action"] for e in run.json("log", "--client", "cobalt", "--json", db=db)][:3] == ["edit-client"] * 3
    assert run.ok("edit-client", "cobalt", "--name", "Cobalt Inc", db=db).stdout == "cobalt: name Cobalt Retail -> Cobalt Inc\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["edit-client", "cobalt", "--stakeholder-groups", "0"], "stakeholder_groups: must be at least 1"),
        (["edit-client", "cobalt", "--stakeholder-groups", "1001"], "stakeholder_groups: must be at most 1000"),
        (["edit-client", "cobalt", "--stakeholder-groups", "many"], "'many' is not a whole number (or none)"),
        (["edit-client", "cobalt", "--cultural-change", "huge"], "'huge' is not one of 'low', 'medium', 'high', 'none'"),
        (["edit-client", "cobalt", "--internal-capability", "strong"], "'strong' is not one of"),
        (["edit-client", "cobalt", "--cultural-change", "none"], "nothing to change: cobalt already has those values"),
        (["edit-client", "nope", "--cultural-change", "low"], "unknown client 'nope'"),
        ([*NEW, "--stakeholder-groups", "-2"], "stakeholder_groups: must be at least 1"),
        ([*NEW, "--cultural-change", "extreme"], "'extreme' is not one of"),
    ],
    ids=[
        "groups-0",
        "groups-1001",
        "groups-text",
        "change-huge",
        "capability-strong",
        "clear-what-is-not-there",
        "unknown-client",
        "new-negative",
        "new-bad",
    ],
)
def test_bad_complexity_is_one_line_and_changes_nothing(fresh, dump_db, args, message):
    run, db = fresh
    before = dump_db(db)
    result = run(*args, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert dump_db(db) == before


def test_export_and_import_keep_the_complexity(fresh, tmp_path):
    run, db = fresh
    run.ok("edit-client", "beta", "--stakeholder-groups", "3", "--internal-capability", "low", db=db)
    first = run.ok("export", db=db).stdout
    clients = {c["id"]: c for c in json.loads(first)["clients"]}
    assert (clients["beta"]["stakeholder_groups"], clients["beta"]["internal_capability"]) == (3, "low")
    assert "cultural_change" not in clients["beta"] and "stakeholder_groups" not in clients["acme"], "what is not recorded is left out"
    source = tmp_path / "p.json"
    source.write_text(first, encoding="utf-8")
    again = tmp_path / "again.db"
    run.ok("import", source, db=again)
    assert run.ok("export", db=again).stdout == first
    assert suggestion(run.json(*DAY, "client", "beta", "--json", db=again)) == (
        "high",
        "platinum",
        "high touch: limited internal capability (cultural change not recorded)",
    )
