"""Alembic environment over SQLModel.metadata; the URL comes from the caller or AXFLOW_DATABASE_URL."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import store.documents  # noqa: F401  (the documents' tables, on the same metadata)
import store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from axflow.config import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
target_metadata = SQLModel.metadata


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
