"""(j) the audits service under 20 clients, each on an audit of its own, against the running services
of (b) with `jouda run audits` started beside them (same database, same vhost):

    a 60-line checklist saved: PUT /api/v1/audits/{id}/checklist with a result and evidence for all 60
        lines of an audit in progress (a note on every third line, a finding on the three nonconformity
        lines); each client saves its own audit again and again, alternating two wordings of the
        answers so that every save changes every line;
    an audit reported and closed: POST .../report (by the lead auditor: every line assessed, a written
        summary; its one major and two minor nonconformity lines raise three nonconformities) then
        POST .../close (by the director), timed as one sequence; each client takes its own audits one
        after the other, each once: the one it saved above (its summary written after that run) and
        JOUDA_BENCH_AUDITS - 1 more prepared the same way.

Both beside GET /api/v1/policies/current under 20 clients, measured just before by the same clients
((b)'s figure, measured by loadgen, is shown too). The people (a quality manager, a director, 20
auditors, 20 process owners and a member of staff) are added to a council of their own through the
gateway's directory; the audits service learns of them from gateway.user_created. Preparation
(processes, plans, checklists, results, summaries) goes through the API too and is not timed.

The clients are plain threads in a process of their own, one keep-alive connection each (the
benchmark's process is monkey-patched: its threads would be green):

    python -m tests.bench.audits --drive     # reads its plan on stdin, see _drive()

Environment: JOUDA_BENCH_AUDITS (audits reported and closed per client, default 3: preparing one costs
about a third of a second of the audits service, and (j) stays within about a minute).
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.bench.loadgen import _percentile  # the clients' process imports no more than this

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
LINES = 60
AUDITS_PER_CLIENT = int(os.environ.get("JOUDA_BENCH_AUDITS", "3"))
COUNCIL = "bench-audits"
# The answers of a checklist: mostly conforming, with every other kind of result.
RESULTS = {7: "major_nc", 19: "minor_nc", 41: "minor_nc", 3: "observation", 28: "observation", 50: "observation"}
RESULTS |= {
    12: "improvement_opportunity",
    33: "improvement_opportunity",
    25: "good_practice",
    55: "not_applicable",
    58: "not_applicable",
}
NONCONFORMING = ("major_nc", "minor_nc")


# --- the clients (a process of their own) -------------------------------------------------------------


def _drive():  # runs in the child process: plain threads, no eventlet
    """Plan on stdin: {"port", "cycle", "warmup", "window", "clients": [[sequence, ...], ...]}, a
    sequence being [[method, path, token, body or null, expected status], ...]. Prints "ready" once
    every connection is open, waits for "go", prints the result as JSON. With `cycle`, each client
    runs its sequences round and round until the window ends; without, each one once (within the
    window). A sequence is timed whole; it counts when it ends within the window, after the warm-up."""
    import http.client

    plan = json.loads(sys.stdin.readline())
    port, cycle, warmup, window = plan["port"], plan["cycle"], plan["warmup"], plan["window"]
    go, lock = threading.Event(), threading.Lock()
    latencies, problems, counts = [], [], {"errors": 0, "sequences": 0}
    times = {}

    def connect():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.connect()
        return connection

    def prepared(sequence):
        steps = []
        for method, path, token, body, expected in sequence:
            headers = {"Authorization": f"Bearer {token}"}
            if body is not None:
                headers["Content-Type"] = "application/json"
                body = json.dumps(body).encode()
            steps.append((method, path, headers, body, expected))
        return steps

    def client(sequences, connection):
        mine, errors, done, turn = [], 0, 0, 0
        go.wait()
        recording, ending = times["recording"], times["ending"]
        while cycle or turn < len(sequences):
            steps = sequences[turn % len(sequences)]
            turn += 1
            began = time.perf_counter()
            if began >= ending:
                break
            failed = None
            for method, path, headers, body, expected in steps:
                try:
                    connection.request(method, path, body=body, headers=headers)
                    reply = connection.getresponse()
                    payload = reply.read()
                    if reply.status != expected:
                        failed = f"{method} {path}: {reply.status} {payload[:300]!r}"
                except (OSError, http.client.HTTPException) as exc:
                    failed = f"{method} {path}: {type(exc).__name__} {exc}"
                    connection.close()  # the next request opens a new connection
                if failed:
                    break
            ended = time.perf_counter()
            if recording <= ended < ending:
                mine.append(ended - began)
                done += 1
                if failed:
                    errors += 1
                    with lock:
                        if len(problems) < 5:
                            problems.append(failed)
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["sequences"] += done

    threads = [
        threading.Thread(target=client, args=([prepared(s) for s in sequences], connect()), daemon=True)
        for sequences in plan["clients"]
    ]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    started = time.perf_counter()
    times["recording"] = started + warmup
    times["ending"] = started + warmup + window
    go.set()
    for thread in threads:  # bounded even if the gateway stops answering: the last request's timeout
        thread.join(timeout=max(0.0, times["ending"] + 35 - time.perf_counter()))
    finished = min(time.perf_counter(), times["ending"])
    print(
        json.dumps(
            {
                "latencies": latencies,
                "problems": problems,
                "seconds": max(finished - times["recording"], 1e-9),
                **counts,
            }
        ),
        flush=True,
    )


class Figure:
    """p50/p99 (ms) and rate of timed sequences."""

    def __init__(self, result):
        ordered = sorted(result["latencies"])
        self.count, self.errors, self.problems = result["sequences"], result["errors"], result["problems"]
        self.seconds = result["seconds"]
        self.p50_ms = _percentile(ordered, 50) * 1000
        self.p99_ms = _percentile(ordered, 99) * 1000
        self.per_second = self.count / self.seconds


def drive(port, clients, *, cycle, warmup, window):
    """`clients`: each client's sequences (see _drive); returns a Figure."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.audits", "--drive"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        child.stdin.write(
            json.dumps({"port": port, "cycle": cycle, "warmup": warmup, "window": window, "clients": clients}) + "\n"
        )
        child.stdin.flush()
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the audit clients did not start")
        child.stdin.write("go\n")
        child.stdin.flush()
        answer = child.stdout.readline()
        if not answer:
            raise RuntimeError("the audit clients ended without a result")
        return Figure(json.loads(answer))
    finally:
        if child.poll() is None:
            child.stdin.close()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


# --- the council, its people and their audits ---------------------------------------------------------


class Council:
    """The council of (j): tokens and ids of its people."""

    def __init__(self, database_url):
        from jouda.services.gateway import directory
        from jouda.shared.db import Database

        gateway_db = Database("gateway", database_url, pool_size=1)
        try:
            directory.add_tenant(gateway_db, COUNCIL, "Conseil du banc d'essai des audits", actor="bench")

            def person(name, role):
                user = directory.add_user(gateway_db, f"{name}@{COUNCIL}.example", role, tenant=COUNCIL, actor="bench")
                return user.id, directory.create_token(gateway_db, user.email, tenant=COUNCIL)

            self.manager = person("qualite", "quality_manager")
            self.director = person("dgs", "director")
            self.agent = person("agent", "staff")
            self.auditors = [person(f"auditeur{n:02d}", "auditor") for n in range(CLIENTS)]
            self.owners = [person(f"pilote{n:02d}", "process_owner") for n in range(CLIENTS)]
        finally:
            gateway_db.dispose()
        self.size = 3 + 2 * CLIENTS


def staff_known(owner):
    from sqlalchemy import text

    with owner.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM staff WHERE tenant_id = :c AND active"), {"c": COUNCIL}
        ).scalar()


def answers(lines, variant):
    """The PUT .../checklist body assessing every line; `variant` 0 or 1 words the answers differently
    (and swaps two results), so that saving one after the other changes every line."""
    changes = []
    for index, line in enumerate(lines):
        result = RESULTS.get(index, "conforming")
        if variant and index in (3, 12):
            result = "conforming"
        change = {
            "id": line["id"],
            "result": result,
            "evidence": f"Registre {index + 1} examiné ({'première' if variant == 0 else 'seconde'} lecture) : "
            f"dossiers {10 * index + 1} à {10 * index + 10}, procédure en vigueur affichée, "
            "entretien avec le responsable du guichet.",
            "note": f"Vérifié le {'matin' if variant == 0 else 'soir'} ; voir aussi les dossiers de l'an passé."
            if index % 3 == 0
            else None,
        }
        if result in NONCONFORMING:
            change["finding"] = (
                f"Constat {index + 1} : trois des dix dossiers examinés n'ont pas d'accusé de réception."
            )
        changes.append(change)
    return {"lines": changes}


def questions():
    from jouda.services.audits.clauses import catalogue

    clauses = list(catalogue())
    return [
        {
            "question": f"Question {n + 1} : l'exigence {clauses[n % len(clauses)]} est-elle satisfaite ?",
            "clause": clauses[n % len(clauses)],
        }
        for n in range(LINES)
    ]


SUMMARY = {
    "summary": "Accueil engagé ; l'enregistrement des demandes reste à maîtriser.",
    "strengths": "Équipe disponible, affichage clair.",
    "conclusions": "Trois écarts à traiter, dont un majeur.",
}


def _ok(reply, status=200):
    if reply.status != status:
        raise RuntimeError(f"preparing the audits of (j): expected {status}, got {reply!r}")
    return reply.json()


def prepare(port, council, client, numbers, *, assessed):
    """Audits in progress with 60 lines each for client number `client` (its own auditor, its own
    process owner, one process per audit), one per number in `numbers`; `assessed`: every line answered
    and the summary written. Returns [(audit id, checklist lines)]."""
    from jouda.shared.clock import local_today
    from tests.support.http import Client

    http = Client(port)
    manager, auditor = http.as_(council.manager[1]), http.as_(council.auditors[client][1])
    owner_id, auditor_id = council.owners[client][0], council.auditors[client][0]
    today = local_today().isoformat()
    made = []
    for number in numbers:
        process = _ok(
            manager.post(
                "/api/v1/processes",
                {
                    "code": f"BA{client:02d}-{number:03d}",
                    "name": f"Accueil des usagers, guichet {client + 1}.{number + 1}",
                    "type": "operational",
                    "owner_id": owner_id,
                    "clauses": ["8.2", "9.1.2"],
                },
            ),
            201,
        )
        audit = _ok(
            manager.post(
                "/api/v1/audits",
                {
                    "title": f"Audit du guichet {client + 1}.{number + 1}",
                    "process_ids": [process["id"]],
                    "clauses": ["8.2", "9.1.2"],
                    "lead_auditor_id": auditor_id,
                    "auditee_ids": [owner_id, council.agent[0]],
                    "planned_month": today[:7],
                    "planned_start": today,
                    "planned_end": today,
                },
            ),
            201,
        )
        path = f"/api/v1/audits/{audit['id']}"
        lines = _ok(auditor.request("PUT", f"{path}/checklist", {"add": questions()}))["lines"]
        _ok(auditor.post(f"{path}/submit"))
        _ok(auditor.post(f"{path}/start"))
        if assessed:
            _ok(auditor.request("PUT", f"{path}/checklist", answers(lines, 0)))
            summarise(port, council, client, audit["id"])
        made.append((audit["id"], lines))
    return made


def summarise(port, council, client, audit_id):
    from tests.support.http import Client

    _ok(Client(port, council.auditors[client][1]).request("PUT", f"/api/v1/audits/{audit_id}/report", SUMMARY))


def _tail(path):
    try:
        return path.read_bytes()[-2000:].decode("utf-8", "replace").strip()
    except OSError:
        return ""


# --- the figures --------------------------------------------------------------------------------------


def measure(base, token, database_url, amqp_uri, var_dir, seconds):
    """Starts `jouda run audits` beside the services of jouda_services (base URL `base`, a council
    member's `token` for the baseline), measures (j), stops it; returns the figures for report()."""
    import eventlet
    from sqlalchemy import text

    from jouda.shared.db import make_engine
    from tests.bench.baseline_http import free_port
    from tests.bench.gateway import peak_rss_mb, stop_processes

    port = int(base.rsplit(":", 1)[1])
    window = min(seconds, 8.0)
    log_path = Path(var_dir) / "audits.log"
    env = {
        **os.environ,
        "JOUDA_DATABASE_URL": database_url,
        "JOUDA_AMQP_URI": amqp_uri,
        "JOUDA_VAR_DIR": str(var_dir),
        "JOUDA_HTTP_PORT": str(free_port()),
        "JOUDA_METRICS_PORT": str(free_port()),
        "JOUDA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    began = time.monotonic()
    owner = make_engine(database_url, "audits", runtime=False, pool_size=1)
    with open(log_path, "wb") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "jouda.cli", "run", "audits"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    figures = {}
    try:
        council = Council(database_url)
        deadline = time.monotonic() + 60
        while staff_known(owner) < council.size:  # gateway.user_created applied by the audits service
            if service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the audits service did not learn the people of (j)")
            eventlet.sleep(0.1)
        figures["started_seconds"] = time.monotonic() - began

        # Each client's first audit is saved over and over, then reported and closed with the others.
        pool = eventlet.GreenPool(CLIENTS)
        in_progress = list(pool.imap(lambda n: prepare(port, council, n, [0], assessed=False)[0], range(CLIENTS)))
        to_close = list(
            pool.imap(lambda n: prepare(port, council, n, range(1, AUDITS_PER_CLIENT), assessed=True), range(CLIENTS))
        )
        figures["prepared_seconds"] = time.monotonic() - began - figures["started_seconds"]

        current = "/api/v1/policies/current"
        figures["baseline"] = drive(
            port, [[[["GET", current, token, None, 200]]]] * CLIENTS, cycle=True, warmup=1.0, window=window / 2
        )
        figures["checklist"] = drive(
            port,
            [
                [
                    [["PUT", f"/api/v1/audits/{audit_id}/checklist", council.auditors[n][1], answers(lines, v), 200]]
                    for v in (1, 0)
                ]
                for n, (audit_id, lines) in enumerate(in_progress)
            ],
            cycle=True,
            warmup=1.0,
            window=window,
        )
        # Every line of those is assessed now (the last save's answers): their summary, and they join.
        list(pool.imap(lambda n: summarise(port, council, n, in_progress[n][0]), range(CLIENTS)))
        figures["closing"] = drive(
            port,
            [
                [
                    [
                        ["POST", f"/api/v1/audits/{audit_id}/report", council.auditors[n][1], None, 200],
                        ["POST", f"/api/v1/audits/{audit_id}/close", council.director[1], {"comment": "Reçu."}, 200],
                    ]
                    for audit_id, _ in [in_progress[n], *audits]
                ]
                for n, audits in enumerate(to_close)
            ],
            cycle=False,
            warmup=0.0,
            window=60.0,
        )
        with owner.connect() as connection:
            figures["closed"] = connection.execute(
                text("SELECT count(*) FROM audits WHERE tenant_id = :c AND state = 'closed'"), {"c": COUNCIL}
            ).scalar()
            figures["raised"] = connection.execute(
                text("SELECT count(*) FROM nonconformities WHERE tenant_id = :c"), {"c": COUNCIL}
            ).scalar()
        figures["rss_mb"] = peak_rss_mb(service.pid)
        figures["total_seconds"] = time.monotonic() - began
        return figures
    except BaseException:
        tail = _tail(log_path)
        if tail:
            print(f"      --- jouda run audits, last lines ---\n{tail}", file=sys.stderr)
        raise
    finally:
        stop_processes([service])
        owner.dispose()


def _errors(figure, what):
    shown = f" (first: {'; '.join(figure.problems)})" if figure.problems else ""
    return f"{what} {figure.errors} of {figure.count}{shown}"


def report(line, figures, current=None):
    """`current`: (b)'s GET /api/v1/policies/current figure (loadgen), shown for reference."""
    base, saving, closing = figures["baseline"], figures["checklist"], figures["closing"]
    against, rate = f"GET current policy, {CLIENTS} clients", "GETs of the current policy"
    print(f"\n(j) a {LINES}-line checklist saved, {CLIENTS} clients, {saving.seconds:.0f} s (ms, lower is better)")
    line("PUT /api/v1/audits/{id}/checklist p50", saving.p50_ms, base.p50_ms, against, "ms")
    line("PUT /api/v1/audits/{id}/checklist p99", saving.p99_ms, base.p99_ms, against, "ms")
    line("checklists saved per second", saving.per_second, base.per_second, rate, "/s")
    print(f"      errors: {_errors(saving, 'saves')}, {_errors(base, 'GETs')}")
    print(f"\n(j) an audit reported and closed, {CLIENTS} clients, {closing.count} audits (ms, lower is better)")
    line("POST .../report + POST .../close p50", closing.p50_ms, base.p50_ms, against, "ms")
    line("POST .../report + POST .../close p99", closing.p99_ms, base.p99_ms, against, "ms")
    line("audits reported and closed per second", closing.per_second, base.per_second, rate, "/s")
    expected = CLIENTS * AUDITS_PER_CLIENT
    print(
        f"      errors: {_errors(closing, 'sequences')}; audits closed {figures['closed']} of {expected}, "
        f"nonconformities raised {figures['raised']} of {3 * expected}"
        + ("; p99 of fewer than 100 audits is the slowest one" if closing.count < 100 else "")
    )
    reference = f" ((b), by loadgen: p50 {current.p50_ms:.1f} ms, p99 {current.p99_ms:.1f} ms)" if current else ""
    print(
        f"      baseline: the same clients, just before{reference}; jouda run audits up and told of the people "
        f"in {figures['started_seconds']:.0f} s, audits prepared through the API in "
        f"{figures['prepared_seconds']:.0f} s, (j) {figures['total_seconds']:.0f} s in all; "
        f"its peak RSS {figures['rss_mb']:.0f} MB"
    )


if __name__ == "__main__" and sys.argv[1:2] == ["--drive"]:
    _drive()
