"""Each council's published policy and its acknowledgement rate, from the policy's events."""

from datetime import datetime

from jouda.services.ministry import positions
from jouda.shared.clock import not_older
from jouda.shared.events.envelope import occurred_at


def apply_published(session, event):
    payload, position = event["payload"], positions.council(session, event["tenant_id"])
    if position.policy_version is None or payload["version"] >= position.policy_version:
        if payload["version"] != position.policy_version:  # a new version starts unacknowledged
            position.acknowledgements, position.acknowledgement_rate = 0, 0.0
            position.acknowledged_at = None
        position.policy_version = payload["version"]
        position.policy_published_at = datetime.fromisoformat(payload["published_at"])


def apply_acknowledged(session, event):
    payload, position = event["payload"], positions.council(session, event["tenant_id"])
    at = occurred_at(event)
    if position.policy_version is not None and payload["version"] < position.policy_version:
        return  # an acknowledgement of a version since superseded
    if not_older(at, position.acknowledged_at):
        position.acknowledgements = payload["acknowledgements"]
        position.active_users = payload["active_users"]
        position.acknowledgement_rate = payload["acknowledgement_rate"]
        position.acknowledged_at = at
        position.policy_version = max(position.policy_version or 0, payload["version"])


def apply_snapshot(session, event):
    """The published version as it stands, with its acknowledgements so far."""
    apply_published(session, event)
    apply_acknowledged(session, event)


APPLIERS = {
    "policy.published": apply_published,
    "policy.acknowledged": apply_acknowledged,
    "policy.snapshot": apply_snapshot,
}
REFRESHES = frozenset()
