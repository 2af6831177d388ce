"""Contracts of the events the gateway publishes: the platform's councils and people."""

from marshmallow import fields, validate

from jouda.shared.events.contracts import Payload
from jouda.shared.vocabulary import LANGUAGES, ROLES


class TenantCreated(Payload):
    code = fields.String(required=True)
    name = fields.String(required=True)


class UserChanged(Payload):
    user_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class UserChangedV2(UserChanged):
    """v2: with the person's e-mail address and name, which the notifications service needs."""

    email = fields.Email(required=True)
    name = fields.String(required=True, allow_none=True)


CONTRACTS = {
    ("gateway.tenant_created", 1): TenantCreated,
    ("gateway.user_created", 1): UserChanged,
    ("gateway.user_updated", 1): UserChanged,
    ("gateway.user_created", 2): UserChangedV2,
    ("gateway.user_updated", 2): UserChangedV2,
    # The present as it stands, for `jouda resync` (a consumer catching up): applied like the above.
    ("gateway.tenant_snapshot", 1): TenantCreated,
    ("gateway.user_snapshot", 1): UserChangedV2,
}
