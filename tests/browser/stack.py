"""Jouda as `make run` starts it (every service, migrated, the demo seeded), on a database and a
RabbitMQ vhost of its own and a free port, for the browser tests and the screenshots."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support import infrastructure

READY_LINE = "Ctrl-C stops."  # printed once the demo is seeded and every service runs
START_SECONDS = 300


@contextlib.contextmanager
def running_stack(details=None):
    """Yields the stack's URL; `details`, a dict, receives its database_url too."""
    database_url = infrastructure.create_database()
    if details is not None:
        details["database_url"] = database_url
    amqp_uri, remove_vhost = infrastructure.create_vhost()
    port = infrastructure.free_port()
    var_dir = Path(tempfile.mkdtemp(prefix="jouda-browser-"))
    log_path = var_dir / "jouda.log"
    env = {
        **os.environ,
        "JOUDA_DATABASE_URL": database_url,
        "JOUDA_AMQP_URI": amqp_uri,
        "JOUDA_HTTP_PORT": str(port),
        "JOUDA_METRICS_PORT": str(infrastructure.free_port()),
        "JOUDA_VAR_DIR": str(var_dir),
        "JOUDA_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "JOUDA_ALLOW_DEMO_PASSWORDS": "true",
        "JOUDA_SESSION_COOKIE_SECURE": "false",
        "JOUDA_SIGN_IN_ADDRESS_FAILURES_ALLOWED": "100000",
        "JOUDA_LOG_LEVEL": "WARNING",
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jouda.cli", "run", "--migrate", "--seed"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_seeded(process, log_path, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        remove_vhost()
        infrastructure.drop_database(database_url)


def _wait_until_seeded(process, log_path, port):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jouda run stopped (exit {process.returncode}):\n{log_path.read_text()[-3000:]}")
        if READY_LINE in log_path.read_text():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        time.sleep(1)
    raise RuntimeError(f"jouda run was not ready after {START_SECONDS} s:\n{log_path.read_text()[-3000:]}")
