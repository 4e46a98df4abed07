"""A trivial third stage for the tests of the stage list: it writes a marker file per document."""

from __future__ import annotations

from munseo.stages import Scope, Stage, StageCall


def stamp(call: StageCall) -> None:
    folder = call.services.settings.data_dir / "stamped"
    folder.mkdir(parents=True, exist_ok=True)
    documents = {job.id: job.document_id for job in call.services.store.jobs.many(call.jobs)}
    for job_id in call.jobs:
        (folder / str(documents[job_id])).write_text(call.worker, encoding="utf-8")
        call.done(job_id)


STAMP = Stage("stamp", Scope.DOCUMENT, stamp, batch=8)
