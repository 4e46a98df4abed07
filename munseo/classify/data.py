"""Training and evaluation data: labelled texts from JSONL or CSV files, ``munseo synth`` manifests,
a folder of documents with one sub-folder per label, or documents in the database that a reviewer
labelled.

- JSONL: one ``{"text": ..., "labels": {"task": "label", ...}}`` per line; a task may be missing on
  a line (that task's head is not trained on it).
- CSV (``.csv``, UTF-8, a header row): a ``text`` column and one column per task (every other
  column, or those named by ``SourceOptions.label_columns``); an empty cell is a missing label.
- A folder tree ``DATA/<label>/<file>`` (PDF, PNG, JPEG, TIFF; one task, ``SourceOptions.folder_task``):
  every file read by munseo's own ingest and OCR (``munseo.pipeline.read_files``); the text of each
  file is cached under ``DATA/.munseo-cache/`` by the SHA-256 of its bytes, so a second run reads
  nothing again. A file munseo cannot read is left out and counted.
- A synth manifest (``manifest.jsonl``, or the folder holding it): the labels of each document and
  the ground-truth text of its pages. Inputs labelled ``unknown`` belong to no class and are left
  out unless the schema has such a label.
- The database (``db`` for the configured one, or a SQLAlchemy URL): processed documents with a
  review; the labels of a document's latest review are its labels.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from munseo.classify.errors import DataError
from munseo.classify.schema import LabelSchema
from munseo.text import PAGE_SEPARATOR

log = logging.getLogger(__name__)

SYNTH_UNKNOWN = "unknown"
DATABASE_SOURCE = "db"
FOLDER_CACHE = ".munseo-cache"


@dataclass(frozen=True)
class SourceOptions:
    """How to read CSV files and folder trees (JSONL, synth and database sources need nothing)."""

    text_column: str = "text"
    label_columns: tuple[str, ...] = ()  # empty: every column but the text column is a task
    folder_task: str = "label"  # the task a folder tree's sub-folders are labels of
    # called with (documents read, documents to read) while a folder tree's uncached documents are read
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Example:
    """One labelled text. ``where`` names its origin (``file:line`` or ``database document N``)."""

    text: str
    labels: dict[str, str]
    where: str
    synthetic_unknown: bool = False


@dataclass
class Dataset:
    """Examples checked against a schema, and what was left out and why."""

    examples: list[Example]
    sources: list[str]
    skipped: Counter[str] = field(default_factory=Counter)
    # evaluation data only (``check_examples(..., keep_unseen=True)``): task → label → examples
    # whose label the schema does not have
    unseen: dict[str, Counter[str]] = field(default_factory=dict)

    def label_counts(self, schema: LabelSchema) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {task: Counter() for task in schema.task_names}
        for example in self.examples:
            for task, label in example.labels.items():
                counts[task][label] += 1
        return {task: {label: counts[task][label] for label in schema.labels(task)} for task in schema.task_names}

    def label_pairs(self, schema: LabelSchema) -> dict[str, dict[str, int]]:
        """How often each combination of two tasks' labels occurs: ``"task_a\ttask_b"`` →
        ``"label_a\tlabel_b"`` → count, for every pair of tasks in schema order."""
        tasks = list(schema.task_names)
        pairs: dict[str, Counter[str]] = {}
        for i, first in enumerate(tasks):
            for second in tasks[i + 1 :]:
                pairs[f"{first}\t{second}"] = Counter(
                    f"{e.labels[first]}\t{e.labels[second]}"
                    for e in self.examples
                    if first in e.labels and second in e.labels
                )
        return {key: dict(counts) for key, counts in pairs.items()}

    def fingerprint(self) -> str:
        """SHA-256 over every example's text and labels, in order."""
        digest = hashlib.sha256()
        for example in self.examples:
            digest.update(json.dumps([example.text, example.labels], ensure_ascii=False, sort_keys=True).encode())
            digest.update(b"\n")
        return digest.hexdigest()

    def manifest(self, schema: LabelSchema, splits: dict[str, int]) -> dict[str, Any]:
        return {
            "sha256": self.fingerprint(),
            "sources": self.sources,
            "examples": len(self.examples),
            "splits": splits,
            "skipped": dict(self.skipped),
            "counts": self.label_counts(schema),
        }


def _read_lines(path: Path) -> Iterable[tuple[int, Any]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(path, f"cannot read the data file ({exc})") from exc
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(path, f"not valid JSON ({exc.msg}, column {exc.colno})", number) from exc
        except UnicodeDecodeError as exc:
            raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _labels(path: Path | str, number: int | None, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise DataError(path, '"labels" must be an object {"task": "label", ...}', number)
    labels: dict[str, str] = {}
    for task, label in value.items():
        if label is None:
            continue
        if not isinstance(label, str):
            raise DataError(path, f"the label of task {task!r} must be a string, got {label!r}", number)
        labels[task] = label
    return labels


def _synth_text(path: Path, number: int, pages: Any) -> str:
    if not isinstance(pages, list):
        raise DataError(path, '"pages" must be a list of pages with their "text"', number)
    texts = []
    for page in pages:
        text = page.get("text") if isinstance(page, dict) else None
        if not isinstance(text, str):
            raise DataError(path, 'every page of a synth manifest line needs its ground-truth "text"', number)
        texts.append(text)
    return PAGE_SEPARATOR.join(texts)


def read_jsonl(path: Path) -> list[Example]:
    """Examples from a training JSONL file or a synth manifest (told apart line by line)."""
    examples = []
    for number, record in _read_lines(path):
        where = f"{path}:{number}"
        if not isinstance(record, dict):
            raise DataError(path, 'each line must be a JSON object {"text": ..., "labels": {...}}', number)
        if "labels" not in record:
            raise DataError(path, 'the line has no "labels"', number)
        labels = _labels(path, number, record["labels"])
        if "text" in record:
            if not isinstance(record["text"], str):
                raise DataError(path, '"text" must be a string', number)
            examples.append(Example(record["text"], labels, where))
        elif "pages" in record:
            unknown = bool(labels) and all(label == SYNTH_UNKNOWN for label in labels.values())
            examples.append(Example(_synth_text(path, number, record["pages"]), labels, where, unknown))
        else:
            raise DataError(path, 'the line has neither "text" nor synth "pages"', number)
    return examples


def read_csv(path: Path, options: SourceOptions) -> list[Example]:
    """Examples from a CSV file with a header row: the text column and one column per task."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(path, f"cannot read the data file ({exc})") from exc
    examples = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if options.text_column not in columns:
                raise DataError(path, f"no {options.text_column!r} column (columns: {', '.join(columns) or 'none'})", 1)
            tasks = list(options.label_columns) or [c for c in columns if c != options.text_column]
            missing = [task for task in tasks if task not in columns]
            if missing or not tasks:
                raise DataError(path, f"no label column {', '.join(map(repr, missing)) or '(none left)'}", 1)
            for row in reader:
                number = reader.line_num
                if None in row:
                    raise DataError(path, f"the row has more cells than the header's {len(columns)}", number)
                text = row[options.text_column]
                if text is None:
                    raise DataError(path, "the row has fewer cells than the header", number)
                labels = {task: row[task].strip() for task in tasks if row[task] and row[task].strip()}
                examples.append(Example(text, labels, f"{path}:{number}"))
        except UnicodeDecodeError as exc:
            raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except csv.Error as exc:
            raise DataError(path, f"not valid CSV ({exc})", reader.line_num) from exc
    return examples


def _document_texts(
    folder: Path, paths: Sequence[Path], progress: Callable[[int, int], None] | None
) -> dict[Path, str]:
    """The text munseo reads from each document file that it can read, cached by content hash under
    ``folder``: files not in the cache are read side by side by one pool of OCR workers."""
    from munseo.config import Settings
    from munseo.ingest import IngestError
    from munseo.ingest.source import sha256_file
    from munseo.ocr import OcrError
    from munseo.pipeline import read_files

    cache = folder / FOLDER_CACHE
    texts: dict[Path, str] = {}
    unread: dict[Path, Path | None] = {}  # the cache file each text goes to (None: unreadable file)
    for path in paths:
        try:
            cached: Path | None = cache / f"{sha256_file(path)}.txt"
        except OSError:
            cached = None  # reading it will say why
        if cached is not None and cached.is_file():
            texts[path] = cached.read_text(encoding="utf-8")
        else:
            unread[path] = cached
    if not unread:
        return texts
    if progress is not None:
        progress(0, len(unread))
    try:
        with closing(read_files(list(unread), Settings())) as readings:
            for done, (path, read) in enumerate(readings, start=1):
                if progress is not None:
                    progress(done, len(unread))
                if isinstance(read, IngestError):
                    log.warning("left out %s: %s", path, read.reason)
                    continue
                texts[path] = read.text
                _cache_text(unread[path], read.text)
    except OcrError as exc:
        raise DataError(folder, f"its documents cannot be read: {exc}") from exc
    return texts


def _cache_text(cached: Path | None, text: str) -> None:
    if cached is None:
        return
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(text, encoding="utf-8")
    except OSError:
        pass  # a read-only data folder: read again next time


def read_folder(folder: Path, options: SourceOptions, skipped: Counter[str] | None = None) -> list[Example]:
    """Examples from ``folder/<label>/<document>`` for the task ``options.folder_task``; documents
    munseo cannot read are counted in ``skipped``."""
    from munseo.pipeline import expand_paths

    labelled = [
        (label_dir.name, path)
        for label_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        for path in expand_paths([label_dir])
    ]
    texts = _document_texts(folder, [path for _, path in labelled], options.progress)
    if skipped is not None and len(texts) < len(labelled):
        skipped["documents munseo could not read"] += len(labelled) - len(texts)
    examples = [
        Example(texts[path], {options.folder_task: label}, str(path)) for label, path in labelled if path in texts
    ]
    if not examples:
        raise DataError(folder, "no readable documents in its label folders (DATA/<label>/<file>.pdf)")
    return examples


def read_database(url: str) -> list[Example]:
    """Processed documents with a review: their text and their latest review's labels."""
    from munseo.store.repository import Store

    store = Store(url)
    try:
        examples = [
            Example(text, _labels(f"{url} (document {doc_id})", None, labels), f"database document {doc_id}")
            for doc_id, text, labels, _ in store.labels.reviewed()
        ]
        return sorted(examples, key=lambda e: e.where)
    finally:
        store.close()


def read_source(
    source: str, options: SourceOptions | None = None, skipped: Counter[str] | None = None
) -> list[Example]:
    """Examples from one source: a JSONL or CSV file, a folder with ``manifest.jsonl``, a folder tree
    ``DATA/<label>/<file>``, ``db`` (the configured database) or a SQLAlchemy URL."""
    options = options or SourceOptions()
    if source == DATABASE_SOURCE:
        from munseo.config import Settings

        return read_database(Settings().resolved_database_url)
    if "://" in source:
        return read_database(source)
    path = Path(source)
    if path.is_dir():
        if not (path / "manifest.jsonl").is_file():
            return read_folder(path, options, skipped)
        path = path / "manifest.jsonl"
    if not path.is_file():
        raise DataError(
            source,
            "no such data file (give a JSONL or CSV file, a synth folder with manifest.jsonl, "
            "a folder DATA/<label>/<file>, or db)",
        )
    if path.suffix.lower() == ".csv":
        return read_csv(path, options)
    return read_jsonl(path)


def check_examples(
    examples: Sequence[Example], schema: LabelSchema, sources: list[str], keep_unseen: bool = False
) -> Dataset:
    """Keep the examples that fit ``schema``; an unknown task or label is an error naming the line.
    ``keep_unseen`` (evaluation data): a label the schema does not have is kept and counted in
    ``Dataset.unseen`` instead."""
    dataset = Dataset([], sources)
    for example in examples:
        if example.synthetic_unknown and not any(
            SYNTH_UNKNOWN in schema.tasks.get(task, ()) for task in example.labels
        ):
            dataset.skipped["synth inputs labelled unknown (no class)"] += 1
            continue
        for task, label in example.labels.items():
            if task not in schema.tasks:
                raise DataError(
                    example.where, f"task {task!r} is not in the label schema (tasks: {', '.join(schema.task_names)})"
                )
            if label not in schema.tasks[task] and keep_unseen:
                dataset.unseen.setdefault(task, Counter())[label] += 1
            elif label not in schema.tasks[task]:
                raise DataError(
                    example.where,
                    f"label {label!r} of task {task!r} is not in the label schema "
                    f"({len(schema.tasks[task])} labels: {', '.join(schema.tasks[task][:10])}"
                    f"{', …' if len(schema.tasks[task]) > 10 else ''})",
                )
        if not example.labels:
            dataset.skipped["examples without any label"] += 1
            continue
        dataset.examples.append(example)
    if not dataset.examples:
        raise DataError(", ".join(sources), "no labelled examples")
    return dataset


def load_dataset(
    sources: Sequence[str], schema: LabelSchema, options: SourceOptions | None = None, keep_unseen: bool = False
) -> Dataset:
    examples: list[Example] = []
    skipped: Counter[str] = Counter()
    for source in sources:
        examples.extend(read_source(source, options, skipped))
    dataset = check_examples(examples, schema, list(sources), keep_unseen)
    dataset.skipped.update(skipped)
    return dataset


def label_matrix(examples: Sequence[Example], schema: LabelSchema, missing: int) -> np.ndarray:
    """[examples, tasks] label indices, ``missing`` where a task has no label."""
    targets = np.full((len(examples), len(schema.task_names)), missing, dtype=np.int64)
    for i, example in enumerate(examples):
        for t, task in enumerate(schema.task_names):
            if task in example.labels:
                targets[i, t] = schema.index(task, example.labels[task])
    return targets


def balanced_weights(targets: np.ndarray, size: int) -> np.ndarray:
    """Class weights against imbalance, as scikit-learn's 'balanced': n / (labels present × count),
    over the entries ≥ 0 of one column of ``label_matrix``; 0 for labels without examples."""
    counts = np.bincount(targets[targets >= 0], minlength=size).astype(np.float64)
    present = counts > 0
    weights = np.zeros(size, dtype=np.float32)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights


# a train split and the dev split held out from it
Split = tuple[Sequence[Example], Sequence[Example]]


def split(
    examples: Sequence[Example], schema: LabelSchema, dev_fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """A stratified train/dev split on the task with the most labels: each label gives dev
    ``dev_fraction`` of its examples, the fractional part by chance (a label of 10 examples and a
    fraction of 0.15 gives one, or two with a chance of 0.5), and keeps two at least in train.

    Rounding down instead left labels of under 1 / ``dev_fraction`` examples out of dev and thinned
    out the other rare ones, so that dev was easier than the documents to come and calibration on
    it overconfident: trained on 2,000 or 5,000 bills (25 committees) and measured on 3,000 others,
    3 draws each, committee ECE after calibration was 0.040 on average (0.027–0.061) rounding down
    and 0.032 (0.020–0.047) by chance; bill kind 0.008 and 0.006."""
    return folds(examples, schema, dev_fraction, seed, 1)[0]


def folds(
    examples: Sequence[Example], schema: LabelSchema, dev_fraction: float, seed: int, count: int
) -> list[tuple[list[Example], list[Example]]]:
    """``count`` train/dev splits as ``split`` makes them, whose dev splits do not overlap (the
    first is ``split``'s): each label gives each dev split its share in turn, as long as it has
    examples left. No dev split leaves train fewer than two examples of any task's label (or its
    one): stratified on one task, a split could otherwise draw all of another task's rare label
    into dev, and training would lack it."""
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev fraction must be between 0 and 1, got {dev_fraction}")
    strata_task = max(schema.task_names, key=lambda t: len(schema.labels(t)))
    groups: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        groups[example.labels.get(strata_task, "")].append(i)
    totals = Counter(pair for example in examples for pair in example.labels.items())
    spare = {pair: total - min(2, total) for pair, total in totals.items()}  # what a dev split may take
    held: list[Counter[tuple[str, str]]] = [Counter() for _ in range(count)]
    rng = random.Random(seed)
    later = random.Random(seed + 1)  # the later splits' draws, so that the first is the same for any count
    fold_of: dict[int, int] = {}
    for key in sorted(groups):
        remaining = groups[key]
        rng.shuffle(remaining)
        share = len(remaining) * dev_fraction
        for fold in range(count):
            chance = (rng if fold == 0 else later).random()
            wanted = int(share) + (chance < share - int(share))
            kept = []
            for i in remaining:
                pairs = examples[i].labels.items()
                if wanted and all(held[fold][pair] < spare[pair] for pair in pairs):
                    fold_of[i] = fold
                    held[fold].update(pairs)
                    wanted -= 1
                else:
                    kept.append(i)
            remaining = kept
    return [
        (
            [e for i, e in enumerate(examples) if fold_of.get(i) != fold],
            [e for i, e in enumerate(examples) if fold_of.get(i) == fold],
        )
        for fold in range(count)
    ]


def loose_pages(examples: Sequence[Example], share: float, seed: int) -> list[Example]:
    """Copies of a ``share`` of the multi-page examples cut to a run of their pages without the first.

    Archives receive loose pages (a scan that lost its cover, the annex of a report filed alone);
    a model trained only on whole documents learns the cues of first pages and misreads them.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the share of loose-page copies must be between 0 and 1, got {share}")
    rng = random.Random(seed)
    copies = []
    for example in examples:
        pages = example.text.split(PAGE_SEPARATOR)
        if len(pages) < 2 or rng.random() >= share:
            continue
        start = rng.randint(1, len(pages) - 1)
        stop = rng.randint(start + 1, len(pages))
        text = PAGE_SEPARATOR.join(pages[start:stop])
        copies.append(Example(text, example.labels, f"{example.where} (pages {start + 1}-{stop})"))
    return copies
