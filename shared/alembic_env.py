"""The Alembic environment every service's migrations/env.py delegates to.

shared.db.migrate hands over an open connection (search_path already on the service's schema),
so migrations never build their own engine.
"""

from alembic import context


def run_migrations():
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
