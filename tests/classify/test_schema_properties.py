"""Properties of label schema parsing: a valid schema survives a round trip through JSON; any other
JSON value is refused with a SchemaError (never another exception)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from munseo.classify.errors import SchemaError
from munseo.classify.schema import LabelSchema, parse_schema

NAME = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
SCHEMA = st.dictionaries(NAME, st.lists(NAME, min_size=2, max_size=8, unique=True), min_size=1, max_size=4)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(SCHEMA)
def test_a_valid_schema_round_trips_through_json(tasks: dict[str, list[str]]) -> None:
    schema = parse_schema({"tasks": tasks}, "generated.json")
    assert schema == LabelSchema({t: tuple(labels) for t, labels in tasks.items()})
    raw = schema.to_json()
    assert parse_schema(json.loads(raw), "generated.json", raw) == schema
    for task, labels in tasks.items():
        assert [schema.index(task, label) for label in labels] == list(range(len(labels)))


@settings(max_examples=400, deadline=None)
@given(JSON | st.fixed_dictionaries({"tasks": JSON}))
def test_anything_else_is_refused_with_a_schema_error(data: object) -> None:
    raw = json.dumps(data, ensure_ascii=False)
    try:
        schema = parse_schema(data, "odd.json", raw)
    except SchemaError as exc:
        assert str(exc).startswith("odd.json")
        return
    assert isinstance(schema, LabelSchema) and schema.tasks


@settings(max_examples=200, deadline=None)
@given(SCHEMA, st.data())
def test_a_duplicate_label_is_named(tasks: dict[str, list[str]], data: st.DataObject) -> None:
    task = data.draw(st.sampled_from(sorted(tasks)))
    twice = data.draw(st.sampled_from(tasks[task]))
    broken = {**tasks, task: [*tasks[task], twice]}
    raw = json.dumps({"tasks": broken}, ensure_ascii=False, indent=2)
    with pytest.raises(SchemaError) as refused:
        parse_schema(json.loads(raw), "dup.json", raw)
    assert repr(twice) in str(refused.value)
