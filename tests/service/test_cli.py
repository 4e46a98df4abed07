"""munseo models, munseo pool and munseo retrain as a user runs them: a real process, a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.errors import ExitCode
from munseo.store.repository import Store
from tests.corpus import make_documents, trained_model, write_jsonl
from tests.test_cli import munseo


@pytest.mark.slow
def test_pool_retrain_shadow_and_the_one_run_at_a_time_rule(tmp_path: Path) -> None:
    data = tmp_path / "data"
    model = trained_model(tmp_path, count=300, seed=3)
    added = munseo("models", "add", str(model), "--activate", data_dir=data, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    version = added.stdout.split()[1]

    extra = write_jsonl(tmp_path / "more.jsonl", make_documents(200, seed=8))
    pooled = munseo("pool", "add", str(extra), data_dir=data, cwd=tmp_path)
    assert pooled.returncode == 0 and "200 examples" in pooled.stdout, pooled.stderr
    assert str(extra) in munseo("pool", "ls", data_dir=data, cwd=tmp_path).stdout
    missing = munseo("pool", "add", str(tmp_path / "nowhere.jsonl"), data_dir=data, cwd=tmp_path)
    assert missing.returncode == ExitCode.BAD_DATA

    # no document has been reviewed: the candidate is trained and registered, but with an empty
    # fixed set there is nothing to show it is better, so it is not promoted
    run = munseo("retrain", data_dir=data, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "training pool: 500 examples" in run.stdout and "not promoted" in run.stdout
    assert "the fixed evaluation set is empty" in run.stdout
    listed = munseo("models", "ls", data_dir=data, cwd=tmp_path).stdout
    assert "not promoted" in listed and version in listed

    store = Store(f"sqlite:///{data / 'munseo.db'}")
    candidate = store.learning.runs()[0].candidate
    assert candidate is not None and store.versions.active().version == version
    shadow = munseo("models", "shadow", candidate, data_dir=data, cwd=tmp_path)
    assert shadow.returncode == 0 and store.versions.get(candidate).shadow
    munseo("models", "shadow", candidate, "--off", data_dir=data, cwd=tmp_path)
    assert not store.versions.get(candidate).shadow
    assert munseo("models", "shadow", "nope", data_dir=data, cwd=tmp_path).returncode == ExitCode.NOT_FOUND

    assert store.learning.request_retrain("a server's trigger", "linear") is not None  # queued, not run
    busy = munseo("retrain", data_dir=data, cwd=tmp_path)
    assert busy.returncode == ExitCode.CONFLICT and "one at a time" in busy.stderr
    store.close()
