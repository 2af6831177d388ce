import pytest
from amqp.exceptions import RecoverableConnectionError

from jouda.services.gateway.api import ApiError, call


class Unreachable:
    method_name = "create_policy"

    def call_async(self, *args, **kwargs):
        raise RecoverableConnectionError("connection refused")


class Refused(Unreachable):
    def call_async(self, *args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.mark.parametrize("method", [Unreachable(), Refused()])
def test_an_unreachable_broker_is_a_503_that_says_nothing_changed(method):
    with pytest.raises(ApiError) as caught:
        call(method, {"title": "x"})
    assert caught.value.status == 503 and caught.value.code == "broker_unavailable"
    assert "nothing was changed" in caught.value.message
