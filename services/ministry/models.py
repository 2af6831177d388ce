"""SQLAlchemy mapping of the ministry service (imperative, so domain.py stays plain Python). No table is
a council's own: the read model covers every council and holds no personal data."""

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Index, Integer, MetaData, String, Table
from sqlalchemy.orm import registry

from jouda.services.ministry import domain
from jouda.shared.tenancy import register_models

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

national_indicators = Table(
    "national_indicators",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name_fr", String(300), nullable=False),
    Column("name_ar", String(300), nullable=False),
    Column("unit", String(30), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

councils = Table(
    "councils",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("policy_version", Integer),
    Column("policy_published_at", DateTime(timezone=True)),
    Column("acknowledgements", Integer),
    Column("active_users", Integer),
    Column("acknowledgement_rate", Float),
    Column("acknowledged_at", DateTime(timezone=True)),  # time of the acknowledgement event applied
    Column("reported_periods", Integer, nullable=False, default=0),
    Column("due_periods", Integer, nullable=False, default=0),
    Column("grace_days", Integer, nullable=False),
    Column("completeness_as_of", Date),
)

objective_positions = Table(
    "objective_positions",
    metadata,
    Column("objective_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("orientation_code", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("as_of", DateTime(timezone=True)),
    Column("status_as_of", DateTime(timezone=True)),
    Index("ix_objective_positions_tenant", "tenant_id", "state", "status"),
)

indicator_positions = Table(
    "indicator_positions",
    metadata,
    Column("indicator_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("catalogue_code", String(40)),
    Column("unit", String(30), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("frequency", String(12), nullable=False),
    Column("start_period", String(7), nullable=False),
    Column("baseline", Float, nullable=False),
    Column("target", Float, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("latest_period", String(7)),
    Column("latest_value", Float),
    Column("status", String(20), nullable=False),
    Column("trend", String(10)),
    Column("reported_periods", JSON, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Index("ix_indicator_positions_code", "catalogue_code", "tenant_id"),
    Index("ix_indicator_positions_tenant", "tenant_id"),
)

# The audits service's audits and nonconformities, figures only (no title, reference or person).
audit_positions = Table(
    "audit_positions",
    metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("type", String(20), nullable=False),
    Column("in_programme", Boolean, nullable=False),
    Column("state", String(20), nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Index("ix_audit_positions_year", "year", "tenant_id", "state"),  # the audit figures: one year, by council
)

nonconformity_positions = Table(
    "nonconformity_positions",
    metadata,
    Column("nonconformity_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("clause", String(12), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("source", String(30), nullable=False),
    Column("state", String(30), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("recurrence", Boolean, nullable=False),
    Column("verifications", Integer, nullable=False),
    Column("first_time_effective", Boolean),
    Column("as_of", DateTime(timezone=True), nullable=False),
    # The national view by clause reads this index alone (an index-only scan, in clause and council order).
    Index("ix_nonconformity_positions_clause", "clause", "tenant_id", "state", "severity", "recurrence"),
    Index("ix_nonconformity_positions_tenant", "tenant_id", "state"),  # the audit figures, by council
)

mapper_registry.map_imperatively(domain.CatalogueIndicator, national_indicators)
mapper_registry.map_imperatively(domain.CouncilPosition, councils)
mapper_registry.map_imperatively(domain.ObjectivePosition, objective_positions)
mapper_registry.map_imperatively(domain.IndicatorPosition, indicator_positions)
mapper_registry.map_imperatively(domain.AuditPosition, audit_positions)
mapper_registry.map_imperatively(domain.NonconformityPosition, nonconformity_positions)
register_models("ministry", mapper_registry)
