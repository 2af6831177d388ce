"""Boundary schemas of the audits service (RPC payloads in and out)."""

from marshmallow import fields, validate

from jouda.services.audits import domain, nonconformities as nc
from jouda.shared.schema_fields import (
    ChangesSchema,
    LocalDateTime,
    StrictBoolean,
    StrictSchema,
    deadline_date,
    record_date,
)
from jouda.shared.vocabulary import (
    ACTION_TYPES,
    AUDIT_TYPES,
    CLAUSE_PATTERN,
    NONCONFORMITY_SOURCES,
    PROCESS_TYPES,
    SEVERITIES,
)

USER_ID = validate.Length(1, 64)
CLAUSE = validate.Regexp(CLAUSE_PATTERN, error="An ISO 9001:2015 clause number, 4.1 to 10.3.")
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="A month, YYYY-MM.")
WORDS = validate.Regexp(r"\S", error="Say it in words.")
LONG = validate.Length(max=20_000)


def text(size, required=False, **kwargs):
    if required:
        return fields.String(required=True, validate=[validate.Length(1, size), WORDS], **kwargs)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=size), **kwargs)


def user_list():
    return fields.List(fields.String(validate=USER_ID), load_default=list, validate=validate.Length(max=30))


# --- in ----------------------------------------------------------------------------------------------


class ProcessInputSchema(StrictSchema):
    code = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9-]{0,19}$", error="Capitals, digits and '-' (1 to 20).")
    )
    name = text(200, required=True)
    type = fields.String(required=True, validate=validate.OneOf(PROCESS_TYPES))
    owner_id = fields.String(required=True, validate=USER_ID)
    clauses = fields.List(fields.String(validate=CLAUSE), load_default=list, validate=validate.Length(max=100))
    description = fields.String(load_default="", validate=LONG)


class ProcessChangesSchema(ChangesSchema, ProcessInputSchema):
    active = StrictBoolean()


class ProgrammeInputSchema(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    title = text(200, required=True)


class CommentSchema(StrictSchema):
    comment = text(5000)


class AuditPlanSchema(StrictSchema):
    title = text(200, required=True)
    type = fields.String(load_default="internal", validate=validate.OneOf(AUDIT_TYPES))
    programme_id = fields.UUID(load_default=None, allow_none=True)
    process_ids = fields.List(
        fields.String(validate=validate.Length(1, 36)), required=True, validate=validate.Length(1, 20)
    )
    clauses = fields.List(fields.String(validate=CLAUSE), load_default=list, validate=validate.Length(max=100))
    criteria = fields.String(load_default="", validate=LONG)
    objectives = fields.String(load_default="", validate=LONG)
    lead_auditor_id = fields.String(load_default=None, allow_none=True, validate=USER_ID)
    team_ids = user_list()
    auditee_ids = user_list()
    planned_month = fields.String(required=True, validate=MONTH)
    planned_start = record_date(load_default=None, allow_none=True)
    planned_end = record_date(load_default=None, allow_none=True)
    impartiality_justification = text(5000)


class AuditChangesSchema(ChangesSchema, AuditPlanSchema):
    """PATCH: any subset of the plan (not the programme it belongs to)."""

    class Meta:
        exclude = ("programme_id",)


class ReportInputSchema(ChangesSchema):
    summary = fields.String(validate=[validate.Length(1, 20_000), WORDS])
    strengths = fields.String(validate=LONG)
    conclusions = fields.String(validate=LONG)


class NewLineSchema(StrictSchema):
    question = text(2000, required=True)
    clause = fields.String(load_default=None, allow_none=True, validate=CLAUSE)


class LineChangesSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(1, 36))
    question = fields.String(validate=[validate.Length(1, 2000), WORDS])
    clause = fields.String(allow_none=True, validate=CLAUSE)
    result = fields.String(validate=validate.OneOf(domain.RESULTS))
    evidence = fields.String(allow_none=True, validate=LONG)
    references = fields.String(allow_none=True, validate=validate.Length(max=5000))
    note = fields.String(allow_none=True, validate=LONG)
    finding = fields.String(allow_none=True, validate=LONG)
    process_id = fields.String(allow_none=True, validate=validate.Length(1, 36))  # an audit of several processes


class ChecklistSaveSchema(StrictSchema):
    """Lines assessed or reworded (`lines`, by id) and new questions (`add`), in one save."""

    lines = fields.List(
        fields.Nested(LineChangesSchema), load_default=list, validate=validate.Length(max=domain.MAX_LINES)
    )
    add = fields.List(fields.Nested(NewLineSchema), load_default=list, validate=validate.Length(max=domain.MAX_LINES))


class ChecklistSourceSchema(StrictSchema):
    """Where new lines come from: the clause catalogue (the clauses given, or the audit's), or the
    previous audit of the same process."""

    source = fields.String(required=True, validate=validate.OneOf(("catalogue", "previous_audit")))
    clauses = fields.List(fields.String(validate=CLAUSE), load_default=list, validate=validate.Length(max=100))
    language = fields.String(load_default="fr", validate=validate.OneOf(("fr", "ar")))


class NonconformityInputSchema(StrictSchema):
    process_id = fields.String(required=True, validate=validate.Length(1, 36))
    clause = fields.String(required=True, validate=CLAUSE)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    title = text(200, required=True)
    description = text(20_000, required=True)
    evidence = fields.String(load_default="", validate=LONG)
    source = fields.String(required=True, validate=validate.OneOf(NONCONFORMITY_SOURCES))
    source_ref = text(200)
    suggestion_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 36))


class NonconformityStepSchema(StrictSchema):
    """What a step of a nonconformity may carry; each step says which fields it needs."""

    comment = text(5000)
    containment = fields.String(validate=[validate.Length(1, 20_000), WORDS])
    root_cause = fields.String(validate=[validate.Length(1, 20_000), WORDS])
    method = fields.String(validate=validate.OneOf(nc.ANALYSIS_METHODS))
    whys = fields.List(fields.String(validate=validate.Length(1, 2000)), validate=validate.Length(max=10))
    cause_category = fields.String(validate=validate.OneOf(nc.CAUSE_CATEGORIES))
    check_due_on = deadline_date()
    verifier_id = fields.String(validate=USER_ID)
    indicator_id = fields.String(allow_none=True, validate=validate.Length(1, 36))
    effective = StrictBoolean()


class ActionInputSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(ACTION_TYPES))
    title = text(300, required=True)
    owner_id = fields.String(required=True, validate=USER_ID)
    due_date = deadline_date(required=True)


class ActionStepSchema(StrictSchema):
    note = fields.String(validate=validate.Length(max=20_000))
    comment = text(5000)


class AuditSettingsSchema(StrictSchema):
    effectiveness_delay_days = fields.Integer(required=True, strict=True, validate=validate.Range(0, 365))


# --- out ---------------------------------------------------------------------------------------------


class ProcessSchema(StrictSchema):
    id = fields.String()
    code = fields.String()
    name = fields.String()
    type = fields.String()
    owner_id = fields.String()
    clauses = fields.List(fields.String())
    description = fields.String()
    active = fields.Boolean()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class MoveSchema(StrictSchema):
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.String()
    role = fields.String()
    comment = fields.String(allow_none=True)
    at = LocalDateTime()


class AuditSummarySchema(StrictSchema):
    id = fields.String()
    reference = fields.String()
    programme_id = fields.String(allow_none=True)
    title = fields.String()
    type = fields.String()
    process_ids = fields.List(fields.String())
    clauses = fields.List(fields.String())
    lead_auditor_id = fields.String(allow_none=True)
    planned_month = fields.String()
    planned_start = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    state = fields.String()


class AuditSchema(AuditSummarySchema):
    criteria = fields.String()
    objectives = fields.String()
    team_ids = fields.List(fields.String())
    auditee_ids = fields.List(fields.String())
    cancel_reason = fields.String(allow_none=True)
    impartiality_conflicts = fields.List(fields.Dict())
    impartiality_justification = fields.String(allow_none=True)
    impartiality_overridden_by = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    strengths = fields.String(allow_none=True)
    conclusions = fields.String(allow_none=True)
    reported_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    created_by = fields.String()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    history = fields.List(fields.Nested(MoveSchema))


class ProgrammeSchema(StrictSchema):
    id = fields.String()
    year = fields.Integer()
    title = fields.String()
    state = fields.String()
    created_by = fields.String()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    audits = fields.List(fields.Nested(AuditSummarySchema))
    history = fields.List(fields.Nested(MoveSchema))


class LineSchema(StrictSchema):
    id = fields.String()
    position = fields.Integer()
    clause = fields.String(allow_none=True)
    question = fields.String()
    result = fields.String()
    evidence = fields.String(allow_none=True)
    references = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    finding = fields.String(allow_none=True)
    previous_result = fields.String(allow_none=True)
    previous_evidence = fields.String(allow_none=True)
    process_id = fields.String(allow_none=True)
    nonconformity_id = fields.String(allow_none=True)


class ChecklistSchema(StrictSchema):
    audit_id = fields.String()
    state = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    results = fields.Dict(keys=fields.String(), values=fields.Integer())


class ActionSchema(StrictSchema):
    id = fields.String()
    nonconformity_id = fields.String()
    type = fields.String()
    title = fields.String()
    owner_id = fields.String()
    due_date = fields.Date()
    state = fields.String()
    note = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    done_on = fields.Date(allow_none=True)
    cycle = fields.Integer()
    overdue = fields.Boolean()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class NonconformitySummarySchema(StrictSchema):
    id = fields.String()
    reference = fields.String()
    process_id = fields.String()
    clause = fields.String()
    severity = fields.String()
    title = fields.String()
    source = fields.String()
    state = fields.String()
    recurrence_of = fields.String(allow_none=True)
    opened_at = LocalDateTime()
    closed_at = LocalDateTime(allow_none=True)


class NonconformitySchema(NonconformitySummarySchema):
    description = fields.String()
    evidence = fields.String()
    source_ref = fields.String(allow_none=True)
    audit_id = fields.String(allow_none=True)
    line_id = fields.String(allow_none=True)
    containment = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    analysis_method = fields.String(allow_none=True)
    whys = fields.List(fields.String())
    cause_category = fields.String(allow_none=True)
    plan_approved_by = fields.String(allow_none=True)
    plan_approved_at = LocalDateTime(allow_none=True)
    check_due_on = fields.Date(allow_none=True)
    verifier_id = fields.String(allow_none=True)
    indicator_id = fields.String(allow_none=True)
    verifications = fields.Integer()
    first_time_effective = fields.Boolean(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    opened_by = fields.String()
    updated_at = LocalDateTime()
    actions = fields.List(fields.Nested(ActionSchema))
    history = fields.List(fields.Nested(MoveSchema))
    effectiveness_proposal = fields.Dict(allow_none=True)


class SuggestionSchema(StrictSchema):
    id = fields.String()
    objective_id = fields.String()
    title = fields.String()
    status = fields.String()
    suggested_at = LocalDateTime()


class ClauseSchema(StrictSchema):
    clause = fields.String()
    title_fr = fields.String()
    title_ar = fields.String()
    question_fr = fields.String()
    question_ar = fields.String()


class CountSchema(StrictSchema):
    key = fields.String()
    count = fields.Integer()


class AuditDashboardSchema(StrictSchema):
    year = fields.Integer()
    audits_planned = fields.Integer()
    audits_done = fields.Integer()
    audits_by_state = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_nonconformities = fields.Integer()
    open_by_severity = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_by_process = fields.List(fields.Dict())
    open_by_age = fields.Dict(keys=fields.String(), values=fields.Integer())
    overdue_actions = fields.List(fields.Dict())
    first_time_effectiveness_rate = fields.Float(allow_none=True)
    mean_days_to_close = fields.Float(allow_none=True)
    as_of = fields.Date()


class FindingsSchema(StrictSchema):
    clause = fields.String()
    title = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))


class ReportSchema(StrictSchema):
    audit = fields.Nested(AuditSchema)
    language = fields.String()
    processes = fields.List(fields.Dict())
    results = fields.Dict(keys=fields.String(), values=fields.Integer())
    findings = fields.List(fields.Nested(FindingsSchema))
    lines = fields.Integer()
    nonconformities = fields.List(fields.Nested(NonconformitySummarySchema))
    impartiality = fields.Dict()
