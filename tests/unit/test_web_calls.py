"""A page calls several operations in one worker: what one call puts in the worker's context must not
ride along with the next."""

from types import SimpleNamespace

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from jouda.services.gateway.api import RequestContext
from jouda.shared import idempotency


def request(method, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    environ = EnvironBuilder(path="/api/v1/webhooks", method=method, headers=headers).get_environ()
    environ["jouda.body"] = b"{}"
    return Request(environ)


def test_a_read_after_a_post_in_the_same_worker_carries_no_idempotency_key():
    context = RequestContext.__new__(RequestContext)
    context.worker_ctx = SimpleNamespace(data={})
    context.take_idempotency_key(request("POST", "form-key-1"))
    assert context.worker_ctx.data[idempotency.KEY_CONTEXT] == "form-key-1"
    context.take_idempotency_key(request("GET"))
    assert idempotency.KEY_CONTEXT not in context.worker_ctx.data
    assert idempotency.HASH_CONTEXT not in context.worker_ctx.data
