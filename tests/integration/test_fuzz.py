"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json is called with generated requests, valid and invalid, as
a quality manager, a staff member and the ministry, on the running platform (every service, the
real broker and PostgreSQL). Nothing may answer 5xx, and every answer must be one the document
describes: its status, content type, headers and body schema.

`make test` runs a few cases per operation (about three hundred a role); `make fuzz` runs the same
with JOUDA_FUZZ_EXAMPLES raised (thousands). The seed is fixed, so a failure reproduces: the
report names the failing request and a curl command for it."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from eventlet.green import subprocess


pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("JOUDA_FUZZ_EXAMPLES", "6"))
SEED = int(os.environ.get("JOUDA_FUZZ_SEED", "20261130"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


@pytest.mark.timeout(960)  # the run's own bound below (900 s), not the suite's 300 s: a busy machine slows it
@pytest.mark.parametrize("role", ["quality_manager", "staff", "ministry"])
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    platform, settings, council, ministry_token, role, tmp_path
):
    token = ministry_token if role == "ministry" else council.tokens[role]
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    report = tmp_path / "report"
    command = [
        schemathesis,
        "run",
        f"http://127.0.0.1:{settings.http_port}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "20",
        "--no-color",
        "--suppress-health-check",
        "all",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=900)
    summary = finished.stdout[-6000:]
    assert finished.returncode == 0, f"schemathesis found problems as {role}:\n{summary}\n{finished.stderr[-2000:]}"
    counts = next(line.strip() for line in summary.splitlines() if " generated, " in line)
    print(f"\nfuzz as {role}: {counts}")  # shown by `make fuzz` (pytest -s)
