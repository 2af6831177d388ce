"""The OpenAPI document (services/gateway/openapi.py). Needs `openapi-spec-validator`."""
import pytest
from marshmallow import fields, validate
from openapi_spec_validator import OpenAPIV30SpecValidator, validate as validate_spec
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from jouda.services.gateway import openapi
from jouda.services.gateway.openapi import COMPONENTS, OPERATIONS, build_document, field_schema

REF_PREFIX = "#/components/schemas/"


@pytest.fixture(scope="module")
def document():
    return build_document("x")


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_is_a_valid_openapi_30_document(document):
    validate_spec(document, cls=OpenAPIV30SpecValidator)
    assert document["openapi"].startswith("3.0.")
    assert document["info"]["version"] == "x"


def test_the_validator_would_notice_a_broken_document():
    broken = build_document("x")
    del broken["paths"]["/api/v1/me"]["get"]["responses"]
    with pytest.raises(OpenAPIValidationError):
        validate_spec(broken, cls=OpenAPIV30SpecValidator)


@pytest.mark.parametrize("method,path", [(m, p) for m, p, *_ in OPERATIONS])
def test_every_operation_is_present(document, method, path):
    operation = document["paths"][path][method]
    assert operation["responses"]
    assert ("parameters" in operation) == ("{" in path or (method, path) in openapi.QUERY_PARAMETERS
                                           or path.startswith("/api/v1/ministry/overview") or method == "post")
    if method == "post":  # every POST may be retried safely with an Idempotency-Key
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


def test_no_extra_paths(document):
    assert set(document["paths"]) == {p for _, p, *_ in OPERATIONS}


def test_every_ref_resolves(document):
    schemas = document["components"]["schemas"]
    found = list(refs(document))
    assert found  # the document does use references
    for ref in found:
        assert ref.startswith(REF_PREFIX), ref
        assert ref.removeprefix(REF_PREFIX) in schemas, ref


def test_every_marshmallow_component_is_published(document):
    assert set(COMPONENTS) <= set(document["components"]["schemas"])


def test_policy_content_schema(document):
    content = document["components"]["schemas"]["PolicyContent"]
    assert content["required"] == ["title"]
    assert content["additionalProperties"] is False
    assert content["properties"]["language"]["enum"] == ["fr", "ar"]
    assert content["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert content["properties"]["orientations"]["items"] == {"$ref": REF_PREFIX + "Orientation"}
    assert content["properties"]["effective_date"] == {"type": "string", "format": "date", "nullable": True}


def test_orientation_schema(document):
    orientation = document["components"]["schemas"]["Orientation"]
    assert orientation["required"] == ["code", "title"]
    assert orientation["properties"]["code"]["pattern"] == "^[A-Za-z0-9_.-]+$"


def test_version_schema_uses_data_names(document):
    version = document["components"]["schemas"]["PolicyVersion"]
    assert version["properties"]["version"] == {"type": "integer"}
    assert version["properties"]["published_at"] == {"type": "string", "format": "date-time", "nullable": True}
    assert "body" not in document["components"]["schemas"]["PolicySummary"]["properties"]


def test_transition_body_is_optional_other_bodies_required(document):
    paths = document["paths"]
    assert paths["/api/v1/policies/{id}/submit"]["post"]["requestBody"]["required"] is False
    assert paths["/api/v1/policies"]["post"]["requestBody"]["required"] is True
    assert paths["/api/v1/policies/{id}"]["patch"]["requestBody"]["required"] is True


@pytest.mark.parametrize("status", ["401", "403", "404", "409", "422"])
def test_error_responses_documented(document, status):
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": REF_PREFIX + "Error"}


# The PATCH body accepts any non-empty subset of fields: the document must not require title.
def test_patch_body_does_not_require_title(document):
    assert "title" not in document["components"]["schemas"]["PolicyChanges"].get("required", [])


# List lengths (orientations at most 50, commitments at most 100) reach the document as maxItems.
@pytest.mark.parametrize("name,max_items", [("orientations", 50), ("commitments", 100)])
def test_list_lengths_become_max_items(document, name, max_items):
    assert document["components"]["schemas"]["PolicyContent"]["properties"][name].get("maxItems") == max_items


@pytest.mark.parametrize("field,expected", [
    (fields.Integer(), {"type": "integer"}),
    (fields.Float(), {"type": "number"}),
    (fields.Boolean(), {"type": "boolean"}),
    (fields.Date(), {"type": "string", "format": "date"}),
    (fields.DateTime(), {"type": "string", "format": "date-time"}),
    (fields.UUID(), {"type": "string", "format": "uuid"}),
    (fields.Dict(), {"type": "object"}),
    (fields.String(allow_none=True), {"type": "string", "nullable": True}),
    (fields.String(validate=validate.OneOf(["a", "b"])), {"type": "string", "enum": ["a", "b"]}),
    (fields.String(validate=validate.Length(max=3)), {"type": "string", "maxLength": 3}),
    (fields.List(fields.Integer()), {"type": "array", "items": {"type": "integer"}}),
    (fields.Raw(), {}),
])
def test_field_schema(field, expected):
    assert field_schema(field) == expected


def test_module_has_the_components_it_references():
    names = set(COMPONENTS) | {"Error", "Me"} | set(openapi.COMPOSED)
    for _, _, _, body, (_, response), _ in openapi.OPERATIONS:
        assert response in names
        assert body is None or body in names


def test_ministry_views_offer_csv(document):
    for path in ("/api/v1/ministry/overview", "/api/v1/ministry/indicators/{code}"):
        operation = document["paths"][path]["get"]
        assert "text/csv" in operation["responses"]["200"]["content"]
        assert {"name": "format", "in": "query", "required": False,
                "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}} in operation["parameters"]


def test_a_code_path_parameter_is_a_plain_string(document):
    parameters = document["paths"]["/api/v1/ministry/indicators/{code}"]["get"]["parameters"]
    assert parameters[0] == {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}


def test_measurement_values_are_numbers(document):
    measurement = document["components"]["schemas"]["MeasurementInput"]
    assert measurement["required"] == ["period", "value"]
    assert measurement["properties"]["value"] == {"type": "number"}


def test_list_filters_are_declared(document):
    names = [p["name"] for p in document["paths"]["/api/v1/objectives"]["get"]["parameters"]]
    assert names == ["orientation", "state", "status", "limit", "offset"]


def test_indicator_detail_lists_its_recent_values(document):
    detail = document["components"]["schemas"]["IndicatorDetail"]
    assert detail["properties"]["recent"]["items"] == {"$ref": REF_PREFIX + "RecentValue"}
