"""Payment provider callbacks: iyzico's webhook and PayTR's Link callback.

Both find the link by our reference (iyzico's ``paymentConversationId``, PayTR's
``callback_id``), check the signature with that tenant's merchant secret (constant-time) before
anything is stored, and settle the link once per provider key (``revenue.payments.settle``): a
re-delivery answers the same success and changes nothing. Bodies are capped; a body that cannot
be read is a 400, an unknown link a 404, a bad signature a 401, each with the reason.
PayTR must read the plain text ``OK``.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from invekto.api.deps import ServicesDep
from invekto.api.uploads import capped_body
from invekto.integrations.payments import (
    WEBHOOK_SIGNATURE_HEADER,
    link_callback_ok,
    webhook_signature_ok,
)
from invekto.revenue.payments import settle
from invekto.storage.models import IntegrationAccount, PaymentLink

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks/payments", tags=["payments"])
MAX_CALLBACK_BYTES = 16 * 1024
REFERENCE = re.compile(r"^[A-Za-z0-9]{1,64}$")


async def _link_and_secrets(
    services: ServicesDep, provider: str, reference: Any
) -> tuple[PaymentLink, dict[str, Any]]:
    if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "missing or malformed link reference")
    async with services.db.session() as session:
        link = await session.scalar(
            select(PaymentLink).where(
                PaymentLink.reference == reference, PaymentLink.provider == provider
            )
        )
        if link is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such payment link")
        account = await session.scalar(
            select(IntegrationAccount).where(
                IntegrationAccount.tenant_id == link.tenant_id,
                IntegrationAccount.provider == provider,
            )
        )
    if account is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the merchant account is not connected")
    return link, services.credentials.open(account.credentials)


async def _settle(
    services: ServicesDep,
    link: PaymentLink,
    *,
    provider: str,
    dedupe_key: str,
    succeeded: bool,
    amount: Decimal | None,
    payload: dict[str, Any],
) -> bool:
    async with services.db.tenant_session(link.tenant_id) as session:
        row = await session.get(PaymentLink, link.id, with_for_update=True)
        assert row is not None
        new = await settle(
            session,
            row,
            provider=provider,
            dedupe_key=dedupe_key,
            succeeded=succeeded,
            amount=amount,
            payload=payload,
        )
        await session.commit()
    return new


@router.post("/iyzico")
async def iyzico_webhook(request: Request, services: ServicesDep) -> dict[str, Any]:
    """iyzico's payment notification (``X-IYZ-SIGNATURE-V3``). 200 once stored or seen."""
    raw = await capped_body(request, MAX_CALLBACK_BYTES)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body must be a JSON object")
    link, secrets = await _link_and_secrets(services, "iyzico", body.get("paymentConversationId"))
    header = request.headers.get(WEBHOOK_SIGNATURE_HEADER)
    if not webhook_signature_ok(body, header, str(secrets.get("secret_key") or "")):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"bad or missing {WEBHOOK_SIGNATURE_HEADER}"
        )
    state = str(body.get("status") or "").upper()
    new = await _settle(
        services,
        link,
        provider="iyzico",
        dedupe_key=f"{body.get('iyziPaymentId')}:{body.get('token')}:{state}",
        succeeded=state == "SUCCESS",
        amount=None,
        payload={k: body[k] for k in list(body)[:20] if isinstance(body[k], str | int)},
    )
    return {"ok": True, "duplicate": not new}


@router.post("/paytr", response_class=PlainTextResponse)
async def paytr_callback(request: Request, services: ServicesDep) -> PlainTextResponse:
    """PayTR's Link callback (form-encoded, ``hash``); answers the plain text ``OK``."""
    raw = await capped_body(request, MAX_CALLBACK_BYTES)
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=40
        )
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a form") from None
    form = dict(pairs)
    missing = [
        name
        for name in ("hash", "merchant_oid", "status", "total_amount", "callback_id")
        if not form.get(name)
    ]
    if missing:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing fields: {', '.join(missing)}")
    link, secrets = await _link_and_secrets(services, "paytr", form["callback_id"])
    if not link_callback_ok(
        form, str(secrets.get("merchant_key") or ""), str(secrets.get("merchant_salt") or "")
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "PAYTR notification failed: bad hash")
    try:
        amount = (Decimal(form["total_amount"]) / 100).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "total_amount is not a number") from None
    await _settle(
        services,
        link,
        provider="paytr",
        dedupe_key=form["merchant_oid"],
        succeeded=form["status"] == "success",
        amount=amount,
        payload={k: v[:200] for k, v in form.items() if k != "hash"},
    )
    return PlainTextResponse("OK")
