"""``invekto migrate``: our tables (Alembic), the job queue and the graph checkpoints.

Above every layer that owns a schema, so ``storage`` needs to know neither the job queue nor
LangGraph.
"""

from __future__ import annotations

import asyncio
import logging

from invekto.graphs.checkpoint import setup_checkpointer
from invekto.jobs import apply_job_schema
from invekto.storage.db import APP_ROLE
from invekto.storage.migrate import upgrade

log = logging.getLogger(__name__)


async def migrate_all(url: str) -> None:
    """Bring everything to head: our tables, the job queue and the graph checkpoints."""
    await asyncio.to_thread(upgrade, url)
    await apply_job_schema(url)
    await setup_checkpointer(url)
    await grant_job_tables(url)
    log.info("database migrated")


async def grant_job_tables(url: str) -> None:
    """Tenant-scoped sessions (role ``invekto_app``) enqueue jobs: let them use the queue."""
    import psycopg

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
