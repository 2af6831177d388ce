"""Routed events: what a service's event tells whom (the routes the services declare, see routing.py),
and its webhook deliveries."""

from jouda.services.notifications import domain, routing
from jouda.services.notifications.notifier import Notifier, staff_of
from jouda.shared.clock import utc_now
from jouda.shared.events.envelope import occurred_at


def on_event(uow, event, public_url):
    """A routed event: its notifications (one per item of a list event, their e-mails grouped per
    person) and its webhook deliveries, in the caller's transaction. Returns how many notifications."""
    event_type, payload = event["type"], event["payload"]
    route = routing.route_of(event_type)
    occurred = occurred_at(event)
    items = routing.items_of(route, payload)
    notifier = Notifier(uow, public_url, grouped=len(items) > 1)
    named = [item[name] for item in items for name in route.payload_users if isinstance(item.get(name), str)]
    people = notifier.repo.people(None if route.everyone else route.roles, named)
    for index, item in enumerate(items):
        source_id = event["event_id"] if item is payload else f"{event['event_id']}:{index}"
        user_ids = routing.recipients(route, item, staff_of(people))
        notifier.notify(
            user_ids,
            event_type,
            source_id,
            item,
            mandatory=route.mandatory,
            link=route.link.format_map(item),
            occurred_at=occurred,
            people=people,
        )
    now = utc_now()
    for webhook in notifier.repo.webhooks(active_only=True):
        notifier.repo.add(
            domain.Delivery(uow.tenant_id, domain.WEBHOOK, webhook.id, {"envelope": event}, occurred, now)
        )
    return notifier.queue_grouped()
