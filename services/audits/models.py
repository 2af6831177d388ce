"""SQLAlchemy mapping of the audits service (imperative, so the domain stays plain Python): processes,
programmes, audits and their checklists, nonconformities and actions, the history of every move,
and its copies of the staff and of the indicators' status."""

from sqlalchemy import (
    JSON,
    Boolean,
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
)
from sqlalchemy.orm import registry

from jouda.services.audits import domain, nonconformities
from jouda.services.audits.indicators import IndicatorStatus, NonconformitySuggestion
from jouda.shared.staff import map_staff
from jouda.shared.tenancy import register_models, tenant_column

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
USER = 64

processes = Table(
    "processes",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("code", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("owner_id", String(USER), nullable=False),
    Column("clauses", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "code", name="uq_processes_code"),
)

process_ownerships = Table(
    "process_ownerships",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("process_id", String(36), ForeignKey("processes.id"), nullable=False),
    Column("owner_id", String(USER), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True)),
    Index("ix_process_ownerships_process", "process_id", "until"),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("year", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("created_by", String(USER), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "year", name="uq_programmes_year"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("reference", String(20), nullable=False),
    Column("programme_id", String(36), ForeignKey("programmes.id")),
    Column("title", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("process_ids", JSON, nullable=False),
    Column("clauses", JSON, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("objectives", Text, nullable=False),
    Column("lead_auditor_id", String(USER)),
    Column("team_ids", JSON, nullable=False),
    Column("auditee_ids", JSON, nullable=False),
    Column("planned_month", String(7), nullable=False),
    Column("planned_start", Date),
    Column("planned_end", Date),
    Column("state", String(20), nullable=False),
    Column("cancel_reason", Text),
    Column("impartiality_conflicts", JSON, nullable=False),
    Column("impartiality_justification", Text),
    Column("impartiality_overridden_by", String(USER)),
    Column("summary", Text),
    Column("strengths", Text),
    Column("conclusions", Text),
    Column("reported_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("created_by", String(USER), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "reference", name="uq_audits_reference"),
    Index("ix_audits_tenant_month", "tenant_id", "planned_month"),
    Index("ix_audits_programme", "programme_id"),
)

checklist_lines = Table(
    "checklist_lines",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("audit_id", String(36), ForeignKey("audits.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("clause", String(12)),
    Column("question", Text, nullable=False),
    Column("result", String(30), nullable=False),
    Column("evidence", Text),
    Column("references", Text),
    Column("note", Text),
    Column("finding", Text),
    Column("previous_result", String(30)),
    Column("previous_evidence", Text),
    Column("process_id", String(36)),  # in an audit of several processes, the one the finding concerns
    Column("nonconformity_id", String(36)),
    Index("ix_checklist_lines_audit", "audit_id", "position"),
)

nonconformities_table = Table(
    "nonconformities",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("reference", String(20), nullable=False),
    Column("process_id", String(36), ForeignKey("processes.id"), nullable=False),
    Column("clause", String(12), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("source", String(30), nullable=False),
    Column("source_ref", String(200)),
    Column("audit_id", String(36), ForeignKey("audits.id")),
    Column("line_id", String(36)),
    Column("state", String(30), nullable=False),
    Column("containment", Text),
    Column("root_cause", Text),
    Column("analysis_method", String(20)),
    Column("whys", JSON, nullable=False),
    Column("cause_category", String(20)),
    Column("plan_approved_by", String(USER)),
    Column("plan_approved_at", DateTime(timezone=True)),
    Column("check_due_on", Date),
    Column("verifier_id", String(USER)),
    Column("indicator_id", String(36)),
    Column("verifications", Integer, nullable=False),
    Column("first_time_effective", Boolean),
    Column("recurrence_of", String(36)),
    Column("reject_reason", Text),
    Column("opened_by", String(USER), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    UniqueConstraint("tenant_id", "reference", name="uq_nonconformities_reference"),
    # Recurrence looks up the same process and clause over twelve months; lists filter by state.
    Index("ix_nonconformities_process_clause", "tenant_id", "process_id", "clause", "opened_at"),
    Index("ix_nonconformities_state", "tenant_id", "state"),
)

actions = Table(
    "actions",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("nonconformity_id", String(36), ForeignKey("nonconformities.id"), nullable=False),
    Column("type", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("owner_id", String(USER), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("state", String(20), nullable=False),
    Column("note", Text),
    Column("cancel_reason", Text),
    Column("done_on", Date),
    Column("cycle", Integer, nullable=False),
    Column("created_by", String(USER), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_actions_nonconformity", "nonconformity_id"),
    Index("ix_actions_tenant_state_due", "tenant_id", "state", "due_date"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("subject_kind", String(20), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_state", String(30)),
    Column("to_state", String(30), nullable=False),
    Column("actor", String(USER), nullable=False),
    Column("role", String(30), nullable=False),
    Column("comment", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_transitions_subject", "subject_id", "at"),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    tenant_column(primary_key=True),
    Column("prefix", String(10), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

audit_settings = Table(
    "audit_settings",
    metadata,
    tenant_column(primary_key=True),
    Column("effectiveness_delay_days", Integer, nullable=False),
)

indicator_statuses = Table(
    "indicator_statuses",
    metadata,
    Column("indicator_id", String(36), primary_key=True),
    tenant_column(),
    Column("objective_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

suggestions = Table(
    "nonconformity_suggestions",
    metadata,
    Column("id", String(36), primary_key=True),
    tenant_column(),
    Column("objective_id", String(36), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("suggested_at", DateTime(timezone=True), nullable=False),
    Column("nonconformity_id", String(36)),
    Column("dismissed", Boolean, nullable=False),
    Index("ix_nonconformity_suggestions_open", "tenant_id", "nonconformity_id", "dismissed"),
)

mapper_registry.map_imperatively(domain.Process, processes)
mapper_registry.map_imperatively(domain.ProcessOwnership, process_ownerships)
mapper_registry.map_imperatively(domain.Programme, programmes)
mapper_registry.map_imperatively(domain.Audit, audits)
mapper_registry.map_imperatively(domain.ChecklistLine, checklist_lines)
mapper_registry.map_imperatively(domain.Transition, transitions)
mapper_registry.map_imperatively(domain.AuditSettings, audit_settings)
mapper_registry.map_imperatively(nonconformities.Nonconformity, nonconformities_table)
mapper_registry.map_imperatively(nonconformities.Action, actions)
mapper_registry.map_imperatively(IndicatorStatus, indicator_statuses)
mapper_registry.map_imperatively(NonconformitySuggestion, suggestions)
StaffMember = map_staff(mapper_registry)  # who may own processes, sit on audits, own actions

register_models("audits", mapper_registry)
