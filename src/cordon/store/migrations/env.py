"""Alembic environment: cordon always hands in an open connection (see store/migrate.py)."""

from alembic import context

from cordon.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("cordon migrations run through cordon.store.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
