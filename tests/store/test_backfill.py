"""Upgrading a database that already holds documents: the search index, the rescan signatures and the
stage latency histogram are filled from what is stored (migrations 0009, 0010 and 0013), oldest first."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from munseo.store.db import alembic_config, make_engine
from munseo.store.repository import Store
from tests.store.test_search import _bills


def test_an_upgrade_indexes_and_links_the_documents_already_stored(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    bills = [b for b in _bills() if len(b) > 400][:3]
    texts = [bills[0], bills[1], bills[0] + " 끝."]  # the third is the first again, re-exported
    with engine.begin() as connection:
        for n, body in enumerate(texts, 1):
            connection.execute(
                text(
                    "INSERT INTO documents (id, sha256, filename, size_bytes, page_count, status, text, needs_review,"
                    " created_at, updated_at) VALUES (:id, :sha, :name, 1, 1, 'processed', :text, false,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": n, "sha": f"{n:064x}", "name": f"old-{n}.pdf", "text": body},
            )
            connection.execute(
                text(
                    "INSERT INTO pages (document_id, number, width, height, dpi, source, raw_text, text, blocks,"
                    " mean_confidence, needs_review, timings_ms)"
                    " VALUES (:id, 1, 10, 10, 300, 'text-layer', :text, :text, '[]', 1.0, false, :timings)"
                ),
                {"id": n, "text": body, "timings": '{"ocr": 700.0, "classify": 3.0}' if n < 3 else "{}"},
            )
    engine.dispose()
    store = Store(database_url)  # migrates to the newest schema
    try:
        word = bills[1].split()[3]
        found = [h.document_id for h in store.search.find(word, limit=10)[1]]
        assert 2 in found
        assert store.documents.load(3).near_duplicate_of == 1
        assert store.documents.load(2).near_duplicate_of is None
        # a processed document's last change stands for when it was processed
        assert all(store.documents.load(n).processed_at is not None for n in (1, 2, 3))
        # two pages' timings: 0.7 s of OCR (the bucket up to 1 s) and 3 ms of classifying (up to 0.01 s)
        histogram = store.stats.stage_histogram()
        assert histogram["ocr"] == ([0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2], pytest.approx(1.4))
        assert histogram["classify"] == ([2] * 11, pytest.approx(0.006))
    finally:
        store.close()
