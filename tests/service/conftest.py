"""Service classes under Nameko's worker_factory, with a real (SQLite) database behind the
unit-of-work dependency instead of a mock: these tests need no broker."""
from pathlib import Path
from types import SimpleNamespace

import pytest

import jouda.services.policy as policy_package
from jouda.shared.db import Database, migrate
from jouda.shared.nameko_ext import UnitOfWorkFactory
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY


@pytest.fixture
def policy_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'policy.db'}"
    migrate("policy", url, Path(policy_package.__file__).parent / "migrations")
    database = Database("policy", url)
    yield database
    database.dispose()


class FakeWorkerContext:
    """What UnitOfWorkFactory reads of a Nameko worker context."""

    def __init__(self, service_name, method_name, data):
        self.service_name = service_name
        self.entrypoint = SimpleNamespace(method_name=method_name)
        self.data = data


@pytest.fixture
def uow_for(policy_database):
    wakes = []

    def make(method="rpc", tenant=None, user="u-1", role="quality_manager"):
        data = {TENANT_KEY: tenant, USER_KEY: user, ROLE_KEY: role}
        holder = SimpleNamespace(database=policy_database, relay=SimpleNamespace(wake=lambda: wakes.append(1)))
        return UnitOfWorkFactory(holder, FakeWorkerContext("policy", method, data))
    make.wakes = wakes
    return make
