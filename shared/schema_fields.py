"""marshmallow fields and base schemas shared at every boundary."""

from marshmallow import RAISE, Schema, ValidationError, fields

from jouda.shared.clock import shown


class LocalDateTime(fields.DateTime):
    """Stored in UTC, shown in Africa/Casablanca (ISO 8601 with the offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return shown(value)


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def load_or_raise(schema: Schema, data, *, partial=None):
    """Load input; a marshmallow error becomes the domain's ValidationFailed (422 at the edge)."""
    from jouda.shared.errors import ValidationFailed
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object.", {"_schema": ["Expected an object."]})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise ValidationFailed("Some fields are invalid.", error.normalized_messages()) from None



class StrictNumber(fields.Float):
    """A JSON number: the text "12", true or NaN is refused rather than coerced."""

    default_error_messages = {"invalid": "A number (not text, not true/false)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)
