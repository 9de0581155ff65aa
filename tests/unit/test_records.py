"""Read models compare, hash and print by their fields, and stay frozen (through Record's own methods)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from carebench.app.readmodels import ActionDue, AgendaRow, NextTouchpoint


def row(**changed) -> AgendaRow:
    fields = {
        "client": "c-1",
        "client_name": "Acme",
        "owner": "ana",
        "kind": "weekly",
        "date": date(2026, 6, 15),
        "status": "due",
        "missed": 0,
        "covers": ("monthly",),
        "band": "red",
        "phase": "stabilize",
    } | changed
    return AgendaRow(**fields)


def test_records_with_the_same_fields_are_equal_and_hash_alike():
    assert row() == row()
    assert hash(row()) == hash(row())
    assert len({row(), row(), row(missed=2)}) == 2


def test_records_differing_in_any_field_or_kind_are_not_equal():
    assert row() != row(covers=())
    assert row() != row(date=date(2026, 6, 16))
    assert row() != ("c-1", "Acme")
    due = ActionDue("c-1", "Acme", 1, "Call", "ana", date(2026, 6, 15), "high")
    assert due != ActionDue("c-1", "Acme", 2, "Call", "ana", date(2026, 6, 15), "high")
    assert NextTouchpoint(date(2026, 6, 15), "weekly") != NextTouchpoint(date(2026, 6, 15), "monthly")


def test_a_record_prints_its_fields_in_order():
    assert repr(NextTouchpoint(date(2026, 6, 15), "weekly")) == "NextTouchpoint(date=datetime.date(2026, 6, 15), kind='weekly')"


def test_records_are_frozen_slotted_dataclasses():
    record = row()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.kind = "daily"  # type: ignore[misc]
    assert not hasattr(record, "__dict__")
    assert [f.name for f in dataclasses.fields(record)][:3] == ["client", "client_name", "owner"]


def test_records_copy_pickle_and_replace_with_their_fields():
    import copy
    import pickle

    record = row(missed=3)
    for made in (copy.copy(record), copy.deepcopy(record), pickle.loads(pickle.dumps(record))):
        assert made == record and made is not record
    assert dataclasses.replace(record, kind="monthly") == row(missed=3, kind="monthly")
    with pytest.raises(dataclasses.FrozenInstanceError):
        del record.kind  # type: ignore[misc]


def test_a_record_takes_its_fields_by_position_or_name_with_their_defaults():
    from carebench.app.readmodels import Advocacy, ContactCard

    assert Advocacy(True, "green") == Advocacy(ask=True, reason="green")
    assert (ContactCard("Dana").kind, ContactCard("Dana", "champion").role, ContactCard("Dana", email="d@x").email) == ("other", None, "d@x")
    with pytest.raises(TypeError):
        NextTouchpoint(date(2026, 6, 15))  # type: ignore[call-arg]


def test_a_record_refuses_what_its_init_does_not_do():
    from carebench.app.readmodels import Record, record

    class Late(Record):
        value: int = dataclasses.field(default=0, init=False)

    with pytest.raises(TypeError, match="Late"):
        record(Late)
