"""The national indicator catalogue, the ministry's read model (councils, objectives, indicators),
and the event backbone.

On a database where the objectives service kept the catalogue (before the ministry had a service of
its own), its entries are taken over; otherwise the catalogue starts from the national indicators
below. The read model starts empty: `jouda resync --to ministry` fills it from the owning services.

Revision ID: ministry_0001
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import create_backbone_tables, create_idempotency_table

revision = "ministry_0001"
down_revision = None
branch_labels = None
depends_on = None

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
    catalogue = op.create_table(
        "national_indicators",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_fr", sa.String(300), nullable=False),
        sa.Column("name_ar", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "councils",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("policy_version", sa.Integer),
        sa.Column("policy_published_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledgements", sa.Integer),
        sa.Column("active_users", sa.Integer),
        sa.Column("acknowledgement_rate", sa.Float),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("reported_periods", sa.Integer, nullable=False),
        sa.Column("due_periods", sa.Integer, nullable=False),
        sa.Column("grace_days", sa.Integer, nullable=False),
        sa.Column("completeness_as_of", sa.Date),
    )
    op.create_table(
        "objective_positions",
        sa.Column("objective_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("orientation_code", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True)),
        sa.Column("status_as_of", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_objective_positions_tenant", "objective_positions", ["tenant_id", "state", "status"])
    op.create_table(
        "indicator_positions",
        sa.Column("indicator_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("catalogue_code", sa.String(40)),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("start_period", sa.String(7), nullable=False),
        sa.Column("baseline", sa.Float, nullable=False),
        sa.Column("target", sa.Float, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("latest_period", sa.String(7)),
        sa.Column("latest_value", sa.Float),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("trend", sa.String(10)),
        sa.Column("reported_periods", sa.JSON, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_indicator_positions_code", "indicator_positions", ["catalogue_code", "tenant_id"])
    op.create_index("ix_indicator_positions_tenant", "indicator_positions", ["tenant_id"])
    create_backbone_tables(op)
    create_idempotency_table(op)
    if not _take_over_the_objectives_catalogue():
        now = datetime.now(timezone.utc)
        op.bulk_insert(
            catalogue,
            [
                dict(
                    zip(("code", "name_fr", "name_ar", "unit", "direction"), row),
                    created_by="migration",
                    created_at=now,
                )
                for row in NATIONAL_INDICATORS
            ],
        )


def _take_over_the_objectives_catalogue():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False  # embedded (SQLite): one file per service, nothing to take over
    found = bind.execute(sa.text("SELECT to_regclass('objectives.national_indicators')")).scalar()
    if found is None:
        return False
    op.execute(
        "INSERT INTO national_indicators (code, name_fr, name_ar, unit, direction, created_by, created_at) "
        "SELECT code, name_fr, name_ar, unit, direction, created_by, created_at "
        "FROM objectives.national_indicators"
    )
    return True


def downgrade():
    for table in (
        "idempotency_keys",
        "processed_events",
        "outbox_events",
        "indicator_positions",
        "objective_positions",
        "councils",
        "national_indicators",
    ):
        op.drop_table(table)
