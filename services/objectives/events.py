"""Contracts of the events the objectives service publishes."""

from marshmallow import fields, validate

from jouda.shared.events.contracts import PERIOD, Payload
from jouda.shared.vocabulary import (
    DIRECTIONS,
    FREQUENCIES,
    INDICATOR_STATUSES,
    OBJECTIVE_STATES,
    OBJECTIVE_STATUSES,
    TRENDS,
)


class IndicatorSnapshot(Payload):
    indicator_id = fields.UUID(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    baseline = fields.Float(required=True)
    target = fields.Float(required=True)
    amber_threshold = fields.Float(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    owner_id = fields.String(required=True)
    catalogue_code = fields.String(required=True, allow_none=True)
    start_period = fields.String(required=True, validate=PERIOD)
    status = fields.String(required=True, validate=validate.OneOf(INDICATOR_STATUSES))
    latest_period = fields.String(required=True, allow_none=True, validate=PERIOD)
    latest_value = fields.Float(required=True, allow_none=True)
    trend = fields.String(required=True, allow_none=True, validate=validate.OneOf(TRENDS))


class ObjectiveCreated(Payload):
    objective_id = fields.UUID(required=True)
    title = fields.String(required=True)
    orientation_code = fields.String(required=True)
    owner_id = fields.String(required=True)
    due_date = fields.Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf(OBJECTIVE_STATES))
    abandon_reason = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(OBJECTIVE_STATUSES))
    indicators = fields.List(fields.Nested(IndicatorSnapshot), required=True)


class ObjectiveUpdated(ObjectiveCreated):
    changed = fields.List(fields.String(), required=True)  # field names, "state", or "indicators"


class ObjectiveStatusChanged(Payload):
    objective_id = fields.UUID(required=True)
    title = fields.String(required=True)
    orientation_code = fields.String(required=True)
    owner_id = fields.String(required=True)
    old_status = fields.String(required=True, validate=validate.OneOf(OBJECTIVE_STATUSES))
    new_status = fields.String(required=True, validate=validate.OneOf(OBJECTIVE_STATUSES))
    indicator_id = fields.UUID(required=True, allow_none=True)  # the indicator whose change caused it


class MeasurementRecorded(Payload):
    measurement_id = fields.UUID(required=True)
    objective_id = fields.UUID(required=True)
    indicator_id = fields.UUID(required=True)
    period = fields.String(required=True, validate=PERIOD)
    value = fields.Float(required=True)
    correction = fields.Boolean(required=True)
    previous_value = fields.Float(required=True, allow_none=True)
    indicator = fields.Nested(IndicatorSnapshot, required=True)  # as it stands after this measurement


class MeasurementMissing(Payload):
    objective_id = fields.UUID(required=True)
    indicator_id = fields.UUID(required=True)
    name = fields.String(required=True)
    owner_id = fields.String(required=True)
    catalogue_code = fields.String(required=True, allow_none=True)
    period = fields.String(required=True, validate=PERIOD)
    period_end = fields.Date(required=True)
    days_late = fields.Integer(required=True, validate=validate.Range(min=1))


class ReportingSettings(Payload):
    grace_days = fields.Integer(required=True, validate=validate.Range(0, 90))


class ReportedIndicator(IndicatorSnapshot):
    reported_periods = fields.List(fields.String(validate=PERIOD), required=True)  # the last ones with a value


class ObjectiveSnapshot(ObjectiveCreated):
    """An objective as it stands, for `jouda resync`: its indicators with the periods reported."""

    indicators = fields.List(fields.Nested(ReportedIndicator), required=True)


class MeasurementsMissing(Payload):
    """v2: every measurement one run of the timer found missing in a council, in one event, so that
    a person owed many reports is told once (one e-mail listing them)."""

    items = fields.List(fields.Nested(MeasurementMissing), required=True, validate=validate.Length(min=1))


CONTRACTS = {
    ("objective.created", 1): ObjectiveCreated,
    ("objective.updated", 1): ObjectiveUpdated,
    ("objective.status_changed", 1): ObjectiveStatusChanged,
    ("indicator.measurement_recorded", 1): MeasurementRecorded,
    ("indicator.measurement_missing", 1): MeasurementMissing,
    ("indicator.measurement_missing", 2): MeasurementsMissing,
    ("reporting.settings_changed", 1): ReportingSettings,
    ("objective.snapshot", 1): ObjectiveSnapshot,
}
