"""Dependencies as ``Annotated`` aliases: routes list what they need, tests swap any of them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings
from invekto.security import allowed, read_token, roles_with
from invekto.services import Services
from invekto.storage.models import User


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings_dep(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_system_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.db.session() as session:
        yield session


SystemSessionDep = Annotated[AsyncSession, Depends(get_system_session)]


@dataclass(frozen=True, slots=True)
class TenantContext:
    """Who is calling: resolved once per request from the bearer token."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    issued_at: dt.datetime | None = None


_bearer = HTTPBearer(auto_error=False)


def tenant_from_token(services: Services, token: str | None) -> TenantContext:
    """The caller behind an access token (from the bearer header or, for streams, the query);
    401 when it is missing or not valid. The one place tokens are checked for API calls."""
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = read_token(secret=services.settings.resolved_secret_key(), token=token)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"invalid token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    return TenantContext(
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        role=claims.role,
        issued_at=claims.issued_at,
    )


async def current_user(services: Services, caller: TenantContext) -> TenantContext:
    """The caller as the database says now: a deactivated or deleted user is refused (401), so
    is a token issued before the user's last password change, and a changed role counts at once,
    whatever the token says."""
    async with services.db.session() as session:
        user = await session.get(User, caller.user_id)
    if user is None or not user.active or user.tenant_id != caller.tenant_id:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "user is deactivated or no longer exists",
            headers={"WWW-Authenticate": "Bearer"},
        )
    changed = user.password_changed_at
    if changed is not None and (caller.issued_at is None or caller.issued_at < changed):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the password was changed since this token was issued: log in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if user.role == caller.role:
        return caller
    return dataclasses.replace(caller, role=user.role)


async def get_tenant_context(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TenantContext:
    caller = tenant_from_token(services, credentials.credentials if credentials else None)
    return await current_user(services, caller)


TenantDep = Annotated[TenantContext, Depends(get_tenant_context)]


async def get_stream_tenant_context(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[
        str | None,
        Query(description="The access token, for clients that cannot set headers (EventSource)"),
    ] = None,
) -> TenantContext:
    """Like :data:`TenantDep`, but a ``?token=`` query parameter may stand in for the header."""
    caller = tenant_from_token(services, credentials.credentials if credentials else token)
    return await current_user(services, caller)


StreamTenantDep = Annotated[TenantContext, Depends(get_stream_tenant_context)]
"""For ``EventSource`` streams: the bearer header, else ``?token=`` (checked the same way)."""


async def get_tenant_session(
    services: ServicesDep, tenant: TenantDep
) -> AsyncIterator[AsyncSession]:
    """A session that sees only the caller's tenant (query filters + row-level security)."""
    async with services.db.tenant_session(tenant.tenant_id) as session:
        yield session


TenantSessionDep = Annotated[AsyncSession, Depends(get_tenant_session)]


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only ``roles`` (403 otherwise). A list naming ``supervisor`` also
    admits ``admin`` (see :func:`invekto.security.roles_with`). New routes use :func:`require`."""
    admitted = roles_with(*roles)
    names = " or ".join(sorted(admitted))

    def check(tenant: TenantDep) -> TenantContext:
        if tenant.role not in admitted:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs role {names}")
        return tenant

    return Depends(check)


def require(permission: str):  # type: ignore[no-untyped-def]
    """A dependency admitting the roles that :data:`invekto.security.PERMISSIONS` gives
    ``permission`` (403 otherwise); it resolves to the caller's :class:`TenantContext`."""

    def check(tenant: TenantDep) -> TenantContext:
        if not allowed(tenant.role, permission):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"your role may not {permission}")
        return tenant

    return Depends(check)
