"""Idempotency-Keys of creating requests, kept 24 hours.

Revision ID: objectives_0002
"""

from alembic import op

from jouda.shared.migration_ops import create_idempotency_table

revision = "objectives_0002"
down_revision = "objectives_0001"
branch_labels = None
depends_on = None


def upgrade():
    create_idempotency_table(op)


def downgrade():
    op.drop_table("idempotency_keys")
