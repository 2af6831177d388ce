"""Boundary schemas of the ministry service (RPC payloads in and out)."""

from marshmallow import fields, validate

from jouda.shared.schema_fields import LocalDateTime, ObjectiveCountsSchema, StrictSchema
from jouda.shared.vocabulary import CATALOGUE_CODE_PATTERN, DIRECTIONS


class CatalogueEntryInputSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(CATALOGUE_CODE_PATTERN, error="Capital letters, digits and '_' (2 to 40)."),
    )
    name_fr = fields.String(required=True, validate=validate.Length(1, 300))
    name_ar = fields.String(required=True, validate=validate.Length(1, 300))
    unit = fields.String(required=True, validate=validate.Length(1, 30))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))


class CatalogueEntrySchema(StrictSchema):
    code = fields.String()
    name_fr = fields.String()
    name_ar = fields.String()
    unit = fields.String()
    direction = fields.String()
    created_at = LocalDateTime()


class OverviewRowSchema(StrictSchema):
    """A council in the ministry's overview: figures only, no personal data."""

    tenant = fields.String()
    name = fields.String(allow_none=True)
    policy_published = fields.Boolean()
    policy_version = fields.Integer(allow_none=True)
    policy_published_at = LocalDateTime(allow_none=True)
    acknowledgement_rate = fields.Float(allow_none=True)
    objectives = fields.Integer()
    objectives_by_status = fields.Nested(ObjectiveCountsSchema)
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


class AuditsRowSchema(StrictSchema):
    """A council's audits of a year and its nonconformities: figures only, no personal data."""

    tenant = fields.String()
    name = fields.String(allow_none=True)
    year = fields.Integer()
    audits_planned = fields.Integer()  # audits of the year, not cancelled
    audits_done = fields.Integer()  # audits of the year reported or closed
    open_nonconformities = fields.Integer()  # neither closed nor rejected, now
    open_major = fields.Integer()
    open_minor = fields.Integer()
    mean_days_to_close = fields.Float(allow_none=True)  # closed ones: mean days from opening to closing
    first_time_effectiveness_rate = fields.Float(allow_none=True)  # closed ones found effective at the first check
    recurrences = fields.Integer()  # recurrences opened in the last twelve months


class ClauseRowSchema(StrictSchema):
    """An ISO 9001:2015 clause across every council: the nonconformities found against it (a rejected
    one was none)."""

    clause = fields.String()
    title_fr = fields.String()
    title_ar = fields.String()
    nonconformities = fields.Integer()
    open = fields.Integer()  # neither closed nor rejected, now
    major = fields.Integer()
    minor = fields.Integer()
    councils = fields.Integer()  # councils with at least one
    recurrences = fields.Integer()


class OverviewSchema(StrictSchema):
    items = fields.List(fields.Nested(OverviewRowSchema))


class NationalIndicatorSchema(StrictSchema):
    indicator = fields.Nested(CatalogueEntrySchema)
    items = fields.List(fields.Nested(NationalIndicatorRowSchema))


class AuditsSchema(StrictSchema):
    items = fields.List(fields.Nested(AuditsRowSchema))


class ClausesSchema(StrictSchema):
    items = fields.List(fields.Nested(ClauseRowSchema))
