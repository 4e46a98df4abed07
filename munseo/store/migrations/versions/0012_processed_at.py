"""documents.processed_at: when a document's pages were last stored (updated_at also moves when it
is labelled or reviewed, which made the dashboard count reviews as processing)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_documents_processed_at", ["processed_at"])
    # the best a stored document tells: its last change
    op.execute("UPDATE documents SET processed_at = updated_at WHERE status = 'processed'")


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_processed_at")
        batch.drop_column("processed_at")
