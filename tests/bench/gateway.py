"""Gateway latency of GET /api/v1/policies/current under concurrent clients, and the peak memory
of service processes. The gateway and the policy service run as production does: one
`jouda run SERVICE` process each, on PostgreSQL and RabbitMQ."""

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.bench.baseline_http import free_port
from tests.bench.loadgen import run_load

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _probe(url, headers=None):
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def peak_rss_mb(pid) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


@contextlib.contextmanager
def jouda_services(database_url, amqp_uri, var_dir):
    """Seed the demo, start `jouda run gateway` and `jouda run policy`; yields (base url, token, pids,
    (e-mail, password)) of a staff member of Fès-Meknès."""
    http_port = free_port()
    env = {
        **os.environ,
        "JOUDA_DATABASE_URL": database_url,
        "JOUDA_AMQP_URI": amqp_uri,
        "JOUDA_VAR_DIR": str(var_dir),
        "JOUDA_HTTP_PORT": str(http_port),
        "JOUDA_LOG_LEVEL": "WARNING",
        "JOUDA_ALLOW_DEMO_PASSWORDS": "true",  # the seeded people sign in with theirs (h)
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    jouda = [sys.executable, "-m", "jouda.cli"]
    subprocess.run([*jouda, "seed"], env=env, check=True, capture_output=True, timeout=300)
    processes = {}
    try:
        for name in ("gateway", "policy"):
            processes[name] = subprocess.Popen(
                [*jouda, "run", name],
                env={**env, "JOUDA_METRICS_PORT": str(free_port())},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        staff = next(
            line.split()
            for line in (Path(var_dir) / "demo-tokens.txt").read_text().splitlines()
            if line.startswith("staff") and "fes-meknes" in line
        )
        token = staff[-1]
        base = f"http://127.0.0.1:{http_port}"
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        # Ready once the seeded policy.published event has reached the gateway's read model.
        while not _probe(base + "/api/v1/policies/current", headers):
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes.values()):
                raise RuntimeError("the Jouda services did not come up")
            time.sleep(0.2)
        yield base, token, {name: process.pid for name, process in processes.items()}, (staff[2], staff[3])
    finally:
        stop_processes(processes.values())


def stop_processes(processes):
    """SIGTERM (a clean stop), then SIGKILL for any still running after 30 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure_current_policy(base, token, *, clients=20, duration=10.0):
    return run_load(
        base + "/api/v1/policies/current",
        clients=clients,
        duration=duration,
        headers={"Authorization": f"Bearer {token}"},
    )
