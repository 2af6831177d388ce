"""Contracts of the events the ministry service publishes: its national indicator catalogue."""

from marshmallow import fields, validate

from jouda.shared.events.contracts import Payload
from jouda.shared.vocabulary import DIRECTIONS


class CatalogueEntry(Payload):
    code = fields.String(required=True)
    name_fr = fields.String(required=True)
    name_ar = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))


CONTRACTS = {
    ("ministry.catalogue_entry_added", 1): CatalogueEntry,
    ("ministry.catalogue_snapshot", 1): CatalogueEntry,  # the catalogue as it stands, for `jouda resync`
}
