"""The gateway: Jouda's only HTTP edge. Authenticates, decides the tenant, and hands each
request to the owning service by RPC (or answers hot reads from its own read model)."""
import json
import logging

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

import jouda
from jouda.services.gateway import current_policy
from jouda.services.gateway.api import Api, ApiError, call, endpoint, rpc_proxy_options
from jouda.services.gateway.caches import MISSING
from jouda.services.gateway.edge import http, json_response
from jouda.services.gateway.models import Tenant
from jouda.services.gateway.notifications_routes import NotificationsRoutes
from jouda.services.gateway.objectives_routes import ObjectivesRoutes
from jouda.services.gateway.openapi import build_document
from jouda.shared.consumer import checked, event_handler
from jouda.shared.errors import ServiceError, database_outages
from jouda.shared.events.catalogue import ROLES
from jouda.shared.nameko_ext import EntrypointMetrics, UnitOfWorkProvider
from jouda.shared.tenancy import TENANT_KEY

log = logging.getLogger(__name__)

POLICY_ID = "/api/v1/policies/<string:version_id>"
TRANSITIONS = {"submit": "submit", "approve": "approve", "request-changes": "request_changes",
               "publish": "publish"}


class GatewayService(ObjectivesRoutes, NotificationsRoutes):
    name = "gateway"

    api = Api()
    uow = UnitOfWorkProvider()
    entrypoint_metrics = EntrypointMetrics()
    policy = RpcProxy("policy", **rpc_proxy_options())
    objectives = RpcProxy("objectives", **rpc_proxy_options())
    notifications = RpcProxy("notifications", **rpc_proxy_options())

    _openapi = json.dumps(build_document(jouda.__version__))

    # --- operations (/healthz and /readyz are answered by the edge, see edge.py) ---------------
    @http("GET", "/")
    def index(self, request):
        return json_response(200, {"name": "Jouda", "version": jouda.__version__, "api": "/api/v1",
                                   "openapi": "/api/v1/openapi.json", "health": "/healthz", "ready": "/readyz"})

    @http("GET", "/api/v1/openapi.json")
    def openapi(self, request):
        return Response(self._openapi, mimetype="application/json")

    # --- identity ----------------------------------------------------------------------------
    @http("GET", "/api/v1/me")
    @endpoint(roles=ROLES)
    def me(self, request):
        principal = self.api.principal
        tenant_name = None
        if principal.tenant_id:
            with self.api.database.transaction(all_tenants=True) as session:
                tenant_name = session.get(Tenant, principal.tenant_id).name
        return 200, {"id": principal.user_id, "email": principal.email, "name": principal.name,
                     "role": principal.role, "tenant": principal.tenant_id, "tenant_name": tenant_name,
                     "language": principal.language}

    # --- policies ----------------------------------------------------------------------------
    @http("POST", "/api/v1/policies")
    @endpoint()
    def create_policy(self, request):
        return 201, call(self.policy.create_policy, self.api.body(request))

    @http("GET", "/api/v1/policies")
    @endpoint()
    def list_policies(self, request):
        limit, offset = self.api.page(request)
        return 200, call(self.policy.list_versions, request.args.get("status"), limit, offset)

    @http("GET", "/api/v1/policies/current")
    @endpoint()
    def current_policy(self, request):
        tenant_id = self.api.principal.tenant_id
        document = self.api.current_policies.get(tenant_id)
        if document is MISSING:
            with self.api.database.transaction(tenant_id) as session:
                document = current_policy.current_document(session)
            if document is None:
                document = self._repair_current_policy()
            self.api.current_policies.put(tenant_id, document)  # an absence is cached too
        if document is None:
            raise ApiError(404, "policy_not_found", "This council has not published a quality policy yet.")
        return Response(document, mimetype="application/json")

    def _repair_current_policy(self):
        """No row in the read model (nothing published yet, or its event never arrived, e.g.
        parked in a dead-letter queue): ask the policy service once and keep the answer."""
        try:
            version = call(self.policy.current)
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        self._record_current(version)
        with self.api.database.transaction(self.api.principal.tenant_id) as session:
            return current_policy.current_document(session)

    def _record_current(self, version):
        with self.uow() as uow:
            stored = current_policy.record(uow.session, uow.tenant_id, current_policy.from_version(version))
            uow.commit()
        if stored is not None:
            self.api.current_policies.put(uow.tenant_id, stored)
        return stored

    @http("GET", POLICY_ID)
    @endpoint()
    def get_policy(self, request, version_id):
        return 200, call(self.policy.get_version, version_id)

    @http("PATCH", POLICY_ID)
    @endpoint()
    def update_policy(self, request, version_id):
        return 200, call(self.policy.update_draft, version_id, self.api.body(request))

    @http("GET", POLICY_ID + "/history")
    @endpoint()
    def policy_history(self, request, version_id):
        return 200, call(self.policy.history, version_id)

    @http("POST", POLICY_ID + "/<any(submit, approve, 'request-changes', publish):action>")
    @endpoint()
    def transition_policy(self, request, version_id, action):
        version = call(self.policy.transition, version_id, TRANSITIONS[action], self.api.body(request))
        if version["status"] == "published":  # the publisher reads its own write at once
            try:
                self._record_current(version)
            except database_outages():  # published all the same: the event fills the read model
                log.warning("the published policy is not in the gateway's read model yet", exc_info=True)
        return 200, version

    @http("POST", POLICY_ID + "/revisions")
    @endpoint()
    def create_revision(self, request, version_id):
        self.api.body(request)  # no fields, but a malformed or oversized body is still refused
        return 201, call(self.policy.create_revision, version_id)

    @http("POST", POLICY_ID + "/acknowledgements")
    @endpoint()
    def acknowledge_policy(self, request, version_id):
        self.api.body(request)
        return 201, call(self.policy.acknowledge, version_id)

    @http("GET", POLICY_ID + "/acknowledgements/summary")
    @endpoint()
    def acknowledgement_summary(self, request, version_id):
        return 200, call(self.policy.acknowledgement_summary, version_id)

    # --- read model --------------------------------------------------------------------------
    @event_handler("policy", "policy.published")
    def on_policy_published(self, event):
        with self.uow.for_event(checked(event)) as uow:
            current_policy.record(uow.session, event[TENANT_KEY], current_policy.from_event(event["payload"]))
            uow.commit()


__all__ = ["GatewayService"]
