"""Alerting a tenant's sales contact about a B2B lead, over a webhook and/or e-mail.

The B2B agent stores a ``Lead`` and calls :func:`queue_lead_alerts` in its tenant transaction:
one ``LeadAlert`` row per configured channel (``tenants.settings["sales"]``) and, in the same
transaction, one ``invekto.tasks.deliver_lead_alert`` job per alert that can go out. The job
calls :func:`deliver_alert`, which records every attempt on the row (attempts, response code,
last error) and ends it ``sent`` or ``failed``; transient failures are retried by the job.

Webhook wire format (what a receiver gets)::

    POST <webhook_url>
    Content-Type: application/json
    User-Agent: Invekto-Alerts/1
    X-Invekto-Event: lead.created
    X-Invekto-Delivery: <alert id, the same on every retry: use it to drop duplicates>
    X-Invekto-Signature: sha256=<hex HMAC-SHA256 of the raw body with webhook_secret>

    {"event": "lead.created", "lead_id": ..., "company": ..., "products": [...], ...}

A 2xx answer is a delivery. 408, 429 (``Retry-After`` is honoured) and 5xx, timeouts and
connection errors are retried; any other answer is final (the alert is ``failed``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiosmtplib
import httpx
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings
from invekto.core.tenant_settings import TenantSettings
from invekto.jobs import defer_in
from invekto.security import CredentialBox
from invekto.storage.models import Customer, Lead, LeadAlert, Tenant, utcnow

if TYPE_CHECKING:
    from invekto.integrations.access import MarketplaceAccess

log = logging.getLogger(__name__)

EVENT = "lead.created"
DELIVER_TASK = "invekto.tasks.deliver_lead_alert"
USER_AGENT = "Invekto-Alerts/1"
EVENT_HEADER = "X-Invekto-Event"
DELIVERY_HEADER = "X-Invekto-Delivery"
SIGNATURE_HEADER = "X-Invekto-Signature"
SMTP_NOT_CONFIGURED = "SMTP is not configured"

MAX_ATTEMPTS = 5
"""Deliveries tried per alert (the first one included) before it is marked ``failed``."""
RETRY_WAIT_S = 2.0
"""Wait before the 2nd attempt; it doubles after each failure: 2, 4, 8, 16 s."""
MAX_RETRY_WAIT_S = 600.0
"""No retry waits longer than this, whatever the doubling or a ``Retry-After`` asks for."""

_RETRYABLE_HTTP = frozenset({408, 429})
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
_DISPLAY_ZONE = ZoneInfo("Europe/Istanbul")


# --- errors and the retry strategy ---------------------------------------------------------------


class AlertDeliveryError(Exception):
    """One delivery attempt failed; ``retryable`` says whether another attempt may succeed."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        response_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.response_code = response_code
        self.retry_after_s = retry_after_s


class RetryAlertLater(Exception):
    """Raised by :func:`deliver_alert` after a transient failure: the job should run again."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AlertRetryStrategy(BaseRetryStrategy):
    """Doubling waits from :data:`RETRY_WAIT_S`, up to :data:`MAX_ATTEMPTS` runs in all.

    The module constants are read at each decision, so tests can shorten the waits. A
    ``Retry-After`` carried by the exception lengthens the wait (never beyond the maximum).
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= MAX_ATTEMPTS:
            return None
        wait = RETRY_WAIT_S * 2**job.attempts
        retry_after = getattr(exception, "retry_after_s", None)
        if retry_after:
            wait = max(wait, float(retry_after))
        return RetryDecision(retry_in={"seconds": min(wait, MAX_RETRY_WAIT_S)})


# --- configuration and payload -------------------------------------------------------------------


def sales_settings(
    tenant_settings: TenantSettings | Mapping[str, Any] | None,
) -> dict[str, str | None]:
    """``settings.sales`` (``TenantSettings.sales``) with every key present; blank values are
    None, the webhook secret as stored (sealed: open it with :func:`webhook_secret`)."""
    sales = TenantSettings.parse(tenant_settings, blocks=("sales",)).sales
    return {
        "webhook_url": sales.webhook_url,
        "webhook_secret": sales.secret(),
        "email": sales.email,
        "name": sales.name,
    }


def webhook_secret(settings: Settings, stored: str | None) -> str | None:
    """The webhook secret in clear: ``tenants.settings`` holds it sealed with the credentials
    key (``CredentialBox.seal_secret``); one stored in clear before that is used as it is.
    ValueError when it cannot be opened (the app secret changed)."""
    if not stored:
        return None
    return CredentialBox(settings.resolved_secret_key()).open_secret(stored)


def lead_payload(
    lead: Lead, customer_phone: str, customer_name: str | None, tenant_name: str | None
) -> dict[str, Any]:
    """The ``lead.created`` event: the body of the webhook and the content of the e-mail."""
    created = lead.created_at or utcnow()
    return {
        "event": EVENT,
        "lead_id": str(lead.id),
        "tenant": {"id": str(lead.tenant_id), "name": tenant_name or ""},
        "company": lead.company,
        "contact_email": lead.contact_email,
        "products": _products(lead.products),
        "signal_text": lead.signal_text or "",
        "customer": {"phone": customer_phone, "name": customer_name or ""},
        "past_orders": dict(lead.past_orders or {}),
        "qualification": {
            "score": lead.score,
            "reasons": list(lead.score_reasons or []),
            "budget": lead.budget,
            "timing": lead.timing,
            "need": lead.need,
        },
        "notes": lead.notes or "",
        "conversation_id": str(lead.conversation_id),
        "created_at": created.isoformat(),
    }


def _products(products: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in products or []:
        if not isinstance(item, Mapping):
            continue
        quantity = item.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity.strip())
        elif isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        elif not isinstance(quantity, int) or isinstance(quantity, bool):
            quantity = None
        out.append({"product": str(item.get("product") or ""), "quantity": quantity})
    return out


def email_recipients(target: str) -> list[str]:
    """The addresses of an e-mail target (one, or several separated by commas); [] if invalid."""
    addresses = [address for _, address in email.utils.getaddresses([target])]
    if not addresses or not all(_EMAIL.fullmatch(address) for address in addresses):
        return []
    return addresses


def resolve_webhook_url(url: str, settings: Settings) -> str:
    """A relative URL ("/sandbox/sales-inbox") means this app itself, while the sandbox is on
    (the demo seed uses it); anywhere else it stays relative and is refused as invalid."""
    if url.startswith("/") and settings.sandbox_on:
        return settings.base_url + url
    return url


def _webhook_url_problem(url: str) -> str | None:
    try:
        parsed = httpx.URL(url)
    except Exception:
        return "invalid webhook URL"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "invalid webhook URL (http or https only)"
    return None


# --- queueing ------------------------------------------------------------------------------------


async def queue_lead_alerts(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    tenant_settings: TenantSettings | Mapping[str, Any],
    lead: Lead,
    settings: Settings,
) -> list[LeadAlert]:
    """Store one alert per configured sales channel and enqueue their delivery.

    Runs inside the caller's (tenant) transaction: alerts and jobs exist exactly when the lead
    does. An alert that cannot go out (SMTP not configured, an invalid address or URL) is stored
    ``failed`` with the reason, for the owner to see, and gets no job. No channel configured →
    ``[]``. Called again for the same lead, a channel already alerted is not alerted twice (its
    existing alert is returned). The caller commits.
    """
    sales = sales_settings(tenant_settings)
    wanted: list[tuple[str, str]] = []
    if sales["webhook_url"]:
        wanted.append(("webhook", resolve_webhook_url(sales["webhook_url"], settings)))
    if sales["email"]:
        wanted.append(("email", sales["email"]))
    if not wanted:
        return []

    await session.flush()  # the lead gets its id, created_at and row (the alerts' foreign key)
    existing = {
        alert.channel: alert
        for alert in await session.scalars(
            select(LeadAlert).where(LeadAlert.tenant_id == tenant_id, LeadAlert.lead_id == lead.id)
        )
    }
    customer = await session.get(Customer, lead.customer_id)
    tenant = await session.get(Tenant, tenant_id)
    payload = lead_payload(
        lead,
        customer.phone if customer else "",
        customer.name if customer else None,
        tenant.name if tenant else None,
    )

    alerts: list[LeadAlert] = []
    for channel, target in wanted:
        if channel in existing:
            alerts.append(existing[channel])
            continue
        problem: str | None
        if channel == "webhook":
            problem = _webhook_url_problem(target)
        elif not email_recipients(target):
            problem = "invalid e-mail address"
        elif not settings.smtp_host:
            problem = SMTP_NOT_CONFIGURED
        else:
            problem = None
        alert = LeadAlert(
            tenant_id=tenant_id,
            lead_id=lead.id,
            channel=channel,
            target=target[:500],
            status="failed" if problem else "pending",
            attempts=0,
            last_error=problem,
            payload=payload,
        )
        session.add(alert)
        alerts.append(alert)
    await session.flush()
    already = {alert.id for alert in existing.values()}
    for alert in alerts:
        if alert.id in already:
            continue
        if alert.status == "pending":
            await defer_in(session, DELIVER_TASK, {"alert_id": str(alert.id)})
        else:
            log.warning(
                "lead alert %s (%s) not sent: %s", alert.id, alert.channel, alert.last_error
            )
    return alerts


async def queue_alert(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    payload: Mapping[str, Any],
    webhook_url: str | None,
    email_to: str | None,
    dedupe_key: str,
    settings: Settings,
) -> list[LeadAlert]:
    """Store and enqueue an alert that is not a lead's (``payload["event"]``, e.g.
    ``clinic.urgent`` to the on-call doctor): one row per channel, once per ``dedupe_key`` and
    channel (a re-run turn alerts once), failed at once with the reason when the channel
    cannot work. Webhooks are signed with the tenant's ``sales.webhook_secret``. The caller
    commits."""
    wanted: list[tuple[str, str]] = []
    if webhook_url:
        wanted.append(("webhook", resolve_webhook_url(webhook_url, settings)))
    if email_to:
        wanted.append(("email", email_to))
    alerts: list[LeadAlert] = []
    for channel, target in wanted:
        key = f"{dedupe_key}:{channel}"[:200]
        existing = await session.scalar(
            select(LeadAlert).where(LeadAlert.tenant_id == tenant_id, LeadAlert.dedupe_key == key)
        )
        if existing is not None:
            alerts.append(existing)
            continue
        if channel == "webhook":
            problem = _webhook_url_problem(target)
        elif not email_recipients(target):
            problem = "invalid e-mail address"
        else:
            problem = None if settings.smtp_host else SMTP_NOT_CONFIGURED
        alert = LeadAlert(
            tenant_id=tenant_id,
            lead_id=None,
            event=str(payload.get("event")),
            dedupe_key=key,
            channel=channel,
            target=target[:500],
            status="failed" if problem else "pending",
            attempts=0,
            last_error=problem,
            payload=dict(payload),
        )
        session.add(alert)
        await session.flush()
        if problem:
            log.warning("%s alert %s not sent: %s", alert.event, alert.id, problem)
        else:
            await defer_in(session, DELIVER_TASK, {"alert_id": str(alert.id)})
        alerts.append(alert)
    return alerts


# --- delivery ------------------------------------------------------------------------------------


async def deliver_alert(
    services: MarketplaceAccess, alert_id: uuid.UUID, *, attempt: int = 1
) -> str:
    """Deliver one alert (the job's body). Returns ``sent``, ``failed`` or ``skipped``.

    ``attempt`` is the job's run number (1 for the first). The alert is claimed (attempts + 1,
    committed) before anything goes out, and only while ``pending``: an alert already ``sent``
    or ``failed`` is skipped, so a redelivered job does not alert twice. A transient failure
    before the last attempt keeps it ``pending`` with the error and raises
    :class:`RetryAlertLater`; the last one, or a permanent failure, marks it ``failed``.
    """
    async with services.db.session() as session:
        tenant_id = await session.scalar(
            select(LeadAlert.tenant_id).where(LeadAlert.id == alert_id)
        )
    if tenant_id is None:
        log.warning("lead alert %s no longer exists", alert_id)
        return "skipped"

    claimed = await _claim(services, tenant_id, alert_id)
    if claimed is None:
        return "skipped"
    channel, target, payload, attempts, sales = claimed
    final = max(attempts, attempt) >= MAX_ATTEMPTS

    try:
        if channel == "webhook":
            code = await post_webhook(
                target,
                payload,
                alert_id=alert_id,
                secret=webhook_secret(services.settings, sales["webhook_secret"]),
                timeout_s=services.settings.alert_timeout_s,
                transport=services.transport,
            )
        elif channel == "email":
            message = build_email(
                payload,
                sender=services.settings.smtp_from,
                to=target,
                sales_name=sales["name"],
                alert_id=alert_id,
            )
            code = await send_email(message, services.settings)
        else:
            raise AlertDeliveryError(f"unknown alert channel {channel!r}", retryable=False)
    except AlertDeliveryError as exc:
        retry = exc.retryable and not final
        await _record(
            services,
            tenant_id,
            alert_id,
            status="pending" if retry else "failed",
            response_code=exc.response_code,
            error=str(exc),
        )
        if retry:
            log.info("lead alert %s attempt %s failed, will retry: %s", alert_id, attempts, exc)
            raise RetryAlertLater(str(exc), retry_after_s=exc.retry_after_s) from exc
        log.warning("lead alert %s failed after %s attempt(s): %s", alert_id, attempts, exc)
        return "failed"
    except Exception as exc:  # a bug or an unexpected library error: never retried blindly
        log.exception("lead alert %s failed unexpectedly", alert_id)
        await _record(
            services,
            tenant_id,
            alert_id,
            status="failed",
            response_code=None,
            error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        return "failed"

    await _record(services, tenant_id, alert_id, status="sent", response_code=code, error=None)
    return "sent"


async def _claim(
    services: MarketplaceAccess, tenant_id: uuid.UUID, alert_id: uuid.UUID
) -> tuple[str, str, dict[str, Any], int, dict[str, str | None]] | None:
    async with services.db.tenant_session(tenant_id) as session:
        alert = await session.scalar(
            select(LeadAlert).where(LeadAlert.id == alert_id).with_for_update()
        )
        if alert is None or alert.status != "pending":
            return None
        alert.attempts += 1
        tenant = await session.get(Tenant, tenant_id)
        sales = sales_settings(tenant.settings if tenant else None)
        claimed = (alert.channel, alert.target, dict(alert.payload), alert.attempts, sales)
        await session.commit()
        return claimed


async def _record(
    services: MarketplaceAccess,
    tenant_id: uuid.UUID,
    alert_id: uuid.UUID,
    *,
    status: str,
    response_code: int | None,
    error: str | None,
) -> None:
    async with services.db.tenant_session(tenant_id) as session:
        alert = await session.get(LeadAlert, alert_id, with_for_update=True)
        if alert is None or alert.status != "pending":
            return
        alert.status, alert.response_code, alert.last_error = status, response_code, error
        if status == "sent":
            alert.delivered_at = utcnow()
        await session.commit()


# --- webhook -------------------------------------------------------------------------------------


def sign_body(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``, the ``X-Invekto-Signature`` value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_body_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True only when ``header`` is ``sign_body(secret, body)`` (constant-time comparison)."""
    if not secret or not header:
        return False
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        return False
    return hmac.compare_digest(sign_body(secret, body), "sha256=" + match.group(1).lower())


def webhook_request(
    payload: Mapping[str, Any], *, alert_id: uuid.UUID | str, secret: str | None
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one webhook delivery (signed when ``secret`` is set)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: str(payload.get("event") or EVENT),
        DELIVERY_HEADER: str(alert_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign_body(secret, body)
    return body, headers


async def post_webhook(
    url: str,
    payload: Mapping[str, Any],
    *,
    alert_id: uuid.UUID | str,
    secret: str | None,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """POST the event; returns the 2xx status, raises :class:`AlertDeliveryError` otherwise."""
    body, headers = webhook_request(payload, alert_id=alert_id, secret=secret)
    try:
        async with httpx.AsyncClient(
            transport=transport, timeout=timeout_s, follow_redirects=False
        ) as client:
            response = await client.post(url, content=body, headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise AlertDeliveryError(f"invalid webhook URL: {exc}", retryable=False) from exc
    except httpx.TimeoutException as exc:
        raise AlertDeliveryError(
            f"timed out after {timeout_s:g} s ({type(exc).__name__})", retryable=True
        ) from exc
    except httpx.TransportError as exc:
        raise AlertDeliveryError(
            f"connection failed: {type(exc).__name__}: {exc}"[:1000], retryable=True
        ) from exc
    status = response.status_code
    if 200 <= status < 300:
        return status
    detail = response.text.strip()[:300]
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    raise AlertDeliveryError(
        message,
        retryable=status >= 500 or status in _RETRYABLE_HTTP,
        response_code=status,
        retry_after_s=_retry_after(response) if status in (429, 503) else None,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - utcnow()).total_seconds())


# --- e-mail --------------------------------------------------------------------------------------


def email_subject(payload: Mapping[str, Any]) -> str:
    if payload.get("event", EVENT) != EVENT:
        return str(payload.get("subject") or payload.get("event"))
    customer = payload.get("customer") or {}
    who = payload.get("company") or customer.get("phone") or customer.get("name") or "müşteri"
    return f"Yeni toptan satış talebi: {who}"


def email_text(payload: Mapping[str, Any], *, sales_name: str | None = None) -> str:
    """The plain-text Turkish body of the alert e-mail (another event than a lead brings its
    own ``text``)."""
    if payload.get("event", EVENT) != EVENT:
        return str(payload.get("text") or "") + "\n"
    customer = payload.get("customer") or {}
    tenant = payload.get("tenant") or {}
    phone = str(customer.get("phone") or "")
    lines = [f"Merhaba {sales_name}," if sales_name else "Merhaba,", ""]
    shop = f"{tenant['name']} için " if tenant.get("name") else ""
    lines += [f"{shop}WhatsApp'tan yeni bir toptan (B2B) satış talebi geldi.", ""]
    lines.append(f"Firma: {payload.get('company') or 'belirtilmedi'}")
    who = customer.get("name") or "(adı bilinmiyor)"
    lines.append(f"Müşteri: {who}" + (f", +{phone}" if phone else ""))
    if payload.get("contact_email"):
        lines.append(f"E-posta: {payload['contact_email']}")
    products = payload.get("products") or []
    if products:
        lines.append("İstenen ürünler:")
        for item in products:
            quantity = item.get("quantity")
            amount = f": {quantity} adet" if quantity is not None else ": adet belirtilmedi"
            lines.append(f"  - {item.get('product') or 'ürün belirtilmedi'}{amount}")
    else:
        lines.append("İstenen ürünler: henüz belirtilmedi")
    lines.append(f"Geçmiş siparişler: {_past_orders_text(payload.get('past_orders') or {})}")
    if payload.get("signal_text"):
        lines += ["", "Müşterinin mesajı:", f"  “{payload['signal_text']}”"]
    if payload.get("notes"):
        lines += ["", f"Notlar: {payload['notes']}"]
    lines += ["", f"Talep zamanı: {_local_time(payload.get('created_at'))}"]
    if phone:
        lines.append(f"Müşteriye WhatsApp'tan yazın: https://wa.me/{phone}")
    lines += [f"Talep no: {payload.get('lead_id', '')}", "", "Invekto"]
    return "\n".join(lines) + "\n"


def _past_orders_text(summary: Mapping[str, Any]) -> str:
    if not summary:
        return "yok"
    parts: list[str] = []
    rest = dict(summary)
    count = rest.pop("count", None)
    if count is not None:
        parts.append(f"{count} sipariş")
    total = rest.pop("total", None)
    currency = rest.pop("currency", None)
    if total is not None:
        parts.append(f"toplam {total} {currency or 'TL'}")
    last = rest.pop("last_order_at", None)
    if last:
        parts.append(f"son sipariş {last}")
    parts += [f"{key}: {value}" for key, value in rest.items() if value not in (None, "", [], {})]
    return ", ".join(parts) if parts else "yok"


def _local_time(iso: Any) -> str:
    try:
        when = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(_DISPLAY_ZONE).strftime("%d.%m.%Y %H:%M (TSİ)")


def build_email(
    payload: Mapping[str, Any],
    *,
    sender: str,
    to: str,
    sales_name: str | None = None,
    alert_id: uuid.UUID | str | None = None,
) -> EmailMessage:
    """The alert e-mail (plain text, UTF-8); replies go to the buyer when they gave an e-mail."""
    message = EmailMessage()
    message["Subject"] = email_subject(payload)
    message["From"] = sender
    message["To"] = ", ".join(email_recipients(to)) or to
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.utils.make_msgid(domain="invekto.local")
    contact = payload.get("contact_email")
    if isinstance(contact, str) and email_recipients(contact):
        message["Reply-To"] = contact
    if alert_id is not None:
        message[DELIVERY_HEADER] = str(alert_id)
    message[EVENT_HEADER] = str(payload.get("event") or EVENT)
    message.set_content(email_text(payload, sales_name=sales_name))
    return message


async def send_email(message: EmailMessage, settings: Settings) -> int:
    """Send through the configured SMTP server; returns the server's reply code (250).

    Port 465 means implicit TLS; otherwise ``smtp_starttls`` requires STARTTLS. Logs in only
    when ``smtp_username`` is set. 4xx replies, timeouts and lost connections are transient;
    5xx replies (refused recipient, failed login, ...) are permanent.
    """
    if not settings.smtp_host:
        raise AlertDeliveryError(SMTP_NOT_CONFIGURED, retryable=False)
    recipients = email_recipients(str(message["To"] or ""))
    if not recipients:
        raise AlertDeliveryError("invalid e-mail address", retryable=False)
    implicit_tls = settings.smtp_port == 465
    try:
        errors, response = await aiosmtplib.send(
            message,
            recipients=recipients,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=(settings.smtp_password or "") if settings.smtp_username else None,
            use_tls=implicit_tls,
            start_tls=False if implicit_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        raise AlertDeliveryError(
            f"recipient refused: {text}"[:1000],
            retryable=bool(codes) and all(400 <= code < 500 for code in codes),
            response_code=max(codes) if codes else None,
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise AlertDeliveryError(
            f"SMTP {exc.code}: {exc.message} ({type(exc).__name__})"[:1000],
            retryable=400 <= exc.code < 500,
            response_code=exc.code,
        ) from exc
    except (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected) as exc:
        raise AlertDeliveryError(
            f"SMTP {type(exc).__name__}: {exc}"[:1000], retryable=True
        ) from exc
    except (aiosmtplib.SMTPConnectError, OSError) as exc:
        raise AlertDeliveryError(
            f"SMTP connection failed: {type(exc).__name__}: {exc}"[:1000], retryable=True
        ) from exc
    except aiosmtplib.SMTPException as exc:  # e.g. STARTTLS or AUTH not supported: configuration
        raise AlertDeliveryError(
            f"SMTP {type(exc).__name__}: {exc}"[:1000], retryable=False
        ) from exc
    if errors:
        text = "; ".join(
            f"{address}: {reply.code} {reply.message}" for address, reply in errors.items()
        )
        log.warning("some alert recipients were refused: %s", text)
    log.debug("alert e-mail accepted: %s", response)
    return 250  # the DATA reply code (aiosmtplib raises on anything else)
