"""The catalogue of event contracts: one marshmallow schema per event type and version.

Producers build events only through `build_event`, which validates the payload, so nothing
leaves a service that its consumers' contract would refuse. Consumers may call
`validate_event` on what they receive.
"""
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from jouda.shared.events.envelope import EnvelopeSchema, new_envelope

ROLES = ("quality_manager", "director", "process_owner", "auditor", "staff", "ministry", "admin")
COUNCIL_ROLES = ROLES[:5]
POLICY_STATUSES = ("draft", "in_review", "approved", "published", "superseded")


class Payload(Schema):
    class Meta:
        unknown = RAISE


class PolicyRef(Payload):
    policy_id = fields.UUID(required=True)
    version_id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True)


class PolicyTransitioned(PolicyRef):
    from_status = fields.String(required=True, validate=validate.OneOf(POLICY_STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(POLICY_STATUSES))
    comment = fields.String(allow_none=True, load_default=None)


class Orientation(Payload):
    code = fields.String(required=True)
    title = fields.String(required=True)


class PolicyPublished(PolicyTransitioned):
    language = fields.String(required=True, validate=validate.OneOf(("fr", "ar")))
    body = fields.String(required=True)
    orientations = fields.List(fields.Nested(Orientation), required=True)
    commitments = fields.List(fields.String(), required=True)
    signatory = fields.String(required=True, allow_none=True)
    effective_date = fields.Date(required=True, allow_none=True)
    next_review_date = fields.Date(required=True)
    published_at = fields.AwareDateTime(required=True)
    superseded_version_id = fields.UUID(required=True, allow_none=True)


class PolicyAcknowledged(PolicyRef):
    user_id = fields.String(required=True)
    acknowledged_at = fields.AwareDateTime(required=True)
    acknowledgements = fields.Integer(required=True, validate=validate.Range(min=0))
    active_users = fields.Integer(required=True, validate=validate.Range(min=0))
    acknowledgement_rate = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class PolicyReviewDue(PolicyRef):
    next_review_date = fields.Date(required=True)
    days_left = fields.Integer(required=True)


class UserChanged(Payload):
    user_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(required=True)
    language = fields.String(required=True, validate=validate.OneOf(("fr", "ar")))


OBJECTIVE_STATES = ("active", "achieved", "abandoned")
INDICATOR_STATUSES = ("on_track", "at_risk", "off_track", "no_data")
OBJECTIVE_STATUSES = INDICATOR_STATUSES + ("achieved",)
FREQUENCIES = ("monthly", "quarterly", "semiannual", "annual")
PERIOD = validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$")
TRENDS = ("improving", "worsening", "stable")


class IndicatorSnapshot(Payload):
    indicator_id = fields.UUID(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("increase", "decrease")))
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


class MeasurementsMissing(Payload):
    """v2: every measurement one run of the objectives service's timer found missing in a council,
    in one event, so that a person owed many reports is told once (one e-mail listing them)."""
    items = fields.List(fields.Nested(MeasurementMissing), required=True, validate=validate.Length(min=1))


class UserChangedV2(UserChanged):
    """v2: with the person's e-mail address and name, which the notifications service needs."""
    email = fields.Email(required=True)
    name = fields.String(required=True, allow_none=True)


class TenantCreated(Payload):
    code = fields.String(required=True)
    name = fields.String(required=True)


# (type, version) -> payload contract
CATALOGUE = {
    ("policy.submitted", 1): PolicyTransitioned,
    ("policy.approved", 1): PolicyTransitioned,
    ("policy.changes_requested", 1): PolicyTransitioned,
    ("policy.published", 1): PolicyPublished,
    ("policy.superseded", 1): PolicyTransitioned,
    ("policy.acknowledged", 1): PolicyAcknowledged,
    ("policy.review_due", 1): PolicyReviewDue,
    ("objective.created", 1): ObjectiveCreated,
    ("objective.updated", 1): ObjectiveUpdated,
    ("objective.status_changed", 1): ObjectiveStatusChanged,
    ("indicator.measurement_recorded", 1): MeasurementRecorded,
    ("indicator.measurement_missing", 1): MeasurementMissing,
    ("indicator.measurement_missing", 2): MeasurementsMissing,
    ("gateway.tenant_created", 1): TenantCreated,
    ("gateway.user_created", 1): UserChanged,
    ("gateway.user_updated", 1): UserChanged,
    ("gateway.user_created", 2): UserChangedV2,
    ("gateway.user_updated", 2): UserChangedV2,
}
LATEST_VERSION = {event_type: version for event_type, version in sorted(CATALOGUE)}


class UnknownEventType(ValueError):
    pass


_CONTRACTS = {}  # schema instances are stateless between calls: built once, reused


def contract(event_type: str, version: int) -> Schema:
    key = (event_type, version)
    if key not in _CONTRACTS:
        if key not in CATALOGUE:
            raise UnknownEventType(f"{event_type} v{version} is not in the event catalogue")
        _CONTRACTS[key] = CATALOGUE[key]()
    return _CONTRACTS[key]


def build_event(event_type: str, tenant_id, actor: str, payload: dict, *, occurred_at=None,
                version=None) -> dict:
    """A validated envelope, JSON-ready (payload dumped through its contract); the latest
    version of the contract unless `version` asks for an earlier one."""
    version = version or LATEST_VERSION.get(event_type)
    if version is None:
        raise UnknownEventType(f"{event_type} is not in the event catalogue")
    schema = contract(event_type, version)
    unknown = sorted(set(payload) - set(schema.fields))
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    # Checked before dumping: dumping reads a dict's missing key as an attribute (`items` is a method).
    absent = sorted(name for name, field in schema.fields.items() if field.required and name not in payload)
    if absent:
        raise ValidationError({name: ["Missing data for required field."] for name in absent})
    dumped = schema.dump(payload)
    errors = schema.validate(dumped)
    if errors:
        raise ValidationError(errors)
    return new_envelope(event_type, version, tenant_id, actor, dumped, occurred_at=occurred_at)


def validate_event(envelope: dict) -> dict:
    """Check an envelope and its payload against the catalogue; returns the loaded payload."""
    loaded = EnvelopeSchema(unknown=RAISE).load(envelope)
    return contract(loaded["type"], loaded["version"]).load(envelope["payload"])


__all__ = ["CATALOGUE", "COUNCIL_ROLES", "ROLES", "POLICY_STATUSES", "build_event", "validate_event",
           "contract", "UnknownEventType", "ValidationError", "EXCLUDE"]
