"""The audits service's audits and nonconformities in the ministry's read model: figures only (no
title, reference or person), every council's, so no row-level security (no table here is a council's).

The tables start empty: `jouda resync --to ministry` fills them from the audits service.

Revision ID: ministry_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "ministry_0002"
down_revision = "ministry_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_positions",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("in_programme", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_positions_year", "audit_positions", ["year", "tenant_id", "state"])
    op.create_table(
        "nonconformity_positions",
        sa.Column("nonconformity_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("clause", sa.String(12), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("recurrence", sa.Boolean, nullable=False),
        sa.Column("verifications", sa.Integer, nullable=False),
        sa.Column("first_time_effective", sa.Boolean),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_nonconformity_positions_clause",
        "nonconformity_positions",
        ["clause", "tenant_id", "state", "severity", "recurrence"],
    )
    op.create_index("ix_nonconformity_positions_tenant", "nonconformity_positions", ["tenant_id", "state"])


def downgrade():
    op.drop_table("nonconformity_positions")
    op.drop_table("audit_positions")
