"""``munseo evaluate``'s core: a model measured on held-out documents — per-task metrics, the review
gate, F1 by training frequency, documents whose label the model never saw counted apart — and the
report written from it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from munseo.classify import Classifier
from munseo.classify.data import Dataset, Example
from munseo.classify.evaluate import evaluate, training_counts, write_report
from tests.corpus import make_documents, trained_model


def test_a_model_is_measured_per_task_with_its_review_gate_and_unseen_labels(tmp_path: Path) -> None:
    classifier = Classifier(trained_model(tmp_path, count=300, seed=5))
    held_out = [Example(d["text"], d["labels"], f"held-out {n}") for n, d in enumerate(make_documents(120, seed=77))]
    unseen = [Example(d["text"], {**d["labels"], "doc_type": "감사보고서"}, "new") for d in make_documents(6, seed=78)]
    dataset = Dataset(held_out + unseen, ["held-out"], unseen={"doc_type": Counter({"감사보고서": 6})})
    result = evaluate(classifier, dataset)

    assert result.count == 126 and set(result.tasks) == {"institution", "doc_type"}
    institution = result.tasks["institution"]
    assert 0.5 < institution.accuracy <= 1.0 and 0.0 <= institution.ece < 0.3
    assert 0.0 < result.review["needs_review_share"] < 1.0
    accepted = result.review["accuracy_auto_accepted"]
    assert accepted is not None and accepted >= result.review["accuracy_all_tasks"]  # the gate keeps the doubtful
    # the documents with a label the model never saw are counted apart, not scored as errors of a known label
    assert result.unseen["doc_type"]["documents"] == 6 and result.unseen["doc_type"]["labels"] == {"감사보고서": 6}
    assert sum(result.tasks["doc_type"].per_class[label].support for label in result.tasks["doc_type"].labels) == 120
    counts = training_counts(classifier)
    assert sum(counts["institution"].values()) > 0
    assert {b["band"] for b in institution.extra["bands"]}

    report = write_report(result, tmp_path / "report", ["held-out.jsonl"])
    text = report.read_text(encoding="utf-8")
    assert "# Evaluation of" in text and "labels the model has never seen" in text and "감사보고서 6" in text
    for task in ("institution", "doc_type"):
        assert (tmp_path / "report" / f"confusion_{task}.png").stat().st_size > 1000
        assert (tmp_path / "report" / f"reliability_{task}.png").is_file()
    stored = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert stored["documents"] == 126 and stored["unseen_labels"]["doc_type"]["documents"] == 6
