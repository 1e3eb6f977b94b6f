"""Schema management: Alembic for our tables, plus procrastinate's and LangGraph's own schemas."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate sees only our tables (not procrastinate's or LangGraph's)."""
    from invekto.storage.models import Base

    return type_ != "table" or name in Base.metadata.tables


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://" + url.split("://", 1)[1])
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def migrate_all(url: str) -> None:
    """Bring everything to head: our tables, the job queue and the graph checkpoints."""
    import asyncio

    from invekto.graphs.checkpoint import setup_checkpointer
    from invekto.jobs import apply_job_schema

    await asyncio.to_thread(upgrade, url)
    await apply_job_schema(url)
    await setup_checkpointer(url)
    await grant_job_tables(url)
    log.info("database migrated")


async def grant_job_tables(url: str) -> None:
    """Tenant-scoped sessions (role ``invekto_app``) enqueue jobs: let them use the queue."""
    import psycopg

    from invekto.storage.db import APP_ROLE

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f"""
            DO $$ DECLARE item record; BEGIN
              FOR item IN SELECT tablename FROM pg_tables
                          WHERE schemaname = 'public' AND tablename LIKE 'procrastinate%' LOOP
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO {APP_ROLE}',
                               item.tablename);
              END LOOP;
              FOR item IN SELECT sequencename FROM pg_sequences
                          WHERE schemaname = 'public' AND sequencename LIKE 'procrastinate%' LOOP
                EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO {APP_ROLE}',
                               item.sequencename);
              END LOOP;
            END $$""")
