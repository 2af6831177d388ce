"""Safe retries: a creating request sent again with the same `Idempotency-Key` gets the first answer.

The gateway hands the key and a hash of the request (method, path, body) to the service as
context data. The service's unit of work records the key in the same transaction as the change,
so a retry after a lost answer (a 504, a dropped connection) finds the change and answers what the
first request answered, never making it twice; the same key with another request is refused (422).
Keys are scoped to the person (and council) that sent them and kept 24 hours."""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from jouda.shared.clock import utc_now
from jouda.shared.errors import Conflict, ValidationFailed
from jouda.shared.outbox import IDEMPOTENCY_KEPT as KEPT, IdempotencyKey

KEY_CONTEXT, HASH_CONTEXT = "idempotency_key", "request_hash"  # worker context data, set by the gateway
RECORDED = "jouda_idempotent"  # worker context attribute: the request whose key this worker recorded
# Keys the gateway makes for POSTs sent without one: they only guard against the broker delivering
# a request twice, a redelivery nobody waits for, so their answers are not kept.
GENERATED_PREFIX = "jouda:"
ANSWER_WAIT_SECONDS = 3.0  # how long a twin waits for the first request's answer to be written
MAX_KEY_LENGTH = IdempotencyKey.key.type.length


class KeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class AnswerLost(Conflict):
    code = "idempotent_request_done"


IDEMPOTENCY_ERRORS = (KeyReused, AnswerLost)


class AlreadyAnswered(Exception):
    """The request was made before with this key: `response` is what it answered."""

    def __init__(self, response):
        super().__init__("answered before")
        self.response = response


@dataclass(frozen=True)
class IdempotentRequest:
    scope: str
    key: str
    request_hash: str

    @property
    def answer_kept(self):
        return not self.key.startswith(GENERATED_PREFIX)

    @classmethod
    def from_context(cls, data, tenant_id, actor):
        key, request_hash = data.get(KEY_CONTEXT), data.get(HASH_CONTEXT)
        if not key or not request_hash:
            return None
        return cls(f"{tenant_id or '-'}:{actor}", key, request_hash)


def request_hash(method, path, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def generated_key() -> str:
    return f"{GENERATED_PREFIX}{uuid.uuid4()}"


def valid_key(key) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(33 <= ord(char) <= 126 for char in key)


def _stored(session, request):
    return session.scalars(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.scope == request.scope,
            IdempotencyKey.key == request.key,
            IdempotencyKey.created_at > utc_now() - KEPT,
        )
        .execution_options(populate_existing=True)
    ).first()


def answer_of(row, request):
    """What to do with a request whose key is stored: refuse another request, or answer as before."""
    if row.request_hash != request.request_hash:
        raise KeyReused(
            "This Idempotency-Key was used for another request; use a new key for a new request.",
            {"Idempotency-Key": ["Already used for another request."]},
        )
    if row.response is None:
        raise AnswerLost("This request was already carried out; reload to see its result.")
    raise AlreadyAnswered(json.loads(row.response))


def _answer_when_written(read, request):
    """`read()` the stored key until its answer is written (the first request writes it just after
    its commit), then answer as answer_of; None when the key is not stored."""
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    while True:
        row = read()
        if row is None:
            return None
        if (
            row.response is not None
            or row.request_hash != request.request_hash
            or not request.answer_kept
            or time.monotonic() > deadline
        ):
            answer_of(row, request)
        time.sleep(0.05)


def check(session, request):
    """Called as the unit of work begins: raises AlreadyAnswered (or KeyReused) for a known key."""
    _answer_when_written(lambda: _stored(session, request), request)


def record(session, request):
    """Called in the unit of work's commit: the key is stored with the change, or not at all."""
    session.execute(
        IdempotencyKey.__table__.insert().values(
            scope=request.scope, key=request.key, request_hash=request.request_hash, created_at=utc_now()
        )
    )


def answer_of_twin(database, request):
    """A request with the same key committed first: its answer, once written (None if no twin)."""

    def read():
        with database.session(all_tenants=True) as session:
            return _stored(session, request)

    return _answer_when_written(read, request)


def save_answer(database, request, response):
    with database.engine.begin() as connection:
        connection.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.scope == request.scope, IdempotencyKey.key == request.key)
            .values(response=json.dumps(response, ensure_ascii=False))
        )
