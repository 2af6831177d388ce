"""The gateway: Jouda's only HTTP edge. It authenticates, decides the tenant, and hands each request to
the service that owns it, by RPC, or answers from data of its own.

Its routes are made from the HTTP operations every service declares (their manifests'
`operations`, see shared/operations.py): one entrypoint per operation, one RPC proxy per service
called. It knows no service's schemas beyond what those declarations hand it."""

from nameko.rpc import RpcProxy

from jouda import platform
from jouda.services.gateway import current_policy, web
from jouda.services.gateway.api import Api, rpc_proxy_options, serve
from jouda.services.gateway.edge import http
from jouda.services.gateway.metrics import SessionGauges
from jouda.shared.consumer import checked, event_handler
from jouda.shared.manifest import load
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider
from jouda.shared.tenancy import TENANT_KEY

# What the gateway does after an operation answered, to keep a read model of its own in step.
FOLLOWS = {"transition_policy": (current_policy.follow_publish,)}


class GatewayService:
    name = "gateway"

    api = Api()
    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    gauges = SessionGauges()

    def rpc(self, service):
        """The RPC proxy of `service`."""
        return getattr(self, f"rpc_{service}")

    @event_handler("policy", "policy.published", consumer="gateway.on_policy_published")
    def on_policy_published(self, event):
        self._record_current_policy(event)

    @event_handler("policy", "policy.snapshot", consumer="gateway.on_policy_snapshot")
    def on_policy_snapshot(self, event):
        self._record_current_policy(event)

    def _record_current_policy(self, event):
        with self.uow.for_event(checked(event)) as uow:
            current_policy.record(uow.session, event[TENANT_KEY], current_policy.from_event(event["payload"]))
            uow.commit()


def operations():
    """Every service's HTTP operations, the gateway's own first."""
    return [operation for manifest in platform.manifests() for operation in manifest.http_operations()]


def dispatch(gateway, operation, request, path):
    """One operation answered: for a request from outside, and for a page calling it (services/gateway/web.py)."""
    answer = load(operation.answer) if operation.answer else None
    return serve(gateway, operation, request, path, answer=answer, follow=FOLLOWS.get(operation.operation_id, ()))


def _entrypoint(operation):
    def handle(self, request, **path):
        return dispatch(self, operation, request, path)

    handle.__name__ = handle.__qualname__ = operation.operation_id
    return http(operation.method, operation.rule)(handle)


def _page_entrypoint(page):
    def handle(self, request, **path):
        return web.serve_page(self, page, request, path)

    handle.__name__ = handle.__qualname__ = f"page_{page.name}"
    return http(",".join(page.methods), page.rule)(handle)


def _static(self, request, name):
    return web.static_file(name) or web.not_found_page(self, request)


def _build():
    for operation in operations():
        if hasattr(GatewayService, operation.operation_id):
            raise ValueError(f"two operations are named {operation.operation_id}")
        setattr(GatewayService, operation.operation_id, _entrypoint(operation))
    for page in web.pages():
        if hasattr(GatewayService, f"page_{page.name}"):
            raise ValueError(f"two pages are named {page.name}")
        setattr(GatewayService, f"page_{page.name}", _page_entrypoint(page))
    GatewayService.static = http("GET", "/static/<path:name>")(_static)
    for service in sorted({operation.service for operation in operations() if operation.service} | {"policy"}):
        setattr(GatewayService, f"rpc_{service}", RpcProxy(service, **rpc_proxy_options()))


_build()

__all__ = ["GatewayService", "operations"]
