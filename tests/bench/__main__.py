"""`make bench`: each Jouda figure printed beside its baseline measured in the same run.

    (a) event backbone: N events through outbox, relay and an idempotent Nameko consumer,
        beside raw kombu publish+consume of N messages on the same broker;
    (b) GET /api/v1/policies/current p50/p99 under 20 clients, beside a bare Nameko @http endpoint;
    (c) peak RSS of the service processes after (b), beside the 150 MB goal;
    (d) measurements POSTed by 20 clients until the ministry's read model has applied them all,
        beside the backbone figure of (a);
    (e) the ministry's two views on a generated national data set (1,600 councils), p50/p95 over
        HTTP beside a naive per-tenant query loop, with the command and RPC layers timed apart, and
    (k) the national view by ISO 9001 clause at 1,600 councils x 50 nonconformities, the same way
        (tests/bench/objectives.py);
    (f) notifications fan-out: one policy.published to a council of 2,000 users until every inbox
        entry exists and every e-mail has reached a local SMTP server, beside raw smtplib sending as
        many messages to the same server over one connection;
    (g) event -> inbox latency at a steady 200 policy.submitted events/s, p50/p99, beside the
        backbone figure of (a) (tests/bench/notifications.py);
    (h) sign-in p50/p99 under 20 clients beside as many raw argon2-cffi verifications at once, and
    (i) an authenticated GET with a session cookie beside the same with a bearer token
        (tests/bench/sign_in.py);
    (j) audits under 20 clients, each on an audit of its own, `jouda run audits` started beside the
        services of (b): a 60-line checklist saved (PUT .../checklist, every line's result, evidence and
        note), and an audit reported and closed (POST .../report + POST .../close), p50/p99 beside
        GET /api/v1/policies/current under 20 clients measured by the same clients in the same run
        (tests/bench/audits.py);
    (l) the heaviest web pages (council dashboard, national overview) under 20 clients beside the JSON
        call carrying the same data, same session, same run (tests/bench/pages.py, inside (e)'s run).
Runs on a PostgreSQL database and a RabbitMQ vhost of its own (removed at the end); (d) and (e) on
another pair of their own, (f) and (g) on a third.
Environment: JOUDA_BENCH_EVENTS (default 20000), JOUDA_BENCH_SECONDS (default 10), and those of
tests/bench/objectives.py, tests/bench/notifications.py and tests/bench/audits.py.
"""

import jouda  # noqa: F401 - warning filters first
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import tempfile  # noqa: E402

from tests.bench import audits, backbone, notifications, objectives, sign_in  # noqa: E402
from tests.bench.baseline_amqp import raw_publish_consume  # noqa: E402
from tests.bench.baseline_http import measure_bare_http  # noqa: E402
from tests.bench.gateway import jouda_services, measure_current_policy, peak_rss_mb  # noqa: E402
from tests.support import infrastructure  # noqa: E402

EVENTS = int(os.environ.get("JOUDA_BENCH_EVENTS", "20000"))
SECONDS = float(os.environ.get("JOUDA_BENCH_SECONDS", "10"))
RSS_GOAL_MB = 150


def line(label, value, baseline=None, baseline_label="", unit="", goal=""):
    ratio = f"{value / baseline:6.2f}x" if baseline else "       "
    base = f"{baseline:10.1f} {unit:<6} {baseline_label}" if baseline is not None else ""
    print(f"  {label:<44} {value:10.1f} {unit:<6} {ratio}  vs {base:<40} {goal}", flush=True)


def main():
    database_url = infrastructure.create_database()
    amqp_uri, drop_vhost = infrastructure.create_vhost()
    try:
        print(f"(a) event backbone, {EVENTS} events (events or messages per second, higher is better)")
        raw_confirmed = raw_publish_consume(amqp_uri, EVENTS, confirms=True, durable=True)
        raw_unconfirmed = raw_publish_consume(amqp_uri, EVENTS, confirms=False, durable=True)
        ours = backbone.measure(database_url, amqp_uri, EVENTS)
        for label, value in (
            ("commit -> relay -> consume (pipeline)", ours["pipeline_events_per_second"]),
            ("committed backlog drained (relay -> consume)", ours["drain_events_per_second"]),
        ):
            line(label, value, raw_confirmed["messages_per_second"], "raw kombu, confirms", "/s", "goal >= 0.5x")
            line("", value, raw_unconfirmed["messages_per_second"], "raw kombu, no confirms", "/s")
        print(
            f"      raw kombu phases: confirmed publish {EVENTS / raw_confirmed['publish_seconds']:.0f}/s, "
            f"unconfirmed publish {EVENTS / raw_unconfirmed['publish_seconds']:.0f}/s, "
            f"consume {EVENTS / raw_unconfirmed['consume_seconds']:.0f}/s"
        )

        print(f"\n(b) latency under 20 concurrent clients, {SECONDS:.0f} s (ms, lower is better)")
        bare = measure_bare_http(clients=20, duration=SECONDS)
        with (
            tempfile.TemporaryDirectory() as var_dir,
            jouda_services(database_url, amqp_uri, var_dir) as (base, token, pids, person),
        ):
            current = measure_current_policy(base, token, clients=20, duration=SECONDS)
            rss = {name: peak_rss_mb(pid) for name, pid in pids.items()}
            signing_in = sign_in.measure(base, token, person, SECONDS)
            auditing = audits.measure(base, token, database_url, amqp_uri, var_dir, SECONDS)
        line("GET /api/v1/policies/current p50", current.p50_ms, bare.p50_ms, "bare Nameko @http", "ms", "goal <= 2x")
        line("GET /api/v1/policies/current p99", current.p99_ms, bare.p99_ms, "bare Nameko @http", "ms", "goal <= 2x")
        line("throughput", current.requests_per_second, bare.requests_per_second, "bare Nameko @http", "req/s")
        print(f"      errors: jouda {current.errors} of {current.requests}, bare {bare.errors} of {bare.requests}")

        print("\n(c) peak RSS after (b) (MB, lower is better)")
        for name, megabytes in rss.items():
            line(f"jouda run {name}", megabytes, RSS_GOAL_MB, "goal", "MB", "goal < 1x")

        sign_in.report(line, signing_in, SECONDS)
        audits.report(line, auditing, current)

        objectives.run(line, ours["pipeline_events_per_second"])
        notifications.run(line, ours["pipeline_events_per_second"])
    finally:
        drop_vhost()
        infrastructure.drop_database(database_url)


if __name__ == "__main__":
    main()
