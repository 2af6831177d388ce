"""scripts/ensure-rabbitmq, which `make run` and `make test` call first: never hangs."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-rabbitmq"
pytestmark = pytest.mark.integration


def check(uri):
    return subprocess.run(
        ["bash", str(SCRIPT)], env={**os.environ, "JOUDA_AMQP_URI": uri}, capture_output=True, text=True, timeout=30
    )


def test_a_reachable_broker_passes_silently():
    result = check(os.environ.get("JOUDA_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    assert result.returncode == 0 and result.stderr == ""


def test_an_unreachable_broker_stops_at_once_and_says_what_to_do():
    result = check("amqp://guest:guest@127.0.0.1:1/")  # nothing listens on port 1
    assert result.returncode == 1
    assert "not reachable at 127.0.0.1:1" in result.stderr
    assert "apt-get install rabbitmq-server" in result.stderr and "JOUDA_AMQP_URI" in result.stderr
