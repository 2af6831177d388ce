"""The ministry's read model moves to a service of its own (services/ministry): its tables leave this
schema. `jouda resync --to ministry` rebuilds the figures there from the owning services' state.

Revision ID: objectives_0003
"""

from alembic import op

revision = "objectives_0003"
down_revision = "objectives_0002"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("ministry_indicators", "ministry_objectives", "ministry_tenants"):
        op.drop_table(table)


def downgrade():
    raise NotImplementedError("the ministry's read model lives in the ministry service now")
