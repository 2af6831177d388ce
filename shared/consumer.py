"""`@event_handler`: Nameko's event handler with the delivery guarantees Jouda needs.

- success, or a redelivery this handler already applied (DuplicateEvent): ack;
- failure: the message is copied to `<queue>.retry` with a per-message TTL (exponential
  backoff); when the TTL runs out RabbitMQ dead-letters it straight back to `<queue>`;
- after `event_max_attempts` attempts, or at once for a message that can never succeed (not a
  catalogue event), it goes to `<queue>.dlq` for an operator to inspect;
- the original is acked only once its copy is safely on the broker (publisher confirms); if the
  copy cannot be published the original is requeued after a pause, so nothing is lost and
  nothing spins in a hot loop.
"""

import logging
from functools import partial

import eventlet
from eventlet.semaphore import Semaphore
from kombu import Connection, Exchange, Producer, Queue
from marshmallow import ValidationError
from nameko.events import EventHandler as NamekoEventHandler

from jouda.shared import metrics
from jouda.shared.events.catalogue import UnknownEventType, validate_event
from jouda.shared.nameko_ext import settings_of
from jouda.shared.unit_of_work import DuplicateEvent

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-jouda-attempts"  # attempts made so far
ERROR_HEADER = "x-jouda-last-error"
MAX_RETRY_DELAY_SECONDS = 3600
NOT_RETRYABLE = (ValidationError, UnknownEventType)
DEFAULT_EXCHANGE = Exchange("", type="direct")


class _QuietDuplicates(logging.Filter):
    """A redelivery already applied is the idempotency check working, not an error: Nameko's
    container would log it as one (with a traceback); it is counted in
    jouda_events_duplicates_total and logged at debug level instead."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DuplicateEvent):
            log.debug("duplicate event skipped: %s", error)
            return False
        return True


logging.getLogger("nameko.containers").addFilter(_QuietDuplicates())


def retry_queue_name(queue_name):
    return f"{queue_name}.retry"


def dead_letter_queue_name(queue_name):
    return f"{queue_name}.dlq"


class EventHandler(NamekoEventHandler):
    """`consumer`: the handler's name, given once and for good ("policy.on_user_created"; a handler
    that several services share writes "{service}.on_user_created"): its queue is named after it
    and it keys the record of the events it applied, so renaming the method neither orphans the
    queue nor makes applied events look new."""

    def __init__(self, source_service, event_type, *, consumer, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.consumer = consumer

    def setup(self):
        super().setup()
        service = self.container.service_name
        self.consumer = self.consumer.format(service=service)
        if not self.consumer.startswith(f"{service}."):
            raise ValueError(f"consumer {self.consumer!r} of {service} must be named '{service}.<name>'")
        queue = self.queue  # as Nameko declares it, named after the consumer instead of the method
        self.queue = type(queue)(
            name=f"evt-{self.source_service}-{self.event_type}--{self.consumer}",
            exchange=queue.exchange,
            routing_key=queue.routing_key,
            durable=queue.durable,
            auto_delete=queue.auto_delete,
            exclusive=queue.exclusive,
        )
        settings = settings_of(self.container)
        self.amqp_uri = settings.amqp_uri
        self.max_attempts = settings.event_max_attempts
        self.retry_base = settings.event_retry_base_seconds
        self._producer = None
        self._connection = None
        self._republishing = Semaphore()  # workers share one connection; one confirm wait at a time

    def start(self):
        # Declared before consuming, so a failure always has somewhere to go.
        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            for queue in self.side_queues():
                queue(channel).declare()
        super().start()

    def stop(self):
        super().stop()
        if self._connection is not None:
            self._connection.release()
            self._connection = self._producer = None

    def side_queues(self):
        name = self.queue.name
        retry = Queue(
            retry_queue_name(name),
            exchange=DEFAULT_EXCHANGE,
            routing_key=retry_queue_name(name),
            durable=True,
            queue_arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": name},
        )
        dead = Queue(
            dead_letter_queue_name(name),
            exchange=DEFAULT_EXCHANGE,
            routing_key=dead_letter_queue_name(name),
            durable=True,
        )
        return retry, dead

    def handle_message(self, body, message):
        context_data = self.unpack_message_headers(message)
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(self, (body,), {}, context_data=context_data, handle_result=handle_result)
        except Exception:  # ContainerBeingKilled: leave it for the next consumer
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        event_type = self.event_type
        if exc_info is None:
            metrics.EVENTS_CONSUMED.labels(service, event_type).inc()
            self.queue_consumer.ack_message(message)
            return result, None
        if issubclass(exc_info[0], DuplicateEvent):
            metrics.EVENTS_DUPLICATES.labels(service, event_type).inc()
            self.queue_consumer.ack_message(message)
            return None, None
        metrics.EVENTS_FAILED.labels(service, event_type).inc()
        self._retry_or_dead_letter(message, exc_info[1])
        return result, exc_info

    def _retry_or_dead_letter(self, message, error):
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        final = attempts >= self.max_attempts or isinstance(error, NOT_RETRYABLE)
        target = dead_letter_queue_name(self.queue.name) if final else retry_queue_name(self.queue.name)
        headers = dict(message.headers or {})
        headers[ATTEMPTS_HEADER] = attempts
        headers[ERROR_HEADER] = f"{type(error).__name__}: {error}"[:500]
        options = {}
        if not final:
            options["expiration"] = min(MAX_RETRY_DELAY_SECONDS, self.retry_base * 4 ** (attempts - 1))
        try:
            self._republish(message, target, headers, options)
        except Exception as exc:  # noqa: BLE001 - broker trouble: keep the original, pause first
            log.warning("could not move a failed %s to %s (%s); requeueing it", self.event_type, target, exc)
            eventlet.sleep(1.0)
            self.queue_consumer.requeue_message(message)
            return
        if final:
            metrics.EVENTS_DEAD_LETTERED.labels(self.container.service_name, self.event_type).inc()
            log.error("event %s dead-lettered to %s after %d attempt(s): %s", self.event_type, target, attempts, error)
        self.queue_consumer.ack_message(message)

    def _republish(self, message, routing_key, headers, options):
        with self._republishing:
            self._republish_now(message, routing_key, headers, options)

    def _republish_now(self, message, routing_key, headers, options):
        if self._producer is None:
            self._connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True})
            self._producer = Producer(self._connection.channel(), exchange=DEFAULT_EXCHANGE)
        try:
            self._producer.publish(
                message.body,
                routing_key=routing_key,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=2,
                retry=False,
                **options,
            )
        except Exception:
            self._connection.release()
            self._connection = self._producer = None
            raise


event_handler = EventHandler.decorator


class BatchEventHandler(EventHandler):
    """Takes events in groups, for consumers whose throughput matters (read models, projections).

    Messages gather until `max_batch` are waiting (the container's `max_workers` sets how many
    RabbitMQ hands over at once) or `max_wait` seconds have passed; each tenant's share of the
    group then goes to one worker, called with the list, which applies it in one transaction
    (`self.uow.for_events(events)`). If that worker fails, its events are replayed one at a time,
    so only an event that fails on its own is retried or dead-lettered, never its batchmates.
    """

    def __init__(self, source_service, event_type, *, consumer, max_batch=100, max_wait=0.02, **kwargs):
        super().__init__(source_service, event_type, consumer=consumer, **kwargs)
        self.max_batch = max_batch
        self.max_wait = max_wait

    def setup(self):
        super().setup()
        self._waiting = []
        self._timer = None

    def handle_message(self, body, message):
        self._waiting.append((body, message))
        if len(self._waiting) >= self.max_batch:
            self._flush()
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self.max_wait, self._flush)

    def _flush(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting = self._waiting, []
        by_tenant = {}
        for body, message in batch:
            tenant = body.get("tenant_id") if isinstance(body, dict) else object()  # a poison body alone
            by_tenant.setdefault(tenant, []).append((body, message))
        for items in by_tenant.values():
            self._spawn(items)

    def _spawn(self, items):
        context_data = self.unpack_message_headers(items[0][1])
        try:
            self.container.spawn_worker(
                self,
                ([body for body, _ in items],),
                {},
                context_data=context_data,
                handle_result=partial(self._group_result, items),
            )
        except Exception:  # ContainerBeingKilled: leave them for the next consumer
            for _, message in items:
                self.queue_consumer.requeue_message(message)

    def _group_result(self, items, worker_ctx, result=None, exc_info=None):
        service, event_type = self.container.service_name, self.event_type
        if exc_info is None or issubclass(exc_info[0], DuplicateEvent):
            counter = metrics.EVENTS_CONSUMED if exc_info is None else metrics.EVENTS_DUPLICATES
            counter.labels(service, event_type).inc(len(items))
            for _, message in items:
                self.queue_consumer.ack_message(message)
            return result, None
        if len(items) > 1:
            log.warning("a batch of %d %s failed (%s); replaying them one by one", len(items), event_type, exc_info[1])
            for item in items:
                self._spawn([item])
            return None, None
        metrics.EVENTS_FAILED.labels(service, event_type).inc()
        self._retry_or_dead_letter(items[0][1], exc_info[1])
        return result, exc_info


event_batch_handler = BatchEventHandler.decorator


def checked(envelope) -> dict:
    """Validate a received envelope against the catalogue (raises ValidationError)."""
    validate_event(envelope)
    return envelope
