"""Short-lived in-process caches of the gateway's two hot lookups.

Every API call authenticates a token, and GET /api/v1/policies/current is the platform's
hottest read; answering both from memory for a second or two keeps the gateway near a bare
Nameko endpoint. The price is bounded and stated: a revoked token or deactivated user is
refused within JOUDA_AUTH_CACHE_SECONDS, and another gateway replica shows a newly published
policy within JOUDA_READ_CACHE_SECONDS (the replica that published it shows it at once).
A TTL of 0 turns a cache off.
"""

import time

MISSING = object()


class TtlCache:
    def __init__(self, ttl_seconds, max_entries=10_000):
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._items = {}

    def get(self, key):
        entry = self._items.get(key)
        if entry is None or entry[1] < time.monotonic():
            return MISSING
        return entry[0]

    def put(self, key, value):
        if self.ttl <= 0:
            return
        if len(self._items) >= self.max_entries:  # bounded memory: start afresh rather than grow
            self._items.clear()
        self._items[key] = (value, time.monotonic() + self.ttl)

    def clear(self):
        """Forget everything: what follows is looked up afresh."""
        self._items.clear()
