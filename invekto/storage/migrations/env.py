"""Alembic environment: runs against the URL that ``invekto.storage.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from invekto.storage.migrate import ours
from invekto.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable, target_metadata=target_metadata, include_name=ours
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, include_name=ours)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
