"""Templates and WhatsApp's outbound side over real HTTP: submission to the Graph stand-in,
status and category webhooks, marketing preferences, template sends refused or accepted like
Meta does, failures of messages Invekto wrote first, CTWA referrals and pricing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from invekto.channels.whatsapp.client import (
    MarketingLimitReached,
    MarketingOptedOut,
    TemplateNotSendable,
    WhatsAppClient,
    WhatsAppSendError,
)
from invekto.channels.whatsapp.parse import (
    build_message_webhook,
    build_status_webhook,
    build_template_status_webhook,
    build_user_preferences_webhook,
    new_message_id,
)
from invekto.channels.whatsapp.templates import TemplateExists, WabaApiError, WabaClient
from invekto.outbound.templates import TemplateSpec, approved, row_values, send_components, submit
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE
from invekto.sandbox.graph import DEMO_WABA_IDS, SANDBOX_GRAPH, GraphApiError
from invekto.storage.models import (
    Channel,
    ConsentEvent,
    Conversation,
    Customer,
    Message,
    OutboundSend,
    Tenant,
    WaTemplate,
    WebhookEvent,
)
from tests.security.test_hostile_webhooks import _post
from tests.support.waiting import wait_for

SHOP_WABA = DEMO_WABA_IDS[DEMO_SHOP.phone_number_id]
SHIPPED = {
    "name": "wa_test_kargo",
    "language": "tr",
    "category": "UTILITY",
    "variables": [
        {"name": "customer", "example": "Ayşe"},
        {"name": "order_no", "example": "TY123"},
    ],
    "body": "Merhaba {{1}}, siparişiniz {{2}} kargoya verildi.",
    "buttons": [{"type": "quick_reply", "text": "Teşekkürler", "payload": "THANKS"}],
}
PROMO = {
    "name": "wa_test_kampanya",
    "language": "tr",
    "category": "MARKETING",
    "variables": [{"name": "customer", "example": "Ayşe"}],
    "body": "Merhaba {{1}}, bu hafta %20 indirim!",
}


async def _channel(session, demo=DEMO_SHOP) -> Channel:
    channel = await session.scalar(
        select(Channel).where(Channel.phone_number_id == demo.phone_number_id)
    )
    channel.waba_id = DEMO_WABA_IDS[demo.phone_number_id]
    await session.commit()
    return channel


async def _template(session, channel: Channel, spec: dict[str, Any]) -> WaTemplate:
    row = WaTemplate(tenant_id=channel.tenant_id, **row_values(TemplateSpec.model_validate(spec)))
    session.add(row)
    await session.commit()
    return row


@pytest.fixture
def session(session):
    """The stack's session, its objects kept usable after a commit (reads below refresh)."""
    session.sync_session.expire_on_commit = False
    return session


async def _fresh(session, model, ident):
    return await session.get(model, ident, populate_existing=True)


async def _status_of(session, row_id: uuid.UUID, wanted: str) -> WaTemplate | None:
    row = await _fresh(session, WaTemplate, row_id)
    return row if row.status == wanted else None


async def _approved_template(stack, session, spec=SHIPPED) -> tuple[Channel, WaTemplate]:
    channel = await _channel(session)
    row = await _template(session, channel, spec)
    await submit(stack.services, session, row, channel)
    await session.commit()
    await wait_for(lambda: _status_of(session, row.id, "APPROVED"))
    return channel, await _fresh(session, WaTemplate, row.id)


async def _control(stack, path: str, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"{stack.base_url}/sandbox/graph") as http:
        return await http.post(path, json=body)


# --- submission and the status webhooks ----------------------------------------------------------


async def test_submit_goes_pending_then_the_webhook_approves(stack, session):
    channel = await _channel(session)
    row = await _template(session, channel, SHIPPED)

    await submit(stack.services, session, row, channel)
    await session.commit()

    assert row.status == "PENDING" and row.meta_template_id
    assert [entry["event"] for entry in row.history] == ["SUBMITTED"]
    (kept,) = SANDBOX_GRAPH.templates(SHOP_WABA)
    assert kept["components"][0] == {
        "type": "BODY",
        "text": "Merhaba {{1}}, siparişiniz {{2}} kargoya verildi.",
        "example": {"body_text": [["Ayşe", "TY123"]]},
    }
    assert "x_payload" not in json.dumps(kept["components"])
    done = await wait_for(lambda: _status_of(session, row.id, "APPROVED"))
    assert [entry["event"] for entry in done.history] == ["SUBMITTED", "APPROVED"]
    assert done.reason is None
    found = await approved(session, channel.tenant_id, "wa_test_kargo", "tr")
    assert found is not None and found.id == row.id


async def test_rejection_keeps_the_reason_and_a_resubmission_goes_again(stack, session):
    SANDBOX_GRAPH.template_review = "manual"
    channel = await _channel(session)
    row = await _template(session, channel, PROMO)
    await submit(stack.services, session, row, channel)
    await session.commit()

    answer = await _control(
        stack,
        "/_control/template",
        {"name": "wa_test_kampanya", "language": "tr", "action": "reject", "reason": "PROMOTIONAL"},
    )
    assert answer.status_code == 200
    rejected = await wait_for(lambda: _status_of(session, row.id, "REJECTED"))
    assert rejected.reason == "PROMOTIONAL"
    assert rejected.history[-1]["event"] == "REJECTED"
    assert await approved(session, channel.tenant_id, "wa_test_kampanya", "tr") is None

    await submit(stack.services, session, rejected, channel)  # deleted at Meta, created again
    await session.commit()
    assert rejected.status == "PENDING"
    assert [t["status"] for t in SANDBOX_GRAPH.templates(SHOP_WABA)] == ["PENDING"]


async def test_pause_disable_and_a_category_change_are_kept(stack, session):
    channel, row = await _approved_template(stack, session)

    await _control(
        stack,
        "/_control/template",
        {"name": row.name, "language": "tr", "action": "category", "category": "MARKETING"},
    )
    await wait_for(lambda: _category(session, row.id))
    await _control(
        stack, "/_control/template", {"name": row.name, "language": "tr", "action": "pause"}
    )
    paused = await wait_for(lambda: _status_of(session, row.id, "PAUSED"))
    assert paused.category == "MARKETING"
    events = [entry["event"] for entry in paused.history]
    assert events[-2:] == ["CATEGORY_CHANGED", "PAUSED"]
    assert paused.history[-2]["previous"] == "UTILITY"
    assert await approved(session, channel.tenant_id, row.name, "tr") is None


async def _category(session, row_id):
    row = await _fresh(session, WaTemplate, row_id)
    return row if row.category == "MARKETING" else None


async def test_an_api_refusal_keeps_the_draft_with_the_reason(stack, session):
    channel = await _channel(session)
    async with stack.services.waba_client(channel) as waba:
        await waba.create(
            {
                "name": "wa_test_kargo",
                "language": "tr",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Kargoda."}],
            }
        )
        with pytest.raises(TemplateExists):
            await waba.create(
                {
                    "name": "wa_test_kargo",
                    "language": "tr",
                    "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Kargoda."}],
                }
            )
    row = await _template(session, channel, SHIPPED)
    await submit(stack.services, session, row, channel)
    await session.commit()
    assert row.status == "DRAFT" and row.meta_template_id is None
    assert "already" in row.reason
    assert row.history[-1]["event"] == "SUBMIT_FAILED"

    bare = await session.scalar(
        select(Channel).where(Channel.phone_number_id == DEMO_CLINIC.phone_number_id)
    )
    bare.waba_id = ""
    clinic_row = await _template(session, bare, {**SHIPPED, "name": "randevu"})
    await submit(stack.services, session, clinic_row, bare)
    assert clinic_row.status == "DRAFT" and "waba_id" in clinic_row.reason


async def test_meta_validation_refusals_come_back_as_reasons(stack, session):
    channel = await _channel(session)
    row = await _template(session, channel, SHIPPED)
    row.components = [{"type": "BODY", "text": "{{1}} kargoda"}]  # Meta refuses this body
    await submit(stack.services, session, row, channel)
    assert row.status == "DRAFT" and "start or end" in row.reason


async def test_template_listing_pages_and_deleting(stack, session):
    channel = await _channel(session)
    async with stack.services.waba_client(channel) as waba:
        for index in range(5):
            await waba.create(
                {
                    "name": f"t{index}",
                    "language": "tr",
                    "category": "UTILITY",
                    "components": [{"type": "BODY", "text": f"Metin {index}."}],
                }
            )
        listed = await waba.list(page_size=2)
        assert [t["name"] for t in listed] == ["t0", "t1", "t2", "t3", "t4"]
        assert await waba.delete("t1")
        assert [t["name"] for t in await waba.list(name="t1")] == []
    other = await _channel(session, DEMO_CLINIC)
    async with stack.services.waba_client(other) as waba:
        assert await waba.list() == []  # another WABA sees nothing of this one


async def test_the_waba_refuses_another_numbers_token(stack):
    waba = WabaClient(
        graph_base=stack.settings.graph_base,
        api_version="v24.0",
        waba_id=SHOP_WABA,
        access_token=DEMO_CLINIC.access_token,
    )
    async with waba:
        with pytest.raises(WabaApiError) as caught:
            await waba.list()
    assert caught.value.code == 190


async def test_a_status_webhook_of_another_waba_changes_nothing(stack, session):
    channel, row = await _approved_template(stack, session)
    forged = build_template_status_webhook(
        waba_id=DEMO_WABA_IDS[DEMO_CLINIC.phone_number_id],
        event="DISABLED",
        template_id=row.meta_template_id,
        name=row.name,
        language="tr",
    )
    assert (await _post(stack, json.dumps(forged).encode())).status_code == 200
    assert (await _fresh(session, WaTemplate, row.id)).status == "APPROVED"
    kept = await session.scalar(
        select(WebhookEvent).where(WebhookEvent.problem == "unmatched_template")
    )
    assert kept is not None


# --- marketing preferences -----------------------------------------------------------------------


async def _customer(session, tenant_id, phone=AYSE_PHONE) -> Customer:
    return await session.scalar(
        select(Customer)
        .where(Customer.tenant_id == tenant_id, Customer.phone == phone)
        .execution_options(populate_existing=True)
    )


async def test_user_preferences_stop_and_resume_are_recorded_as_consent(stack, session):
    channel = await _channel(session)
    stop = {
        "phone_number_id": DEMO_SHOP.phone_number_id,
        "wa_id": AYSE_PHONE,
        "value": "stop",
        "detail": "User requested to stop marketing messages",
    }
    assert (await _control(stack, "/_control/user_preferences", stop)).status_code == 200

    async def opted_out():
        customer = await _customer(session, channel.tenant_id)
        return customer if customer and customer.marketing_opt_out_at else None

    await wait_for(opted_out)
    event = await session.scalar(select(ConsentEvent))
    assert (event.action, event.source, event.category) == ("stop", "user_preferences", "marketing")
    assert event.tenant_id == channel.tenant_id

    await _control(stack, "/_control/user_preferences", {**stop, "value": "resume"})

    async def back_in():
        customer = await _customer(session, channel.tenant_id)
        return customer if customer.marketing_opt_out_at is None else None

    await wait_for(back_in)
    actions = (await session.scalars(select(ConsentEvent.action).order_by(ConsentEvent.at))).all()
    assert list(actions) == ["stop", "resume"]


async def test_a_preference_of_someone_we_never_met_creates_the_customer(stack, session):
    channel = await _channel(session)
    payload = build_user_preferences_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        wa_id="905550001122",
        value="stop",
    )
    assert (await _post(stack, json.dumps(payload).encode())).status_code == 200
    customer = await _customer(session, channel.tenant_id, "905550001122")
    assert customer.marketing_opt_out_at is not None
    clinic = await session.scalar(select(Tenant).where(Tenant.slug == "demo-clinic"))
    assert await _customer(session, clinic.id, "905550001122") is None


# --- template sends at the stand-in --------------------------------------------------------------


async def test_template_sends_are_refused_unless_approved_in_that_language(stack, session):
    SANDBOX_GRAPH.template_review = "manual"
    channel = await _channel(session)
    row = await _template(session, channel, SHIPPED)
    await submit(stack.services, session, row, channel)
    await session.commit()
    parameters = {"customer": "Ayşe", "order_no": "TY1"}
    async with stack.services.whatsapp_client(channel) as client:
        with pytest.raises(TemplateNotSendable) as unknown:
            await client.send_template(to=AYSE_PHONE, name="yok_boyle", language="tr")
        with pytest.raises(TemplateNotSendable) as pending:
            await client.send_template(
                to=AYSE_PHONE,
                name=row.name,
                language="tr",
                components=send_components(row, parameters),
            )
        await _control(
            stack, "/_control/template", {"name": row.name, "language": "tr", "action": "approve"}
        )
        with pytest.raises(TemplateNotSendable) as english:
            await client.send_template(
                to=AYSE_PHONE,
                name=row.name,
                language="en",
                components=send_components(row, parameters),
            )
        with pytest.raises(TemplateNotSendable) as count:
            await client.send_template(
                to=AYSE_PHONE, name=row.name, language="tr", parameters=["only one"]
            )
        result = await client.send_template(
            to=AYSE_PHONE,
            name=row.name,
            language="tr",
            components=send_components(row, parameters),
            biz_opaque_callback_data="outbound:test",
        )
    assert [e.value.code for e in (unknown, pending, english)] == [132001] * 3
    assert count.value.code == 132000
    (entry,) = SANDBOX_GRAPH.outbox(to=AYSE_PHONE)
    assert entry["id"] == result.message_id
    assert entry["text"] == "Merhaba Ayşe, siparişiniz TY1 kargoya verildi.\n[Teşekkürler]"
    assert entry["body"]["biz_opaque_callback_data"] == "outbound:test"


async def test_marketing_to_an_opted_out_customer_is_131050_and_utility_still_goes(stack, session):
    channel, promo = await _approved_template(stack, session, PROMO)
    _, shipped = await _approved_template(stack, session, SHIPPED)
    await SANDBOX_GRAPH.set_preference(DEMO_SHOP.phone_number_id, AYSE_PHONE, "stop")
    async with stack.services.whatsapp_client(channel) as client:
        with pytest.raises(MarketingOptedOut) as refused:
            await client.send_template(
                to=AYSE_PHONE,
                name=promo.name,
                language="tr",
                components=send_components(promo, {"customer": "Ayşe"}),
            )
        await client.send_template(
            to=AYSE_PHONE,
            name=shipped.name,
            language="tr",
            components=send_components(shipped, {"customer": "Ayşe", "order_no": "TY1"}),
        )
        await client.send_template(  # another customer is not affected
            to=MEHMET_PHONE,
            name=promo.name,
            language="tr",
            components=send_components(promo, {"customer": "Mehmet"}),
        )
    assert refused.value.code == 131050 and not refused.value.retryable
    assert [e["to"] for e in SANDBOX_GRAPH.outbox()] == [AYSE_PHONE, MEHMET_PHONE]


async def test_the_marketing_cap_is_scriptable_per_customer(stack, session):
    channel, promo = await _approved_template(stack, session, PROMO)
    answer = await _control(
        stack,
        "/_control/marketing_limit",
        {"phone_number_id": DEMO_SHOP.phone_number_id, "wa_id": AYSE_PHONE, "times": 1},
    )
    assert answer.status_code == 200
    components = send_components(promo, {"customer": "Ayşe"})
    async with stack.services.whatsapp_client(channel) as client:
        with pytest.raises(MarketingLimitReached) as capped:
            await client.send_template(
                to=AYSE_PHONE, name=promo.name, language="tr", components=components
            )
        await client.send_template(
            to=AYSE_PHONE, name=promo.name, language="tr", components=components
        )
    assert capped.value.code == 131049
    assert len(SANDBOX_GRAPH.outbox()) == 1


async def test_over_the_numbers_throughput_is_130429(stack, session):
    channel = await _channel(session)
    config = await _control(stack, "/_control/config", {"throughput_per_s": 1})
    assert config.json()["throughput_per_s"] == 1
    async with httpx.AsyncClient() as http:
        full = (await http.get(f"{stack.base_url}/sandbox/graph/_control/config")).json()
    assert full["template_review"] == "immediate"
    client = WhatsAppClient(
        graph_base=stack.settings.graph_base,
        api_version="v24.0",
        phone_number_id=channel.phone_number_id,
        access_token=DEMO_SHOP.access_token,
        max_attempts=1,
    )
    async with client:
        await client.send_text(to=AYSE_PHONE, body="bir")
        with pytest.raises(WhatsAppSendError) as throttled:
            await client.send_text(to=AYSE_PHONE, body="iki")
    assert throttled.value.code == 130429 and throttled.value.retryable


# --- what Invekto writes first: statuses, pricing, failures --------------------------------------


async def _outbound(session, channel: Channel, *, status="sent") -> tuple[Message, OutboundSend]:
    """A template Invekto sent to Ayşe (as the dispatcher records one)."""
    customer = await session.scalar(
        select(Customer).where(
            Customer.tenant_id == channel.tenant_id, Customer.phone == AYSE_PHONE
        )
    )
    if customer is None:
        customer = Customer(tenant_id=channel.tenant_id, phone=AYSE_PHONE, name="Ayşe", tags=[])
        session.add(customer)
        await session.flush()
    conversation = Conversation(
        tenant_id=channel.tenant_id, channel_id=channel.id, customer_id=customer.id, status="open"
    )
    session.add(conversation)
    await session.flush()
    send = OutboundSend(
        tenant_id=channel.tenant_id,
        customer_id=customer.id,
        channel_id=channel.id,
        conversation_id=conversation.id,
        dedupe_key=f"test:{uuid.uuid4()}",
        template_name="wa_test_kampanya",
        language="tr",
        parameters={"customer": "Ayşe"},
        due_at=dt.datetime.now(dt.UTC),
        status=status,
        category="MARKETING",
        attempts=1,
    )
    session.add(send)
    await session.flush()
    message = Message(
        tenant_id=channel.tenant_id,
        conversation_id=conversation.id,
        direction="out",
        wa_message_id=new_message_id("OUT"),
        kind="template",
        text="Merhaba Ayşe",
        payload={
            "outbound": {"send_id": str(send.id), "flow": None, "template": "wa_test_kampanya"}
        },
        status="sent",
        author="system",
    )
    session.add(message)
    await session.flush()
    send.message_id = message.id
    await session.commit()
    return message, send


async def _status(stack, message: Message | None, status: str, **kwargs) -> None:
    wa_id = kwargs.pop("message_id", None) or (message.wa_message_id if message else None)
    payload = build_status_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message_id=wa_id,
        recipient=AYSE_PHONE,
        status=status,
        **kwargs,
    )
    assert (await _post(stack, json.dumps(payload).encode())).status_code == 200


PMP = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"}


async def test_pricing_is_stored_per_message(stack, session):
    channel = await _channel(session)
    message, _ = await _outbound(session, channel)
    await _status(stack, message, "delivered", pricing=PMP)
    stored = await _fresh(session, Message, message.id)
    assert stored.status == "delivered"
    assert stored.pricing == {
        "type": "regular",
        "category": "marketing",
        "billable": True,
        "pricing_model": "PMP",
    }


@pytest.mark.parametrize(
    ("code", "send_status", "reason"),
    [
        (131050, "failed", "opted_out_at_meta"),
        (131049, "scheduled", "marketing_cap"),
        (131026, "failed", "undeliverable"),
        (131000, "failed", "failed:131000"),
    ],
)
async def test_a_failed_outbound_message_updates_its_send_not_the_inbox(
    stack, session, code, send_status, reason
):
    channel = await _channel(session)
    message, send = await _outbound(session, channel)
    error = {"code": code, "title": "refused", "message": "refused", "error_data": {"details": "x"}}
    before = dt.datetime.now(dt.UTC)

    await _status(stack, message, "failed", errors=[error])

    stored = await _fresh(session, Message, message.id)
    assert stored.status == "failed"
    conversation = await _fresh(session, Conversation, stored.conversation_id)
    assert conversation.status == "open" and conversation.handoff_reason is None
    send = await _fresh(session, OutboundSend, send.id)
    assert (send.status, send.reason, send.error["code"]) == (send_status, reason, code)
    customer = await _fresh(session, Customer, send.customer_id)
    if code == 131050:
        assert customer.marketing_opt_out_at is not None
        event = await session.scalar(select(ConsentEvent))
        assert (event.action, event.source) == ("stop", "meta_131050")
    else:
        assert customer.marketing_opt_out_at is None
    if code == 131049:
        assert send.due_at >= before + dt.timedelta(hours=24)
        assert send.message_id is None


async def test_a_callback_for_a_live_send_waits_for_the_dispatcher(stack, session):
    """While the dispatcher may still record the send itself, the callback is kept for it."""
    channel = await _channel(session)
    _, send = await _outbound(session, channel, status="sending")
    send = await _fresh(session, OutboundSend, send.id)
    send.message_id, send.claimed_at = None, dt.datetime.now(dt.UTC)
    await session.commit()
    wa_id = new_message_id("LIVE")
    await _status(
        stack, None, "sent", message_id=wa_id, biz_opaque_callback_data=f"outbound:{send.id}"
    )
    send = await _fresh(session, OutboundSend, send.id)
    assert send.status == "sending" and send.message_id is None
    kept = await session.scalar(select(WebhookEvent).where(WebhookEvent.detail == wa_id))
    assert kept.problem == "early_status" and f"outbound:{send.id}" in kept.body


async def test_a_callback_naming_an_interrupted_send_records_it_as_sent(stack, session):
    channel, promo = await _approved_template(stack, session, PROMO)
    _, send = await _outbound(session, channel, status="sending")
    send = await _fresh(session, OutboundSend, send.id)
    send.message_id = None
    send.claimed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)  # a dispatcher died
    await session.commit()
    wa_id = new_message_id("LOST")

    await _status(
        stack,
        None,
        "sent",
        message_id=wa_id,
        biz_opaque_callback_data=f"outbound:{send.id}",
        pricing=PMP,
    )

    send = await _fresh(session, OutboundSend, send.id)
    assert send.status == "sent" and send.message_id is not None
    message = await _fresh(session, Message, send.message_id)
    assert message.wa_message_id == wa_id and message.status == "sent"
    assert message.text == "Merhaba Ayşe, bu hafta %20 indirim!"
    assert message.payload["outbound"]["send_id"] == str(send.id)
    assert message.pricing["category"] == "marketing"


async def test_a_callback_naming_another_tenants_send_is_ignored(stack, session):
    channel = await _channel(session)
    _, send = await _outbound(session, channel, status="sending")
    send = await _fresh(session, OutboundSend, send.id)
    send.message_id = None
    send.claimed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    await session.commit()
    payload = build_status_webhook(
        phone_number_id=DEMO_CLINIC.phone_number_id,
        display_phone_number=DEMO_CLINIC.display_phone_number,
        message_id=new_message_id("FORGED"),
        recipient=AYSE_PHONE,
        status="sent",
        biz_opaque_callback_data=f"outbound:{send.id}",
    )
    assert (await _post(stack, json.dumps(payload).encode())).status_code == 200
    send = await _fresh(session, OutboundSend, send.id)
    assert send.status == "sending" and send.message_id is None


async def test_status_callbacks_of_a_template_send_echo_the_opaque_data(stack, session):
    channel, promo = await _approved_template(stack, session, PROMO)
    _, send = await _outbound(session, channel, status="sending")
    send = await _fresh(session, OutboundSend, send.id)
    send.message_id = None
    send.claimed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)  # a dispatcher died
    await session.commit()
    async with stack.services.whatsapp_client(channel) as client:
        result = await client.send_template(
            to=AYSE_PHONE,
            name=promo.name,
            language="tr",
            components=send_components(promo, {"customer": "Ayşe"}),
            biz_opaque_callback_data=f"outbound:{send.id}",
        )

    async def recorded():
        found = await _fresh(session, OutboundSend, send.id)
        return found if found.message_id else None

    found = await wait_for(recorded)
    message = await _fresh(session, Message, found.message_id)
    assert message.wa_message_id == result.message_id

    async def read():
        stored = await _fresh(session, Message, found.message_id)
        return stored if stored.status == "read" else None

    stored = await wait_for(read)
    assert stored.pricing["category"] == "marketing"


# --- referrals and hostile payloads --------------------------------------------------------------


def _referred(text: str, ad: str) -> dict[str, Any]:
    message = {
        "from": AYSE_PHONE,
        "id": new_message_id(),
        "timestamp": str(int(dt.datetime.now(dt.UTC).timestamp())),
        "type": "text",
        "text": {"body": text},
        "referral": {
            "source_url": "https://fb.me/ad",
            "source_id": ad,
            "source_type": "ad",
            "headline": "Kış indirimi",
            "body": "Tüm montlarda %30",
            "media_type": "image",
            "image_url": "https://cdn.example/ad.jpg",
            "ctwa_clid": f"clid-{ad}",
        },
    }
    return build_message_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message=message,
        name="Ayşe",
    )


async def test_the_first_referral_is_kept_on_the_conversation(stack, session):
    first = _referred("Bu mont hâlâ var mı?", "120210000000001")
    assert (await _post(stack, json.dumps(first).encode())).status_code == 200
    second = _referred("Bir de bu?", "120210000000002")
    assert (await _post(stack, json.dumps(second).encode())).status_code == 200
    conversation = await session.scalar(
        select(Conversation)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Customer.phone == AYSE_PHONE, Conversation.channel_id.is_not(None))
        .where(Conversation.referral.is_not(None))
    )
    assert conversation.referral["source_id"] == "120210000000001"
    assert conversation.referral["ctwa_clid"] == "clid-120210000000001"
    assert conversation.referral["headline"] == "Kış indirimi"
    assert (
        conversation.referral["message_id"]
        == first["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    )


async def test_hostile_template_and_preference_payloads_are_answered_and_nothing_lost(
    stack, session
):
    channel, row = await _approved_template(stack, session)
    good_status = build_template_status_webhook(
        waba_id=SHOP_WABA,
        event="PAUSED",
        template_id=row.meta_template_id,
        name=row.name,
        language="tr",
        reason="LOW_QUALITY",
    )
    hostile_changes = [
        {"field": "message_template_status_update", "value": {"event": ["x"]}},
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}},
        {"field": "message_template_status_update", "value": "nope"},
        {
            "field": "message_template_status_update",
            "value": {"event": "X" * 10_000, "message_template_id": 5},
        },
        {"field": "template_category_update", "value": {"message_template_id": "1"}},
        {"field": "user_preferences", "value": {"user_preferences": "stop"}},
        {
            "field": "user_preferences",
            "value": {
                "metadata": {},
                "user_preferences": [
                    {"wa_id": "not-a-number", "value": "stop"},
                    {"wa_id": AYSE_PHONE, "value": "explode"},
                    None,
                    {"wa_id": ["905"], "value": "stop"},
                ],
            },
        },
        {"field": ["messages"], "value": {}},
    ]
    good_preference = build_user_preferences_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        wa_id=MEHMET_PHONE,
        value="stop",
    )
    payload = good_status
    payload["entry"][0]["changes"].extend(hostile_changes)
    payload["entry"][0]["changes"].append(good_preference["entry"][0]["changes"][0])

    response = await _post(stack, json.dumps(payload).encode())

    assert response.status_code == 200
    assert response.json()["unknown"] == 11
    assert (await _fresh(session, WaTemplate, row.id)).status == "PAUSED"
    assert (await _fresh(session, WaTemplate, row.id)).reason == "LOW_QUALITY"
    mehmet = await _customer(session, channel.tenant_id, MEHMET_PHONE)
    assert mehmet.marketing_opt_out_at is not None
    ayse = await _customer(session, channel.tenant_id, AYSE_PHONE)
    assert ayse is None or ayse.marketing_opt_out_at is None


async def test_a_redelivered_status_webhook_is_noted_once(stack, session):
    _, row = await _approved_template(stack, session)
    payload = build_template_status_webhook(
        waba_id=SHOP_WABA,
        event="FLAGGED",
        template_id=row.meta_template_id,
        name=row.name,
        language="tr",
    )
    for _ in range(2):
        assert (await _post(stack, json.dumps(payload).encode())).status_code == 200
    stored = await _fresh(session, WaTemplate, row.id)
    assert stored.status == "APPROVED"  # a flagged template still goes
    assert [entry["event"] for entry in stored.history] == ["SUBMITTED", "APPROVED", "FLAGGED"]


async def test_no_template_webhook_reaches_another_tenants_rows(stack, session):
    """Same name and language in two tenants: a webhook by name touches only the WABA's one."""
    shop, row = await _approved_template(stack, session)
    clinic = await _channel(session, DEMO_CLINIC)
    other = await _template(session, clinic, SHIPPED)
    payload = build_template_status_webhook(
        waba_id=SHOP_WABA,
        event="DISABLED",
        template_id="999999999",
        name=row.name,
        language="tr",
    )
    await session.execute(
        update(WaTemplate).where(WaTemplate.id == row.id).values(meta_template_id=None)
    )
    await session.commit()
    assert (await _post(stack, json.dumps(payload).encode())).status_code == 200
    assert (await _fresh(session, WaTemplate, row.id)).status == "DISABLED"
    assert (await _fresh(session, WaTemplate, other.id)).status == "DRAFT"


async def test_a_waba_creates_at_most_100_templates_an_hour(stack):
    SANDBOX_GRAPH.template_review = "manual"
    for index in range(100):
        body = {
            "name": f"t{index}",
            "language": "tr",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Merhaba."}],
        }
        SANDBOX_GRAPH.create_template(SHOP_WABA, json.dumps(body).encode())
    body["name"] = "one_too_many"
    with pytest.raises(GraphApiError) as caught:
        SANDBOX_GRAPH.create_template(SHOP_WABA, json.dumps(body).encode())
    assert caught.value.code == 80008
    other = DEMO_WABA_IDS[DEMO_CLINIC.phone_number_id]
    SANDBOX_GRAPH.create_template(other, json.dumps(body).encode())  # per WABA


async def test_refusals_can_come_back_as_failed_callbacks(stack, session):
    channel, promo = await _approved_template(stack, session, PROMO)
    await _control(stack, "/_control/config", {"user_error_mode": "async"})
    await SANDBOX_GRAPH.set_preference(DEMO_SHOP.phone_number_id, AYSE_PHONE, "stop")
    async with stack.services.whatsapp_client(channel) as client:
        result = await client.send_template(
            to=AYSE_PHONE,
            name=promo.name,
            language="tr",
            components=send_components(promo, {"customer": "Ayşe"}),
        )

    async def failed():
        (entry,) = SANDBOX_GRAPH.outbox(to=AYSE_PHONE)
        return entry if entry["status"] == "failed" else None

    entry = await wait_for(failed)
    assert entry["id"] == result.message_id
    kept = await wait_for(
        lambda: session.scalar(select(WebhookEvent).where(WebhookEvent.detail == result.message_id))
    )
    assert '"code":131050' in kept.body.replace(" ", "")
