"""Checking a file: refusals with a reason, the pixel limit at render resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.ingest import IngestError, inspect_file
from munseo.pipeline import limits_from
from tests import documents


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "the file is empty (0 bytes)"),
        ("truncated", "damaged or truncated"),
        ("encrypted", "encrypted with a password"),
        ("bomb", "over the limit of"),
        ("renamed", "unsupported file type: the content is a ZIP archive"),
        ("no_pages", "the PDF has no pages"),
        ("corrupt_image", "damaged or truncated"),
    ],
)
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, name: str, reason: str) -> None:
    path = documents.write_bad_inputs(tmp_path)[name]
    with pytest.raises(IngestError) as caught:
        inspect_file(path, limits_from(Settings()), dpi=300)
    assert reason in caught.value.reason
    assert path.name in str(caught.value)


def test_pixel_limit_applies_to_pdf_pages_at_render_dpi(tmp_path: Path) -> None:
    pdf = documents.born_digital_pdf(tmp_path / "a4.pdf", pages=1)
    tight = Settings(max_pixels=2_000_000)
    inspect_file(pdf, limits_from(tight), dpi=100)  # 827×1169 px: fine
    with pytest.raises(IngestError, match="page 1 rendered at 300 DPI"):
        inspect_file(pdf, limits_from(tight), dpi=300)
