"""Who must know what: one table from event type to recipients within the event's council.

Adding an event type (an audit's, say) is a row here and a template per language in
templates/<lang>/<event type>.txt; the service subscribes to every type of this table."""
from dataclasses import dataclass

QUALITY_MANAGER, DIRECTOR = "quality_manager", "director"
AT_RISK_OR_WORSE = ("at_risk", "off_track")


@dataclass(frozen=True)
class Route:
    roles: tuple = ()              # every active user of these roles in the council
    everyone: bool = False         # every active user of the council
    payload_users: tuple = ()      # payload fields holding a user id (an owner)
    mandatory: bool = False        # always reaches the inbox, whatever the preferences
    when: object = None            # payload -> bool: only some events of the type notify
    link: str = "/"                # where the notification points, formatted with the payload
    items: str | None = None       # a payload field listing items, each notified on its own


def items_of(route, payload):
    """The payloads a routed event is notified as: each item of its list, or the event's own
    payload (an event of a version without the list, still queued at an upgrade, is one item)."""
    if route.items is not None and route.items in payload:
        return payload[route.items]
    return [payload]


ROUTES = {
    "policy.submitted": Route(roles=(DIRECTOR,), link="/policies/{version_id}"),
    "policy.approved": Route(roles=(QUALITY_MANAGER,), link="/policies/{version_id}"),
    "policy.changes_requested": Route(roles=(QUALITY_MANAGER,), link="/policies/{version_id}"),
    "policy.published": Route(everyone=True, mandatory=True, link="/policies/{version_id}"),
    "policy.review_due": Route(roles=(QUALITY_MANAGER,), link="/policies/{version_id}"),
    "objective.status_changed": Route(roles=(QUALITY_MANAGER,), payload_users=("owner_id",),
                                      when=lambda payload: payload["new_status"] in AT_RISK_OR_WORSE,
                                      link="/objectives/{objective_id}"),
    "indicator.measurement_missing": Route(payload_users=("owner_id",), items="items",
                                           link="/indicators/{indicator_id}"),
}

# Notices the service writes itself (timers, webhook health): templates, not subscriptions.
REMINDER_DUE_SOON, REMINDER_OVERDUE, REMINDER_ESCALATED = "reminder.due_soon", "reminder.overdue", "reminder.escalated"
WEBHOOK_DISABLED, DIGEST = "webhook.disabled", "digest"
OWN_NOTICES = (REMINDER_DUE_SOON, REMINDER_OVERDUE, REMINDER_ESCALATED, WEBHOOK_DISABLED)
KINDS = (*ROUTES, *OWN_NOTICES)

# Which service publishes an event type (its exchange is `<service>.events`).
PUBLISHERS = {"policy": "policy", "objective": "objectives", "indicator": "objectives", "gateway": "gateway",
              "audit": "audits"}


def publisher_of(event_type):
    return PUBLISHERS[event_type.split(".", 1)[0]]


def recipients(route, payload, staff):
    """User ids the event goes to. `staff`: (user_id, role, active) of the council."""
    if route.when is not None and not route.when(payload):
        return []
    active = [(user_id, role) for user_id, role, is_active in staff if is_active]
    chosen = {user_id for user_id, role in active if route.everyone or role in route.roles}
    known = {user_id for user_id, _ in active}
    chosen |= {payload[name] for name in route.payload_users if payload.get(name) in known}
    return sorted(chosen)
