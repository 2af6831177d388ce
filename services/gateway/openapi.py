"""The OpenAPI 3 document, generated from the marshmallow schemas the services validate with."""
import re

from marshmallow import fields

from jouda.services.notifications import domain as notifications_domain, schemas as notifications
from jouda.services.objectives import domain as objectives_domain, schemas as objectives
from jouda.services.objectives.status import OBJECTIVE_STATUSES
from jouda.services.policy import domain as policy_domain, schemas as policy
from jouda.shared.schema_fields import MAX_PAGE

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
    "ObjectiveInput": objectives.ObjectiveInputSchema(),
    "ObjectiveChanges": objectives.ObjectiveChangesSchema(),
    "Objective": objectives.ObjectiveSchema(),
    "ObjectiveSummary": objectives.ObjectiveSummarySchema(),
    "IndicatorInput": objectives.IndicatorInputSchema(),
    "Indicator": objectives.IndicatorSchema(),
    "IndicatorDetail": objectives.IndicatorDetailSchema(),
    "RecentValue": objectives.RecentValueSchema(),
    "MeasurementInput": objectives.MeasurementInputSchema(),
    "Measurement": objectives.MeasurementSchema(),
    "Correction": objectives.CorrectionSchema(),
    "CatalogueEntryInput": objectives.CatalogueEntryInputSchema(),
    "CatalogueEntry": objectives.CatalogueEntrySchema(),
    "ReportingSettings": objectives.ReportingSettingsSchema(),
    "StatusCounts": objectives.StatusCountsSchema(),
    "OverviewRow": objectives.OverviewRowSchema(),
    "NationalIndicatorRow": objectives.NationalIndicatorRowSchema(),
    "Notification": notifications.NotificationSchema(),
    "Preferences": notifications.PreferencesSchema(),
    "WebhookInput": notifications.WebhookInputSchema(),
    "Webhook": notifications.WebhookSchema(),
    "WebhookWithSecret": notifications.WebhookSchema(with_secret=True),
    "Delivery": notifications.DeliverySchema(),
    "CouncilSettings": notifications.CouncilSettingsSchema(),
}

PARTIAL = {"PolicyChanges", "ObjectiveChanges", "Preferences"}

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
    ("post", "/api/v1/objectives", "Set a quality objective under an orientation of the published policy",
     "ObjectiveInput", (201, "Objective"), "quality_manager"),
    ("get", "/api/v1/objectives", "List objectives (?orientation=, ?state=, ?status=, ?limit=, ?offset=)", None,
     (200, "ObjectivePage"), "council roles"),
    ("get", "/api/v1/objectives/{id}", "One objective with its indicators", None, (200, "Objective"),
     "council roles"),
    ("patch", "/api/v1/objectives/{id}", "Change an objective; `state` achieves, abandons (with a reason) "
     "or reopens it", "ObjectiveChanges", (200, "Objective"), "quality_manager"),
    ("post", "/api/v1/objectives/{id}/indicators", "Add an indicator to an objective", "IndicatorInput",
     (201, "Indicator"), "quality_manager"),
    ("get", "/api/v1/indicators/{id}", "One indicator, its status, trend and last 12 values", None,
     (200, "IndicatorDetail"), "council roles"),
    ("post", "/api/v1/indicators/{id}/measurements", "Record a period's value (correction: true and a reason "
     "to replace one; the previous value is kept)", "MeasurementInput", (201, "Measurement"),
     "the indicator's owner, process_owner, quality_manager"),
    ("get", "/api/v1/indicators/{id}/measurements", "The indicator's measurements, newest period first, with "
     "their corrections", None, (200, "MeasurementPage"), "council roles"),
    ("get", "/api/v1/dashboard", "The council's objectives by status per orientation, reporting completeness "
     "and late measurements", None, (200, "Dashboard"), "council roles"),
    ("get", "/api/v1/reporting-settings", "The council's reporting settings", None, (200, "ReportingSettings"),
     "council roles"),
    ("put", "/api/v1/reporting-settings", "Change the grace delay before a measurement counts as late",
     "ReportingSettings", (200, "ReportingSettings"), "quality_manager"),
    ("get", "/api/v1/catalogue", "The national indicator catalogue (read only)", None, (200, "Catalogue"),
     "council roles"),
    ("get", "/api/v1/ministry/catalogue", "The national indicator catalogue", None, (200, "Catalogue"),
     "ministry"),
    ("post", "/api/v1/ministry/catalogue", "Add a national indicator", "CatalogueEntryInput",
     (201, "CatalogueEntry"), "ministry"),
    ("get", "/api/v1/ministry/overview", "One row per council: policy, acknowledgement rate, objectives by "
     "status, reporting completeness (?format=csv)", None, (200, "Overview"), "ministry"),
    ("get", "/api/v1/ministry/indicators/{code}", "Each council's latest value, target, status and trend on a "
     "national indicator (?format=csv)", None, (200, "NationalIndicator"), "ministry"),
    ("get", "/api/v1/notifications", "Your inbox, newest first (?unread=true)", None, (200, "NotificationPage"),
     "council roles"),
    ("get", "/api/v1/notifications/unread-count", "How many of your notifications are unread", None,
     (200, "UnreadCount"), "council roles"),
    ("post", "/api/v1/notifications/{id}/read", "Mark one of your notifications read", None, (200, "Notification"),
     "council roles"),
    ("post", "/api/v1/notifications/read-all", "Mark all your notifications read", None, (200, "Marked"),
     "council roles"),
    ("get", "/api/v1/notifications/deliveries", "The council's delivery log (?status=, ?channel=)", None,
     (200, "DeliveryPage"), "quality_manager"),
    ("get", "/api/v1/me/preferences", "Your channels per kind of notification, language and digest", None,
     (200, "Preferences"), "council roles"),
    ("put", "/api/v1/me/preferences", "Change your channels, language or daily digest", "Preferences",
     (200, "Preferences"), "council roles"),
    ("get", "/api/v1/notification-settings", "When overdue items are escalated", None, (200, "CouncilSettings"),
     "council roles"),
    ("put", "/api/v1/notification-settings", "Change the days before an overdue item is escalated to the quality "
     "managers (twice that to the director)", "CouncilSettings", (200, "CouncilSettings"), "quality_manager"),
    ("post", "/api/v1/webhooks", "Register a webhook (its signing secret is shown once, in this answer)",
     "WebhookInput", (201, "WebhookWithSecret"), "quality_manager"),
    ("get", "/api/v1/webhooks", "The council's webhooks", None, (200, "Webhooks"), "quality_manager"),
    ("delete", "/api/v1/webhooks/{id}", "Delete a webhook", None, (200, "Deleted"), "quality_manager"),
]

# Objects that are not a marshmallow schema of their own: pages and the views built of rows.
def _array_of(name):
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}


def _page_of(name):
    return {"type": "object", "properties": {"items": _array_of(name), "total": {"type": "integer"},
                                             "limit": {"type": "integer"}, "offset": {"type": "integer"}}}


COUNTS = {"$ref": "#/components/schemas/StatusCounts"}
COMPOSED = {
    "PolicyPage": _page_of("PolicySummary"),
    "ObjectivePage": _page_of("ObjectiveSummary"),
    "MeasurementPage": _page_of("Measurement"),
    "History": {"type": "object", "properties": {
        "version_id": {"type": "string"}, "version": {"type": "integer"},
        "transitions": _array_of("Transition")}},
    "Catalogue": {"type": "object", "properties": {"items": _array_of("CatalogueEntry")}},
    "NotificationPage": _page_of("Notification"),
    "DeliveryPage": _page_of("Delivery"),
    "Webhooks": {"type": "object", "properties": {"items": _array_of("Webhook")}},
    "UnreadCount": {"type": "object", "properties": {"unread": {"type": "integer"}}},
    "Marked": {"type": "object", "properties": {"marked": {"type": "integer"}}},
    "Deleted": {"type": "object", "properties": {"deleted": {"type": "string"}}},
    "Overview": {"type": "object", "properties": {"items": _array_of("OverviewRow")}},
    "NationalIndicator": {"type": "object", "properties": {
        "indicator": {"$ref": "#/components/schemas/CatalogueEntry"}, "items": _array_of("NationalIndicatorRow")}},
    "Dashboard": {"type": "object", "properties": {
        "orientations": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "title": {"type": "string", "nullable": True},
            "current": {"type": "boolean"}, "objectives": {"type": "integer"}, "objectives_by_status": COUNTS}}},
        "objectives_by_status": COUNTS,
        "reporting": {"type": "object", "properties": {
            "reported_periods": {"type": "integer"}, "due_periods": {"type": "integer"},
            "completeness": {"type": "number", "nullable": True}, "grace_days": {"type": "integer"},
            "as_of": {"type": "string", "format": "date"}}},
        "late_measurements": {"type": "array", "items": {"type": "object", "properties": {
            **{name: {"type": "string"} for name in ("indicator_id", "indicator", "objective_id", "objective",
                                                     "owner_id", "period")},
            "period_end": {"type": "string", "format": "date"}, "days_late": {"type": "integer"}}}}}},
}
CSV_VIEWS = {"/api/v1/ministry/overview", "/api/v1/ministry/indicators/{code}"}
_PAGE = [("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}),
         ("offset", {"type": "integer", "minimum": 0, "default": 0})]
QUERY_PARAMETERS = {  # (method, path): the query parameters it reads
    ("get", "/api/v1/policies"): [("status", {"type": "string", "enum": list(policy_domain.STATUSES)}), *_PAGE],
    ("get", "/api/v1/objectives"): [
        ("orientation", {"type": "string"}),
        ("state", {"type": "string", "enum": list(objectives_domain.STATES)}),
        ("status", {"type": "string", "enum": list(OBJECTIVE_STATUSES)}), *_PAGE],
    ("get", "/api/v1/indicators/{id}/measurements"): _PAGE,
    ("get", "/api/v1/notifications"): [("unread", {"type": "boolean", "default": False}), *_PAGE],
    ("get", "/api/v1/notifications/deliveries"): [
        ("status", {"type": "string", "enum": list(notifications_domain.DELIVERY_STATUSES)}),
        ("channel", {"type": "string", "enum": [notifications_domain.EMAIL, notifications_domain.WEBHOOK]}), *_PAGE],
}
PATH_PARAMETER = re.compile(r"\{(\w+)\}")

ERROR_STATUSES = {"400": "Malformed JSON body", "401": "No, unknown or revoked token",
                  "403": "Role not allowed", "404": "Not found (or another council's)",
                  "405": "Method not allowed on this path", "408": "The request did not arrive in time",
                  "409": "Not allowed in the current state, or duplicate", "413": "Body over 1 MiB",
                  "422": "Invalid fields (details per field)",
                  "429": "Too many failed authentications from this address (see Retry-After)",
                  "503": "The broker or a database is unavailable, or the gateway is overloaded; nothing was "
                         "changed (see Retry-After)",
                  "504": "A service did not answer in time"}


def build_document(version) -> dict:
    schemas = {name: object_schema(schema, partial=name in PARTIAL) for name, schema in COMPONENTS.items()}
    schemas["Error"] = ERROR
    schemas["Me"] = ME
    schemas.update(COMPOSED)
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
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string", "format": "uuid"} if name == "id" else {"type": "string"}}
                      for name in PATH_PARAMETER.findall(path)]
        parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                       for name, schema in QUERY_PARAMETERS.get((method, path), [])]
        if method == "post":
            parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                               "description": "Send the request again with the same key (a UUID, say) and the "
                                              "first answer is given again, the change made once.",
                               "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                          "pattern": "^[!-~]+$"}})
        if path in CSV_VIEWS:
            parameters.append({"name": "format", "in": "query", "required": False,
                               "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}})
            operation["responses"][str(status)]["content"]["text/csv"] = {"schema": {"type": "string"}}
        if parameters:
            operation["parameters"] = parameters
        if body:
            operation["requestBody"] = {"required": body != "TransitionInput",
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
