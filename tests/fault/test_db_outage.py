"""PostgreSQL goes away for ten seconds under traffic and comes back: the in-process and the
standalone worker ride it out, readiness says so, and every message is answered exactly once,
with no manual step."""

from __future__ import annotations

import asyncio
import time

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from invekto.channels.whatsapp.parse import new_message_id
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.services import load_understander, warm_guards
from invekto.stack import Stack, running_stack
from invekto.storage.models import Message
from tests.conftest import make_settings
from tests.fault.pg import migrate_and_seed, own_postgres
from tests.support.waiting import wait_for
from tests.support.worker import start_worker, stop_worker

pytestmark = pytest.mark.slow

OUTAGE_S = 10.0
ANSWERED = ("sent", "delivered", "read")


async def deliver(stack: Stack, http: httpx.AsyncClient, phone: str, wa_id: str) -> int:
    """Deliver one message as Meta does: the same message again until it is accepted with a
    200 (a 5xx, or no answer, means "again"). Returns the attempts."""
    deadline = time.monotonic() + 90
    attempts = 0
    while True:
        attempts += 1
        try:
            _, response = await post_customer_text(
                http,
                base_url=stack.base_url,
                app_secret=stack.settings.whatsapp_app_secret,
                phone_number_id=DEMO_SHOP.phone_number_id,
                display_phone_number=DEMO_SHOP.display_phone_number,
                phone=phone,
                text="merhaba",
                message_id=wa_id,
            )
            if response.status_code == 200:
                return attempts
            assert response.status_code == 503, response.text  # "try again", never a 500
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{wa_id} was never accepted"
        await asyncio.sleep(0.25)


async def readiness(http: httpx.AsyncClient) -> tuple[int, dict]:
    response = await http.get("/readyz")
    return response.status_code, response.json()


def fresh_workers(url: str) -> int:
    """Workers whose heartbeat is fresh (each process's current worker)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
        row = conn.execute(
            "SELECT count(*) FROM procrastinate_workers"
            " WHERE last_heartbeat > now() - interval '2 seconds'"
        ).fetchone()
    return row[0] if row else 0


async def test_traffic_through_a_database_outage_is_answered_once(tmp_path):
    own = await own_postgres(tmp_path / "pg")
    settings = make_settings(
        tmp_path, database_url=own.url, worker_restart_backoff_max_s=1.0, ready_timeout_s=1.0
    )
    # Started before the schema exists: it waits for the database like after an outage.
    standalone = start_worker(
        database_url=own.url,
        base_url=settings.base_url,
        data_dir=tmp_path,
        log=tmp_path / "worker.log",
        worker_concurrency=2,
        worker_stalled_after_s=3,
        worker_restart_backoff_max_s=1,
        db_pool_size=4,
    )
    try:
        await asyncio.gather(
            migrate_and_seed(own.url, tmp_path),
            asyncio.to_thread(load_understander, settings),  # what Services.start loads
            asyncio.to_thread(warm_guards),
        )
        async with (
            running_stack(settings, migrate=False) as stack,
            httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http,
        ):

            async def ready(expected: int) -> tuple[int, dict] | None:
                status, body = await readiness(http)
                return (status, body) if status == expected else None

            async def both_workers_up() -> bool:
                assert standalone.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                return await asyncio.to_thread(fresh_workers, own.url) >= 2

            await wait_for(lambda: ready(200), timeout_s=30)
            await wait_for(both_workers_up, timeout_s=60)

            phones = [f"90555000{n:04d}" for n in range(12)]
            ids = {phone: new_message_id("OUTAGE") for phone in phones}

            def send(phone: str) -> asyncio.Task[int]:
                return asyncio.create_task(deliver(stack, http, phone, ids[phone]))

            # Accepted and being processed when the database goes.
            await asyncio.gather(*(send(phone) for phone in phones[:4]))
            await own.stop()
            down_at = time.monotonic()
            arriving = []
            for phone in phones[4:10]:  # messages keep arriving (and are redelivered)
                arriving.append(send(phone))
                await asyncio.sleep(0.4)
            status, body = await wait_for(lambda: ready(503), timeout_s=20)
            assert "database: no answer" in body["reasons"]
            await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
            await own.start()
            arriving += [send(phone) for phone in phones[10:]]

            await wait_for(lambda: ready(200), timeout_s=60)
            await wait_for(both_workers_up, timeout_s=60)
            await asyncio.gather(*arriving)

            async def all_answered() -> bool:
                async with stack.services.db.session() as session:
                    answered = await session.scalar(
                        select(func.count(func.distinct(Message.reply_to_id))).where(
                            Message.direction == "out",
                            Message.status.in_(ANSWERED),
                            Message.reply_to_id.in_(
                                select(Message.id).where(
                                    Message.wa_message_id.in_(list(ids.values()))
                                )
                            ),
                        )
                    )
                    pending = await session.scalar(
                        select(func.count())
                        .select_from(Message)
                        .where(Message.status.in_(("received", "processing", "queued", "sending")))
                    )
                if answered != len(phones) or pending:
                    return False
                with psycopg.connect(own.url, autocommit=True) as conn:
                    row = conn.execute(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                        " AND task_name IN ('invekto.tasks.process_inbound',"
                        " 'invekto.tasks.send_message')"
                    ).fetchone()
                return bool(row and row[0] == 0)

            await wait_for(all_answered, timeout_s=90)

            # Exactly one reply reached each customer, and one is stored per message.
            sent = {
                phone: len(SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=phone))
                for phone in phones
            }
            assert sent == dict.fromkeys(phones, 1)
            async with stack.services.db.session() as session:
                inbound = await session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.wa_message_id.in_(list(ids.values())))
                )
                replies = await session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.direction == "out", Message.reply_to_id.is_not(None))
                )
            assert (inbound, replies) == (len(phones), len(phones))
            assert standalone.poll() is None
    finally:
        stop_worker(standalone)
        own.close()
