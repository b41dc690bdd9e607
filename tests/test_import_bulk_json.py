"""BulkInsert's JSON text of dicts, against the text of SQLAlchemy's own JSON processor."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON
from sqlalchemy.dialects import sqlite

from leaddesk.services.importing.bulk import _DictJSON

DIALECT = sqlite.dialect()
PROCESSOR = JSON().dialect_impl(DIALECT).bind_processor(DIALECT)

CASES = [
    {},
    {"Tags": "priority"},
    {"Stadt": "São Paulo – Größe", "count": 1, "ratio": 1.5, "list": [1, "2", None], "nested": {"ok": True}},
    {"nan": float("nan"), "inf": float("inf")},
    {1: "an int key"},
    [1, 2],
    "text",
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_dict_json_same_text(value):
    assert _DictJSON(PROCESSOR)(value) == PROCESSOR(value)


def test_dict_json_after_error():
    convert = _DictJSON(PROCESSOR)
    inner = {"inner": object()}
    outer = {"outer": inner}

    with pytest.raises(TypeError):
        convert(outer)
    inner["inner"] = 1

    # The failed call's circular-reference markers must not reject the same dicts again.
    assert convert(outer) == '{"outer": {"inner": 1}}'


def test_dict_json_circular_reference():
    looped: dict = {}
    looped["self"] = looped

    with pytest.raises(ValueError, match="Circular reference"):
        _DictJSON(PROCESSOR)(looped)
