"""The engine registry: the engine Settings.ocr_engine names, and a clear error for one that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.ocr import OcrError, make_engine
from munseo.pipeline import PageProcessor, read_file
from tests.documents import png_page


def test_the_engine_is_chosen_by_name_from_the_settings(tmp_path: Path) -> None:
    path, _ = png_page(tmp_path / "page.png")
    default = read_file(path, Settings(data_dir=tmp_path))
    assert default.pages[0].engine is not None and default.pages[0].engine.name == "tesseract"
    plugin = read_file(path, Settings(data_dir=tmp_path, ocr_engine="tests.ocr_plugin:make"))
    engine = plugin.pages[0].engine
    assert engine is not None and (engine.name, engine.languages, engine.layout) == (
        "whole-page-english",
        "eng",
        "single-block",
    )
    assert plugin.text.strip() and plugin.text != default.text


@pytest.mark.parametrize("name", ["abbyy", "tests.ocr_plugin:missing", "no_such_module:make"])
def test_an_engine_that_does_not_exist_is_an_ocr_error_naming_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(OcrError, match=re.escape(repr(name))):
        make_engine(Settings(data_dir=tmp_path, ocr_engine=name))
    with pytest.raises(OcrError):
        PageProcessor(Settings(data_dir=tmp_path, ocr_engine=name))
