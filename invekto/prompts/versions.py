"""A tenant's prompt versions: drafts, the gate, the active one, rollbacks, and the trail.

Every function takes a tenant session (row-level security scopes it) and leaves the commit to
the caller, except ``decide`` (the gate job's end), which owns its transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.prompts.content import PromptContent, PromptSet, diff
from invekto.storage.models import PromptEvent, PromptVersion, Tenant, utcnow

EDITABLE = ("draft", "refused")
"""A version in one of these may still change; ``gating``, ``active`` and ``archived`` may not."""


class VersionError(Exception):
    """A request the version's state does not allow (the API answers 409 with the message)."""


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    role: str


async def active(session: AsyncSession, tenant_id: uuid.UUID) -> PromptSet:
    prompts = await session.scalar(select(Tenant.prompts).where(Tenant.id == tenant_id))
    return PromptSet.parse(prompts)


async def get(session: AsyncSession, tenant_id: uuid.UUID, number: int) -> PromptVersion | None:
    return await session.scalar(
        select(PromptVersion).where(
            PromptVersion.tenant_id == tenant_id, PromptVersion.number == number
        )
    )


async def listing(session: AsyncSession, tenant_id: uuid.UUID) -> list[PromptVersion]:
    return list(
        (
            await session.scalars(
                select(PromptVersion)
                .where(PromptVersion.tenant_id == tenant_id)
                .order_by(PromptVersion.number.desc())
            )
        ).all()
    )


async def _next_number(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    # One number at a time per tenant: the tenant row is the lock.
    await session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    latest = await session.scalar(
        select(func.max(PromptVersion.number)).where(PromptVersion.tenant_id == tenant_id)
    )
    return int(latest or 0) + 1


def record(
    session: AsyncSession,
    version: PromptVersion,
    action: str,
    actor: Actor | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        PromptEvent(
            tenant_id=version.tenant_id,
            version_id=version.id,
            number=version.number,
            action=action,
            user_id=actor.user_id if actor else None,
            role=actor.role if actor else "system",
            before=before,
            after=after,
            detail=detail,
        )
    )


async def create(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    actor: Actor,
    *,
    content: PromptContent | None = None,
    note: str = "",
    rollback_of: int | None = None,
) -> PromptVersion:
    """A new draft: ``content``, or the active version's content to start from."""
    current = await active(session, tenant_id)
    number = await _next_number(session, tenant_id)
    version = PromptVersion(
        tenant_id=tenant_id,
        number=number,
        status="draft",
        content=(content or current.content).model_dump(mode="json"),
        base_number=current.version,
        note=note,
        rollback_of=rollback_of,
        author_id=actor.user_id,
        author_role=actor.role,
        updated_at=utcnow(),
    )
    session.add(version)
    await session.flush()
    record(
        session,
        version,
        "rolled_back" if rollback_of is not None else "created",
        actor,
        after=version.content,
        detail={"rollback_of": rollback_of, "base": current.version},
    )
    return version


async def save(
    session: AsyncSession,
    version: PromptVersion,
    actor: Actor,
    *,
    content: PromptContent | None,
    note: str | None,
) -> PromptVersion:
    if version.status not in EDITABLE:
        raise VersionError(f"version {version.number} is {version.status}: it cannot change")
    before = version.content
    if content is not None:
        version.content = content.model_dump(mode="json")
    if note is not None:
        version.note = note
    if version.status == "refused":
        version.status, version.gate = "draft", None  # edited: the old report no longer says
    version.updated_at = utcnow()
    record(session, version, "saved", actor, before=before, after=version.content)
    return version


async def discard(session: AsyncSession, version: PromptVersion, actor: Actor) -> None:
    if version.status not in EDITABLE:
        raise VersionError(f"version {version.number} is {version.status}: it cannot be discarded")
    record(session, version, "discarded", actor, before=version.content)
    await session.flush()
    await session.delete(version)


async def submit(session: AsyncSession, version: PromptVersion, actor: Actor) -> None:
    """Publishing starts the gate: the version is ``gating`` until the job decides."""
    if version.status not in EDITABLE:
        raise VersionError(f"version {version.number} is {version.status}: it cannot be published")
    current = await active(session, version.tenant_id)
    if version.rollback_of is None and version.base_number not in (None, current.version):
        raise VersionError(
            f"version {current.version} went live after this draft was started from version "
            f"{version.base_number}: start a new draft from the active version, or copy these "
            "changes into one, so that nothing published since is undone"
        )
    gating = await session.scalar(
        select(PromptVersion.number).where(
            PromptVersion.tenant_id == version.tenant_id, PromptVersion.status == "gating"
        )
    )
    if gating is not None:
        raise VersionError(f"version {gating} is being gated: wait for its result")
    version.status = "gating"
    version.published_by = actor.user_id
    version.gate = {"started_at": utcnow().isoformat()}
    record(session, version, "submitted", actor)


async def decide(
    session: AsyncSession, version: PromptVersion, passed: bool, report: dict[str, Any]
) -> None:
    """The gate's result: ``active`` (the tenant's turns use it from the next message; the
    previous active version is archived) or ``refused``, with the report either way."""
    if version.status != "gating":
        return
    report = {**(version.gate or {}), **report}
    tenant = await session.get(Tenant, version.tenant_id, with_for_update=True)
    assert tenant is not None
    actor = Actor(version.published_by, "gate")
    if not passed:
        version.status, version.gate = "refused", report
        record(session, version, "refused", actor, detail={"reasons": report.get("reasons")})
        return
    previous = await session.scalar(
        select(PromptVersion).where(
            PromptVersion.tenant_id == version.tenant_id, PromptVersion.status == "active"
        )
    )
    before = dict(tenant.prompts or {})
    if previous is not None:
        previous.status = "archived"
        record(session, previous, "archived", actor)
        await session.flush()  # one active version at a time (a unique index says so)
    version.status, version.gate = "active", report
    version.published_at = utcnow()
    content = PromptContent.model_validate(version.content)
    tenant.prompts = PromptSet(content=content, version=version.number).stored()
    record(session, version, "published", actor, before=before, after=tenant.prompts)


async def gate_failed(session: AsyncSession, version: PromptVersion, message: str) -> None:
    """The gate could not run: the version goes back to draft with the reason."""
    if version.status != "gating":
        return
    version.status = "draft"
    version.gate = {**(version.gate or {}), "error": message, "ended_at": utcnow().isoformat()}
    record(session, version, "gate_error", None, detail={"error": message})


def changes(version: PromptVersion, against: PromptSet) -> list[dict[str, Any]]:
    """The version's changes against ``against`` (the active set)."""
    return diff(against.content, PromptContent.model_validate(version.content))


__all__ = [
    "EDITABLE",
    "Actor",
    "VersionError",
    "active",
    "changes",
    "create",
    "decide",
    "discard",
    "gate_failed",
    "get",
    "listing",
    "record",
    "save",
    "submit",
]
