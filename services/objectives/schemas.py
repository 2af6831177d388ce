"""Boundary schemas of the objectives service (RPC payloads in and out)."""

from marshmallow import fields, validate

from jouda.services.objectives import domain, status as rules
from jouda.shared import periods
from jouda.shared.vocabulary import CATALOGUE_CODE_PATTERN
from jouda.shared.schema_fields import (
    ChangesSchema,
    LocalDateTime,
    ObjectiveCountsSchema,
    StrictBoolean,
    StrictNumber,
    StrictSchema,
    deadline_date,
)

USER_ID = validate.Length(1, 64)
CATALOGUE_CODE = validate.Regexp(CATALOGUE_CODE_PATTERN, error="Capital letters, digits and '_' (2 to 40).")
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
    abandon_reason = fields.String(
        validate=[validate.Length(1, 5000), validate.Regexp(r"\S", error="Say why, in words.")]
    )


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
    evidence_url = fields.Url(
        load_default=None, allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=2000)
    )
    correction = StrictBoolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


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


class OrientationCountsSchema(StrictSchema):
    code = fields.String()
    title = fields.String(allow_none=True)
    current = fields.Boolean()
    objectives = fields.Integer()
    objectives_by_status = fields.Nested(ObjectiveCountsSchema)


class ReportingSchema(StrictSchema):
    reported_periods = fields.Integer()
    due_periods = fields.Integer()
    completeness = fields.Float(allow_none=True)
    grace_days = fields.Integer()
    as_of = fields.Date()


class LateMeasurementSchema(StrictSchema):
    indicator_id = fields.String()
    indicator = fields.String()
    objective_id = fields.String()
    objective = fields.String()
    owner_id = fields.String()
    period = fields.String()
    period_end = fields.Date()
    days_late = fields.Integer()


class DashboardIndicatorSchema(IndicatorDetailSchema):
    """An active objective's indicator on the dashboard: with its objective's title and recent values."""

    objective_title = fields.String()


class DashboardSchema(StrictSchema):
    """The council's objectives by status per orientation, reporting completeness, late reports, and
    every active objective's indicators with their recent values (for the trend charts)."""

    orientations = fields.List(fields.Nested(OrientationCountsSchema))
    objectives_by_status = fields.Nested(ObjectiveCountsSchema)
    reporting = fields.Nested(ReportingSchema)
    late_measurements = fields.List(fields.Nested(LateMeasurementSchema))
    indicators = fields.List(fields.Nested(DashboardIndicatorSchema))
