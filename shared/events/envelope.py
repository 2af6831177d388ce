"""The one envelope every Jouda event travels in."""

import uuid
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

from jouda.shared.clock import utc_now

EVENT_TYPE_PATTERN = r"^[a-z_]+\.[a-z_]+$"


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(EVENT_TYPE_PATTERN))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    tenant_id = fields.String(required=True, allow_none=True)  # None only for platform-wide events
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    actor = fields.String(required=True)
    payload = fields.Dict(required=True)


def new_envelope(event_type, version, tenant_id, actor, payload, *, occurred_at=None) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "version": version,
        "tenant_id": tenant_id,
        "occurred_at": (occurred_at or utc_now()).isoformat(),
        "actor": actor,
        "payload": payload,
    }


def occurred_at(envelope) -> datetime:
    return datetime.fromisoformat(envelope["occurred_at"])


__all__ = ["EnvelopeSchema", "ValidationError", "new_envelope", "occurred_at"]
