"""`jouda deploy render`: the deploy files' parts that name the services, made from the services'
manifests, so that a new service is in every deploy file once rendered (and a test fails while it
is not: tests/unit/test_deploy_render.py).

Rendered: one Kubernetes file per service (`deploy/k8s/<name>.yaml`), and between marker lines in
files otherwise written by hand, the compose services, the compose broker-users passwords, the
Prometheus scrape jobs and the example broker Secrets; `deploy/rabbitmq/users.sh` whole (from
`jouda broker users`)."""

from pathlib import Path

from jouda import platform

BEGIN = "# >>> rendered by `jouda deploy render` from the services' manifests: edit those, not this"
END = "# <<< end of the rendered part"

USERS_HEADER = """\
# Creates one RabbitMQ user per Jouda service, each with only what that service needs (see
# jouda/broker.py). Rendered by `jouda deploy render` (`jouda broker users`); a test keeps it in step.
# Run where rabbitmqctl reaches the broker, with JOUDA_BROKER_PASSWORD_<SERVICE> set for each service:
#   compose: the one-shot `broker-users` service runs it;
#   Kubernetes: kubectl exec -i <rabbitmq pod> -- env JOUDA_BROKER_PASSWORD_GATEWAY=... sh -s < users.sh
set -eu
"""


def _comment(text, indent=""):
    return "".join(f"{indent}# {line}".rstrip() + "\n" for line in text.strip().splitlines())


def _password_variable(name):
    return f"JOUDA_BROKER_PASSWORD_{name.upper()}"


# --- Kubernetes: one file per service -----------------------------------------------------------------


def _probe(kind, path, port, extra):
    return (
        f"          {kind}:\n            httpGet:\n              path: {path}\n              port: {port}\n"
        + "".join(f"            {line}\n" for line in extra)
    )


def kubernetes(manifest) -> str:
    name = manifest.name
    labels = f"app.kubernetes.io/name: jouda\n{{i}}app.kubernetes.io/component: {name}"
    edge = manifest.http_edge
    head = (
        f"{name}: {manifest.summary}.\n"
        + (
            "The HTTP edge: HTTP on 8000 (/healthz liveness, /readyz readiness: database and broker "
            "reachable), Prometheus metrics on 9100.\n"
            if edge
            else "A Nameko service with no HTTP edge (it talks over RabbitMQ; the gateway calls it over RPC). "
            "Its only port is metrics on 9100, which also answers /healthz (used for liveness).\n"
        )
        + manifest.deploy_notes
    )
    env = "".join(
        f"            - name: {variable}\n              valueFrom:\n                secretKeyRef:\n"
        f"                  name: {secret}\n                  key: {variable}\n"
        for variable, secret in manifest.secret_environment
    )
    ports = (
        "            - name: http\n              containerPort: 8000\n" if edge else ""
    ) + "            - name: metrics\n              containerPort: 9100\n"
    probes = (
        _probe("readinessProbe", "/readyz", "http", ("periodSeconds: 10", "timeoutSeconds: 3", "failureThreshold: 3"))
        if edge
        else ""
    ) + _probe(
        "livenessProbe",
        "/healthz",
        "http" if edge else "metrics",
        ("initialDelaySeconds: 10", "periodSeconds: 15", "timeoutSeconds: 3", "failureThreshold: 4"),
    )
    service_ports = (
        (
            "  # HTTP only: whatever exposes this Service (an Ingress, a load balancer) exposes the API, "
            "never\n  # /metrics; Prometheus scrapes the pods' port 9100 directly (see the annotations "
            "above).\n  ports:\n    - name: http\n      port: 8000\n      targetPort: http\n"
        )
        if edge
        else "  ports:\n    - name: metrics\n      port: 9100\n      targetPort: metrics\n"
    )
    return (
        _comment(head)
        + _comment("Rendered by `jouda deploy render` from services/" + name + "/manifest.py: edit that, not this.")
        + f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: jouda-{name}
  labels:
    {labels.format(i="    ")}
spec:
  replicas: {manifest.replicas}
  selector:
    matchLabels:
      {labels.format(i="      ")}
  template:
    metadata:
      labels:
        {labels.format(i="        ")}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9100"
        prometheus.io/path: /metrics
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: {name}
          image: jouda:latest   # replace with your registry image and a pinned tag
          command: ["jouda", "run", "{name}"]
          envFrom:
            - configMapRef:
                name: jouda-config
            - secretRef:
                name: jouda-secrets
            - secretRef:
                name: jouda-broker-{name}
"""
        + (f"          env:\n{env}" if env else "")
        + f"""          ports:
{ports}{probes}          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
---
"""
        + ("" if edge else f"# Metrics only (no traffic is sent to {name} over HTTP).\n")
        + f"""apiVersion: v1
kind: Service
metadata:
  name: jouda-{name}
  labels:
    {labels.format(i="    ")}
spec:
  selector:
    {labels.format(i="    ")}
{service_ports}"""
    )


# --- the parts of hand-written files -----------------------------------------------------------------


def compose_services() -> str:
    blocks = []
    for manifest in platform.manifests():
        name, edge = manifest.name, manifest.http_edge
        health = "http://127.0.0.1:8000/readyz" if edge else "http://127.0.0.1:9100/healthz"
        environment = "".join(f"      {key}: {value}\n" for key, value in manifest.compose_environment)
        blocks.append(
            _comment(manifest.summary, "  ")
            + f"""  {name}:
    <<: *jouda
    command: ["jouda", "run", "{name}"]
    environment:
      <<: *jouda-env
      JOUDA_AMQP_URI: amqp://jouda-{name}:${{{_password_variable(name)}:?set it in deploy/.env}}@rabbitmq:5672/
{environment}"""
            + ('    ports:\n      - "8000:8000"\n' if edge else "")
            + f"""    depends_on: *after-migrate
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('{health}', timeout=3)"]
      interval: 15s
      timeout: 5s
      retries: 3
"""
        )
    return "\n".join(blocks)


def compose_passwords() -> str:
    return "".join(
        f"      {_password_variable(name)}: ${{{_password_variable(name)}:?set it in deploy/.env}}\n"
        for name in platform.SERVICES
    )


def scrape_jobs() -> str:
    return "".join(
        f'  - job_name: {name}\n    static_configs:\n      - targets: ["{name}:9100"]\n' for name in platform.SERVICES
    )


def broker_secrets() -> str:
    return "".join(
        f"""---
apiVersion: v1
kind: Secret
metadata:
  name: jouda-broker-{name}
  labels:
    app.kubernetes.io/name: jouda
    app.kubernetes.io/component: {name}
type: Opaque
stringData:
  JOUDA_AMQP_URI: "amqp://jouda-{name}:CHANGE_ME_PASSWORD@CHANGE_ME_HOST:5672/"
"""
        for name in platform.SERVICES
    )


def users_script(settings) -> str:
    from jouda import broker

    return USERS_HEADER + "\n".join(broker.user_commands(settings)) + "\n"


def _replace_marked(text, rendered, path, index):
    """`text` with its `index`-th region between marker lines replaced by `rendered` (the marker
    lines stay, with their indentation)."""
    lines = text.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [n for n, line in enumerate(lines) if line.strip() == END]
    if len(starts) != len(ends) or index >= len(starts) or not all(a < b for a, b in zip(starts, ends)):
        raise ValueError(f"{path}: expected marked region {index + 1} ({BEGIN!r} ... {END!r})")
    return "".join(lines[: starts[index] + 1]) + rendered + "".join(lines[ends[index] :])


MARKED = {  # file -> what goes between its markers
    "docker-compose.yml": [compose_passwords, compose_services],
    "prometheus/prometheus.yml": [scrape_jobs],
    "k8s/secret.example.yaml": [broker_secrets],
}


def render(deploy: Path, settings) -> dict:
    """{path: the content it should have}, for every file the manifests decide (in part)."""
    files = {deploy / "k8s" / f"{manifest.name}.yaml": kubernetes(manifest) for manifest in platform.manifests()}
    for relative, parts in MARKED.items():
        path = deploy / relative
        text = path.read_text(encoding="utf-8")
        for index, part in enumerate(parts):
            text = _replace_marked(text, part(), path, index)
        files[path] = text
    files[deploy / "rabbitmq" / "users.sh"] = users_script(settings)
    return files


def stale(deploy: Path, settings) -> list:
    """The files whose content is not what the manifests render (missing ones included)."""
    return sorted(
        str(path)
        for path, content in render(deploy, settings).items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    )


def write(deploy: Path, settings) -> list:
    """Renders the files; returns those that changed."""
    changed = stale(deploy, settings)
    for path, content in render(deploy, settings).items():
        if str(path) in changed:
            path.write_text(content, encoding="utf-8")
    return changed
