"""Contracts of the events the audits service publishes."""

from marshmallow import fields, validate

from jouda.shared.events.contracts import Payload
from jouda.shared.vocabulary import (
    ACTION_STATES,
    ACTION_TYPES,
    AUDIT_STATES,
    AUDIT_TYPES,
    CLAUSE_PATTERN,
    NONCONFORMITY_SOURCES,
    NONCONFORMITY_STATES,
    PROCESS_TYPES,
    SEVERITIES,
)

CLAUSE = validate.Regexp(CLAUSE_PATTERN)
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$")


class ProcessPayload(Payload):
    process_id = fields.UUID(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(PROCESS_TYPES))
    owner_id = fields.String(required=True)
    clauses = fields.List(fields.String(validate=CLAUSE), required=True)
    active = fields.Boolean(required=True)


class ProcessUpdated(ProcessPayload):
    changed = fields.List(fields.String(), required=True)


class AuditPayload(Payload):
    """An audit as it stands after the step the event announces."""

    audit_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(AUDIT_TYPES))
    programme_id = fields.UUID(required=True, allow_none=True)
    year = fields.Integer(required=True)
    planned_month = fields.String(required=True, validate=MONTH)
    planned_start = fields.Date(required=True, allow_none=True)
    planned_end = fields.Date(required=True, allow_none=True)
    process_ids = fields.List(fields.UUID(), required=True)
    clauses = fields.List(fields.String(validate=CLAUSE), required=True)
    lead_auditor_id = fields.String(required=True, allow_none=True)
    team_ids = fields.List(fields.String(), required=True)
    auditee_ids = fields.List(fields.String(), required=True)
    state = fields.String(required=True, validate=validate.OneOf(AUDIT_STATES))
    comment = fields.String(required=True, allow_none=True)  # the step's comment (a cancellation's reason)


class AuditUpdated(AuditPayload):
    changed = fields.List(fields.String(), required=True)  # the plan's fields that changed


class AuditReported(AuditPayload):
    results = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)  # lines by result
    nonconformities = fields.Integer(required=True)  # raised by the report


class NonconformityPayload(Payload):
    """A nonconformity as it stands: what the ministry counts (no person but the ids its owners hold)."""

    nonconformity_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    process_id = fields.UUID(required=True)
    clause = fields.String(required=True, validate=CLAUSE)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    source = fields.String(required=True, validate=validate.OneOf(NONCONFORMITY_SOURCES))
    audit_id = fields.UUID(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(NONCONFORMITY_STATES))
    opened_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    recurrence_of = fields.UUID(required=True, allow_none=True)
    verifications = fields.Integer(required=True)
    first_time_effective = fields.Boolean(required=True, allow_none=True)


class NonconformityStatusChanged(NonconformityPayload):
    action = fields.String(required=True)
    old_state = fields.String(required=True, validate=validate.OneOf(NONCONFORMITY_STATES))
    comment = fields.String(required=True, allow_none=True)


class RecurrenceDetected(Payload):
    nonconformity_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    process_id = fields.UUID(required=True)
    process = fields.String(required=True)  # its name, for the words of the notice
    clause = fields.String(required=True, validate=CLAUSE)
    recurrence_of = fields.UUID(required=True)
    previous_reference = fields.String(required=True)


class ActionPayload(Payload):
    action_id = fields.UUID(required=True)
    nonconformity_id = fields.UUID(required=True)
    nonconformity_reference = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(ACTION_TYPES))
    title = fields.String(required=True)
    owner_id = fields.String(required=True)
    due_date = fields.Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf(ACTION_STATES))
    done_on = fields.Date(required=True, allow_none=True)


class EffectivenessVerified(Payload):
    nonconformity_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    effective = fields.Boolean(required=True)
    first_time = fields.Boolean(required=True)  # the first check of this nonconformity
    verifier_id = fields.String(required=True)
    indicator_id = fields.String(required=True, allow_none=True)
    comment = fields.String(required=True, allow_none=True)


CONTRACTS = {
    ("process.created", 1): ProcessPayload,
    ("process.updated", 1): ProcessUpdated,
    ("process.snapshot", 1): ProcessPayload,
    ("audit.planned", 1): AuditPayload,
    ("audit.updated", 1): AuditUpdated,
    ("audit.prepared", 1): AuditPayload,
    ("audit.started", 1): AuditPayload,
    ("audit.reported", 1): AuditReported,
    ("audit.closed", 1): AuditPayload,
    ("audit.cancelled", 1): AuditPayload,
    ("audit.snapshot", 1): AuditPayload,
    ("nonconformity.opened", 1): NonconformityPayload,
    ("nonconformity.status_changed", 1): NonconformityStatusChanged,
    ("nonconformity.closed", 1): NonconformityPayload,
    ("nonconformity.recurrence_detected", 1): RecurrenceDetected,
    ("nonconformity.snapshot", 1): NonconformityPayload,
    ("action.assigned", 1): ActionPayload,
    ("action.completed", 1): ActionPayload,
    ("effectiveness.verified", 1): EffectivenessVerified,
}
