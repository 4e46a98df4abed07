"""munseo train / evaluate / classify / labels."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from munseo.classify import Classifier, load_schema
from munseo.classify.cli import classify_command, evaluate_command, labels_app, train_command
from munseo.errors import ExitCode
from tests.corpus import write_jsonl


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
    assert missing.exit_code == ExitCode.BAD_MODEL and "no such folder" in missing.output


def test_train_command_reports_bad_data(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a", "labels": {"institution": "없는기관"}}\n')
    result = CliRunner().invoke(_app(), ["train", "--data", str(path), "--out", str(tmp_path / "m")])
    assert result.exit_code == ExitCode.BAD_DATA
    assert "bad.jsonl:1" in result.output and "없는기관" in result.output


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
