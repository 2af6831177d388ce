"""The councils, from the gateway's events."""

from jouda.services.ministry import positions


def apply_tenant(session, event):
    positions.council(session, event["payload"]["code"]).name = event["payload"]["name"]


APPLIERS = {
    "gateway.tenant_created": apply_tenant,
    "gateway.tenant_updated": apply_tenant,
    "gateway.tenant_snapshot": apply_tenant,
}
REFRESHES = frozenset()
