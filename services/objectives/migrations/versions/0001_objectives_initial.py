"""Objectives, indicators, measurements, the national catalogue, the ministry's read model,
the staff directory and the event backbone.

Revision ID: objectives_0001
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import create_backbone_tables
from jouda.shared.staff import create_staff_table
from jouda.shared.tenancy import enable_row_level_security

revision = "objectives_0001"
down_revision = None
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "orientations",
    "objectives",
    "indicators",
    "measurements",
    "measurement_corrections",
    "missing_measurements",
    "reporting_settings",
    "staff",
)

# The national catalogue the ministry starts from: what the 2018 convention between the
# Tanger-Tétouan-Al Hoceima region and the ministry set out to improve.
NATIONAL_INDICATORS = [
    ("SATISFACTION", "Taux de satisfaction des usagers", "نسبة رضا المرتفقين", "%", "increase"),
    (
        "PROCESSING_DAYS",
        "Délai moyen de traitement des demandes administratives",
        "متوسط آجال معالجة الطلبات الإدارية",
        "jours",
        "decrease",
    ),
    (
        "ONLINE_PROCEDURES",
        "Part des procédures disponibles en ligne",
        "نسبة المساطر المتاحة عبر الإنترنت",
        "%",
        "increase",
    ),
    (
        "COMPLAINTS_ON_TIME",
        "Réclamations traitées dans les délais",
        "نسبة الشكايات المعالجة داخل الآجال",
        "%",
        "increase",
    ),
    (
        "STAFF_TRAINED",
        "Part des agents ayant suivi une formation dans l'année",
        "نسبة الموظفين المستفيدين من التكوين خلال السنة",
        "%",
        "increase",
    ),
]


def upgrade():
    op.create_table(
        "ministry_indicators",
        sa.Column("indicator_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("catalogue_code", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("start_period", sa.String(length=7), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("latest_period", sa.String(length=7), nullable=True),
        sa.Column("latest_value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trend", sa.String(length=10), nullable=True),
        sa.Column("reported_periods", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("indicator_id"),
    )
    op.create_index("ix_ministry_indicators_code", "ministry_indicators", ["catalogue_code", "tenant_id"], unique=False)
    op.create_index("ix_ministry_indicators_tenant", "ministry_indicators", ["tenant_id"], unique=False)
    op.create_table(
        "ministry_objectives",
        sa.Column("objective_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("orientation_code", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("objective_id"),
    )
    op.create_index(
        "ix_ministry_objectives_tenant", "ministry_objectives", ["tenant_id", "state", "status"], unique=False
    )
    op.create_table(
        "ministry_tenants",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("policy_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledgements", sa.Integer(), nullable=True),
        sa.Column("active_users", sa.Integer(), nullable=True),
        sa.Column("acknowledgement_rate", sa.Float(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_periods", sa.Integer(), nullable=False),
        sa.Column("due_periods", sa.Integer(), nullable=False),
        sa.Column("completeness_as_of", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "national_indicators",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_fr", sa.String(length=300), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "objectives",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("orientation_code", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("evaluation_method", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("abandon_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_objectives_tenant_created", "objectives", ["tenant_id", "created_at"], unique=False)
    op.create_index("ix_objectives_tenant_orientation", "objectives", ["tenant_id", "orientation_code"], unique=False)
    op.create_table(
        "orientations",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "code"),
    )
    op.create_table(
        "reporting_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("amber_threshold", sa.Float(), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("catalogue_code", sa.String(length=40), nullable=True),
        sa.Column("start_period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("latest_period", sa.String(length=7), nullable=True),
        sa.Column("latest_value", sa.Float(), nullable=True),
        sa.Column("trend", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_indicators_objective", "indicators", ["objective_id"], unique=False)
    op.create_index("ix_indicators_tenant", "indicators", ["tenant_id"], unique=False)
    op.create_table(
        "measurements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "period", name="uq_measurements_period"),
    )
    op.create_index("ix_measurements_indicator_start", "measurements", ["indicator_id", "period_start"], unique=False)
    op.create_table(
        "missing_measurements",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
        ),
        sa.PrimaryKeyConstraint("indicator_id", "period"),
    )
    op.create_table(
        "measurement_corrections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("measurement_id", sa.String(length=36), nullable=False),
        sa.Column("previous_value", sa.Float(), nullable=False),
        sa.Column("previous_comment", sa.Text(), nullable=True),
        sa.Column("previous_evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("previous_recorded_by", sa.String(length=64), nullable=False),
        sa.Column("corrected_by", sa.String(length=64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["measurements.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_measurement_corrections_measurement",
        "measurement_corrections",
        ["measurement_id", "corrected_at"],
        unique=False,
    )
    create_staff_table(op, sa)
    create_backbone_tables(op)
    for table in TENANT_TABLES:
        enable_row_level_security(op, table)
    catalogue = sa.table(
        "national_indicators",
        sa.column("code"),
        sa.column("name_fr"),
        sa.column("name_ar"),
        sa.column("unit"),
        sa.column("direction"),
        sa.column("created_by"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        catalogue,
        [
            dict(zip(("code", "name_fr", "name_ar", "unit", "direction"), row), created_by="migration", created_at=now)
            for row in NATIONAL_INDICATORS
        ],
    )


def downgrade():
    for table in (
        "processed_events",
        "outbox_events",
        "staff",
        "ministry_indicators",
        "ministry_objectives",
        "ministry_tenants",
        "national_indicators",
        "reporting_settings",
        "missing_measurements",
        "measurement_corrections",
        "measurements",
        "indicators",
        "objectives",
        "orientations",
    ):
        op.drop_table(table)
