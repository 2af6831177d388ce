"""Every table holding a council's rows (a tenant_id column) is guarded by PostgreSQL row-level
security, enabled and forced (so the table's owner is held to it too), in every service's schema."""

import pytest
from sqlalchemy import text

from jouda import platform
from jouda.shared.db import make_engine

pytestmark = pytest.mark.integration

TENANT_TABLES = text("""
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = :schema AND c.relkind = 'r'
    ORDER BY c.relname""")
# Tables with a tenant_id that are the platform's, not a council's: the gateway's users (looked up
# before any tenant is known), the services' outbox and idempotency records (read by system jobs),
# and the ministry's national read model (every council's figures, no personal data, read across
# councils by design and served to the ministry only).
NOT_A_COUNCILS = {
    "users",
    "tokens",
    "outbox_events",
    "processed_events",
    "idempotency_keys",
    "councils@ministry",
    "objective_positions@ministry",
    "indicator_positions@ministry",
    "audit_positions@ministry",
    "nonconformity_positions@ministry",
}


@pytest.mark.parametrize("service", platform.SERVICES)
def test_every_tenant_owned_table_has_row_level_security_enabled_and_forced(database_url, service):
    engine = make_engine(database_url, None, runtime=False, pool_size=1)
    try:
        with engine.connect() as connection:
            rows = connection.execute(TENANT_TABLES, {"schema": service}).all()
    finally:
        engine.dispose()
    guarded = [row for row in rows if not {row.relname, f"{row.relname}@{service}"} & NOT_A_COUNCILS]
    assert guarded or service in ("gateway", "ministry"), f"{service} has no council's table: the query is wrong?"
    for row in guarded:
        assert (row.relrowsecurity, row.relforcerowsecurity) == (True, True), f"{service}.{row.relname}"
        assert row.policies >= 1, f"{service}.{row.relname} has no policy"
