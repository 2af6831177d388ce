"""An upgrade's broker chores: the queues of consumers that no longer exist are deleted by
`jouda broker retire`, and one still holding messages is kept unless forced."""

import pytest
from amqp.exceptions import NotFound
from kombu import Connection

from jouda import broker

pytestmark = pytest.mark.integration


def exists(settings, name):
    with Connection(settings.amqp_uri) as connection:
        try:
            return connection.channel().queue_declare(name, passive=True).message_count
        except NotFound:
            return None


def test_retired_consumers_queues_are_deleted_unless_they_hold_messages(settings):
    empty, holding = broker.RETIRED_CONSUMER_QUEUES[:2]
    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for name in (empty, empty + ".retry", holding):
            channel.queue_declare(name, durable=True, auto_delete=False)
        channel.basic_publish(
            channel.prepare_message(b"{}", content_type="application/json", content_encoding="binary"),
            exchange="",
            routing_key=holding,
        )
    assert exists(settings, holding) == 1

    outcomes = dict(broker.retire(settings))
    assert outcomes[empty] == outcomes[empty + ".retry"] == "deleted"
    assert outcomes[holding].startswith("kept: 1 message(s)")
    assert exists(settings, empty) is None and exists(settings, holding) == 1

    assert dict(broker.retire(settings, force=True)) == {holding: "deleted with 1 message(s)"}
    assert exists(settings, holding) is None
