"""People sign in: passwords, two-factor codes, sessions, one-time links (invitations, password
resets), personal access tokens, failed sign-ins, a council's two-factor rule, and the security log
(append-only: the runtime role may insert and read it, never change it; see shared/db.py).

Revision ID: gateway_0003
"""

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import make_append_only
from jouda.shared.tenancy import enable_row_level_security

revision = "gateway_0003"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None

ROW_NUMBER = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite numbers only INTEGER keys itself


def upgrade():
    op.add_column("tenants", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.add_column(
        "tenants", sa.Column("managers_need_two_factor", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("users", sa.Column("password_hash", sa.String(200)))
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("totp_secret", sa.String(64)))
    op.add_column("users", sa.Column("totp_enabled_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger))  # a code is good once
    op.add_column("tokens", sa.Column("name", sa.String(100)))  # a personal access token's, as its owner named it
    op.add_column("tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("needs_two_factor_enrolment", sa.Boolean, nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"], postgresql_where=sa.text("ended_at IS NULL"))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "one_time_links",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),  # invitation | password_reset
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_one_time_links_user", "one_time_links", ["user_id", "purpose"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", ROW_NUMBER, sa.Identity(), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),  # account:<e-mail>[@<council>] or address:<ip>
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_key_at", "sign_in_failures", ["key", "at"])
    op.create_table(
        "security_log",
        sa.Column("id", ROW_NUMBER, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", sa.String(64)),  # none for a platform user's entries
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.String(36)),
        sa.Column("subject_id", sa.String(36)),
        sa.Column("subject_email", sa.String(254)),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_security_log_tenant_at", "security_log", ["tenant_id", "at"])
    enable_row_level_security(op, "security_log")
    make_append_only(op, "security_log")


def downgrade():
    for table in ("security_log", "sign_in_failures", "one_time_links", "recovery_codes", "sessions"):
        op.drop_table(table)
    for column in ("expires_at", "name"):
        op.drop_column("tokens", column)
    for column in ("totp_last_step", "totp_enabled_at", "totp_secret", "password_changed_at", "password_hash"):
        op.drop_column("users", column)
    for column in ("managers_need_two_factor", "active"):
        op.drop_column("tenants", column)
