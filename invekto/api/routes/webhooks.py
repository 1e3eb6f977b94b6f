"""WhatsApp webhook: verification handshake and notifications (verify, store, enqueue, 200)."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout

from invekto.api.deps import ServicesDep
from invekto.channels.whatsapp.ingest import ingest, store_problem
from invekto.channels.whatsapp.parse import WebhookPayloadError, clean_text, parse_webhook
from invekto.channels.whatsapp.signature import verify_signature

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_KEPT_BYTES = 200_000
"""What of a signed body we could not use is kept for inspection."""
KEPT_HEADERS = ("content-type", "content-length", "user-agent", SIGNATURE_HEADER.lower())


@router.get("/whatsapp", response_class=PlainTextResponse)
async def verify(
    services: ServicesDep,
    mode: str | None = Query(None, alias="hub.mode"),
    token: str | None = Query(None, alias="hub.verify_token"),
    challenge: str | None = Query(None, alias="hub.challenge"),
) -> PlainTextResponse:
    """Meta's subscription handshake: echo the challenge when the verify token matches."""
    if (
        mode == "subscribe"
        and challenge is not None
        and token == services.settings.whatsapp_verify_token
    ):
        return PlainTextResponse(challenge)
    raise HTTPException(status.HTTP_403_FORBIDDEN, "verification failed")


@router.post("/whatsapp")
async def receive(request: Request, services: ServicesDep) -> Response:
    """Check the signature, store every message once, enqueue its processing, answer 200."""
    settings = services.settings
    body = await _capped_body(request, settings.max_webhook_body_bytes)
    headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
    # Nothing is stored before the signature is checked: an unsigned body is only refused.
    if not verify_signature(
        settings.whatsapp_app_secret, body, request.headers.get(SIGNATURE_HEADER)
    ):
        log.warning("webhook with a bad or missing signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad or missing X-Hub-Signature-256")
    try:
        payload = json.loads(body)
        parsed = parse_webhook(payload)
    except RecursionError as exc:
        await _keep(services, "malformed", "nested too deeply", body, headers)
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "malformed webhook body: nested too deeply"
        ) from exc
    except (ValueError, WebhookPayloadError) as exc:
        await _keep(services, "malformed", str(exc), body, headers)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"malformed webhook body: {exc}") from exc
    raw = clean_text(body.decode("utf-8", errors="replace"))
    try:
        async with services.db.session() as session:
            report = await ingest(session, parsed, raw_body=raw)
            await session.commit()
    except PoolTimeout as exc:
        # Every database connection of this process is busy: Meta redelivers on a non-2xx,
        # so "come back in a moment" loses nothing (a 500 would say something broke).
        log.warning("webhook refused for now: the database pool is exhausted")
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "busy: no database connection free, deliver again",
            headers={"Retry-After": "5"},
        ) from exc
    return Response(
        status_code=200,
        content=json.dumps(
            {
                "stored": len(report.stored),
                "duplicates": report.duplicates,
                "statuses": report.statuses,
                "unrouted": report.unrouted,
                "unknown": report.unknown,
            }
        ),
        media_type="application/json",
    )


async def _capped_body(request: Request, limit: int) -> bytes:
    """The body, read as it streams in; over ``limit`` bytes → 413 without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            log.warning("webhook body over %s bytes refused", limit)
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _keep(
    services: ServicesDep, problem: str, detail: str, body: bytes, headers: dict[str, str]
) -> None:
    async with services.db.session() as session:
        await store_problem(
            session,
            problem=problem,
            detail=detail,
            body=clean_text(body[:MAX_KEPT_BYTES].decode("utf-8", errors="replace")),
            headers=headers,
        )
        await session.commit()
