"""Idempotency-Keys in the unit of work (shared/idempotency.py), on a service's real SQLite database."""

import pytest
from sqlalchemy import func, select

from jouda.services.policy import commands, domain
from jouda.shared import idempotency
from jouda.shared.idempotency import AlreadyAnswered, IdempotentRequest, KeyReused
from jouda.shared.unit_of_work import UnitOfWork

POLICY = {"title": "Politique qualité"}


def request(key="k-1", body=b'{"title": "Politique qualit\\u00e9"}'):
    return IdempotentRequest("fes-meknes:u-qm", key, idempotency.request_hash("POST", "/api/v1/policies", body))


def create(database, made, recorded):
    with UnitOfWork(
        database, "fes-meknes", actor="u-qm", role="quality_manager", idempotent=made, on_recorded=recorded.append
    ) as uow:
        answer = commands.create_policy(uow, POLICY)
    idempotency.save_answer(database, made, answer)  # what the RPC entrypoint does with the answer
    return answer


def versions(database):
    with database.transaction("fes-meknes") as session:
        return session.scalar(select(func.count()).select_from(domain.PolicyVersion))


def test_the_first_request_records_its_key_with_its_change(policy_database):
    recorded = []
    answer = create(policy_database, request(), recorded)
    assert recorded == [request()] and versions(policy_database) == 1
    with pytest.raises(AlreadyAnswered) as again:
        create(policy_database, request(), [])
    assert again.value.response == answer
    assert versions(policy_database) == 1


def test_the_same_key_for_another_request_is_refused(policy_database):
    create(policy_database, request(), [])
    with pytest.raises(KeyReused):
        create(policy_database, request(body=b'{"title": "Autre"}'), [])


def test_a_key_is_forgotten_with_its_change_when_the_change_fails(policy_database):
    with pytest.raises(domain.PolicyExists):  # the change is refused: no key is kept for it
        create(policy_database, request("k-1"), [])
        create(policy_database, request("k-2"), [])
    with policy_database.transaction(all_tenants=True) as session:
        keys = session.scalars(select(idempotency.IdempotencyKey.key)).all()
    assert keys == ["k-1"]


@pytest.mark.parametrize(
    "key,valid",
    [
        ("6f1c2d0e-5b8a-4c3e-9f7d-1a2b3c4d5e6f", True),
        ("a", True),
        ("x" * 255, True),
        ("", False),
        ("x" * 256, False),
        ("with space", False),
        ("clé", False),
        ("tab\there", False),
    ],
)
def test_what_a_key_may_be(key, valid):
    assert idempotency.valid_key(key) is valid
