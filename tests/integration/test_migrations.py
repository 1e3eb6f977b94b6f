"""Migrations run up, down and up again on an empty database; the models match the schema."""

from __future__ import annotations

import asyncio

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from invekto.schema import migrate_all
from invekto.storage.migrate import alembic_config, downgrade, ours, upgrade
from invekto.storage.models import Base
from tests.conftest import _with_db


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


async def test_up_down_up(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS migrations_check WITH (FORCE)")
        conn.execute("CREATE DATABASE migrations_check")
    url = _with_db(pg_url, "migrations_check")

    await asyncio.to_thread(upgrade, url)
    assert {"tenants", "messages", "orders_cache", "auto_reply_log"} <= _tables(url)

    await asyncio.to_thread(downgrade, url, "base")
    assert _tables(url) == {"alembic_version"}

    await migrate_all(url)
    await migrate_all(url)  # idempotent
    tables = _tables(url)
    assert {"tenants", "procrastinate_jobs", "checkpoints"} <= tables

    engine = create_engine(alembic_config(url).get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
