"""Building core models from stored rows cheaply, for reads and derivations over many rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel


def constructor(model: type[BaseModel], fields: tuple[str, ...]) -> Callable:
    """``model.model_construct`` from positional values of ``fields``, made cheap for the many rows of bulk reads.

    When ``fields`` are all of the model's fields in their order (and it keeps no private or
    extra attributes), the instance is set up directly, as model_construct would leave it;
    otherwise model_construct itself is used, which fills in defaults.

    The instances share one set of the fields given (pydantic's ``model_fields_set``, a set
    per instance otherwise, and for a model of 17 fields larger than its values). It holds
    every field, so an assignment, which adds the field's name, leaves it as it is; copies
    get sets of their own.

    Every attribute read or set here is one pydantic documents as BaseModel's (its API reference lists
    ``__private_attributes__``, ``__pydantic_root_model__``, ``__pydantic_fields_set__``, ``__pydantic_extra__``
    and ``__pydantic_private__``); tests/unit/test_read_models.py checks the instances against model_construct's.
    """
    if (
        tuple(model.model_fields) != tuple(fields)
        or model.__private_attributes__
        or model.__pydantic_root_model__
        or model.model_config.get("extra") == "allow"
    ):
        return lambda *values: model.model_construct(**dict(zip(fields, values)))
    new, set_attribute, names = model.__new__, object.__setattr__, set(fields)

    def construct(*values):
        instance = new(model)
        set_attribute(instance, "__dict__", dict(zip(fields, values)))
        set_attribute(instance, "__pydantic_fields_set__", names)
        set_attribute(instance, "__pydantic_extra__", None)
        set_attribute(instance, "__pydantic_private__", None)
        return instance

    return construct
