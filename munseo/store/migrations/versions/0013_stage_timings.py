"""stage_timings: page stage timings counted by latency bucket, for a Prometheus histogram whose
counts only grow (it was computed from the latest 5,000 pages, so its counts fell as pages aged out
of that window, which Prometheus reads as restarts); filled from the pages stored so far

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:10:00
"""

from __future__ import annotations

import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# stats.STAGE_BUCKETS when this migration was written (a migration keeps its own copy)
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, float("inf"))


def upgrade() -> None:
    table = op.create_table(
        "stage_timings",
        sa.Column("stage", sa.String(64), primary_key=True),
        sa.Column("bucket", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    counts: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0.0])
    # read a batch at a time (the statement's option: the connection's would also apply to the
    # statements alembic runs after this one)
    result = op.get_bind().execute(sa.text("SELECT timings_ms FROM pages").execution_options(yield_per=2000))
    for (timings,) in result:
        if isinstance(timings, str):  # SQLite hands JSON back as text
            timings = json.loads(timings)
        for stage, ms in (timings or {}).items():
            seconds = float(ms) / 1000
            bucket = next(i for i, bound in enumerate(BUCKETS) if seconds <= bound)
            counts[(str(stage), bucket)][0] += 1
            counts[(str(stage), bucket)][1] += seconds
    rows = [{"stage": s, "bucket": b, "count": int(c), "seconds": t} for (s, b), (c, t) in sorted(counts.items())]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("stage_timings")
