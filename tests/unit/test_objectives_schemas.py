"""Boundary schemas of the objectives service (services/objectives/schemas.py), loaded the way the
commands load them: through load_or_raise, so a bad field is a ValidationFailed (422)."""

import pytest

from jouda.services.objectives.schemas import (
    IndicatorInputSchema,
    MeasurementInputSchema,
    ObjectiveChangesSchema,
    ObjectiveInputSchema,
    ReportingSettingsSchema,
)
from jouda.shared.errors import ValidationFailed
from jouda.shared.clock import local_today
from jouda.shared.schema_fields import load_or_raise, years_from

INDICATOR = {
    "name": "Taux de satisfaction",
    "unit": "%",
    "direction": "increase",
    "baseline": 50,
    "target": 80,
    "amber_threshold": 70.5,
    "frequency": "monthly",
    "owner_id": "u-owner",
}
MEASUREMENT = {"period": "2026-10", "value": 75}
OBJECTIVE = {
    "title": "Améliorer la satisfaction",
    "orientation_code": "OS1",
    "owner_id": "u-owner",
    "due_date": years_from(local_today(), 1).isoformat(),
    "evaluation_method": "Enquête",
}


def errors_of(schema, data):
    with pytest.raises(ValidationFailed) as caught:
        load_or_raise(schema, data)
    assert caught.value.status == 422
    return caught.value.details


# --- IndicatorInputSchema ---------------------------------------------------------------------------


def test_indicator_loads_with_defaults():
    loaded = load_or_raise(IndicatorInputSchema(), INDICATOR)
    assert loaded == {**INDICATOR, "baseline": 50.0, "target": 80.0, "catalogue_code": None, "start_period": None}
    assert isinstance(loaded["baseline"], float)


def test_indicator_with_catalogue_code_and_start_period():
    loaded = load_or_raise(
        IndicatorInputSchema(), {**INDICATOR, "catalogue_code": "SATISFACTION", "start_period": "2026-01"}
    )
    assert (loaded["catalogue_code"], loaded["start_period"]) == ("SATISFACTION", "2026-01")


@pytest.mark.parametrize("field", ["baseline", "target", "amber_threshold"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("12", id="numeric-text"),
        pytest.param("12.5", id="decimal-text"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(None, id="null"),
        pytest.param([12], id="list"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinity"),
    ],
)
def test_indicator_numbers_are_strict(field, value):
    assert field in errors_of(IndicatorInputSchema(), {**INDICATOR, field: value})


def test_strict_number_message():
    assert errors_of(IndicatorInputSchema(), {**INDICATOR, "target": "80"}) == {
        "target": ["A number (not text, not true/false)."]
    }


@pytest.mark.parametrize(
    "changes,field",
    [
        pytest.param({"direction": "up"}, "direction", id="direction-unknown"),
        pytest.param({"direction": "Increase"}, "direction", id="direction-capitalised"),
        pytest.param({"frequency": "weekly"}, "frequency", id="frequency-unknown"),
        pytest.param({"unit": ""}, "unit", id="unit-empty"),
        pytest.param({"unit": "x" * 31}, "unit", id="unit-too-long"),
        pytest.param({"name": ""}, "name", id="name-empty"),
        pytest.param({"owner_id": ""}, "owner_id", id="owner-empty"),
        pytest.param({"catalogue_code": "satisfaction"}, "catalogue_code", id="catalogue-code-lowercase"),
        pytest.param({"catalogue_code": "S"}, "catalogue_code", id="catalogue-code-too-short"),
        pytest.param({"catalogue_code": "1ABC"}, "catalogue_code", id="catalogue-code-starts-with-digit"),
        pytest.param({"start_period": "2026-01-01"}, "start_period", id="start-period-too-long"),
        pytest.param({"start_period": ""}, "start_period", id="start-period-empty"),
        pytest.param({"weight": 2}, "weight", id="unknown-field"),
        pytest.param({"status": "on_track"}, "status", id="computed-field-not-input"),
    ],
)
def test_indicator_refuses_invalid_fields(changes, field):
    assert field in errors_of(IndicatorInputSchema(), {**INDICATOR, **changes})


@pytest.mark.parametrize(
    "field", ["name", "unit", "direction", "baseline", "target", "amber_threshold", "frequency", "owner_id"]
)
def test_indicator_required_fields(field):
    data = {name: value for name, value in INDICATOR.items() if name != field}
    assert field in errors_of(IndicatorInputSchema(), data)


# --- MeasurementInputSchema ----------------------------------------------------------------------------


def test_measurement_loads_with_defaults():
    assert load_or_raise(MeasurementInputSchema(), MEASUREMENT) == {
        "period": "2026-10",
        "value": 75.0,
        "comment": None,
        "evidence_url": None,
        "correction": False,
        "reason": None,
    }


def test_measurement_correction_loads():
    loaded = load_or_raise(
        MeasurementInputSchema(),
        {
            **MEASUREMENT,
            "correction": True,
            "reason": "Recompté",
            "comment": "ok",
            "evidence_url": "https://example.org/a.pdf",
        },
    )
    assert (loaded["correction"], loaded["reason"], loaded["evidence_url"]) == (
        True,
        "Recompté",
        "https://example.org/a.pdf",
    )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("12", id="numeric-text"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(None, id="null"),
        pytest.param({"value": 12}, id="object"),
        pytest.param(float("nan"), id="nan"),
    ],
)
def test_measurement_value_is_strict(value):
    assert "value" in errors_of(MeasurementInputSchema(), {**MEASUREMENT, "value": value})


@pytest.mark.parametrize("value", [0, -3, 12.25, 10**6])
def test_measurement_value_accepts_json_numbers(value):
    assert load_or_raise(MeasurementInputSchema(), {**MEASUREMENT, "value": value})["value"] == float(value)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/rapport.pdf",
        "http://intranet.example.ma/enquete?id=3",
    ],
)
def test_evidence_url_http_or_https(url):
    assert load_or_raise(MeasurementInputSchema(), {**MEASUREMENT, "evidence_url": url})["evidence_url"] == url


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://example.org/rapport.pdf", id="ftp"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("example.org/rapport.pdf", id="no-scheme"),
        pytest.param("rapport", id="not-a-url"),
        pytest.param("https://" + "a" * 2000 + ".org", id="too-long"),
    ],
)
def test_evidence_url_refuses_other_schemes_and_junk(url):
    assert "evidence_url" in errors_of(MeasurementInputSchema(), {**MEASUREMENT, "evidence_url": url})


@pytest.mark.parametrize(
    "changes,field",
    [
        pytest.param({"period": ""}, "period", id="period-empty"),
        pytest.param({"period": "2026-10-01"}, "period", id="period-too-long"),
        pytest.param({"period": 202610}, "period", id="period-number"),
        pytest.param({"comment": "x" * 5001}, "comment", id="comment-too-long"),
        pytest.param({"reason": "x" * 5001}, "reason", id="reason-too-long"),
        pytest.param({"correction": "maybe"}, "correction", id="correction-not-boolean"),
        pytest.param({"recorded_by": "u-other"}, "recorded_by", id="unknown-field"),
        pytest.param({"indicator_id": "abc"}, "indicator_id", id="indicator-id-not-in-body"),
    ],
)
def test_measurement_refuses_invalid_fields(changes, field):
    assert field in errors_of(MeasurementInputSchema(), {**MEASUREMENT, **changes})


@pytest.mark.parametrize("field", ["period", "value"])
def test_measurement_required_fields(field):
    data = {name: value for name, value in MEASUREMENT.items() if name != field}
    assert errors_of(MeasurementInputSchema(), data) == {field: ["Missing data for required field."]}


@pytest.mark.parametrize("body", [None, [], "2026-10", 75])
def test_body_must_be_an_object(body):
    assert errors_of(MeasurementInputSchema(), body) == {"_schema": ["Expected an object."]}


# --- ObjectiveInputSchema / ObjectiveChangesSchema ----------------------------------------------------


def test_objective_loads_with_defaults():
    loaded = load_or_raise(ObjectiveInputSchema(), OBJECTIVE)
    assert loaded["due_date"] == years_from(local_today(), 1)
    assert (loaded["description"], loaded["resources"]) == ("", "")


@pytest.mark.parametrize(
    "changes,field",
    [
        pytest.param({"state": "active"}, "state", id="state-not-on-create"),
        pytest.param({"due_date": "31/12/2027"}, "due_date", id="due-date-format"),
        pytest.param({"title": ""}, "title", id="title-empty"),
        pytest.param({"orientation_code": "x" * 21}, "orientation_code", id="orientation-too-long"),
    ],
)
def test_objective_refuses_invalid_fields(changes, field):
    assert field in errors_of(ObjectiveInputSchema(), {**OBJECTIVE, **changes})


def test_objective_changes_refuse_an_empty_body():
    assert errors_of(ObjectiveChangesSchema(), {}) == {"_schema": ["Send at least one field to change."]}


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Nouveau titre"},
        {"state": "abandoned", "abandon_reason": "Budget supprimé"},
        {"state": "achieved"},
        {"due_date": years_from(local_today(), 2).isoformat()},
    ],
)
def test_objective_changes_take_any_subset_without_defaults(body):
    loaded = load_or_raise(ObjectiveChangesSchema(), body)
    assert set(loaded) == set(body)  # no "description": "" slipped in to wipe the stored one


@pytest.mark.parametrize(
    "body,field",
    [
        pytest.param({"state": "closed"}, "state", id="unknown-state"),
        pytest.param({"abandon_reason": ""}, "abandon_reason", id="empty-reason"),
        pytest.param({"title": None}, "title", id="null-title"),
        pytest.param({"status": "achieved"}, "status", id="computed-status-not-editable"),
        pytest.param({"created_by": "u-x"}, "created_by", id="unknown-field"),
    ],
)
def test_objective_changes_refuse_invalid_fields(body, field):
    assert field in errors_of(ObjectiveChangesSchema(), body)


# --- ReportingSettingsSchema ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 10, 90])
def test_grace_days_from_0_to_90(days):
    assert load_or_raise(ReportingSettingsSchema(), {"grace_days": days}) == {"grace_days": days}


@pytest.mark.parametrize(
    "days",
    [
        pytest.param(-1, id="negative"),
        pytest.param(91, id="above-90"),
        pytest.param("10", id="text"),
        pytest.param(10.5, id="fraction"),
        pytest.param(None, id="null"),
    ],
)
def test_grace_days_refused(days):
    assert "grace_days" in errors_of(ReportingSettingsSchema(), {"grace_days": days})


def test_grace_days_required_and_alone():
    assert "grace_days" in errors_of(ReportingSettingsSchema(), {})
    assert "window_months" in errors_of(ReportingSettingsSchema(), {"grace_days": 5, "window_months": 6})
