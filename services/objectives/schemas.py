"""Boundary schemas of the objectives service (RPC payloads in and out)."""
from marshmallow import fields, validate

from jouda.services.objectives import domain, periods, status as rules
from jouda.shared.schema_fields import (ChangesSchema, LocalDateTime, StrictBoolean, StrictNumber, StrictSchema,
                                        deadline_date)

USER_ID = validate.Length(1, 64)
CATALOGUE_CODE = validate.Regexp(r"^[A-Z][A-Z0-9_]{1,39}$", error="Capital letters, digits and '_' (2 to 40).")
UNIT = validate.Length(1, 30)


class ObjectiveInputSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    orientation_code = fields.String(required=True, validate=validate.Length(1, 20))
    owner_id = fields.String(required=True, validate=USER_ID)
    resources = fields.String(load_default="", validate=validate.Length(max=5000))
    due_date = deadline_date(required=True)
    evaluation_method = fields.String(required=True, validate=validate.Length(1, 5000))


class ObjectiveChangesSchema(ChangesSchema, ObjectiveInputSchema):
    """PATCH: any subset of the fields, and the life cycle through `state` (at least one field)."""
    state = fields.String(validate=validate.OneOf(domain.STATES))
    abandon_reason = fields.String(validate=[validate.Length(1, 5000),
                                             validate.Regexp(r"\S", error="Say why, in words.")])


class IndicatorInputSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    unit = fields.String(required=True, validate=UNIT)
    direction = fields.String(required=True, validate=validate.OneOf(rules.DIRECTIONS))
    baseline = StrictNumber(required=True)
    target = StrictNumber(required=True)
    amber_threshold = StrictNumber(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf(periods.FREQUENCIES))
    owner_id = fields.String(required=True, validate=USER_ID)
    catalogue_code = fields.String(load_default=None, allow_none=True, validate=CATALOGUE_CODE)
    start_period = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 7))


class MeasurementInputSchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Length(1, 7))
    value = StrictNumber(required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    evidence_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                              validate=validate.Length(max=2000))
    correction = StrictBoolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class CatalogueEntryInputSchema(StrictSchema):
    code = fields.String(required=True, validate=CATALOGUE_CODE)
    name_fr = fields.String(required=True, validate=validate.Length(1, 300))
    name_ar = fields.String(required=True, validate=validate.Length(1, 300))
    unit = fields.String(required=True, validate=UNIT)
    direction = fields.String(required=True, validate=validate.OneOf(rules.DIRECTIONS))


class ReportingSettingsSchema(StrictSchema):
    grace_days = fields.Integer(required=True, strict=True, validate=validate.Range(0, 90))


# --- out ------------------------------------------------------------------------------------------

class IndicatorSchema(StrictSchema):
    id = fields.String()
    objective_id = fields.String()
    name = fields.String()
    unit = fields.String()
    direction = fields.String()
    baseline = fields.Float()
    target = fields.Float()
    amber_threshold = fields.Float()
    frequency = fields.String()
    owner_id = fields.String()
    catalogue_code = fields.String(allow_none=True)
    start_period = fields.String()
    status = fields.String()
    target_met = fields.Boolean()
    latest_period = fields.String(allow_none=True)
    latest_value = fields.Float(allow_none=True)
    trend = fields.String(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class RecentValueSchema(StrictSchema):
    period = fields.String()
    value = fields.Float()


class IndicatorDetailSchema(IndicatorSchema):
    """An indicator read on its own: with its last 12 values, oldest first."""
    recent = fields.List(fields.Nested(RecentValueSchema))


class ObjectiveSchema(StrictSchema):
    id = fields.String()
    title = fields.String()
    description = fields.String()
    orientation_code = fields.String()
    owner_id = fields.String()
    resources = fields.String()
    due_date = fields.Date()
    evaluation_method = fields.String()
    state = fields.String()
    abandon_reason = fields.String(allow_none=True)
    status = fields.String()
    indicators = fields.List(fields.Nested(IndicatorSchema))
    created_by = fields.String()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class ObjectiveSummarySchema(ObjectiveSchema):
    class Meta:
        exclude = ("description", "resources", "evaluation_method", "indicators")


class CorrectionSchema(StrictSchema):
    previous_value = fields.Float()
    previous_comment = fields.String(allow_none=True)
    previous_evidence_url = fields.String(allow_none=True)
    previous_recorded_by = fields.String()
    corrected_by = fields.String()
    corrected_at = LocalDateTime()
    reason = fields.String()


class MeasurementSchema(StrictSchema):
    id = fields.String()
    indicator_id = fields.String()
    period = fields.String()
    value = fields.Float()
    comment = fields.String(allow_none=True)
    evidence_url = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = LocalDateTime()
    updated_at = LocalDateTime()
    corrections = fields.List(fields.Nested(CorrectionSchema), attribute="history")


class CatalogueEntrySchema(StrictSchema):
    code = fields.String()
    name_fr = fields.String()
    name_ar = fields.String()
    unit = fields.String()
    direction = fields.String()
    created_at = LocalDateTime()


class StatusCountsSchema(StrictSchema):
    on_track = fields.Integer()
    at_risk = fields.Integer()
    off_track = fields.Integer()
    no_data = fields.Integer()
    achieved = fields.Integer()
    abandoned = fields.Integer()


class OverviewRowSchema(StrictSchema):
    """A council in the ministry's overview: figures only, no personal data."""
    tenant = fields.String()
    name = fields.String(allow_none=True)
    policy_published = fields.Boolean()
    policy_version = fields.Integer(allow_none=True)
    policy_published_at = LocalDateTime(allow_none=True)
    acknowledgement_rate = fields.Float(allow_none=True)
    objectives = fields.Integer()
    objectives_by_status = fields.Nested(StatusCountsSchema)
    reported_periods = fields.Integer()
    due_periods = fields.Integer()
    reporting_completeness = fields.Float(allow_none=True)
    completeness_as_of = fields.Date(allow_none=True)


class NationalIndicatorRowSchema(StrictSchema):
    tenant = fields.String()
    name = fields.String(allow_none=True)
    indicator_id = fields.String()
    latest_period = fields.String(allow_none=True)
    latest_value = fields.Float(allow_none=True)
    unit = fields.String()
    baseline = fields.Float()
    target = fields.Float()
    status = fields.String()
    trend = fields.String(allow_none=True)
