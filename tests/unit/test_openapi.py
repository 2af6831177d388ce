"""The OpenAPI document (services/gateway/openapi.py), made by apispec from the HTTP operations every
service declares (its manifest's `operations`, shared/operations.py), and the gateway's routes made
from the same declarations (services/gateway/service.py): what is documented is what is served.
Needs `openapi-spec-validator`."""

import inspect
import json
import re

import pytest
from marshmallow import Schema, fields, validate
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler
from openapi_spec_validator import OpenAPIV30SpecValidator, validate as validate_spec
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import jouda
from jouda import platform
from jouda.services.gateway import openapi
from jouda.services.gateway.openapi import build_document
from jouda.shared.exports import XLSX_MIMETYPE
from jouda.shared.operations import Listing, Operation, Page
from jouda.shared.schema_fields import LocalDateTime, StrictBoolean, StrictNumber

REF_PREFIX = "#/components/schemas/"
DECLARED = [operation for manifest in platform.manifests() for operation in manifest.http_operations()]
OPERATIONS = [shown for operation in DECLARED for shown in operation.documented()]  # as the document shows them
ROUTED = [pytest.param(operation, id=f"{operation.method} {operation.path}") for operation in OPERATIONS]


@pytest.fixture(scope="module")
def document():
    return build_document(DECLARED, version="x")


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


def component_name(schema):
    """The component apispec publishes a schema class (or instance) as: its name without "Schema"."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def declared_schemas(operation):
    """The marshmallow schemas an operation names: its body's, its answer's, a page's or listing's items'."""
    for declared in (operation.body, operation.response):
        if isinstance(declared, (Page, Listing)):
            declared = declared.item
        if isinstance(declared, Schema) or (isinstance(declared, type) and issubclass(declared, Schema)):
            yield declared


def test_is_a_valid_openapi_30_document(document):
    validate_spec(document, cls=OpenAPIV30SpecValidator)
    assert document["openapi"].startswith("3.0.")
    assert document["info"]["version"] == "x"


def test_the_validator_would_notice_a_broken_document():
    broken = build_document(OPERATIONS, version="x")
    del broken["paths"]["/api/v1/me"]["get"]["responses"]
    with pytest.raises(OpenAPIValidationError):
        validate_spec(broken, cls=OpenAPIV30SpecValidator)


def test_the_served_document_is_the_one_built_from_every_operation():
    # GET /api/v1/openapi.json answers document_text(): the platform's version, every service's operations.
    assert json.loads(openapi.document_text()) == json.loads(json.dumps(build_document(OPERATIONS)))
    assert json.loads(openapi.document_text())["info"]["version"] == jouda.__version__


@pytest.mark.parametrize("operation", ROUTED)
def test_every_operation_is_present(document, operation):
    entry = document["paths"][operation.path][operation.method.lower()]
    assert entry["responses"][str(operation.status)]
    assert ("parameters" in entry) == bool(
        operation.path_parameters
        or operation.query
        or operation.csv
        or (operation.method == "POST" and not operation.public)
    )
    if operation.method == "POST" and not operation.public:  # every POST may be retried safely with an Idempotency-Key
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in entry["parameters"])
    assert (entry.get("security") == []) is operation.public  # a token everywhere else (the document's default)


def test_no_extra_paths(document):
    assert set(document["paths"]) == {operation.path for operation in OPERATIONS}


def test_operation_ids_are_unique(document):
    ids = [entry["operationId"] for item in document["paths"].values() for entry in item.values()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS)


def test_every_ref_resolves(document):
    schemas = document["components"]["schemas"]
    found = list(refs(document))
    assert found  # the document does use references
    for ref in found:
        assert ref.startswith(REF_PREFIX), ref
        assert ref.removeprefix(REF_PREFIX) in schemas, ref


@pytest.mark.parametrize("operation", ROUTED)
def test_every_declared_schema_is_published_with_its_fields(document, operation):
    # The marshmallow schema the service validates with is what the document shows, field for field.
    for schema in declared_schemas(operation):
        component = document["components"]["schemas"][component_name(schema)]
        instance = schema() if isinstance(schema, type) else schema
        assert set(component["properties"]) == {field.data_key or name for name, field in instance.fields.items()}


@pytest.mark.parametrize("operation", [param for param in ROUTED if param.values[0].body is not None])
def test_a_body_refers_to_its_schema(document, operation):
    body = document["paths"][operation.path][operation.method.lower()]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + component_name(operation.body)}


def test_policy_content_schema(document):
    content = document["components"]["schemas"]["PolicyContent"]
    assert content["required"] == ["title"]
    assert content["additionalProperties"] is False
    assert content["properties"]["language"]["enum"] == ["fr", "ar"]
    assert content["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert content["properties"]["orientations"]["items"] == {"$ref": REF_PREFIX + "Orientation"}
    # apispec adds the field's default and the window DateWithin allows as a description.
    effective_date = content["properties"]["effective_date"]
    assert {key: effective_date[key] for key in ("type", "format", "nullable")} == {
        "type": "string",
        "format": "date",
        "nullable": True,
    }


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
                "$ref": REF_PREFIX + "Error"
            }


def test_the_error_envelope(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]


# The PATCH body accepts any non-empty subset of fields: the document must not require title.
def test_patch_body_does_not_require_title(document):
    assert "title" not in document["components"]["schemas"]["PolicyChanges"].get("required", [])


# List lengths (orientations at most 50, commitments at most 100) reach the document as maxItems.
@pytest.mark.parametrize("name,max_items", [("orientations", 50), ("commitments", 100)])
def test_list_lengths_become_max_items(document, name, max_items):
    assert document["components"]["schemas"]["PolicyContent"]["properties"][name].get("maxItems") == max_items


# How a field reaches the document: through apispec, from a schema an operation declares.
FIELDS = [
    (fields.Integer(), {"type": "integer"}),
    (fields.Float(), {"type": "number"}),
    (fields.Boolean(), {"type": "boolean"}),
    (fields.Date(), {"type": "string", "format": "date"}),
    (fields.DateTime(), {"type": "string", "format": "date-time"}),
    (fields.UUID(), {"type": "string", "format": "uuid"}),
    (fields.Dict(), {"type": "object", "additionalProperties": {}}),
    (fields.String(allow_none=True), {"type": "string", "nullable": True}),
    (fields.String(validate=validate.OneOf(["a", "b"])), {"type": "string", "enum": ["a", "b"]}),
    (fields.String(validate=validate.Length(max=3)), {"type": "string", "maxLength": 3}),
    (fields.String(validate=validate.Regexp("^[a-z]+$")), {"type": "string", "pattern": "^[a-z]+$"}),
    (fields.List(fields.Integer()), {"type": "array", "items": {"type": "integer"}}),
    (
        fields.List(fields.String(), validate=validate.Length(max=4)),
        {"type": "array", "maxItems": 4, "items": {"type": "string"}},
    ),
    (fields.Raw(), {}),
    # The project's own fields keep the JSON types they check.
    (StrictNumber(), {"type": "number"}),
    (StrictBoolean(), {"type": "boolean"}),
    (LocalDateTime(), {"type": "string", "format": "date-time"}),
]


@pytest.fixture(scope="module")
def field_properties():
    probe = type("FieldProbeSchema", (Schema,), {f"field_{index}": field for index, (field, _) in enumerate(FIELDS)})
    operation = Operation("POST", "/probe", "A probe", frozenset({"staff"}), body=probe, response=probe, name="probe")
    return build_document([operation], version="x")["components"]["schemas"]["FieldProbe"]["properties"]


@pytest.mark.parametrize(
    "index,expected",
    [(index, expected) for index, (_, expected) in enumerate(FIELDS)],
    ids=[f"{type(field).__name__}-{index}" for index, (field, _) in enumerate(FIELDS)],
)
def test_field_schema(field_properties, index, expected):
    assert field_properties[f"field_{index}"] == expected


def test_the_tables_offer_csv_and_xlsx(document):
    csv_paths = {operation.path for operation in OPERATIONS if operation.csv is not None}
    assert csv_paths == {
        "/api/v1/ministry/overview",
        "/api/v1/ministry/indicators/{code}",
        "/api/v1/ministry/audits",
        "/api/v1/ministry/clauses",
        "/api/v1/security-log",
        "/api/v1/nonconformities/register",
        "/api/v1/actions/plan",
    }
    for path in csv_paths:
        operation = document["paths"][path]["get"]
        assert {"text/csv", XLSX_MIMETYPE} <= set(operation["responses"]["200"]["content"])
        assert {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["json", "csv", "xlsx"], "default": "json"},
        } in operation["parameters"]


def test_a_code_path_parameter_is_a_plain_string(document):
    parameters = document["paths"]["/api/v1/ministry/indicators/{code}"]["get"]["parameters"]
    assert {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}} in parameters


def test_an_id_path_parameter_is_a_uuid(document):
    parameters = document["paths"]["/api/v1/objectives/{id}"]["get"]["parameters"]
    assert parameters == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    ]


def test_measurement_values_are_numbers(document):
    measurement = document["components"]["schemas"]["MeasurementInput"]
    assert measurement["required"] == ["period", "value"]
    assert measurement["properties"]["value"] == {"type": "number"}


def test_list_filters_are_declared(document):
    names = [p["name"] for p in document["paths"]["/api/v1/objectives"]["get"]["parameters"]]
    assert names == ["orientation", "state", "status", "limit", "offset"]


def test_a_page_lists_its_items_with_total_limit_and_offset(document):
    answer = document["paths"]["/api/v1/objectives"]["get"]["responses"]["200"]["content"]["application/json"]
    properties = answer["schema"]["properties"]
    assert properties["items"] == {"type": "array", "items": {"$ref": REF_PREFIX + "ObjectiveSummary"}}
    assert {name: properties[name] for name in ("total", "limit", "offset")} == {
        name: {"type": "integer"} for name in ("total", "limit", "offset")
    }


def test_indicator_detail_lists_its_recent_values(document):
    detail = document["components"]["schemas"]["IndicatorDetail"]
    assert detail["properties"]["recent"]["items"] == {"$ref": REF_PREFIX + "RecentValue"}


# --- what the gateway serves is what the document shows ---------------------------------------------------

RULE_PARAMETER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")  # <id>, <int:id>
CHOICES = re.compile(r"<any\(([^)]*)\):\w+>")  # <any('a', 'b'):action>: one path per word


def served_routes():
    """(METHOD, path) of every HTTP entrypoint of the gateway's service class, found the way Nameko's
    container finds entrypoints; werkzeug's <name> back to OpenAPI's {name}. /healthz and /readyz are
    answered by the edge itself (services/gateway/edge.py), not by entrypoints."""
    from jouda.services.gateway.service import GatewayService

    routes = []
    for name, method in inspect.getmembers(GatewayService, inspect.isfunction):
        if name.startswith("page_") or name == "static":  # the web app's pages, not the API
            continue
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, HttpRequestHandler):
                url = RULE_PARAMETER.sub(r"{\1}", entrypoint.url) if not CHOICES.search(entrypoint.url) else None
                urls = (
                    [url]
                    if url
                    else [
                        RULE_PARAMETER.sub(r"{\1}", CHOICES.sub(word.strip(" '"), entrypoint.url))
                        for word in CHOICES.search(entrypoint.url).group(1).split(",")
                    ]
                )
                routes += [(entrypoint.method.upper(), path) for path in urls]
    return routes


def documented_routes(document):
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def test_the_gateway_serves_what_the_document_shows_and_nothing_else(document):
    served, documented = served_routes(), documented_routes(document)
    assert len(served) == len(set(served)), "a route served twice"
    assert sorted(set(served) - set(documented)) == [], "served but not documented"
    assert sorted(set(documented) - set(served)) == [], "documented but not served"
    assert ("GET", "/api/v1/openapi.json") in served and ("GET", "/") in served  # declared operations too


def test_the_web_app_serves_its_declared_pages_and_static_files_beside_the_api():
    from jouda.services.gateway import web
    from jouda.services.gateway.service import GatewayService

    pages = {}
    for name, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if name.startswith("page_") or name == "static":
                pages[name] = entrypoint.url
    assert pages.pop("static") == "/static/<path:name>"
    assert pages == {f"page_{page.name}": page.rule for page in web.pages()}


def test_a_transition_is_one_route_documented_as_the_paths_a_client_calls(document):
    for word, operation_id in (
        ("submit", "submit_policy"),
        ("approve", "approve_policy"),
        ("request-changes", "request_changes_policy"),
        ("publish", "publish_policy"),
    ):
        entry = document["paths"][f"/api/v1/policies/{{id}}/{word}"]["post"]
        assert entry["operationId"] == operation_id
        assert "approve: director" in entry["description"] and "publish: quality_manager" in entry["description"]
