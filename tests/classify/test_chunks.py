"""How the transformer backend cuts a long document into chunks: the first always, the rest spread
evenly, each framed by [CLS] … [SEP] and padded with a zero mask."""

from __future__ import annotations

import numpy as np

from munseo.classify.chunks import ChunkConfig, encode_chunks, pick_chunks, prepare_text

CONFIG = ChunkConfig(chunk_tokens=6, max_chunks=3, cls_id=1, sep_id=2, pad_id=0)


def test_the_first_chunk_is_kept_and_the_rest_spread_evenly() -> None:
    assert pick_chunks(2, 4) == [0, 1]
    assert pick_chunks(10, 3) == [0, 1, 9]
    assert pick_chunks(10, 4) == [0, 1, 5, 9]


def test_chunks_are_framed_padded_and_masked() -> None:
    ids, mask = encode_chunks([list(range(10, 22)), [30, 31]], CONFIG)  # 12 tokens: 3 chunks of 4
    assert ids.shape == mask.shape == (2, 3, 6)
    assert ids[0, 0].tolist() == [1, 10, 11, 12, 13, 2]
    assert ids[0, 2].tolist() == [1, 18, 19, 20, 21, 2]
    assert ids[1, 0].tolist() == [1, 30, 31, 2, 0, 0] and mask[1, 0].tolist() == [1, 1, 1, 1, 0, 0]
    assert not mask[1, 1:].any()  # chunks the short document does not have are all padding
    empty_ids, empty_mask = encode_chunks([[]], CONFIG)
    assert empty_ids[0, 0, :2].tolist() == [1, 2] and int(np.sum(empty_mask)) == 2


def test_text_is_normalised_before_tokenising() -> None:
    assert prepare_text("  제1조\n\n(목적)\t이 법은 ") == "제1조 (목적) 이 법은"
    assert prepare_text("\u1112\u1161\u11ab") == "한"
