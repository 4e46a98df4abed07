"""Data and models the classify tests share, trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.classify import (
    TrainOptions,
    load_dataset,
    load_schema,
    train,
)
from tests.classify.common import TINY_TRANSFORMER
from tests.corpus import make_documents, write_jsonl


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("classify-data")
    write_jsonl(folder / "train.jsonl", make_documents(700, seed=1))
    write_jsonl(folder / "test.jsonl", make_documents(300, seed=2))
    return folder


@pytest.fixture(scope="session")
def linear_model(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = load_schema()
    out = tmp_path_factory.mktemp("models") / "linear"
    train(load_dataset([str(data_dir / "train.jsonl")], schema), schema, out, TrainOptions(quantize=True))
    return out


@pytest.fixture(scope="session")
def transformer_model(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = load_schema()
    out = tmp_path_factory.mktemp("models") / "transformer"
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    options = TrainOptions(backend="transformer", quantize=True, transformer=TINY_TRANSFORMER)
    train(dataset, schema, out, options)
    return out
