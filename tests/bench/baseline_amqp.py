"""Raw kombu publish/consume baseline against the local RabbitMQ.

Gives the ceiling that any nameko/AMQP based path in the project can be
compared with: how fast plain kombu can push persistent messages through a
queue on this machine, with no framework on top.

Self-check::

    python -m tests.bench.baseline_amqp              # n=20000, confirms on
    python -m tests.bench.baseline_amqp --n 5000 --no-confirms
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid

from kombu import Connection, Consumer, Exchange, Producer, Queue

__all__ = ["raw_publish_consume", "DEFAULT_AMQP_URI", "make_body"]

DEFAULT_AMQP_URI = os.environ.get("JOUDA_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")

PREFETCH = 100


def make_body(size=300):
    """A JSON event envelope of roughly ``size`` bytes, like those the relay publishes."""
    doc = {
        "event_id": str(uuid.UUID(int=0)),
        "type": "policy.submitted",
        "version": 1,
        "tenant_id": "fes-meknes",
        "occurred_at": "2026-01-01T12:00:00+00:00",
        "actor": "00000000-0000-0000-0000-000000000001",
        "payload": {
            "policy_id": str(uuid.UUID(int=1)),
            "version": 2,
            "title": "",
            "from_status": "draft",
            "to_status": "in_review",
        },
    }
    raw = json.dumps(doc, separators=(",", ":"))
    doc["payload"]["title"] = "x" * max(0, size - len(raw))
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def raw_publish_consume(amqp_uri, n, *, confirms=True, durable=False, body_size=300, timeout=None):
    """Publish ``n`` messages with kombu, then consume them all; time both.

    The two phases run **one after the other, not concurrently**: all ``n``
    messages are published first (queue depth grows to ``n``), then all
    ``n`` are consumed.  So ``messages_per_second`` = n / (publish + consume
    time) is a serial round-trip figure, lower than the rate a concurrent
    producer/consumer pair would sustain; the per-phase rates are
    ``n / publish_seconds`` and ``n / consume_seconds``.

    Details:

    * a fresh connection-exclusive queue with a unique name is declared and
      bound to the default exchange (routing key = queue name); durable when
      ``durable=True`` (like every Jouda event queue: RabbitMQ then writes
      persistent messages to disk before confirming them); it is deleted at
      the end, even on failure;
    * messages are persistent (``delivery_mode=2``), ~``body_size`` bytes of
      pre-serialised JSON, published through a ``kombu.Producer``; with
      ``confirms=True`` the connection uses
      ``transport_options={'confirm_publish': True}`` so every publish waits
      for the broker's confirm;
    * consumption uses a ``kombu.Consumer`` with manual ack, prefetch
      ``PREFETCH`` (100), and a ``drain_events(timeout=...)`` loop bounded by
      a deadline (``timeout`` seconds, default 60 s + 1 ms per message);
      raw messages are acked without decoding the body.

    Returns ``{'n', 'publish_seconds', 'consume_seconds', 'total_seconds',
    'messages_per_second'}`` (plus ``'confirms'``).
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if timeout is None:
        timeout = 60.0 + n / 1000.0
    body = make_body(body_size)
    qname = f"bench.raw.{uuid.uuid4().hex}"
    default_exchange = Exchange("", type="direct")
    queue = Queue(
        qname, exchange=default_exchange, routing_key=qname, durable=durable, exclusive=True, auto_delete=False
    )
    transport_options = {"confirm_publish": True} if confirms else {}

    with Connection(amqp_uri, transport_options=transport_options, connect_timeout=10, heartbeat=0) as conn:
        conn.ensure_connection(max_retries=3)
        pub_channel = conn.channel()
        con_channel = conn.channel()
        bound = queue(con_channel)
        bound.declare()
        try:
            producer = Producer(pub_channel, exchange=default_exchange, routing_key=qname, auto_declare=False)
            publish = producer.publish

            t0 = time.perf_counter()
            for _ in range(n):
                publish(
                    body, routing_key=qname, delivery_mode=2, content_type="application/json", content_encoding="utf-8"
                )
            t1 = time.perf_counter()

            received = 0

            def on_message(message):
                nonlocal received
                message.ack()
                received += 1

            deadline = time.monotonic() + timeout
            t2 = time.perf_counter()
            with Consumer(
                con_channel,
                queues=[bound],
                no_ack=False,
                on_message=on_message,
                auto_declare=False,
                prefetch_count=PREFETCH,
            ):
                while received < n:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"consumed only {received}/{n} messages within {timeout:.0f}s")
                    try:
                        conn.drain_events(timeout=min(1.0, left))
                    except TimeoutError:
                        continue
            t3 = time.perf_counter()
        finally:
            try:
                bound.delete()
            except Exception:  # connection may be gone; queue is exclusive
                pass
            for ch in (pub_channel, con_channel):
                try:
                    ch.close()
                except Exception:
                    pass

    publish_s = t1 - t0
    consume_s = t3 - t2
    total_s = publish_s + consume_s
    return {
        "n": n,
        "confirms": confirms,
        "durable": durable,
        "publish_seconds": publish_s,
        "consume_seconds": consume_s,
        "total_seconds": total_s,
        "messages_per_second": n / total_s,
    }


def _main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uri", default=DEFAULT_AMQP_URI)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--no-confirms", action="store_true")
    args = ap.parse_args(argv)
    res = raw_publish_consume(args.uri, args.n, confirms=not args.no_confirms)
    print(res)
    print(
        f"publish {res['n'] / res['publish_seconds']:,.0f} msg/s, "
        f"consume+ack {res['n'] / res['consume_seconds']:,.0f} msg/s, "
        f"serial round trip {res['messages_per_second']:,.0f} msg/s"
    )


if __name__ == "__main__":
    _main()
