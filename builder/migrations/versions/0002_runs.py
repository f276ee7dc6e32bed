"""Runs: one row per execution of a graph version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("graph_id", sa.String(64), nullable=False),
        sa.Column("graph_version", sa.Integer(), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("outputs", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("interrupt", JSON, nullable=True),
        sa.Column("resume", JSON, nullable=True),

        sa.Column("trace_context", JSON, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_runs_graph_created", "runs", ["workspace_id", "graph_id", "created_at"])
    op.create_index("ix_runs_status_lease", "runs", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_lease", table_name="runs")
    op.drop_index("ix_runs_graph_created", table_name="runs")
    op.drop_table("runs")
