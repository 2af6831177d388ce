"""Failed authentications counted per client address: past a few in a window, the address waits.

A guesser of tokens (or, later, of passwords) gets 429 with Retry-After instead of an answer, and
costs no database work while it waits. Counted in this process's memory: each gateway replica
keeps its own count, which bounds a guesser to the allowance times the number of replicas."""

import time
from collections import OrderedDict, deque

MAX_ADDRESSES = 100_000  # memory stays bounded whatever the number of addresses trying


class FailureThrottle:
    def __init__(self, allowed, window_seconds, clock=time.monotonic):
        self.allowed, self.window, self.clock = allowed, window_seconds, clock
        self._failures = OrderedDict()  # address -> deque of failure times (at most `allowed`), oldest address first

    def retry_after(self, address) -> int:
        """Seconds the address must wait before trying again (0: it may try now)."""
        failures = self._failures.get(address)
        if failures is None or len(failures) < self.allowed:
            return 0
        wait = failures[0] + self.window - self.clock()
        return max(1, int(wait + 0.999)) if wait > 0 else 0

    def failed(self, address):
        failures = self._failures.pop(address, None) or deque(maxlen=self.allowed)
        failures.append(self.clock())
        self._failures[address] = failures  # now the most recent
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.popitem(last=False)
