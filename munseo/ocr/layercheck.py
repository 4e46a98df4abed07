"""Does a page's text layer say what the page shows? Some word processors export fonts whose
character map is wrong: the layer holds valid characters that are not the page's text, and reading
it would store nonsense at full confidence. One line of the layer, rendered at OCR resolution, is
read by the OCR engine and compared with what the layer says is there; a layer the engine reads
confidently as something else is distrusted, and the page is read by OCR instead.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from munseo.ingest import LayerSample
from munseo.ocr.engine import OcrEngine

# Below this share of the line's characters lining up with the OCR reading, the layer says
# something else: a mis-mapped font shares next to nothing with the page (under 0.1), an OCR
# reading of a faithful layer most of it (0.9 or more on clean born-digital pages).
MIN_AGREEMENT = 0.5
# An OCR reading this unsure proves nothing (a line of symbols, a drawing): the layer is kept.
MIN_CONFIDENCE = 0.6
_NOT_TEXT = re.compile(r"[\W_]+")


def _flat(text: str) -> str:
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True)
class LayerCheck:
    agreement: float  # share of the line's letters and digits that line up with the OCR reading
    confidence: float  # the OCR reading's mean word confidence
    ms: float

    @property
    def distrusted(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE and self.agreement < MIN_AGREEMENT

    def reason(self) -> str:
        return (
            f"the text layer does not say what the page shows ({self.agreement:.0%} of a line agrees with "
            f"an OCR reading): read by OCR instead"
        )


def check_layer(engine: OcrEngine, sample: LayerSample) -> LayerCheck:
    """Read the sampled line with ``engine`` (its Latin model when the layer says the line is Latin
    letters) and compare it with the layer's text."""
    start = time.perf_counter()
    claimed = _flat(sample.text)
    latin = sum(c.isascii() and c.isalpha() for c in claimed) > len(claimed) / 2
    line = engine.read_line(sample.image, sample.dpi, latin=latin)
    agreement = Indel.normalized_similarity(claimed, _flat(line.text)) if line else 0.0
    return LayerCheck(agreement, line.confidence if line else 0.0, (time.perf_counter() - start) * 1000)
