"""WhatsApp webhook: verification handshake and notifications (verify, store, enqueue, 200)."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from invekto.api.deps import ServicesDep
from invekto.channels.whatsapp.ingest import ingest, store_problem
from invekto.channels.whatsapp.parse import WebhookPayloadError, parse_webhook
from invekto.channels.whatsapp.signature import verify_signature

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SIGNATURE_HEADER = "X-Hub-Signature-256"
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
    body = await request.body()
    headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
    if len(body) > settings.max_webhook_body_bytes:
        await _keep(services, "oversized", f"{len(body)} bytes", body[:20_000], headers)
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"body over {settings.max_webhook_body_bytes} bytes",
        )
    if not verify_signature(
        settings.whatsapp_app_secret, body, request.headers.get(SIGNATURE_HEADER)
    ):
        log.warning("webhook with a bad or missing signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad or missing X-Hub-Signature-256")
    try:
        payload = json.loads(body)
        parsed = parse_webhook(payload)
    except (ValueError, WebhookPayloadError) as exc:
        await _keep(services, "malformed", str(exc), body, headers)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"malformed webhook body: {exc}") from exc
    raw = body.decode("utf-8", errors="replace")
    async with services.db.session() as session:
        report = await ingest(session, parsed, raw_body=raw)
        await session.commit()
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


async def _keep(
    services: ServicesDep, problem: str, detail: str, body: bytes, headers: dict[str, str]
) -> None:
    async with services.db.session() as session:
        await store_problem(
            session,
            problem=problem,
            detail=detail,
            body=body.decode("utf-8", errors="replace"),
            headers=headers,
        )
        await session.commit()
