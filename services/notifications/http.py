"""The notifications service's HTTP operations, served by the gateway (see shared/operations.py)."""
from jouda.services.notifications import domain
from jouda.services.notifications.schemas import (CouncilSettingsSchema, DeletedSchema, DeliverySchema, MarkedSchema,
                                                  NotificationSchema, PreferencesSchema, RegisteredWebhookSchema,
                                                  UnreadCountSchema, WebhookInputSchema, WebhookSchema)
from jouda.shared.operations import PAGE, Listing, Operation, Page, flag, text
from jouda.shared.vocabulary import COUNCIL_ROLES, QUALITY_MANAGER

COUNCIL, MANAGERS = frozenset(COUNCIL_ROLES), frozenset({QUALITY_MANAGER})

OPERATIONS = (
    Operation("GET", "/api/v1/notifications", "Your inbox, newest first", COUNCIL, call="notifications.inbox",
              args=("unread", "limit", "offset"), query=(flag("unread"), *PAGE), response=Page(NotificationSchema)),
    Operation("GET", "/api/v1/notifications/unread-count", "How many of your notifications are unread", COUNCIL,
              call="notifications.unread_count", response=UnreadCountSchema),
    Operation("POST", "/api/v1/notifications/{id}/read", "Mark one of your notifications read", COUNCIL,
              call="notifications.mark_read", args=("id",), response=NotificationSchema),
    Operation("POST", "/api/v1/notifications/read-all", "Mark all your notifications read", COUNCIL,
              call="notifications.mark_all_read", response=MarkedSchema),
    Operation("GET", "/api/v1/notifications/deliveries", "The council's delivery log", MANAGERS,
              call="notifications.list_deliveries", args=("status", "channel", "limit", "offset"),
              query=(text("status", domain.DELIVERY_STATUSES), text("channel", (domain.EMAIL, domain.WEBHOOK)), *PAGE),
              response=Page(DeliverySchema)),
    Operation("GET", "/api/v1/me/preferences", "Your channels per kind of notification, language and digest", COUNCIL,
              call="notifications.preferences", response=PreferencesSchema),
    Operation("PUT", "/api/v1/me/preferences", "Change your channels, language or daily digest", COUNCIL,
              call="notifications.set_preferences", args=("body",), body=PreferencesSchema, response=PreferencesSchema),
    Operation("GET", "/api/v1/notification-settings", "When overdue items are escalated", COUNCIL,
              call="notifications.council_settings", response=CouncilSettingsSchema),
    Operation("PUT", "/api/v1/notification-settings", "Change the days before an overdue item is escalated to the "
              "quality managers (twice that to the director)", MANAGERS, call="notifications.set_council_settings",
              args=("body",), body=CouncilSettingsSchema, response=CouncilSettingsSchema),
    Operation("POST", "/api/v1/webhooks", "Register a webhook (its signing secret is shown once, in this answer)",
              MANAGERS, call="notifications.add_webhook", args=("body",), body=WebhookInputSchema, status=201,
              response=RegisteredWebhookSchema),
    Operation("GET", "/api/v1/webhooks", "The council's webhooks", MANAGERS, call="notifications.list_webhooks",
              response=Listing(WebhookSchema)),
    Operation("DELETE", "/api/v1/webhooks/{id}", "Delete a webhook", MANAGERS, call="notifications.delete_webhook",
              args=("id",), response=DeletedSchema),
)
