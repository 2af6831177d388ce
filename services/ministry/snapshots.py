"""The national indicator catalogue as it stands, for `jouda resync` (the objectives service keeps a
copy to check indicator mappings against)."""

from jouda.services.ministry.repository import MinistryRepository
from jouda.services.ministry.schemas import CatalogueEntryInputSchema


def snapshot(database, tenant=None):
    if tenant is not None:
        return  # the catalogue is the platform's, no council's
    fields = CatalogueEntryInputSchema().fields
    with database.transaction(all_tenants=True) as session:
        for entry in MinistryRepository(session).catalogue():
            yield "ministry.catalogue_snapshot", None, {name: getattr(entry, name) for name in fields}
