"""The team of a tenant: its users and their roles, invites by e-mail link, deactivation.

Who may do what is :data:`invekto.security.PERMISSIONS`: every role sees the team; owners and
admins invite, change roles and deactivate; only an owner touches an owner; the last active owner
can be neither demoted nor deactivated. Another tenant's ids answer 404.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import uuid
from email.message import EmailMessage
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import (
    ServicesDep,
    SystemSessionDep,
    TenantContext,
    TenantSessionDep,
    require,
)
from invekto.config import Settings
from invekto.integrations.alerts import AlertDeliveryError, send_email
from invekto.security import (
    PERMISSIONS,
    ROLES,
    allowed,
    hash_password,
    issue_token,
    login_throttle_key,
    new_link_token,
    token_digest,
)
from invekto.storage.models import LoginThrottle, Tenant, User, utcnow
from invekto.storage.models.tenancy import UserToken

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/team", tags=["team"])

Role = Literal["owner", "admin", "supervisor", "agent", "prompt_owner"]
MailDelivery = Literal["smtp", "sandbox", "failed", "none"]
INVITE_TTL = dt.timedelta(days=7)
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"
"""One @, a dot after it, no spaces or control characters (a NUL would reach PostgreSQL)."""

assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


# --- shapes -------------------------------------------------------------------------------------


class UserPublic(BaseModel):
    """A member of the team."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool
    created_at: dt.datetime
    locked_until: dt.datetime | None = None
    """Set while logins for this user are locked (too many wrong passwords); an owner or admin
    can unlock (``POST /api/team/users/{id}/unlock``)."""


class InviteRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    role: Role = "agent"


class InvitePublic(BaseModel):
    """An invite still waiting to be accepted."""

    id: uuid.UUID
    email: str
    role: str
    expires_at: dt.datetime
    created_at: dt.datetime


class InviteCreated(InvitePublic):
    link: str
    """The invite link (single use, 7 days): show it so it can be passed on by hand."""
    mail: MailDelivery
    """How the link was e-mailed: ``smtp``, into the ``sandbox`` mailbox, ``failed`` (SMTP
    refused; the link still works) or ``none`` (no SMTP configured)."""


class InviteInfo(BaseModel):
    """What an invite link is for (public: the sign-up page shows it)."""

    email: str
    role: str
    tenant_name: str
    expires_at: dt.datetime


class AcceptInviteRequest(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=256)


class AcceptedInvite(BaseModel):
    """The new user is logged in at once."""

    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    tenant: str
    user: UserPublic


class UserChange(BaseModel):
    """Any of: a new role, deactivate (``active: false``) or reactivate (``active: true``)."""

    role: Role | None = None
    active: bool | None = None


# --- helpers shared with auth -------------------------------------------------------------------


def user_public(user: User, locked_until: dt.datetime | None = None) -> UserPublic:
    return UserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        created_at=user.created_at,
        locked_until=locked_until,
    )


async def login_locks(system: AsyncSession, emails: list[str]) -> dict[str, dt.datetime]:
    """E-mail → until when its logins are locked, for those locked now (a system session:
    ``login_throttle`` has no tenant)."""
    keys = {login_throttle_key("account", e): e for e in emails}
    if not keys:
        return {}
    rows = await system.execute(
        select(LoginThrottle.key, LoginThrottle.locked_until).where(
            LoginThrottle.scope == "account",
            LoginThrottle.key.in_(keys),
            LoginThrottle.locked_until > utcnow(),
        )
    )
    return {keys[key]: until for key, until in rows}


def app_link(settings: Settings, path: str, token: str) -> str:
    """A link into the web app (``/invite``, ``/reset-password``) carrying ``token``."""
    return f"{settings.base_url}{path}?token={token}"


async def send_mail(
    request: Request, settings: Settings, *, to: str, subject: str, text: str
) -> MailDelivery:
    """Send an e-mail through SMTP when ``INVEKTO_SMTP_HOST`` is set, else into the sandbox
    mailbox when it is mounted; never raises (the caller shows the link anyway)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.utils.make_msgid(domain="invekto.local")
    message.set_content(text)
    if settings.smtp_host:
        try:
            await send_email(message, settings)
        except AlertDeliveryError as exc:
            log.warning("e-mail to a team member not sent: %s", exc)
            return "failed"
        return "smtp"
    sink = getattr(request.app.state, "mail_sink", None)
    if sink is not None:
        sink(message)
        return "sandbox"
    return "none"


async def hash_in_thread(password: str) -> str:
    """Argon2 is CPU work: keep it off the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def email_taken(session: AsyncSession, address: str) -> bool:
    """Whether any user (of any tenant) has this e-mail; call with a system session."""
    found = await session.scalar(select(User.id).where(func.lower(User.email) == address.lower()))
    return found is not None


async def _member(session: AsyncSession, tenant: TenantContext, user_id: uuid.UUID) -> User:
    user = await session.scalar(
        select(User).where(User.id == user_id, User.tenant_id == tenant.tenant_id).with_for_update()
    )
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    return user


# --- routes -------------------------------------------------------------------------------------


@router.get("")
async def list_team(
    session: TenantSessionDep,
    system: SystemSessionDep,
    tenant: TenantContext = require("team.view"),
) -> list[UserPublic]:
    """The users of my tenant, active first, then by name; ``locked_until`` is set for a user
    whose logins are locked."""
    users = list(
        await session.scalars(
            select(User)
            .where(User.tenant_id == tenant.tenant_id)
            .order_by(User.active.desc(), func.lower(User.name), User.email)
        )
    )
    locks = await login_locks(system, [u.email for u in users])
    return [user_public(u, locks.get(u.email)) for u in users]


class RolePublic(BaseModel):
    role: Role
    permissions: list[str]


@router.get("/roles")
async def list_roles(tenant: TenantContext = require("team.view")) -> list[RolePublic]:
    """Every role and what it may do (``invekto.security.PERMISSIONS``), most powerful first."""
    return [
        RolePublic(
            role=role, permissions=sorted(p for p, roles in PERMISSIONS.items() if role in roles)
        )  # type: ignore[arg-type]
        for role in ROLES
    ]


@router.get("/invites")
async def list_invites(
    session: TenantSessionDep, tenant: TenantContext = require("team.manage")
) -> list[InvitePublic]:
    """Invites not yet accepted and not expired, newest first (owner, admin)."""
    invites = await session.scalars(
        select(UserToken)
        .where(
            UserToken.tenant_id == tenant.tenant_id,
            UserToken.kind == "invite",
            UserToken.used_at.is_(None),
            UserToken.expires_at > utcnow(),
        )
        .order_by(UserToken.created_at.desc())
    )
    return [
        InvitePublic(
            id=i.id,
            email=i.email,
            role=i.role or "agent",
            expires_at=i.expires_at,
            created_at=i.created_at,
        )
        for i in invites
    ]


@router.post("/invites", status_code=status.HTTP_201_CREATED)
async def invite(
    body: InviteRequest,
    request: Request,
    services: ServicesDep,
    session: TenantSessionDep,
    system: SystemSessionDep,
    tenant: TenantContext = require("team.manage"),
) -> InviteCreated:
    """Invite someone by e-mail (owner, admin; only an owner invites an owner). The link is
    e-mailed (SMTP, or the sandbox mailbox) and always returned; inviting the same e-mail again
    replaces the earlier link. 409: the e-mail already has a user."""
    if body.role == "owner" and not allowed(tenant.role, "team.manage_owners"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an owner may invite an owner")
    address = body.email.strip().lower()
    if await email_taken(system, address):
        raise HTTPException(status.HTTP_409_CONFLICT, "this e-mail already has an account")
    earlier = await session.scalars(
        select(UserToken).where(
            UserToken.tenant_id == tenant.tenant_id,
            UserToken.kind == "invite",
            UserToken.email == address,
            UserToken.used_at.is_(None),
        )
    )
    for old in earlier:  # inviting again replaces the earlier link
        old.used_at = utcnow()
    token = new_link_token()
    row = UserToken(
        tenant_id=tenant.tenant_id,
        kind="invite",
        token_hash=token_digest(token),
        email=address,
        role=body.role,
        created_by=tenant.user_id,
        expires_at=utcnow() + INVITE_TTL,
    )
    session.add(row)
    owner = await session.get(Tenant, tenant.tenant_id)
    await session.commit()
    link = app_link(services.settings, "/invite", token)
    business = owner.name if owner else "Invekto"
    mail = await send_mail(
        request,
        services.settings,
        to=address,
        subject=f"{business} sizi Invekto'ya davet ediyor",
        text=(
            f"Merhaba,\n\n{business} sizi Invekto ekibine ({body.role}) davet etti.\n"
            f"Hesabınızı oluşturmak için: {link}\n\nBağlantı 7 gün geçerlidir ve bir kez "
            f"kullanılabilir.\n\n---\n{business} invited you to Invekto as {body.role}: {link}\n"
        ),
    )
    return InviteCreated(
        id=row.id,
        email=row.email,
        role=body.role,
        expires_at=row.expires_at,
        created_at=row.created_at,
        link=link,
        mail=mail,
    )


@router.delete("/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invite(
    invite_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require("team.manage")
) -> None:
    """Withdraw an invite that was not accepted yet (its link stops working)."""
    row = await session.scalar(
        select(UserToken).where(
            UserToken.id == invite_id,
            UserToken.tenant_id == tenant.tenant_id,
            UserToken.kind == "invite",
            UserToken.used_at.is_(None),
        )
    )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such open invite")
    row.used_at = utcnow()
    await session.commit()


async def _open_token(session: AsyncSession, token: str, kind: str) -> UserToken:
    row = await session.scalar(
        select(UserToken)
        .where(UserToken.token_hash == token_digest(token), UserToken.kind == kind)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise HTTPException(status.HTTP_410_GONE, "this link is not valid, used or expired")
    return row


@router.get("/invites/lookup")
async def lookup_invite(token: str, session: SystemSessionDep) -> InviteInfo:
    """Public: what an invite link is for; 410 when it is unknown, used or expired."""
    row = await _open_token(session, token, "invite")
    owner = await session.get(Tenant, row.tenant_id)
    return InviteInfo(
        email=row.email,
        role=row.role or "agent",
        tenant_name=owner.name if owner else "",
        expires_at=row.expires_at,
    )


@router.post("/invites/accept", status_code=status.HTTP_201_CREATED)
async def accept_invite(
    body: AcceptInviteRequest, services: ServicesDep, session: SystemSessionDep
) -> AcceptedInvite:
    """Public: create the invited user with a name and password, consume the token, log in.
    410: the link is unknown, used or expired; 409: the e-mail got an account meanwhile."""
    row = await _open_token(session, body.token, "invite")
    if await email_taken(session, row.email):
        raise HTTPException(status.HTTP_409_CONFLICT, "this e-mail already has an account")
    user = User(
        tenant_id=row.tenant_id,
        email=row.email,
        name=body.name.strip(),
        role=row.role or "agent",
        active=True,
        password_hash=await hash_in_thread(body.password),
    )
    session.add(user)
    row.used_at = utcnow()
    try:
        await session.flush()
    except IntegrityError as exc:  # the same e-mail signed up at this very moment
        await session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "this e-mail already has an account") from exc
    row.user_id = user.id
    owner = await session.get(Tenant, row.tenant_id)
    await session.commit()
    token, expires_at = issue_token(
        secret=services.settings.resolved_secret_key(),
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl_hours=services.settings.jwt_ttl_hours,
    )
    return AcceptedInvite(
        access_token=token,
        expires_at=expires_at,
        tenant=owner.slug if owner else "",
        user=user_public(user),
    )


@router.patch("/users/{user_id}")
async def change_user(
    user_id: uuid.UUID,
    body: UserChange,
    session: TenantSessionDep,
    system: SystemSessionDep,
    tenant: TenantContext = require("team.manage"),
) -> UserPublic:
    """Change a user's role and/or deactivate or reactivate them (owner, admin). An admin cannot
    touch an owner or make one (403); the last active owner cannot be demoted or deactivated
    (409). A deactivated user can no longer log in, and their tokens stop working at once."""
    # One team change at a time per tenant: two owners demoting each other cannot both pass.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"invekto-team:{tenant.tenant_id}"},
    )
    user = await _member(session, tenant, user_id)
    manages_owners = allowed(tenant.role, "team.manage_owners")
    if (user.role == "owner" or body.role == "owner") and not manages_owners:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an owner may change an owner")
    loses_owner = (
        user.role == "owner"
        and user.active
        and ((body.role is not None and body.role != "owner") or body.active is False)
    )
    if loses_owner:
        owners = list(
            await session.scalars(
                select(User.id)
                .where(
                    User.tenant_id == tenant.tenant_id, User.role == "owner", User.active.is_(True)
                )
                .with_for_update()
            )
        )
        if len(owners) <= 1:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "the last active owner cannot be demoted or deactivated; make another owner first",
            )
    if body.role is not None:
        user.role = body.role
    if body.active is not None:
        user.active = body.active
    await session.commit()
    locks = await login_locks(system, [user.email])
    return user_public(user, locks.get(user.email))


@router.post("/users/{user_id}/unlock")
async def unlock_user(
    user_id: uuid.UUID,
    session: TenantSessionDep,
    system: SystemSessionDep,
    tenant: TenantContext = require("team.manage"),
) -> UserPublic:
    """Lift the login lock of a user (too many wrong passwords) at once, and forget their failed
    attempts (owner, admin; only an owner unlocks an owner: 403). Unlocking a user who is not
    locked changes nothing. Recorded in the log (there is no audit table for team changes)."""
    user = await _member(session, tenant, user_id)
    if user.role == "owner" and not allowed(tenant.role, "team.manage_owners"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an owner may unlock an owner")
    lifted = await system.execute(
        delete(LoginThrottle)
        .where(
            LoginThrottle.scope == "account",
            LoginThrottle.key == login_throttle_key("account", user.email),
        )
        .returning(LoginThrottle.locked_until)
    )
    was_locked = any(until and until > utcnow() for (until,) in lifted)
    await system.commit()
    await session.commit()
    if was_locked:
        log.warning(
            "login lock lifted: user %s of tenant %s by user %s",
            user.id,
            tenant.tenant_id,
            tenant.user_id,
        )
    return user_public(user)
