import time

from jouda.services.gateway.caches import MISSING, TtlCache


def test_entries_live_for_their_ttl():
    cache = TtlCache(0.05)
    cache.put("token", "principal")
    assert cache.get("token") == "principal"
    time.sleep(0.06)
    assert cache.get("token") is MISSING


def test_a_zero_ttl_turns_the_cache_off():
    cache = TtlCache(0)
    cache.put("token", "principal")
    assert cache.get("token") is MISSING


def test_memory_stays_bounded():
    cache = TtlCache(60, max_entries=3)
    for key in range(10):
        cache.put(key, key)
    assert len(cache._items) <= 3 and cache.get(9) == 9
