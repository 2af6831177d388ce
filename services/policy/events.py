"""Contracts of the events the policy service publishes."""

from marshmallow import fields, validate

from jouda.shared.events.contracts import Payload
from jouda.shared.vocabulary import LANGUAGES, POLICY_STATUSES


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
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
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


class PolicySnapshot(PolicyPublished):
    """The published version as it stands, with its acknowledgements so far, for `jouda resync`."""

    acknowledgements = fields.Integer(required=True, validate=validate.Range(min=0))
    active_users = fields.Integer(required=True, validate=validate.Range(min=0))
    acknowledgement_rate = fields.Float(required=True, validate=validate.Range(min=0, max=1))


CONTRACTS = {
    ("policy.submitted", 1): PolicyTransitioned,
    ("policy.approved", 1): PolicyTransitioned,
    ("policy.changes_requested", 1): PolicyTransitioned,
    ("policy.published", 1): PolicyPublished,
    ("policy.superseded", 1): PolicyTransitioned,
    ("policy.acknowledged", 1): PolicyAcknowledged,
    ("policy.review_due", 1): PolicyReviewDue,
    ("policy.snapshot", 1): PolicySnapshot,
}
