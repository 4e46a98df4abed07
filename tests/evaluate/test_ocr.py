"""``munseo evaluate ocr`` and the metrics behind it; pages of real text from ../shared/corpora."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from munseo.evaluate.metrics import (
    cer,
    char_class,
    class_errors,
    comparable_text,
    table_rows_kept,
    word_matches,
    word_recall,
)
from munseo.evaluate.ocr import GroundTruth, Reading, ocr_evaluate_command, score
from munseo.evaluate.realpages import (
    HELD_OUT_FONTS,
    TUNING_FONTS,
    CorporaMissing,
    RealText,
    find_font,
    korean_fonts,
    load_real_text,
    render_real_page,
    write_page_set,
)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(ocr_evaluate_command)
    return app


def test_character_classes() -> None:
    classes = [char_class(c) for c in "가aZ7①·「法ㆍé"]
    assert classes == ["hangul", "latin", "latin", "digit", "symbol", "symbol", "symbol", "hanja", "other", "latin"]


def test_class_errors_charge_substitutions_and_deletions_to_the_reference_class() -> None:
    # 제1조 ① 法은 → 제1조 @ 法: ① read as @ (symbol), 은 lost (Hangul); spaces do not count
    errors = class_errors("제1조 ① 法은", "제1조 @ 法")
    assert dict(errors.reference) == {"hangul": 3, "digit": 1, "symbol": 1, "hanja": 1}
    assert errors.rate("symbol") == 1.0
    assert errors.rate("hangul") == pytest.approx(1 / 3)
    assert errors.rate("digit") == 0.0
    assert errors.rate("hanja") == 0.0
    assert errors.rate("latin") is None


def test_class_errors_charge_insertions_to_the_inserted_character() -> None:
    errors = class_errors("국회 법률 2024", "국회x 법률 2024")
    assert errors.errors["latin"] == 1 and errors.rate("latin") is None
    assert errors.rate("hangul") == 0.0 and errors.rate("digit") == 0.0


def test_word_recall_matches_words_as_a_multiset() -> None:
    assert word_matches("a b a c", "a c c") == (2, 4)
    assert word_recall("a b a c", "a c c") == 0.5
    assert word_recall("국회는 법률안을 의결하였다", "국회는 법률안올\n의결하였다") == pytest.approx(2 / 3)
    assert word_recall("", "anything") == 1.0


def test_look_alike_middle_dots_count_as_one() -> None:
    # Statutes write ㆍ (U+318D), bills and munseo's repair ·: a page shows the same dot.
    assert cer("조사ㆍ설계・시공", "조사·설계·시공") == 0.0
    assert comparable_text("감리ㆍ유지") == "감리·유지"


def test_cell_separators_are_whitespace() -> None:
    assert comparable_text("법령명 | 구분\t소관") == "법령명   구분 소관"
    assert comparable_text("a|b") == "a|b"  # a | inside a word is text
    truth = GroundTruth(Path("p001.png"), "법령명 | 구분 | 조문 수\n세무사법 | 법률 | 29")
    evaluation = score([truth], [Reading("법령명\t구분\t조문 수\n세무사법 법률 29", 1.0)], wall_seconds=1.0)
    assert evaluation.cer == 0.0 and evaluation.cer_with_spaces == 0.0 and evaluation.word_recall == 1.0


def test_score_totals_are_over_characters_not_pages() -> None:
    truths = [GroundTruth(Path("a.png"), "가나다라마바사아자차"), GroundTruth(Path("b.png"), "abcd")]
    readings = [Reading("가나다라마바사아자차", 2.0, 0.9), Reading("", 6.0, 0.1)]
    evaluation = score(truths, readings, wall_seconds=30.0, worst=1)
    assert evaluation.cer == pytest.approx(4 / 14)
    assert evaluation.class_cer["hangul"] == 0.0 and evaluation.class_cer["latin"] == 1.0
    assert evaluation.pages_per_minute == pytest.approx(4.0)
    assert evaluation.median_page_seconds == 4.0 and evaluation.max_page_seconds == 6.0
    assert [p.image for p in evaluation.worst] == ["b.png"]


def test_table_rows_kept_finds_each_rows_longest_cell() -> None:
    truth = "Price List\nItem | Qty\nCopies of this license | 77\nCombined library | 100"
    assert table_rows_kept(truth, "Item Qty\nCopies of this licence 77\nCombined library 100") == (3, 3)
    assert table_rows_kept(truth, "Item Qty\nCopies of this license 77") == (2, 3)


def test_every_registered_korean_font_is_installed_and_draws_hangul() -> None:
    assert korean_fonts() == [*TUNING_FONTS, *HELD_OUT_FONTS]
    assert not {f.name for f in TUNING_FONTS} & {f.name for f in HELD_OUT_FONTS}
    noto = find_font("Noto Serif CJK KR").load(40)
    assert noto.getname()[0] == "Noto Serif CJK KR"  # the KR face of the collection, not JP or SC
    for font in korean_fonts():
        assert font.load(40).getbbox("한글")[2] > 40, font.name


def test_bill_page_truth_is_row_by_row_without_fillers(dev_text: RealText) -> None:
    page = render_real_page(dev_text, find_font("Un Batang"), dpi=150, layout="bill", seed=5)
    lines = page.text.splitlines()
    assert lines[0].endswith("신·구조문대비표") and lines[1] == "현 행 | 개 정 안"
    assert len(lines) >= 4 and all(line.count(" | ") == 1 for line in lines[1:])
    assert "----" not in page.text and "····" not in page.text
    ink = np.asarray(page.image.convert("L")) < 128
    assert ink.mean() > 0.01


def test_table_pages_keep_rows_on_one_line(dev_text: RealText) -> None:
    page = render_real_page(dev_text, find_font("Baekmuk Gulim"), dpi=150, layout="table", seed=2)
    rows = page.text.splitlines()[1:]
    assert rows[0] == "법령명 | 구분 | 소관 부처 | 조문 수 | 최종 개정"
    assert 15 <= len(rows) - 1 <= 40 and all(row.count(" | ") == 4 for row in rows)
    english = render_real_page(dev_text, find_font("DejaVu Sans"), dpi=150, layout="en-table", seed=2)
    assert 40 <= len(english.text.splitlines()) - 2 <= 70
    landscape = render_real_page(dev_text, find_font("Un Dotum"), dpi=150, layout="landscape", degradation="degraded")
    assert landscape.image.width > landscape.image.height and landscape.degradation.angle != 0


def test_real_text_needs_the_corpora_folder(tmp_path: Path) -> None:
    with pytest.raises(CorporaMissing, match="corpora folder is missing"):
        load_real_text(tmp_path / "nowhere", "dev")


def test_evaluate_ocr_on_real_text_pages(dev_text: RealText, tmp_path: Path) -> None:
    pages = [
        render_real_page(dev_text, find_font("Un Batang"), dpi=200, layout="plain", degradation="clean", seed=1),
        render_real_page(
            dev_text, find_font("Noto Sans CJK KR"), dpi=200, layout="plain", degradation="degraded", seed=2
        ),
    ]
    write_page_set(pages, tmp_path / "pages")
    result = CliRunner().invoke(_cli(), [str(tmp_path / "pages"), "--json", "--worst", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["page_count"] == 2 and figures["failed"] == 0
    for key in ("cer", "cer_with_spaces", "class_cer", "word_recall", "pages_per_minute", "worst", "pages"):
        assert key in figures
    assert set(figures["class_cer"]) == {"hangul", "latin", "digit", "symbol", "hanja", "other"}
    assert figures["cer"] < 0.15 and figures["class_cer"]["hangul"] < 0.15
    assert figures["word_recall"] > 0.6
    assert len(figures["worst"]) == 1
    assert [p["degradation"] for p in figures["pages"]] == ["clean", "degraded"]
    assert all(0.0 < p["confidence"] <= 1.0 and p["seconds"] > 0 for p in figures["pages"])


def test_missing_ground_truth_is_a_clear_error(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(_cli(), [str(tmp_path)])
    assert result.exit_code == 2
    assert "gt.jsonl" in result.stderr and "missing" in result.stderr

    (tmp_path / "gt.jsonl").write_text(json.dumps({"image": "p009.png", "text": "x"}) + "\n")
    result = runner.invoke(_cli(), [str(tmp_path)])
    assert result.exit_code == 2
    assert "p009.png" in result.stderr and "not found" in result.stderr

    result = runner.invoke(_cli(), [str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such folder" in result.stderr


def test_the_cli_names_the_missing_gt_file(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "munseo", "evaluate", "ocr", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert f"{tmp_path / 'gt.jsonl'}: missing" in proc.stderr
