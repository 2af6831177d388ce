"""What the gateway answers itself (see its http.py)."""

from werkzeug.wrappers import Response

import jouda
from jouda.services.gateway import openapi, web
from jouda.services.gateway.models import Tenant


def index(gateway, request):
    if web.html_wanted(request):  # a browser: the web app
        return Response(status=303, headers={"Location": web.HOME})
    return 200, {
        "name": "Jouda",
        "version": jouda.__version__,
        "api": "/api/v1",
        "openapi": "/api/v1/openapi.json",
        "health": "/healthz",
        "ready": "/readyz",
    }


def openapi_document(gateway, request):
    return Response(openapi.document_text(), mimetype="application/json")


def me(gateway, request):
    principal = gateway.api.principal
    tenant_name = None
    if principal.tenant_id:
        with gateway.api.database.transaction(all_tenants=True) as session:
            tenant_name = session.get(Tenant, principal.tenant_id).name
    return 200, {
        "id": principal.user_id,
        "email": principal.email,
        "name": principal.name,
        "role": principal.role,
        "tenant": principal.tenant_id,
        "tenant_name": tenant_name,
        "language": principal.language,
    }
