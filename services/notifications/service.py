"""The notifications service: thin Nameko entrypoints over its modules (inbox, people, routed, deadlines,
webhooks, dispatch, digests), a handler per event type a service routes or deadline it announces,
and the dispatcher that sends the delivery log."""

import logging
from datetime import timedelta

import eventlet
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from jouda import platform
from jouda.services.notifications import (
    channels,
    deadlines,
    digests,
    dispatch,
    inbox,
    people,
    routed,
    routing,
    webhooks,
)
from jouda.services.notifications.metrics import NOTIFICATIONS_CREATED, NotificationsGauges
from jouda.shared.clock import DISPLAY_ZONE, local_today, utc_now
from jouda.shared.consumer import checked, event_batch_handler, event_handler
from jouda.shared.events.contracts import DEADLINE_CLEARED, DEADLINE_SET
from jouda.shared.nameko_ext import (
    EntrypointMetrics,
    ServiceDatabase,
    UnitOfWorkProvider,
    for_each_council,
    settings_of,
)
from jouda.shared.rpc import rpc
from jouda.shared.unit_of_work import EVERY_COUNCIL, Scope, UnitOfWork

log = logging.getLogger(__name__)

TIMER_SECONDS = 3600
DIGEST_HOUR = 7  # digests leave from 07:00, Casablanca time
DISPATCH_IDLE_SECONDS = 1.0
SMTP_IDLE_SECONDS = 10.0  # an SMTP connection idle this long is closed


class Dispatcher(DependencyProvider):
    """Sends due deliveries in the background: woken when a change adds some, and at least every
    second for the retries that fall due. Replicas share the log through SKIP LOCKED."""

    service_database = ServiceDatabase()

    def setup(self):
        self.settings = settings_of(self.container)
        # Built at start-up, so a malformed JOUDA_SMTP_URL stops the service with a clear error.
        self.mailer = channels.Mailer(self.settings.smtp_url, self.settings.var_dir / "mail", self.settings.mail_from)
        self._wake = eventlet.event.Event()
        self._running = False
        self.unrecorded = []  # outcomes of attempts made that the database has yet to take

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="notifications-dispatcher")

    def stop(self):
        self._running = False  # the loop ends after its round and closes the SMTP connection itself
        self.wake()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self

    def wake(self):
        if not self._wake.ready():
            self._wake.send()

    def _run(self):
        try:
            self._loop()
        finally:
            self.mailer.close()  # on this thread: never while another is in the middle of an exchange

    def _loop(self):
        idle_since = None
        while self._running:
            try:
                attempted = self.dispatch_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                log.exception("the dispatcher failed; retrying shortly")
                attempted = 0
            if attempted:
                idle_since = None
                continue
            idle_since = idle_since or eventlet.hubs.get_hub().clock()
            if eventlet.hubs.get_hub().clock() - idle_since > SMTP_IDLE_SECONDS:
                self.mailer.close()
            if self._running:
                with eventlet.Timeout(DISPATCH_IDLE_SECONDS, False):
                    self._wake.wait()
                self._wake = eventlet.event.Event()

    def dispatch_once(self):
        database = self.service_database.database
        attempted, disabled = dispatch.dispatch(
            database,
            self.mailer,
            utc_now(),
            retry_base_seconds=self.settings.delivery_retry_base_seconds,
            allow_private=self.settings.webhook_allow_private,
            resolve=channels.resolve,
            unrecorded=self.unrecorded,
            lease=timedelta(seconds=self.settings.delivery_lease_seconds),
        )
        for tenant_id, webhook_id in disabled:
            with UnitOfWork(database, tenant_id) as uow:
                webhooks.notify_webhook_disabled(uow, webhook_id, self.settings.public_url)
        return attempted


class NotificationsService:
    name = "notifications"

    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = NotificationsGauges()
    dispatcher = Dispatcher()

    # --- the inbox and preferences -------------------------------------------------------------
    @rpc
    def inbox(self, unread_only=False, limit=50, offset=0):
        with self.uow() as uow:
            return inbox.inbox(uow, unread_only, limit, offset)

    @rpc
    def unread_count(self):
        with self.uow() as uow:
            return inbox.unread_count(uow)

    @rpc
    def mark_read(self, notification_id):
        with self.uow() as uow:
            return inbox.mark_read(uow, notification_id)

    @rpc
    def mark_all_read(self):
        with self.uow() as uow:
            return inbox.mark_all_read(uow)

    @rpc
    def preferences(self):
        with self.uow() as uow:
            return inbox.preferences(uow)

    @rpc
    def set_preferences(self, data):
        with self.uow() as uow:
            return inbox.set_preferences(uow, data)

    @rpc
    def council_settings(self):
        with self.uow() as uow:
            return inbox.council_settings(uow)

    @rpc
    def set_council_settings(self, data):
        with self.uow() as uow:
            return inbox.set_council_settings(uow, data)

    # --- webhooks and the delivery log ---------------------------------------------------------
    @rpc
    def add_webhook(self, data):
        with self.uow() as uow:
            return webhooks.add_webhook(
                uow, data, allow_private=self.dispatcher.settings.webhook_allow_private, resolve=channels.resolve
            )

    @rpc
    def list_webhooks(self):
        with self.uow() as uow:
            return webhooks.list_webhooks(uow)

    @rpc
    def delete_webhook(self, webhook_id):
        with self.uow() as uow:
            return webhooks.delete_webhook(uow, webhook_id)

    @rpc
    def list_deliveries(self, status=None, channel=None, limit=50, offset=0):
        with self.uow() as uow:
            return dispatch.list_deliveries(uow, status, channel, limit, offset)

    # --- who is who ------------------------------------------------------------------------------
    @event_handler("gateway", "gateway.user_created", consumer="notifications.on_user_created")
    def on_user_created(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_recipient(uow, event)

    @event_handler("gateway", "gateway.user_updated", consumer="notifications.on_user_updated")
    def on_user_updated(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_recipient(uow, event)

    @event_handler("gateway", "gateway.user_snapshot", consumer="notifications.on_user_snapshot")
    def on_user_snapshot(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_recipient(uow, event)

    @event_handler("gateway", "gateway.tenant_created", consumer="notifications.on_tenant_created")
    def on_tenant_created(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_council(uow, event)

    @event_handler("gateway", "gateway.tenant_updated", consumer="notifications.on_tenant_updated")
    def on_tenant_updated(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_council(uow, event)

    @event_handler("gateway", "gateway.tenant_snapshot", consumer="notifications.on_tenant_snapshot")
    def on_tenant_snapshot(self, event):
        with self.uow.for_event(checked(event)) as uow:
            people.record_council(uow, event)

    # --- what happened: the routed events and the deadlines (made from the declarations below) -----
    def _on_routed_events(self, events):
        """A batch of one routed type, one council's share: one transaction for all of it."""
        with self.uow.for_events([checked(event) for event in events]) as uow:
            created = routed.on_events(uow, uow.fresh_events, self.dispatcher.settings.public_url)
            uow.commit()
            NOTIFICATIONS_CREATED.labels(uow.tenant_id).inc(created)
        self.dispatcher.wake()

    def _on_deadline(self, event):
        with self.uow.for_event(checked(event)) as uow:
            if event["type"] == DEADLINE_SET:
                deadlines.on_deadline_set(uow, event)
            else:
                deadlines.on_deadline_cleared(uow, event)

    # --- timers ----------------------------------------------------------------------------------
    @timer(interval=TIMER_SECONDS, eager=True)
    def send_reminders(self):
        today = local_today()
        with self.uow(EVERY_COUNCIL) as uow:
            councils = deadlines.councils_with_open_items(uow, today)
        for tenant_id in councils:
            with for_each_council(tenant_id, "reminders"), self.uow(Scope.council(tenant_id)) as uow:
                deadlines.send_reminders(uow, today, self.dispatcher.settings.public_url)
        self.dispatcher.wake()

    @timer(interval=TIMER_SECONDS, eager=True)
    def send_digests(self):
        if utc_now().astimezone(DISPLAY_ZONE).hour < DIGEST_HOUR:
            return
        today = local_today()
        with self.uow(EVERY_COUNCIL) as uow:
            councils = digests.councils_awaiting_digest(uow)
        for tenant_id in councils:
            with for_each_council(tenant_id, "digests"), self.uow(Scope.council(tenant_id)) as uow:
                digests.send_digests(uow, today, self.dispatcher.settings.public_url)
        self.dispatcher.wake()


def _subscribe(name, source, event_type, method, batch=False):
    def handle(self, event):
        return getattr(self, method)(event)

    handle.__name__ = handle.__qualname__ = name
    decorator = event_batch_handler if batch else event_handler
    setattr(NotificationsService, name, decorator(source, event_type, consumer=f"notifications.{name}")(handle))


# A handler per routed event type (in batches: one transaction per council's share of a batch),
# and per service announcing deadlines: a route a service declares is a subscription here.
for _event_type in routing.routes():
    _subscribe(
        "on_" + _event_type.replace(".", "_"),
        platform.publisher_of(_event_type),
        _event_type,
        "_on_routed_events",
        batch=True,
    )
for _service in routing.deadline_publishers():
    for _event_type in (DEADLINE_SET, DEADLINE_CLEARED):
        _subscribe(f"on_{_service}_{_event_type.replace('.', '_')}", _service, _event_type, "_on_deadline")
