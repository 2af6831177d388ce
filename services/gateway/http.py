"""The gateway's own HTTP operations: what it answers from data of its own (see shared/operations.py)."""

from marshmallow import fields

from jouda.services.policy.schemas import PolicyVersionSchema
from jouda.shared.operations import Operation
from jouda.shared.schema_fields import StrictSchema
from jouda.shared.vocabulary import COUNCIL_ROLES, ROLES


class MeSchema(StrictSchema):
    id = fields.String()
    email = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String()
    tenant = fields.String(allow_none=True)
    tenant_name = fields.String(allow_none=True)
    language = fields.String()


class IndexSchema(StrictSchema):
    name = fields.String()
    version = fields.String()
    api = fields.String()
    openapi = fields.String()
    health = fields.String()
    ready = fields.String()


OPERATIONS = (
    Operation(
        "GET",
        "/",
        "Where things are",
        frozenset(),
        public=True,
        name="index",
        answer="jouda.services.gateway.answers:index",
        response=IndexSchema,
    ),
    Operation(
        "GET",
        "/api/v1/openapi.json",
        "This document",
        frozenset(),
        public=True,
        name="openapi",
        answer="jouda.services.gateway.answers:openapi_document",
        response={"type": "object"},
    ),
    Operation(
        "GET",
        "/api/v1/me",
        "Who the token belongs to",
        frozenset(ROLES),
        name="me",
        answer="jouda.services.gateway.answers:me",
        response=MeSchema,
    ),
    # The platform's hottest read: answered from the gateway's read model, fed by policy.published.
    Operation(
        "GET",
        "/api/v1/policies/current",
        "The council's published policy",
        frozenset(COUNCIL_ROLES),
        name="current_policy",
        answer="jouda.services.gateway.current_policy:answer",
        response=PolicyVersionSchema,
    ),
)
