"""Every case of the hostile corpus (tests/hostile.py) through the checks and the page reader:
refused with a reason that names the problem, or read; never a crash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rapidfuzz.distance.Indel import normalized_similarity as similarity
from reportlab.pdfgen import canvas

from munseo import pipeline
from munseo.admission import display_name
from munseo.config import Settings
from munseo.evaluate.testpages import text_pdf
from munseo.ingest import IngestError, inspect_file
from munseo.pipeline import PageProcessor, ReadDocument, limits_from, read_file, read_files, read_pages
from tests import documents
from tests.hostile import Case, cases

CASES = cases()


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, PageProcessor]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile"), workers=1)
    with PageProcessor(settings, workers=1) as processor:
        yield settings, processor


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_is_refused_with_its_reason_or_read(
    case: Case, reader: tuple[Settings, PageProcessor], tmp_path: Path
) -> None:
    settings, processor = reader
    path = tmp_path / case.filename
    case.make(path)
    if case.refused is None:
        source = inspect_file(path, limits_from(settings), settings.dpi)
        read = read_pages(source, settings, processor)
        assert len(read.pages) == source.page_count >= 1
        return
    with pytest.raises(IngestError) as refused:
        source = inspect_file(path, limits_from(settings), settings.dpi)
        read_pages(source, settings, processor)
    assert refused.value.path == path
    assert case.refused in refused.value.reason.lower(), refused.value.reason


@pytest.mark.parametrize("name", ["deep.png", "cmyk.jpg", "palette.png", "rotated.jpg", "owner.pdf", "xref.pdf"])
def test_unusual_but_valid_files_are_read_as_text(
    name: str, reader: tuple[Settings, PageProcessor], tmp_path: Path
) -> None:
    """16-bit samples scaled (not clipped to white), CMYK and palette converted, EXIF orientation
    applied, an owner-password-only PDF opened, a broken xref table rebuilt."""
    settings, processor = reader
    case = next(c for c in CASES if c.filename == name)
    path = tmp_path / name
    case.make(path)
    read = read_pages(inspect_file(path, limits_from(settings), settings.dpi), settings, processor)
    words = read.text.lower()
    assert "hostile" in words or "input" in words or "anyone" in words, read.text[:300]


def flat(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def test_a_text_layer_of_mismapped_glyphs_is_replaced_by_ocr(
    reader: tuple[Settings, PageProcessor], tmp_path: Path
) -> None:
    """Valid characters that are not the page's text (a font with a wrong character map): one line
    read by OCR disagrees with the layer, so the page is read by OCR; a faithful layer is kept."""
    settings, processor = reader
    path, shown = documents.mismapped_pdf(tmp_path / "mismapped.pdf")
    read = read_pages(inspect_file(path, limits_from(settings), settings.dpi), settings, processor)
    page = read.result.pages[0]
    assert page.source == "ocr" and page.timings_ms["layer_check"] > 0
    assert page.quality is not None and any("text layer does not say" in r for r in page.quality.reasons)
    assert similarity(flat(read.text), flat(shown)) > 0.85, read.text[:200]

    faithful = text_pdf(tmp_path / "faithful.pdf", " ".join(documents.SENTENCES))
    kept = read_pages(inspect_file(faithful, limits_from(settings), settings.dpi), settings, processor)
    assert kept.result.pages[0].source == "text-layer" and "layer_check" in kept.result.pages[0].timings_ms

    unchecked = read_file(path, settings.model_copy(update={"check_text_layer": False}))
    assert unchecked.result.pages[0].source == "text-layer"  # the setting turns the check off
    assert similarity(flat(unchecked.text), flat(shown)) < 0.2


def test_a_text_layer_check_that_cannot_run_keeps_the_layer(tmp_path: Path) -> None:
    """An engine that fails on the sampled line gives no verdict: the page keeps its text layer and
    is not failed."""
    settings = Settings(data_dir=tmp_path / "data", workers=1, ocr_engine="tests.ocr_plugin:line_blind")
    faithful = text_pdf(tmp_path / "faithful.pdf", " ".join(documents.SENTENCES))
    read = read_file(faithful, settings)
    page = read.result.pages[0]
    assert page.source == "text-layer" and "layer_check" not in page.timings_ms
    assert "국회는" in read.text


def test_an_engine_without_read_line_trusts_layers_and_says_so_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A plugin engine written before ``read_line`` existed: text layers are kept unchecked, with
    one warning when the engine is made (in the worker process) rather than a traceback for every page."""
    settings = Settings(data_dir=tmp_path / "data", workers=1, ocr_engine="tests.ocr_plugin:pages_only")
    read = read_file(documents.born_digital_pdf(tmp_path / "three.pdf", pages=3), settings)
    assert len(read.result.pages) == 3
    for page in read.result.pages:
        assert page.source == "text-layer" and "layer_check" not in page.timings_ms
    assert "국회는" in read.text
    logged = capfd.readouterr().err
    assert logged.count("'pages-only' has no read_line") == 1
    assert "text-layer check failed" not in logged and "Traceback" not in logged


def test_text_beyond_the_page_edge_fails_neither_the_page_nor_the_check(
    reader: tuple[Settings, PageProcessor], tmp_path: Path
) -> None:
    """A layer line that runs past the page (a long line drawn at x = 650 pt on A4) is clipped
    before the check renders it; the page is read from its layer as before."""
    settings, processor = reader
    path = tmp_path / "overflow.pdf"
    page = canvas.Canvas(str(path), pagesize=documents.A4, invariant=1)
    page.setFont("NanumGothic", 11)
    for n, sentence in enumerate(documents.SENTENCES[:4]):
        page.drawString(60, 760 - 18 * n, sentence)
    page.drawString(650, 500, documents.SENTENCES[1] * 3)  # starts right of the page's edge
    page.drawString(-400, 400, documents.SENTENCES[2] * 3)  # starts left of it
    page.save()
    read = read_pages(inspect_file(path, limits_from(settings), settings.dpi), settings, processor)
    assert read.result.pages[0].source == "text-layer" and "국회는" in read.text


def test_page_and_document_time_limits(tmp_path: Path) -> None:
    page, _ = documents.png_page(tmp_path / "page.png", seed=3, dpi=300)
    base = {"data_dir": tmp_path / "data", "workers": 1}
    assert read_file(page, Settings(**base)).text.strip()
    with pytest.raises(IngestError) as slow_page:
        read_file(page, Settings(**base, page_time_limit=0.2))
    assert "MUNSEO_PAGE_TIME_LIMIT" in slow_page.value.reason and "0.2 s" in slow_page.value.reason
    with pytest.raises(IngestError) as slow_document:
        read_file(page, Settings(**base, document_time_limit=0.001))
    assert "MUNSEO_DOCUMENT_TIME_LIMIT" in slow_document.value.reason


def test_many_files_are_read_in_their_order_by_one_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files refused by their checks come back as errors in their place; the others' pages are read
    side by side by one pool of workers, which starts once, not once a file."""
    pools = []

    class CountedPool(pipeline.ProcessPoolExecutor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", CountedPool)
    paths = [
        documents.born_digital_pdf(tmp_path / "three.pdf", pages=3),
        documents.truncated_pdf(tmp_path / "truncated.pdf"),
        documents.png_page(tmp_path / "scan.png", seed=3, dpi=200)[0],
        documents.zero_page_pdf(tmp_path / "empty.pdf"),
        text_pdf(tmp_path / "bill.pdf", documents.SENTENCES[0] * 20),
    ]
    results = list(read_files(paths, Settings(data_dir=tmp_path / "data", workers=2)))
    assert [path for path, _ in results] == paths
    read = {path.name: result for path, result in results}
    for name in ("truncated.pdf", "empty.pdf"):
        refused = read[name]
        assert isinstance(refused, IngestError) and refused.path.name == name and refused.reason
    readings = [read[name] for name in ("three.pdf", "scan.png", "bill.pdf")]
    assert all(isinstance(r, ReadDocument) for r in readings)
    assert [len(r.pages) for r in readings] == [3, 1, 1]  # type: ignore[union-attr]
    assert "국회는" in readings[0].text and len(readings[1].text) > 50  # type: ignore[union-attr]
    assert len(pools) == 1


def test_a_page_that_kills_its_worker_fails_its_own_file_only(tmp_path: Path) -> None:
    """The pool's other pages in flight die with the worker; the files they belong to are read
    again on their own rather than failed with it."""
    settings = Settings(data_dir=tmp_path / "data", workers=2, ocr_engine="tests.ocr_plugin:crashing")
    paths = [text_pdf(tmp_path / f"bill-{n}.pdf", documents.SENTENCES[n] * 10) for n in range(3)]
    paths.insert(1, documents.png_page(tmp_path / "scan.png", seed=3, dpi=200)[0])
    results = dict(read_files(paths, settings))
    assert list(results) == paths
    failed = results.pop(paths[1])
    assert isinstance(failed, IngestError) and "crashed" in failed.reason
    for n, (path, read) in enumerate(results.items()):
        assert isinstance(read, ReadDocument), (path, read)
        assert documents.SENTENCES[n][:10] in read.text


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\scan.pdf", "scan.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("\u202egpj.exe", "gpj.exe"),
        ("계약서 2026.pdf", "계약서 2026.pdf"),
        ("\u1100\u1161\u11a8.pdf", "각.pdf"),  # decomposed Hangul, as macOS sends it
        ("...", "upload"),
    ],
)
def test_display_names_are_safe(given: str, shown: str) -> None:
    assert display_name(given) == shown


def test_a_thousand_character_name_keeps_its_extension() -> None:
    shown = display_name("가" * 1000 + ".pdf")
    assert len(shown) == 255 and shown.endswith("….pdf")
