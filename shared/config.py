"""Process configuration, read once from the environment.

Every setting has a default that works on a developer machine, so `make run` needs none.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Settings:
    amqp_uri: str = DEFAULT_AMQP_URI
    database_url: str | None = None  # PostgreSQL when set; SQLite files under var_dir otherwise
    var_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9100
    log_level: str = "INFO"
    # Concurrent workers per service container; also how many messages RabbitMQ hands a consumer
    # at once (Nameko's prefetch), hence the largest batch a batch handler can gather.
    max_workers: int = 10
    # Gateway caches (services/gateway/caches.py): how long an authenticated token and a
    # council's current policy are answered from memory. 0 turns them off.
    auth_cache_seconds: float = 2.0
    read_cache_seconds: float = 1.0
    # Outbox relay: how many rows one publish batch takes, and how long it sleeps when idle.
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.2
    # Failed event handlers: attempts before the dead-letter queue, and the first backoff (×4 per
    # attempt, at most an hour): with the defaults an outage of about 80 minutes parks nothing.
    event_max_attempts: int = 8
    event_retry_base_seconds: float = 1.0
    # Notifications: where e-mail goes (smtp://user:password@host:587?starttls=true, smtps://…,
    # or maildir:///path; a maildir under var_dir when unset), who it is from, the address links
    # point to, whether webhooks may target loopback and private addresses (an admin setting, off),
    # and the first delivery retry delay (doubling, at most an hour).
    smtp_url: str | None = None
    mail_from: str = "Jouda <no-reply@jouda.local>"
    public_url: str = "http://127.0.0.1:8000"
    webhook_allow_private: bool = False
    delivery_retry_base_seconds: float = 5.0
    # How long a delivery a dispatcher claimed waits before another may try it (a dispatcher that
    # died mid-batch); longer than a batch of 25 slow sends can take.
    delivery_lease_seconds: float = 300.0
    # The gateway's HTTP edge (services/gateway/edge.py): open connections at most (fewer when the
    # process may open fewer files), how long a kept-alive connection may sit idle, and how long a
    # client may take to send its request line and headers, then its body. Failed authentications
    # allowed per client address and window before 429, and how many proxies in front of the
    # gateway append to X-Forwarded-For (0: the peer address is the client's).
    http_max_connections: int = 1000
    http_idle_seconds: float = 30.0
    http_header_seconds: float = 10.0
    http_body_seconds: float = 20.0
    auth_failures_allowed: int = 20
    auth_failure_window_seconds: float = 60.0
    trusted_proxy_hops: int = 0
    # People signing in (services/gateway/sign_in.py, sessions.py): a session ends after this long
    # without a request, and this long after it began; its cookie is Secure unless a development set-up
    # on 127.0.0.1 says otherwise (`make run`). Failed sign-ins allowed per account, and per client
    # address, in the window before 429; the demo's passwords are refused unless the demo runs (`make run`).
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    session_cookie_secure: bool = True
    sign_in_failures_allowed: int = 5
    sign_in_address_failures_allowed: int = 50  # a council's office may share one public address
    sign_in_failure_window_seconds: float = 900.0
    allow_demo_passwords: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ=None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(
            amqp_uri=env.get("JOUDA_AMQP_URI", DEFAULT_AMQP_URI),
            database_url=env.get("JOUDA_DATABASE_URL") or None,
            var_dir=Path(env.get("JOUDA_VAR_DIR", "var")),
            http_host=env.get("JOUDA_HTTP_HOST", "127.0.0.1"),
            http_port=int(env.get("JOUDA_HTTP_PORT", "8000")),
            metrics_host=env.get("JOUDA_METRICS_HOST", "127.0.0.1"),
            metrics_port=int(env.get("JOUDA_METRICS_PORT", "9100")),
            log_level=env.get("JOUDA_LOG_LEVEL", "INFO"),
            max_workers=int(env.get("JOUDA_MAX_WORKERS", "10")),
            auth_cache_seconds=float(env.get("JOUDA_AUTH_CACHE_SECONDS", "2")),
            read_cache_seconds=float(env.get("JOUDA_READ_CACHE_SECONDS", "1")),
            relay_batch_size=int(env.get("JOUDA_RELAY_BATCH_SIZE", "500")),
            relay_idle_seconds=float(env.get("JOUDA_RELAY_IDLE_SECONDS", "0.2")),
            event_max_attempts=int(env.get("JOUDA_EVENT_MAX_ATTEMPTS", "8")),
            event_retry_base_seconds=float(env.get("JOUDA_EVENT_RETRY_BASE_SECONDS", "1.0")),
            smtp_url=env.get("JOUDA_SMTP_URL") or None,
            mail_from=env.get("JOUDA_MAIL_FROM", "Jouda <no-reply@jouda.local>"),
            public_url=env.get("JOUDA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            webhook_allow_private=env.get("JOUDA_WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes"),
            delivery_retry_base_seconds=float(env.get("JOUDA_DELIVERY_RETRY_BASE_SECONDS", "5")),
            delivery_lease_seconds=float(env.get("JOUDA_DELIVERY_LEASE_SECONDS", "300")),
            http_max_connections=int(env.get("JOUDA_HTTP_MAX_CONNECTIONS", "1000")),
            http_idle_seconds=float(env.get("JOUDA_HTTP_IDLE_SECONDS", "30")),
            http_header_seconds=float(env.get("JOUDA_HTTP_HEADER_SECONDS", "10")),
            http_body_seconds=float(env.get("JOUDA_HTTP_BODY_SECONDS", "20")),
            auth_failures_allowed=int(env.get("JOUDA_AUTH_FAILURES_ALLOWED", "20")),
            auth_failure_window_seconds=float(env.get("JOUDA_AUTH_FAILURE_WINDOW_SECONDS", "60")),
            trusted_proxy_hops=int(env.get("JOUDA_TRUSTED_PROXY_HOPS", "0")),
            session_idle_minutes=float(env.get("JOUDA_SESSION_IDLE_MINUTES", "30")),
            session_max_hours=float(env.get("JOUDA_SESSION_MAX_HOURS", "12")),
            session_cookie_secure=env.get("JOUDA_SESSION_COOKIE_SECURE", "true").lower() not in ("0", "false", "no"),
            sign_in_failures_allowed=int(env.get("JOUDA_SIGN_IN_FAILURES_ALLOWED", "5")),
            sign_in_address_failures_allowed=int(env.get("JOUDA_SIGN_IN_ADDRESS_FAILURES_ALLOWED", "50")),
            sign_in_failure_window_seconds=float(env.get("JOUDA_SIGN_IN_FAILURE_WINDOW_SECONDS", "900")),
            allow_demo_passwords=env.get("JOUDA_ALLOW_DEMO_PASSWORDS", "").lower() in ("1", "true", "yes"),
        )

    def database_url_for(self, service: str) -> str:
        """Each service owns its database: a schema of the shared PostgreSQL database
        (selected per connection, see shared.db), or its own SQLite file."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / f'{service}.db').resolve()}"

    def nameko_config(self, **overrides) -> dict:
        config = {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.http_host}:{self.http_port}",
            "max_workers": self.max_workers,
            "JOUDA_SETTINGS": self,
        }
        config.update(overrides)
        return config
