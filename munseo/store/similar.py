"""Similar documents: each document's content vector (``munseo.text.vectors``) in the database,
and an approximate nearest-neighbour index (usearch, HNSW) in each process that asks.

The vectors are the truth; the index is a cache. It catches up on every question by reading the
vector rows written since it last looked (their ids only grow), and starts over when a new content
model is fitted. Its candidates are scored again exactly against the stored vectors, so a document
read again since, or no longer processed, is never answered with a stale score.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker
from usearch.index import Index

from munseo.store.base import Repository, Transaction
from munseo.store.models import ContentModelRow, Document, DocumentStatus, DocumentVector
from munseo.text.vectors import ContentModel, fit, from_bytes, to_bytes

# The model is fitted on at most this many documents (a random sample of them): more adds little.
FIT_SAMPLE = 20_000
_BATCH = 500
# Candidates asked of the index per neighbour wanted, before exact scoring.
_OVERFETCH = 4
# Vector rows below the highest seen that are read again, for transactions that committed late.
_WINDOW = 1000


class NoContentModel(LookupError):
    """No content model is fitted yet, and too few documents are stored to fit one."""


@dataclass(frozen=True)
class Neighbour:
    document_id: int
    score: float  # cosine similarity, 1.0 for the same text


class Similar(Repository):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)
        self._lock = threading.Lock()  # the in-process index
        self._fitting = threading.Lock()
        self._recent: dict[int, int] = {}  # vector row id → document id, of the rows near the top
        self._model: tuple[int, ContentModel] | None = None
        self._index: Index | None = None
        self._index_model = 0
        self._seen = 0  # the last vector row the index holds

    # --- the content model -----------------------------------------------------------------

    def model(self, session: Session | None = None) -> tuple[int, ContentModel] | None:
        """The newest content model (id, model), loaded once per process and version."""
        if session is None:
            with self.sessions() as own:
                return self.model(own)
        newest = session.scalar(select(func.max(ContentModelRow.id)))
        if newest is None:
            return None
        if self._model is None or self._model[0] != newest:
            data = session.scalar(select(ContentModelRow.data).where(ContentModelRow.id == newest))
            self._model = (newest, ContentModel.from_bytes(data))
        return self._model

    def fit(self, progress: Callable[[int, int], None] | None = None, seed: int = 0) -> int:
        """Fit a new content model on the stored documents and give every one its vector under it;
        how many documents have one. Documents stored meanwhile get theirs from ``record`` (the new
        model is the newest as soon as it is written), or from the pass that follows the batches."""
        with self.sessions() as session:
            ids = list(session.scalars(select(Document.id).where(Document.status == DocumentStatus.PROCESSED)))
        if len(ids) < 2:
            raise NoContentModel(f"{len(ids)} processed documents are too few to learn what documents are about")
        sample = sorted(np.random.default_rng(seed).permutation(ids)[:FIT_SAMPLE].tolist())
        texts = list(self._texts(sample).values())
        try:
            model = fit(texts)
        except ValueError as exc:  # no term shared by two documents: nothing to learn from yet
            raise NoContentModel(str(exc)) from exc
        with self.sessions.begin() as session:
            row = insert(ContentModelRow).values(documents=len(texts), data=model.to_bytes())
            model_id = session.scalar(row.returning(ContentModelRow.id))
        self._embed(ids, model_id, model, progress)
        with self.sessions() as session:  # stored while the batches ran, under an older model
            behind = list(
                session.scalars(
                    select(Document.id)
                    .outerjoin(DocumentVector, DocumentVector.document_id == Document.id)
                    .where(
                        Document.status == DocumentStatus.PROCESSED,
                        (DocumentVector.id.is_(None)) | (DocumentVector.model_id != model_id),
                    )
                )
            )
        self._embed(behind, model_id, model, None)
        with self.sessions() as session:
            return int(
                session.scalar(select(func.count(DocumentVector.id)).where(DocumentVector.model_id == model_id)) or 0
            )

    def _embed(
        self, ids: list[int], model_id: int, model: ContentModel, progress: Callable[[int, int], None] | None
    ) -> None:
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            texts_of = self._texts(batch)
            vectors = model.embed_many([texts_of[d] for d in batch])
            with self.sessions.begin() as session:
                for doc, vector in zip(batch, vectors, strict=True):
                    self._put(session, doc, model_id, vector)
            if progress is not None:
                progress(min(start + _BATCH, len(ids)), len(ids))

    def _put(self, session: Session, document_id: int, model_id: int, vector: np.ndarray | None) -> None:
        """The document's one vector row, written again (a new row id, so every index sees it), or
        removed when the text gives no vector."""
        session.execute(delete(DocumentVector).where(DocumentVector.document_id == document_id))
        if vector is not None:
            session.execute(
                insert(DocumentVector).values(document_id=document_id, model_id=model_id, vector=to_bytes(vector))
            )

    def _refit_if_outgrown(self) -> None:
        """Fit a model when there is none, and again once the collection has doubled since (a
        model fitted on a handful of documents knows too few words): a few times in a
        collection's life, each a few seconds. Requests that arrive meanwhile wait for that one fit."""
        if not self._outgrown():
            return
        with self._fitting:
            if self._outgrown():  # another request may have fitted while this one waited
                self.fit()

    def _outgrown(self) -> bool:
        with self.sessions() as session:
            fitted_on = session.scalar(select(ContentModelRow.documents).order_by(ContentModelRow.id.desc()).limit(1))
            if fitted_on is not None and fitted_on >= FIT_SAMPLE:
                return False
            count = session.scalar(select(func.count(Document.id)).where(Document.status == DocumentStatus.PROCESSED))
        return fitted_on is None or (count or 0) >= 2 * fitted_on

    def _texts(self, ids: list[int]) -> dict[int, str]:
        with self.sessions() as session:
            rows = session.execute(select(Document.id, Document.text).where(Document.id.in_(ids))).all()
        found = {d: t or "" for d, t in rows}
        return {d: found.get(d, "") for d in ids}

    # --- one document's vector ------------------------------------------------------------

    def record(self, document_id: int, text: str, tx: Transaction | None = None) -> None:
        """Give a stored document its vector under the newest model (none before a model is fitted)."""
        with self._write(tx) as session:
            current = self.model(session)
            if current is None:
                session.execute(delete(DocumentVector).where(DocumentVector.document_id == document_id))
                return
            self._put(session, document_id, current[0], current[1].embed(text))

    def forget(self, document_id: int, tx: Transaction | None = None) -> None:
        with self._write(tx) as session:
            session.execute(delete(DocumentVector).where(DocumentVector.document_id == document_id))

    # --- neighbours -----------------------------------------------------------------------

    def neighbours(self, document_id: int, limit: int = 10) -> list[Neighbour]:
        """The processed documents most like this one, most alike first. A content model is fitted
        first if there is none or the collection has outgrown it (``NoContentModel`` when fewer
        than two documents are stored)."""
        self._refit_if_outgrown()
        with self._lock, self.sessions() as session:
            current = self.model(session)
            if current is None:
                return []
            model_id, model = current
            mine = session.execute(
                select(DocumentVector.model_id, DocumentVector.vector).where(DocumentVector.document_id == document_id)
            ).first()
            if mine is not None and mine[0] == model_id:
                query = from_bytes(mine[1])
            else:  # not yet given a vector under the newest model: made now, not stored
                text = session.scalar(select(Document.text).where(Document.id == document_id))
                made = model.embed(text or "")
                if made is None:
                    return []
                query = made
            index = self._catch_up(session, model_id, model)
            wanted = min(len(index), (limit + 1) * _OVERFETCH)
            found = index.search(query, wanted) if wanted else None
            keys = [int(k) for k in found.keys] if found is not None else []
            rows = session.execute(
                select(DocumentVector.document_id, DocumentVector.vector)
                .join(Document, Document.id == DocumentVector.document_id)
                .where(
                    DocumentVector.document_id.in_(keys),
                    DocumentVector.model_id == model_id,
                    Document.status == DocumentStatus.PROCESSED,
                )
            ).all()
        scored = [Neighbour(d, round(float(query @ from_bytes(v)), 4)) for d, v in rows if d != document_id]
        return sorted(scored, key=lambda n: (-n.score, n.document_id))[:limit]

    def _catch_up(self, session: Session, model_id: int, model: ContentModel) -> Index:
        """The index, with the vector rows written since it last looked. Row ids are handed out
        before their transactions commit, so rows a little below the highest seen may commit
        later: the last ``_WINDOW`` ids are read again, and rows already added are skipped."""
        if self._index is None or self._index_model != model_id:
            self._index = Index(ndim=model.dims, metric="cos", dtype="f32")
            self._index_model, self._seen, self._recent = model_id, 0, {}
        rows = session.execute(
            select(DocumentVector.id, DocumentVector.document_id, DocumentVector.vector)
            .where(DocumentVector.id > self._seen - _WINDOW, DocumentVector.model_id == model_id)
            .order_by(DocumentVector.id)
        ).all()
        fresh = [(i, d, v) for i, d, v in rows if i not in self._recent]
        if fresh:
            latest = {d: v for _, d, v in fresh}  # a document written twice since: its last vector
            present = [d for d in latest if self._index.contains(d)]
            if present:
                self._index.remove(present)
            keys = np.array(list(latest), dtype=np.uint64)
            self._index.add(keys, np.stack([from_bytes(v) for v in latest.values()]))
            self._recent.update({i: d for i, d, _ in fresh})
            self._seen = max(self._seen, fresh[-1][0])
        self._recent = {i: d for i, d in self._recent.items() if i > self._seen - _WINDOW}
        return self._index
