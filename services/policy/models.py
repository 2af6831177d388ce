"""SQLAlchemy mapping of the policy domain (imperative, so domain.py stays plain Python)."""

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
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

from jouda.services.policy import domain
from jouda.shared.staff import map_staff
from jouda.shared.tenancy import register_models, tenant_column

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

policies = Table(
    "policies",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("uq_policies_tenant", "tenant_id", unique=True),  # one quality policy per council
)

OPEN = "status IN ({})".format(", ".join(f"'{status}'" for status in domain.OPEN_STATUSES))

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("policy_id", String(36), ForeignKey("policies.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(2), nullable=False),
    Column("orientations", JSON, nullable=False),
    Column("commitments", JSON, nullable=False),
    Column("signatory", String(200)),
    Column("effective_date", Date),
    Column("next_review_date", Date),
    Column("published_at", DateTime(timezone=True)),
    Column("review_notice_sent_on", Date),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("policy_id", "number", name="uq_policy_versions_number"),
    Index("ix_policy_versions_tenant_status", "tenant_id", "status"),
    # One open version per policy, even against two racing requests; with the row lock taken
    # on publish this also keeps a single published version per policy.
    Index(
        "uq_policy_versions_one_open", "policy_id", unique=True, postgresql_where=text(OPEN), sqlite_where=text(OPEN)
    ),
)

policy_transitions = Table(
    "policy_transitions",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("version_id", String(36), ForeignKey("policy_versions.id"), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(30)),
    Column("comment", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_policy_transitions_version", "version_id", "at"),
)

acknowledgements = Table(
    "policy_acknowledgements",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("version_id", String(36), ForeignKey("policy_versions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("version_id", "user_id", name="uq_policy_acknowledgements_user"),
)

mapper_registry.map_imperatively(domain.Policy, policies)
mapper_registry.map_imperatively(domain.PolicyVersion, policy_versions)
mapper_registry.map_imperatively(domain.Transition, policy_transitions)
mapper_registry.map_imperatively(domain.Acknowledgement, acknowledgements)
StaffMember = map_staff(mapper_registry)  # who is active, for the acknowledgement rate

register_models("policy", mapper_registry)
