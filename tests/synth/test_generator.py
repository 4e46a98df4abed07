"""The generator: labels planned to the configured imbalance, the same bytes whatever the workers,
rescans of the same paper, complete manifests, files that match them, scans that read back."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from munseo.evaluate.metrics import cer
from munseo.ocr import Layout, TesseractEngine
from munseo.synth import (
    DOC_TYPES,
    INSTITUTIONS,
    UNKNOWN,
    UNKNOWN_KINDS,
    ManifestRecord,
    generate,
    plan,
)
from munseo.synth.degrade import pixel_box, rasterize
from munseo.synth.generator import DOC_TYPE_ORDER, INSTITUTION_ORDER, build
from munseo.synth.render_pdf import pdf_bytes
from tests.synth.common import one_of_each, pages_of


def test_plan_follows_the_configured_imbalance(tmp_path: Path) -> None:
    jobs = plan(tmp_path, 700, seed=1, scan_ratio=0.3, include_unknown=20, imbalance=10.0)
    documents = [job for job in jobs if job.kind == "document"]
    assert len(jobs) == 720 and len(documents) == 700
    for labels, order in (
        ([j.institution for j in documents], INSTITUTION_ORDER),
        ([j.doc_type for j in documents], DOC_TYPE_ORDER),
    ):
        counts = Counter(labels)
        assert set(counts) == set(order)
        assert counts[order[0]] == max(counts.values()) and counts[order[-1]] == min(counts.values())
        assert 9.0 <= counts[order[0]] / counts[order[-1]] <= 11.2
        assert all(counts[a] >= counts[b] for a, b in itertools.pairwise(order))
    assert sum(job.scanned for job in documents) == 210
    unknown = [job for job in jobs if job.kind != "document"]
    assert {job.institution for job in unknown} == {UNKNOWN}
    assert Counter(job.kind for job in unknown) == dict.fromkeys(UNKNOWN_KINDS, 5)


def test_plan_balanced_and_deterministic(tmp_path: Path) -> None:
    jobs = plan(tmp_path, 56, seed=5, imbalance=1.0)
    assert set(Counter(j.institution for j in jobs).values()) == {7}
    assert set(Counter(j.doc_type for j in jobs).values()) == {8}
    assert jobs == plan(tmp_path, 56, seed=5, imbalance=1.0)
    assert jobs != plan(tmp_path, 56, seed=6, imbalance=1.0)
    with pytest.raises(ValueError):
        plan(tmp_path, 5, difficulty_name="impossible")


def test_same_seed_same_bytes_whatever_the_workers(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 6, seed=11, scan_ratio=0.5, include_unknown=2, workers=1).parent
    second = generate(tmp_path / "b", 6, seed=11, scan_ratio=0.5, include_unknown=2, workers=2).parent
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 9
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = generate(tmp_path / "c", 6, seed=12, scan_ratio=0.5, include_unknown=2, workers=1)
    assert other.read_bytes() != (first / "manifest.jsonl").read_bytes()


def test_a_rescan_is_the_same_paper_under_other_scan_effects(tmp_path: Path) -> None:
    job = next(j for j in plan(tmp_path, 8, seed=5, scan_ratio=0.0) if j.kind == "document")
    original = build(job)  # born-digital: its rescan is the printout scanned
    again, third = build(job, rescan=1), build(job, rescan=2)
    assert again.id == f"{job.id}-rescan1" and not again.born_digital and again.page_count == original.page_count
    assert [p.text for p in again.pages] == [p.text for p in original.pages] == [p.text for p in third.pages]
    assert (tmp_path / again.file).read_bytes() != (tmp_path / third.file).read_bytes()
    assert [p.skew for p in again.pages] != [p.skew for p in third.pages]
    assert build(job, rescan=1) == again  # deterministic


def test_manifest_records_are_complete(mixed: tuple[Path, list[ManifestRecord]]) -> None:
    out, records = mixed
    assert len(records) == 14
    assert [r.id for r in records] == sorted(r.id for r in records)
    for record in records:
        path = out / record.file
        assert path.is_file() and path.stat().st_size > 0
        assert record.page_count == len(record.pages) >= 1
        assert record.difficulty == "hard"
        if record.kind == "document":
            assert record.labels.institution in INSTITUTIONS and record.labels.doc_type in DOC_TYPES
            assert record.fields and all(record.fields.values())
            assert record.pages[0].text
        else:
            assert record.labels.institution == record.labels.doc_type == UNKNOWN
            assert record.kind in UNKNOWN_KINDS and not record.fields
        for page in record.pages:
            assert page.text == "\n".join(line.text for line in page.lines)
            for line in page.lines:
                x0, y0, x1, y1 = line.box
                assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    kinds = {r.kind for r in records if r.kind != "document"}
    assert kinds == set(UNKNOWN_KINDS)
    assert not any(r.pages[0].lines for r in records if r.kind in {"blank", "photo"})


def test_key_fields_by_type(born_digital: tuple[Path, list[ManifestRecord]]) -> None:
    _, records = born_digital
    expected = {
        "의안원문": {"의안번호", "발의연월일", "제안자", "소관위원회"},
        "심사보고서": {"의안번호", "제안자", "회부일자", "소관위원회", "의결일자", "심사결과"},
        "검토보고서": {"의안번호", "제안자", "소관위원회", "작성자"},
        "회의록": {"회의명", "회의 일시", "소관위원회"},
        "의사일정": {"회의명", "회의 일시", "안건 수"},
        "공문": {"수신", "제목", "시행번호", "시행일자"},
        "보도자료": {"배포일시", "보도일시", "담당부서", "제목"},
    }
    assert {r.labels.doc_type for r in records} == set(DOC_TYPES)
    for record in records:
        assert expected[record.labels.doc_type] <= set(record.fields), record.labels
        number = record.fields.get("의안번호")
        if number and not record.fragment:
            assert number in record.text


def test_scanned_files_match_the_manifest(mixed: tuple[Path, list[ManifestRecord]]) -> None:
    out, records = mixed
    scanned = [r for r in records if not r.born_digital]
    assert {r.format for r in scanned} <= {"pdf", "tiff", "png", "jpeg"} and len(scanned) >= 8
    for record in scanned:
        path = out / record.file
        if record.format == "pdf":
            document = pdfium.PdfDocument(path)
            assert len(document) == record.page_count
            for page, truth in zip(document, record.pages, strict=True):
                assert not page.get_textpage().get_text_range().strip()  # image only
                bitmap = page.render(scale=record.dpi / 72)
                assert (bitmap.width, bitmap.height) == (truth.width, truth.height)
        else:
            with Image.open(path) as image:
                assert getattr(image, "n_frames", 1) == record.page_count
                assert image.size == (record.pages[0].width, record.pages[0].height)
        assert 150 <= record.dpi <= 300 or record.kind == "photo"
        assert all(abs(page.skew) <= 3.0 for page in record.pages)


def _blocks(lines: list[tuple[str, tuple[int, int, int, int]]]) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Consecutive lines of one size stacked in one column become a block (a paragraph, a cell, a column)."""
    blocks: list[tuple[list[str], list[int]]] = []
    for text, (x0, y0, x1, y1) in lines:
        if blocks:
            texts, box = blocks[-1]
            line_height = y1 - y0
            same_size = abs(line_height - box[4]) <= 0.1 * line_height
            if same_size and x0 < box[2] and x1 > box[0] and box[3] - 0.3 * line_height <= y0 < box[3] + line_height:
                texts.append(text)
                box[:4] = [min(box[0], x0), box[1], max(box[2], x1), y1]
                continue
        blocks.append(([text], [x0, y0, x1, y1, y1 - y0]))
    return [("\n".join(texts), (box[0], box[1], box[2], box[3])) for texts, box in blocks]


def test_ocr_of_clean_scannedpages_of() -> None:
    """Tesseract (the package's engine) reads clean 200-DPI renders back within 5% CER.

    Each block of lines (a paragraph, a table cell, a column of the minutes) is cropped from the
    page image at its manifest boxes and read on its own, so the comparison does not depend on the
    engine's page segmentation and also checks that the boxes sit on the text.
    """
    engine = TesseractEngine(languages="kor+eng", layout=Layout.SINGLE_BLOCK)
    dpi = 200
    references: list[str] = []
    readings: list[str] = []
    for doc_type, label, seed in one_of_each():
        pages = pages_of(doc_type, label, seed)[:2]
        for page, image in zip(pages, rasterize(pdf_bytes(pages), dpi, color=False), strict=False):
            height, width = image.shape
            lines = [(line.text, pixel_box(line.bbox, dpi, width, height)) for line in page.lines]
            for text, (x0, y0, x1, y1) in _blocks(lines):
                crop = image[max(0, y0 - 4) : y1 + 4, max(0, x0 - 4) : x1 + 4]
                references.append(text)
                readings.append(engine.recognize(crop, dpi).text)
    assert len(references) > 50
    rate = cer("\n".join(references), "\n".join(readings))
    assert rate < 0.05, f"CER {rate:.3f}"
