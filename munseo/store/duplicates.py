"""Near-duplicates: a document whose text is nearly another's (the same paper scanned again) is
linked to that earlier document when its pages are stored. Never merged, never deleted: the link
says which document it looks like and how alike, and the earlier document's reviewed labels are
offered as the suggestion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from munseo.store.base import Repository, Transaction
from munseo.store.models import Document, DocumentSignature, DocumentStatus, SignatureBand
from munseo.text.minhash import (
    CANDIDATE,
    band_keys,
    from_bytes,
    likeness,
    signature,
    similarity,
    to_bytes,
)

# Candidates compared text to text at most, the most alike by signature first: a form filled in
# thousands of times makes thousands of candidates.
COMPARED_DOCUMENTS = 25


@dataclass(frozen=True)
class NearDuplicate:
    document_id: int  # the earlier document
    similarity: float  # how alike the two texts' letters are (``Likeness.letters``)


class NearDuplicates(Repository):
    def record(
        self, document_id: int, text: str, tx: Transaction | None = None, earlier_only: bool = False
    ) -> NearDuplicate | None:
        """Store the document's signature and link it to the stored document it most looks like,
        if it reads as the same paper (``Likeness.rescan``); that document, or None.
        ``earlier_only``: look among documents stored before it only (``relink``)."""
        with self._write(tx) as session:
            self._forget(session, document_id)
            sig = signature(text)
            found = self._most_alike(session, document_id, sig, text, earlier_only) if sig is not None else None
            if sig is not None:
                session.execute(insert(DocumentSignature), [{"document_id": document_id, "signature": to_bytes(sig)}])
                session.execute(
                    insert(SignatureBand), [{"key": key, "document_id": document_id} for key in set(band_keys(sig))]
                )
            session.execute(
                update(Document)
                .where(Document.id == document_id)
                .values(
                    near_duplicate_of=found.document_id if found else None,
                    near_duplicate_similarity=found.similarity if found else None,
                    updated_at=Document.updated_at,  # a link is no change of the document
                )
            )
            return found

    def forget(self, document_id: int, tx: Transaction | None = None) -> None:
        """Drop a document's signature and its link (its pages are being replaced, or it failed)."""
        with self._write(tx) as session:
            self._forget(session, document_id)
            session.execute(
                update(Document)
                .where(Document.id == document_id)
                .values(near_duplicate_of=None, near_duplicate_similarity=None, updated_at=Document.updated_at)
            )

    def _forget(self, session: Session, document_id: int) -> None:
        session.execute(delete(SignatureBand).where(SignatureBand.document_id == document_id))
        session.execute(delete(DocumentSignature).where(DocumentSignature.document_id == document_id))

    def relink(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Judge every processed document's link again, oldest first, each against the documents
        stored before it: after the rule changed (``munseo reindex``). How many are linked."""
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(Document.id).where(Document.status == DocumentStatus.PROCESSED).order_by(Document.id)
                )
            )
        linked = 0
        for n, doc_id in enumerate(ids, 1):
            with self.sessions.begin() as session:
                text = session.scalar(select(Document.text).where(Document.id == doc_id)) or ""
                linked += self.record(doc_id, text, tx=session, earlier_only=True) is not None
            if progress is not None and (n % 200 == 0 or n == len(ids)):
                progress(n, len(ids))
        return linked

    def _most_alike(
        self, session: Session, document_id: int, sig: np.ndarray, text: str, earlier_only: bool = False
    ) -> NearDuplicate | None:
        keys = band_keys(sig)
        others = SignatureBand.document_id < document_id if earlier_only else SignatureBand.document_id != document_id
        candidates = select(SignatureBand.document_id).where(SignatureBand.key.in_(keys), others).distinct()
        rows = session.execute(
            select(DocumentSignature.document_id, DocumentSignature.signature)
            .join(Document, Document.id == DocumentSignature.document_id)
            .where(DocumentSignature.document_id.in_(candidates), Document.status == DocumentStatus.PROCESSED)
        ).all()
        estimated = sorted(
            ((similarity(sig, from_bytes(data)), other) for other, data in rows), key=lambda pair: (-pair[0], pair[1])
        )
        closest = [other for alike, other in estimated[:COMPARED_DOCUMENTS] if alike >= CANDIDATE]
        if not closest:
            return None
        texts = session.execute(select(Document.id, Document.text).where(Document.id.in_(closest))).all()
        scored = [(likeness(text, other_text or ""), other) for other, other_text in texts]
        rescans = [(alike, other) for alike, other in scored if alike.rescan]
        if not rescans:
            return None
        alike, best = max(rescans, key=lambda pair: (pair[0].letters + (pair[0].figures or 0.0), -pair[1]))
        return NearDuplicate(document_id=best, similarity=round(alike.letters, 4))

    def copies_of(self, document_id: int) -> list[int]:
        """Documents linked to this one as its near-duplicates, oldest first."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Document.id).where(Document.near_duplicate_of == document_id).order_by(Document.id)
                )
            )
