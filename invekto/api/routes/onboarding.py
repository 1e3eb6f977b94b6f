"""A seller's first day: which onboarding steps are done, connecting WhatsApp and checking it.

Steps, in order: ``trendyol`` (``POST /api/integrations/trendyol``), ``whatsapp``
(``POST /api/onboarding/whatsapp``), ``cargo_automation`` (``PATCH /api/tenant
{"automation": {"cargo_questions": true}}``), ``test_message`` (a first customer message arrived),
``first_auto_reply`` (a first reply went out on its own). ``GET /api/onboarding`` says which are
done, so the UI can resume anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Literal

import httpx
from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from invekto.api.deps import (
    ServicesDep,
    SystemSessionDep,
    TenantContext,
    TenantSessionDep,
    require,
)
from invekto.config import Settings
from invekto.core.tenant_settings import TenantSettings
from invekto.storage.models import AutoReplyLog, Channel, IntegrationAccount, Message, Tenant

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/onboarding", tags=["onboarding"])

StepName = Literal["trendyol", "whatsapp", "cargo_automation", "test_message", "first_auto_reply"]
SIMULATOR_PHONE = "905321112233"
"""The customer the sandbox simulator writes as by default (a demo customer with orders)."""
STEPS: tuple[StepName, ...] = (
    "trendyol",
    "whatsapp",
    "cargo_automation",
    "test_message",
    "first_auto_reply",
)


# --- shapes -------------------------------------------------------------------------------------


class Step(BaseModel):
    name: StepName
    done: bool
    at: dt.datetime | None = None
    """When it happened, where known."""
    detail: dict[str, Any] = Field(default_factory=dict)
    """Per step: trendyol {seller_id, status, last_error}; whatsapp {phone_number_id,
    display_phone_number, webhook_url, verify_token}; cargo_automation {enabled,
    automation_enabled}; first_auto_reply {seconds_to_reply}."""


class SandboxTrendyol(BaseModel):
    """Trendyol credentials of the sandbox stand-in for this business (its own seller, with the
    demo shop's orders and catalogue), so the set-up can be tried end to end."""

    seller_id: str
    api_key: str
    api_secret: str
    customer_phone: str
    """A customer with orders there: the simulator's default number."""


class OnboardingStatus(BaseModel):
    tenant: str
    vertical: str
    steps: list[Step]
    next_step: StepName | None
    """The first step not done (None: all done)."""
    time_to_first_automated_reply_s: float | None
    """Seconds from the first automatically answered message to its reply being sent."""
    simulator_url: str | None
    """Where to send a test message as a customer (sandbox only)."""
    sandbox_trendyol: SandboxTrendyol | None = None
    """Sandbox only: Trendyol credentials to connect with."""


class WhatsAppConnect(BaseModel):
    phone_number_id: str = Field(min_length=3, max_length=64, pattern=r"^\d+$")
    display_phone_number: str = Field("", max_length=32)
    access_token: str = Field(min_length=10, max_length=1000)
    app_secret: str = Field("", max_length=200)
    """The Meta app's secret (kept encrypted with the token)."""
    waba_id: str = Field("", max_length=64)


class WhatsAppConnected(BaseModel):
    """What to paste into Meta's webhook settings."""

    channel_id: uuid.UUID
    phone_number_id: str
    display_phone_number: str
    webhook_url: str
    verify_token: str
    subscribe_fields: list[str] = ["messages"]


class WhatsAppCheck(BaseModel):
    ok: bool
    reason: Literal[
        "ok", "not_connected", "invalid_token", "unknown_number", "unreachable", "error"
    ]
    message: str
    """In plain words, for the seller (Turkish, then English)."""
    display_phone_number: str | None = None
    verified_name: str | None = None
    quality_rating: str | None = None


# --- helpers ------------------------------------------------------------------------------------


def webhook_url(settings: Settings) -> str:
    return f"{settings.base_url}/webhooks/whatsapp"


async def _channel(session: TenantSessionDep, tenant: TenantContext) -> Channel | None:
    return await session.scalar(
        select(Channel)
        .where(Channel.tenant_id == tenant.tenant_id, Channel.kind == "whatsapp")
        .order_by(Channel.active.desc(), Channel.created_at.desc())
        .limit(1)
    )


# --- routes -------------------------------------------------------------------------------------


@router.get("")
async def onboarding_status(
    request: Request,
    services: ServicesDep,
    session: TenantSessionDep,
    tenant: TenantContext = require("onboarding.view"),
) -> OnboardingStatus:
    """Which onboarding steps are done (any role may look; the UI resumes at ``next_step``)."""
    owner = await session.get(Tenant, tenant.tenant_id)
    if owner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such tenant")
    settings = services.settings
    account = await session.scalar(
        select(IntegrationAccount)
        .where(
            IntegrationAccount.tenant_id == tenant.tenant_id,
            IntegrationAccount.provider == "trendyol",
        )
        .order_by((IntegrationAccount.status == "connected").desc())
        .limit(1)
    )
    channel = await _channel(session, tenant)
    automation = TenantSettings.parse(owner.settings, blocks=["automation"]).automation
    first_in = await session.scalar(
        select(func.min(Message.created_at)).where(
            Message.tenant_id == tenant.tenant_id, Message.direction == "in"
        )
    )
    reply = Message.__table__.alias("reply")
    sent_at = func.coalesce(reply.c.sent_at, reply.c.created_at)
    first_auto = (
        await session.execute(
            select(AutoReplyLog.inbound_at, sent_at.label("sent_at"))
            .join(reply, reply.c.id == AutoReplyLog.reply_message_id)
            .where(
                AutoReplyLog.tenant_id == tenant.tenant_id,
                AutoReplyLog.outcome == "auto_reply",
                reply.c.status.in_(("sent", "delivered", "read")),
            )
            .order_by(sent_at)
            .limit(1)
        )
    ).first()
    seconds = (
        round((first_auto.sent_at - first_auto.inbound_at).total_seconds(), 3)
        if first_auto
        else None
    )
    steps = [
        Step(
            name="trendyol",
            done=account is not None and account.status == "connected",
            at=account.created_at if account else None,
            detail=(
                {
                    "seller_id": account.external_id,
                    "status": account.status,
                    "last_error": account.last_error,
                }
                if account
                else {}
            ),
        ),
        Step(
            name="whatsapp",
            done=channel is not None and channel.active,
            at=channel.created_at if channel else None,
            detail={
                "phone_number_id": channel.phone_number_id if channel else None,
                "display_phone_number": channel.display_phone_number if channel else None,
                "webhook_url": webhook_url(settings),
                "verify_token": settings.whatsapp_verify_token,
            },
        ),
        Step(
            name="cargo_automation",
            done=automation.enabled and automation.cargo_questions,
            detail={
                "enabled": automation.cargo_questions,
                "automation_enabled": automation.enabled,
            },
        ),
        Step(name="test_message", done=first_in is not None, at=first_in),
        Step(
            name="first_auto_reply",
            done=first_auto is not None,
            at=first_auto.sent_at if first_auto else None,
            detail={"seconds_to_reply": seconds},
        ),
    ]
    if owner.vertical == "clinic":  # no marketplace, no cargo questions
        steps = [s for s in steps if s.name not in ("trendyol", "cargo_automation")]
    sandbox_seller = getattr(request.app.state, "trendyol_sandbox_seller", None)
    sandbox_trendyol = None
    if settings.sandbox_on and sandbox_seller is not None and owner.vertical != "clinic":
        seller_id, api_key, api_secret = sandbox_seller(owner.slug)
        sandbox_trendyol = SandboxTrendyol(
            seller_id=seller_id,
            api_key=api_key,
            api_secret=api_secret,
            customer_phone=SIMULATOR_PHONE,
        )
    return OnboardingStatus(
        tenant=owner.slug,
        vertical=owner.vertical,
        steps=steps,
        next_step=next((s.name for s in steps if not s.done), None),
        time_to_first_automated_reply_s=seconds,
        simulator_url=(
            f"{settings.base_url}/sandbox/simulator?tenant={owner.slug}"
            if settings.sandbox_on
            else None
        ),
        sandbox_trendyol=sandbox_trendyol,
    )


@router.post("/whatsapp")
async def connect_whatsapp(
    body: WhatsAppConnect,
    request: Request,
    services: ServicesDep,
    session: TenantSessionDep,
    system: SystemSessionDep,
    tenant: TenantContext = require("onboarding.manage"),
) -> WhatsAppConnected:
    """Store (or replace) the tenant's WhatsApp number: the token and app secret encrypted.
    Answers the webhook URL and verify token to paste into Meta. 409: the number belongs to
    another tenant. (Owner, admin, supervisor.)"""
    other = await system.scalar(
        select(Channel.tenant_id).where(Channel.phone_number_id == body.phone_number_id)
    )
    if other is not None and other != tenant.tenant_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this phone number id is connected to another business"
        )
    channel = await session.scalar(
        select(Channel).where(
            Channel.tenant_id == tenant.tenant_id, Channel.phone_number_id == body.phone_number_id
        )
    )
    if channel is None:
        channel = await _channel(session, tenant)  # a tenant has one number: replace it
    if channel is None:
        channel = Channel(tenant_id=tenant.tenant_id, kind="whatsapp")
        session.add(channel)
    channel.phone_number_id = body.phone_number_id
    channel.display_phone_number = body.display_phone_number or body.phone_number_id
    channel.waba_id = body.waba_id
    channel.active = True
    channel.credentials = services.credentials.seal(
        {"access_token": body.access_token, "app_secret": body.app_secret}
    )
    await session.commit()
    hook = getattr(request.app.state, "channel_hook", None)
    if hook is not None:  # the sandbox: the number now exists in the stand-in Graph API
        hook(channel.phone_number_id, body.access_token, channel.display_phone_number)
    return WhatsAppConnected(
        channel_id=channel.id,
        phone_number_id=channel.phone_number_id,
        display_phone_number=channel.display_phone_number,
        webhook_url=webhook_url(services.settings),
        verify_token=services.settings.whatsapp_verify_token,
    )


_PLAIN = {
    "not_connected": "Henüz WhatsApp numarası bağlanmadı. / No WhatsApp number is connected yet.",
    "invalid_token": (
        "Erişim anahtarı (access token) geçersiz ya da süresi dolmuş; Meta'dan kalıcı bir "
        "anahtar alıp yeniden girin. / The access token is invalid or expired."
    ),
    "unknown_number": (
        "Bu phone number id bulunamadı ya da bu anahtarla erişilemiyor; numarayı WhatsApp "
        "Manager'dan kontrol edin. / This phone number id does not exist or this token cannot "
        "reach it."
    ),
    "unreachable": (
        "WhatsApp'a (Meta Graph API) ulaşılamadı; biraz sonra tekrar deneyin. / The WhatsApp "
        "Graph API could not be reached."
    ),
    "error": "WhatsApp beklenmeyen bir hata verdi. / WhatsApp answered with an unexpected error.",
    "ok": "Numara bağlı ve çalışıyor. / The number is connected and working.",
}


@router.post("/whatsapp/check")
async def check_whatsapp(
    services: ServicesDep,
    session: TenantSessionDep,
    tenant: TenantContext = require("onboarding.manage"),
) -> WhatsAppCheck:
    """Ask the Graph API about the stored number (``GET /{version}/{phone_number_id}``) and say
    what is wrong in plain words. Always 200; ``ok`` and ``reason`` tell the outcome."""
    channel = await _channel(session, tenant)
    if channel is None:
        return WhatsAppCheck(ok=False, reason="not_connected", message=_PLAIN["not_connected"])
    token = services.credentials.open(channel.credentials).get("access_token", "")
    settings = services.settings
    url = f"{settings.graph_base}/{settings.whatsapp_api_version}/{channel.phone_number_id}"
    try:
        async with httpx.AsyncClient(timeout=settings.whatsapp_timeout_s) as http:
            response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        log.warning("whatsapp check: %r", exc)
        return WhatsAppCheck(ok=False, reason="unreachable", message=_PLAIN["unreachable"])
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.is_success and isinstance(answer, dict):
        return WhatsAppCheck(
            ok=True,
            reason="ok",
            message=_PLAIN["ok"],
            display_phone_number=answer.get("display_phone_number"),
            verified_name=answer.get("verified_name"),
            quality_rating=answer.get("quality_rating"),
        )
    error = answer.get("error", {}) if isinstance(answer, dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    if response.status_code == 401 or code == 190:
        reason = "invalid_token"
    elif code == 100 or response.status_code == 404:
        reason = "unknown_number"
    else:
        reason = "error"
    message = _PLAIN[reason]
    if reason == "error" and isinstance(error, dict) and error.get("message"):
        message = f"{message} ({error['message']})"
    return WhatsAppCheck(ok=False, reason=reason, message=message)  # type: ignore[arg-type]
