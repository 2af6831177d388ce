from types import SimpleNamespace

import pytest
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError

from jouda.services.gateway.api import PROMPT_RETRY, ApiError, call


class Unreachable:
    method_name = "create_policy"

    def __init__(self):
        self.publisher = SimpleNamespace()

    def call_async(self, *args, **kwargs):
        raise RecoverableConnectionError("connection refused")


class Refused(Unreachable):
    def call_async(self, *args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")


class GaveUp(Unreachable):
    """What kombu raises once its retries to connect are spent (it was answered as a 500)."""

    def call_async(self, *args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")


@pytest.mark.parametrize("method", [Unreachable(), Refused(), GaveUp()], ids=type)
def test_an_unreachable_broker_is_a_503_that_says_nothing_changed(method):
    with pytest.raises(ApiError) as caught:
        call(method, {"title": "x"})
    assert caught.value.status == 503 and caught.value.code == "broker_unavailable"
    assert "nothing was changed" in caught.value.message
    # Connecting gives up after one quick retry, not after the client library's long back-off.
    assert method.publisher.transport_options["max_retries"] == PROMPT_RETRY["max_retries"] == 1
