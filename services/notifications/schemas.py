"""Boundary schemas of the notifications service (RPC payloads in and out)."""

from marshmallow import fields, validate

from jouda.services.notifications import domain
from jouda.shared.schema_fields import LocalDateTime, StrictBoolean, StrictSchema
from jouda.shared.vocabulary import LANGUAGES


class NotificationSchema(StrictSchema):
    id = fields.String()
    kind = fields.String()
    mandatory = fields.Boolean()
    language = fields.String()
    subject = fields.String()
    body = fields.String()
    link = fields.String()
    read = fields.Function(lambda n: n.read_at is not None)
    read_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class PreferencesSchema(StrictSchema):
    """In and out: channels per kind of notification (inbox, email; both when a kind is not
    listed), the language of notifications (the account's when null), and the daily digest."""

    channels = fields.Dict(
        keys=fields.String(),
        values=fields.List(
            fields.String(validate=validate.OneOf(domain.USER_CHANNELS)), validate=validate.Length(max=2)
        ),
    )
    language = fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES))
    digest = StrictBoolean()


class CouncilSettingsSchema(StrictSchema):
    """How many days an overdue item waits before it is escalated to the quality managers
    (twice that to the director)."""

    escalation_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 90))


class WebhookInputSchema(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(1, 2000))


class WebhookSchema(StrictSchema):
    id = fields.String()
    url = fields.String()
    active = fields.Boolean()
    consecutive_failures = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = LocalDateTime()
    disabled_at = LocalDateTime(allow_none=True)


class RegisteredWebhookSchema(WebhookSchema):
    """The signing secret is shown once, when the webhook is registered."""

    secret = fields.String()


class UnreadCountSchema(StrictSchema):
    unread = fields.Integer()


class MarkedSchema(StrictSchema):
    marked = fields.Integer()


class DeletedSchema(StrictSchema):
    deleted = fields.String()


class DeliverySchema(StrictSchema):
    id = fields.String()
    notification_id = fields.String(allow_none=True)
    channel = fields.String()
    target = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    occurred_at = LocalDateTime()
    created_at = LocalDateTime()
    next_attempt_at = LocalDateTime()
    sent_at = LocalDateTime(allow_none=True)
