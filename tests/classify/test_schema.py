"""Label schemas: errors name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.classify import (
    SchemaError,
    load_schema,
)


def test_schema_errors_name_the_file_and_line(tmp_path: Path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "tasks": {\n    "institution": ["a", "b",]\n  }\n}\n')
    with pytest.raises(SchemaError, match=r"broken\.json:3: not valid JSON"):
        load_schema(broken)
    duplicate = tmp_path / "dup.json"
    duplicate.write_text('{"tasks": {\n "t": [\n  "a",\n  "b",\n  "a"\n ]\n}}\n')
    with pytest.raises(SchemaError, match=r"dup\.json:5: task 't': label 'a' is listed twice"):
        load_schema(duplicate)
    single = tmp_path / "single.json"
    single.write_text('{"tasks": {"t": ["only"]}}')
    with pytest.raises(SchemaError, match="at least two labels"):
        load_schema(single)
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    with pytest.raises(SchemaError, match="a label schema is a JSON object"):
        load_schema(empty)
