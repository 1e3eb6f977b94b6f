"""Sign-up, login, password change and reset; the token carries the user's tenant and role."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
import uuid
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from invekto.api.deps import ServicesDep, SystemSessionDep, TenantDep, TenantSessionDep
from invekto.api.routes.team import (
    EMAIL_PATTERN,
    MailDelivery,
    app_link,
    email_taken,
    hash_in_thread,
    send_mail,
)
from invekto.core.tenant_settings import TenantSettings
from invekto.core.text import fold
from invekto.security import (
    PERMISSIONS,
    dummy_password_hash,
    has_control_chars,
    issue_token,
    login_throttle_key,
    new_link_token,
    token_digest,
    verify_login,
    verify_password,
)
from invekto.storage.models import LoginThrottle, Tenant, User, utcnow
from invekto.storage.models.tenancy import UserToken

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(max_length=1024)

    @field_validator("email")
    @classmethod
    def _no_control_chars(cls, value: str) -> str:
        # A NUL would reach PostgreSQL (a 500): refuse it here. A password never reaches the
        # database (argon2 takes any text), so one with a control character is just wrong (401).
        if has_control_chars(value):
            raise ValueError("must not contain control characters")
        return value


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    tenant: str


class MePublic(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: str
    tenant_id: uuid.UUID
    tenant_slug: str
    tenant_name: str
    tenant_vertical: str
    """ecommerce | clinic: which pages the web app shows."""
    permissions: list[str]
    """What my role may do (``GET /api/team/roles`` lists every role's)."""


def _token(services: ServicesDep, user: User, tenant: Tenant) -> TokenPublic:
    token, expires_at = issue_token(
        secret=services.settings.resolved_secret_key(),
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl_hours=services.settings.jwt_ttl_hours,
    )
    return TokenPublic(access_token=token, expires_at=expires_at, tenant=tenant.slug)


class Attempts:
    """At most ``limit`` events per key within ``window`` (in memory, per app process)."""

    def __init__(self, limit: int, window: dt.timedelta) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, list[dt.datetime]] = {}

    def _recent(self, key: str) -> list[dt.datetime]:
        cutoff = utcnow() - self.window
        recent = [t for t in self._seen.get(key, []) if t > cutoff]
        if recent:
            self._seen[key] = recent
        else:
            self._seen.pop(key, None)
        return recent

    def retry_after_s(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        recent = self._recent(key)
        if len(recent) < self.limit:
            return None
        return max(1, int((recent[0] + self.window - utcnow()).total_seconds()) + 1)

    def note(self, key: str) -> None:
        self._recent(key)
        self._seen.setdefault(key, []).append(utcnow())

    def clear(self, key: str) -> None:
        self._seen.pop(key, None)


RESET_MAILS = (5, dt.timedelta(hours=1))
"""Reset e-mails per address and window; more requests get the usual answer and no e-mail."""


def _limits(request: Request, name: str, rule: tuple[int, dt.timedelta]) -> Attempts:
    state = request.app.state
    if not hasattr(state, "auth_attempts"):
        state.auth_attempts = {}
    return state.auth_attempts.setdefault(name, Attempts(*rule))


# --- login throttle (stored: every process and restart sees the same counts) -----------------

ACCOUNT_LIMIT = 5
"""Failed logins for one e-mail (known or not) before it is locked for :data:`LOCK_FOR`."""
ADDRESS_LIMIT = 50
"""Failed logins from one client address before it is blocked for :data:`LOCK_FOR`: ten
accounts' worth of locks, so an office behind one address is not blocked by a few typos while
one address cannot spray guesses over many accounts."""
WINDOW = dt.timedelta(minutes=15)
"""Failures older than this no longer count (the count starts again)."""
LOCK_FOR = dt.timedelta(minutes=15)
KEEP_FOR = dt.timedelta(days=1)
"""Throttle rows untouched for this long are pruned."""
TOO_MANY = "too many failed logins; try again later"


async def _reserve(
    session: SystemSessionDep, scope: str, value: str, limit: int
) -> tuple[int | None, bool]:
    """Count one attempt for ``(scope, value)`` before the password is checked (atomic, so
    parallel guesses cannot slip past the limit). Answers (None when it may go on, else the
    seconds until it may try again; whether this attempt is the ``limit``-th, which locks the
    key unless it succeeds)."""
    now = utcnow()
    table = LoginThrottle.__table__
    row = table.c
    locked = func.coalesce(row.locked_until > now, False)
    expired = func.coalesce(row.locked_until <= now, False)
    fresh = ~locked & ((row.window_started_at < now - WINDOW) | expired)
    statement = insert(table).values(
        scope=scope,
        key=login_throttle_key(scope, value),
        failures=1,
        window_started_at=now,
        locked_until=now + LOCK_FOR if limit <= 1 else None,
        updated_at=now,
    )
    failures = case((fresh, 1), else_=row.failures + 1)
    statement = statement.on_conflict_do_update(
        index_elements=[row.scope, row.key],
        set_={
            "failures": failures,
            "window_started_at": case((fresh, now), else_=row.window_started_at),
            "locked_until": case(
                (locked, row.locked_until),
                (failures >= limit, now + LOCK_FOR),
                else_=None,
            ),
            "updated_at": now,
        },
    ).returning(row.failures, row.locked_until)
    failures_now, locked_until = (await session.execute(statement)).one()
    if locked_until is not None and failures_now > limit:
        return max(1, int((locked_until - now).total_seconds()) + 1), False
    return None, failures_now == limit


async def _release(
    session: SystemSessionDep, scope: str, value: str, *, forget: bool, locked_by_me: bool = False
) -> None:
    """After a successful login: forget the account's failures (``forget``), or give the
    address back the attempt it reserved (and the lock, when that attempt set it)."""
    key = (LoginThrottle.scope == scope) & (LoginThrottle.key == login_throttle_key(scope, value))
    if forget:
        await session.execute(delete(LoginThrottle).where(key))
        return
    if locked_by_me:
        await session.execute(
            update(LoginThrottle)
            .where(key, LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1, locked_until=None)
        )
        return
    await session.execute(
        update(LoginThrottle)
        .where(key, LoginThrottle.failures > 0, LoginThrottle.locked_until.is_(None))
        .values(failures=LoginThrottle.failures - 1)
    )


def _too_many(wait: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY, headers={"Retry-After": str(wait)}
    )


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy: run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so this is the client's)."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/login",
    responses={
        401: {"description": "Wrong e-mail or password, or a deactivated user."},
        429: {
            "description": f"Locked: {ACCOUNT_LIMIT} failed logins for this e-mail, or "
            f"{ADDRESS_LIMIT} from this address, within {WINDOW.seconds // 60} minutes lock it "
            f"for {LOCK_FOR.seconds // 60} minutes (Retry-After: seconds). The same answer "
            "whether or not the e-mail has an account; an owner or admin can unlock a user "
            "(POST /api/team/users/{id}/unlock)."
        },
    },
)
async def login(
    body: LoginRequest, request: Request, services: ServicesDep, session: SystemSessionDep
) -> TokenPublic:
    """401 for a wrong e-mail or password and for a deactivated user; 429 while locked.

    Every attempt does the same work: the password is checked against the user's hash, or
    against a dummy hash when no user has the e-mail, so neither the answer nor its time tells
    which e-mails exist. Attempts are counted before the check and stored, so the limits hold
    across processes and restarts; a successful login clears the e-mail's count."""
    address = body.email.strip().lower()
    client = client_address(request)
    wait, address_full = await _reserve(session, "address", client, ADDRESS_LIMIT)
    account_full = False
    if wait is None:
        wait, account_full = await _reserve(session, "account", address, ACCOUNT_LIMIT)
    await session.execute(
        delete(LoginThrottle).where(LoginThrottle.updated_at < utcnow() - KEEP_FOR)
    )
    await session.commit()  # counted before the (slow) check: parallel guesses see it
    if wait is not None:
        log.info("login refused while locked (an e-mail or the client address)")
        raise _too_many(wait)
    user = await session.scalar(select(User).where(func.lower(User.email) == address))
    await asyncio.to_thread(dummy_password_hash)  # made once per process, before any answer
    matches = await asyncio.to_thread(
        verify_login, user.password_hash if user is not None else None, body.password
    )
    if user is None or not user.active or not matches:
        for full, what, key in (
            (address_full, "client address", login_throttle_key("address", client)),
            (account_full, "e-mail", login_throttle_key("account", address)),
        ):
            if full:  # the lock starts: say so (keys only, no e-mail or address in the log)
                log.warning(
                    "login locked for %s min: too many failed logins for a %s (key %s)",
                    LOCK_FOR.seconds // 60,
                    what,
                    key[:16],
                )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong e-mail or password")
    await _release(session, "account", address, forget=True)
    await _release(session, "address", client, forget=False, locked_by_me=address_full)
    await session.commit()
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None
    return _token(services, user, tenant)


@router.get("/me")
async def me(tenant: TenantDep, session: TenantSessionDep) -> MePublic:
    user = await session.get(User, tenant.user_id)
    owner = await session.get(Tenant, tenant.tenant_id)
    if user is None or owner is None or not user.active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "user no longer exists")
    return MePublic(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        tenant_id=owner.id,
        tenant_slug=owner.slug,
        tenant_name=owner.name,
        tenant_vertical=owner.vertical,
        permissions=sorted(p for p, roles in PERMISSIONS.items() if user.role in roles),
    )


# --- sign-up ------------------------------------------------------------------------------------

DEFAULT_BUSINESS_HOURS = {"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}
"""Monday to Saturday, 09:00-18:00 (as the demo tenants)."""


class SignupRequest(BaseModel):
    business_name: str = Field(min_length=2, max_length=200)
    vertical: Literal["ecommerce", "clinic"]
    owner_name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=8, max_length=256)


def new_tenant_settings(vertical: str = "ecommerce") -> dict:
    """A new shop's settings: the defaults with every automation area off, so nothing is sent
    on its own until the owner switches an area on (onboarding: "Kargo soruları otomasyonu").
    A clinic keeps the defaults (its agent hands every real question to a person for now)."""
    defaults = TenantSettings.defaults()
    if vertical == "clinic":
        return defaults.to_json()
    areas = {k: False for k in defaults.automation.model_dump() if k != "enabled"}
    return defaults.merged({"automation": {"enabled": True, **areas}}).to_json()


def slug_base(name: str) -> str:
    """'Ayşe'nin Butiği' → 'aysenin-butigi' (ASCII, at most 48 characters)."""
    folded = re.sub(r"['’`´]", "", fold(name))  # Ayşe'nin → aysenin
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:48].strip("-")
    return slug or "isletme"


async def _unique_slug(session: SystemSessionDep, name: str) -> str:
    base = slug_base(name)
    taken = set(
        await session.scalars(
            select(Tenant.slug).where((Tenant.slug == base) | Tenant.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    for n in range(2, 100):
        if f"{base}-{n}" not in taken:
            return f"{base}-{n}"
    return f"{base}-{secrets.token_hex(3)}"


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(
    body: SignupRequest, services: ServicesDep, session: SystemSessionDep
) -> TokenPublic:
    """Public: a new tenant (slug from the business name, default settings with automation
    areas off, Europe/Istanbul, Mon-Sat 09-18) and its owner; logs the owner in.
    409: the e-mail already has an account."""
    address = body.email.strip().lower()
    password_hash = await hash_in_thread(body.password)
    for _ in range(3):
        if await email_taken(session, address):
            raise HTTPException(status.HTTP_409_CONFLICT, "this e-mail already has an account")
        tenant = Tenant(
            slug=await _unique_slug(session, body.business_name),
            name=body.business_name.strip(),
            vertical=body.vertical,
            timezone="Europe/Istanbul",
            default_language="tr",
            business_hours=dict(DEFAULT_BUSINESS_HOURS),
            settings=new_tenant_settings(body.vertical),
        )
        session.add(tenant)
        try:
            await session.flush()
            user = User(
                tenant_id=tenant.id,
                email=address,
                name=body.owner_name.strip(),
                role="owner",
                active=True,
                password_hash=password_hash,
            )
            session.add(user)
            await session.commit()
        except IntegrityError:  # a slug or e-mail taken at the same moment: look again
            await session.rollback()
            continue
        return _token(services, user, tenant)
    raise HTTPException(status.HTTP_409_CONFLICT, "could not create the account, try again")


# --- passwords ----------------------------------------------------------------------------------

RESET_TTL = dt.timedelta(hours=2)


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(min_length=8, max_length=256)


class ResetRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)

    @field_validator("email")
    @classmethod
    def _no_control_chars(cls, value: str) -> str:
        if has_control_chars(value):
            raise ValueError("must not contain control characters")
        return value


class ResetRequested(BaseModel):
    """The same answer whether or not the e-mail has an account."""

    ok: bool = True
    link: str | None = None
    """Only outside production (sandbox on) and only for a known e-mail: the reset link."""
    mail: MailDelivery | None = None
    """Only outside production: how the link was e-mailed."""


class ResetConfirm(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=8, max_length=256)


@router.post("/password")
async def change_password(
    body: PasswordChange, services: ServicesDep, tenant: TenantDep, session: TenantSessionDep
) -> TokenPublic:
    """Change my own password; 403 when the current password is wrong. Every token issued
    before stops working (other sessions are logged out); the answer is a fresh token."""
    user = await session.get(User, tenant.user_id)
    owner = await session.get(Tenant, tenant.tenant_id)
    if user is None or owner is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "user no longer exists")
    if not await asyncio.to_thread(verify_password, user.password_hash, body.current_password):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    user.password_hash = await hash_in_thread(body.new_password)
    user.password_changed_at = utcnow()
    await session.commit()
    return _token(services, user, owner)


@router.post("/password-reset")
async def request_password_reset(
    body: ResetRequest, request: Request, services: ServicesDep, session: SystemSessionDep
) -> ResetRequested:
    """Public: e-mail a reset link (2 hours, single use) to an active user with this e-mail.
    Answers the same whether or not the e-mail exists (outside production the link is returned
    too, for the sandbox)."""
    address = body.email.strip().lower()
    user = await session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None or not user.active:
        return ResetRequested()
    mails = _limits(request, "reset", RESET_MAILS)
    if mails.retry_after_s(address) is not None:  # no mail bombing; the answer stays the same
        return ResetRequested()
    mails.note(address)
    token = new_link_token()
    session.add(
        UserToken(
            tenant_id=user.tenant_id,
            kind="password_reset",
            token_hash=token_digest(token),
            email=user.email,
            user_id=user.id,
            expires_at=utcnow() + RESET_TTL,
        )
    )
    await session.commit()
    link = app_link(services.settings, "/reset-password", token)
    mail = await send_mail(
        request,
        services.settings,
        to=user.email,
        subject="Invekto şifre sıfırlama",
        text=(
            f"Merhaba {user.name},\n\nŞifrenizi sıfırlamak için: {link}\n"
            "Bağlantı 2 saat geçerlidir ve bir kez kullanılabilir. Bu isteği siz yapmadıysanız "
            f"bu e-postayı yok sayın.\n\n---\nReset your Invekto password: {link}\n"
        ),
    )
    if not services.settings.sandbox_on:
        return ResetRequested()
    return ResetRequested(link=link, mail=mail)


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_password_reset(body: ResetConfirm, session: SystemSessionDep) -> None:
    """Public: set a new password with a reset token; 410 when it is unknown, used or expired.
    Other open reset links of the user and every access token issued before stop working."""
    row = await session.scalar(
        select(UserToken)
        .where(
            UserToken.token_hash == token_digest(body.token),
            UserToken.kind == "password_reset",
        )
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise HTTPException(status.HTTP_410_GONE, "this link is not valid, used or expired")
    user = await session.get(User, row.user_id) if row.user_id else None
    if user is None or not user.active:
        raise HTTPException(status.HTTP_410_GONE, "this link is not valid, used or expired")
    user.password_hash = await hash_in_thread(body.new_password)
    now = utcnow()
    user.password_changed_at = now  # every token issued before stops working
    others = await session.scalars(
        select(UserToken).where(
            UserToken.user_id == user.id,
            UserToken.kind == "password_reset",
            UserToken.used_at.is_(None),
        )
    )
    for other in others:
        other.used_at = now
    row.used_at = now
    await session.commit()
