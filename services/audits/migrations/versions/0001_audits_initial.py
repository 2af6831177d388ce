"""Processes, audit programmes, audits and their checklists, nonconformities, actions, the history
of every move, the copies of the staff and of the indicators' status, and the event backbone.

Revision ID: audits_0001
"""

import sqlalchemy as sa
from alembic import op

from jouda.shared.migration_ops import create_backbone_tables, create_idempotency_table
from jouda.shared.tenancy import enable_row_level_security

revision = "audits_0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "audit_settings",
    "indicator_statuses",
    "nonconformity_suggestions",
    "processes",
    "programmes",
    "reference_counters",
    "staff",
    "transitions",
    "audits",
    "process_ownerships",
    "checklist_lines",
    "nonconformities",
    "actions",
)  # every one is a council's own


def upgrade():
    op.create_table(
        "audit_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("effectiveness_delay_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "indicator_statuses",
        sa.Column("indicator_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("indicator_id"),
    )
    op.create_table(
        "nonconformity_suggestions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("suggested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nonconformity_id", sa.String(length=36), nullable=True),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_nonconformity_suggestions_open",
        "nonconformity_suggestions",
        ["tenant_id", "nonconformity_id", "dismissed"],
        unique=False,
    )
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_processes_code"),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "year", name="uq_programmes_year"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "prefix", "year"),
    )
    op.create_table(
        "staff",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_staff_tenant_active", "staff", ["tenant_id", "active"], unique=False)
    op.create_table(
        "transitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transitions_subject", "transitions", ["subject_id", "at"], unique=False)
    op.create_table(
        "audits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("process_ids", sa.JSON(), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("objectives", sa.Text(), nullable=False),
        sa.Column("lead_auditor_id", sa.String(length=64), nullable=True),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("auditee_ids", sa.JSON(), nullable=False),
        sa.Column("planned_month", sa.String(length=7), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("impartiality_conflicts", sa.JSON(), nullable=False),
        sa.Column("impartiality_justification", sa.Text(), nullable=True),
        sa.Column("impartiality_overridden_by", sa.String(length=64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=True),
        sa.Column("conclusions", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_audits_reference"),
    )
    op.create_index("ix_audits_programme", "audits", ["programme_id"], unique=False)
    op.create_index("ix_audits_tenant_month", "audits", ["tenant_id", "planned_month"], unique=False)
    op.create_table(
        "process_ownerships",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_ownerships_process", "process_ownerships", ["process_id", "until"], unique=False)
    op.create_table(
        "checklist_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("audit_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(length=12), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=30), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("previous_result", sa.String(length=30), nullable=True),
        sa.Column("previous_evidence", sa.Text(), nullable=True),
        sa.Column("process_id", sa.String(length=36), nullable=True),
        sa.Column("nonconformity_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checklist_lines_audit", "checklist_lines", ["audit_id", "position"], unique=False)
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("clause", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("audit_id", sa.String(length=36), nullable=True),
        sa.Column("line_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("analysis_method", sa.String(length=20), nullable=True),
        sa.Column("whys", sa.JSON(), nullable=False),
        sa.Column("cause_category", sa.String(length=20), nullable=True),
        sa.Column("plan_approved_by", sa.String(length=64), nullable=True),
        sa.Column("plan_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_due_on", sa.Date(), nullable=True),
        sa.Column("verifier_id", sa.String(length=64), nullable=True),
        sa.Column("indicator_id", sa.String(length=36), nullable=True),
        sa.Column("verifications", sa.Integer(), nullable=False),
        sa.Column("first_time_effective", sa.Boolean(), nullable=True),
        sa.Column("recurrence_of", sa.String(length=36), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_nonconformities_reference"),
    )
    op.create_index(
        "ix_nonconformities_process_clause",
        "nonconformities",
        ["tenant_id", "process_id", "clause", "opened_at"],
        unique=False,
    )
    op.create_index("ix_nonconformities_state", "nonconformities", ["tenant_id", "state"], unique=False)
    op.create_table(
        "actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("nonconformity_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actions_nonconformity", "actions", ["nonconformity_id"], unique=False)
    op.create_index("ix_actions_tenant_state_due", "actions", ["tenant_id", "state", "due_date"], unique=False)
    create_backbone_tables(op)
    create_idempotency_table(op)
    for table in TABLES:
        enable_row_level_security(op, table)


def downgrade():
    for table in ("idempotency_keys", "processed_events", "outbox_events", *reversed(TABLES)):
        op.drop_table(table)
