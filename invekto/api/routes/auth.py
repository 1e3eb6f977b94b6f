"""Login with e-mail and password; the token carries the user's tenant and role."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from invekto.api.deps import ServicesDep, SystemSessionDep, TenantDep, TenantSessionDep
from invekto.security import issue_token, verify_password
from invekto.storage.models import Tenant, User

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str


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


@router.post("/login")
async def login(
    body: LoginRequest, services: ServicesDep, session: SystemSessionDep
) -> TokenPublic:
    user = await session.scalar(select(User).where(func.lower(User.email) == body.email.lower()))
    if user is None or not user.active or not verify_password(user.password_hash, body.password):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong e-mail or password")
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None
    token, expires_at = issue_token(
        secret=services.settings.resolved_secret_key(),
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl_hours=services.settings.jwt_ttl_hours,
    )
    return TokenPublic(access_token=token, expires_at=expires_at, tenant=tenant.slug)


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
    )
