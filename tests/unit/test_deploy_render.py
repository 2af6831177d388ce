"""The deploy files name every service the platform lists: their service parts are rendered from the
manifests (`jouda deploy render`), and the committed files are what rendering gives today."""

from pathlib import Path

import yaml

from jouda import deploy, platform
from jouda.shared.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_committed_deploy_files_are_the_rendered_ones():
    assert deploy.stale(DEPLOY, Settings()) == [], "run `jouda deploy render` and commit the result"


def test_every_service_is_in_every_deploy_file():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    secrets = [
        doc["metadata"]["name"] for doc in yaml.safe_load_all((DEPLOY / "k8s" / "secret.example.yaml").read_text())
    ]
    users = (DEPLOY / "rabbitmq" / "users.sh").read_text()
    for name in platform.SERVICES:
        assert compose["services"][name]["command"] == ["jouda", "run", name]
        assert f"JOUDA_BROKER_PASSWORD_{name.upper()}" in compose["services"]["broker-users"]["environment"]
        assert {"job_name": name, "static_configs": [{"targets": [f"{name}:9100"]}]} in scrape["scrape_configs"]
        assert f"jouda-broker-{name}" in secrets
        assert f"rabbitmqctl add_user -- jouda-{name} " in users
        deployment, service = yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text())
        assert deployment["spec"]["template"]["spec"]["containers"][0]["command"] == ["jouda", "run", name]
        assert service["metadata"]["name"] == f"jouda-{name}"


def test_a_marked_region_that_went_missing_is_reported(tmp_path):
    broken = tmp_path / "prometheus.yml"
    broken.write_text("scrape_configs:\n")
    try:
        deploy._replace_marked(broken.read_text(), "x", broken, 0)
    except ValueError as error:
        assert "marked region 1" in str(error)
    else:
        raise AssertionError("a file without its markers must not be rendered silently")


def hours_until_given_up(channel, base_seconds=5.0):
    from jouda.services.notifications import domain

    attempts = domain.MAX_ATTEMPTS[channel]
    return sum(domain.retry_delay(n, base_seconds).total_seconds() for n in range(1, attempts)) / 3600


def test_the_alert_rules_say_what_the_code_does_about_giving_up():
    # They once said 30 attempts and 20 hours while the code made 36 attempts over 26 hours.
    from jouda.services.notifications import domain

    rules = (DEPLOY / "prometheus" / "rules.yml").read_text()
    email_hours, webhook_minutes = hours_until_given_up(domain.EMAIL), hours_until_given_up(domain.WEBHOOK) * 60
    assert f"after {domain.MAX_EMAIL_ATTEMPTS} attempts, about {round(email_hours)} hours" in rules
    assert f"an e-mail after {domain.MAX_EMAIL_ATTEMPTS} attempts (about {round(email_hours)} hours)" in rules
    assert f"a webhook call after {domain.MAX_WEBHOOK_ATTEMPTS}\n" in rules and 10 <= webhook_minutes < 11
