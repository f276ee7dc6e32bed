"""Span store and log store.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "spans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("span_id", sa.String(16), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("parent_span_id", sa.String(16), nullable=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("graph_id", sa.String(64), nullable=True),
        sa.Column("workspace_id", sa.String(32), nullable=True),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("events", JSON, nullable=False),
    )
    op.create_index("ix_spans_trace", "spans", ["trace_id"])
    op.create_index("ix_spans_span", "spans", ["span_id"])
    op.create_index("ix_spans_run", "spans", ["run_id"])
    op.create_index("ix_spans_workspace_start", "spans", ["workspace_id", "start_time"])
    op.create_table(
        "log_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("logger", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=True),
        sa.Column("span_id", sa.String(16), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_logs_trace", "log_records", ["trace_id"])
    op.create_index("ix_logs_run", "log_records", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_logs_run", table_name="log_records")
    op.drop_index("ix_logs_trace", table_name="log_records")
    op.drop_table("log_records")
    op.drop_index("ix_spans_workspace_start", table_name="spans")
    op.drop_index("ix_spans_run", table_name="spans")
    op.drop_index("ix_spans_span", table_name="spans")
    op.drop_index("ix_spans_trace", table_name="spans")
    op.drop_table("spans")
