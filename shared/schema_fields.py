"""marshmallow fields and base schemas shared at every boundary."""

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validates_schema

from jouda.shared.clock import local_today, shown


class LocalDateTime(fields.DateTime):
    """Stored in UTC, shown in Africa/Casablanca (ISO 8601 with the offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return shown(value)


def years_from(day, years):
    """The same day `years` later (or earlier); 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class DateWithin(fields.Date):
    """A date no further from today (the councils' today) than the window the field allows.

    A due date in the year 0130 once sent overdue and escalation e-mails at once; a date far from
    the present is a typing mistake, refused with the window in the message."""

    def __init__(self, *, years_before, years_after, **kwargs):
        super().__init__(**kwargs)
        self.years_before, self.years_after = years_before, years_after
        self.metadata.setdefault("description", f"From {years_before} year(s) before today to {years_after} after.")

    def window(self):
        today = local_today()
        return years_from(today, -self.years_before), years_from(today, self.years_after)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        first, last = self.window()
        if not first <= day <= last:
            raise ValidationError(f"Choose a date between {first.isoformat()} and {last.isoformat()}.")
        return day


def deadline_date(**kwargs):
    """A due or review date: reminders and escalation follow it."""
    return DateWithin(years_before=1, years_after=20, **kwargs)


def record_date(**kwargs):
    """A date something took or takes effect (a policy's effective date)."""
    return DateWithin(years_before=30, years_after=5, **kwargs)


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped; text with a NUL character (which
    PostgreSQL cannot store) is refused rather than left to fail in the database."""

    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=True)
    def _refuse_nul(self, data, **kwargs):
        if _has_nul(data):
            raise ValidationError("Text may not contain the NUL character (\\u0000).")
        return data


class ChangesSchema(StrictSchema):
    """Mixed before a schema of content, for a PATCH: any subset of its fields, at least one.
    Partial at the top level only: a nested object sent in a PATCH must still be complete."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", tuple(self._declared_fields))
        super().__init__(**kwargs)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")


MAX_PAGE = 200  # the most rows one page of a list may hold


def check_page(limit, offset):
    """A page of a list: 1 to MAX_PAGE rows from offset 0 on (ValidationFailed otherwise)."""
    from jouda.shared.errors import ValidationFailed

    if not (1 <= limit <= MAX_PAGE) or offset < 0:
        raise ValidationFailed("Bad page.", {"limit": [f"Between 1 and {MAX_PAGE}."], "offset": [">= 0"]})


def check_choice(name, value, choices):
    """A list filter (?status=…): absent, or one of `choices` (ValidationFailed otherwise)."""
    from jouda.shared.errors import ValidationFailed

    if value is not None and value not in choices:
        raise ValidationFailed(f"Unknown {name} filter.", {name: [f"One of {', '.join(choices)}."]})


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


class StrictBoolean(fields.Boolean):
    """A JSON true or false: 1, "yes" or "true" is refused rather than coerced."""

    default_error_messages = {"invalid": "true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ObjectiveCountsSchema(StrictSchema):
    """How many objectives stand where: their status, or their state when achieved or abandoned."""

    on_track = fields.Integer()
    at_risk = fields.Integer()
    off_track = fields.Integer()
    no_data = fields.Integer()
    achieved = fields.Integer()
    abandoned = fields.Integer()
