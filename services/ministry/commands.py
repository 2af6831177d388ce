"""Use cases of the ministry service. Each takes an open unit of work, applies the domain and commits."""

import json
from datetime import date

from jouda.services.ministry import domain, positions, projections, views
from jouda.services.ministry.repository import MinistryRepository
from jouda.services.ministry.schemas import CatalogueEntryInputSchema, CatalogueEntrySchema
from jouda.shared.clock import local_today, utc_now
from jouda.shared.schema_fields import load_or_raise


# --- the national catalogue ------------------------------------------------------------------------------


def catalogue(uow):
    return {"items": CatalogueEntrySchema(many=True).dump(MinistryRepository(uow.session).catalogue())}


def add_catalogue_entry(uow, data):
    data = load_or_raise(CatalogueEntryInputSchema(), data)
    repo = MinistryRepository(uow.session)
    if repo.catalogue_entry(data["code"]) is not None:
        raise domain.CatalogueCodeExists(
            f"{data['code']} is already in the national catalogue.", {"code": data["code"]}
        )
    entry = domain.CatalogueIndicator(**data, created_by=uow.actor, now=utc_now())
    repo.add(entry)
    uow.emit("ministry.catalogue_entry_added", data)
    uow.commit()
    return CatalogueEntrySchema().dump(entry)


# --- the views: every council, encoded once here (they are large) and passed through by the gateway -----


def overview(uow) -> str:
    return json.dumps({"items": views.overview(uow.session)}, ensure_ascii=False)


def national_indicator(uow, code) -> str:
    entry = MinistryRepository(uow.session).catalogue_entry(code)
    if entry is None:
        raise domain.IndicatorNotFound(f"{code!r} is not in the national indicator catalogue.", {"code": code})
    return json.dumps(
        {"indicator": CatalogueEntrySchema().dump(entry), "items": views.national_indicator(uow.session, code)},
        ensure_ascii=False,
    )


def audits(uow, year=None) -> str:
    year = domain.audit_year(year, local_today())
    return json.dumps({"items": views.audits(uow.session, year, utc_now())}, ensure_ascii=False)


def clauses(uow) -> str:
    return json.dumps({"items": views.clauses(uow.session)}, ensure_ascii=False)


# --- events received ---------------------------------------------------------------------------------------


def apply_events(uow, *, today: date | None = None):
    """The fresh events of a batch handler's unit of work, all of one council, in one transaction."""
    events = sorted(uow.fresh_events, key=lambda event: event["occurred_at"])
    tenant_id = events[0]["tenant_id"]
    positions.council(uow.session, tenant_id)  # the council's lock, taken first (see positions.council)
    for event in events:
        projections.APPLIERS[event["type"]](uow.session, event)
    if any(event["type"] in projections.REFRESHES for event in events):
        uow.session.flush()
        positions.refresh_completeness(uow.session, tenant_id, today or local_today())
    uow.commit()


# --- the timer: completeness as days pass, council by council ------------------------------------------------


def stale_councils(uow, today: date):
    return positions.stale_councils(uow.session, today)


def refresh_completeness(uow, tenant_id, today: date):
    positions.refresh_completeness(uow.session, tenant_id, today)
    uow.commit()
