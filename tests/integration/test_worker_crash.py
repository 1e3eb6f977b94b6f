"""A worker killed in the middle of a job loses nothing: after a restart the customer gets
exactly one reply."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.stack import running_stack
from invekto.storage.models import AutoReplyLog, Message
from tests.conftest import TEST_SECRET, make_settings
from tests.support.chat import say
from tests.support.queue import queue_settled
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow


def start_worker(*, database_url: str, base_url: str, data_dir: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "INVEKTO_DATABASE_URL": database_url,
        "INVEKTO_SECRET_KEY": TEST_SECRET,
        "INVEKTO_PUBLIC_URL": base_url,
        "INVEKTO_DATA_DIR": data_dir,
        "INVEKTO_WORKER_HEARTBEAT_S": "0.5",
        "INVEKTO_WORKER_STALLED_AFTER_S": "2",
        "INVEKTO_TRENDYOL_TIMEOUT_S": "60",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "invekto.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


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
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)

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
