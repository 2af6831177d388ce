"""The policy service's HTTP operations, served by the gateway (see shared/operations.py)."""

from jouda.services.policy import domain
from jouda.services.policy.schemas import (
    AcknowledgementSchema,
    AcknowledgementSummarySchema,
    HistorySchema,
    PolicyChangesSchema,
    PolicyContentSchema,
    PolicySummarySchema,
    PolicyVersionSchema,
    TransitionInputSchema,
)
from jouda.shared.operations import PAGE, Operation, Page, text
from jouda.shared.vocabulary import COUNCIL_ROLES, POLICY_STATUSES

COUNCIL = frozenset(COUNCIL_ROLES)
VERSION = "/api/v1/policies/{id}"


# The URL's word for each transition of the guard table (services/policy/domain.py).
TRANSITIONS = {"submit": "submit", "approve": "approve", "request-changes": "request_changes", "publish": "publish"}
WHO = "; ".join(f"{word}: {', '.join(sorted(domain.GUARDS[action].roles))}" for word, action in TRANSITIONS.items())


OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/policies",
        "Write a new quality policy (first version, as a draft)",
        domain.EDITORS,
        call="policy.create_policy",
        args=("body",),
        body=PolicyContentSchema,
        status=201,
        response=PolicyVersionSchema,
    ),
    Operation(
        "GET",
        "/api/v1/policies",
        "List policy versions (staff and process owners see published ones only)",
        COUNCIL,
        call="policy.list_versions",
        args=("status", "limit", "offset"),
        query=(text("status", POLICY_STATUSES), *PAGE),
        response=Page(PolicySummarySchema),
    ),
    Operation(
        "GET",
        VERSION,
        "One policy version",
        COUNCIL,
        call="policy.get_version",
        args=("id",),
        response=PolicyVersionSchema,
    ),
    Operation(
        "PATCH",
        VERSION,
        "Edit a draft",
        domain.EDITORS,
        call="policy.update_draft",
        args=("id", "body"),
        body=PolicyChangesSchema,
        response=PolicyVersionSchema,
    ),
    Operation(
        "GET",
        f"{VERSION}/history",
        "The version's audit trail",
        COUNCIL,
        call="policy.history",
        args=("id",),
        response=HistorySchema,
    ),
    # Every council role reaches the service, which looks the version up before it checks the role
    # against the guard table: another council's version is not found, whatever the role.
    Operation(
        "POST",
        f"{VERSION}/{{action}}",
        "Take a version through its life cycle: submit a draft for review, "
        "approve it, send it back to draft (request-changes, comment required), publish it (supersedes the "
        "previous one)",
        COUNCIL,
        call="policy.transition",
        args=("id", "action", "body"),
        path_choices={"action": TRANSITIONS},
        body=TransitionInputSchema,
        body_required=False,
        response=PolicyVersionSchema,
        name="transition_policy",
        roles_rule=f"By the guard table: {WHO}.",
    ),
    Operation(
        "POST",
        f"{VERSION}/revisions",
        "Start a new draft version from this one",
        domain.EDITORS,
        call="policy.create_revision",
        args=("id",),
        status=201,
        response=PolicyVersionSchema,
    ),
    Operation(
        "POST",
        f"{VERSION}/acknowledgements",
        "Acknowledge the published policy (adhésion)",
        COUNCIL,
        call="policy.acknowledge",
        args=("id",),
        status=201,
        response=AcknowledgementSchema,
    ),
    Operation(
        "GET",
        f"{VERSION}/acknowledgements/summary",
        "Acknowledgement count and rate",
        COUNCIL,
        call="policy.acknowledgement_summary",
        args=("id",),
        response=AcknowledgementSummarySchema,
    ),
)
