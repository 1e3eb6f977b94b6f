"""``invekto bench``: many simulated customers through the signed webhook and the real worker.

A fresh embedded PostgreSQL in a temporary directory, the whole stack on a loopback port,
``tenants`` shop tenants with Trendyol orders in the sandbox, and ``conversations`` customers
who each write ``turns`` messages, waiting for every reply before the next one (as people do).
Prints a table, then as its last line one JSON object with the headline figures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from invekto.channels.whatsapp.parse import new_message_id
from invekto.config import Settings
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.seed import DEMO_SETTINGS
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.sandbox.trendyol_demo import DemoCustomer, DemoLine, DemoOrder, package_json
from invekto.security import CredentialBox
from invekto.stack import Stack, running_stack
from invekto.storage.models import AutoReplyLog, Channel, IntegrationAccount, Message, Tenant

SCRIPT = ["merhaba", "kargom nerede", "ne zaman gelir", "teşekkürler", "görüşürüz"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _bench_tenant(stack: Stack, index: int, phones: list[str]) -> tuple[str, str]:
    """A shop tenant with a WhatsApp number and a Trendyol account with one order per phone."""
    slug, phone_number_id = f"bench-shop-{index}", f"77000{index:05d}"
    seller_id, key, secret = str(880000 + index), f"bench-key-{index}", f"bench-secret-{index}"
    box = CredentialBox(stack.settings.resolved_secret_key())
    token = f"bench-token-{index}"
    async with stack.services.db.session() as session:
        tenant = Tenant(
            slug=slug,
            name=f"Bench Mağaza {index}",
            vertical="ecommerce",
            timezone="Europe/Istanbul",
            default_language="tr",
            business_hours={},
            settings=dict(DEMO_SETTINGS),
        )
        session.add(tenant)
        await session.flush()
        session.add(
            Channel(
                tenant_id=tenant.id,
                phone_number_id=phone_number_id,
                display_phone_number=f"90850{index:07d}",
                credentials=box.seal({"access_token": token}),
            )
        )
        session.add(
            IntegrationAccount(
                tenant_id=tenant.id,
                provider="trendyol",
                external_id=seller_id,
                status="connected",
                credentials=box.seal({"api_key": key, "api_secret": secret}),
            )
        )
        await session.commit()
    SANDBOX_GRAPH.register(phone_number_id, token)
    SANDBOX_TRENDYOL.add_seller(seller_id, key, secret)
    for n, phone in enumerate(phones):
        SANDBOX_TRENDYOL.add_package(seller_id, _package(index, n, phone))
    return slug, phone_number_id


def _package(tenant_index: int, n: int, phone: str) -> dict[str, Any]:
    """One shipped order per bench customer, in the real Trendyol JSON shape."""
    now = dt.datetime.now(dt.UTC)
    customer = DemoCustomer(
        100000 + n, "Test", f"Müşteri {n}", phone, "İstanbul", "Kadıköy", "Bench Sok. No:1"
    )
    line = DemoLine(
        int(f"6{tenant_index}{n:08d}"),
        "Pamuk Tişört Siyah L",
        1,
        "249.90",
        "TS-SYH-L",
        f"869{n:010d}",
        1000 + n,
        "L",
        "Siyah",
    )
    order = DemoOrder(
        int(f"5{tenant_index}{n:08d}"),
        f"{tenant_index}{n:09d}",
        customer,
        (line,),
        (("Created", now - dt.timedelta(days=2)), ("Shipped", now - dt.timedelta(days=1))),
        cargo_provider="Yurtiçi Kargo",
        tracking_number=int(f"725{tenant_index}{n:09d}"),
        trendyol_link=True,
        delivery_window=(now + dt.timedelta(days=1), now + dt.timedelta(days=2)),
    )
    return package_json(order)


async def _conversation(
    stack: Stack,
    client: httpx.AsyncClient,
    *,
    phone_number_id: str,
    phone: str,
    turns: int,
    latencies: list[tuple[int, float]],
    timeout_s: float = 60.0,
) -> int:
    sent = 0
    for i in range(turns):
        started = time.perf_counter()
        message_id = new_message_id("BENCH")
        for attempt in range(3):  # like Meta: redeliver on a transport error (same id)
            try:
                _, response = await post_customer_text(
                    client,
                    base_url=stack.base_url,
                    app_secret=stack.settings.whatsapp_app_secret,
                    phone_number_id=phone_number_id,
                    display_phone_number="",
                    phone=phone,
                    text=SCRIPT[i % len(SCRIPT)],
                    message_id=message_id,
                )
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5)
        response.raise_for_status()
        sent += 1
        deadline = started + timeout_s
        while SANDBOX_GRAPH.sent_count(phone_number_id, phone) < i + 1:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no reply to {phone} turn {i + 1}")
            await asyncio.sleep(0.02)
        latencies.append((i, (time.perf_counter() - started) * 1000))
    return sent


def _start_workers(count: int, stack: Stack) -> list[subprocess.Popen]:
    """``invekto worker`` processes on the bench database (the API stays in this process)."""
    env = {
        **os.environ,
        "INVEKTO_DATABASE_URL": stack.services.db.url,
        "INVEKTO_PUBLIC_URL": stack.base_url,
        "INVEKTO_SECRET_KEY": stack.settings.resolved_secret_key(),
        "INVEKTO_DATA_DIR": str(stack.settings.data_dir),
    }
    command = [sys.executable, "-m", "invekto.cli", "worker"]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


async def _wait_for_workers(stack: Stack, count: int, timeout_s: float = 120) -> None:
    """Start the clock only once the worker processes have booted and registered."""
    deadline = time.monotonic() + timeout_s
    while count:
        async with stack.services.db.session() as session:
            ready = await session.scalar(text("SELECT count(*) FROM procrastinate_workers"))
        if ready >= count:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("worker processes did not start")
        await asyncio.sleep(0.2)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


async def run_bench(
    *, conversations: int, tenants: int, turns: int, parallel: int, workers: int = 1
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="invekto-bench-"))
    settings = Settings(
        data_dir=data_dir,
        nlu_cache_dir=Settings().nlu_dir,  # the trained intent model is reused, not retrained
        port=0,
        secret_key=secrets.token_urlsafe(32),
        sandbox_status_callback_delay_s=0.05,
        env="test",
    )
    async with running_stack(settings, worker=workers == 0) as stack:
        processes = _start_workers(workers, stack)
        try:
            await _wait_for_workers(stack, workers)
            return await _run(
                stack,
                conversations=conversations,
                tenants=tenants,
                turns=turns,
                parallel=parallel,
                workers=workers,
            )
        finally:
            _stop(processes)


async def _run(
    stack: Stack, *, conversations: int, tenants: int, turns: int, parallel: int, workers: int
) -> dict[str, Any]:
    settings = stack.settings
    per_tenant = [list(range(i, conversations, tenants)) for i in range(tenants)]
    plan: list[tuple[str, str]] = []
    for index, members in enumerate(per_tenant, start=1):
        phones = [f"9053{index}{n:07d}" for n in members]
        _, phone_number_id = await _bench_tenant(stack, index, phones)
        plan.extend((phone_number_id, phone) for phone in phones)
    latencies: list[tuple[int, float]] = []
    gate = asyncio.Semaphore(parallel)
    started_at = dt.datetime.now(dt.UTC)

    async def one(phone_number_id: str, phone: str, client: httpx.AsyncClient) -> int:
        async with gate:
            return await _conversation(
                stack,
                client,
                phone_number_id=phone_number_id,
                phone=phone,
                turns=turns,
                latencies=latencies,
            )

    limits = httpx.Limits(max_connections=parallel, max_keepalive_connections=parallel)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        began = time.perf_counter()
        counts = await asyncio.gather(*(one(p, c, client) for p, c in plan))
        wall = time.perf_counter() - began
    async with stack.services.db.session() as session:
        processing = list(
            (
                await session.scalars(
                    select(AutoReplyLog.processing_ms)
                    .join(Tenant, Tenant.id == AutoReplyLog.tenant_id)
                    .where(Tenant.slug.like("bench-shop-%"), AutoReplyLog.created_at >= started_at)
                )
            ).all()
        )
        reply = Message.__table__.alias("reply")
        stages = (
            await session.execute(
                select(
                    func.extract("epoch", AutoReplyLog.created_at - AutoReplyLog.inbound_at),
                    func.extract("epoch", reply.c.sent_at - AutoReplyLog.created_at),
                )
                .join(reply, reply.c.id == AutoReplyLog.reply_message_id)
                .where(AutoReplyLog.created_at >= started_at)
            )
        ).all()
        outcomes = dict(
            (
                await session.execute(
                    select(AutoReplyLog.outcome, func.count())
                    .where(AutoReplyLog.created_at >= started_at)
                    .group_by(AutoReplyLog.outcome)
                )
            ).all()
        )
    messages = sum(counts)
    e2e = [ms for _, ms in latencies]
    result = {
        "messages": messages,
        "conversations": conversations,
        "tenants": tenants,
        "msg_per_s": round(messages / wall, 2),
        "p50_ms": round(percentile(processing, 0.5), 1),
        "p95_ms": round(percentile(processing, 0.95), 1),
    }
    print(
        f"invekto bench: {conversations} conversations × {turns} turns over {tenants} tenants, "
        f"{parallel} in flight, embedded PostgreSQL, "
        + (f"{workers} worker process(es)" if workers else "worker inside the API process")
        + f" (concurrency {settings.worker_concurrency} each)"
    )
    print(f"  messages                   {messages} in {wall:.1f} s")
    print(f"  end-to-end throughput      {result['msg_per_s']} msg/s")
    print(
        f"  per-turn processing (graph + tools + store), ms: p50 {result['p50_ms']}, "
        f"p95 {result['p95_ms']}, mean {statistics.fmean(processing or [0]):.1f}"
    )
    print(
        f"  webhook → reply at the Graph API, ms: p50 {percentile(e2e, 0.5):.0f}, "
        f"p95 {percentile(e2e, 0.95):.0f}"
    )
    until_decided = [float(a) * 1000 for a, _ in stages if a is not None]
    until_sent = [float(b) * 1000 for _, b in stages if b is not None]
    print(
        f"    stored → decided p50 {percentile(until_decided, 0.5):.0f}, "
        f"p95 {percentile(until_decided, 0.95):.0f}; decided → sent p50 "
        f"{percentile(until_sent, 0.5):.0f}, p95 {percentile(until_sent, 0.95):.0f}"
    )
    for turn in range(turns):
        values = [ms for i, ms in latencies if i == turn]
        print(
            f"    turn {turn + 1} {SCRIPT[turn % len(SCRIPT)]!r:18} p50 "
            f"{percentile(values, 0.5):.0f}, p95 {percentile(values, 0.95):.0f}"
        )
    print(f"  decisions                  {dict(sorted(outcomes.items()))}")
    return result
