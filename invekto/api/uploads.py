"""Reading uploads: a body capped as it streams in, and the file part of a multipart form."""

from __future__ import annotations

import email.parser
import email.policy

from fastapi import HTTPException, Request, status


async def capped_body(request: Request, limit: int) -> bytes:
    """The body as it streams in; over ``limit`` bytes → 413 without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def multipart_file(content_type: str, body: bytes) -> bytes:
    """The first file part (else the part named ``file``) of a multipart/form-data body, read
    with the standard library's MIME parser."""
    envelope = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(envelope + body)
    if not message.is_multipart():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "malformed multipart body")
    fallback: bytes | None = None
    for part in message.iter_parts():  # type: ignore[attr-defined]
        disposition = part.get("Content-Disposition", "")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            return payload
        if 'name="file"' in disposition and fallback is None:
            fallback = payload
    if fallback is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, 'no file: send the CSV as "file"'
        )
    return fallback
