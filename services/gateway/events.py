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


class Addressee(Payload):
    """A person written to directly (services/gateway/notices.py: an e-mail to this address)."""

    user_id = fields.String(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True, allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class InvitationSent(Addressee):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    council_name = fields.String(required=True)
    invited_by = fields.String(required=True)
    link = fields.Url(required=True, require_tld=False)  # its secret travels only to the person's mailbox
    days = fields.Integer(required=True, validate=validate.Range(min=1))


class PasswordResetRequested(Addressee):
    link = fields.Url(required=True, require_tld=False)
    minutes = fields.Integer(required=True, validate=validate.Range(min=1))


class AccountLocked(Addressee):
    minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    address = fields.String(required=True, allow_none=True)  # where the failed sign-ins came from


CONTRACTS = {
    ("gateway.tenant_created", 1): TenantCreated,
    ("gateway.user_created", 1): UserChanged,
    ("gateway.user_updated", 1): UserChanged,
    ("gateway.user_created", 2): UserChangedV2,
    ("gateway.user_updated", 2): UserChangedV2,
    # The present as it stands, for `jouda resync` (a consumer catching up): applied like the above.
    ("gateway.tenant_snapshot", 1): TenantCreated,
    ("gateway.user_snapshot", 1): UserChangedV2,
    ("gateway.tenant_updated", 1): TenantCreated,  # renamed
    ("gateway.invitation_sent", 1): InvitationSent,
    ("gateway.password_reset_requested", 1): PasswordResetRequested,
    ("gateway.account_locked", 1): AccountLocked,
}
