"""Prometheus metrics of the gateway's own work (the entrypoints are measured like every service's)."""

from datetime import timedelta

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from jouda.shared.nameko_ext import ScrapeTimeGauges, settings_of

AUTH_FAILURES = Counter(
    "jouda_auth_failures_total",
    "Requests refused at authentication, by reason (missing, malformed, unknown, throttled).",
    ["reason"],
)
SIGN_INS = Counter(
    "jouda_sign_ins_total",
    "Sign-ins with a password, by outcome (success, failed, throttled).",
    ["outcome"],
)
LOCKOUTS = Counter("jouda_lockouts_total", "Accounts locked out after too many failed sign-ins.")


class SessionGauges(ScrapeTimeGauges):
    """Live sessions, counted when Prometheus scrapes (no user id in any label)."""

    def collect(self):
        from jouda.services.gateway import sessions

        settings = settings_of(self.container)
        with self.service_database.database.transaction(all_tenants=True) as session:
            live = sessions.live_count(session, timedelta(minutes=settings.session_idle_minutes))
        gauge = GaugeMetricFamily("jouda_active_sessions", "Sessions of people signed in, not ended nor idle.")
        gauge.add_metric([], live)
        return [gauge]
