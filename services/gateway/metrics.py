"""Prometheus metrics of the gateway's own work (the entrypoints are measured like every service's)."""

from prometheus_client import Counter

AUTH_FAILURES = Counter(
    "jouda_auth_failures_total",
    "Requests refused at authentication, by reason (missing, malformed, unknown, throttled).",
    ["reason"],
)
