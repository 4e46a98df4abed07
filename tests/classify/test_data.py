"""Training data: sources, errors with their line, the stratified split, loose pages, reviews as data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from munseo.classify import (
    DataError,
    TrainOptions,
    load_dataset,
    load_schema,
    train,
)
from munseo.classify.data import Dataset, Example, folds, loose_pages, split
from munseo.classify.schema import LabelSchema
from munseo.classify.train import calibration_folds, dev_fraction
from tests.corpus import make_documents, write_jsonl


def test_unknown_labels_in_training_data_name_the_line(tmp_path: Path):
    records = make_documents(5, seed=3)
    records[3]["labels"]["institution"] = "환경노동위원회"
    path = write_jsonl(tmp_path / "train.jsonl", records)
    with pytest.raises(DataError, match=r"train\.jsonl:4: label '환경노동위원회' of task 'institution'"):
        load_dataset([str(path)], load_schema())
    records[3]["labels"] = {"colour": "red"}
    write_jsonl(path, records)
    with pytest.raises(DataError, match=r"train\.jsonl:4: task 'colour' is not in the label schema"):
        load_dataset([str(path)], load_schema())
    path.write_text('{"text": "a", "labels": {"institution": "의사국"}}\n{"text": oops}\n')
    with pytest.raises(DataError, match=r"train\.jsonl:2: not valid JSON"):
        load_dataset([str(path)], load_schema())
    path.write_text('{"text": 5, "labels": {}}\n')
    with pytest.raises(DataError, match=r"train\.jsonl:1: \"text\" must be a string"):
        load_dataset([str(path)], load_schema())


def test_a_task_may_be_missing_on_a_line(tmp_path: Path):
    records = make_documents(300, seed=4)
    for record in records[::3]:
        del record["labels"]["doc_type"]
    path = write_jsonl(tmp_path / "partial.jsonl", records)
    schema = load_schema()
    dataset = load_dataset([str(path)], schema)
    assert sum(dataset.label_counts(schema)["doc_type"].values()) == 200
    result = train(dataset, schema, tmp_path / "model", TrainOptions())
    assert result.metrics["dev"]["doc_type"]["count"] < result.metrics["dev"]["institution"]["count"]


def test_split_is_stratified_and_keeps_rare_labels_in_train(data_dir: Path):
    schema = load_schema()
    examples = load_dataset([str(data_dir / "train.jsonl")], schema).examples
    train_set, dev_set = split(examples, schema, 0.2, seed=1)
    assert len(train_set) + len(dev_set) == len(examples)
    assert split(examples, schema, 0.2, seed=1) == (train_set, dev_set)
    for label, count in Counter(e.labels["institution"] for e in examples).items():
        in_dev = sum(e.labels["institution"] == label for e in dev_set)
        # the task with the most labels is the stratum: its share, rounded one way or the other
        assert int(count * 0.2) <= in_dev <= int(count * 0.2) + 1, label
    rare = [e for e in examples if e.labels["institution"] == "국토교통위원회"][:2]
    common = [e for e in examples if e.labels["institution"] == "의사국"][:50]
    train_rare, dev_rare = split([*rare, *common], schema, 0.2, seed=1)
    assert all(e in train_rare for e in rare) and len(dev_rare) == 10


def test_split_gives_dev_its_share_of_rare_labels():
    """Labels of three examples each: rounding down would give dev none of them, and calibration
    on dev would never see the labels the model knows least."""
    schema = LabelSchema({"institution": tuple(f"label {i}" for i in range(60))})
    examples = [
        Example(f"text {i} {j}", {"institution": f"label {i}"}, f"data.jsonl:{3 * i + j}")
        for i in range(60)
        for j in range(3)
    ]
    for seed in range(5):
        train_set, dev_set = split(examples, schema, 0.2, seed=seed)
        # 0.6 expected per label: 36 in all (binomial, sd 3.8)
        assert 24 <= len(dev_set) <= 48, seed
        left = Counter(e.labels["institution"] for e in train_set)
        assert len(left) == 60 and min(left.values()) >= 2  # every label keeps two in train


def test_loose_page_copies_drop_the_first_page():
    pages = [f"page {n} text" for n in range(1, 6)]
    whole = Example("\n\f\n".join(pages), {"institution": "의사국"}, "data.jsonl:3")
    single = Example("one page only", {"institution": "정무위원회"}, "data.jsonl:4")
    copies = loose_pages([whole, single] * 20, 1.0, seed=3)
    assert len(copies) == 20  # every multi-page example once, never a one-page one
    for copy in copies:
        kept = copy.text.split("\n\f\n")
        start = pages.index(kept[0])
        assert start >= 1 and kept == pages[start : start + len(kept)]  # a run of pages, never page 1
        assert copy.labels == whole.labels and copy.where.startswith("data.jsonl:3 (pages ")
    assert len({c.text for c in copies}) > 3  # runs differ from copy to copy
    assert loose_pages([whole, single] * 20, 1.0, seed=3) == copies
    assert len(loose_pages([whole] * 400, 0.25, seed=3)) in range(70, 131)
    with pytest.raises(ValueError, match="between 0 and 1"):
        loose_pages([whole], 1.5, seed=3)


def test_reviewed_documents_in_the_database_are_training_data(tmp_path: Path):
    from munseo.store.models import Document, DocumentStatus, Review
    from munseo.store.repository import Store

    url = f"sqlite:///{tmp_path / 'munseo.db'}"
    store = Store(url)
    records = make_documents(4, seed=6)
    with store.sessions.begin() as session:
        for i, record in enumerate(records):
            document = Document(
                sha256=f"{i:064d}",
                filename=f"d{i}.pdf",
                size_bytes=1,
                text=record["text"],
                status=DocumentStatus.PROCESSED if i < 3 else DocumentStatus.FAILED,
            )
            session.add(document)
            session.flush()
            if i == 2:
                continue  # processed but never reviewed: not training data
            session.add(
                Review(document_id=document.id, reviewer="kim", action="correct", labels={"institution": "의사국"})
            )
            session.add(Review(document_id=document.id, reviewer="lee", action="correct", labels=record["labels"]))
    store.close()
    dataset = load_dataset([url], load_schema())
    assert [e.labels for e in dataset.examples] == [records[0]["labels"], records[1]["labels"]]  # the latest review
    assert dataset.examples[0].text == records[0]["text"]


def test_synth_manifest_is_training_data(tmp_path: Path):
    from munseo.synth import generate

    generate(tmp_path / "synth", 6, seed=3, scan_ratio=0.0, difficulty="easy", include_unknown=1)
    schema = load_schema()
    dataset = load_dataset([str(tmp_path / "synth")], schema)
    assert len(dataset.examples) == 6
    assert dataset.skipped == {"synth inputs labelled unknown (no class)": 1}
    assert all(len(e.text) > 100 and set(e.labels) == {"institution", "doc_type"} for e in dataset.examples)


def test_calibration_folds_hold_out_disjoint_stratified_dev_splits(data_dir: Path):
    schema = load_schema()
    examples = load_dataset([str(data_dir / "train.jsonl")], schema).examples
    splits = folds(examples, schema, 0.2, seed=1, count=3)
    assert splits[0] == split(examples, schema, 0.2, seed=1)
    seen: set[str] = set()
    for train_set, dev_set in splits:
        assert len(train_set) + len(dev_set) == len(examples)
        assert not seen & {e.where for e in dev_set}  # no example is held out twice
        seen |= {e.where for e in dev_set}
        for label, count in Counter(e.labels["institution"] for e in examples).items():
            in_dev = sum(e.labels["institution"] == label for e in dev_set)
            assert in_dev <= int(count * 0.2) + 1, label
    assert len(seen) > 0.5 * len(examples)


@pytest.mark.parametrize(
    ("size", "count"), [(40, 5), (2_000, 5), (4_516, 5), (14_700, 5), (20_000, 4), (30_000, 3), (31_500, 3)]
)
def test_calibration_splits_are_as_many_as_affordable(size: int, count: int):
    options = TrainOptions()
    share = dev_fraction(size, options)
    train_size = size - round(size * share)
    assert calibration_folds(train_size, share, options) == count
    assert calibration_folds(train_size, share, TrainOptions(calibration_folds=1)) == 1


def _tiny_examples() -> list[Example]:
    words = ["가나", "다라", "마바", "사아", "자차"]
    return [
        Example(
            " ".join(f"{words[(i + k) % 5]}{i % 5}" for k in range(30)),
            {"A": f"a{i % 5}", "B": "y" if i in (3, 17) else "x"},
            f"tiny.jsonl:{i}",
        )
        for i in range(40)
    ]


TINY_SCHEMA = LabelSchema({"A": tuple(f"a{i}" for i in range(5)), "B": ("x", "y")})


@pytest.mark.parametrize(
    ("options", "splits"),
    [
        (TrainOptions(), 5),
        (TrainOptions(refit=False), 1),
        # the training split itself decides (33 of 40; 40 less 15% would say 34), and the extra fits
        # see at most two of refit_max: three splits
        (TrainOptions(refit_max=33), 3),
        (TrainOptions(refit_max=32), 1),
    ],
)
def test_extra_calibration_splits_only_for_a_model_fitted_again(options: TrainOptions, splits: int, tmp_path: Path):
    result = train(Dataset(_tiny_examples(), ["tiny.jsonl"]), TINY_SCHEMA, tmp_path / "model", options)
    assert result.metrics["calibration_splits"] == splits
    assert result.metrics["refit_on_dev"] == (splits > 1)


def test_tiny_data_with_a_rare_label_of_a_second_task_trains_on_any_seed(tmp_path: Path):
    """The split is stratified on the task with the most labels; another task's label with two
    examples can be drawn into dev whole, which left training without it (and failed)."""
    for seed in range(16):
        dataset = Dataset(_tiny_examples(), ["tiny.jsonl"])
        result = train(dataset, TINY_SCHEMA, tmp_path / f"model-{seed}", TrainOptions(seed=seed))
        assert result.metrics["refit_on_dev"], seed  # so the model was fitted on both "y" examples
