"""Deploy: clusters (encrypted kubeconfig), deployments, their revisions and status events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("server", sa.String(500), nullable=False),
        sa.Column("context", sa.String(253), nullable=False),
        sa.Column("auth", sa.String(20), nullable=False),
        sa.Column("default_namespace", sa.String(63), nullable=False),
        sa.Column("ingress_domain", sa.String(253), nullable=True),
        sa.Column("kubeconfig_ciphertext", sa.Text(), nullable=False),
        sa.Column("last_check", JSON, nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_clusters_workspace_name", "clusters", ["workspace_id", "name"], unique=True)
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("clusters.id"), nullable=False),
        sa.Column("graph_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("strategy", sa.String(20), nullable=False),
        sa.Column("registry_secret", sa.String(253), nullable=True),
        sa.Column("graph_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("internal_url", sa.String(500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deployments_target", "deployments", ["cluster_id", "namespace", "name"], unique=True)
    op.create_index("ix_deployments_graph", "deployments", ["workspace_id", "graph_id"])
    op.create_table(
        "deployment_revisions",
        sa.Column("deployment_id", sa.String(32), sa.ForeignKey("deployments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("revision", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("graph_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("objects", JSON, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "deployment_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("deployment_id", sa.String(32), sa.ForeignKey("deployments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deployment_events_deployment", "deployment_events", ["deployment_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_deployment_events_deployment", table_name="deployment_events")
    op.drop_table("deployment_events")
    op.drop_table("deployment_revisions")
    op.drop_index("ix_deployments_graph", table_name="deployments")
    op.drop_index("ix_deployments_target", table_name="deployments")
    op.drop_table("deployments")
    op.drop_index("ix_clusters_workspace_name", table_name="clusters")
    op.drop_table("clusters")
