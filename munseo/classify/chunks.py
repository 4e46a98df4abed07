"""How the ``transformer`` backend reads a long document: the head of the text plus more chunks.

The token sequence is cut into chunks of ``chunk_tokens`` (special tokens included). The model
reads the first chunk — the head, where titles, headers and the opening that name a document's
type and sender are — and up to ``max_chunks - 1`` more, spread evenly over the rest of the
document, where the subject matter that names the institution recurs. Each chunk is encoded on
its own and the chunk vectors are mean-pooled. Evenly spread chunks see the whole of a long bill
at a fixed cost, where "first N tokens" would see only its first pages; mean pooling keeps the
ONNX graph simple and does not depend on how many chunks a document has.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ChunkConfig:
    chunk_tokens: int
    max_chunks: int
    cls_id: int
    sep_id: int
    pad_id: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def pick_chunks(count: int, max_chunks: int) -> list[int]:
    """Chunk indices: the first, then up to ``max_chunks - 1`` spread evenly over the others."""
    if count <= max_chunks:
        return list(range(count))
    rest = np.linspace(1, count - 1, max_chunks - 1).round().astype(int)
    return [0, *sorted(set(rest.tolist()))]


def encode_chunks(token_ids: Sequence[Sequence[int]], config: ChunkConfig) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask), both [documents, chunks, tokens], padded with ``pad_id`` / 0.
    A padded chunk has an all-zero mask, which the model's pooling leaves out."""
    body = config.chunk_tokens - 2
    documents = []
    for ids in token_ids:
        pieces = [list(ids[i : i + body]) for i in range(0, len(ids), body)] or [[]]
        chosen = pick_chunks(len(pieces), config.max_chunks)
        documents.append([[config.cls_id, *pieces[i], config.sep_id] for i in chosen])
    chunks = max(len(d) for d in documents)
    width = max(len(c) for d in documents for c in d)
    input_ids = np.full((len(documents), chunks, width), config.pad_id, dtype=np.int64)
    mask = np.zeros((len(documents), chunks, width), dtype=np.int64)
    for i, document in enumerate(documents):
        for j, chunk in enumerate(document):
            input_ids[i, j, : len(chunk)] = chunk
            mask[i, j, : len(chunk)] = 1
    return input_ids, mask
