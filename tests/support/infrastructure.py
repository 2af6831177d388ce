"""Real PostgreSQL databases and RabbitMQ vhosts for the tests, created and removed per session."""

import os
import shutil
import socket
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from jouda.cli import migrate_all as migrate_services
from jouda.shared.config import Settings

ADMIN_DATABASE_URL = os.environ.get("JOUDA_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_execute(statement):
    """CREATE/DROP DATABASE cannot run in a transaction block: autocommit."""
    connection = psycopg2.connect(ADMIN_DATABASE_URL, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def create_database() -> str:
    name = f"jouda_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    return _with_database(ADMIN_DATABASE_URL, name)


def drop_database(url):
    _admin_execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


def migrate_all(url):
    migrate_services(Settings(database_url=url))


def create_vhost():
    """A vhost of its own via rabbitmqctl; returns (amqp uri, cleanup)."""
    base = os.environ.get("JOUDA_AMQP_URI", DEFAULT_AMQP)
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise RuntimeError(
            "rabbitmqctl is needed to give the tests a RabbitMQ vhost of their own "
            "(Debian: apt-get install rabbitmq-server)."
        )
    vhost = f"jouda_test_{uuid.uuid4().hex[:12]}"
    user = urlsplit(base).username or "guest"
    subprocess.run([ctl, "-q", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(
        [ctl, "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"], check=True, capture_output=True, timeout=60
    )
    parts = urlsplit(base)

    def cleanup():
        subprocess.run([ctl, "-q", "delete_vhost", vhost], capture_output=True, timeout=60)

    return urlunsplit(parts._replace(path=f"/{vhost}")), cleanup


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
