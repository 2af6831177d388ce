"""(h) sign-in and sessions: POST /api/v1/auth/sign-in p50/p99 under 20 clients beside as many raw
argon2-cffi verifications at once in one process, and GET /api/v1/policies/current with a session
cookie beside the same request with a bearer token.

The hash is meant to cost time: the baseline shows what the verification alone costs at that
concurrency, so the difference is what the rest of a sign-in costs (throttle check, session row,
security log). The raw verifications run in a plain interpreter of their own (the benchmark's
process is monkey-patched: its threads would be green).

    python -m tests.bench.sign_in --raw CLIENTS SECONDS     # the baseline alone, as JSON
"""

import json
import statistics
import subprocess
import sys
import urllib.request

from tests.bench.loadgen import run_load

CLIENTS = 20


def raw_argon2(clients, seconds):
    """`clients` threads verifying a password with argon2-cffi's default parameters, for `seconds`."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.sign_in", "--raw", str(clients), str(seconds)],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    return json.loads(out.stdout)


def _raw(clients, seconds):
    import threading
    import time

    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    hashed = hasher.hash("Tajine au citron, trois olives noires!")
    samples, stop = [], time.monotonic() + seconds

    def client():
        while time.monotonic() < stop:
            began = time.monotonic()
            hasher.verify(hashed, "Tajine au citron, trois olives noires!")
            samples.append((time.monotonic() - began) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples.sort()
    return {
        "p50_ms": statistics.median(samples),
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "per_second": len(samples) / seconds,
    }


def session_cookie(base, email, password):
    request = urllib.request.Request(
        base + "/api/v1/auth/sign-in",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers["Set-Cookie"].split(";", 1)[0]


def measure(base, token, person, seconds):
    """`person`: (e-mail, password) of the demo user whose token is `token`."""
    email, password = person
    figures = {"raw": raw_argon2(CLIENTS, seconds)}
    figures["sign_in"] = run_load(
        base + "/api/v1/auth/sign-in",
        clients=CLIENTS,
        duration=seconds,
        method="POST",
        body=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    cookie = session_cookie(base, email, password)
    url = base + "/api/v1/policies/current"
    figures["bearer"] = run_load(url, clients=CLIENTS, duration=seconds, headers={"Authorization": f"Bearer {token}"})
    figures["cookie"] = run_load(url, clients=CLIENTS, duration=seconds, headers={"Cookie": cookie})
    return figures


def report(line, figures, seconds):
    raw, signing_in, bearer, cookie = figures["raw"], figures["sign_in"], figures["bearer"], figures["cookie"]
    print(f"\n(h) sign-in under {CLIENTS} clients, {seconds:.0f} s (ms, lower is better)")
    line("POST /api/v1/auth/sign-in p50", signing_in.p50_ms, raw["p50_ms"], "raw argon2 verify, as many at once", "ms")
    line("POST /api/v1/auth/sign-in p99", signing_in.p99_ms, raw["p99_ms"], "raw argon2 verify, as many at once", "ms")
    line("sign-ins per second", signing_in.requests_per_second, raw["per_second"], "raw argon2 verifications", "/s")
    print(f"      errors: {signing_in.errors} of {signing_in.requests} {signing_in.error_kinds or ''}")
    print(f"\n(i) an authenticated GET under {CLIENTS} clients: session cookie beside bearer token (ms)")
    line("GET current policy with a session, p50", cookie.p50_ms, bearer.p50_ms, "bearer token", "ms")
    line("GET current policy with a session, p99", cookie.p99_ms, bearer.p99_ms, "bearer token", "ms")
    line("throughput with a session", cookie.requests_per_second, bearer.requests_per_second, "bearer", "req/s")
    print(f"      errors: session {cookie.errors} of {cookie.requests}, bearer {bearer.errors} of {bearer.requests}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--raw"]:
        print(json.dumps(_raw(int(sys.argv[2]), float(sys.argv[3]))))
