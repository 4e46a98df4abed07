"""Helpers of the classify tests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from munseo.classify import (
    load_dataset,
    load_schema,
)
from munseo.classify.options import TransformerOptions

TINY_TRANSFORMER = TransformerOptions(
    hidden=48,
    layers=1,
    heads=2,
    vocab_size=600,
    chunk_tokens=48,
    max_chunks=2,
    epochs=6,
    batch_size=16,
    learning_rate=3e-3,
    threads=2,
)


def held_out(data_dir: Path):
    return load_dataset([str(data_dir / "test.jsonl")], load_schema())


def majority_share(dataset, task: str) -> float:
    counts = Counter(e.labels[task] for e in dataset.examples)
    return counts.most_common(1)[0][1] / len(dataset.examples)
