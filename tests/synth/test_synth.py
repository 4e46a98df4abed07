"""The synthetic document generator: determinism, labels, ground truth against text layer, boxes and OCR."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from munseo.synth import (
    DOC_TYPES,
    INSTITUTIONS,
    UNKNOWN,
    UNKNOWN_KINDS,
    ManifestRecord,
    generate,
    plan,
    read_manifest,
    text_layer_matches,
)
from munseo.synth.cli import synth_command
from munseo.synth.content import BUILDERS, Context
from munseo.synth.degrade import ScanEffects, pixel_box, rasterize, scan, transform_box
from munseo.synth.difficulty import difficulty
from munseo.synth.fonts import FONTS, missing_glyphs
from munseo.synth.generator import DOC_TYPE_ORDER, INSTITUTION_ORDER, build
from munseo.synth.korean import josa, session
from munseo.synth.layout import Page, layout
from munseo.synth.render_pdf import pdf_bytes
from munseo.synth.vocab import SHARED_SUBJECTS, institution, own_topics, shared_topics


def _pages(doc_type: str, institution: str, seed: int, level: str = "realistic") -> list[Page]:
    context = Context(random.Random(seed), institution, difficulty(level))
    document = BUILDERS[doc_type](context)
    return layout(document.blocks, document.template)


def _one_of_each() -> list[tuple[str, str, int]]:
    """Every document type once, institutions cycling, fixed seeds."""
    return [(doc_type, INSTITUTIONS[i % len(INSTITUTIONS)], 100 + i) for i, doc_type in enumerate(DOC_TYPES)]


@pytest.fixture(scope="module")
def born_digital(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ManifestRecord]]:
    out = tmp_path_factory.mktemp("born")
    manifest = generate(out, 14, seed=7, scan_ratio=0.0, imbalance=1.0, workers=1)
    return out, read_manifest(manifest)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ManifestRecord]]:
    out = tmp_path_factory.mktemp("mixed")
    manifest = generate(out, 10, seed=3, scan_ratio=0.6, difficulty="hard", include_unknown=4, workers=1)
    return out, read_manifest(manifest)


# ------------------------------------------------------------------ labels and plan


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


def _cue_rates(level: str, count: int = 56) -> tuple[float, float]:
    """Share of documents naming their committee, and share where their own field's terms dominate."""
    named = dominant = 0
    for i in range(count):
        label = INSTITUTIONS[1 + i % 7]
        text = "\n".join(page.text for page in _pages(DOC_TYPES[i % 7], label, 500 + i, level))
        own = institution(label)
        others = [term for other in INSTITUTIONS if other != label for term in institution(other).terms]
        named += own.committee in text
        dominant += sum(text.count(term) for term in own.terms) > sum(text.count(term) for term in others)
    return named / count, dominant / count


def test_difficulty_weakens_the_institution_cues() -> None:
    easy_named, easy_dominant = _cue_rates("easy")
    hard_named, hard_dominant = _cue_rates("hard")
    assert easy_dominant >= 0.9 and hard_dominant <= 0.75
    assert easy_named >= hard_named + 0.15


def test_shared_subjects_leave_the_institution_open() -> None:
    paired = [label for pair, _ in SHARED_SUBJECTS for label in pair]
    assert sorted(paired) == sorted(INSTITUTIONS)  # every institution has one neighbour
    always = replace(difficulty("realistic"), shared=1.0)
    for pair, subjects in SHARED_SUBJECTS:
        for label in pair:
            inst = institution(label)
            assert not {t.subject for t in own_topics(inst)} & set(subjects)
            assert {t.subject for _, t in shared_topics(inst)} == set(subjects)
        # a shared-subject document of either institution draws from the same subjects, each in its
        # own field (its ministries and officials follow the subject, not the label)
        drawn = {label: Counter() for label in pair}
        for seed, label in itertools.product(range(150), pair):
            context = Context(random.Random(seed), label, always)
            assert context.topic.subject in subjects and context.topic_inst.label in pair
            drawn[label][context.topic.subject] += 1
        assert set(drawn[pair[0]]) == set(drawn[pair[1]]) == set(subjects)
    assert difficulty("realistic").shared == 0.0 and difficulty("hard").shared > 0.0


# ------------------------------------------------------------------ determinism


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


# ------------------------------------------------------------------ manifest and files


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


# ------------------------------------------------------------------ ground truth


def test_born_digital_text_layer_equals_ground_truth(born_digital: tuple[Path, list[ManifestRecord]]) -> None:
    out, records = born_digital
    assert all(r.born_digital and r.format == "pdf" and r.dpi == 150 for r in records)
    for record in records:
        document = pdfium.PdfDocument(out / record.file)
        assert len(document) == record.page_count
        for page, truth in zip(document, record.pages, strict=True):
            extracted = page.get_textpage().get_text_range()
            assert text_layer_matches(extracted, truth.text), (record.id, truth.number)
            bitmap = page.render(scale=record.dpi / 72)
            assert (bitmap.width, bitmap.height) == (truth.width, truth.height)


@pytest.mark.parametrize(("doc_type", "institution", "seed"), _one_of_each())
def test_line_boxes_cover_the_drawn_text(doc_type: str, institution: str, seed: int) -> None:
    pages = _pages(doc_type, institution, seed)
    dpi = 150
    for page, image in zip(pages, rasterize(pdf_bytes(pages, text_only=True), dpi, color=False), strict=True):
        height, width = image.shape
        covered = np.zeros((height, width), dtype=bool)
        for line in page.lines:
            x0, y0, x1, y1 = pixel_box(line.bbox, dpi, width, height)
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
            covered[y0:y1, x0:x1] = True
        dark = image < 160
        assert dark.any()
        assert int((dark & ~covered).sum()) <= 2, f"{doc_type} page text outside its line boxes"


def test_boxes_follow_the_skew() -> None:
    pages = _pages("공문", "교육위원회", 5)
    dpi = 150
    image = rasterize(pdf_bytes(pages[:1], text_only=True), dpi, color=False)[0]
    height, width = image.shape
    effects = ScanEffects(3.0, 255, 0, 0.0, 0.0, 0.0, 0.0, 95, 0, False)
    skewed, matrix = scan(image, effects, np.random.default_rng(0))
    covered = np.zeros((height, width), dtype=bool)
    for line in pages[0].lines:
        x0, y0, x1, y1 = transform_box(pixel_box(line.bbox, dpi, width, height), matrix, width, height)
        covered[y0:y1, x0:x1] = True
    dark = skewed < 128
    assert dark.sum() > 1000 and int((dark & ~covered).sum()) <= 2


def test_every_character_has_a_glyph() -> None:
    for doc_type, label, seed in _one_of_each():
        for level in ("easy", "hard"):
            for page in _pages(doc_type, label, seed, level):
                for line in page.lines:
                    for run in line.runs:
                        assert run.font in FONTS
                        assert not missing_glyphs(run.text, run.font), (doc_type, run.text)


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


def test_ocr_of_clean_scanned_pages() -> None:
    """Tesseract (the package's engine) reads clean 200-DPI renders back within 5% CER.

    Each block of lines (a paragraph, a table cell, a column of the minutes) is cropped from the
    page image at its manifest boxes and read on its own, so the comparison does not depend on the
    engine's page segmentation and also checks that the boxes sit on the text.
    """
    ocr = pytest.importorskip("munseo.ocr")
    from munseo.evaluate.metrics import cer

    engine = ocr.TesseractEngine(languages="kor+eng", layout=ocr.Layout.SINGLE_BLOCK)
    dpi = 200
    references: list[str] = []
    readings: list[str] = []
    for doc_type, label, seed in _one_of_each():
        pages = _pages(doc_type, label, seed)[:2]
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


# ------------------------------------------------------------------ command line


def test_synth_command(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("synth")(synth_command)
    app.command("noop")(lambda: None)
    out = tmp_path / "set"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            str(out),
            "--count",
            "3",
            "--seed",
            "2",
            "--include-unknown",
            "1",
            "--difficulty",
            "easy",
            "--scan-ratio",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Synthetic set" in result.output and "Documents per class" in result.output
    records = read_manifest(out / "manifest.jsonl")
    assert len(records) == 4 and sum(r.kind == "document" and r.born_digital for r in records) == 3
    bad = CliRunner().invoke(app, ["synth", str(out), "--difficulty", "extreme"])
    assert bad.exit_code != 0


# ------------------------------------------------------------------ Korean helpers


def test_text_layer_equivalence() -> None:
    truth = "제안이유 및 주요내용\n현행법은 교원의"
    assert text_layer_matches("제안이유 및 \r\n주요내용\r\n현행법은 교원의", truth)
    assert text_layer_matches("제안이유 및 주요\r\n내용 현행법은 교원의", truth)
    assert not text_layer_matches("제안이유 및 주요내용현행법은 교원의", truth)
    assert not text_layer_matches("제안이유 및 주요내용\n현행법은 교원", truth)
    assert not text_layer_matches("주요내용 제안이유 및\n현행법은 교원의", truth)


def test_particles_and_sessions() -> None:
    assert josa("교육부장관", "이/가") == "교육부장관이"
    assert josa("국회", "은/는") == "국회는"
    assert josa("법률", "으로/로") == "법률로"
    assert josa("제3조", "을/를") == "제3조를"
    assert josa("“1천만원”", "으로/로") == "“1천만원”으로"
    assert session(date(2024, 6, 20)) == (415, "임시회")
    assert session(date(2024, 10, 1)) == (418, "정기회")
    assert session(date(2025, 1, 15)) == (420, "임시회")
