"""retrain_runs and pool_sources: the learning loop's runs (reason, candidate, decision, report)
and the training data added to its pool

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retrain_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("in_flight", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("backend", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("candidate", sa.String(length=100), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column(
            "report", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("in_flight"),
    )
    op.create_index(op.f("ix_retrain_runs_job_id"), "retrain_runs", ["job_id"], unique=False)
    op.create_index(op.f("ix_retrain_runs_status"), "retrain_runs", ["status"], unique=False)
    op.create_index(op.f("ix_retrain_runs_created_at"), "retrain_runs", ["created_at"], unique=False)
    op.create_table(
        "pool_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )


def downgrade() -> None:
    op.drop_table("pool_sources")
    op.drop_index(op.f("ix_retrain_runs_created_at"), table_name="retrain_runs")
    op.drop_index(op.f("ix_retrain_runs_status"), table_name="retrain_runs")
    op.drop_index(op.f("ix_retrain_runs_job_id"), table_name="retrain_runs")
    op.drop_table("retrain_runs")
