"""Synthetic Korean National Assembly documents with ground truth (``munseo synth``).

``generate`` writes born-digital PDFs and scanned page images of the 8 institutions x 7 document
types of the default label schema, optionally with unknown inputs, plus a ``manifest.jsonl`` of
labels, key fields and per-page ground-truth text and line boxes (see :mod:`munseo.synth.manifest`).
"""

from munseo.synth.difficulty import DIFFICULTIES, Difficulty
from munseo.synth.generator import MANIFEST, generate, plan
from munseo.synth.manifest import Labels, LineTruth, ManifestRecord, PageTruth, read_manifest, text_layer_matches
from munseo.synth.unknown import UNKNOWN_KINDS
from munseo.synth.vocab import DOC_TYPES, INSTITUTIONS, UNKNOWN

__all__ = [
    "DIFFICULTIES",
    "DOC_TYPES",
    "INSTITUTIONS",
    "MANIFEST",
    "UNKNOWN",
    "UNKNOWN_KINDS",
    "Difficulty",
    "Labels",
    "LineTruth",
    "ManifestRecord",
    "PageTruth",
    "generate",
    "plan",
    "read_manifest",
    "text_layer_matches",
]
