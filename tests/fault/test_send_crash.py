"""A worker killed while its sends are in flight (the Graph API slowed to 2 s) makes no customer
get a reply twice, and loses none (issue 20, item 3): the sends that reached Meta are settled by
their status callbacks, the others go out after the settle wait."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import uuid

import pytest
from sqlalchemy import func, select, text

from invekto.jobs import SEND_MESSAGE
from invekto.sandbox.demo import DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.stack import running_stack
from invekto.storage.models import Message
from tests.conftest import make_settings
from tests.support.replies import stored_reply
from tests.support.waiting import wait_for
from tests.support.worker import start_worker, stop_worker

pytestmark = pytest.mark.slow

REPLIES = 20
CONCURRENCY = 8
GRAPH_DELAY_S = 2.0


async def test_a_worker_killed_mid_send_makes_no_duplicate_and_loses_nothing(
    fresh_db_url, tmp_path
):
    settings = make_settings(tmp_path, database_url=fresh_db_url)
    async with running_stack(settings, migrate=False, worker=False) as stack:
        SANDBOX_GRAPH.inject(delay_s=GRAPH_DELAY_S, times=10 * REPLIES)  # every send takes 2 s
        phones = {}
        for index in range(REPLIES):
            phone = f"9055510{index:05d}"
            reply = await stored_reply(stack, phone=phone, text_=f"yanıt {index}", enqueue=True)
            phones[reply.id] = phone

        async def claimed() -> dict[uuid.UUID, dt.datetime] | None:
            async with stack.services.db.session() as session:
                rows = (
                    await session.execute(
                        select(Message.id, Message.status_at).where(Message.status == "sending")
                    )
                ).all()
            return dict(rows) if len(rows) >= CONCURRENCY else None

        worker = start_worker(
            database_url=fresh_db_url,
            base_url=stack.base_url,
            data_dir=tmp_path,
            worker_concurrency=CONCURRENCY,
        )
        try:
            in_flight = await wait_for(claimed, timeout_s=60)
            await asyncio.sleep(0.5)  # the sends are inside the slowed Graph API now
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            worker = start_worker(
                database_url=fresh_db_url,
                base_url=stack.base_url,
                data_dir=tmp_path,
                worker_concurrency=CONCURRENCY,
            )

            settled_after: dict[uuid.UUID, float] = {}
            """Seconds from the claim of each send in flight at the kill to its settlement."""

            async def all_sent_and_done() -> bool | None:
                async with stack.services.db.session() as session:
                    sent = dict(
                        (
                            await session.execute(
                                select(Message.id, Message.wa_message_id).where(
                                    Message.id.in_(list(phones)), Message.wa_message_id.is_not(None)
                                )
                            )
                        ).all()
                    )
                    now = await session.scalar(select(func.now()))
                    jobs = await session.scalar(
                        text(
                            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task"
                            " AND status IN ('todo', 'doing')"
                        ),
                        {"task": SEND_MESSAGE},
                    )
                for message_id in sent:
                    claim = in_flight.get(message_id)
                    if claim is not None and message_id not in settled_after:
                        settled_after[message_id] = (now - claim).total_seconds()
                return (len(sent) == REPLIES and jobs == 0) or None

            await wait_for(all_sent_and_done, timeout_s=180)
        finally:
            stop_worker(worker)

        sends = {
            phone: SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=phone)
            for phone in phones.values()
        }
        twice = sorted(phone for phone, entries in sends.items() if len(entries) > 1)
        async with stack.services.db.session() as session:
            stored = {
                row.id: row
                for row in (
                    await session.execute(
                        select(
                            Message.id, Message.wa_message_id, Message.status, Message.attempts
                        ).where(Message.id.in_(list(phones)))
                    )
                ).all()
            }
        by_callback = [m for m in in_flight if stored[m].attempts == 1 and m in settled_after]
        latency = sorted(settled_after[m] for m in by_callback)
        print(  # the figures of the README's paragraph on interrupted sends
            f"\nin flight at the kill: {len(in_flight)}; settled by their callback: "
            f"{len(by_callback)}, {latency[0] if latency else 0:.2f}-"
            f"{latency[-1] if latency else 0:.2f}s after their claim; "
            f"sent twice: {len(twice)} of {REPLIES}"
        )
        assert twice == [], f"{len(twice)} of {REPLIES} replies went out twice"
        for message_id, phone in phones.items():
            (entry,) = sends[phone]  # exactly once, none lost
            assert stored[message_id].wa_message_id == entry["id"]
            assert stored[message_id].status in ("sent", "delivered", "read")
