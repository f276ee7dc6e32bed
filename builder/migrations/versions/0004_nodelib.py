"""Node library: HTTP tools, MCP servers, SQL connections, RAG collections, documents and ingest jobs.

Revision ID: 0004
Revises: 0006 (written after 0005/0006 landed, so it chains after the highest revision then)
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _workspace() -> sa.Column:
    return sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
                     primary_key=True)


def _created() -> list[sa.Column]:
    return [sa.Column("created_by", sa.String(32), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "http_tools",
        _workspace(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("headers", JSON, nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("auth_secret", sa.String(128), nullable=True),
        sa.Column("timeout_s", sa.Double(), nullable=False),
        *_created(),
    )
    op.create_table(
        "mcp_servers",
        _workspace(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("token_secret", sa.String(128), nullable=True),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("timeout_s", sa.Double(), nullable=False),
        *_created(),
    )
    op.create_table(
        "sql_connections",
        _workspace(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("secret_name", sa.String(128), nullable=False),
        sa.Column("dialect", sa.String(20), nullable=False),
        sa.Column("writable", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        *_created(),
    )
    op.create_table(
        "rag_collections",
        _workspace(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rag_documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("collection", sa.String(64), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rag_documents_collection", "rag_documents", ["workspace_id", "collection", "created_at"])
    op.create_table(
        "rag_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("collection", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        *_created(),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rag_jobs")
    op.drop_index("ix_rag_documents_collection", table_name="rag_documents")
    for table in ("rag_documents", "rag_collections", "sql_connections", "mcp_servers", "http_tools"):
        op.drop_table(table)
