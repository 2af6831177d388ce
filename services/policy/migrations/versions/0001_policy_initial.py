"""Quality policies, versions, transitions, acknowledgements, staff directory, event backbone.

Revision ID: policy_0001
"""

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import create_backbone_tables
from jouda.shared.tenancy import enable_row_level_security, tenant_column

revision = "policy_0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN = "status IN ('draft', 'in_review', 'approved')"


def upgrade():
    op.create_table(
        "policies",
        sa.Column("id", sa.String(36), primary_key=True),
        tenant_column(),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_policies_tenant", "policies", ["tenant_id"], unique=True)
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.String(36), primary_key=True),
        tenant_column(),
        sa.Column("policy_id", sa.String(36), sa.ForeignKey("policies.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("orientations", sa.JSON, nullable=False),
        sa.Column("commitments", sa.JSON, nullable=False),
        sa.Column("signatory", sa.String(200)),
        sa.Column("effective_date", sa.Date),
        sa.Column("next_review_date", sa.Date),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("review_notice_sent_on", sa.Date),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("policy_id", "number", name="uq_policy_versions_number"),
    )
    op.create_index("ix_policy_versions_tenant_status", "policy_versions", ["tenant_id", "status"])
    op.create_index(
        "uq_policy_versions_one_open",
        "policy_versions",
        ["policy_id"],
        unique=True,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_table(
        "policy_transitions",
        sa.Column("id", sa.String(36), primary_key=True),
        tenant_column(),
        sa.Column("version_id", sa.String(36), sa.ForeignKey("policy_versions.id"), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(30)),
        sa.Column("comment", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_policy_transitions_version", "policy_transitions", ["version_id", "at"])
    op.create_table(
        "policy_acknowledgements",
        sa.Column("id", sa.String(36), primary_key=True),
        tenant_column(),
        sa.Column("version_id", sa.String(36), sa.ForeignKey("policy_versions.id"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version_id", "user_id", name="uq_policy_acknowledgements_user"),
    )
    op.create_table(
        "staff",
        sa.Column("user_id", sa.String(64), primary_key=True),
        tenant_column(),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_tenant_active", "staff", ["tenant_id", "active"])
    create_backbone_tables(op)
    for table in ("policies", "policy_versions", "policy_transitions", "policy_acknowledgements", "staff"):
        enable_row_level_security(op, table)


def downgrade():
    for table in (
        "processed_events",
        "outbox_events",
        "staff",
        "policy_acknowledgements",
        "policy_transitions",
        "policy_versions",
        "policies",
    ):
        op.drop_table(table)
