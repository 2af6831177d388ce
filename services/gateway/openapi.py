"""The OpenAPI 3 document, generated from the marshmallow schemas the services validate with."""
from marshmallow import fields

from jouda.services.policy import schemas as policy

_TYPES = {fields.Integer: {"type": "integer"}, fields.Float: {"type": "number"},
          fields.Boolean: {"type": "boolean"}, fields.Date: {"type": "string", "format": "date"},
          fields.DateTime: {"type": "string", "format": "date-time"},
          fields.UUID: {"type": "string", "format": "uuid"}, fields.String: {"type": "string"},
          fields.Dict: {"type": "object"}}


def field_schema(field) -> dict:
    if isinstance(field, fields.Nested):
        return {"$ref": f"#/components/schemas/{type(field.schema).__name__.removesuffix('Schema')}"}
    if isinstance(field, fields.List):
        result = {"type": "array", "items": field_schema(field.inner)}
    else:
        result = next((dict(schema) for kind, schema in _TYPES.items() if isinstance(field, kind)), {})
    if field.allow_none:
        result["nullable"] = True
    for validator in field.validators:
        name = type(validator).__name__
        if name == "Length":
            key = "Items" if isinstance(field, fields.List) else "Length"
            if validator.min is not None:
                result[f"min{key}"] = validator.min
            if validator.max is not None:
                result[f"max{key}"] = validator.max
        elif name == "OneOf":
            result["enum"] = list(validator.choices)
        elif name == "Regexp":
            result["pattern"] = validator.regex.pattern
    return result


def object_schema(schema, *, partial=False) -> dict:
    """`partial`: a PATCH body, where every field is optional."""
    properties = {}
    required = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        properties[key] = field_schema(field)
        if field.required and not partial:
            required.append(key)
    result = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        result["required"] = required
    return result


ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message", "details"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "details": {"type": "object"}}}}}

ME = {"type": "object", "properties": {k: {"type": "string", "nullable": k in ("name", "tenant", "tenant_name")}
                                        for k in ("id", "email", "name", "role", "tenant", "tenant_name",
                                                  "language")}}

COMPONENTS = {
    "PolicyContent": policy.PolicyContentSchema(),
    "PolicyChanges": policy.PolicyChangesSchema(),
    "Orientation": policy.OrientationSchema(),
    "TransitionInput": policy.TransitionInputSchema(),
    "PolicyVersion": policy.PolicyVersionSchema(),
    "PolicySummary": policy.PolicySummarySchema(),
    "Transition": policy.TransitionSchema(),
    "Acknowledgement": policy.AcknowledgementSchema(),
    "AcknowledgementSummary": policy.AcknowledgementSummarySchema(),
}

PARTIAL = {"PolicyChanges"}

# (method, path, summary, request body component, (status, response component), roles note)
OPERATIONS = [
    ("get", "/api/v1/me", "Who the token belongs to", None, (200, "Me"), "any"),
    ("post", "/api/v1/policies", "Write a new quality policy (first version, as a draft)", "PolicyContent",
     (201, "PolicyVersion"), "quality_manager"),
    ("get", "/api/v1/policies", "List policy versions (?status=, ?limit=, ?offset=)", None,
     (200, "PolicyPage"), "council roles; staff and process owners see published versions only"),
    ("get", "/api/v1/policies/current", "The council's published policy", None, (200, "PolicyVersion"),
     "council roles"),
    ("get", "/api/v1/policies/{id}", "One policy version", None, (200, "PolicyVersion"), "council roles"),
    ("patch", "/api/v1/policies/{id}", "Edit a draft", "PolicyChanges", (200, "PolicyVersion"),
     "quality_manager"),
    ("get", "/api/v1/policies/{id}/history", "The version's audit trail", None, (200, "History"),
     "council roles"),
    ("post", "/api/v1/policies/{id}/submit", "Submit a draft for review", "TransitionInput",
     (200, "PolicyVersion"), "quality_manager"),
    ("post", "/api/v1/policies/{id}/approve", "Approve a version in review", "TransitionInput",
     (200, "PolicyVersion"), "director"),
    ("post", "/api/v1/policies/{id}/request-changes", "Send a version back to draft (comment required)",
     "TransitionInput", (200, "PolicyVersion"), "director"),
    ("post", "/api/v1/policies/{id}/publish", "Publish an approved version (supersedes the previous one)",
     "TransitionInput", (200, "PolicyVersion"), "quality_manager"),
    ("post", "/api/v1/policies/{id}/revisions", "Start a new draft version from this one", None,
     (201, "PolicyVersion"), "quality_manager"),
    ("post", "/api/v1/policies/{id}/acknowledgements", "Acknowledge the published policy (adhésion)", None,
     (201, "Acknowledgement"), "council roles"),
    ("get", "/api/v1/policies/{id}/acknowledgements/summary", "Acknowledgement count and rate", None,
     (200, "AcknowledgementSummary"), "council roles"),
]

ERROR_STATUSES = {"400": "Malformed JSON body", "401": "No, unknown or revoked token",
                  "403": "Role not allowed", "404": "Not found (or another council's)",
                  "405": "Method not allowed on this path",
                  "409": "Not allowed in the current state, or duplicate", "413": "Body over 1 MiB",
                  "422": "Invalid fields (details per field)", "504": "A service did not answer in time"}


def build_document(version) -> dict:
    schemas = {name: object_schema(schema, partial=name in PARTIAL) for name, schema in COMPONENTS.items()}
    schemas["Error"] = ERROR
    schemas["Me"] = ME
    schemas["PolicyPage"] = {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/PolicySummary"}},
        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}}
    schemas["History"] = {"type": "object", "properties": {
        "version_id": {"type": "string"}, "version": {"type": "integer"},
        "transitions": {"type": "array", "items": {"$ref": "#/components/schemas/Transition"}}}}
    paths = {}
    for method, path, summary, body, (status, response), roles in OPERATIONS:
        operation = {
            "summary": summary,
            "description": f"Roles: {roles}.",
            "responses": {str(status): {"description": "OK", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{response}"}}}}},
        }
        for code, text in ERROR_STATUSES.items():
            operation["responses"][code] = {"description": text, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
        if "{id}" in path:
            operation["parameters"] = [{"name": "id", "in": "path", "required": True,
                                        "schema": {"type": "string", "format": "uuid"}}]
        if body:
            operation["requestBody"] = {"required": method != "post" or body != "TransitionInput",
                                        "content": {"application/json": {
                                            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Jouda API", "version": version,
                 "description": "ISO 9001:2015 quality management for Morocco's regional councils. "
                                "Times are shown in Africa/Casablanca."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
