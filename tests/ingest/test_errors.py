"""Refusals carry their kind; the one table of munseo.errors maps it to HTTP and exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.errors import ExitCode, exit_code, http_status
from munseo.ingest import IngestError, Refusal, inspect_file
from munseo.pipeline import limits_from


def test_refusals_carry_their_kind_and_one_table_maps_it_to_http(tmp_path: Path) -> None:
    cases = {
        "empty.pdf": (b"", Refusal.EMPTY, 422),
        "letter.docx": (b"PK\x03\x04" + b"\x00" * 40, Refusal.UNSUPPORTED, 415),
        "broken.pdf": (b"%PDF-1.4\n1 0 obj\n<<", Refusal.DAMAGED, 422),
    }
    for name, (content, kind, status) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(IngestError) as refused:
            inspect_file(path, limits_from(Settings()), dpi=300)
        assert refused.value.kind is kind and http_status(refused.value) == status, name
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\x00" * 2000)
    with pytest.raises(IngestError) as refused:
        inspect_file(big, limits_from(Settings(max_file_bytes=1000)), dpi=300)
    assert refused.value.kind is Refusal.TOO_LARGE and http_status(refused.value) == 413
    assert exit_code(refused.value) == ExitCode.INPUT_REFUSED
