"""Dead-letter queues, for operators: what is parked, and sending it back once the cause is fixed.

A replayed message goes back to its consumer's queue with its attempt count reset; handlers
are idempotent, so replaying an event that was in fact applied changes nothing."""

from kombu import Connection, Producer, Queue

from jouda.runner import all_service_classes, event_handlers
from jouda.shared.consumer import ATTEMPTS_HEADER, DEFAULT_EXCHANGE, dead_letter_queue_name
from jouda.shared.errors import NotFound


def consumer_queues(settings):
    return [entrypoint.queue.name for entrypoint in event_handlers(all_service_classes(), settings)]


def parked(settings):
    """(consumer queue, messages waiting in its dead-letter queue) for every known consumer."""
    with Connection(settings.amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        return [
            (name, channel.queue_declare(dead_letter_queue_name(name), passive=True).message_count)
            for name in consumer_queues(settings)
        ]


def replay(settings, queue_name, limit=None) -> int:
    """Move up to `limit` parked messages of `queue_name` back to it; returns how many moved.
    Each is acked in the dead-letter queue only after the broker confirmed its copy."""
    if queue_name not in consumer_queues(settings):
        raise NotFound(f"{queue_name} is not a Jouda consumer queue; `jouda dlq list` shows them.")
    with Connection(settings.amqp_uri, connect_timeout=5, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        dead = Queue(dead_letter_queue_name(queue_name), durable=True)(channel)
        waiting = channel.queue_declare(dead.name, passive=True).message_count
        producer = Producer(channel, exchange=DEFAULT_EXCHANGE)
        moved = 0
        while moved < min(waiting, limit if limit is not None else waiting):
            message = dead.get(no_ack=False)
            if message is None:
                break
            headers = {key: value for key, value in (message.headers or {}).items() if key != ATTEMPTS_HEADER}
            producer.publish(
                message.body,
                routing_key=queue_name,
                headers=headers,
                delivery_mode=2,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
            )
            message.ack()
            moved += 1
        return moved
