"""Read model of each council's published policy, fed by policy.published events (and by the
gateway's own successful publish calls, so the publisher reads its write at once).

GET /api/v1/policies/current is the hottest read of the platform: it is answered from here,
without an RPC hop to the policy service."""

import json
import logging
from datetime import datetime

from sqlalchemy import select
from werkzeug.wrappers import Response

from jouda.services.gateway.models import CurrentPolicy
from jouda.services.policy.schemas import PolicyVersionSchema  # the one representation of a version
from jouda.shared.clock import as_utc
from jouda.shared.db import upsert

from jouda.services.gateway.api import ApiError, call
from jouda.services.gateway.caches import MISSING
from jouda.shared.errors import ServiceError, database_outages

log = logging.getLogger(__name__)

DOCUMENT = PolicyVersionSchema(exclude=("created_by", "created_at", "updated_at"))


def _utc_iso(value) -> str:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value).isoformat()


def from_event(payload) -> dict:
    version = {
        **payload,
        "id": payload["version_id"],
        "number": payload["version"],
        "status": "published",
        "published_at": datetime.fromisoformat(payload["published_at"]),
    }
    for day in ("effective_date", "next_review_date"):
        if version.get(day):
            version[day] = datetime.fromisoformat(version[day]).date()
    return DOCUMENT.dump(version)


def from_version(document) -> dict:
    """A published version as the policy service answered it."""
    return {key: document[key] for key in DOCUMENT.fields if key in document}


def record(session, tenant_id, document):
    """Keep the most recently published version; older or repeated deliveries change nothing.

    One upsert, because the gateway that published and its event handler may write the same
    row at the same moment. Returns the stored JSON text when this document became the
    current one, else None."""
    table = CurrentPolicy.__table__
    text = json.dumps(document, ensure_ascii=False)
    statement = upsert(session, table).values(
        tenant_id=tenant_id, version_id=document["id"], published_at=_utc_iso(document["published_at"]), document=text
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.tenant_id],
        set_={
            "version_id": statement.excluded.version_id,
            "published_at": statement.excluded.published_at,
            "document": statement.excluded.document,
        },
        where=table.c.published_at < statement.excluded.published_at,
    )
    return text if session.execute(statement).rowcount else None


def current_document(session):
    """The tenant's current policy as stored JSON text (answered without re-encoding)."""
    return session.scalar(select(CurrentPolicy.document))


# --- answering GET /api/v1/policies/current -----------------------------------------------------------


def answer(gateway, request):
    tenant_id = gateway.api.principal.tenant_id
    document = gateway.api.current_policies.get(tenant_id)
    if document is MISSING:
        with gateway.api.database.transaction(tenant_id) as session:
            document = current_document(session)
        if document is None:
            document = _repair(gateway)
        gateway.api.current_policies.put(tenant_id, document)  # an absence is cached too
    if document is None:
        raise ApiError(404, "policy_not_found", "This council has not published a quality policy yet.")
    return Response(document, mimetype="application/json")


def _repair(gateway):
    """No row in the read model (nothing published yet, or its event never arrived, e.g. parked in
    a dead-letter queue): ask the policy service once and keep the answer."""
    try:
        version = call(gateway.rpc("policy").current)
    except ServiceError as error:
        if error.status == 404:
            return None
        raise
    _record(gateway, version)
    with gateway.api.database.transaction(gateway.api.principal.tenant_id) as session:
        return current_document(session)


def follow_publish(gateway, version):
    """After a successful transition through the gateway: the publisher reads its own write at once."""
    if version["status"] != "published":
        return
    try:
        _record(gateway, version)
    except database_outages():  # published all the same: the event fills the read model
        log.warning("the published policy is not in the gateway's read model yet", exc_info=True)


def _record(gateway, version):
    with gateway.uow() as uow:
        stored = record(uow.session, uow.tenant_id, from_version(version))
        uow.commit()
    if stored is not None:
        gateway.api.current_policies.put(uow.tenant_id, stored)
