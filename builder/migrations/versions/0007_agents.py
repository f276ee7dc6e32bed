"""Agents: published agents (a pinned graph version at a stable slug), their scoped API keys, their runs.

Revision ID: 0007
Revises: 0004 (the highest revision when this was written: 0001 > 0002 > 0003 > 0005 > 0006 > 0004)
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "published_agents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("graph_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("history", JSON, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_published_agents_graph", "published_agents", ["workspace_id", "graph_id"])
    op.create_table(
        "published_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agent_id", sa.String(32), sa.ForeignKey("published_agents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_published_keys_agent", "published_keys", ["agent_id"])
    op.create_table(
        "published_runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("agent_id", sa.String(32), sa.ForeignKey("published_agents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_published_runs_key", "published_runs", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_published_runs_key", table_name="published_runs")
    op.drop_table("published_runs")
    op.drop_index("ix_published_keys_agent", table_name="published_keys")
    op.drop_table("published_keys")
    op.drop_index("ix_published_agents_graph", table_name="published_agents")
    op.drop_table("published_agents")
