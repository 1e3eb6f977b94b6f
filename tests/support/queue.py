"""Waiting on the job queue instead of sleeping: "nothing else happens" is proven once every
job that could make it happen has run."""

from __future__ import annotations

from sqlalchemy import text

from invekto.stack import Stack
from tests.support.waiting import wait_for


async def queue_settled(stack: Stack, *, task: str | None = None, timeout_s: float = 30.0) -> None:
    """Wait until no job (of ``task``, when given) is running or due: each job the last step
    deferred has run, and each retry it scheduled for now has run too. Jobs scheduled for
    later (reminders, periodic syncs) do not count."""

    async def idle() -> bool:
        async with stack.services.db.session() as session:
            busy = await session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE (status = 'doing'"
                    " OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))"
                    " AND (CAST(:task AS text) IS NULL OR task_name = :task)"
                ),
                {"task": task},
            )
        return busy == 0

    await wait_for(idle, timeout_s=timeout_s)
