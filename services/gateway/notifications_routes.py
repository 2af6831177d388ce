"""HTTP routes of the notifications service (mixed into GatewayService)."""

from jouda.services.gateway.api import ApiError, call, endpoint
from jouda.services.gateway.edge import http

NOTIFICATION_ID = "/api/v1/notifications/<string:notification_id>"
QUALITY_MANAGER = ("quality_manager",)


def flag(request, name):
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ApiError(422, "validation_failed", "Some query parameters are invalid.", {name: ["true or false."]})
    return value in ("true", "1")


class NotificationsRoutes:
    """Needs `self.api` and `self.notifications` (an RpcProxy) from the service class."""

    @http("GET", "/api/v1/notifications")
    @endpoint()
    def inbox(self, request):
        limit, offset = self.api.page(request)
        return 200, call(self.notifications.inbox, flag(request, "unread"), limit, offset)

    @http("GET", "/api/v1/notifications/unread-count")
    @endpoint()
    def unread_count(self, request):
        return 200, call(self.notifications.unread_count)

    @http("POST", "/api/v1/notifications/read-all")
    @endpoint()
    def mark_all_read(self, request):
        self.api.body(request)
        return 200, call(self.notifications.mark_all_read)

    @http("POST", NOTIFICATION_ID + "/read")
    @endpoint()
    def mark_read(self, request, notification_id):
        self.api.body(request)
        return 200, call(self.notifications.mark_read, notification_id)

    @http("GET", "/api/v1/notifications/deliveries")
    @endpoint(roles=QUALITY_MANAGER)
    def deliveries(self, request):
        limit, offset = self.api.page(request)
        return 200, call(self.notifications.list_deliveries, request.args.get("status"),
                         request.args.get("channel"), limit, offset)

    @http("GET", "/api/v1/me/preferences")
    @endpoint()
    def preferences(self, request):
        return 200, call(self.notifications.preferences)

    @http("PUT", "/api/v1/me/preferences")
    @endpoint()
    def set_preferences(self, request):
        return 200, call(self.notifications.set_preferences, self.api.body(request))

    @http("GET", "/api/v1/notification-settings")
    @endpoint()
    def council_settings(self, request):
        return 200, call(self.notifications.council_settings)

    @http("PUT", "/api/v1/notification-settings")
    @endpoint()
    def set_council_settings(self, request):
        return 200, call(self.notifications.set_council_settings, self.api.body(request))

    @http("POST", "/api/v1/webhooks")
    @endpoint(roles=QUALITY_MANAGER)
    def add_webhook(self, request):
        return 201, call(self.notifications.add_webhook, self.api.body(request))

    @http("GET", "/api/v1/webhooks")
    @endpoint(roles=QUALITY_MANAGER)
    def list_webhooks(self, request):
        return 200, call(self.notifications.list_webhooks)

    @http("DELETE", "/api/v1/webhooks/<string:webhook_id>")
    @endpoint(roles=QUALITY_MANAGER)
    def delete_webhook(self, request, webhook_id):
        return 200, call(self.notifications.delete_webhook, webhook_id)
