"""The learning loop through the API, on real bills: reviewers correct a committee the model hardly
knows, a retrain starts by itself at the threshold, the better candidate is promoted and labels the
next documents; a worse candidate is kept inactive with the reason; rollback is one call."""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import mlflow
import pytest
from fastapi.testclient import TestClient

from munseo.classify import Classifier, TrainOptions, infer_schema, load_dataset, train
from munseo.classify.evaluate import training_counts, training_pairs
from munseo.classify.registry import ModelHolder, register_model
from munseo.config import Settings
from munseo.evaluate.testpages import text_pdf
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.stages import Services, run_due, stages
from munseo.stages.retrain import decide, drift, in_fixed_set, request_retrain, scheduled, usefulness
from munseo.store.labels import ReviewProblem, ReviewRefused
from munseo.store.models import Classification, Document, JobStatus, RetrainRun, utcnow
from munseo.store.repository import Store
from tests.corpus import CORPORA, make_documents, trained_model

TASK = "committee"


def _bills() -> list[dict]:
    path = CORPORA / "kr-bills.jsonl.xz"
    if not path.is_file():
        pytest.fail(f"{path} is missing: these tests need the shared real corpora (../shared/corpora/)")
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if '"split": "train"' in line]


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(
                json.dumps({"text": r["text"], "labels": {TASK: r["labels"][TASK]}}, ensure_ascii=False) + "\n"
            )
    return path


def _wait(check: Any, what: str, seconds: float = 240) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_decide_promotes_only_a_model_no_worse_anywhere_and_better_somewhere() -> None:
    active = {"a": {"macro_f1": 0.80}, "b": {"macro_f1": 0.60}}
    assert decide({"a": {"macro_f1": 0.80}, "b": {"macro_f1": 0.70}}, active, 0.01)[0]
    assert decide({"a": {"macro_f1": 0.795}, "b": {"macro_f1": 0.70}}, active, 0.01)[0]  # within the margin
    worse, why = decide({"a": {"macro_f1": 0.70}, "b": {"macro_f1": 0.90}}, active, 0.01)
    assert not worse and "worse" in why and "a 0.700 < 0.800" in why
    same, why = decide(active, active, 0.01)
    assert not same and "no better" in why
    assert decide(active, None, 0.01) == (True, "no version was active")


def _predicted(institution: str, doc_type: str, confidence: float = 0.8) -> Document:
    rows = [
        Classification(
            task=task, label=label, confidence=confidence, needs_review=False,
            probabilities={label: confidence, "기타": 1 - confidence},
        )
        for task, label in (("institution", institution), ("doc_type", doc_type))
    ]  # fmt: skip
    return Document(classifications=rows)


def test_useful_order_ranks_tasks_that_disagree_first(tmp_path: Path) -> None:
    """Usefulness from the model's own training counts: two labels that training rarely had
    together add more than a usual pair, a pair it never saw the most; less sure is more useful."""
    classifier = Classifier(trained_model(tmp_path, count=300, seed=5))
    counts, pairs = training_counts(classifier), training_pairs(classifier)
    key = "institution\tdoc_type"
    assert key in pairs and sum(pairs[key].values()) == sum(counts["institution"].values())
    by_count = sorted(pairs[key], key=lambda pair: pairs[key][pair])
    rare, usual = (tuple(pair.split("\t")) for pair in (by_count[0], by_count[-1]))
    assert pairs[key][by_count[0]] < pairs[key][by_count[-1]]

    def disagreement(institution: str, doc_type: str) -> float:
        document = _predicted(institution, doc_type)
        return usefulness(document, counts, pairs) - usefulness(document, counts)

    assert disagreement(*rare) > disagreement(*usual) > 0
    assert disagreement(usual[0], "감사보고서") == pytest.approx(1.0)  # a pair training never had
    assert usefulness(_predicted(*usual, 0.5), counts, pairs) > usefulness(_predicted(*usual), counts, pairs)
    assert usefulness(Document(classifications=[]), counts, pairs) == 0.0


def test_the_fixed_set_is_chosen_by_content_hash_and_never_changes() -> None:
    hashes = [f"{n:08x}" + "0" * 56 for n in range(0, 2**32, 2**32 // 1000)]
    chosen = [h for h in hashes if in_fixed_set(h, 0, 20)]
    assert 150 < len(chosen) < 250
    assert chosen == [h for h in hashes if in_fixed_set(h, 99, 20)]  # the id matters only without a hash
    assert set(chosen) <= {h for h in hashes if in_fixed_set(h, 0, 40)}  # a larger share keeps the smaller


@pytest.mark.slow
def test_corrections_retrain_promote_a_better_model_and_refuse_a_worse_one(tmp_path: Path) -> None:
    rows = _bills()
    counts = Counter(r["labels"][TASK] for r in rows)
    rare = sorted(label for label, n in counts.items() if 300 <= n <= 600)[0]
    others = [r for r in rows if r["labels"][TASK] != rare][::12]
    of_rare = [r for r in rows if r["labels"][TASK] == rare]
    # the first model hardly knows the committee: two of its bills among ~3,000
    first_data = _write(tmp_path / "first.jsonl", others + of_rare[:2])
    schema, _ = infer_schema({TASK: r["labels"][TASK]} for r in others + of_rare[:2])
    first = tmp_path / "first-model"
    # one calibration split: the retrains below, what this test is about, train with the defaults
    train(load_dataset([str(first_data)], schema), schema, first, TrainOptions(calibration_folds=1))

    settings = Settings(data_dir=tmp_path / "data", retrain_after_corrections=30, fixed_set_percent=25, drift_window=40)
    store = Store(settings.resolved_database_url)
    old = register_model(store, settings.data_dir, first, activate=True).version
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    with TestClient(create_app(settings, executor="local")) as client:

        def upload(batch: list[dict], prefix: str) -> list[int]:
            files = [
                (
                    "files",
                    (f"{prefix}-{i}.pdf", text_pdf(tmp_path / f"{prefix}-{i}.pdf", r["text"], chars=1500).read_bytes()),
                )
                for i, r in enumerate(batch)
            ]
            response = client.post("/api/documents", headers=admin, files=files)
            assert response.status_code == 202, response.text
            ids = [item["document_id"] for item in response.json()["documents"]]

            def labelled() -> list[dict] | None:
                docs = [client.get(f"/api/documents/{i}", headers=admin).json() for i in ids]
                return docs if all(d["status"] == "processed" and d["labels"] for d in docs) else None

            return [d["id"] for d in _wait(labelled, f"{prefix} documents classified")]

        reviewed = upload(of_rare[2:52], "rare")
        before = [client.get(f"/api/documents/{i}", headers=admin).json()["labels"][TASK] for i in reviewed]
        assert sum(label["label"] == rare for label in before) < 25  # the first model mostly misses it
        useful = client.get("/api/review/queue?order=useful&page_size=200", headers=admin).json()
        assert useful["total"] > 0 and len(useful["items"]) == useful["total"]

        for n, doc_id in enumerate(reviewed, 1):
            body = {"action": "correct", "labels": {TASK: rare}}
            response = client.post(f"/api/documents/{doc_id}/review", headers=admin, json=body)
            assert response.status_code == 200, response.text
            runs = client.get("/api/models/retrains", headers=admin).json()
            if n < 30:
                assert runs == []  # not before the threshold
            elif n == 30:
                assert [r["reason"] for r in runs] == ["30 corrections since the last run"]

        def finished() -> dict | None:
            runs = client.get("/api/models/retrains", headers=admin).json()
            return runs[0] if runs and runs[0]["status"] in ("done", "failed") else None

        run = _wait(finished, "the triggered retrain")
        assert run["status"] == "done" and run["promoted"] is True, run["decision"]
        candidate = run["candidate"]
        report = run["report"]
        assert report["fixed_set"]["documents"] > 0
        assert report["recent"]["documents"] == min(report["fixed_set"]["documents"], settings.drift_window)
        assert report["recent"]["candidate"][TASK]["accuracy"] >= report["recent"]["active"][TASK]["accuracy"]
        assert report["pool"]["sources"]["reviewed documents"] > 0 and str(first_data) in report["pool"]["sources"]
        assert report["candidate"][TASK]["macro_f1"] > report["active"][TASK]["macro_f1"]
        assert report["f1_change"][TASK][rare] > 0
        models = {m["version"]: m for m in client.get("/api/models", headers=admin).json()}
        assert models[candidate]["active"] and models[candidate]["metrics"]["retrain"]["promoted"]
        # the version it replaced keeps its own fixed-set figures on its registry entry
        kept = models[old]["metrics"]["fixed_set"]
        assert kept["run"] == run["id"] and kept["figures"] == report["active"]
        # the run is in the MLflow tracking folder too: parameters, metrics, the decision, the model
        tracked = report["mlflow"]
        assert tracked["uri"].startswith("sqlite:///") and str(settings.data_dir.resolve()) in tracked["uri"]
        tracker = mlflow.MlflowClient(tracked["uri"])
        logged = tracker.get_run(tracked["run_id"]).data
        assert logged.params["backend"] == "linear" and logged.params["munseo_run"] == str(run["id"])
        assert logged.tags["munseo.version"] == candidate and logged.tags["munseo.promoted"] == "true"
        assert logged.metrics[f"candidate.{TASK}.macro_f1"] == pytest.approx(report["candidate"][TASK]["macro_f1"])
        assert logged.metrics[f"active.{TASK}.macro_f1"] == pytest.approx(report["active"][TASK]["macro_f1"])
        assert "model/model.onnx" in [a.path for a in tracker.list_artifacts(tracked["run_id"], "model")]

        # the next bills of the committee get the new version's labels
        after = upload(of_rare[60:70], "next")
        labels = [client.get(f"/api/documents/{i}", headers=admin).json()["labels"][TASK] for i in after]
        assert {label["model_version"] for label in labels} == {candidate}
        assert sum(label["label"] == rare for label in labels) >= 6

        # a pool poisoned with the committee's bills under another name makes a worse candidate:
        # bills as munseo read them from PDFs (like the fixed set's), outnumbering the reviewed ones
        # three to one whatever the model makes of them, and as the corpus has them
        wrong = next(label for label in schema.labels(TASK) if label != rare)
        unreviewed = after + upload(of_rare[70:110], "more")
        read = [client.get(f"/api/documents/{i}", headers=admin).json()["text"] for i in unreviewed]
        poison = [{"text": text, "labels": {TASK: wrong}} for text in read] * 3
        poison += [{"text": r["text"], "labels": {TASK: wrong}} for r in of_rare[110:400]]
        poisoned = _write(tmp_path / "poison.jsonl", poison)
        store.learning.add_source(str(poisoned), len(poison))
        response = client.post("/api/models/retrain", headers=admin, json={})
        assert response.status_code == 202, response.text
        assert client.post("/api/models/retrain", headers=admin, json={}).status_code == 409  # one at a time
        run = _wait(finished, "the asked-for retrain")
        assert run["reason"].startswith("asked for by") and run["promoted"] is False, run["decision"]
        assert "worse on the fixed set" in run["decision"], run["decision"]
        models = {m["version"]: m for m in client.get("/api/models", headers=admin).json()}
        assert not models[run["candidate"]]["active"] and models[candidate]["active"]
        assert "worse" in models[run["candidate"]]["metrics"]["retrain"]["decision"]

        stats = client.get("/api/stats", headers=admin).json()
        assert stats["retrain"]["id"] == run["id"] and stats["drift"]["reviewed"] == 40
        assert "munseo_drift_alarm" in client.get("/metrics", headers=admin).text

        # rollback to the first version is one call
        assert client.post(f"/api/models/{old}/activate", headers=admin).status_code == 200
        assert client.get("/readyz", headers=admin).json()["checks"]["model"] == f"ok: {old}"
    store.close()


def test_the_drift_alarm_sounds_when_reviewers_disagree_more_than_on_the_fixed_set(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    # 100 corrections below: too few for the count trigger (500), enough for the drift one (a fifth)
    settings = settings.model_copy(update={"drift_window": 40, "drift_drop": 0.1, "retrain_after_corrections": 500})
    percent = settings.fixed_set_percent
    hashes = [f"{k:08x}" + "0" * 56 for k in range(400)]
    fixed = [h for h in hashes if in_fixed_set(h, 0, percent)][:60]
    outside = [h for h in hashes if not in_fixed_set(h, 0, percent)][:40]
    # a committee model trained on real bills; the reviewed documents are other real bills
    rows = _bills()
    data = _write(tmp_path / "slice.jsonl", rows[:1200])
    schema, _ = infer_schema({TASK: r["labels"][TASK]} for r in rows[:1200])
    # one calibration split: the alarm compares predictions, which the further splits do not change
    train(load_dataset([str(data)], schema), schema, tmp_path / "model", TrainOptions(calibration_folds=1))
    register_model(store, settings.data_dir, tmp_path / "model", activate=True)
    services = Services(settings, store, ModelHolder(store))
    model = services.models.get()
    assert model is not None
    known = set(schema.labels(TASK))
    documents = [r for r in rows[5000:] if r["labels"][TASK] in known][:100]
    predictions = model.classifier.predict([d["text"] for d in documents])

    def labelled(n: int, sha: str) -> int:
        doc_id = store.documents.start(
            sha256=sha, filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
        )
        store.documents.finish(doc_id, [], documents[n]["text"])
        prediction = predictions[n]
        store.labels.apply(doc_id, prediction.tasks, prediction.needs_review, model.record_id)
        return doc_id

    # the fixed set (hashes in the first buckets): reviewers confirm the true committees
    for n in range(60):
        store.labels.review(labelled(n, fixed[n]), "kim", "correct", {TASK: documents[n]["labels"][TASK]})
    calm = drift(services)
    assert calm.reference is not None and calm.reference > 0.4 and not calm.alarm, calm
    # then the labels shift: through the API, reviewers move every document of the window to
    # another committee; the alarm shows in the stats and the metrics, and a retrain is asked for
    committees = sorted(known)
    shifted = list(range(60, 100))
    ids = [labelled(n, outside[n - 60]) for n in shifted]
    reviewer = {"Authorization": f"Bearer {create_token(store, 'reviewer')}"}
    with TestClient(create_app(settings, executor="none")) as client:
        assert client.get("/api/stats", headers=reviewer).json()["drift"]["alarm"] is False
        for n, doc_id in zip(shifted, ids, strict=True):
            other = next(c for c in committees if c != predictions[n].tasks[TASK].label)
            response = client.post(
                f"/api/documents/{doc_id}/review", headers=reviewer, json={"action": "correct", "labels": {TASK: other}}
            )
            assert response.status_code == 200, response.text
        alarm = client.get("/api/stats", headers=reviewer).json()["drift"]
        assert alarm["reviewed"] == 40 and alarm["alarm"] is True, alarm
        assert alarm["rolling_accuracy"] < alarm["fixed_set_accuracy"] - 0.1
        assert re.search(r"^munseo_drift_alarm 1(\.0)?$", client.get("/metrics", headers=reviewer).text, re.M)
        runs = client.get("/api/models/retrains", headers=reviewer).json()
    assert len(runs) == 1 and runs[0]["reason"].startswith("drift alarm"), runs


def test_a_scheduled_run_is_asked_for_once_per_period(settings: Settings, store: Store) -> None:
    services = Services(settings.model_copy(update={"retrain_every_hours": 6}), store, ModelHolder(store))
    scheduled(services)
    runs = store.learning.runs()
    assert [r.reason for r in runs] == ["schedule: every 6 hours"]
    store.jobs.finish(runs[0].job_id, JobStatus.DONE)
    scheduled(services)  # the period has not passed
    assert len(store.learning.runs()) == 1
    with store.sessions.begin() as session:
        session.get(RetrainRun, runs[0].id).created_at = utcnow() - timedelta(hours=7)
    scheduled(services)
    assert len(store.learning.runs()) == 2
    off = Services(settings, store, ModelHolder(store))  # retrain_every_hours 0: never
    with store.sessions.begin() as session:
        for run in session.query(RetrainRun):
            run.created_at = utcnow() - timedelta(days=30)
    store.jobs.finish(store.learning.runs()[0].job_id, JobStatus.DONE)
    scheduled(off)
    assert len(store.learning.runs()) == 2


def test_a_new_label_proposed_by_a_reviewer_is_learned_once_an_admin_confirms_it(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"promotion_margin": 0.5, "fixed_set_percent": 30})
    register_model(store, settings.data_dir, trained_model(tmp_path, count=300, seed=5), activate=True)
    services = Services(settings, store, ModelHolder(store))
    model = services.models.get()
    assert model is not None
    audit = " 감사결과 지적사항 시정요구 감사위원"
    normal = make_documents(60, seed=21)
    audits = [{**d, "text": d["text"] + audit * 4} for d in make_documents(60, seed=22)]
    for n, doc in enumerate(normal + audits):
        doc_id = store.documents.start(
            sha256=hashlib.sha256(doc["text"].encode()).hexdigest(),
            filename=f"{n}.pdf",
            mime="application/pdf",
            size=1,
            page_count=1,
            original_path="/x",
        )
        store.documents.finish(doc_id, [], doc["text"])
        prediction = model.classifier.predict_one(doc["text"])
        store.labels.apply(doc_id, prediction.tasks, prediction.needs_review, model.record_id)
        truth = dict(doc["labels"])
        if n >= len(normal):
            truth["doc_type"] = "감사보고서"
            with pytest.raises(ReviewRefused) as refused:
                store.labels.review(doc_id, "kim", "correct", truth)
            assert refused.value.kind is ReviewProblem.UNKNOWN_LABEL
        store.labels.review(doc_id, "kim", "correct", truth, new_labels=True)
    [proposal] = store.learning.proposed()
    assert (proposal.task, proposal.label, proposal.proposed_by, proposal.confirmed_at) == (
        "doc_type",
        "감사보고서",
        "kim",
        None,
    )
    assert store.learning.confirmed_labels() == {}
    assert store.learning.confirm(proposal.id, "admin") is not None
    assert store.learning.confirmed_labels() == {"doc_type": ["감사보고서"]}

    run_id = request_retrain(services, "test")
    assert run_id is not None
    retrain_stage = next(s for s in stages(settings) if s.name == "retrain")
    run_due(services, stages(settings), retrain_stage, "test-worker")
    run = store.learning.get(run_id)
    assert run is not None and run.status == "done" and run.promoted, run.decision
    assert run.report is not None and run.report["new_labels"] == {"doc_type": ["감사보고서"]}
    new = services.models.get()
    assert new is not None and new.version == run.candidate
    assert "감사보고서" in new.classifier.schema.labels("doc_type")  # the schema travels with the model
    fresh = make_documents(10, seed=23)
    said = new.classifier.predict([d["text"] + audit * 4 for d in fresh])
    assert sum(p.tasks["doc_type"].label == "감사보고서" for p in said) >= 8
