"""The gateway's HTTP edge against careless and hostile clients, over real sockets on loopback:
slow and idle connections, malformed requests, chunked bodies, unreadable JSON, guessed tokens,
and the broker or a database going away (through TCP proxies of the test's own).

Attacks are bounded (a few hundred connections at most, each closed by the test) and the gateways
they target are started by the test itself, with small limits, so that the session's platform is
never the one under attack."""

import dataclasses
from http import client as http_client
import json
import socket
import time
from urllib.parse import urlsplit, urlunsplit

import eventlet
import pytest
from nameko.containers import ServiceContainer
from prometheus_client import REGISTRY
from sqlalchemy import event, func, select

from jouda.runner import Runner
from jouda.services.gateway import directory
from jouda.services.gateway.edge import GatewayWebServer, http, json_response
from jouda.services.policy import domain as policy_domain
from jouda.shared.nameko_ext import ServiceDatabase
from tests.integration.conftest import eventually
from tests.support.http import Client
from tests.support.infrastructure import create_vhost, free_port
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

POLICY = {"title": "Politique Qualité", "orientations": [{"code": "OS1", "title": "Usagers"}]}


# --- raw HTTP on loopback -----------------------------------------------------------------------------


def connect(port, timeout=5.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_response(sock):
    """(status, headers as a lower-cased dict, body bytes) of one response, read to its end."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    elif headers.get("transfer-encoding") == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        decoded, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            decoded, rest = decoded + rest[:size], rest[size + 2 :]
        body = decoded
    return status, headers, body


def raw_request(port, data, timeout=5.0):
    with connect(port, timeout) as sock:
        sock.sendall(data)
        return read_response(sock)


def envelope_of(status, headers, body):
    assert headers["content-type"].startswith("application/json"), (status, headers, body)
    assert headers["x-content-type-options"] == "nosniff"
    return json.loads(body)["error"]


def answered_within_a_second(port, path, token=None):
    """A legitimate request, with a one-second socket timeout: it fails if the gateway is held."""
    client = http_client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        client.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        reply = client.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        client.close()


def chunked(body: bytes, size=1000):
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def request_head(method, path, token=None, **headers):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# --- gateways of the tests' own ----------------------------------------------------------------------


@pytest.fixture
def own_gateway(platform, settings):
    """Starts a gateway of its own with the given settings; returns (runner, port)."""
    started = []

    def start(**overrides):
        port = free_port()
        runner = Runner(
            ["gateway"], dataclasses.replace(settings, http_port=port, metrics_port=free_port(), **overrides)
        )
        runner.start()
        started.append(runner)
        return runner, port

    yield start
    for runner in started:
        runner.stop()


def web_server(runner):
    return runner.containers[0].shared_extensions[GatewayWebServer]


@pytest.fixture
def manager(council):
    return council.tokens["quality_manager"]


def policies_of(policy_db, code):
    with policy_db.transaction(code) as session:
        return session.scalar(select(func.count()).select_from(policy_domain.PolicyVersion))


# --- slow and idle clients ------------------------------------------------------------------------------


def test_stalled_bodies_hold_no_worker_and_are_let_go(own_gateway, council, manager, policy_db):
    # Ten clients announce 100 bytes of body and send one: the gateway has ten workers, which they
    # once held until they gave up, /healthz included.
    runner, port = own_gateway(http_body_seconds=3.0)
    stalled = []
    try:
        for _ in range(10):
            sock = connect(port, timeout=10)
            sock.sendall(
                request_head("POST", "/api/v1/policies", manager, Content_Type="application/json", Content_Length=100)
                + b"{"
            )
            stalled.append(sock)
        eventlet.sleep(0.3)
        for _ in range(3):
            assert answered_within_a_second(port, "/healthz") == (200, {"status": "ok"})
            status, me = answered_within_a_second(port, "/api/v1/me", manager)
            assert status == 200 and me["tenant"] == council.code
            status, page = answered_within_a_second(port, "/api/v1/policies?limit=1", manager)  # an RPC call
            assert status == 200 and page["total"] == 0
        for sock in stalled:  # then each is told, and let go
            status, headers, body = read_response(sock)
            assert status == 408 and envelope_of(status, headers, body)["code"] == "request_timeout"
            assert headers["connection"] == "close"
    finally:
        for sock in stalled:
            sock.close()
    assert policies_of(policy_db, council.code) == 0


def test_idle_and_half_sent_connections_make_room_for_real_requests(own_gateway, manager):
    # Four times as many idle or half-sent connections as the gateway keeps open: the newest
    # connections (real requests among them) are served, the longest-waiting ones let go.
    runner, port = own_gateway(http_max_connections=50, http_header_seconds=2.0, http_idle_seconds=2.0)
    server = web_server(runner)
    held = []
    try:
        for index in range(200):
            sock = connect(port)
            if index % 2:
                sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow")  # never finished
            held.append(sock)
            if index % 20 == 19:
                status, me = answered_within_a_second(port, "/api/v1/me", manager)
                assert status == 200 and me["role"] == "quality_manager"
                assert server.open_connections <= 50
        # Past the header and idle delays, every held connection is let go.
        eventually(lambda: server.open_connections == 0, timeout=5, message="every held connection let go")
        answers = []
        for sock in held[-40:]:
            try:
                answers.append(read_response(sock)[0])
            except (ConnectionError, OSError):
                answers.append(None)  # closed while idle (or to make room), with nothing to answer
        assert set(answers) <= {408, None} and 408 in answers
    finally:
        for sock in held:
            sock.close()


def test_answers_leave_at_once_nagle_is_off_on_every_accepted_connection(own_gateway):
    # A body over eventlet's 16 KiB write buffer leaves in a second send, which Nagle's algorithm held
    # until the client acknowledged the first: clients delay that acknowledgement, about 40 ms each time.
    runner, port = own_gateway()
    server = web_server(runner)
    sock = connect(port)
    try:
        sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Held")  # the connection stays open
        eventually(lambda: server.open_connections == 1, message="the connection accepted")
        [accepted] = [entry.conn_state[1] for entry in server._open.values()]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


class Sleepy:
    """A gateway-like service whose one endpoint keeps its worker for a while."""

    name = "gateway"

    @http("GET", "/api/v1/sleep")
    def sleep(self, request):
        eventlet.sleep(float(request.args.get("seconds", "2")))
        return json_response(200, {"slept": True})


@pytest.fixture
def sleepy(settings):
    started = []

    def start(**overrides):
        port = free_port()
        container = ServiceContainer(Sleepy, dataclasses.replace(settings, http_port=port, **overrides).nameko_config())
        container.start()
        started.append(container)
        return port

    yield start
    for container in started:
        container.stop()


def test_healthz_answers_while_every_worker_is_busy(sleepy):
    port = sleepy(max_workers=2)
    # Two hold the workers, two wait for them.
    waiting = [eventlet.spawn(raw_request, port, request_head("GET", "/api/v1/sleep?seconds=3"), 10) for _ in range(4)]
    eventlet.sleep(0.5)
    assert answered_within_a_second(port, "/healthz") == (200, {"status": "ok"})
    status, ready = answered_within_a_second(port, "/readyz")
    assert status == 200 and ready["checks"] == {"database": "ok", "broker": "ok"}
    assert [gt.wait()[0] for gt in waiting] == [200] * 4


def test_when_every_connection_is_busy_a_newcomer_is_told_to_come_back(sleepy):
    port = sleepy(http_max_connections=3)
    busy = [eventlet.spawn(raw_request, port, request_head("GET", "/api/v1/sleep?seconds=2")) for _ in range(3)]
    eventlet.sleep(0.5)
    status, headers, body = raw_request(port, request_head("GET", "/healthz"))
    assert status == 503 and headers["retry-after"] == "1"
    assert envelope_of(status, headers, body)["code"] == "overloaded"
    assert [gt.wait()[0] for gt in busy] == [200, 200, 200]
    assert raw_request(port, request_head("GET", "/healthz"))[0] == 200  # room again


# --- what every answer looks like -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,status,code",
    [
        pytest.param(b"GARBAGE\r\n\r\n", 400, "bad_request", id="not-a-request-line"),
        pytest.param(b"GET / HTTP/9.9\r\n\r\n", 505, "bad_request", id="unknown-version"),
        pytest.param(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long", id="uri-too-long"),
        pytest.param(
            b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n", 431, "headers_too_large", id="header-too-large"
        ),
        pytest.param(
            b"POST /api/v1/policies HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
            400,
            "bad_request",
            id="length-not-a-number",
        ),
        pytest.param(
            b"POST /api/v1/policies HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
            "bad_request",
            id="length-and-chunked",
        ),
        pytest.param(b"OPTIONS /api/v1/nowhere HTTP/1.1\r\n\r\n", 404, "not_found", id="options-unknown-path"),
        pytest.param(b"DELETE /api/v1/policies HTTP/1.1\r\n\r\n", 405, "method_not_allowed", id="wrong-method"),
        pytest.param(b"GET /nowhere HTTP/1.1\r\n\r\n", 404, "not_found", id="unknown-path"),
    ],
)
def test_every_refusal_is_a_json_envelope(client, settings, data, status, code):
    got, headers, body = raw_request(settings.http_port, data)
    assert got == status
    assert envelope_of(got, headers, body)["code"] == code


def test_options_lists_the_methods_of_a_known_path(client, settings):
    status, headers, body = raw_request(settings.http_port, request_head("OPTIONS", "/api/v1/policies"))
    assert (status, body) == (204, b"")
    assert headers["allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/api/v1/policies", "/nowhere", "/api/v1/openapi.json"])
def test_every_response_forbids_sniffing_and_storing(client, council, path):
    reply = client.as_(council.tokens["staff"]).get(path)
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"


# --- bodies ----------------------------------------------------------------------------------------------


def test_a_chunked_body_is_read_whole(client, settings, council, manager, policy_db):
    body = json.dumps(POLICY).encode()
    status, headers, created = raw_request(
        settings.http_port,
        request_head("POST", "/api/v1/policies", manager, Content_Type="application/json", Transfer_Encoding="chunked")
        + chunked(body, size=7),
    )
    assert status == 201, created
    version = json.loads(created)
    assert version["title"] == "Politique Qualité" and version["orientations"][0]["code"] == "OS1"
    # Once read as {}: the transition succeeded and the comment was silently dropped.
    comment = json.dumps({"comment": "Soumise avec ce commentaire."}).encode()
    status, _, _ = raw_request(
        settings.http_port,
        request_head("POST", f"/api/v1/policies/{version['id']}/submit", manager, Transfer_Encoding="chunked")
        + chunked(comment, 5),
    )
    assert status == 200
    history = client.as_(manager).get(f"/api/v1/policies/{version['id']}/history").json()["transitions"]
    assert history[-1]["comment"] == "Soumise avec ce commentaire."


def test_a_chunked_body_over_the_limit_is_refused_and_writes_nothing(client, settings, council, manager, policy_db):
    oversized = json.dumps({**POLICY, "body": "x" * (1536 * 1024)}).encode()
    status, headers, body = raw_request(
        settings.http_port,
        request_head("POST", "/api/v1/policies", manager, Transfer_Encoding="chunked") + chunked(oversized, 64 * 1024),
    )
    assert status == 413 and envelope_of(status, headers, body)["code"] == "body_too_large"
    assert policies_of(policy_db, council.code) == 0


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"title": "\\ud800", "orientations": []}', id="unpaired-surrogate-value"),
        pytest.param(b'{"\\udfff": 1, "title": "x"}', id="unpaired-surrogate-key"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-5000-deep"),
        pytest.param(b'{"a":' * 40 + b"1" + b"}" * 40, id="nested-40-deep"),
        pytest.param(b"\xff\xfe{", id="not-utf8"),
    ],
)
def test_json_that_is_not_text_is_a_400_and_writes_nothing(client, settings, council, manager, policy_db, raw):
    status, headers, body = raw_request(
        settings.http_port,
        request_head("POST", "/api/v1/policies", manager, Content_Type="application/json", Content_Length=len(raw))
        + raw,
    )
    assert status == 400 and envelope_of(status, headers, body)["code"] == "malformed_json"
    assert policies_of(policy_db, council.code) == 0


# --- tokens ----------------------------------------------------------------------------------------------


def failures(reason):
    return REGISTRY.get_sample_value("jouda_auth_failures_total", {"reason": reason}) or 0.0


def test_guessing_tokens_is_throttled_per_address(own_gateway, manager):
    runner, port = own_gateway(auth_failures_allowed=5, auth_failure_window_seconds=60, trusted_proxy_hops=1)
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    before = failures("throttled")
    for _ in range(5):
        status, headers, body = raw_request(port, request_head("GET", "/api/v1/me", directory.new_token(), **guesser))
        assert status == 401 and envelope_of(status, headers, body)["code"] == "invalid_token"
    status, headers, body = raw_request(port, request_head("GET", "/api/v1/me", manager, **guesser))
    assert status == 429 and envelope_of(status, headers, body)["code"] == "too_many_attempts"
    assert 1 <= int(headers["retry-after"]) <= 60
    assert failures("throttled") == before + 1
    # Another address is not concerned.
    status, _, _ = raw_request(port, request_head("GET", "/api/v1/me", manager, X_Forwarded_For="198.51.100.4"))
    assert status == 200


def test_a_token_that_cannot_be_valid_costs_no_database_work(own_gateway):
    runner, port = own_gateway(auth_cache_seconds=0)
    engine = runner.containers[0].shared_extensions[ServiceDatabase].database.engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        before = failures("malformed")
        for guess in ("jd_" + "A" * 49, "jd_short", "not-a-token", directory.new_token()[:-1] + "!"):
            status, _, _ = raw_request(port, request_head("GET", "/api/v1/me", guess))
            assert status == 401
        assert [statement for statement in statements if "tokens" in statement] == []
        assert failures("malformed") == before + 4
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_deactivation_revokes_tokens_for_good(client, council, gateway_db):
    staff = council.tokens["staff"]
    email = f"staff4@{council.code}.example"
    assert client.as_(staff).get("/api/v1/me").status == 200
    directory.set_user_active(gateway_db, email, False, tenant=council.code)
    eventually(lambda: client.as_(staff).get("/api/v1/me").status == 401, message="the deactivation took effect")
    directory.set_user_active(gateway_db, email, True, tenant=council.code)
    time.sleep(2.1)  # past the authentication cache
    assert client.as_(staff).get("/api/v1/me").error_code == "invalid_token"  # the old token stays revoked
    fresh = directory.create_token(gateway_db, email, tenant=council.code)
    assert client.as_(fresh).get("/api/v1/me").status == 200


# --- outages ---------------------------------------------------------------------------------------------


def through(url, proxy):
    parts = urlsplit(url)
    return urlunsplit(
        parts._replace(
            netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
            if parts.scheme.startswith("postgres")
            else f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
        )
    )


@pytest.fixture
def proxies():
    """TCP proxies to loopback servers; requested before the gateway that uses them, so that they
    are still open while it stops."""
    made = []

    def make(port):
        proxy = TcpProxy("127.0.0.1", port)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


def test_a_broker_outage_is_a_503_that_changed_nothing(proxies, own_gateway, settings, council, manager, policy_db):
    broker = proxies(5672)
    runner, port = own_gateway(amqp_uri=through(settings.amqp_uri, broker))
    gateway = Client(port, manager)
    assert gateway.get("/api/v1/policies").status == 200
    broker.cut()
    reply = gateway.post("/api/v1/policies", POLICY)
    assert reply.status == 503 and reply.error_code == "broker_unavailable"
    assert "nothing was changed" in reply.json()["error"]["message"] and reply.headers["Retry-After"]
    assert policies_of(policy_db, council.code) == 0
    broker.restore()
    eventually(
        lambda: gateway.post("/api/v1/policies", POLICY).status == 201,
        timeout=30,
        message="the gateway is back once the broker is",
    )
    assert policies_of(policy_db, council.code) == 1


def test_the_gateways_database_outage_is_a_503(proxies, own_gateway, settings, manager):
    database = proxies(5432)
    runner, port = own_gateway(database_url=through(settings.database_url, database), auth_cache_seconds=0)
    gateway = Client(port, manager)
    assert gateway.get("/api/v1/me").status == 200
    database.cut()
    reply = gateway.get("/api/v1/me")
    assert reply.status == 503 and reply.error_code == "database_unavailable"
    assert reply.headers["Retry-After"]
    database.restore()
    eventually(lambda: gateway.get("/api/v1/me").status == 200, timeout=30, message="back with the database")


def test_a_services_database_outage_is_a_503_that_changed_nothing(proxies, settings, council, manager, policy_db):
    vhost, remove_vhost = create_vhost()  # a broker of their own: the session's policy service is not asked
    database = proxies(5432)
    gateway = Runner(
        ["gateway"], dataclasses.replace(settings, amqp_uri=vhost, http_port=free_port(), metrics_port=free_port())
    )
    policy = Runner(
        ["policy"],
        dataclasses.replace(
            settings, amqp_uri=vhost, metrics_port=free_port(), database_url=through(settings.database_url, database)
        ),
    )
    gateway.start()
    policy.start()
    try:
        client = Client(gateway.settings.http_port, manager)
        assert client.get("/api/v1/policies").status == 200
        database.cut()
        reply = client.post("/api/v1/policies", POLICY)
        assert reply.status == 503 and reply.error_code == "database_unavailable"
        assert "nothing was changed" in reply.json()["error"]["message"]
        assert policies_of(policy_db, council.code) == 0
    finally:
        database.restore()
        policy.stop()
        gateway.stop()
        remove_vhost()
