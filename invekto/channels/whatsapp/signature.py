"""The ``X-Hub-Signature-256`` webhook signature: HMAC-SHA256 of the raw body, app secret key."""

from __future__ import annotations

import hashlib
import hmac
import re

from pywa.utils import HUB_SIG, webhook_updates_validator

SIGNATURE_HEADER = HUB_SIG
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign(app_secret: str, body: bytes) -> str:
    """The header value WhatsApp would send for ``body``: ``sha256=<lowercase hex>``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """True only when ``header`` is a well-formed signature of the raw ``body``.

    An empty app secret never verifies. The digest comparison is constant-time (pywa's validator).
    """
    if not app_secret or header is None:
        return False
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        return False
    return webhook_updates_validator(app_secret, body, "sha256=" + match.group(1).lower())
