"""Passwords (argon2), access tokens (JWT) and encryption of tenant credentials at rest."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import re
import secrets
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


@functools.cache
def dummy_password_hash() -> str:
    """A hash of a random password no one knows, made once per process with the same argon2
    parameters as real ones: a login for an unknown e-mail verifies against it, so it costs
    the same time as one for a known e-mail."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_login(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash``, or against :func:`dummy_password_hash`
    when there is no user (``None``): the same argon2 work either way, always False then."""
    if password_hash is None:
        verify_password(dummy_password_hash(), password)
        return False
    return verify_password(password_hash, password)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_chars(value: str) -> bool:
    """Whether ``value`` has a control character (NUL, a newline, DEL...): never part of an
    e-mail address, and PostgreSQL refuses NUL in text."""
    return _CONTROL.search(value) is not None


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    expires_at: dt.datetime
    issued_at: dt.datetime | None = None
    """``iat``: tokens issued before a user's password change no longer count."""


def issue_token(
    *, secret: str, user_id: uuid.UUID, tenant_id: uuid.UUID, role: str, ttl_hours: int
) -> tuple[str, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    expires_at = now + dt.timedelta(hours=ttl_hours)
    payload = {
        "sub": str(user_id),
        "tenant": str(tenant_id),
        "role": role,
        "iat": now.timestamp(),  # fractional: a password change a moment later still counts
        "exp": expires_at,
    }
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
            issued_at=(
                dt.datetime.fromtimestamp(payload["iat"], dt.UTC) if "iat" in payload else None
            ),
        )
    except ValueError as exc:
        raise jwt.InvalidTokenError("malformed claims") from exc


class CredentialBox:
    """Encrypts tenant credentials (marketplace keys, WhatsApp tokens, the sales webhook secret)
    with a key derived from the app secret. Rotating the secret needs a re-encryption, see the
    README."""

    SEALED = "sealed:"
    """What a single sealed value (:meth:`seal_secret`) starts with."""

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

    def seal_secret(self, value: str) -> str:
        """One secret text sealed for storing in JSON (``sealed:<token>``); a value already
        sealed is returned as it is."""
        if self.is_sealed(value):
            return value
        return self.SEALED + self._fernet.encrypt(value.encode()).decode()

    def open_secret(self, value: str) -> str:
        """The clear text of :meth:`seal_secret`'s output. A value not sealed (stored before
        secrets were sealed and not upgraded yet) is returned as it is."""
        if not self.is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value.removeprefix(self.SEALED).encode()).decode()
        except InvalidToken as exc:
            raise ValueError("a secret cannot be decrypted with the current secret") from exc

    @classmethod
    def is_sealed(cls, value: str) -> bool:
        return value.startswith(cls.SEALED)


def sealed_settings(stored: dict[str, Any], box: CredentialBox) -> dict[str, Any]:
    """Tenant settings as stored (``TenantSettings.to_json()``) with the sales webhook secret
    sealed; one already sealed is kept. What is written to ``tenants.settings``."""
    sales = stored.get("sales")
    if isinstance(sales, dict) and isinstance(sales.get("webhook_secret"), str):
        stored = {
            **stored,
            "sales": {**sales, "webhook_secret": box.seal_secret(sales["webhook_secret"])},
        }
    return stored


def _jwt_key(secret: str) -> str:
    return hashlib.sha256(("invekto-jwt:" + secret).encode()).hexdigest()


# --- roles and what each may do -----------------------------------------------------------------

ROLES: tuple[str, ...] = ("owner", "admin", "supervisor", "agent", "prompt_owner")
"""Every role a user may have, most powerful first."""

PERMISSIONS: dict[str, frozenset[str]] = {
    # Work the inbox: read conversations, answer, decide suggestions, take over.
    "inbox.work": frozenset({"owner", "admin", "supervisor", "agent"}),
    # Reveal PII, export unredacted, assign anyone.
    "inbox.supervise": frozenset({"owner", "admin", "supervisor"}),
    # Change the tenant's settings and integrations; connect WhatsApp in onboarding.
    "settings.edit": frozenset({"owner", "admin", "supervisor"}),
    "onboarding.manage": frozenset({"owner", "admin", "supervisor"}),
    # See the onboarding steps.
    "onboarding.view": frozenset(ROLES),
    # The prompt editor: see the texts, versions and their gate reports; suggest a draft (and
    # change one's own drafts); edit any draft, publish through the eval gate, roll back.
    "prompts.view": frozenset(ROLES),
    "prompts.suggest": frozenset(ROLES),
    "prompts.edit": frozenset({"owner", "admin", "prompt_owner"}),
    # See the team; invite, change roles, deactivate.
    "team.view": frozenset(ROLES),
    "team.manage": frozenset({"owner", "admin"}),
    # Outbound: see templates, rules, campaigns and sends; manage them.
    "outbound.view": frozenset({"owner", "admin", "supervisor", "agent"}),
    "outbound.manage": frozenset({"owner", "admin"}),
    # Clinics: see the calendar, appointments, waitlist and figures; book, move, cancel and mark
    # appointments for a patient; edit doctors, services and days off.
    "clinic.view": frozenset({"owner", "admin", "supervisor", "agent"}),
    "clinic.book": frozenset({"owner", "admin", "supervisor", "agent"}),
    "clinic.manage": frozenset({"owner", "admin"}),
    # Revenue: see the catalogue, rules, recommendations, payment links and their figures;
    # import the catalogue, edit rules and margin tiers, connect a payment provider.
    "revenue.view": frozenset({"owner", "admin", "supervisor", "agent"}),
    "revenue.manage": frozenset({"owner", "admin"}),
    # Only an owner may make, demote or deactivate an owner.
    "team.manage_owners": frozenset({"owner"}),
}
"""The one map of who may do what; ``invekto.api.deps.require`` checks against it."""


def allowed(role: str, permission: str) -> bool:
    """Whether ``role`` may do ``permission`` (an unknown permission is allowed to nobody)."""
    return role in PERMISSIONS.get(permission, frozenset())


def roles_with(*roles: str) -> frozenset[str]:
    """The roles a legacy ``require_role(...)`` list means: a supervisor-level list admits admin."""
    wanted = set(roles)
    if "supervisor" in wanted:
        wanted.add("admin")
    return frozenset(wanted)


def login_throttle_key(scope: str, value: str) -> str:
    """What ``login_throttle.key`` holds for an e-mail (scope ``account``) or a client address
    (``address``): a digest, so neither is stored in clear."""
    return hashlib.sha256(f"{scope}:{value.strip().lower()}".encode()).hexdigest()


# --- single-use tokens (invites, password resets) -----------------------------------------------


def new_link_token() -> str:
    """A random URL-safe token for an invite or reset link (only its hash is stored)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a link token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode()).hexdigest()
