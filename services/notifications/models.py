"""SQLAlchemy mapping of the notifications service (imperative, so domain.py stays plain Python)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import registry

from jouda.services.notifications import domain
from jouda.shared.tenancy import register_models, tenant_column

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

recipients = Table(
    "recipients",
    metadata,
    Column("user_id", String(64), primary_key=True),
    tenant_column(),
    Column("role", String(30), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("email", String(254), nullable=False),
    Column("name", String(200)),
    Column("language", String(2), nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Index("ix_recipients_tenant_role", "tenant_id", "role", "active"),
)

councils = Table(
    "councils",
    metadata,
    tenant_column(primary_key=True),
    Column("name", String(200), nullable=False),
    Column("escalation_days", Integer, nullable=False),
)

preferences = Table(
    "preferences",
    metadata,
    Column("user_id", String(64), primary_key=True),
    tenant_column(),
    Column("channels", JSON, nullable=False),
    Column("language", String(2)),
    Column("digest", Boolean, nullable=False),
    Column("last_digest_on", Date),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("user_id", String(64), nullable=False),
    Column("source_id", String(80), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("mandatory", Boolean, nullable=False),
    Column("language", String(2), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(500), nullable=False),
    Column("in_inbox", Boolean, nullable=False),
    Column("email_state", String(10), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
    # One notification per event (or reminder) and person, however often the event is delivered.
    UniqueConstraint("source_id", "user_id", name="uq_notifications_source_user"),
    Index("ix_notifications_inbox", "user_id", "created_at"),
    Index(
        "ix_notifications_unread",
        "user_id",
        postgresql_where=text("read_at IS NULL AND in_inbox"),
        sqlite_where=text("read_at IS NULL AND in_inbox"),
    ),
    Index("ix_notifications_digest", "tenant_id", "email_state"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("notification_id", String(36)),
    Column("channel", String(10), nullable=False),
    Column("target", String(300), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    # What the dispatcher polls: due deliveries only.
    Index(
        "ix_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'retrying')"),
        sqlite_where=text("status IN ('pending', 'retrying')"),
    ),
    Index("ix_deliveries_tenant_created", "tenant_id", "created_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("url", String(2000), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    Index("ix_webhooks_tenant", "tenant_id", "active"),
)

tracked_items = Table(
    "tracked_items",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("kind", String(40), nullable=False),
    Column("ref_id", String(64), nullable=False),
    Column("title", String(300), nullable=False),
    Column("due_date", Date),
    Column("owner_id", String(64)),
    Column("link", String(500), nullable=False),
    Column("handled", Boolean, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "kind", "ref_id", name="uq_tracked_items_ref"),
    Index("ix_tracked_items_open", "handled", "due_date"),
)

reminders_sent = Table(
    "reminders_sent",
    metadata,
    tenant_column(),
    Column("item_id", String(36), primary_key=True),
    Column("mark", String(30), primary_key=True),
    Column("sent_on", Date, nullable=False),
)

mapper_registry.map_imperatively(domain.Recipient, recipients)
mapper_registry.map_imperatively(domain.Council, councils)
mapper_registry.map_imperatively(domain.Preferences, preferences)
mapper_registry.map_imperatively(domain.Notification, notifications)
mapper_registry.map_imperatively(domain.Delivery, deliveries)
mapper_registry.map_imperatively(domain.Webhook, webhooks)
mapper_registry.map_imperatively(domain.TrackedItem, tracked_items)
mapper_registry.map_imperatively(domain.ReminderSent, reminders_sent)
register_models("notifications", mapper_registry)
