"""Service classes under Nameko's worker_factory, with a real (SQLite) database behind the
unit-of-work dependency instead of a mock: these tests need no broker.

`service_database(name)` migrates a service's database as its manifest says; `worker_context`
and `unit_of_work_factory` stand in for what a running container hands the unit-of-work
dependency: who calls, and which entrypoint (its consumer name, for an event handler)."""

from types import SimpleNamespace

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory

from jouda import platform
from jouda.shared.db import Database, migrate
from jouda.shared.nameko_ext import UnitOfWorkFactory
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY


def open_service_database(name, folder):
    """A service's SQLite database in `folder`, brought up to date by its own migrations."""
    url = f"sqlite:///{folder / f'{name}.db'}"
    migrate(name, url, platform.manifest(name).migrations)
    return Database(name, url)


def worker_context(service_name, method_name, data):
    """What UnitOfWorkFactory reads of a Nameko worker context: the entrypoint's consumer name is
    the one the service class declares for that method (None for an RPC)."""
    method = getattr(platform.service_class(service_name), method_name, None)
    consumer = next(
        (
            entrypoint.consumer.format(service=service_name)
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ())
            if getattr(entrypoint, "consumer", None)
        ),
        None,
    )
    return SimpleNamespace(
        service_name=service_name, data=data, entrypoint=SimpleNamespace(method_name=method_name, consumer=consumer)
    )


def unit_of_work_factory(service_name, database, default_user, default_role="quality_manager"):
    """make(method, tenant, user, role) -> the UnitOfWorkFactory an entrypoint of the service gets;
    `make.wakes` counts the commits that woke the outbox relay."""
    wakes = []

    def make(method="rpc", tenant=None, user=default_user, role=default_role):
        data = {TENANT_KEY: tenant, USER_KEY: user, ROLE_KEY: role}
        holder = SimpleNamespace(database=database, relay=SimpleNamespace(wake=lambda: wakes.append(1)))
        return UnitOfWorkFactory(holder, worker_context(service_name, method, data))

    make.wakes = wakes
    return make


@pytest.fixture
def policy_database(tmp_path):
    database = open_service_database("policy", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def uow_for(policy_database):
    return unit_of_work_factory("policy", policy_database, "u-1")


class Caller:
    """A service's RPC methods as one caller calls them: each call runs in a worker of its own,
    whose context names the method called (the service checks the roles its operations declare)."""

    def __init__(self, service_class, uow_for, tenant, user, role, **dependencies):
        self._make = lambda method: worker_factory(
            service_class, uow=uow_for(method=method, tenant=tenant, user=user, role=role), **dependencies
        )

    def __getattr__(self, method):
        return getattr(self._make(method), method)
