"""Boundary schemas of signing in, a person's own settings and tokens, a council's people, the platform's
councils and the security log (the bodies they take, the answers they give: the OpenAPI document's)."""

from marshmallow import fields, validate

from jouda.shared.schema_fields import StrictBoolean, StrictSchema
from jouda.shared.vocabulary import COUNCIL_ROLES, LANGUAGES, ROLES

TENANT = fields.String(validate=validate.Length(1, 64), load_default=None)


class SignInSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))
    tenant = TENANT  # when one address belongs to several councils
    code = fields.String(validate=validate.Length(1, 10), load_default=None)  # the authenticator app's
    recovery_code = fields.String(validate=validate.Length(1, 40), load_default=None)


class SignedInUserSchema(StrictSchema):
    id = fields.String()
    email = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String(validate=validate.OneOf(ROLES))
    tenant = fields.String(allow_none=True)
    language = fields.String()


class SignedInSchema(StrictSchema):
    user = fields.Nested(SignedInUserSchema)
    csrf_token = fields.String()  # send it back in X-CSRF-Token with every state-changing request
    two_factor_enrolment_required = fields.Boolean()


class PasswordResetSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    tenant = TENANT


class LinkWithPasswordSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(1, 200))  # the secret of the e-mail's link
    password = fields.String(required=True, validate=validate.Length(1, 1024))


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(1, 1024))
    new_password = fields.String(required=True, validate=validate.Length(1, 1024))


class AcceptedSchema(StrictSchema):
    accepted = fields.Boolean()


class DoneSchema(StrictSchema):
    done = fields.Boolean()


class TwoFactorEnrolmentSchema(StrictSchema):
    secret = fields.String()
    otpauth_uri = fields.String()  # for a QR code


class TwoFactorCodeSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(1, 10))


class RecoveryCodesSchema(StrictSchema):
    recovery_codes = fields.List(fields.String())  # shown once


class TokenInputSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    expires_in_days = fields.Integer(strict=True, validate=validate.Range(1, 365), load_default=90)


class PersonalTokenSchema(StrictSchema):
    id = fields.String()
    name = fields.String(allow_none=True)
    created_at = fields.String()
    expires_at = fields.String(allow_none=True)
    revoked_at = fields.String(allow_none=True)
    live = fields.Boolean()


class CreatedTokenSchema(PersonalTokenSchema):
    token = fields.String()  # shown once


class InvitationSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    name = fields.String(validate=validate.Length(0, 200), load_default=None)
    role = fields.String(required=True, validate=validate.OneOf(COUNCIL_ROLES))
    language = fields.String(validate=validate.OneOf(LANGUAGES), load_default="fr")
    tenant = TENANT  # for a platform admin: which council


class PersonSchema(StrictSchema):
    id = fields.String()
    email = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String()
    language = fields.String()
    tenant = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("invited", "active", "deactivated")))
    two_factor = fields.Boolean()
    created_at = fields.String()


class PersonNameSchema(StrictSchema):
    id = fields.String()
    name = fields.String()


class RoleChangeSchema(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(COUNCIL_ROLES))


class SecuritySettingsSchema(StrictSchema):
    managers_need_two_factor = StrictBoolean(required=True)


class TenantInputSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(1, 64))
    name = fields.String(validate=validate.Length(1, 200), load_default=None)  # a region's comes from the catalogue


class TenantChangeSchema(StrictSchema):
    name = fields.String(validate=validate.Length(1, 200))
    active = StrictBoolean()


class TenantSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    managers_need_two_factor = fields.Boolean()
    created_at = fields.String()
    people = fields.Integer()


class SecurityLogEntrySchema(StrictSchema):
    at = fields.String()
    event = fields.String()
    tenant = fields.String(allow_none=True)
    actor_id = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    subject_email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    details = fields.Dict()
