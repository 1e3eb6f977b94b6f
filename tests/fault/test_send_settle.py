"""A reply whose attempt died after its claim is settled by Meta's status callback, not sent
twice (issue 20, item 3): every customer-service send names its message
(``biz_opaque_callback_data`` = ``reply:<message id>``); a callback naming a reply of this number
settles it; a retried send job waits a bounded time for that callback before sending again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from invekto.channels import outbound
from invekto.channels.whatsapp.ingest import EARLY_STATUS
from invekto.sandbox.demo import DEMO_CLINIC
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import WebhookEvent
from tests.support.replies import post_status, reload, send_job, stored_reply
from tests.support.waiting import wait_for

SENT = ("sent", "delivered", "read")


@pytest.mark.parametrize("kind", ["text", "buttons", "template"])
async def test_every_customer_service_send_names_its_message(stack, kind):
    phone = "905550000101"
    payload = {}
    if kind == "buttons":
        payload = {"interactive": {"buttons": [["slot:1", "Salı 10:00"], ["slot:2", "Çarşamba"]]}}
    if kind == "template":
        payload = {
            "template": {"name": "order_update", "language": "tr", "parameters": ["1065", "Yolda"]}
        }
    wrote_ago = dt.timedelta(days=2 if kind == "template" else 0)  # template: window closed
    message = await stored_reply(stack, phone=phone, payload=payload, wrote_ago=wrote_ago)

    assert await outbound.send_stored_message(stack.services, message.id) == "sent"

    (sent,) = SANDBOX_GRAPH.outbox(to=phone)
    assert sent["type"] == {"text": "text", "buttons": "interactive", "template": "template"}[kind]
    assert sent["body"]["biz_opaque_callback_data"] == f"reply:{message.id}"


async def test_a_callback_naming_a_reply_left_sending_settles_it(stack):
    phone = "905550000102"
    message = await stored_reply(stack, phone=phone, status="sending")

    await post_status(stack, message_id=message.id, wa_message_id="wamid.FIRST", recipient=phone)

    settled = await reload(stack, message.id)
    assert (settled.status, settled.wa_message_id) == ("sent", "wamid.FIRST")
    assert settled.sent_at is not None and settled.attempts == 1
    # From then on it is an ordinary message of ours: later callbacks move it forward.
    await post_status(
        stack, message_id=message.id, wa_message_id="wamid.FIRST", recipient=phone, status="read"
    )
    assert (await reload(stack, message.id)).status == "read"
    assert SANDBOX_GRAPH.outbox(to=phone) == []


async def test_a_callback_through_another_number_changes_nothing(stack):
    phone = "905550000103"
    message = await stored_reply(stack, phone=phone, status="sending")

    # The clinic's number names the shop's reply: not its message, nothing changes.
    await post_status(
        stack,
        message_id=message.id,
        wa_message_id="wamid.FORGED",
        recipient=phone,
        demo=DEMO_CLINIC,
    )
    unchanged = await reload(stack, message.id)
    assert (unchanged.status, unchanged.wa_message_id) == ("sending", None)
    async with stack.services.db.session() as session:
        kept = await session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.problem == EARLY_STATUS, WebhookEvent.detail == "wamid.FORGED")
        )
    assert kept == 1  # kept as a callback of an id that is not ours (it expires in a day)

    # Through the shop's own number, the same callback does settle it.
    await post_status(stack, message_id=message.id, wa_message_id="wamid.REAL", recipient=phone)
    settled = await reload(stack, message.id)
    assert (settled.status, settled.wa_message_id) == ("sent", "wamid.REAL")


async def test_a_clinic_reply_named_through_the_shops_number_changes_nothing(stack):
    """The other way round: the clinic's reply named through the shop's number stays as it
    was; through the clinic's own number it is settled."""
    phone = "905550000104"
    clinic_reply = await stored_reply(stack, phone=phone, status="sending", demo=DEMO_CLINIC)

    await post_status(stack, message_id=clinic_reply.id, wa_message_id="wamid.X", recipient=phone)

    unchanged = await reload(stack, clinic_reply.id)
    assert (unchanged.status, unchanged.wa_message_id) == ("sending", None)

    await post_status(
        stack,
        message_id=clinic_reply.id,
        wa_message_id="wamid.Y",
        recipient=phone,
        demo=DEMO_CLINIC,
    )
    settled = await reload(stack, clinic_reply.id)
    assert (settled.status, settled.wa_message_id) == ("sent", "wamid.Y")


async def test_a_retried_send_waits_for_the_callback_and_does_not_send_again(stack):
    phone = "905550000105"
    message = await stored_reply(stack, phone=phone, status="sending", enqueue=True)

    async def waiting():
        job = await send_job(stack, message.id)
        return job is not None and job["status"] == "todo" and job["attempts"] >= 1 or None

    await wait_for(waiting, timeout_s=20)  # put back to wait, not sent
    assert SANDBOX_GRAPH.outbox(to=phone) == []

    # The first attempt did reach Meta: its callback arrives while the job waits.
    await post_status(stack, message_id=message.id, wa_message_id="wamid.FIRST", recipient=phone)

    async def finished():
        return await send_job(stack, message.id) is None or None

    await wait_for(finished, timeout_s=30)
    assert SANDBOX_GRAPH.outbox(to=phone) == []
    settled = await reload(stack, message.id)
    assert (settled.status, settled.wa_message_id, settled.attempts) == (
        "sent",
        "wamid.FIRST",
        1,
    )


async def test_a_reply_with_no_callback_within_the_bound_is_sent_again_once(stack, monkeypatch):
    monkeypatch.setattr(outbound, "SETTLE_WAIT_S", 3.0)
    phone = "905550000106"
    message = await stored_reply(stack, phone=phone, status="sending", enqueue=True)

    async def waiting():
        job = await send_job(stack, message.id)
        return job is not None and job["status"] == "todo" and job["attempts"] >= 1 or None

    await wait_for(waiting, timeout_s=20)  # within the bound: waiting, nothing sent
    assert SANDBOX_GRAPH.outbox(to=phone) == []

    async def finished():
        return await send_job(stack, message.id) is None or None

    await wait_for(finished, timeout_s=30)
    (sent,) = SANDBOX_GRAPH.outbox(to=phone)
    assert sent["body"]["biz_opaque_callback_data"] == f"reply:{message.id}"
    again = await reload(stack, message.id)
    assert again.status in SENT and again.wa_message_id == sent["id"]
    assert again.attempts == 2  # the claim that died, and this one


async def test_recording_a_send_its_callback_already_settled_keeps_the_later_status(stack):
    """The callback can be faster than the worker's own recording of the send: the recording
    then changes nothing (the message stays ``delivered``, not back to ``sent``)."""
    phone = "905550000107"
    message = await stored_reply(stack, phone=phone, status="sending")
    await post_status(
        stack,
        message_id=message.id,
        wa_message_id="wamid.FAST",
        recipient=phone,
        status="delivered",
    )
    assert (await reload(stack, message.id)).status == "delivered"

    already = await outbound._record(
        stack.services, message.id, status="sent", wa_message_id="wamid.FAST"
    )

    assert already is True
    kept = await reload(stack, message.id)
    assert (kept.status, kept.wa_message_id) == ("delivered", "wamid.FAST")
