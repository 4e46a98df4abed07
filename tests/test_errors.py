"""The one table of error kinds: every kind has a row, and an error is placed by its kind or class."""

from __future__ import annotations

import pytest

from munseo.classify.errors import DataError, ModelError, RegistryError, SchemaError, UnknownVersion
from munseo.errors import INTERNAL, KINDS, ExitCode, exit_code, http_status, kind_of
from munseo.ingest import IngestError, Refusal
from munseo.ocr import OcrError
from munseo.store.documents import DocumentNotFound
from munseo.store.labels import ReviewProblem, ReviewRefused


def test_every_refusal_and_review_problem_has_a_row() -> None:
    assert set(Refusal) | set(ReviewProblem) <= set(KINDS)
    assert {kind.exit for kind in KINDS.values()} <= set(ExitCode) - {ExitCode.OK}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (IngestError("a.pdf", "truncated", Refusal.DAMAGED), 422, ExitCode.INPUT_REFUSED),
        (IngestError("a.docx", "not a PDF", Refusal.UNSUPPORTED), 415, ExitCode.INPUT_REFUSED),
        (IngestError("a.pdf", "disk full", Refusal.NOT_STORED), 507, ExitCode.STORAGE),
        (ReviewRefused(ReviewProblem.NOT_YOURS, "kim's"), 403, ExitCode.CONFLICT),
        (ReviewRefused(ReviewProblem.UNKNOWN_LABEL, "no such label"), 422, ExitCode.USAGE),
        (OcrError("no kor.traineddata"), 503, ExitCode.OCR_UNAVAILABLE),
        (DataError("d.jsonl", "bad", 3), 422, ExitCode.BAD_DATA),
        (SchemaError("labels.json", "bad"), 422, ExitCode.BAD_DATA),
        (ModelError("m", "corrupt"), 503, ExitCode.BAD_MODEL),
        (UnknownVersion("no v9"), 404, ExitCode.NOT_FOUND),  # before its base class RegistryError
        (RegistryError("registered already"), 409, ExitCode.CONFLICT),
        (DocumentNotFound(7), 404, ExitCode.NOT_FOUND),
        (KeyError("a bug"), 500, ExitCode.INTERNAL),
    ],
)
def test_an_error_is_placed_by_its_kind_or_nearest_class(error: Exception, status: int, code: ExitCode) -> None:
    assert (http_status(error), exit_code(error)) == (status, code)


def test_an_unknown_error_is_internal() -> None:
    class Surprise(RuntimeError):
        pass

    assert kind_of(Surprise()) is INTERNAL
