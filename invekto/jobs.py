"""Durable jobs on procrastinate, in the same PostgreSQL: the queue, enqueueing, the worker."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from typing import Any

import procrastinate
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings

log = logging.getLogger(__name__)

queue = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),
    import_paths=["invekto.tasks"],
)
"""The procrastinate app. Tasks live in ``invekto.tasks``; the pool is opened at start-up."""

PROCESS_INBOUND = "invekto.tasks.process_inbound"
SEND_MESSAGE = "invekto.tasks.send_message"
SYNC_ORDERS = "invekto.tasks.sync_orders"
NOTE_HUMAN_REPLY = "invekto.tasks.note_human_reply"
DISPATCH_OUTBOUND = "invekto.tasks.dispatch_outbound"
NOTE_OUTBOUND = "invekto.tasks.note_outbound"


def conversation_lock(conversation_id: uuid.UUID | str) -> str:
    """Jobs of one conversation share this lock: they run one at a time, in order."""
    return f"conversation:{conversation_id}"


def send_lock(conversation_id: uuid.UUID | str) -> str:
    """Sends of one conversation go out in order, apart from its processing jobs."""
    return f"send:{conversation_id}"


def outbound_lock(channel_id: uuid.UUID | str) -> str:
    """One dispatcher per channel at a time: the number's throughput is paced in one place."""
    return f"outbound:{channel_id}"


async def enqueue_send(
    session: AsyncSession, *, message_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    await defer_in(
        session, SEND_MESSAGE, {"message_id": str(message_id)}, lock=send_lock(conversation_id)
    )


async def enqueue_note_human_reply(
    session: AsyncSession, *, message_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    """Tell the graph state what a person sent or rejected, between the conversation's turns."""
    await defer_in(
        session,
        NOTE_HUMAN_REPLY,
        {"message_id": str(message_id)},
        lock=conversation_lock(conversation_id),
    )


async def defer_in(
    session: AsyncSession,
    task_name: str,
    args: dict[str, Any],
    *,
    lock: str | None = None,
    scheduled_at: dt.datetime | None = None,
    queueing_lock: str | None = None,
) -> int:
    """Enqueue a job inside the caller's transaction: it exists exactly when the commit does.

    Uses procrastinate's own ``procrastinate_defer_jobs_v1``, so the job is the same as one
    deferred through the library (and its insert trigger notifies the workers on commit).
    """
    result = await session.execute(
        text(
            "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW('default', :task, 0, :lock,"
            " :queueing_lock, CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1]))"
        ),
        {
            "task": task_name,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args),
            "at": scheduled_at,
        },
    )
    return result.scalar_one()


def open_pool(url: str, *, max_size: int = 10) -> AsyncConnectionPool:
    return AsyncConnectionPool(conninfo=url, min_size=1, max_size=max_size, open=False)


async def bind_queue(pool: AsyncConnectionPool) -> None:
    """Point the queue at this process's pool (a fresh connector: safe to rebind in tests)."""
    connector = procrastinate.PsycopgConnector()
    queue.connector = connector
    queue.job_manager.connector = connector
    await queue.open_async(pool)


async def apply_job_schema(url: str) -> None:
    """Apply procrastinate's schema once (skipped when it is already there)."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (
            await conn.execute("SELECT to_regclass('public.procrastinate_jobs') IS NOT NULL")
        ).fetchone()
        if row and row[0]:
            return
        await conn.execute(queue.schema_manager.get_schema())


async def retry_stalled_jobs(*, stalled_after_s: float) -> int:
    """Put back the jobs of workers that stopped sending heartbeats (crashed, killed)."""
    stalled = await queue.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    count = 0
    for job in stalled:
        log.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await queue.job_manager.retry_job(job)
        count += 1
    if count:
        await queue.job_manager.prune_stalled_workers(seconds_since_heartbeat=stalled_after_s)
    return count


async def run_worker_for(
    settings: Settings,
    *,
    name: str,
    install_signal_handlers: bool = False,
    concurrency: int | None = None,
) -> None:
    """``run_worker`` with the concurrency and heartbeat timings of ``settings``."""
    await run_worker(
        concurrency=concurrency or settings.worker_concurrency,
        heartbeat_s=settings.worker_heartbeat_s,
        stalled_after_s=settings.worker_stalled_after_s,
        install_signal_handlers=install_signal_handlers,
        name=name,
    )


async def run_worker(
    *,
    concurrency: int,
    heartbeat_s: float,
    stalled_after_s: float,
    poll_interval_s: float = 0.2,
    install_signal_handlers: bool = True,
    name: str | None = None,
) -> None:
    """Run jobs until cancelled. The queue must be open. Also revives stalled jobs.

    ``poll_interval_s`` is short on purpose: procrastinate clears its "new job" flag after a
    fetch that found nothing, so a notification arriving during that fetch (or a job freed by a
    lock) would otherwise wait for the next poll.
    """

    async def revive() -> None:
        while True:
            with contextlib.suppress(Exception):
                await retry_stalled_jobs(stalled_after_s=stalled_after_s)
            await asyncio.sleep(max(heartbeat_s, 0.5))

    reviver = asyncio.create_task(revive())
    try:
        await queue.run_worker_async(
            concurrency=concurrency,
            name=name or f"invekto-{uuid.uuid4().hex[:8]}",
            install_signal_handlers=install_signal_handlers,
            update_heartbeat_interval=heartbeat_s,
            stalled_worker_timeout=stalled_after_s,
            delete_jobs="successful",
            fetch_job_polling_interval=poll_interval_s,
        )
    finally:
        reviver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reviver
