"""The classify stage on small generated data: both backends trained inside the tests."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import typer
from typer.testing import CliRunner

from munseo.classify import (
    Classifier,
    DataError,
    ModelError,
    SchemaError,
    TrainOptions,
    load_dataset,
    load_schema,
    train,
)
from munseo.classify.cli import classify_command, evaluate_command, labels_app, train_command
from munseo.classify.data import Example, loose_pages, split
from munseo.classify.evaluate import evaluate
from munseo.classify.linear import train_linear
from munseo.classify.options import LinearOptions, TransformerOptions
from munseo.classify.transformer import TorchClassifier
from tests.corpus import make_documents, write_jsonl

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


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("classify-data")
    write_jsonl(folder / "train.jsonl", make_documents(700, seed=1))
    write_jsonl(folder / "test.jsonl", make_documents(300, seed=2))
    return folder


@pytest.fixture(scope="module")
def linear_model(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = load_schema()
    out = tmp_path_factory.mktemp("models") / "linear"
    train(load_dataset([str(data_dir / "train.jsonl")], schema), schema, out, TrainOptions(quantize=True))
    return out


@pytest.fixture(scope="module")
def transformer_model(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = load_schema()
    out = tmp_path_factory.mktemp("models") / "transformer"
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    options = TrainOptions(backend="transformer", quantize=True, transformer=TINY_TRANSFORMER)
    train(dataset, schema, out, options)
    return out


def _test_set(data_dir: Path):
    return load_dataset([str(data_dir / "test.jsonl")], load_schema())


def _majority_share(dataset, task: str) -> float:
    counts = Counter(e.labels[task] for e in dataset.examples)
    return counts.most_common(1)[0][1] / len(dataset.examples)


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_predictions_beat_chance_by_a_wide_margin(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    classifier = Classifier(request.getfixturevalue(model_name))
    result = evaluate(classifier, _test_set(data_dir))
    for task, metrics in result.tasks.items():
        majority = _majority_share(_test_set(data_dir), task)
        assert metrics.accuracy > majority + 0.3, (task, metrics.accuracy, majority)
        assert metrics.macro_f1 > 0.5, (task, metrics.macro_f1)


def test_linear_onnx_gives_the_framework_labels(data_dir: Path, tmp_path: Path):
    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    model = train_linear(dataset.examples, schema, LinearOptions(), seed=1)
    model.export_onnx(tmp_path / "model.onnx")
    texts = [e.text for e in _test_set(data_dir).examples]
    ids, weights = model.vocabulary.transform_padded(texts)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(["logits"], {"ids": ids, "weights": weights})[0]
    framework = model.logits(texts)
    start = 0
    for task in schema.task_names:
        stop = start + len(schema.labels(task))
        np.testing.assert_array_equal(onnx_logits[:, start:stop].argmax(1), framework[task].argmax(1))
        np.testing.assert_allclose(onnx_logits[:, start:stop], framework[task], atol=1e-4)
        start = stop


def test_transformer_onnx_gives_the_pytorch_labels(transformer_model: Path, data_dir: Path):
    texts = [e.text for e in _test_set(data_dir).examples][:64]
    texts.append(" ".join(texts[:12]))  # a long document: several chunks
    torch_logits = TorchClassifier(transformer_model).logits(texts)
    onnx_logits = Classifier(transformer_model, precision="fp32").logits(texts)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=1e-4)
    int8 = Classifier(transformer_model, precision="int8").logits(texts)
    schema = load_schema()
    start = 0
    for task in schema.task_names:
        stop = start + len(schema.labels(task))
        np.testing.assert_array_equal(onnx_logits[:, start:stop].argmax(1), torch_logits[:, start:stop].argmax(1))
        assert np.mean(int8[:, start:stop].argmax(1) == torch_logits[:, start:stop].argmax(1)) > 0.9
        start = stop


_RELOAD = """
import json, sys
from munseo.classify import Classifier
classifier = Classifier(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps([p.to_dict() for p in classifier.predict(texts)], ensure_ascii=False))
"""


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_model_folder_reloads_in_a_fresh_process(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    folder = request.getfixturevalue(model_name)
    texts = [e.text for e in _test_set(data_dir).examples][:40]
    here = [p.to_dict() for p in Classifier(folder).predict(texts)]
    run = subprocess.run(
        [sys.executable, "-c", _RELOAD, str(folder)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    there = json.loads(run.stdout)
    assert [p["tasks"][t]["label"] for p in there for t in p["tasks"]] == [
        p["tasks"][t]["label"] for p in here for t in p["tasks"]
    ]
    for a, b in zip(here, there, strict=True):
        for task in a["tasks"]:
            assert a["tasks"][task]["probabilities"] == pytest.approx(b["tasks"][task]["probabilities"], abs=1e-6)


def test_model_folder_has_what_inference_needs(linear_model: Path, transformer_model: Path):
    for folder in (linear_model, transformer_model):
        names = {p.name for p in folder.iterdir()}
        assert {
            "model.onnx",
            "model.int8.onnx",
            "config.json",
            "label_mappings.json",
            "metrics.json",
            "training_data.json",
        } <= names
        manifest = json.loads((folder / "training_data.json").read_text())
        assert len(manifest["sha256"]) == 64 and manifest["examples"] == 700
        assert sum(manifest["counts"]["institution"].values()) == 700
        metrics = json.loads((folder / "metrics.json").read_text())
        assert set(metrics["dev"]) == {"institution", "doc_type"}
        assert metrics["onnx_agrees_with_framework"] == {"institution": 1.0, "doc_type": 1.0}
    assert (linear_model / "vocabulary.npz").is_file()
    assert (transformer_model / "tokenizer" / "tokenizer.json").is_file()
    assert (transformer_model / "pytorch" / "model.safetensors").is_file()


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_calibration_lowers_ece_on_held_out_data(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    result = evaluate(Classifier(request.getfixturevalue(model_name)), _test_set(data_dir))
    for task, metrics in result.tasks.items():
        assert metrics.ece_uncalibrated is not None
        assert metrics.ece < metrics.ece_uncalibrated, (task, metrics.ece, metrics.ece_uncalibrated)


def test_review_flag_and_thresholds(linear_model: Path):
    text = "국회 위원회 검토 결과 및 사항"
    strict = Classifier(linear_model, thresholds=1.0).predict_one(text)
    assert strict.needs_review and all(t.needs_review for t in strict.tasks.values())
    lenient = Classifier(linear_model, thresholds={"institution": 0.0, "doc_type": 0.0}).predict_one(text)
    assert not lenient.needs_review
    default = Classifier(linear_model).predict_one(text)
    assert {t.threshold for t in default.tasks.values()} == {0.70}
    for task in default.tasks.values():
        assert sum(task.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert task.top(3)[0] == (task.label, task.confidence)
    with pytest.raises(ValueError, match="unknown tasks"):
        Classifier(linear_model, thresholds={"colour": 0.5})


def test_batches_give_the_same_answers_as_single_documents(linear_model: Path, data_dir: Path):
    classifier = Classifier(linear_model)
    texts = [e.text for e in _test_set(data_dir).examples][:70]  # three batches
    batched = classifier.probabilities(texts)
    for i in (0, 33, 69):
        single = classifier.probabilities([texts[i]])
        for task in batched:
            np.testing.assert_allclose(batched[task][i], single[task][0], atol=1e-6)


# --- wrong schemas and data ---------------------------------------------------------------------


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


def test_own_label_schema_of_any_size(tmp_path: Path):
    rng = random.Random(5)
    topics = {f"topic{i:02d}": " ".join(chr(0xAC00 + 588 * i + 28 * k) * 2 for k in range(3)) for i in range(12)}
    records = [
        {"text": " ".join([topics[t], "공통 문장 " * rng.randint(1, 4)]), "labels": {"topic": t}}
        for t in topics
        for _ in range(12)
    ]
    path = write_jsonl(tmp_path / "topics.jsonl", records)
    runner = CliRunner()
    result = runner.invoke(_app(), ["labels", "infer", str(path)])
    assert result.exit_code == 0, result.output
    schema_file = tmp_path / "labels.json"
    schema_file.write_text(result.stdout)
    schema = load_schema(schema_file)
    assert schema.labels("topic") == tuple(sorted(topics))
    out = tmp_path / "topics-model"
    result = runner.invoke(_app(), ["train", "--data", str(path), "--labels", str(schema_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    prediction = Classifier(out).predict_one(records[30]["text"])
    assert prediction.labels == {"topic": records[30]["labels"]["topic"]}


# --- corrupt model folders ----------------------------------------------------------------------


def test_corrupt_model_folder_fails_with_a_clear_error(linear_model: Path, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(linear_model, folder)
    model = folder / "model.onnx"
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(ModelError, match=r"model\.onnx is corrupt"):
        Classifier(folder)
    (folder / "vocabulary.npz").unlink()
    shutil.copy(linear_model / "model.onnx", model)
    with pytest.raises(ModelError, match=r"vocabulary\.npz is missing"):
        Classifier(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"config\.json is unreadable or not valid JSON"):
        Classifier(folder)
    (folder / "config.json").unlink()
    with pytest.raises(ModelError, match=r"config\.json is missing"):
        Classifier(folder)
    with pytest.raises(ModelError, match="no such folder"):
        Classifier(tmp_path / "nowhere")


def test_schema_and_config_that_disagree(linear_model: Path, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(linear_model, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["tasks"]["doc_type"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"differ from config\.json"):
        Classifier(folder)
    config["backend"] = "forest"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"config\.json is invalid at backend"):
        Classifier(folder)


# --- training details ---------------------------------------------------------------------------


def test_split_is_stratified_and_keeps_rare_labels_in_train(data_dir: Path):
    schema = load_schema()
    examples = load_dataset([str(data_dir / "train.jsonl")], schema).examples
    train_set, dev_set = split(examples, schema, 0.2, seed=1)
    assert len(train_set) + len(dev_set) == len(examples)
    assert split(examples, schema, 0.2, seed=1) == (train_set, dev_set)
    for label, count in Counter(e.labels["institution"] for e in examples).items():
        in_dev = sum(e.labels["institution"] == label for e in dev_set)
        assert in_dev == int(count * 0.2), label  # the task with the most labels is the stratum
    rare = [e for e in examples if e.labels["institution"] == "국토교통위원회"][:3]
    common = [e for e in examples if e.labels["institution"] == "의사국"][:50]
    train_rare, dev_rare = split([*rare, *common], schema, 0.2, seed=1)
    assert all(e in train_rare for e in rare) and len(dev_rare) == 10


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


def test_linear_morph_analyzer_trains(data_dir: Path, tmp_path: Path):
    pytest.importorskip("kiwipiepy")
    from munseo.classify.features import FeatureConfig

    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    dataset.examples[:] = dataset.examples[:200]
    options = TrainOptions(linear=LinearOptions(features=FeatureConfig(analyzer="morph", ngram_max=2)))
    result = train(dataset, schema, tmp_path / "morph", options)
    assert result.metrics["dev"]["doc_type"]["accuracy"] > 0.5


def test_transformer_from_a_local_hugging_face_encoder(data_dir: Path, tmp_path: Path):
    """A user's checkpoint is a local folder: a tiny BERT saved here stands in for KoBERT."""
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from munseo.classify.transformer import train_wordpiece

    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    dataset.examples[:] = dataset.examples[:240]
    encoder_dir = tmp_path / "kobert-local"
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_wordpiece([e.text for e in dataset.examples], 400),
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    tokenizer.save_pretrained(str(encoder_dir))
    BertModel(
        BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
    ).save_pretrained(str(encoder_dir))
    options = TrainOptions(
        backend="transformer",
        transformer=TransformerOptions(
            encoder=encoder_dir, chunk_tokens=512, max_chunks=2, epochs=2, learning_rate=1e-3, threads=2
        ),
    )
    result = train(dataset, schema, tmp_path / "from-local", options)
    config = json.loads((tmp_path / "from-local" / "config.json").read_text())
    assert config["tokenizer"]["chunk_tokens"] == 64  # capped by the encoder's position embeddings
    assert result.metrics["onnx_agrees_with_framework"] == {"institution": 1.0, "doc_type": 1.0}
    with pytest.raises(ModelError, match="not a Hugging Face model folder"):
        train(
            dataset,
            schema,
            tmp_path / "bad",
            TrainOptions(backend="transformer", transformer=TransformerOptions(encoder=tmp_path)),
        )


def test_focal_loss_and_class_weights():
    import torch

    from munseo.classify.transformer import task_loss

    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    targets = torch.tensor([0, 0, -100])
    plain = task_loss(logits, targets, None, None)
    expected = torch.nn.functional.cross_entropy(logits[:2], targets[:2])
    assert float(plain) == pytest.approx(float(expected))
    focal = task_loss(logits, targets, None, 2.0)
    assert float(focal) < float(plain)
    weighted = task_loss(logits, targets, torch.tensor([1.0, 3.0]), None)
    assert float(weighted) == pytest.approx(float(plain))  # only class 0 present: weights cancel out


# --- CLI ----------------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("classify")(classify_command)
    app.add_typer(labels_app, name="labels")
    return app


def test_evaluate_command_writes_a_report_and_json(linear_model: Path, data_dir: Path, tmp_path: Path):
    report = tmp_path / "report"
    result = CliRunner().invoke(
        _app(),
        ["evaluate", str(linear_model), "--data", str(data_dir / "test.jsonl"), "--report", str(report), "--json"],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for task in ("institution", "doc_type"):
        entry = figures["tasks"][task]
        assert {"accuracy", "macro_f1", "per_class", "ece"} <= set(entry)
        assert [p["threshold"] for p in entry["coverage"]] == pytest.approx([0.5 + 0.05 * i for i in range(10)])
        for name in (f"confusion_{task}.png", f"confusion_{task}.json", f"reliability_{task}.png"):
            assert (report / name).stat().st_size > 0
    text = (report / "report.md").read_text()
    assert "## institution" in text and "confusion_doc_type.png" in text and "Review gate" in text


def test_classify_command_prints_labels_and_top3(linear_model: Path):
    result = CliRunner().invoke(
        _app(),
        ["classify", "--text", "교육부 학교 교원 심사보고서 심사경과 대체토론", "--model", str(linear_model), "--json"],
    )
    assert result.exit_code == 0, result.output
    prediction = json.loads(result.stdout)
    assert prediction["tasks"]["institution"]["label"] == "교육위원회"
    assert prediction["tasks"]["doc_type"]["label"] == "심사보고서"
    assert len(prediction["tasks"]["doc_type"]["top"]) == 3
    table = CliRunner().invoke(_app(), ["classify", "--text", "교육부 학교", "--model", str(linear_model)])
    assert table.exit_code == 0 and "top 3" in table.stdout
    missing = CliRunner().invoke(_app(), ["classify", "--text", "x", "--model", "/nonexistent/model"])
    assert missing.exit_code == 1 and "no such folder" in missing.output


def test_train_command_reports_bad_data(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a", "labels": {"institution": "없는기관"}}\n')
    result = CliRunner().invoke(_app(), ["train", "--data", str(path), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "bad.jsonl:1" in result.output and "없는기관" in result.output


# --- other sources and the whole pipeline -------------------------------------------------------


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


def test_classify_command_reads_a_file_through_the_pipeline(linear_model: Path, tmp_path: Path):
    """A born-digital PDF from munseo synth: ingest, text layer, clean, classify."""
    from munseo.synth import generate

    manifest = generate(tmp_path / "synth", 1, seed=11, scan_ratio=0.0, difficulty="easy")
    record = json.loads(manifest.read_text(encoding="utf-8").splitlines()[0])
    result = CliRunner().invoke(
        _app(), ["classify", str(tmp_path / "synth" / record["file"]), "--model", str(linear_model), "--json"]
    )
    assert result.exit_code == 0, result.output
    prediction = json.loads(result.stdout)
    assert set(prediction["tasks"]) == {"institution", "doc_type"}
    assert prediction["model_version"].startswith("linear-")


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_against_hand_computed_values():
    from munseo.evaluate.classification import (
        confusion_matrix,
        coverage_curve,
        expected_calibration_error,
        macro_f1,
        task_metrics,
    )

    truth = np.array([0, 0, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 0])
    assert confusion_matrix(truth, predicted, 3).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # F1: class 0 = 0.5, class 1 = 0.8, class 2 = 0 → mean 0.4333
    assert macro_f1(truth, predicted, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    confidences = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([True, False, True, True])
    # bins: 0.9 → (0.5 right, 0.9 conf), 0.6 → (1.0 right, 0.6 conf): ECE = 0.5·0.4 + 0.5·0.4
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.4)
    points = coverage_curve(confidences, correct, [0.5, 0.7, 0.95])
    assert [(p.coverage, p.accuracy) for p in points] == [(1.0, 0.75), (0.5, 0.5), (0.0, None)]
    probabilities = np.array([[0.7, 0.2, 0.1], [0.4, 0.6, 0.0], [0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.5, 0.2, 0.3]])
    metrics = task_metrics(["a", "b", "c"], truth, probabilities)
    assert metrics.accuracy == pytest.approx(0.6)
    assert metrics.per_class["b"].precision == pytest.approx(2 / 3) and metrics.per_class["b"].recall == 1.0
    assert metrics.per_class["c"].support == 1 and metrics.per_class["c"].f1 == 0.0
    assert sum(b.count for b in metrics.reliability) == 5


def test_training_featurises_into_one_float64_copy_equal_to_transform() -> None:
    from munseo.classify.features import Vocabulary
    from munseo.classify.options import DEFAULT_FEATURES

    texts = [d["text"] for d in make_documents(120, seed=9)]
    fitted = Vocabulary.fit(texts, DEFAULT_FEATURES)
    vocabulary, matrix = Vocabulary.fit_transform(texts, DEFAULT_FEATURES, dtype=np.float64)
    assert np.array_equal(vocabulary.buckets, fitted.buckets) and np.allclose(vocabulary.idf, fitted.idf)
    expected = fitted.transform(texts)
    assert matrix.dtype == np.float64 and matrix.has_sorted_indices and matrix.nnz == expected.nnz
    assert abs(matrix - expected).max() < 1e-6


def test_tasks_are_fitted_side_by_side_only_within_the_memory_budget() -> None:
    from scipy import sparse

    from munseo.classify.linear import fit_threads

    small = sparse.random(1000, 500, density=0.01, format="csr")
    assert fit_threads(small, 2, LinearOptions()) == 2
    assert fit_threads(small, 1, LinearOptions()) == 1
    large_copy_mib = LinearOptions().fit_memory_mib * 0.6  # two copies would not fit
    rows = int(large_copy_mib * 2**20 / 16)
    large = sparse.csr_matrix((np.ones(rows), np.zeros(rows, dtype=np.int32), np.arange(rows + 1)), shape=(rows, 1))
    assert fit_threads(large, 2, LinearOptions()) == 1
