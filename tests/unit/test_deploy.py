"""deploy/ in step with the code: the broker users script, no metrics or broker console on a public
interface, and each service connecting to the broker as its own user."""

from pathlib import Path

import yaml

from jouda import broker
from jouda.platform import SERVICES
from jouda.shared.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]


def k8s(name):
    return list(yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()))


def test_the_broker_users_script_is_what_jouda_broker_users_prints():
    script = (DEPLOY / "rabbitmq" / "users.sh").read_text().splitlines()
    commands = [line for line in script if line.startswith("rabbitmqctl")]
    assert commands == broker.user_commands(Settings())  # regenerate: see the script's first lines


def test_compose_publishes_the_api_only_on_every_interface():
    for name, service in compose().items():
        for port in service.get("ports", []):
            published = str(port)
            assert published == "8000:8000" or published.startswith("127.0.0.1:"), (name, published)
            assert "9100" not in published and "15672" not in published, (name, published)


def test_each_service_connects_to_the_broker_as_its_own_user():
    services = compose()
    for name in SERVICES:
        uri = services[name]["environment"]["JOUDA_AMQP_URI"]
        assert uri.startswith(f"amqp://{broker.user_of(name)}:${{JOUDA_BROKER_PASSWORD_{name.upper()}:?"), uri
    assert "jouda broker declare" in " ".join(services["migrate"]["command"])
    for name in SERVICES:
        [deployment, *_] = k8s(f"{name}.yaml")
        sources = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": f"jouda-broker-{name}"}} in sources


def test_the_gateways_kubernetes_service_does_not_carry_the_metrics_port():
    service = next(item for item in k8s("gateway.yaml") if item["kind"] == "Service")
    assert [port["port"] for port in service["spec"]["ports"]] == [8000]
