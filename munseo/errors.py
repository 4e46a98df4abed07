"""Every kind of error munseo reports, and what it is to an API client (HTTP status) and to a
shell (exit code), in one table. Errors are told apart by their class or their kind enum, never
by their words.

Exit codes of ``munseo`` commands:

====  ==================  =====================================================================
code  name                meaning
====  ==================  =====================================================================
0     OK                  done
1     DOCUMENTS_FAILED    a batch finished, and some of its documents failed (each is recorded)
2     USAGE               bad arguments or options
3     INPUT_REFUSED       the file given cannot become a document (the message says why)
4     OCR_UNAVAILABLE     the OCR engine cannot start (unknown engine, missing language data)
5     BAD_DATA            training or evaluation data, or a label schema, is malformed
6     BAD_MODEL           a model folder is missing, incomplete or corrupt
7     NOT_FOUND           no document or model version with that id or name
8     CONFLICT            the change cannot be made in the present state
9     STORAGE             the data directory cannot take the file, or the database cannot be reached
10    INTERNAL            anything else: a bug (the log has the traceback)
====  ==================  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from munseo.classify.errors import DataError, ModelError, RegistryError, SchemaError, UnknownVersion
from munseo.ingest.errors import IngestError, Refusal
from munseo.ocr.engine import OcrError
from munseo.store.backup import BackupError, BackupProblem
from munseo.store.db import UNAVAILABLE as DATABASE_UNAVAILABLE
from munseo.store.documents import DocumentNotFound
from munseo.store.labels import ReviewProblem, ReviewRefused
from munseo.store.tokens import TokenNotFound


class ExitCode(IntEnum):
    OK = 0
    DOCUMENTS_FAILED = 1
    USAGE = 2
    INPUT_REFUSED = 3
    OCR_UNAVAILABLE = 4
    BAD_DATA = 5
    BAD_MODEL = 6
    NOT_FOUND = 7
    CONFLICT = 8
    STORAGE = 9
    INTERNAL = 10


@dataclass(frozen=True)
class Kind:
    http: int
    exit: ExitCode


Key = Refusal | ReviewProblem | BackupProblem | type[BaseException]

KINDS: dict[Key, Kind] = {
    Refusal.UNREADABLE: Kind(422, ExitCode.INPUT_REFUSED),
    Refusal.EMPTY: Kind(422, ExitCode.INPUT_REFUSED),
    Refusal.UNSUPPORTED: Kind(415, ExitCode.INPUT_REFUSED),
    Refusal.TOO_LARGE: Kind(413, ExitCode.INPUT_REFUSED),
    Refusal.ENCRYPTED: Kind(422, ExitCode.INPUT_REFUSED),
    Refusal.DAMAGED: Kind(422, ExitCode.INPUT_REFUSED),
    Refusal.PAGE_FAILED: Kind(422, ExitCode.INPUT_REFUSED),
    Refusal.NOT_STORED: Kind(507, ExitCode.STORAGE),
    ReviewProblem.NOTHING_TO_REVIEW: Kind(409, ExitCode.CONFLICT),
    ReviewProblem.UNKNOWN_TASK: Kind(422, ExitCode.USAGE),
    ReviewProblem.UNKNOWN_LABEL: Kind(422, ExitCode.USAGE),
    ReviewProblem.NO_LABELS: Kind(422, ExitCode.USAGE),
    ReviewProblem.NOTHING_TO_UNDO: Kind(409, ExitCode.CONFLICT),
    ReviewProblem.NOT_YOURS: Kind(403, ExitCode.CONFLICT),
    OcrError: Kind(503, ExitCode.OCR_UNAVAILABLE),
    SchemaError: Kind(422, ExitCode.BAD_DATA),
    DataError: Kind(422, ExitCode.BAD_DATA),
    ModelError: Kind(503, ExitCode.BAD_MODEL),
    UnknownVersion: Kind(404, ExitCode.NOT_FOUND),
    RegistryError: Kind(409, ExitCode.CONFLICT),
    DocumentNotFound: Kind(404, ExitCode.NOT_FOUND),
    TokenNotFound: Kind(404, ExitCode.NOT_FOUND),
    BackupProblem.NOT_EMPTY: Kind(409, ExitCode.CONFLICT),
    BackupProblem.NOT_A_BACKUP: Kind(422, ExitCode.BAD_DATA),
    BackupProblem.WRONG_DATABASE: Kind(422, ExitCode.USAGE),
    BackupProblem.TOOL_FAILED: Kind(503, ExitCode.STORAGE),
    # the database is down or restarting: the API answers 503 with Retry-After
    **dict.fromkeys(DATABASE_UNAVAILABLE, Kind(503, ExitCode.STORAGE)),
}
INTERNAL = Kind(500, ExitCode.INTERNAL)


def kind_of(error: BaseException | Refusal | ReviewProblem) -> Kind:
    """The row of ``KINDS`` for an error: by its kind enum where it carries one, else by the
    nearest class in its ancestry."""
    if isinstance(error, Refusal | ReviewProblem | BackupProblem):
        return KINDS[error]
    if isinstance(error, IngestError | ReviewRefused | BackupError):
        return KINDS[error.kind]
    for cls in type(error).__mro__:
        if cls in KINDS:
            return KINDS[cls]
    return INTERNAL


def http_status(error: BaseException | Refusal | ReviewProblem) -> int:
    return kind_of(error).http


def exit_code(error: BaseException | Refusal | ReviewProblem) -> int:
    return int(kind_of(error).exit)
