"""What every event contract is made of, and the contracts any service may publish.

Each service declares the contracts of the events it publishes in its own `events.py` (its
manifest points at them); shared/events/catalogue.py gathers them into the one catalogue."""

from marshmallow import RAISE, Schema, fields, validate

from jouda.shared.vocabulary import PERIOD_PATTERN


class Payload(Schema):
    class Meta:
        unknown = RAISE


PERIOD = validate.Regexp(PERIOD_PATTERN)


class DeadlineSet(Payload):
    """Something of a council falls due: reminders before, an overdue notice after, then escalation
    (the notifications service). `kind` is declared in the publisher's notices (shared/notices.py);
    `ref_id` is unique within the kind; a new due date starts the reminders again."""

    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+$"))
    ref_id = fields.String(required=True, validate=validate.Length(1, 64))
    title = fields.String(required=True, validate=validate.Length(1, 300))
    due_date = fields.Date(required=True)
    owner_id = fields.String(required=True, allow_none=True)
    link = fields.String(required=True, validate=validate.Regexp(r"^/"))
    restart = fields.Boolean(load_default=False)  # reminders start again though the date is the same (a new cycle)


class DeadlineCleared(Payload):
    """The item needs no more reminders (done, abandoned, replaced)."""

    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+$"))
    ref_id = fields.String(required=True, validate=validate.Length(1, 64))


DEADLINE_SET, DEADLINE_CLEARED = "deadline.set", "deadline.cleared"
CONTRACTS = {
    (DEADLINE_SET, 1): DeadlineSet,
    (DEADLINE_CLEARED, 1): DeadlineCleared,
}
