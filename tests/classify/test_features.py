"""TF-IDF features: training featurises once, the same as transform."""

from __future__ import annotations

import numpy as np

from tests.corpus import make_documents


def test_training_featurises_into_one_float64_copy_equal_to_transform() -> None:
    """Texts given as ``also`` are featurised after the others without counting in the vocabulary."""
    from munseo.classify.features import Vocabulary
    from munseo.classify.options import DEFAULT_FEATURES

    documents = [d["text"] for d in make_documents(160, seed=9)]
    texts, also = documents[:120], documents[120:]
    fitted = Vocabulary.fit(texts, DEFAULT_FEATURES)
    for extra in ([], also):
        vocabulary, matrix = Vocabulary.fit_transform(texts, DEFAULT_FEATURES, dtype=np.float64, also=extra)
        assert np.array_equal(vocabulary.buckets, fitted.buckets) and np.allclose(vocabulary.idf, fitted.idf)
        expected = fitted.transform(texts + extra)
        assert matrix.dtype == np.float64 and matrix.has_sorted_indices and matrix.nnz == expected.nnz
        assert matrix.shape == (len(texts) + len(extra), len(fitted))
        assert abs(matrix - expected).max() < 1e-6


def test_the_opening_counts_apart_at_its_own_weight() -> None:
    """With ``head_chars`` the n-grams of a text's opening are features of their own: a title word
    weighs more at the start than further on, the body part keeps its own unit norm, and the ONNX
    inputs carry the same values as the sparse rows."""
    from dataclasses import replace

    from munseo.classify.features import Vocabulary
    from munseo.classify.options import DEFAULT_FEATURES

    body = "시행령 " * 3 + "부칙 이 영은 공포한 날부터 시행한다 " * 5
    titled = "시행규칙 " + body
    ending = body + " 시행규칙"
    plain_config = replace(DEFAULT_FEATURES, head_chars=0)
    config = replace(DEFAULT_FEATURES, head_chars=10, head_weight=0.5, min_df=1)
    vocabulary = Vocabulary.fit([titled, ending], config)
    rows = vocabulary.transform([titled, ending]).toarray()
    assert (rows[0] > 0).sum() > (rows[1] > 0).sum()  # the opening's n-grams are extra features
    plain = Vocabulary.fit([titled, ending], replace(plain_config, min_df=1)).transform([titled, ending]).toarray()
    assert np.isclose(np.linalg.norm(plain[0]), 1.0)
    # body (norm 1) and opening (norm 0.5) are normalised apart: the row's norm is between 1 and 1.5
    assert 1.0 < np.linalg.norm(rows[0]) <= 1.5 + 1e-6
    ids, weights = vocabulary.transform_padded([titled])
    dense = np.zeros(len(vocabulary))
    np.add.at(dense, ids[0], weights[0])
    assert np.allclose(dense, rows[0], atol=1e-6)


def test_texts_featurised_together_get_the_rows_they_get_alone(monkeypatch) -> None:
    """A batch's n-grams are hashed as one sequence: none may span two texts (or, for ``char_wb``,
    two words), whatever the analyzer and however the texts fall into batches."""
    from dataclasses import replace

    from munseo.classify import features
    from munseo.classify.features import Vocabulary
    from munseo.classify.options import DEFAULT_FEATURES

    documents = [d["text"] for d in make_documents(40, seed=3)]
    # texts that end and start alike: an n-gram across their boundary would be a feature of its own
    texts = [*documents, "", "가", "끝 ", " 시작", "\u3000전각 공백\t끝", "ab", "ba", *documents[:3]]
    configs = [
        DEFAULT_FEATURES,
        replace(DEFAULT_FEATURES, analyzer="char", ngram_min=1, ngram_max=3, head_chars=0, min_df=1),
        replace(DEFAULT_FEATURES, word_ngram_max=2, head_chars=7, min_df=1),
    ]
    for config in configs:
        vocabulary, matrix = Vocabulary.fit_transform(texts, config, dtype=np.float64)
        alone = [vocabulary.transform([text]) for text in texts]
        for row, single in enumerate(alone):
            assert abs(matrix[row] - single).max() < 1e-6 if single.nnz else matrix[row].nnz == 0
        monkeypatch.setattr(features, "BATCH_CHARS", 300)  # many small batches: the same vocabulary and rows
        again, small = Vocabulary.fit_transform(texts, config, dtype=np.float64)
        monkeypatch.undo()
        assert np.array_equal(again.buckets, vocabulary.buckets) and np.array_equal(again.idf, vocabulary.idf)
        assert (small != matrix).nnz == 0 and np.array_equal(small.indptr, matrix.indptr)
