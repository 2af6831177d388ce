"""What ops see (Prometheus text that promtool accepts) and what an administrator types."""

import os
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

from tests.integration.conftest import eventually
from tests.integration.test_isolation_and_errors import published_policy

pytestmark = pytest.mark.integration


def scrape(settings):
    with urllib.request.urlopen(f"http://127.0.0.1:{settings.metrics_port}/metrics", timeout=10) as reply:
        return reply.read().decode()


def sample(text, name, **labels):
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if (line.startswith(f"{name}{{") or line.startswith(f"{name} ")) and all(
            f'{k}="{v}"' in line for k, v in labels.items()
        ):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{{{wanted}}}")


def test_metrics_cover_entrypoints_events_outbox_and_tenants(client, council, settings):
    version = published_policy(client, council)
    for token in council.staff_tokens:
        client.as_(token).post(f"/api/v1/policies/{version['id']}/acknowledgements")
    eventually(lambda: sample(scrape(settings), "jouda_policy_acknowledgement_ratio", tenant=council.code) > 0)
    text = scrape(settings)
    assert sample(text, "jouda_policies", tenant=council.code, status="published") == 1
    assert sample(text, "jouda_policies", tenant=council.code, status="draft") == 0
    assert sample(text, "jouda_tenant_active_users", tenant=council.code) == 6
    assert sample(text, "jouda_policy_acknowledgement_ratio", tenant=council.code) == pytest.approx(2 / 6, abs=1e-3)
    assert sample(text, "jouda_entrypoint_calls_total", service="policy", method="transition", outcome="success") >= 3
    assert (
        sample(text, "jouda_entrypoint_calls_total", service="gateway", method="transition_policy", outcome="success")
        >= 3
    )
    assert sample(text, "jouda_entrypoint_duration_seconds_count", service="gateway", method="create_policy") >= 1
    assert sample(text, "jouda_events_published_total", service="policy", event_type="policy.published") >= 1
    assert sample(text, "jouda_events_consumed_total", service="gateway", event_type="policy.published") >= 1
    assert sample(text, "jouda_outbox_backlog", service="policy") >= 0
    assert not re.search(r'^jouda_\w+\{[^}]*\b(user|user_id|email|name)="', text, re.M)  # bounded labels only

    client.as_(council.tokens["staff"]).post("/api/v1/policies", {"title": "x"})  # 403
    text = scrape(settings)
    assert (
        sample(text, "jouda_entrypoint_calls_total", service="gateway", method="create_policy", outcome="client_error")
        >= 1
    )


def test_metrics_pass_promtool(settings, client):
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing on CI (.ci/run installs Debian's `prometheus` package)")
        pytest.skip("promtool not installed (Debian package `prometheus`); CI installs it")
    client.get("/healthz")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=scrape(settings), capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def jouda(settings, *args):
    env = {
        **os.environ,
        "JOUDA_DATABASE_URL": settings.database_url,
        "JOUDA_VAR_DIR": str(settings.var_dir),
        "JOUDA_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "jouda.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_onboards_a_council_while_the_platform_runs(settings, client, tenant_code):
    regions = jouda(settings, "tenant", "regions")
    assert regions.returncode == 0 and len(regions.stdout.splitlines()) == 12 and "fes-meknes" in regions.stdout
    added = jouda(settings, "tenant", "add", tenant_code, "--name", "Conseil de test")
    assert added.returncode == 0, added.stderr
    assert tenant_code in jouda(settings, "tenant", "list").stdout
    again = jouda(settings, "tenant", "add", tenant_code, "--name", "Encore")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert jouda(settings, "tenant", "add", "Bad_Code", "--name", "x").returncode == 2
    unnamed = jouda(settings, "tenant", "add", f"{tenant_code}-commune")
    assert unnamed.returncode == 2 and "--name" in unnamed.stderr

    email = f"qm@{tenant_code}.example"
    no_tenant = jouda(settings, "user", "add", email, "--role", "quality_manager")
    assert no_tenant.returncode == 2 and "--tenant" in no_tenant.stderr
    unknown_tenant = jouda(settings, "user", "add", email, "--role", "staff", "--tenant", "nowhere")
    assert unknown_tenant.returncode == 2 and "No tenant nowhere" in unknown_tenant.stderr
    assert (
        jouda(
            settings,
            "user",
            "add",
            email,
            "--role",
            "quality_manager",
            "--tenant",
            tenant_code,
            "--name",
            "RMQ",
            "--lang",
            "ar",
        ).returncode
        == 0
    )

    created = jouda(settings, "token", "create", email)
    assert created.returncode == 0 and created.stdout.count("\n") == 1
    token = created.stdout.strip()
    assert token.startswith("jd_")
    me = client.as_(token).get("/api/v1/me").json()  # usable at once by the running gateway
    assert (me["tenant"], me["role"], me["language"]) == (tenant_code, "quality_manager", "ar")

    revoked = jouda(settings, "token", "revoke", token)
    assert revoked.returncode == 0 and "Revoked 1" in revoked.stderr
    eventually(
        lambda: client.as_(token).get("/api/v1/me").status == 401,
        timeout=5,
        message="revoked token refused within the gateway's token cache lifetime",
    )
    assert jouda(settings, "token", "create", "nobody@nowhere.example").returncode == 2
