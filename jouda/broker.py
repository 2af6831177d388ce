"""The broker's side of a deployment: its topology, and one user per service with only what that
service needs.

Anyone holding broker credentials can publish an event or an RPC request for any council, so in
production each service connects as a user of its own (`jouda-<service>`), allowed to declare and
consume only its own queues, to publish only on its own event exchange and the default exchange
(retries), and, on the RPC exchange, to publish only answers; only the gateway may send RPC
requests. The permissions are derived from the service classes, so a new handler is covered.

    jouda broker declare              declare every queue, binding and exchange (an admin user's job)
    jouda broker users [--vhost V]    print the rabbitmqctl commands that create the service users
"""

import re
import shlex

from nameko.containers import ServiceContainer
from nameko.events import get_event_exchange
from nameko.rpc import Rpc, RpcProxy

from jouda.platform import SERVICES, service_class
from jouda.runner import event_handlers

RPC_EXCHANGE = "nameko-rpc"
REPLY_KEY = "^[0-9a-f-]{36}$"  # the routing key of an RPC answer: its caller's reply queue
PASSWORD_VARIABLE = "JOUDA_BROKER_PASSWORD_{}"


def user_of(service, prefix="jouda-"):
    return f"{prefix}{service}"


def _any_of(patterns):
    return "^(" + "|".join(dict.fromkeys(patterns)) + ")$"  # each once, in order


def permissions(service, settings):
    """RabbitMQ's configure, write and read patterns for `service`'s user, and its topic permissions
    on the RPC exchange (write, read)."""
    container = ServiceContainer(service_class(service), settings.nameko_config())
    handlers = list(event_handlers([container.service_cls], settings))
    answers = any(isinstance(entrypoint, Rpc) for entrypoint in container.entrypoints)
    calls = any(isinstance(dependency, RpcProxy) for dependency in container.dependencies)
    own_queues = sorted(re.escape(handler.queue.name) + r"(\.retry|\.dlq)?" for handler in handlers)
    # A dependency listening to a service's events on a queue of its own, named by the broker.
    broadcast = sorted({d.broadcast_source for d in container.dependencies if getattr(d, "broadcast_source", None)})
    if broadcast:
        own_queues.append(r"amq\.gen-[A-Za-z0-9_-]+")
    if answers:
        own_queues.append(re.escape(f"rpc-{service}"))
    if calls:
        own_queues.append(re.escape(f"rpc.reply-{service}-") + "[0-9a-f-]+")
    exchanges = [re.escape(RPC_EXCHANGE), re.escape(get_event_exchange(service, {}).name)]
    sources = sorted(
        {re.escape(get_event_exchange(source, {}).name) for source in [h.source_service for h in handlers] + broadcast}
    )
    rpc_write = ".*" if calls else REPLY_KEY  # only a caller may ask; a service may only answer
    rpc_read = _any_of(([re.escape(f"{service}.") + r"\*"] if answers else []) + ([REPLY_KEY[1:-1]] if calls else []))
    return {
        "configure": _any_of(exchanges + sources + own_queues),
        "write": _any_of(exchanges + [r"amq\.default"] + own_queues),
        "read": _any_of([re.escape(RPC_EXCHANGE)] + sources + own_queues),
        "topic": {RPC_EXCHANGE: (rpc_write, rpc_read)},
    }


def user_commands(settings, vhost="/", prefix="jouda-"):
    """The rabbitmqctl commands creating every service's user with its permissions. Passwords come
    from JOUDA_BROKER_PASSWORD_<SERVICE> in the shell that runs them."""
    lines = []
    for service in SERVICES:
        user, granted = user_of(service, prefix), permissions(service, settings)
        password = "${" + PASSWORD_VARIABLE.format(service.upper()) + ":?set it first}"
        # "--" ends the options: a password may begin with "-" (a random one does, 1 time in 64).
        lines.append(
            f'rabbitmqctl add_user -- {user} "{password}" || rabbitmqctl change_password -- {user} "{password}"'
        )
        lines.append(
            f"rabbitmqctl set_permissions -p {shlex.quote(vhost)} {user} "
            + " ".join(shlex.quote(granted[kind]) for kind in ("configure", "write", "read"))
        )
        for exchange, (write, read) in granted["topic"].items():
            lines.append(
                f"rabbitmqctl set_topic_permissions -p {shlex.quote(vhost)} {user} {exchange} "
                f"{shlex.quote(write)} {shlex.quote(read)}"
            )
    return lines


# Queues of consumers that no longer exist: the objectives service's read-model handlers (the
# national read model moved to the ministry service) and the notifications service's objective.*
# handlers (objectives announce deadlines instead). Left alone they would keep every event routed to
# them, unread, for ever.
RETIRED_CONSUMER_QUEUES = (
    "evt-gateway-gateway.tenant_created--objectives.on_tenant_created",
    "evt-policy-policy.acknowledged--objectives.on_policy_acknowledged",
    "evt-objectives-objective.created--objectives.on_objective_created",
    "evt-objectives-objective.updated--objectives.on_objective_updated",
    "evt-objectives-objective.status_changed--objectives.on_objective_status_changed",
    "evt-objectives-indicator.measurement_recorded--objectives.on_measurement_recorded",
    "evt-objectives-objective.created--notifications.on_objective_created",
    "evt-objectives-objective.updated--notifications.on_objective_updated",
)


def retire(settings, force=False):
    """Deletes the retired consumers' queues (with their retry and dead-letter queues) that exist;
    one still holding messages is kept unless `force`. Returns [(queue, outcome)]."""
    from amqp.exceptions import NotFound
    from kombu import Connection

    outcomes = []
    with Connection(settings.amqp_uri, connect_timeout=5) as connection:
        for name in (q + suffix for q in RETIRED_CONSUMER_QUEUES for suffix in ("", ".retry", ".dlq")):
            channel = connection.channel()
            try:
                waiting = channel.queue_declare(name, passive=True).message_count
            except NotFound:
                continue  # never declared here, or retired already (the channel is closed by the refusal)
            if waiting and not force:
                outcomes.append((name, f"kept: {waiting} message(s) in it (--force deletes it)"))
            else:
                channel.queue_delete(name)
                outcomes.append((name, "deleted" + (f" with {waiting} message(s)" if waiting else "")))
            channel.close()
    return outcomes
