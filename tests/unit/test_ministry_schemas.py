"""Boundary schemas of the ministry service (services/ministry/schemas.py), loaded the way the
commands load them: through load_or_raise, so a bad field is a ValidationFailed (422)."""

import pytest

from jouda.services.ministry.schemas import CatalogueEntryInputSchema
from jouda.shared.errors import ValidationFailed
from jouda.shared.schema_fields import load_or_raise

ENTRY = {
    "code": "WATER_QUALITY",
    "name_fr": "Qualité de l'eau",
    "name_ar": "جودة الماء",
    "unit": "%",
    "direction": "increase",
}


def errors_of(schema, data):
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(schema, data)
    assert caught.value.status == 422
    return caught.value.details


# --- CatalogueEntryInputSchema ------------------------------------------------------------------------


def test_catalogue_entry_input():
    assert load_or_raise(CatalogueEntryInputSchema(), ENTRY) == ENTRY
    assert "code" in errors_of(CatalogueEntryInputSchema(), {**ENTRY, "code": "water"})
    assert "direction" in errors_of(CatalogueEntryInputSchema(), {**ENTRY, "direction": "both"})
