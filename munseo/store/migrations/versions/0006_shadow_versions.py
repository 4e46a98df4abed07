"""model_versions.shadow and shadow_labels: versions that classify new documents beside the active
one, and what they would have said

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shadow", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "shadow_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("active_label", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_shadow_labels_document_id"), "shadow_labels", ["document_id"], unique=False)
    op.create_index(op.f("ix_shadow_labels_model_version_id"), "shadow_labels", ["model_version_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shadow_labels_model_version_id"), table_name="shadow_labels")
    op.drop_index(op.f("ix_shadow_labels_document_id"), table_name="shadow_labels")
    op.drop_table("shadow_labels")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("shadow")
