"""Deadlines are announced by the services that own them (deadline.set): a followed item keeps the
link its service gave it.

Revision ID: notifications_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0003"
down_revision = "notifications_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tracked_items") as table:
        table.add_column(sa.Column("link", sa.String(500), nullable=False, server_default="/"))
        table.alter_column("kind", type_=sa.String(40), existing_nullable=False)
        table.alter_column("ref_id", type_=sa.String(64), existing_nullable=False)
    # The two kinds followed before services announced their deadlines, and where they pointed.
    op.execute("UPDATE tracked_items SET link = '/objectives/' || ref_id WHERE kind = 'objective'")
    op.execute("UPDATE tracked_items SET link = '/policies/current' WHERE kind = 'policy_review'")


def downgrade():
    with op.batch_alter_table("tracked_items") as table:
        table.drop_column("link")
