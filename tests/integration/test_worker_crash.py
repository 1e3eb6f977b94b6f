"""A worker killed in the middle of a job loses nothing: after a restart the customer gets
exactly one reply."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from sqlalchemy import func, select

from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.stack import running_stack
from invekto.storage.models import AutoReplyLog, Message
from tests.conftest import make_settings
from tests.support.chat import say
from tests.support.queue import queue_settled
from tests.support.waiting import wait_for
from tests.support.worker import start_worker, stop_worker

pytestmark = pytest.mark.slow


async def test_killed_worker_job_runs_again_and_replies_once(fresh_db_url, tmp_path):
    settings = make_settings(tmp_path, database_url=fresh_db_url)
    async with running_stack(settings, migrate=False, worker=False) as stack:
        SANDBOX_TRENDYOL.inject(delay_s=30, times=1)  # the first marketplace call hangs
        worker = start_worker(
            database_url=fresh_db_url, base_url=stack.base_url, data_dir=str(tmp_path)
        )
        try:
            task = asyncio.create_task(say(stack, "10654400001 siparişim nerede", timeout_s=90))

            async def processing():
                async with stack.services.db.session() as session:
                    status = await session.scalar(
                        select(Message.status).where(Message.direction == "in")
                    )
                return status == "processing" or None

            await wait_for(processing, timeout_s=30)

            async def inside_the_hanging_call() -> bool:
                return SANDBOX_TRENDYOL.pending_faults() == 0

            await wait_for(inside_the_hanging_call, timeout_s=30)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

            worker = start_worker(
                database_url=fresh_db_url, base_url=stack.base_url, data_dir=str(tmp_path)
            )
            turn = await task
            await queue_settled(stack)  # a second run or send, had there been one, is done too
        finally:
            stop_worker(worker)

        assert turn["outcome"] == "auto_reply"
        assert "7330029145197" in turn["reply"]
        sent = SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=AYSE_PHONE)
        assert len(sent) == 1
        async with stack.services.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(AutoReplyLog)) == 1
            assert (
                await session.scalar(
                    select(func.count()).select_from(Message).where(Message.direction == "out")
                )
                == 1
            )
