"""Failed authentications per client address (services/gateway/throttle.py), on a clock the test moves."""

from jouda.services.gateway.throttle import FailureThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_an_address_may_fail_the_allowance_then_waits_out_the_window():
    clock = Clock()
    throttle = FailureThrottle(allowed=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
        clock.now += 1
    assert throttle.retry_after("10.0.0.1") == 57  # the first failure (3 s ago) leaves the window at 60 s
    assert throttle.retry_after("10.0.0.2") == 0  # another address is not concerned
    clock.now += 57
    assert throttle.retry_after("10.0.0.1") == 0


def test_the_window_slides():
    clock = Clock()
    throttle = FailureThrottle(allowed=2, window_seconds=10, clock=clock)
    throttle.failed("a")
    clock.now += 8
    throttle.failed("a")
    assert throttle.retry_after("a") == 2
    clock.now += 2
    assert throttle.retry_after("a") == 0
    throttle.failed("a")  # the oldest left the window; the last two remain
    assert throttle.retry_after("a") == 8


def test_memory_stays_bounded(monkeypatch):
    from jouda.services.gateway import throttle as module

    monkeypatch.setattr(module, "MAX_ADDRESSES", 5)
    throttle = FailureThrottle(allowed=1, window_seconds=60, clock=Clock())
    for n in range(20):
        throttle.failed(f"10.0.0.{n}")
    assert len(throttle._failures) == 5
    assert throttle.retry_after("10.0.0.19") > 0 and throttle.retry_after("10.0.0.0") == 0
