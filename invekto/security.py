"""Passwords (argon2), access tokens (JWT) and encryption of tenant credentials at rest."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    expires_at: dt.datetime


def issue_token(
    *, secret: str, user_id: uuid.UUID, tenant_id: uuid.UUID, role: str, ttl_hours: int
) -> tuple[str, dt.datetime]:
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=ttl_hours)
    payload = {"sub": str(user_id), "tenant": str(tenant_id), "role": role, "exp": expires_at}
    return jwt.encode(payload, _jwt_key(secret), algorithm=JWT_ALGORITHM), expires_at


def read_token(*, secret: str, token: str) -> TokenClaims:
    """Decode and check a token; raises ``jwt.InvalidTokenError`` when it is not valid."""
    payload = jwt.decode(
        token,
        _jwt_key(secret),
        algorithms=[JWT_ALGORITHM],
        options={"require": ["exp", "sub", "tenant"]},
    )
    try:
        return TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            tenant_id=uuid.UUID(payload["tenant"]),
            role=str(payload.get("role", "agent")),
            expires_at=dt.datetime.fromtimestamp(payload["exp"], dt.UTC),
        )
    except ValueError as exc:
        raise jwt.InvalidTokenError("malformed claims") from exc


class CredentialBox:
    """Encrypts tenant credentials (marketplace keys, WhatsApp tokens) with a key derived
    from the app secret. Rotating the secret needs a re-encryption, see the README."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(("invekto-credentials:" + secret).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken as exc:
            raise ValueError("credentials cannot be decrypted with the current secret") from exc


def _jwt_key(secret: str) -> str:
    return hashlib.sha256(("invekto-jwt:" + secret).encode()).hexdigest()
