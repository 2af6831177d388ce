"""`jouda resync [--tenant CODE] [--to SERVICE]`: each service that owns data publishes it as it stands,
as snapshot events, so that a consumer (a new read model, a service that joined late) catches up with
the present from events alone.

Every owning service's manifest names its snapshot function. The events go out on the owner's
exchange like any other (every subscriber receives them), or with --to straight into the queues of
that one service's handlers, so the others are not disturbed. Consumers apply a snapshot like the
event it stands for: idempotently, never over something newer. Resync runs while the services run
(they apply what it publishes); a change made during the resync may be shown as of the snapshot
until it changes again, so run it at a quiet moment."""

import json
import logging

from kombu import Exchange

from jouda import platform
from jouda.runner import event_handlers
from jouda.shared.db import Database
from jouda.shared.errors import ValidationFailed
from jouda.shared.events.catalogue import build_event
from jouda.shared.outbox import ConfirmedPublisher

log = logging.getLogger(__name__)

BATCH = 200  # events confirmed by the broker at once


def consumer_queues(service, settings) -> dict:
    """(source service, event type) -> the queue names of `service`'s handlers of it."""
    found = {}
    for handler in event_handlers([platform.service_class(service)], settings):
        found.setdefault((handler.source_service, handler.event_type), []).append(handler.queue.name)
    return found


def resync(settings, tenant=None, to=None, out=print) -> dict:
    """Publishes every owner's snapshot; returns {service: {event type: how many were published}}."""
    if to is not None and to not in platform.SERVICES:
        raise ValidationFailed(f"Unknown service {to!r}; known: {', '.join(platform.SERVICES)}.", {"to": [to]})
    queues = consumer_queues(to, settings) if to is not None else None
    published = {}
    for manifest in platform.manifests():
        if manifest.snapshots is None:
            continue
        database = Database(manifest.name, settings.database_url_for(manifest.name), pool_size=1)
        exchange = None if to is not None else Exchange(f"{manifest.name}.events", type="topic", durable=True)
        publisher = ConfirmedPublisher(settings.amqp_uri, exchange, on_return=lambda key: None)
        counts = published[manifest.name] = {}
        try:
            batch = []
            for event_type, tenant_id, payload in manifest.snapshot(database, tenant):
                envelope = build_event(event_type, tenant_id, "resync", payload)
                body = json.dumps(envelope)
                targets = [event_type] if queues is None else queues.get((manifest.name, event_type), [])
                batch += [(target, body, envelope) for target in targets]
                if targets:
                    counts[event_type] = counts.get(event_type, 0) + 1
                if len(batch) >= BATCH:
                    publisher.publish_batch(batch)
                    batch = []
            if batch:
                publisher.publish_batch(batch)
        finally:
            publisher.close()
            database.dispose()
        sent = ", ".join(f"{count} {event_type}" for event_type, count in counts.items())
        out(f"{manifest.name}: {sent or 'nothing' + (f' {to} reads' if to else '')}")
    return published
