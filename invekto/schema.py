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
    """Tenant-scoped sessions (role ``invekto_app``) enqueue jobs, and do nothing else with the
    queue: they may insert a job (and the event its trigger writes) and read back its id. They
    cannot read other tenants' job arguments, nor change or delete any job; the workers and the
    API's system sessions use the owner's login."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f"""
            DO $$ DECLARE item record; BEGIN
              FOR item IN SELECT tablename FROM pg_tables
                          WHERE schemaname = 'public' AND tablename LIKE 'procrastinate%' LOOP
                EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', item.tablename);
              END LOOP;
              FOR item IN SELECT sequencename FROM pg_sequences
                          WHERE schemaname = 'public' AND sequencename LIKE 'procrastinate%' LOOP
                EXECUTE format('REVOKE ALL ON SEQUENCE %I FROM {APP_ROLE}', item.sequencename);
              END LOOP;
            END $$""")
        await conn.execute(f"GRANT INSERT, SELECT (id) ON procrastinate_jobs TO {APP_ROLE}")
        await conn.execute(f"GRANT INSERT ON procrastinate_events TO {APP_ROLE}")
        await conn.execute(
            f"GRANT USAGE ON SEQUENCE procrastinate_jobs_id_seq, procrastinate_events_id_seq "
            f"TO {APP_ROLE}"
        )
