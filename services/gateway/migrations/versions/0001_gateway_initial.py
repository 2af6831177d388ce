"""Tenants, users, tokens, the current-policy read model, event backbone.

Revision ID: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import create_backbone_tables
from jouda.shared.tenancy import enable_row_level_security

revision = "gateway_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tenants",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.code")),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_users_email_tenant", "users", ["email", "tenant_id"], unique=True)
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "current_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version_id", sa.String(36), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    create_backbone_tables(op)
    enable_row_level_security(op, "current_policies")


def downgrade():
    for table in ("processed_events", "outbox_events", "current_policies", "tokens", "users", "tenants"):
        op.drop_table(table)
