"""Boundary schemas of the policy service (RPC payloads in and out)."""

from marshmallow import fields, validate, validates_schema, ValidationError

from jouda.shared.schema_fields import ChangesSchema, LocalDateTime, StrictSchema, deadline_date, record_date

LANGUAGES = ("fr", "ar")
MAX_BODY = 200_000


class OrientationSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=[
            validate.Length(1, 20),
            validate.Regexp(r"^[A-Za-z0-9_.-]+$", error="Use letters, digits, '-', '_' or '.'."),
        ],
    )
    title = fields.String(required=True, validate=validate.Length(1, 300))


class PolicyContentSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    language = fields.String(load_default="fr", validate=validate.OneOf(LANGUAGES))
    orientations = fields.List(fields.Nested(OrientationSchema), load_default=list, validate=validate.Length(max=50))
    commitments = fields.List(
        fields.String(validate=validate.Length(1, 2000)), load_default=list, validate=validate.Length(max=100)
    )
    signatory = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    effective_date = record_date(load_default=None, allow_none=True)
    next_review_date = deadline_date(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=True)
    def _unique_orientation_codes(self, data, **kwargs):
        codes = [o["code"] for o in data.get("orientations") or []]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each strategic orientation needs its own code.", "orientations")


class PolicyChangesSchema(ChangesSchema, PolicyContentSchema):
    """PATCH of a draft: any subset of the content fields, at least one (an orientation sent
    must still be complete)."""


class TransitionInputSchema(StrictSchema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class PolicyVersionSchema(StrictSchema):
    id = fields.String()
    policy_id = fields.String()
    version = fields.Integer(attribute="number")
    status = fields.String()
    title = fields.String()
    body = fields.String()
    language = fields.String()
    orientations = fields.List(fields.Nested(OrientationSchema))
    commitments = fields.List(fields.String())
    signatory = fields.String(allow_none=True)
    effective_date = fields.Date(allow_none=True)
    next_review_date = fields.Date(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    created_by = fields.String()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class PolicySummarySchema(PolicyVersionSchema):
    class Meta:
        exclude = ("body",)


class TransitionSchema(StrictSchema):
    id = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String()
    role = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    at = LocalDateTime()


class AcknowledgementSchema(StrictSchema):
    id = fields.String()
    version_id = fields.String()
    user_id = fields.String()
    acknowledged_at = LocalDateTime()


class AcknowledgementSummarySchema(StrictSchema):
    version_id = fields.String()
    version = fields.Integer()
    acknowledgements = fields.Integer()
    active_users = fields.Integer()
    acknowledgement_rate = fields.Float()
    acknowledged_by_you_at = LocalDateTime(allow_none=True)  # when the person asking acknowledged it


class HistorySchema(StrictSchema):
    """A version's audit trail."""

    version_id = fields.String()
    version = fields.Integer()
    transitions = fields.List(fields.Nested(TransitionSchema))
