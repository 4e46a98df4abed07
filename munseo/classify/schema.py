"""The label schema: which tasks a model predicts and the labels of each (``label_mappings.json``).

The file is ``{"tasks": {"TASK": ["LABEL", ...], ...}}``: one task or more, two labels or more per
task, in the order the model's outputs use. The default schema ships with the package.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from munseo.classify.errors import SchemaError

DEFAULT_SCHEMA_NAME = "label_mappings.json"


@dataclass(frozen=True)
class LabelSchema:
    """Tasks in order, each with its labels in order (the model's output columns)."""

    tasks: dict[str, tuple[str, ...]]

    @property
    def task_names(self) -> list[str]:
        return list(self.tasks)

    def labels(self, task: str) -> tuple[str, ...]:
        return self.tasks[task]

    def index(self, task: str, label: str) -> int:
        return self.tasks[task].index(label)

    def to_dict(self) -> dict[str, Any]:
        return {"tasks": {task: list(labels) for task, labels in self.tasks.items()}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int | None:
    """The line of the ``occurrence``-th line that contains ``needle`` as a JSON string."""
    quoted = json.dumps(needle, ensure_ascii=False)
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if quoted in line or json.dumps(needle) in line:
            seen += 1
            if seen == occurrence:
                return number
    return None


def parse_schema(data: Any, source: Path | str, raw: str = "") -> LabelSchema:
    """Check a decoded schema; ``raw`` (the file's text) lets errors name the line."""
    if not isinstance(data, Mapping) or "tasks" not in data:
        raise SchemaError(source, 'a label schema is a JSON object {"tasks": {"TASK": ["LABEL", ...]}}', 1)
    tasks = data["tasks"]
    if not isinstance(tasks, Mapping) or not tasks:
        raise SchemaError(
            source, '"tasks" must be a non-empty object of task name → list of labels', _line_of(raw, "tasks")
        )
    parsed: dict[str, tuple[str, ...]] = {}
    for task, labels in tasks.items():
        line = _line_of(raw, task)
        if not isinstance(task, str) or not task.strip():
            raise SchemaError(source, "a task name must be a non-empty string", line)
        if not isinstance(labels, list) or len(labels) < 2:
            raise SchemaError(source, f"task {task!r} must list at least two labels", line)
        for label in labels:
            if not isinstance(label, str) or not label.strip():
                raise SchemaError(source, f"task {task!r}: every label must be a non-empty string, got {label!r}", line)
        duplicates = [label for label, n in Counter(labels).items() if n > 1]
        if duplicates:
            raise SchemaError(
                source,
                f"task {task!r}: label {duplicates[0]!r} is listed twice",
                _line_of(raw, duplicates[0], 2) or line,
            )
        parsed[task] = tuple(labels)
    return LabelSchema(parsed)


def load_schema(path: Path | None = None) -> LabelSchema:
    """The schema in ``path``, or the default one shipped with the package."""
    if path is None:
        raw = resources.files("munseo.classify").joinpath(DEFAULT_SCHEMA_NAME).read_text(encoding="utf-8")
        source: Path | str = f"munseo/classify/{DEFAULT_SCHEMA_NAME}"
    else:
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(path, f"cannot read the label schema ({exc})") from exc
        source = path
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SchemaError(source, f"not valid JSON ({exc.msg}, column {exc.colno})", exc.lineno) from exc
    return parse_schema(data, source, raw)


def infer_schema(label_sets: Iterable[Mapping[str, str]]) -> tuple[LabelSchema, dict[str, Counter[str]]]:
    """A schema from the labels seen in training data (tasks in first-seen order, labels sorted),
    and the count of each label."""
    counts: dict[str, Counter[str]] = {}
    for labels in label_sets:
        for task, label in labels.items():
            counts.setdefault(task, Counter())[label] += 1
    if not counts:
        raise SchemaError("<data>", "the data has no labels to infer a schema from")
    for task, counter in counts.items():
        if len(counter) < 2:
            raise SchemaError("<data>", f"task {task!r} has only one label ({next(iter(counter))!r}) in the data")
    return LabelSchema({task: tuple(sorted(counter)) for task, counter in counts.items()}), counts


def task_columns(schema: LabelSchema) -> dict[str, tuple[int, int]]:
    """Where each task's logits lie when all tasks' logits stand side by side: columns [start, stop)."""
    columns, start = {}, 0
    for task in schema.task_names:
        columns[task] = (start, start + len(schema.labels(task)))
        start += len(schema.labels(task))
    return columns
