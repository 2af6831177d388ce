"""The OpenAPI 3 document, made by apispec from the HTTP operations the services declare and the
marshmallow schemas those declarations name: what is documented is what is served."""

import json
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

import jouda
from jouda.shared.exports import XLSX_MIMETYPE
from jouda.shared.operations import Listing, Page

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}},
        }
    },
}

ERROR_STATUSES = {
    "400": "Malformed JSON body",
    "401": "No, unknown or revoked token",
    "403": "Role not allowed",
    "404": "Not found (or another council's)",
    "405": "Method not allowed on this path",
    "408": "The request did not arrive in time",
    "409": "Not allowed in the current state, or duplicate",
    "410": "The link (an invitation, a password reset) expired, was used, withdrawn or replaced",
    "413": "Body over 1 MiB",
    "422": "Invalid fields (details per field)",
    "429": "Too many failed authentications from this address (see Retry-After)",
    "503": "The broker or a database is unavailable, or the gateway is overloaded; nothing was "
    "changed (see Retry-After)",
    "504": "A service did not answer in time",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the request again with the same key (a UUID, say) and the first answer is "
    "given again, the change made once.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["json", "csv", "xlsx"], "default": "json"},
}


def response_schema(declared):
    """A declared response as the document's JSON schema (apispec resolves the schema classes)."""
    if isinstance(declared, Page):
        return {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": declared.item},
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        }
    if isinstance(declared, Listing):
        return {"type": "object", "properties": {"items": {"type": "array", "items": declared.item}, **declared.extra}}
    return declared if declared is not None else {"type": "object"}


def path_schema(operation, name):
    if name in operation.path_choices:
        return {"type": "string", "enum": list(operation.path_choices[name])}
    return {"type": "string", "format": "uuid"} if name == "id" else {"type": "string"}


def operation_entry(operation):
    roles = ", ".join(sorted(operation.roles)) or "anyone"
    entry = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": f"Roles: {roles}." + (f" {operation.roles_rule}" if operation.roles_rule else ""),
        "parameters": [],
        "responses": {},
    }
    if operation.media == "application/json":
        content = {"application/json": {"schema": response_schema(operation.response)}}
    else:  # a document, not data
        content = {operation.media: {"schema": {"type": "string"}}}
    if operation.csv is not None:
        content["text/csv"] = {"schema": {"type": "string"}}
        content[XLSX_MIMETYPE] = {"schema": {"type": "string", "format": "binary"}}
        entry["parameters"].append(FORMAT)
    entry["responses"][str(operation.status)] = {"description": "OK", "content": content}
    for status, text in ERROR_STATUSES.items():
        entry["responses"][status] = {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    entry["parameters"] += [
        {"name": name, "in": "path", "required": True, "schema": path_schema(operation, name)}
        for name in operation.path_parameters
    ]
    entry["parameters"] += [
        {"name": param.name, "in": "query", "required": False, "schema": param.schema} for param in operation.query
    ]
    if operation.method == "POST" and not operation.public:
        entry["parameters"].append(IDEMPOTENCY_KEY)
    if not entry["parameters"]:
        del entry["parameters"]
    if operation.body is not None:
        entry["requestBody"] = {
            "required": operation.body_required,
            "content": {"application/json": {"schema": operation.body}},
        }
    if operation.public:
        entry["security"] = []
    return entry


def build_document(operations, version=jouda.__version__) -> dict:
    spec = APISpec(
        title="Jouda API",
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "ISO 9001:2015 quality management for Morocco's regional councils. "
            "Times are shown in Africa/Casablanca."
        },
        servers=[{"url": "/"}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    paths = {}
    for operation in (shown for declared in operations for shown in declared.documented()):
        paths.setdefault(operation.path, {})[operation.method.lower()] = operation_entry(operation)
    for path, entries in paths.items():
        spec.path(path=path, operations=entries)
    return spec.to_dict()


@lru_cache(maxsize=1)
def document_text():
    from jouda.services.gateway.service import operations

    return json.dumps(build_document(operations()))
