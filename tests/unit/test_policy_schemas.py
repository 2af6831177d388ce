"""Boundary schemas of the policy service (services/policy/schemas.py, shared/schema_fields.py)."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from marshmallow import Schema, ValidationError

from jouda.services.policy.schemas import (
    PolicyChangesSchema,
    PolicyContentSchema,
    PolicySummarySchema,
    PolicyVersionSchema,
    TransitionInputSchema,
)
from jouda.shared.clock import local_today
from jouda.shared.errors import ValidationFailed
from jouda.shared.schema_fields import LocalDateTime, load_or_raise, years_from

CASABLANCA = ZoneInfo("Africa/Casablanca")
IN_A_YEAR = years_from(local_today(), 1)


def errors_of(data, schema=None, **kwargs):
    with pytest.raises(ValidationError) as caught:
        (schema or PolicyContentSchema()).load(data, **kwargs)
    return caught.value.messages


# --- PolicyContentSchema ------------------------------------------------------------------------


def test_content_defaults():
    assert PolicyContentSchema().load({"title": "Politique qualité"}) == {
        "title": "Politique qualité",
        "body": "",
        "language": "fr",
        "orientations": [],
        "commitments": [],
        "signatory": None,
        "effective_date": None,
        "next_review_date": None,
    }


def test_content_defaults_are_fresh_lists():
    first = PolicyContentSchema().load({"title": "A"})
    first["orientations"].append({"code": "X", "title": "Y"})
    assert PolicyContentSchema().load({"title": "B"})["orientations"] == []


def test_full_content_loads():
    data = {
        "title": "T",
        "body": "B",
        "language": "ar",
        "orientations": [{"code": "O-1", "title": "Un"}, {"code": "o_2.b", "title": "Deux"}],
        "commitments": ["C1"],
        "signatory": "Président",
        "effective_date": "2025-03-01",
        "next_review_date": IN_A_YEAR.isoformat(),
    }
    loaded = PolicyContentSchema().load(data)
    assert loaded["effective_date"] == date(2025, 3, 1)
    assert loaded["next_review_date"] == IN_A_YEAR
    assert loaded["orientations"] == data["orientations"]
    assert loaded["language"] == "ar"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"title": "T", "status": "published"}, "status"),
        ({"title": "T", "orientations": [{"code": "A", "title": "B", "weight": 3}]}, "orientations"),
    ],
)
def test_content_rejects_unknown_fields(data, field):
    assert field in errors_of(data)


@pytest.mark.parametrize(
    "data,field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": "T", "language": "en"}, "language"),
        ({"title": "T", "language": "FR"}, "language"),
        ({"title": "T", "body": "x" * 200_001}, "body"),
        ({"title": "T", "signatory": "x" * 201}, "signatory"),
        ({"title": "T", "effective_date": "01/03/2025"}, "effective_date"),
        ({"title": "T", "commitments": [""]}, "commitments"),
        ({"title": "T", "commitments": ["c"] * 101}, "commitments"),
        ({"title": "T", "orientations": [{"code": f"O{i}", "title": "t"} for i in range(51)]}, "orientations"),
        ({"title": "T", "orientations": [{"code": "", "title": "t"}]}, "orientations"),
        ({"title": "T", "orientations": [{"code": "x" * 21, "title": "t"}]}, "orientations"),
        ({"title": "T", "orientations": [{"code": "A", "title": ""}]}, "orientations"),
        ({"title": "T", "orientations": [{"code": "A"}]}, "orientations"),
    ],
)
def test_content_rejects_invalid_values(data, field):
    assert field in errors_of(data)


def test_title_limits():
    assert PolicyContentSchema().load({"title": "x" * 200})["title"] == "x" * 200
    assert PolicyContentSchema().load({"title": "x"})["title"] == "x"


def test_duplicate_orientation_codes_are_refused():
    messages = errors_of({"title": "T", "orientations": [{"code": "O1", "title": "a"}, {"code": "O1", "title": "b"}]})
    assert messages == {"orientations": ["Each strategic orientation needs its own code."]}


@pytest.mark.parametrize("code", ["O 1", "O/1", "é1", "O1!", "<b>"])
def test_orientation_code_characters(code):
    messages = errors_of({"title": "T", "orientations": [{"code": code, "title": "t"}]})
    assert messages["orientations"][0]["code"] == ["Use letters, digits, '-', '_' or '.'."]


@pytest.mark.parametrize(
    "data,field",
    [
        ({"title": ["T"]}, "title"),
        ({"title": 12}, "title"),
        ({"title": "T", "body": {"text": "b"}}, "body"),
        ({"title": "T", "orientations": "O1"}, "orientations"),
        ({"title": "T", "orientations": [["O1", "t"]]}, "orientations"),
        ({"title": "T", "commitments": "one"}, "commitments"),
        ({"title": "T", "commitments": [1]}, "commitments"),
        ({"title": "T", "language": ["fr"]}, "language"),
        ({"title": "T", "effective_date": 20250301}, "effective_date"),
    ],
)
def test_content_rejects_wrong_types(data, field):
    assert field in errors_of(data)


# --- load_or_raise ------------------------------------------------------------------------------


def test_load_or_raise_returns_loaded_data():
    assert load_or_raise(PolicyContentSchema(), {"title": "T"})["language"] == "fr"


def test_load_or_raise_gives_field_level_details():
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(PolicyContentSchema(), {"title": "", "language": "en", "x": 1})
    error = caught.value
    assert error.status == 422 and error.code == "validation_failed"
    assert set(error.details) == {"title", "language", "x"}
    assert error.details["x"] == ["Unknown field."]


@pytest.mark.parametrize("body", [None, [], ["title"], "title", 3])
def test_load_or_raise_refuses_non_objects(body):
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(PolicyContentSchema(), body)
    assert caught.value.details == {"_schema": ["Expected an object."]}


# --- PolicyChangesSchema (PATCH) ----------------------------------------------------------------


def test_changes_refuse_an_empty_patch():
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(PolicyChangesSchema(), {})
    assert caught.value.details == {"_schema": ["Send at least one field to change."]}


def test_changes_load_only_what_was_sent():
    assert load_or_raise(PolicyChangesSchema(), {"body": "Nouveau"}) == {"body": "Nouveau"}


@pytest.mark.parametrize(
    "data,field",
    [
        ({"title": ""}, "title"),
        ({"language": "en"}, "language"),
        ({"status": "published"}, "status"),
        ({"orientations": [{"code": "A", "title": "a"}, {"code": "A", "title": "b"}]}, "orientations"),
    ],
)
def test_changes_still_validate_what_was_sent(data, field):
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(PolicyChangesSchema(), data)
    assert field in caught.value.details


# A PATCH is partial at the top level only: an orientation it sends must be complete, or the
# draft could carry one that the policy.published contract refuses at publication time.
def test_changes_still_require_a_complete_orientation():
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(PolicyChangesSchema(), {"orientations": [{"code": "O1"}]})
    assert "orientations" in caught.value.details


# An orientation without a code is a field error (422), not a crash in the uniqueness check.
def test_changes_orientation_without_code_is_a_validation_error():
    with pytest.raises(ValidationFailed):
        load_or_raise(PolicyChangesSchema(), {"orientations": [{"title": "Sans code"}]})


@pytest.mark.parametrize(
    "data,expected",
    [
        ({}, None),
        ({"comment": None}, None),
        ({"comment": "Vu"}, "Vu"),
    ],
)
def test_transition_input(data, expected):
    assert TransitionInputSchema().load(data) == {"comment": expected}


def test_transition_input_limits():
    assert "comment" in errors_of({"comment": "x" * 5001}, TransitionInputSchema())


# --- LocalDateTime ------------------------------------------------------------------------------


class Shown(Schema):
    at = LocalDateTime(allow_none=True)


@pytest.mark.parametrize(
    "utc,shown",
    [
        (datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc), "2025-01-15T13:00:00+01:00"),
        (datetime(2024, 12, 31, 23, 30, tzinfo=timezone.utc), "2025-01-01T00:30:00+01:00"),
        # During Ramadan 1446 (2025) Morocco is back on UTC+00:00.
        (datetime(2025, 3, 15, 12, 0, tzinfo=timezone.utc), "2025-03-15T12:00:00+00:00"),
    ],
)
def test_local_datetime_shows_casablanca_time(utc, shown):
    expected = utc.astimezone(CASABLANCA).isoformat()
    assert expected == shown  # the tz database agrees with the hand-computed string
    text = Shown().dump({"at": utc})["at"]
    assert text == shown
    assert text[-6:] in ("+01:00", "+00:00")
    assert datetime.fromisoformat(text) == utc  # same instant


def test_local_datetime_treats_naive_as_utc():
    assert Shown().dump({"at": datetime(2025, 1, 15, 12, 0)})["at"] == "2025-01-15T13:00:00+01:00"


def test_local_datetime_converts_other_offsets():
    paris = datetime(2025, 7, 1, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 12:00 UTC
    assert Shown().dump({"at": paris})["at"] == "2025-07-01T13:00:00+01:00"


def test_local_datetime_none():
    assert Shown().dump({"at": None})["at"] is None


# --- output schemas -----------------------------------------------------------------------------


class _Version:
    id, policy_id, number, status, title, body, language = "v1", "p1", 3, "published", "T", "B", "fr"
    orientations, commitments, signatory = [{"code": "O1", "title": "t"}], ["c"], None
    effective_date, next_review_date = date(2025, 3, 1), date(2026, 3, 1)
    published_at = datetime(2025, 5, 4, 10, 30, tzinfo=timezone.utc)
    created_by = "u-qm"
    created_at = updated_at = datetime(2025, 1, 15, 12, 0)


def test_version_output():
    dumped = PolicyVersionSchema().dump(_Version())
    assert dumped["version"] == 3
    assert dumped["published_at"] == "2025-05-04T11:30:00+01:00"
    assert dumped["created_at"] == "2025-01-15T13:00:00+01:00"
    assert dumped["next_review_date"] == "2026-03-01"
    assert "number" not in dumped


def test_summary_has_no_body():
    dumped = PolicySummarySchema().dump(_Version())
    assert "body" not in dumped and dumped["title"] == "T"


# --- dates within a sensible window -------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,years,accepted",
    [
        pytest.param("next_review_date", -1, True, id="review-a-year-ago"),
        pytest.param("next_review_date", 20, True, id="review-in-twenty-years"),
        pytest.param("next_review_date", -2, False, id="review-two-years-ago"),
        pytest.param("next_review_date", 21, False, id="review-in-twenty-one-years"),
        pytest.param("effective_date", -30, True, id="effective-thirty-years-ago"),
        pytest.param("effective_date", -31, False, id="effective-thirty-one-years-ago"),
        pytest.param("effective_date", 6, False, id="effective-in-six-years"),
    ],
)
def test_dates_far_from_today_are_refused_with_the_window(field, years, accepted):
    day = years_from(local_today(), years)
    if accepted:
        assert PolicyContentSchema().load({"title": "T", field: day.isoformat()})[field] == day
        return
    message = errors_of({"title": "T", field: day.isoformat()})[field][0]
    assert message.startswith("Choose a date between ") and " and " in message


def test_the_year_0130_is_refused():
    assert "Choose a date between" in errors_of({"title": "T", "next_review_date": "0130-06-01"})["next_review_date"][0]
