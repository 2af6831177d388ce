"""Routed events: what a service's events tell whom (the routes the services declare, see routing.py),
and their webhook deliveries."""

from jouda.services.notifications import domain, routing
from jouda.services.notifications.notifier import Notifier, staff_of
from jouda.shared.clock import utc_now
from jouda.shared.events.envelope import occurred_at


def on_events(uow, events, public_url):
    """Routed events of one type and one council (a batch handler's fresh events), in the caller's
    transaction: each event's notifications (one per item of a list event, whose e-mails are grouped
    per person) and its webhook deliveries. The council's people, their choices and its webhooks are
    read once for the whole batch. Returns how many notifications were created."""
    route = routing.route_of(events[0]["type"])
    notifier = Notifier(uow, public_url)
    if route.address is not None:  # an account's e-mail (its link is a secret): to that address only, no webhook
        for event in events:
            notifier.write_to(event["payload"][route.address], event["type"], event["payload"], occurred_at(event))
        return 0
    itemised = [(event, routing.items_of(route, event["payload"])) for event in events]
    named = [user_id for _, items in itemised for item in items for user_id in routing.named_users(route, item)]
    people = notifier.repo.people(None if route.everyone else route.roles, named)
    staff, choices = staff_of(people), notifier.repo.preferences(list(people))
    webhooks, now = notifier.repo.webhooks(active_only=True), utc_now()
    for event, items in itemised:
        occurred = occurred_at(event)
        notifier.grouped = len(items) > 1
        for index, item in enumerate(items):
            notifier.notify(
                routing.recipients(route, item, staff),
                event["type"],
                event["event_id"] if item is event["payload"] else f"{event['event_id']}:{index}",
                item,
                mandatory=route.mandatory,
                link=route.link.format_map(item),
                occurred_at=occurred,
                people=people,
                choices=choices,
            )
        notifier.queue_grouped()
        for webhook in webhooks:
            notifier.repo.add(
                domain.Delivery(uow.tenant_id, domain.WEBHOOK, webhook.id, {"envelope": event}, occurred, now)
            )
    return notifier.created
