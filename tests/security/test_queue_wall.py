"""The job queue is behind the tenant wall too (issue 20, item 13): a tenant session may enqueue
a job and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from invekto.jobs import NOTE_HUMAN_REPLY, defer_in
from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import Tenant


async def test_a_tenant_session_can_enqueue_and_nothing_more(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    async with stack.services.db.tenant_session(tenant.id) as app_session:
        job_id = await defer_in(
            app_session, NOTE_HUMAN_REPLY, {"message_id": "00000000-0000-0000-0000-000000000000"}
        )
        await app_session.commit()
        assert job_id > 0
        for statement in (
            "SELECT args FROM procrastinate_jobs",
            "UPDATE procrastinate_jobs SET priority = 9",
            "DELETE FROM procrastinate_jobs",
            "SELECT * FROM procrastinate_workers",
            "DELETE FROM procrastinate_events",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                await app_session.execute(text(statement))
            await app_session.rollback()
