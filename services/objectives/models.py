"""SQLAlchemy mapping of the objectives service: its domain (imperative, so domain.py stays plain
Python), and its copies of the policy's orientations, of the staff and of the national catalogue."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry

from jouda.services.objectives import domain
from jouda.shared.staff import map_staff
from jouda.shared.tenancy import register_models, tenant_column

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

orientations = Table(
    "orientations",
    metadata,
    tenant_column(primary_key=True),
    Column("code", String(20), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
)

objectives = Table(
    "objectives",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("orientation_code", String(20), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("resources", Text, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("evaluation_method", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("abandon_reason", Text),
    Column("status", String(20), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_objectives_tenant_orientation", "tenant_id", "orientation_code"),
    Index("ix_objectives_tenant_created", "tenant_id", "created_at"),
)

indicators = Table(
    "indicators",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("objective_id", String(36), ForeignKey("objectives.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit", String(30), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("baseline", Float, nullable=False),
    Column("target", Float, nullable=False),
    Column("amber_threshold", Float, nullable=False),
    Column("frequency", String(12), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("catalogue_code", String(40)),
    Column("start_period", String(7), nullable=False),
    Column("status", String(20), nullable=False),
    Column("latest_period", String(7)),
    Column("latest_value", Float),
    Column("trend", String(10)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_indicators_objective", "objective_id"),
    Index("ix_indicators_tenant", "tenant_id"),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("indicator_id", String(36), ForeignKey("indicators.id"), nullable=False),
    Column("period", String(7), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("comment", Text),
    Column("evidence_url", String(2000)),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("corrections", Integer, nullable=False),
    # One value per indicator and period: two racing first reports cannot both land.
    UniqueConstraint("indicator_id", "period", name="uq_measurements_period"),
    Index("ix_measurements_indicator_start", "indicator_id", "period_start"),
)

corrections = Table(
    "measurement_corrections",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("measurement_id", String(36), ForeignKey("measurements.id"), nullable=False),
    Column("previous_value", Float, nullable=False),
    Column("previous_comment", Text),
    Column("previous_evidence_url", String(2000)),
    Column("previous_recorded_by", String(64), nullable=False),
    Column("corrected_by", String(64), nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_measurement_corrections_measurement", "measurement_id", "corrected_at"),
)

missing_measurements = Table(
    "missing_measurements",
    metadata,
    tenant_column(),
    Column("indicator_id", String(36), ForeignKey("indicators.id"), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("noticed_on", Date, nullable=False),
)

reporting_settings = Table(
    "reporting_settings",
    metadata,
    tenant_column(primary_key=True),
    Column("grace_days", Integer, nullable=False),
)

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

mapper_registry.map_imperatively(domain.Orientation, orientations)
mapper_registry.map_imperatively(domain.Objective, objectives)
mapper_registry.map_imperatively(domain.Indicator, indicators)
mapper_registry.map_imperatively(domain.Measurement, measurements)
mapper_registry.map_imperatively(domain.MeasurementCorrection, corrections)
mapper_registry.map_imperatively(domain.MissingMeasurement, missing_measurements)
mapper_registry.map_imperatively(domain.ReportingSettings, reporting_settings)
mapper_registry.map_imperatively(domain.CatalogueIndicator, national_indicators)
StaffMember = map_staff(mapper_registry)  # who may own objectives and indicators

register_models("objectives", mapper_registry)
