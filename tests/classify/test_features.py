"""TF-IDF features: training featurises once, the same as transform."""

from __future__ import annotations

import numpy as np

from tests.corpus import make_documents


def test_training_featurises_into_one_float64_copy_equal_to_transform() -> None:
    from munseo.classify.features import Vocabulary
    from munseo.classify.options import DEFAULT_FEATURES

    texts = [d["text"] for d in make_documents(120, seed=9)]
    fitted = Vocabulary.fit(texts, DEFAULT_FEATURES)
    vocabulary, matrix = Vocabulary.fit_transform(texts, DEFAULT_FEATURES, dtype=np.float64)
    assert np.array_equal(vocabulary.buckets, fitted.buckets) and np.allclose(vocabulary.idf, fitted.idf)
    expected = fitted.transform(texts)
    assert matrix.dtype == np.float64 and matrix.has_sorted_indices and matrix.nnz == expected.nnz
    assert abs(matrix - expected).max() < 1e-6
