"""The 24-hour window, the simulator endpoints, the seed, the CLI and the graph's wiring."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from invekto.graphs.conversation.graph import build_graph
from invekto.sandbox.demo import AYSE_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.seed import seed
from invekto.security import CredentialBox
from invekto.storage.models import (
    Appointment,
    Channel,
    ClinicService,
    Conversation,
    Customer,
    Doctor,
    Message,
    Tenant,
    User,
)
from tests.conftest import TEST_SECRET
from tests.support.chat import say
from tests.support.waiting import wait_for

SNAPSHOT = Path(__file__).parent / "snapshots" / "conversation_graph.mmd"


async def _queue_reply(stack, session) -> Message:
    """A stored inbound message's reply queued for sending, as the graph would leave it."""
    await say(stack, "merhaba")
    inbound = await session.scalar(select(Message).where(Message.direction == "in"))
    reply = Message(
        tenant_id=inbound.tenant_id,
        conversation_id=inbound.conversation_id,
        direction="out",
        kind="text",
        text="Siparişiniz yolda.",
        status="queued",
        author="agent",
    )
    session.add(reply)
    await session.commit()
    return reply


async def _send(stack, message: Message) -> str:
    from invekto.channels.outbound import send_stored_message

    return await send_stored_message(stack.services, message.id)


async def test_outside_the_24h_window_a_free_text_is_not_sent(stack, session):
    reply = await _queue_reply(stack, session)
    await session.execute(
        update(Customer).values(last_inbound_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    )
    await session.commit()
    before = len(SANDBOX_GRAPH.outbox(to=AYSE_PHONE))

    assert await _send(stack, reply) == "failed"

    await session.refresh(reply)
    assert reply.status == "failed" and reply.error["code"] == 131047
    conversation = await session.get(Conversation, reply.conversation_id)
    await session.refresh(conversation)
    assert conversation.status == "waiting_human"
    assert len(SANDBOX_GRAPH.outbox(to=AYSE_PHONE)) == before


async def test_outside_the_window_a_template_goes_out(stack, session):
    reply = await _queue_reply(stack, session)
    reply.payload = {
        "template": {
            "name": "order_update",
            "language": "tr",
            "parameters": ["10654400001", "Kargoda"],
        }
    }
    await session.execute(
        update(Customer).values(last_inbound_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    )
    await session.commit()

    assert await _send(stack, reply) == "sent"

    last = SANDBOX_GRAPH.outbox(to=AYSE_PHONE)[-1]
    assert last["type"] == "template"
    assert last["body"]["template"]["name"] == "order_update"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_meta_refusing_with_131047_hands_the_chat_over(stack, session, mode):
    reply = await _queue_reply(stack, session)
    SANDBOX_GRAPH.reset()  # Meta forgets that the customer wrote: its window is closed
    SANDBOX_GRAPH.strict_window = True
    SANDBOX_GRAPH.window_error_mode = mode

    await _send(stack, reply)

    async def failed():
        await session.refresh(reply)
        return reply.status == "failed" or None

    await wait_for(failed)
    conversation = await session.get(Conversation, reply.conversation_id)
    await session.refresh(conversation)
    assert conversation.status == "waiting_human"
    assert "131047" in conversation.handoff_reason


async def test_graph_api_5xx_is_retried_by_the_send_job(stack, session):
    SANDBOX_GRAPH.inject(status=500, times=2)

    turn = await say(stack, "merhaba")

    assert turn["reply_status"] in ("sent", "delivered", "read")


async def test_simulator_endpoints(stack):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        page = await client.get("/sandbox/simulator")
        tenants = (await client.get("/sandbox/simulator/api/tenants")).json()
        sent = await client.post(
            "/sandbox/simulator/api/send",
            json={"tenant": "demo-shop", "phone": AYSE_PHONE, "text": "kargom nerede"},
        )
        unknown = await client.post(
            "/sandbox/simulator/api/send", json={"tenant": "nope", "phone": AYSE_PHONE, "text": "x"}
        )

        async def answered():
            lines = (
                await client.get(
                    "/sandbox/simulator/api/messages",
                    params={"tenant": "demo-shop", "phone": AYSE_PHONE},
                )
            ).json()
            return lines if any(line["direction"] == "out" for line in lines) else None

        lines = await wait_for(answered, timeout_s=20)

    assert page.status_code == 200 and "Müşteri simülatörü" in page.text
    assert {t["slug"] for t in tenants} == {"demo-shop", "demo-clinic", "demo-copilot"}
    assert sent.status_code == 200 and sent.json()["webhook"]["stored"] == 1
    assert unknown.status_code == 404
    assert lines[0]["text"] == "kargom nerede"
    assert "7330029145197" in lines[-1]["text"]
    turn = lines[0]["turn"]
    assert (turn["agent"], turn["intent"], turn["outcome"]) == (
        "support",
        "order_status",
        "auto_reply",
    )
    assert turn["tools"] == ["find_customer_orders"] and turn["understood_by"] == "local"
    assert lines[-1]["turn"] is None


async def test_seed_is_idempotent(stack, session):
    async def counts():
        return [
            await session.scalar(select(func.count()).select_from(model))
            for model in (Tenant, User, Channel, Customer, Doctor, ClinicService, Appointment)
        ]

    before = await counts()
    await seed(stack.services.db, CredentialBox(TEST_SECRET))
    await seed(stack.services.db, CredentialBox(TEST_SECRET))
    # tenants, owners, channels, customers (2 shop + 3 clinic), doctors, services, appointments
    assert await counts() == before == [3, 3, 3, 5, 3, 9, 3]


def test_graph_wiring_matches_the_snapshot():
    drawing = build_graph().get_graph().draw_mermaid()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(drawing)
    assert drawing == SNAPSHOT.read_text(), "graph wiring changed: UPDATE_SNAPSHOTS=1 to accept"


def test_simulate_cli_prints_one_json_per_turn(fresh_db_url, tmp_path):
    env = {
        **os.environ,
        "INVEKTO_DATABASE_URL": fresh_db_url,
        "INVEKTO_SECRET_KEY": TEST_SECRET,
        "INVEKTO_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "invekto.cli",
            "simulate",
            "--tenant",
            "demo-shop",
            "--phone",
            AYSE_PHONE,
            "merhaba",
            "kargom nerede",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )

    turns = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [t["intent"] for t in turns] == ["greeting", "order_status"]
    assert {"outcome", "agent", "intent", "reply", "tools"} <= set(turns[1])
    assert "7330029145197" in turns[1]["reply"]
    assert turns[1]["tools"] == ["find_customer_orders"]
