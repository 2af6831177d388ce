"""Test-wide setup. Nameko 2.14 expects eventlet's monkey patch before anything else runs."""

import jouda  # noqa: F401 - first: its warning filters apply to what follows
import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from jouda.shared.config import Settings  # noqa: E402
from tests.support import infrastructure  # noqa: E402

# The browser tests run in a process of their own (`make browser-test`): Playwright is not eventlet's.
collect_ignore = ["browser"]


@pytest.fixture(scope="session")
def database_url():
    """A fresh PostgreSQL database for the session, migrated for every service; dropped after."""
    url = infrastructure.create_database()
    try:
        infrastructure.migrate_all(url)
        yield url
    finally:
        infrastructure.drop_database(url)


@pytest.fixture(scope="session")
def amqp_uri():
    """A RabbitMQ vhost of this session only, so tests never meet a running `make run`."""
    uri, cleanup = infrastructure.create_vhost()
    try:
        yield uri
    finally:
        cleanup()


@pytest.fixture(scope="session")
def settings(database_url, amqp_uri, tmp_path_factory):
    return Settings(
        amqp_uri=amqp_uri,
        database_url=database_url,
        var_dir=tmp_path_factory.mktemp("var"),
        http_port=infrastructure.free_port(),
        metrics_port=infrastructure.free_port(),
        relay_idle_seconds=0.05,
        event_max_attempts=3,
        event_retry_base_seconds=0.05,
        # Every test client is 127.0.0.1: the throttle of failed authentications has
        # tests of its own, on a gateway of their own (tests/integration/test_edge.py).
        auth_failures_allowed=100_000,
        sign_in_address_failures_allowed=100_000,  # the address throttle is tested on a gateway of its own
    )


@pytest.fixture
def tenant_code():
    """Each test works in councils of its own, so tests never see each other's data."""
    return f"t-{uuid.uuid4().hex[:10]}"


def pytest_report_header(config):
    return [
        f"PostgreSQL: {infrastructure.ADMIN_DATABASE_URL}",
        f"RabbitMQ:   {os.environ.get('JOUDA_AMQP_URI', infrastructure.DEFAULT_AMQP)}",
    ]
