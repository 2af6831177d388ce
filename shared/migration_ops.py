"""Migration steps every service's first revision shares: the event backbone's tables."""

import sqlalchemy as sa


def create_backbone_tables(op):
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_unpublished", "outbox_events", ["published_at", "id"])
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )


def create_idempotency_table(op):
    """The table of creating requests' Idempotency-Keys (shared/outbox.py: IdempotencyKey)."""
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(140), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_idempotency_keys_created", "idempotency_keys", ["created_at"])


APPEND_ONLY = "append-only"  # a table's comment: the runtime role may add rows and read them, nothing else


def make_append_only(op, table):
    """Marks a table append-only; shared/db.py grants the runtime role INSERT and SELECT on it, no more."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"COMMENT ON TABLE {table} IS '{APPEND_ONLY}'")
