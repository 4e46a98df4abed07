"""documents.near_duplicate_of/near_duplicate_similarity, document_signatures and signature_bands:
finding rescans of a document already stored; signatures of the documents already stored are
computed once, oldest first

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("near_duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("near_duplicate_similarity", sa.Float(), nullable=True))
        batch.create_index("ix_documents_near_duplicate_of", ["near_duplicate_of"])
    op.create_table(
        "document_signatures",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.create_table(
        "signature_bands",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "document_id"),
    )
    op.create_index("ix_signature_bands_document_id", "signature_bands", ["document_id"])
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM documents WHERE status = 'processed' ORDER BY id"))]
    if ids:
        from munseo.store.duplicates import NearDuplicates

        session = Session(bind=bind)
        duplicates = NearDuplicates(lambda: session)  # type: ignore[arg-type]
        for start in range(0, len(ids), BATCH):  # oldest first: a rescan links to what came before it
            batch = ids[start : start + BATCH]
            rows = bind.execute(
                sa.text("SELECT id, text FROM documents WHERE id IN :ids ORDER BY id").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": batch},
            ).all()
            for doc_id, text in rows:
                duplicates.record(doc_id, text or "", tx=session)
            session.flush()


def downgrade() -> None:
    op.drop_index("ix_signature_bands_document_id", table_name="signature_bands")
    op.drop_table("signature_bands")
    op.drop_table("document_signatures")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_near_duplicate_of")
        batch.drop_column("near_duplicate_similarity")
        batch.drop_column("near_duplicate_of")
