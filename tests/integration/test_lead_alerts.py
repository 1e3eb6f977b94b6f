"""B2B lead alerts: stored per channel, delivered by the job worker over a webhook or SMTP,
retried when it makes sense, recorded with their result, and scoped to their tenant."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi import FastAPI, Request, Response
from sqlalchemy import func, select, text

from invekto.integrations import alerts
from invekto.integrations.alerts import (
    SMTP_NOT_CONFIGURED,
    AlertDeliveryError,
    AlertRetryStrategy,
    post_webhook,
    queue_lead_alerts,
)
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, DemoTenant
from invekto.sandbox.sales_inbox import SALES_INBOX, SANDBOX_SALES_SECRET
from invekto.stack import Stack, free_port, running_stack
from invekto.storage.models import Channel, Conversation, Customer, Lead, LeadAlert, Tenant
from tests.conftest import make_settings
from tests.support.queue import queue_settled
from tests.support.server import serve
from tests.support.waiting import wait_for

SECRET = "s3cret-of-the-sales-team"
BUYER_PHONE = "905301234567"


@pytest.fixture(autouse=True)
def _reset_sales_inbox() -> Iterator[None]:
    SALES_INBOX.reset()
    yield
    SALES_INBOX.reset()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "RETRY_WAIT_S", 0.05)


# --- arranging -----------------------------------------------------------------------------------


async def configure_sales(stack: Stack, demo: DemoTenant, **sales: Any) -> uuid.UUID:
    """Set ``tenants.settings["sales"]`` as the owner would; returns the tenant id."""
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))
        assert tenant is not None
        tenant.settings = {**tenant.settings, "sales": sales}
        await session.commit()
        return tenant.id


async def create_lead(
    stack: Stack, demo: DemoTenant, **fields: Any
) -> tuple[Lead, list[LeadAlert]]:
    """What the B2B agent does: in one tenant transaction, store the lead and queue its alerts."""
    async with stack.services.db.session() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == demo.slug))
    assert tenant_id is not None
    async with stack.services.db.tenant_session(tenant_id) as session:
        tenant = await session.get(Tenant, tenant_id)
        channel = await session.scalar(select(Channel))
        customer = await session.scalar(select(Customer).where(Customer.phone == BUYER_PHONE))
        if customer is None:
            customer = Customer(tenant_id=tenant_id, phone=BUYER_PHONE, name="Kemal Öztürk")
            session.add(customer)
            await session.flush()
        conversation = await session.scalar(
            select(Conversation).where(Conversation.customer_id == customer.id)
        )
        if conversation is None:
            conversation = Conversation(
                tenant_id=tenant_id, customer_id=customer.id, channel_id=channel.id
            )
            session.add(conversation)
            await session.flush()
        values: dict[str, Any] = {
            "signal_text": "şirketimize 150 adet lazım faturalı",
            "company": "Öztürk Tekstil A.Ş.",
            "products": [{"product": "tişört", "quantity": 150}],
            "contact_email": "satinalma@ozturk.example",
            "past_orders": {"count": 3, "total": 1250.5, "currency": "TRY"},
        }
        values.update(fields)
        lead = Lead(
            tenant_id=tenant_id,
            conversation_id=conversation.id,
            customer_id=customer.id,
            **values,
        )
        session.add(lead)
        queued = await queue_lead_alerts(
            session,
            tenant_id=tenant_id,
            tenant_settings=tenant.settings,
            lead=lead,
            settings=stack.settings,
        )
        await session.commit()
        return lead, queued


async def load_alert(stack: Stack, alert_id: uuid.UUID) -> LeadAlert:
    async with stack.services.db.session() as session:
        alert = await session.get(LeadAlert, alert_id)
        assert alert is not None
        return alert


async def settled(stack: Stack, alert_id: uuid.UUID, timeout_s: float = 15.0) -> LeadAlert:
    async def done() -> LeadAlert | None:
        alert = await load_alert(stack, alert_id)
        return alert if alert.status in ("sent", "failed") else None

    return await wait_for(done, timeout_s=timeout_s)


class Receiver:
    """A sales system's webhook endpoint: answers with the scripted statuses, then 200."""

    def __init__(self, *statuses: int, delay_s: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.delay_s = delay_s
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.post("/hook")(self._hook)

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.requests.append((dict(request.headers), body))
            status = self.statuses.pop(0) if self.statuses else 200
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return Response(content=f"status {status}", status_code=status)


# --- webhook -------------------------------------------------------------------------------------


async def test_webhook_is_delivered_with_the_lead_and_a_valid_signature(stack):
    receiver = Receiver()
    with serve(receiver.app) as base:
        await configure_sales(
            stack, DEMO_SHOP, webhook_url=f"{base}/hook", webhook_secret=SECRET, name="Selin"
        )
        lead, queued = await create_lead(stack, DEMO_SHOP)
        assert [(a.channel, a.status) for a in queued] == [("webhook", "pending")]

        alert = await settled(stack, queued[0].id)

    assert alert.status == "sent", alert.last_error
    assert alert.response_code == 200 and alert.attempts == 1 and alert.last_error is None
    assert alert.delivered_at is not None and alert.target == f"{base}/hook"
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Invekto-Alerts/1"
    assert headers["x-invekto-event"] == "lead.created"
    assert headers["x-invekto-delivery"] == str(alert.id)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-invekto-signature"] == expected
    sent = json.loads(body)
    assert sent == alert.payload
    assert sent["event"] == "lead.created" and sent["lead_id"] == str(lead.id)
    assert sent["company"] == "Öztürk Tekstil A.Ş."
    assert sent["products"] == [{"product": "tişört", "quantity": 150}]
    assert sent["signal_text"] == "şirketimize 150 adet lazım faturalı"
    assert sent["customer"] == {"phone": BUYER_PHONE, "name": "Kemal Öztürk"}
    assert sent["past_orders"] == {"count": 3, "total": 1250.5, "currency": "TRY"}
    assert sent["tenant"]["name"] == DEMO_SHOP.name
    assert sent["created_at"].startswith(lead.created_at.isoformat()[:19])


async def test_without_a_secret_the_webhook_is_not_signed(stack):
    receiver = Receiver()
    with serve(receiver.app) as base:
        await configure_sales(stack, DEMO_SHOP, webhook_url=f"{base}/hook")
        _, queued = await create_lead(stack, DEMO_SHOP)
        alert = await settled(stack, queued[0].id)

    assert alert.status == "sent"
    assert "x-invekto-signature" not in receiver.requests[0][0]


async def test_a_5xx_is_retried_and_then_delivered(stack, fast_retries):
    receiver = Receiver(500)
    with serve(receiver.app) as base:
        await configure_sales(stack, DEMO_SHOP, webhook_url=f"{base}/hook", webhook_secret=SECRET)
        _, queued = await create_lead(stack, DEMO_SHOP)
        alert = await settled(stack, queued[0].id)

    assert alert.status == "sent" and alert.attempts == 2
    assert alert.response_code == 200 and alert.last_error is None
    deliveries = {headers["x-invekto-delivery"] for headers, _ in receiver.requests}
    assert len(receiver.requests) == 2 and deliveries == {str(alert.id)}
    assert receiver.requests[0][1] == receiver.requests[1][1]  # the same body, the same signature


async def test_a_4xx_fails_at_once(stack, fast_retries):
    receiver = Receiver(400)
    with serve(receiver.app) as base:
        await configure_sales(stack, DEMO_SHOP, webhook_url=f"{base}/hook")
        _, queued = await create_lead(stack, DEMO_SHOP)
        alert = await settled(stack, queued[0].id)
        # no retry comes: every delivery job has run, and none is scheduled
        await queue_settled(stack, task="invekto.tasks.deliver_lead_alert")
        async with stack.services.db.session() as session:
            later = await session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs"
                    " WHERE task_name = 'invekto.tasks.deliver_lead_alert' AND status = 'todo'"
                )
            )
        assert later == 0

    assert alert.status == "failed" and alert.attempts == 1
    assert alert.response_code == 400 and alert.last_error.startswith("HTTP 400")
    assert alert.delivered_at is None
    assert len(receiver.requests) == 1


async def test_429_and_408_are_retried(stack, fast_retries):
    receiver = Receiver(429, 408)
    with serve(receiver.app) as base:
        await configure_sales(stack, DEMO_SHOP, webhook_url=f"{base}/hook")
        _, queued = await create_lead(stack, DEMO_SHOP)
        alert = await settled(stack, queued[0].id)

    assert alert.status == "sent" and alert.attempts == 3


async def test_a_receiver_that_is_down_ends_failed_after_the_last_attempt(stack, fast_retries):
    url = f"http://127.0.0.1:{free_port()}/hook"  # nobody listens there
    await configure_sales(stack, DEMO_SHOP, webhook_url=url)
    _, queued = await create_lead(stack, DEMO_SHOP)

    alert = await settled(stack, queued[0].id, timeout_s=20)

    assert alert.status == "failed" and alert.attempts == alerts.MAX_ATTEMPTS
    assert alert.last_error and "connection failed" in alert.last_error
    assert alert.response_code is None and alert.delivered_at is None


async def test_a_sent_alert_is_not_delivered_again(stack):
    receiver = Receiver()
    with serve(receiver.app) as base:
        await configure_sales(stack, DEMO_SHOP, webhook_url=f"{base}/hook")
        lead, queued = await create_lead(stack, DEMO_SHOP)
        await settled(stack, queued[0].id)

        again = await alerts.deliver_alert(stack.services, queued[0].id, attempt=1)

        assert again == "skipped"
        assert len(receiver.requests) == 1
        assert (await load_alert(stack, queued[0].id)).attempts == 1

        # the agent calling again for the same lead does not alert the same channel twice
        async with stack.services.db.tenant_session(lead.tenant_id) as session:
            same = await session.get(Lead, lead.id)
            tenant = await session.get(Tenant, lead.tenant_id)
            repeat = await queue_lead_alerts(
                session,
                tenant_id=lead.tenant_id,
                tenant_settings=tenant.settings,
                lead=same,
                settings=stack.settings,
            )
            await session.commit()
        assert [a.id for a in repeat] == [queued[0].id]


async def test_a_slow_receiver_times_out_as_a_retryable_failure():
    receiver = Receiver(delay_s=1.0)
    with serve(receiver.app) as base:
        with pytest.raises(AlertDeliveryError) as caught:
            await post_webhook(
                f"{base}/hook", {"event": "lead.created"}, alert_id="x", secret=None, timeout_s=0.2
            )
    assert caught.value.retryable and "timed out" in str(caught.value)


def test_retry_waits_double_and_stop_at_the_last_attempt():
    strategy = AlertRetryStrategy()

    def wait(attempts: int, exc: BaseException | None = None) -> float | None:
        decision = strategy.get_retry_decision(
            exception=exc or RuntimeError(), job=SimpleNamespace(attempts=attempts)
        )
        if decision is None:
            return None
        return (decision.retry_at - alerts.utcnow()).total_seconds()

    assert [round(wait(n)) for n in range(alerts.MAX_ATTEMPTS - 1)] == [2, 4, 8, 16]
    assert wait(alerts.MAX_ATTEMPTS - 1) is None
    assert round(wait(0, alerts.RetryAlertLater("429", retry_after_s=30))) == 30
    assert round(wait(0, alerts.RetryAlertLater("429", retry_after_s=10**6))) == 600


# --- e-mail --------------------------------------------------------------------------------------


class Mailbox:
    """An SMTP server's handler: keeps accepted mail; refuses recipients starting with refuse."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refuse"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"alerts" and auth_data.password == b"smtp-pass"
        return AuthResult(success=ok)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
async def mail_stack(fresh_db_url: str, tmp_path: Path, mailbox) -> AsyncIterator[Stack]:
    """The stack with SMTP pointed at the local test server (login, no TLS)."""
    _, port = mailbox
    settings = make_settings(
        tmp_path,
        database_url=fresh_db_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_username="alerts",
        smtp_password="smtp-pass",
        smtp_from="Invekto Uyarı <alerts@invekto.test>",
        smtp_timeout_s=5.0,
    )
    async with running_stack(settings, migrate=False) as running:
        yield running


async def test_email_alert_reaches_the_sales_contact(mail_stack, mailbox):
    box, _ = mailbox
    await configure_sales(mail_stack, DEMO_SHOP, email="satis@demo-shop.test", name="Selin Hanım")
    lead, queued = await create_lead(mail_stack, DEMO_SHOP)
    assert [(a.channel, a.target, a.status) for a in queued] == [
        ("email", "satis@demo-shop.test", "pending")
    ]

    alert = await settled(mail_stack, queued[0].id)

    assert alert.status == "sent", alert.last_error
    assert alert.attempts == 1 and alert.response_code == 250 and alert.delivered_at
    assert box.logins == [(b"alerts", b"smtp-pass")]
    assert len(box.messages) == 1
    mail_from, rcpt_tos, content = box.messages[0]
    assert mail_from == "alerts@invekto.test" and rcpt_tos == ["satis@demo-shop.test"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == "Yeni toptan satış talebi: Öztürk Tekstil A.Ş."
    assert message["To"] == "satis@demo-shop.test"
    assert message["Reply-To"] == "satinalma@ozturk.example"
    assert message["X-Invekto-Delivery"] == str(alert.id)
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert body.startswith("Merhaba Selin Hanım,")
    for expected in (
        "Demo Butik için WhatsApp'tan yeni bir toptan (B2B) satış talebi geldi.",
        "Firma: Öztürk Tekstil A.Ş.",
        f"Müşteri: Kemal Öztürk, +{BUYER_PHONE}",
        "  - tişört: 150 adet",
        "Geçmiş siparişler: 3 sipariş, toplam 1250.5 TRY",
        "şirketimize 150 adet lazım faturalı",
        f"https://wa.me/{BUYER_PHONE}",
        f"Talep no: {lead.id}",
    ):
        assert expected in body


async def test_email_subject_falls_back_to_the_phone(mail_stack, mailbox):
    box, _ = mailbox
    await configure_sales(mail_stack, DEMO_SHOP, email="satis@demo-shop.test")
    _, queued = await create_lead(mail_stack, DEMO_SHOP, company=None, contact_email=None)

    alert = await settled(mail_stack, queued[0].id)

    assert alert.status == "sent"
    message = email.message_from_bytes(box.messages[0][2], policy=email.policy.default)
    assert message["Subject"] == f"Yeni toptan satış talebi: {BUYER_PHONE}"
    assert message["Reply-To"] is None
    assert "Firma: belirtilmedi" in message.get_content()


async def test_a_refused_recipient_fails_at_once(mail_stack, mailbox, fast_retries):
    await configure_sales(mail_stack, DEMO_SHOP, email="refuse@demo-shop.test")
    _, queued = await create_lead(mail_stack, DEMO_SHOP)

    alert = await settled(mail_stack, queued[0].id)

    assert alert.status == "failed" and alert.attempts == 1
    assert alert.response_code == 550 and "No such user" in alert.last_error


async def test_a_temporary_smtp_refusal_is_retried(mail_stack, mailbox, fast_retries):
    await configure_sales(mail_stack, DEMO_SHOP, email="busy@demo-shop.test")
    _, queued = await create_lead(mail_stack, DEMO_SHOP)

    alert = await settled(mail_stack, queued[0].id, timeout_s=20)

    assert alert.status == "failed" and alert.attempts == alerts.MAX_ATTEMPTS
    assert alert.response_code == 451


async def test_both_channels_get_one_alert_each(mail_stack, mailbox):
    box, _ = mailbox
    receiver = Receiver()
    with serve(receiver.app) as base:
        await configure_sales(
            mail_stack, DEMO_SHOP, webhook_url=f"{base}/hook", email="satis@demo-shop.test"
        )
        _, queued = await create_lead(mail_stack, DEMO_SHOP)
        done = [await settled(mail_stack, a.id) for a in queued]

    assert sorted((a.channel, a.status) for a in done) == [("email", "sent"), ("webhook", "sent")]
    assert len(box.messages) == 1 and len(receiver.requests) == 1


async def test_email_without_smtp_is_stored_failed_with_the_reason(stack):
    assert stack.settings.smtp_host is None
    await configure_sales(stack, DEMO_SHOP, email="satis@demo-shop.test")

    _, queued = await create_lead(stack, DEMO_SHOP)

    assert len(queued) == 1
    alert = await load_alert(stack, queued[0].id)
    assert (alert.channel, alert.target, alert.status) == (
        "email",
        "satis@demo-shop.test",
        "failed",
    )
    assert alert.last_error == SMTP_NOT_CONFIGURED and alert.attempts == 0
    assert alert.payload["event"] == "lead.created"
    async with stack.services.db.session() as session:
        jobs = await session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs"
                " WHERE task_name = 'invekto.tasks.deliver_lead_alert'"
            )
        )
    assert jobs == 0


async def test_no_sales_channel_means_no_alert(stack):
    await configure_sales(stack, DEMO_SHOP, webhook_url=None, email="  ")

    _, queued = await create_lead(stack, DEMO_SHOP)

    assert queued == []
    async with stack.services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(LeadAlert)) == 0


async def test_an_invalid_target_is_stored_failed(stack):
    await configure_sales(
        stack, DEMO_SHOP, webhook_url="ftp://example.test/x", email="not-an-email"
    )

    _, queued = await create_lead(stack, DEMO_SHOP)

    assert sorted((a.channel, a.status, a.last_error) for a in queued) == [
        ("email", "failed", "invalid e-mail address"),
        ("webhook", "failed", "invalid webhook URL (http or https only)"),
    ]


# --- tenancy and the sandbox ---------------------------------------------------------------------


async def test_alerts_are_invisible_to_another_tenant(stack):
    await configure_sales(stack, DEMO_SHOP, email="satis@demo-shop.test")
    await configure_sales(stack, DEMO_CLINIC, email="satis@demo-clinic.test")
    shop_lead, shop_alerts = await create_lead(stack, DEMO_SHOP)
    clinic_lead, clinic_alerts = await create_lead(stack, DEMO_CLINIC)

    async with stack.services.db.tenant_session(clinic_lead.tenant_id) as session:
        seen = list(await session.scalars(select(LeadAlert)))
        assert [a.id for a in seen] == [clinic_alerts[0].id]
        assert await session.get(LeadAlert, shop_alerts[0].id) is None
        assert list(await session.scalars(select(Lead.id))) == [clinic_lead.id]
    async with stack.services.db.tenant_session(shop_lead.tenant_id) as session:
        seen = list(await session.scalars(select(LeadAlert)))
        assert [a.id for a in seen] == [shop_alerts[0].id]
        assert seen[0].target == "satis@demo-shop.test"


async def test_the_sandbox_sales_inbox_receives_a_signed_alert(stack):
    await configure_sales(
        stack,
        DEMO_SHOP,
        webhook_url=f"{stack.base_url}/sandbox/sales-inbox",
        webhook_secret=SANDBOX_SALES_SECRET,
    )
    lead, queued = await create_lead(stack, DEMO_SHOP)

    alert = await settled(stack, queued[0].id)

    assert alert.status == "sent" and alert.response_code == 200
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        listed = (await client.get("/sandbox/sales-inbox")).json()
    assert listed["count"] == 1
    entry = listed["alerts"][0]
    assert entry["accepted"] and entry["signed"] and entry["signature_valid"] is True
    assert entry["delivery_id"] == str(alert.id) and entry["event"] == "lead.created"
    assert entry["payload"]["lead_id"] == str(lead.id)

    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        await client.post("/sandbox/sales-inbox/_control/reset")
        assert (await client.get("/sandbox/sales-inbox")).json()["count"] == 0


async def test_the_sandbox_sales_inbox_rejects_a_wrong_signature(stack):
    await configure_sales(
        stack,
        DEMO_SHOP,
        webhook_url=f"{stack.base_url}/sandbox/sales-inbox",
        webhook_secret="not-the-sandbox-secret",
    )
    _, queued = await create_lead(stack, DEMO_SHOP)

    alert = await settled(stack, queued[0].id)

    assert alert.status == "failed" and alert.response_code == 401 and alert.attempts == 1
    entries = SALES_INBOX.received()
    assert len(entries) == 1 and entries[0]["signature_valid"] is False
    assert SALES_INBOX.received(accepted_only=True) == []
