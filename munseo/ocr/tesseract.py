"""Tesseract 5 (LSTM) through tesserocr: initialised engines kept per process, no spawn per page.

Tesseract must run single-threaded, one process per core: OpenMP threads of processes side by side
fight over the cores and run many times slower (``../shared/ocr-notes.md``). ``OMP_THREAD_LIMIT``
is set before tesserocr is imported, which is what Tesseract reads.

How a page is read (``TesseractEngine.recognize``):

1. Ruling lines are found and erased (``tables``); where they make a grid, the words read inside it
   are put back into rows and cells afterwards.
2. munseo's own segmentation (``layout``) cuts the page into regions, each read as a uniform block
   with the main model (by default the ``Hangul`` script model, which reads real Korean text at
   about half the error of ``kor+eng``).
3. If the words read cover too little of the page's glyph-sized ink, the page is read whole, with
   Tesseract's own layout analysis too, and the reading with the most confident characters is kept
   (``quality``); which one won is recorded.
4. A page whose letters are mostly Latin is read again with the Latin model, and lines that read
   as Latin on a Korean page are read again line by line; the better reading is kept.

Orientation (``detect_orientation``) and the choice of image treatment are decided a step above,
in ``munseo.ocr.page``, which owns the page image.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import difflib
import logging
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import tesserocr
from PIL import Image

from munseo.elements import (
    BBox,
    Block,
    BlockKind,
    EngineInfo,
    Line,
    PageQuality,
    PageResult,
    PageSource,
    Word,
    union_bbox,
)
from munseo.ocr import quality
from munseo.ocr.engine import OcrError, PageTimeout, time_left
from munseo.ocr.layout import Region, find_regions
from munseo.ocr.tables import Rules, erase_rules, find_rules, group_table

if TYPE_CHECKING:
    from munseo.config import Settings

log = logging.getLogger(__name__)

_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)

DEFAULT_LANGUAGES = "Hangul"
LATIN_LANGUAGES = "eng"
HANJA_LANGUAGES = "HanT"
# A word read below this confidence by the main model may hold Hanja, which it cannot write.
HANJA_SUSPECT_CONFIDENCE = 0.85
# A character the Hanja model reads as Hanja at this confidence or more may stand for what the main
# model read below HANJA_KOREAN_DOUBT there. On the 40 tuning pages (CER, Hanja CER, Hangul CER):
# 0.8/0.6 with words below 0.8 in doubt 1.75%, 65%, 0.20%; 0.7/0.8 1.55%, 52%, 0.21%; 0.7/0.9 with
# words below 0.85 in doubt 1.43%, 44%, 0.21%; 0.7/0.95 1.42%, 40%, 0.25% (Hangul lost).
HANJA_MIN, HANJA_KOREAN_DOUBT = 0.7, 0.9
# … in a run of at least this many such characters: the Hanja model's confident misreadings of a
# Hangul word were single characters (出 for 법률, 引 for 의).
HANJA_MIN_RUN = 2
# So many of a page's least confident words are read with the Hanja model first: if none of them
# holds Hanja, the page carries none and the rest are not read again.
HANJA_PROBE_WORDS = 6
# The share of the page height the language probe reads.
PROBE_SHARE = 0.05
# A page (or line) the Latin model reads below this confidence is read with the main model too.
LATIN_PAGE_MIN_CONFIDENCE = 0.6
# A table cell holding a word read below this confidence is read again on its own (on the tuning
# pages, CER 1.07% at 0.5, 1.02% at 0.65, 1.00% at 0.8: dates whose dots the table reading lost).
CELL_REREAD_CONFIDENCE = 0.8
# … and its own reading is kept if more confident per character and at least this share as long.
CELL_MIN_SHARE = 0.9
# Below this coverage a region reading is in doubt and the page is read whole as well.
MIN_COVERAGE = 0.9
# OSD must be at least this sure before a page is turned.
MIN_OSD_CONFIDENCE = 2.0
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")
_BRACKETS = frozenset("()[]{}<>「」『』〈〉《》")
_HANJA = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Layout(StrEnum):
    AUTO = "auto"  # munseo's own segmentation, each region read as a uniform block (PSM 6), with fallbacks
    SINGLE_BLOCK = "single-block"  # the whole page as one uniform block (PSM 6)
    TESSERACT = "tesseract"  # Tesseract's automatic page segmentation (PSM 3)


def find_tessdata(languages: str, tessdata_dir: Path | None = None) -> Path:
    """The folder holding every ``*.traineddata`` that ``languages`` ("Hangul+eng") names."""
    wanted = languages.split("+")
    candidates = [str(tessdata_dir)] if tessdata_dir else []
    if os.environ.get("TESSDATA_PREFIX"):
        candidates.append(os.environ["TESSDATA_PREFIX"])
    candidates.extend(_TESSDATA_CANDIDATES)
    for folder in candidates:
        if all((Path(folder) / f"{lang}.traineddata").is_file() for lang in wanted):
            return Path(folder)
    raise OcrError(
        f"Tesseract language data for {languages!r} not found in {', '.join(candidates)}; install the Debian "
        "packages tesseract-ocr-script-hang, tesseract-ocr-kor and tesseract-ocr-eng or set MUNSEO_TESSDATA_DIR"
    )


@dataclass
class _Reading:
    """One way of reading a page: its blocks, and how it scores."""

    name: str
    blocks: list[Block]
    boxes: list[BBox]  # what was read, each box as one unit
    languages: str
    psm: int = tesserocr.PSM.SINGLE_BLOCK
    columns: int = 1

    @property
    def words(self) -> list[Word]:
        return [w for b in self.blocks for line in b.lines for w in line.words]

    @property
    def score(self) -> float:
        return quality.score(self.words)


def from_settings(settings: Settings) -> TesseractEngine:
    """The engine as the settings configure it (``languages``, ``latin_languages``, ``hanja_languages``,
    ``tessdata_dir``)."""
    return TesseractEngine(
        languages=settings.languages,
        tessdata_dir=settings.tessdata_dir,
        latin_languages=settings.latin_languages or None,
        hanja_languages=settings.hanja_languages or None,
    )


class TesseractEngine:
    """Tesseract, LSTM only, one model per language set loaded on first use. Not thread-safe: one
    instance per process."""

    name = "tesseract"

    def __init__(
        self,
        languages: str = DEFAULT_LANGUAGES,
        tessdata_dir: Path | None = None,
        layout: Layout = Layout.AUTO,
        latin_languages: str | None = LATIN_LANGUAGES,
        hanja_languages: str | None = HANJA_LANGUAGES,
    ) -> None:
        self.languages = languages
        self.layout = Layout(layout)
        self.latin_languages = latin_languages if latin_languages != languages else None
        self.hanja_languages = hanja_languages if hanja_languages != languages else None
        if self.hanja_languages:
            try:
                find_tessdata(self.hanja_languages, tessdata_dir)
            except OcrError as exc:
                log.warning("Hanja will not be read: %s", exc)
                self.hanja_languages = None
        self._tessdata_dir = tessdata_dir
        self._apis: dict[tuple[str, int], tesserocr.PyTessBaseAPI] = {}
        self._digits: tesserocr.PyTessBaseAPI | None = None  # its own: a whitelist would bind other readings
        self._api(languages, tesserocr.PSM.SINGLE_BLOCK)  # fail now, not on the first page
        self.version = tesserocr.PyTessBaseAPI.Version()

    def _api(self, languages: str, psm: int) -> tesserocr.PyTessBaseAPI:
        key = (languages, psm)
        if key not in self._apis:
            path = find_tessdata(languages, self._tessdata_dir)
            oem = tesserocr.OEM.TESSERACT_ONLY if languages == "osd" else tesserocr.OEM.LSTM_ONLY
            try:
                api = tesserocr.PyTessBaseAPI(path=str(path) + os.sep, lang=languages, psm=psm, oem=oem)
            except RuntimeError as exc:
                raise OcrError(f"Tesseract failed to start with {languages!r} from {path}: {exc}") from exc
            # The script models (Hangul) lack the setting kor carries in its config: without it every
            # syllable comes back as a word of its own.
            api.SetVariable("preserve_interword_spaces", "1")
            self._apis[key] = api
        return self._apis[key]

    def read_digits(self, image: np.ndarray) -> str:
        """The digits in a small clean image (the inside of a circled number), "" when none."""
        if self._digits is None:
            path = find_tessdata(self.latin_languages or self.languages, self._tessdata_dir)
            self._digits = tesserocr.PyTessBaseAPI(
                path=str(path) + os.sep,
                lang=self.latin_languages or self.languages,
                psm=tesserocr.PSM.SINGLE_WORD,
                oem=tesserocr.OEM.LSTM_ONLY,
            )
            self._digits.SetVariable("tessedit_char_whitelist", "0123456789")
        self._digits.SetImage(Image.fromarray(np.ascontiguousarray(image)))
        return "".join(self._digits.GetUTF8Text().split())

    def close(self) -> None:
        if self._digits is not None:
            self._digits.End()
            self._digits = None
        for api in self._apis.values():
            api.End()
        self._apis.clear()

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        start = time.perf_counter()
        gray = np.asarray(image.convert("L")) if isinstance(image, Image.Image) else image
        result = self._recognize(gray, dpi, number)
        result.timings_ms = {"ocr": (time.perf_counter() - start) * 1000}
        return result

    def read_line(self, image: Image.Image | np.ndarray, dpi: int, latin: bool = False) -> Line | None:
        gray = np.asarray(image.convert("L")) if isinstance(image, Image.Image) else image
        height, width = gray.shape[:2]
        box: BBox = (0, 0, width, height)
        if not (latin and self.latin_languages):
            return self._read_line(gray, box, dpi, self.languages)
        line = self._read_line(gray, box, dpi, self.latin_languages)
        if line is not None and line.confidence >= LATIN_PAGE_MIN_CONFIDENCE:
            return line
        # The Latin model is unsure: the line may be Korean after all (a layer of Latin junk)
        other = self._read_line(gray, box, dpi, self.languages)
        return max((r for r in (line, other) if r is not None), key=lambda r: r.confidence, default=None)

    def detect_orientation(self, gray: np.ndarray, dpi: int) -> int:
        """Clockwise degrees (0, 90, 180, 270) that turn the page upright; 0 when unsure."""
        try:
            api = self._api("osd", tesserocr.PSM.OSD_ONLY)
        except OcrError:  # no osd.traineddata: orientation cannot be checked
            return 0
        api.SetImage(Image.fromarray(gray))
        api.SetSourceResolution(dpi)
        found = api.DetectOrientationScript()
        if not found or found.get("orient_conf", 0.0) < MIN_OSD_CONFIDENCE:
            return 0
        # OSD reports how far the page is turned counter-clockwise; turning it back is clockwise.
        return (360 - int(found["orient_deg"])) % 360

    def _recognize(self, gray: np.ndarray, dpi: int, number: int) -> PageResult:
        height, width = gray.shape[:2]
        rules = find_rules(gray)
        clean = erase_rules(gray, rules)
        page: BBox = (0, 0, width, height)
        glyphs = quality.glyph_mask(clean)
        if not glyphs[0].any():
            # No glyph-sized ink: a blank page, or a blank page's speckle, which Tesseract would
            # spend a minute reading as a page of garbage.
            return self._result(
                gray, dpi, number, [], 0.0, self.languages, "blank", PageQuality(reading="blank", coverage=1.0)
            )
        regions = self._regions(gray)
        model = self._page_model(clean, regions, dpi)
        readings = [self._first_reading(clean, regions, dpi, model)]
        if model != self.languages and quality.mean_confidence(readings[0].words) < LATIN_PAGE_MIN_CONFIDENCE:
            # The probe was misled (an English heading on a Korean page): the main model reads too.
            readings.append(self._first_reading(clean, regions, dpi, self.languages))
        first = max(readings, key=lambda r: r.score)
        model = first.languages
        covered = quality.coverage(clean, first.words, glyphs=glyphs)
        if self.layout is Layout.AUTO and covered < MIN_COVERAGE:
            if first.name != "whole-page":
                readings.append(
                    _Reading("whole-page", self._read_box(clean, page, dpi, languages=model), [page], model)
                )
            blocks = self._read_box(clean, page, dpi, tesserocr.PSM.AUTO, model)
            readings.append(_Reading("tesseract-layout", blocks, [page], model, tesserocr.PSM.AUTO))
        best = max(readings, key=lambda r: r.score)
        if self.layout is Layout.AUTO:
            best.blocks = self._reread_lines(clean, dpi, best.blocks, best.languages)
        languages = self.languages if not self.latin_languages else f"{self.languages}+{self.latin_languages}"
        if best.languages != self.languages:
            languages = best.languages
        blocks = _with_tables(best.blocks, rules)
        if self.layout is Layout.AUTO:
            blocks = self._reread_cells(clean, dpi, blocks, best.languages)
        if best.languages == self.languages and self.hanja_languages:
            with_hanja = self._reread_hanja(clean, dpi, blocks)
            if with_hanja is not blocks:
                blocks, languages = with_hanja, f"{languages}+{self.hanja_languages}"
        words = [w for b in blocks for line in b.lines for w in line.words]
        covered = covered if best is first else quality.coverage(clean, words, glyphs=glyphs)
        return self._result(
            gray,
            dpi,
            number,
            blocks,
            quality.mean_confidence(words) * min(1.0, covered / MIN_COVERAGE),
            languages,
            self._layout_name(best),
            PageQuality(
                reading=best.name,
                coverage=round(covered, 4),
                candidates={r.name: round(r.score, 1) for r in readings},
            ),
        )

    def _result(
        self,
        gray: np.ndarray,
        dpi: int,
        number: int,
        blocks: list[Block],
        confidence: float,
        languages: str,
        layout: str,
        page_quality: PageQuality,
    ) -> PageResult:
        height, width = gray.shape[:2]
        return PageResult(
            number=number,
            width=width,
            height=height,
            dpi=dpi,
            source=PageSource.OCR,
            text="\n".join(b.text for b in blocks),
            blocks=blocks,
            mean_confidence=round(confidence, 4),
            engine=EngineInfo(name=self.name, version=self.version, languages=languages, layout=layout),
            quality=page_quality,
        )

    def _regions(self, gray: np.ndarray) -> list[Region]:
        """What the first reading reads: munseo's regions, or the whole page as one."""
        height, width = gray.shape
        whole = [Region((0, 0, width, height), 0, 1)]
        # A page where segmentation finds nothing is still read whole: a blank page costs little.
        return (find_regions(gray) or whole) if self.layout is Layout.AUTO else whole

    def _page_model(self, clean: np.ndarray, regions: list[Region], dpi: int) -> str:
        """The model for the page: the Latin one if a probe of the main model reads mostly Latin.

        The probe is a strip from the middle of the largest region, cut at blank rows, about a
        twentieth of the page (a tenth decided the same on 103 pages, Korean and English, at twice
        the cost): a whole page read twice would cost twice.
        """
        if not self.latin_languages or self.layout is not Layout.AUTO:
            return self.languages
        x0, y0, x1, y1 = max((r.bbox for r in regions), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        strip = max(40, round(PROBE_SHARE * clean.shape[0]))
        if y1 - y0 > strip:
            middle = (y0 + y1) // 2
            y0, y1 = _blank_row(clean, x0, x1, middle - strip // 2), _blank_row(clean, x0, x1, middle + strip // 2)
        words = [w for b in self._read_box(clean, (x0, y0, x1, y1), dpi) for ln in b.lines for w in ln.words]
        text = " ".join(w.text for w in words)
        latin, hangul = len(_LATIN.findall(text)), len(_HANGUL.findall(text))
        return self.latin_languages if latin >= 20 and latin >= 3 * hangul else self.languages

    def _first_reading(self, clean: np.ndarray, regions: list[Region], dpi: int, languages: str) -> _Reading:
        height, width = clean.shape
        page: BBox = (0, 0, width, height)
        if self.layout is Layout.TESSERACT:
            blocks = self._read_box(clean, page, dpi, tesserocr.PSM.AUTO, languages)
            return _Reading("tesseract-layout", blocks, [page], languages, tesserocr.PSM.AUTO)
        blocks = [b for region in regions for b in self._read_box(clean, region.bbox, dpi, languages=languages)]
        return _Reading(
            "regions" if len(regions) > 1 or regions[0].bbox != page else "whole-page",
            blocks,
            [r.bbox for r in regions],
            languages,
            columns=max(r.columns for r in regions),
        )

    def _layout_name(self, reading: _Reading) -> str:
        if self.layout is not Layout.AUTO:
            return self.layout.value
        if reading.name != "regions":
            return reading.name
        return "single-block" if reading.columns == 1 else f"columns:{reading.columns}"

    def _reread_lines(self, clean: np.ndarray, dpi: int, blocks: list[Block], model: str) -> list[Block]:
        """Lines another model may read better, read again with it; the better line is kept.

        On a page read with the main model, lines that read as Latin (no Hangul) go to the Latin
        model; on a page read with the Latin model, lines read at low confidence (Hangul, which the
        Latin model cannot write) go to the main model.
        """
        if not self.latin_languages:
            return blocks
        out = []
        for block in blocks:
            lines = []
            for line in block.lines:
                if line.cells:
                    other = None  # a table row: its words keep their cells
                elif model == self.languages:
                    other = self.latin_languages if _reads_latin(line) else None
                else:
                    other = self.languages if line.confidence < LATIN_PAGE_MIN_CONFIDENCE else None
                if other is not None:
                    again = self._read_line(clean, line.bbox, dpi, other)
                    if again is not None and quality.score(again.words) > quality.score(line.words):
                        line = again
                lines.append(line)
            out.append(block.model_copy(update={"lines": lines}))
        return out

    def _reread_cells(self, clean: np.ndarray, dpi: int, blocks: list[Block], model: str) -> list[Block]:
        """Table cells whose reading is in doubt (``_confused``), read again on their own; the better
        reading of the cell is kept.

        A table is read as one block, and a cell whose text wraps onto a second line, beside cells
        of one line, can have its first word and the line below taken for one tall word
        (농림수산식품투자조합 over 시행령 read as "Oa" at confidence 0.13); alone, the cell reads right.
        """
        return [
            block.model_copy(update={"lines": [self._reread_row(clean, dpi, line, model) for line in block.lines]})
            if block.kind is BlockKind.TABLE
            else block
            for block in blocks
        ]

    def _reread_row(self, clean: np.ndarray, dpi: int, line: Line, model: str) -> Line:
        cells: dict[int, list[Word]] = {}
        for word in line.words:
            cells.setdefault(word.cell if word.cell is not None else 0, []).append(word)
        changed = False
        for column, words in cells.items():
            if column >= len(line.cells) or not _confused(words):
                continue
            x0, y0, x1, y1 = line.cells[column]
            inside = (x0 + 3, y0 + 3, x1 - 3, y1 - 3)  # clear of the erased rules' edges
            models = [model]
            text = " ".join(w.text for w in words)
            if self.latin_languages and model != self.latin_languages and not _HANGUL.search(text):
                # Figures and Latin read better with the Latin model, as Latin lines do
                # (2020.8.11 alone: 0.66 with Hangul, dots and all; 0.91 with eng).
                models.append(self.latin_languages)
            for languages in models:
                blocks = self._read_box(clean, inside, dpi, languages=languages)
                again = [w.model_copy(update={"cell": column}) for b in blocks for ln in b.lines for w in ln.words]
                if _better_cell(again, cells[column]):
                    cells[column], changed = again, True
        if not changed:
            return line
        words = [w for column in sorted(cells) for w in cells[column]]
        return line.model_copy(update={"words": words, "bbox": union_bbox([w.bbox for w in words])})

    def _reread_hanja(self, clean: np.ndarray, dpi: int, blocks: list[Block]) -> list[Block]:
        """Words the main model read in doubt, with the Hanja in them read by the Hanja model.

        The Korean models cannot write Hanja: 先支給 in 선지급(先支給)할 comes back as 쑥흑% at
        confidence 0.6. The Hanja model reads Hanja but not Hangul, and Tesseract reading with both
        gives a whole word to one of them (a whole page read with Hangul+HanT had Hanja errors of
        71% and six times the Hangul errors on the tuning pages). So a doubtful word is read with
        both models on its own, and the Hanja model writes only the stretches of it where it reads
        Hanja (``_hanja_word``). The page's doubtful words are read so only if one of the first
        ``HANJA_PROBE_WORDS`` held Hanja: those in or beside brackets first (Hanja glosses the
        Hangul before it, 선지급(先支給)), then the least confident.
        """
        doubtful = sorted(
            (
                ("(" not in word.text and ")" not in word.text, word.confidence, b, n, i)
                for b, block in enumerate(blocks)
                for n, line in enumerate(block.lines)
                for i, word in enumerate(line.words)
                if word.confidence < HANJA_SUSPECT_CONFIDENCE
            ),
            key=lambda t: t[:2],
        )
        replaced: dict[tuple[int, int, int], Word] = {}
        for tried, (_, _, b, n, i) in enumerate(doubtful):
            if tried == HANJA_PROBE_WORDS and not replaced:
                break
            again = self._hanja_word(clean, dpi, blocks[b].lines[n].words[i])
            if again is not None:
                replaced[(b, n, i)] = again
        if not replaced:
            return blocks
        return [
            block.model_copy(
                update={
                    "lines": [
                        line.model_copy(
                            update={"words": [replaced.get((b, n, i), w) for i, w in enumerate(line.words)]}
                        )
                        for n, line in enumerate(block.lines)
                    ]
                }
            )
            for b, block in enumerate(blocks)
        ]

    def _hanja_word(self, clean: np.ndarray, dpi: int, word: Word) -> Word | None:
        """``word`` with the stretches that the Hanja model reads confidently as Hanja, and the main
        model reads in doubt, written by the Hanja model; None when there are none.

        Both models read the word's box; each character counts with the confidence of the piece
        Tesseract read it in (a syllable, or a run of Hanja). On the tuning pages the Hanja of a
        gloss, 선지급(先支給)할, read at 0.83–0.97 with the Hanja model and 0.00–0.58 as Korean
        garbage; the Hanja model's confident misreadings of Hangul were single characters. Only
        the stretch is replaced: the rest of the word keeps the page reading's text (a word read
        alone can lose a syllable the page reading had).
        """
        assert self.hanja_languages is not None
        runs = _hanja_runs(self._characters(clean, word.bbox, dpi, self.hanja_languages))
        if not runs:
            return None
        chars = self._characters(clean, word.bbox, dpi, self.languages)
        text, seen, confident = word.text, "".join(c.text for c in chars), 0.0
        for run in reversed(runs):  # right to left: the positions to the left stay valid
            x0, x1 = run[0].bbox[0], run[-1].bbox[2]
            under = [k for k, c in enumerate(chars) if x0 <= (c.bbox[0] + c.bbox[2]) / 2 <= x1]
            while under and chars[under[0]].text in _BRACKETS:  # a gloss's brackets stay as read
                under.pop(0)
            while under and chars[under[-1]].text in _BRACKETS:
                under.pop()
            if any(chars[k].confidence >= HANJA_KOREAN_DOUBT for k in under):
                continue
            start = (
                sum(len(c.text) for c in chars[: under[0]])
                if under
                else sum(len(c.text) for c in chars if c.bbox[2] <= x0)
            )
            end = start + sum(len(chars[k].text) for k in under)
            text = _splice(text, seen, start, end, "".join(c.text for c in run))
            confident += sum(c.confidence for c in run)
        if text == word.text:
            return None
        hanja = len(_HANJA.findall(text))
        others = len(text) - hanja
        confidence = (confident + word.confidence * others) / len(text) if confident else word.confidence
        return word.model_copy(update={"text": text, "confidence": min(1.0, confidence)})

    def _characters(self, clean: np.ndarray, box: BBox, dpi: int, languages: str) -> list[Word]:
        """The characters in ``box`` as ``languages`` reads them, each with its own box and the
        confidence of the piece it was read in."""
        pad = 4
        x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
        api = self._recognized(clean, (x0, y0, box[2] + pad, box[3] + pad), dpi, tesserocr.PSM.SINGLE_LINE, languages)
        if api is None:
            return []
        level = tesserocr.RIL.SYMBOL
        out = []
        for symbol in tesserocr.iterate_level(api.GetIterator(), level):
            try:
                text = symbol.GetUTF8Text(level).strip()
            except RuntimeError:  # an element with no text
                continue
            found = symbol.BoundingBox(level)
            if text and found is not None:
                confidence = min(1.0, max(0.0, symbol.Confidence(tesserocr.RIL.WORD) / 100))
                bbox: BBox = (found[0] + x0, found[1] + y0, found[2] + x0, found[3] + y0)
                out.append(Word(text=text, bbox=bbox, confidence=confidence))
        return out

    def _read_line(self, clean: np.ndarray, box: BBox, dpi: int, languages: str) -> Line | None:
        pad = 4
        x0, y0, x1, y1 = max(0, box[0] - pad), max(0, box[1] - pad), box[2] + pad, box[3] + pad
        blocks = self._read_box(clean, (x0, y0, x1, y1), dpi, tesserocr.PSM.SINGLE_LINE, languages)
        words = [w for b in blocks for line in b.lines for w in line.words]
        return Line(bbox=union_bbox([w.bbox for w in words]), words=words) if words else None

    def _read_box(
        self,
        gray: np.ndarray,
        box: BBox,
        dpi: int,
        psm: int = tesserocr.PSM.SINGLE_BLOCK,
        languages: str | None = None,
    ) -> list[Block]:
        x0, y0 = max(0, box[0]), max(0, box[1])
        api = self._recognized(gray, box, dpi, psm, languages or self.languages)
        if api is None:
            return []
        return _collect_blocks(api.GetIterator(), x0, y0)

    def _recognized(
        self, gray: np.ndarray, box: BBox, dpi: int, psm: int, languages: str
    ) -> tesserocr.PyTessBaseAPI | None:
        """The model that has recognised ``box`` of the page (within the page's time limit), or None
        when there was nothing to read."""
        x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), box[2], box[3]
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0:  # e.g. a probe strip whose ends fell on one blank row: nothing to read
            return None
        api = self._api(languages, psm)
        api.SetImage(Image.fromarray(np.ascontiguousarray(crop)))
        api.SetSourceResolution(dpi)
        left = time_left()
        if left is not None and left <= 0:
            raise PageTimeout("the page's time limit ran out")
        if not api.Recognize(timeout=max(1, int(left * 1000)) if left is not None else 0):
            if (after := time_left()) is not None and after <= 0:
                raise PageTimeout("the page's time limit ran out during recognition")
            return None
        return api


def _hanja_runs(chars: list[Word]) -> list[list[Word]]:
    """Runs of at least ``HANJA_MIN_RUN`` characters read as Hanja at ``HANJA_MIN`` or more."""
    runs: list[list[Word]] = [[]]
    for char in chars:
        if _HANJA.fullmatch(char.text) and char.confidence >= HANJA_MIN:
            runs[-1].append(char)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) >= HANJA_MIN_RUN]


def _splice(text: str, seen: str, start: int, end: int, insert: str) -> str:
    """``text`` with the stretch that ``seen[start:end]`` stands for (``seen`` being another reading
    of the same word) replaced by ``insert``."""
    matcher = difflib.SequenceMatcher(None, seen, text, autojunk=False)

    def at(index: int) -> int:
        for _, a0, a1, b0, b1 in matcher.get_opcodes():
            if a0 <= index < a1 or (index == a1 == len(seen)):
                return b0 + round((index - a0) * (b1 - b0) / max(1, a1 - a0))
        return len(text)

    return text[: at(start)] + insert + text[at(end) if end > start else at(start) :]


def _overlaps(a: Word, b: Word) -> bool:
    """Whether two words cover more than half of the smaller one's box: one spot read twice."""
    width = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
    height = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    area = min((w.bbox[2] - w.bbox[0]) * (w.bbox[3] - w.bbox[1]) for w in (a, b))
    return width > 0 and height > 0 and width * height > 0.5 * area


def _distinct(words: list[Word]) -> list[Word]:
    """The words, less each one lying on the spot of a word before it."""
    kept: list[Word] = []
    for word in words:
        if not any(_overlaps(word, other) for other in kept):
            kept.append(word)
    return kept


def _confused(words: list[Word]) -> bool:
    """Whether a cell's reading is in doubt: a word below ``CELL_REREAD_CONFIDENCE``, or two words
    on the same spot (one line of the cell read twice)."""
    return min(w.confidence for w in words) < CELL_REREAD_CONFIDENCE or len(_distinct(words)) < len(words)


def _better_cell(again: list[Word], first: list[Word]) -> bool:
    """Whether a cell read on its own beats the table's reading of it: more confident per character,
    and about as long as the table's reading without the words it read twice. Not by confident
    characters in all (``quality.score``): a cell's line read twice, once well and once garbled,
    scores higher than the line read once."""
    chars = sum(len(w.text) for w in again)
    return chars >= CELL_MIN_SHARE * sum(len(w.text) for w in _distinct(first)) and (
        quality.mean_confidence(again) > quality.mean_confidence(first)
    )


def _blank_row(gray: np.ndarray, x0: int, x1: int, y: int, reach: int = 60) -> int:
    """The row nearest ``y`` (within ``reach``) with the least ink between ``x0`` and ``x1``."""
    top, bottom = max(0, y - reach), min(gray.shape[0], y + reach + 1)
    if bottom <= top:
        return min(max(0, y), gray.shape[0])
    darkness = (gray[top:bottom, x0:x1] < 128).sum(axis=1)
    return top + int(np.argmin(darkness))


def _reads_latin(line: Line) -> bool:
    text = line.text
    return len(_LATIN.findall(text)) >= 3 and not _HANGUL.search(text)


def _with_tables(blocks: list[Block], rules: Rules) -> list[Block]:
    """Blocks with the lines that lie in a ruled grid gathered into that grid's table block.

    The table takes the place of its first line; lines before and after it keep their blocks.
    """
    if not rules.grids:
        return blocks
    placed: set[int] = set()
    out: list[Block] = []
    for block in blocks:
        pending: list[Line] = []
        for line in block.lines:
            grid_index = _grid_of(line, rules)
            if grid_index is None:
                pending.append(line)
                continue
            if pending:
                out.append(Block(bbox=union_bbox([ln.bbox for ln in pending]), lines=pending))
                pending = []
            if grid_index not in placed:
                placed.add(grid_index)
                grid = rules.grids[grid_index]
                words = [w for b in blocks for ln in b.lines if _grid_of(ln, rules) == grid_index for w in ln.words]
                table, _ = group_table(grid, words)
                if table is not None:
                    out.append(table)
        if pending:
            out.append(Block(bbox=union_bbox([ln.bbox for ln in pending]), lines=pending, kind=block.kind))
    return out


def _grid_of(line: Line, rules: Rules) -> int | None:
    """The grid most of the line's words lie in, if any."""
    counts: dict[int, int] = {}
    for word in line.words:
        for i, grid in enumerate(rules.grids):
            if grid.cell_of(word.bbox) is not None:
                counts[i] = counts.get(i, 0) + 1
                break
    if not counts:
        return None
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] * 2 > len(line.words) else None


def _collect_blocks(iterator: tesserocr.PyResultIterator, dx: int, dy: int) -> list[Block]:
    """Walk Tesseract's words into blocks → lines → words, offset by the region's origin.

    Tesseract's Korean models report each syllable as a word and mark the real spaces with
    ``BlanksBeforeWord``; syllables with no blank before them are joined back into one word.
    """
    level = tesserocr.RIL.WORD
    blocks: list[list[list[tuple[str, BBox, float]]]] = []
    for word in tesserocr.iterate_level(iterator, level):
        try:
            text = word.GetUTF8Text(level).strip()
        except RuntimeError:  # an element with no text (a picture or line region in PSM 3)
            continue
        box = word.BoundingBox(level)
        if not text or box is None:
            continue
        bbox: BBox = (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
        confidence = min(1.0, max(0.0, word.Confidence(level) / 100))
        if not blocks or word.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            blocks.append([])
        if not blocks[-1] or word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            blocks[-1].append([])
        line = blocks[-1][-1]
        if line and word.BlanksBeforeWord() == 0:
            prev_text, prev_box, prev_conf = line[-1]
            weight = len(prev_text) / (len(prev_text) + len(text))
            line[-1] = (
                prev_text + text,
                union_bbox([prev_box, bbox]),
                prev_conf * weight + confidence * (1 - weight),
            )
        else:
            line.append((text, bbox, confidence))
    result = []
    for block in blocks:
        lines = [
            Line(
                bbox=union_bbox([w[1] for w in words]),
                words=[Word(text=t, bbox=b, confidence=c) for t, b, c in words],
            )
            for words in block
            if words
        ]
        if lines:
            result.append(Block(bbox=union_bbox([ln.bbox for ln in lines]), lines=lines, kind=BlockKind.TEXT))
    return result
