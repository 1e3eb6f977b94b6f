"""Prompt owners edit a tenant's texts and tone; the eval gate decides what goes live.

- ``GET /api/prompts/registry``: every text with its declared variables, the shipped text in
  each tone and language, and which agents use it (the editor's autocompletion and preview).
- ``/api/prompts/versions``: drafts (anyone who works the inbox may suggest one), saves
  (checked: an unknown or missing variable is a 422 naming the text and the language), the diff
  against the active version, publish (202: the gate runs as a durable job; the version goes
  ``active`` or ``refused`` with the report), rollback to any earlier version (a new version
  with that content, gated the same way).
- ``POST /api/prompts/preview``: a draft's replies on the tenant's recent conversations, side by
  side with what was sent (the same texts rendered with the same values).
- ``GET /api/prompts/events``: who saved, published or rolled back what, and when.

Only prompt owners, admins and owners publish or roll back (``prompts.edit``). Another tenant's
version numbers answer 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from invekto.agents.registry import REGISTRY
from invekto.api.deps import TenantContext, TenantSessionDep, require
from invekto.guardrails.pii import mask
from invekto.jobs import defer_in
from invekto.prompts import versions
from invekto.prompts.content import PromptContent, PromptSet, ToneChoice, diff
from invekto.prompts.registry import LANGUAGES, TONES, registry
from invekto.security import allowed
from invekto.storage.models import Message, PromptEvent, PromptVersion, User

router = APIRouter(prefix="/api/prompts", tags=["prompts"])

PROMPT_GATE = "invekto.tasks.prompt_gate"
MAX_NOTE = 500
VersionStatus = Literal["draft", "gating", "active", "archived", "refused"]
VersionNumber = Annotated[
    int, Path(ge=0, le=2_147_483_647, description="The version's number (per tenant).")
]


def gate_lock(tenant_id: uuid.UUID) -> str:
    """One gate at a time per tenant."""
    return f"prompt_gate:{tenant_id}"


# --- shapes -------------------------------------------------------------------------------------


class VariablePublic(BaseModel):
    name: str
    type: str
    description: str
    example: dict[str, str]


class KeyPublic(BaseModel):
    key: str
    kind: Literal["reply", "fragment", "map", "chat"]
    description: str
    source: str
    agents: list[str] = Field(description="The agents that send this text ([]: the graph's own).")
    variables: list[VariablePublic]
    required: list[str]
    languages: list[str]
    map_keys: list[str]
    shipped: dict[str, dict[str, Any]] = Field(
        description="Tone → language → the shipped text (a table for `status`, "
        "{system, human} for a chat prompt)."
    )


class RegistryPublic(BaseModel):
    languages: list[str]
    tones: list[str]
    agents: list[str]
    keys: list[KeyPublic]


class ProblemPublic(BaseModel):
    key: str
    language: str
    message: str
    field: str | None = None


class GateFailure(BaseModel):
    id: str
    tenant: str | None = None
    language: str | None = None
    turns: list[dict[str, Any]]


class VersionSummary(BaseModel):
    number: int
    status: VersionStatus
    note: str
    base_number: int | None
    rollback_of: int | None
    author: str | None
    author_role: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    changes: int = Field(description="Texts and tones it changes against the active version.")
    gate_passed: bool | None = Field(description="The gate's verdict (None: not gated).")


class VersionPublic(VersionSummary):
    content: PromptContent
    diff: list[dict[str, Any]] = Field(description="Its changes against the active version.")
    gate: dict[str, Any] | None


class VersionList(BaseModel):
    active: int = Field(description="The active version (0: the shipped texts).")
    tone: ToneChoice
    versions: list[VersionSummary]


class DraftRequest(BaseModel):
    note: str = Field(default="", max_length=MAX_NOTE)
    content: PromptContent | None = Field(
        default=None, description="Default: the active version's content, to edit from."
    )


class SaveRequest(BaseModel):
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    content: PromptContent | None = None


class ValidateRequest(BaseModel):
    content: PromptContent


class ValidateResult(BaseModel):
    problems: list[ProblemPublic]
    diff: list[dict[str, Any]]


class PreviewRequest(BaseModel):
    content: PromptContent
    limit: int = Field(default=10, ge=1, le=50)


class PreviewRow(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    at: dt.datetime
    language: str
    version: int
    customer: str
    sent: str
    draft: str
    changed: bool
    keys: list[str]


class SampleRequest(BaseModel):
    key: str = Field(max_length=64)
    language: Literal["tr", "en", "ar"] = "tr"
    tone: Literal["formal", "short", "warm"] | None = None
    text: Any = Field(
        default=None, description="A draft text to render (default: the shipped one)."
    )


class SampleResult(BaseModel):
    text: str
    problems: list[ProblemPublic]
    values: dict[str, str]


class EventPublic(BaseModel):
    at: dt.datetime
    number: int
    action: str
    user: str | None
    role: str
    changes: list[dict[str, Any]]
    detail: dict[str, Any] | None


# --- helpers ------------------------------------------------------------------------------------


def _agents_of() -> dict[str, list[str]]:
    agents: dict[str, list[str]] = {}
    for spec in REGISTRY.all():
        for key in spec.templates:
            agents.setdefault(key, []).append(spec.name)
    return agents


def _problems(content: PromptContent) -> list[ProblemPublic]:
    found = content.problems()
    agents = {spec.name for spec in REGISTRY.all()}
    found_public = [ProblemPublic(**p.as_dict()) for p in found]
    for name in content.tone.agents:
        if name not in agents:
            found_public.append(
                ProblemPublic(
                    key="tone", language="", message=f"unknown agent {name!r}", field=name
                )
            )
    return found_public


def _checked(content: PromptContent) -> PromptContent:
    problems = _problems(content)
    if problems:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {
                "message": "the version has texts that cannot be used",
                "problems": [p.model_dump() for p in problems],
            },
        )
    return content


async def _names(session: Any, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (
        await session.execute(select(User.id, User.name, User.email).where(User.id.in_(wanted)))
    ).all()
    return {row.id: row.name or row.email for row in rows}


def _summary(
    version: PromptVersion, active: PromptSet, names: dict[uuid.UUID, str]
) -> dict[str, Any]:
    gate = version.gate or {}
    return {
        "number": version.number,
        "status": version.status,
        "note": version.note,
        "base_number": version.base_number,
        "rollback_of": version.rollback_of,
        "author": names.get(version.author_id) if version.author_id else None,
        "author_role": version.author_role,
        "created_at": version.created_at,
        "updated_at": version.updated_at,
        "published_at": version.published_at,
        "changes": len(versions.changes(version, active)),
        "gate_passed": gate.get("passed") if "passed" in gate else None,
    }


async def _version(session: Any, tenant: TenantContext, number: int) -> PromptVersion:
    version = await versions.get(session, tenant.tenant_id, number)
    if version is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such prompt version in this tenant")
    return version


def _may_change(tenant: TenantContext, version: PromptVersion) -> None:
    """Prompt owners change any draft; others (who may only suggest) their own."""
    if allowed(tenant.role, "prompts.edit") or version.author_id == tenant.user_id:
        return
    raise HTTPException(status.HTTP_403_FORBIDDEN, "you may change only the drafts you wrote")


@contextlib.contextmanager
def _conflict() -> Iterator[None]:
    """A request the version's state does not allow: 409 with the reason."""
    try:
        yield
    except versions.VersionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


def _actor(tenant: TenantContext) -> versions.Actor:
    return versions.Actor(tenant.user_id, tenant.role)


async def _full(session: Any, tenant: TenantContext, version: PromptVersion) -> VersionPublic:
    active = await versions.active(session, tenant.tenant_id)
    names = await _names(session, {version.author_id})
    return VersionPublic(
        **_summary(version, active, names),
        content=PromptContent.model_validate(version.content),
        diff=versions.changes(version, active),
        gate=version.gate,
    )


# --- the registry -------------------------------------------------------------------------------


@router.get("/registry")
async def get_registry(tenant: TenantContext = require("prompts.view")) -> RegistryPublic:
    """Every text the tenant can write, with its variables and the shipped texts per tone."""
    reg = registry()
    agents_of = _agents_of()
    keys = []
    for key, spec in sorted(reg.keys.items()):
        shipped = {
            tone: {
                lang: text
                for lang in spec.languages
                if (text := reg.default(key, lang, tone)) is not None
            }
            for tone in TONES
        }
        keys.append(
            KeyPublic(
                key=key,
                kind=spec.kind,
                description=spec.description,
                source=spec.source,
                agents=sorted(agents_of.get(key, [])),
                variables=[
                    VariablePublic(
                        name=v.name, type=v.type, description=v.description, example=v.examples
                    )
                    for v in spec.variables
                ],
                required=list(spec.required),
                languages=list(spec.languages),
                map_keys=list(spec.map_keys),
                shipped=shipped,
            )
        )
    return RegistryPublic(
        languages=list(LANGUAGES),
        tones=list(TONES),
        agents=sorted(spec.name for spec in REGISTRY.all()),
        keys=keys,
    )


@router.post("/validate")
async def validate(
    body: ValidateRequest,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.view"),
) -> ValidateResult:
    """Check a draft's content as the editor types (always 200; ``problems`` says what is
    wrong) and its diff against the active version."""
    active = await versions.active(session, tenant.tenant_id)
    return ValidateResult(problems=_problems(body.content), diff=diff(active.content, body.content))


@router.post("/sample")
async def sample(
    body: SampleRequest, session: TenantSessionDep, tenant: TenantContext = require("prompts.view")
) -> SampleResult:
    """One text rendered with its variables' example values (the shipped text in ``tone``, or
    the draft ``text``), for the editor's preview."""
    reg = registry()
    if body.key not in reg.keys:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no text {body.key!r}")
    spec = reg.spec(body.key)
    if body.language not in spec.languages:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{body.key} is written in {', '.join(spec.languages)}",
        )
    values = reg.example_values(body.key, body.language)
    if body.text is not None:
        problems = [
            ProblemPublic(**p.as_dict()) for p in reg.validate(body.key, body.language, body.text)
        ]
        if problems:
            return SampleResult(text="", problems=problems, values=values)
        texts = {body.language: {body.key: body.text}}
    else:
        texts = {}
    active = await versions.active(session, tenant.tenant_id)
    tone = ToneChoice(default=body.tone or active.content.tone.default)
    prompts = PromptSet(content=PromptContent(tone=tone, texts=texts))
    text = prompts.text(body.key, body.language)
    if spec.kind == "map":
        rendered = "\n".join(f"{k}: {v}" for k, v in dict(text).items())
    elif spec.kind == "chat":
        rendered = "\n\n".join(
            f"[{role}]\n{part.format_map(_Lenient(values))}" for role, part in dict(text).items()
        )
    else:
        rendered = str(text).format_map(_Lenient(values))
    return SampleResult(text=rendered, problems=[], values=values)


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# --- versions -----------------------------------------------------------------------------------


@router.get("/versions")
async def list_versions(
    session: TenantSessionDep, tenant: TenantContext = require("prompts.view")
) -> VersionList:
    """Every version, newest first, with the active one's number and tone."""
    active = await versions.active(session, tenant.tenant_id)
    rows = await versions.listing(session, tenant.tenant_id)
    names = await _names(session, {row.author_id for row in rows})
    return VersionList(
        active=active.version,
        tone=active.content.tone,
        versions=[VersionSummary(**_summary(row, active, names)) for row in rows],
    )


@router.post("/versions", status_code=status.HTTP_201_CREATED)
async def create_version(
    body: DraftRequest,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.suggest"),
) -> VersionPublic:
    """A new draft, from the active version (or with ``content``)."""
    content = _checked(body.content) if body.content is not None else None
    version = await versions.create(
        session, tenant.tenant_id, _actor(tenant), content=content, note=body.note
    )
    await session.commit()
    return await _full(session, tenant, version)


@router.get("/versions/{number}")
async def get_version(
    number: VersionNumber,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.view"),
) -> VersionPublic:
    return await _full(session, tenant, await _version(session, tenant, number))


@router.put("/versions/{number}")
async def save_version(
    number: VersionNumber,
    body: SaveRequest,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.suggest"),
) -> VersionPublic:
    """Save a draft (or a refused version, which becomes a draft again). Checked first: a
    text with an unknown or missing variable is a 422 listing every problem."""
    version = await _version(session, tenant, number)
    _may_change(tenant, version)
    content = _checked(body.content) if body.content is not None else None
    with _conflict():
        await versions.save(session, version, _actor(tenant), content=content, note=body.note)
    await session.commit()
    return await _full(session, tenant, version)


@router.delete("/versions/{number}", status_code=status.HTTP_204_NO_CONTENT)
async def discard_version(
    number: VersionNumber,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.suggest"),
) -> None:
    version = await _version(session, tenant, number)
    _may_change(tenant, version)
    with _conflict():
        await versions.discard(session, version, _actor(tenant))
    await session.commit()


async def _start_gate(session: Any, tenant: TenantContext, version: PromptVersion) -> VersionPublic:
    """``gating``, and the gate's job queued in the same transaction."""
    with _conflict():
        await versions.submit(session, version, _actor(tenant))
    await defer_in(
        session,
        PROMPT_GATE,
        {"tenant_id": str(tenant.tenant_id), "number": version.number},
        lock=gate_lock(tenant.tenant_id),
    )
    await session.commit()
    return await _full(session, tenant, version)


@router.post("/versions/{number}/publish", status_code=status.HTTP_202_ACCEPTED)
async def publish_version(
    number: VersionNumber,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.edit"),
) -> VersionPublic:
    """Run the eval gate on the version: it becomes ``active`` if every case that passes with
    the shipped texts passes with it, else ``refused`` with the failing cases. Poll
    ``GET /versions/{number}`` for the result."""
    version = await _version(session, tenant, number)
    _checked(PromptContent.model_validate(version.content))
    return await _start_gate(session, tenant, version)


@router.post("/versions/{number}/rollback", status_code=status.HTTP_202_ACCEPTED)
async def rollback_to(
    number: VersionNumber,
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.edit"),
) -> VersionPublic:
    """Bring back version ``number``'s content as a new version, through the gate."""
    earlier = await _version(session, tenant, number)
    if earlier.status not in ("active", "archived"):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"version {number} is {earlier.status}: only a version that was live can be "
            "rolled back to",
        )
    active = await versions.active(session, tenant.tenant_id)
    if earlier.number == active.version:
        raise HTTPException(status.HTTP_409_CONFLICT, f"version {number} is the active version")
    version = await versions.create(
        session,
        tenant.tenant_id,
        _actor(tenant),
        content=PromptContent.model_validate(earlier.content),
        note=f"Rollback to version {number}",
        rollback_of=number,
    )
    return await _start_gate(session, tenant, version)


@router.get("/events")
async def list_events(
    session: TenantSessionDep,
    tenant: TenantContext = require("prompts.view"),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[EventPublic]:
    """The trail: every save, publish, refusal and rollback, newest first."""
    rows = (
        await session.scalars(
            select(PromptEvent)
            .where(PromptEvent.tenant_id == tenant.tenant_id)
            .order_by(PromptEvent.created_at.desc(), PromptEvent.id)
            .limit(limit)
        )
    ).all()
    names = await _names(session, {row.user_id for row in rows})
    events = []
    for row in rows:
        changes: list[dict[str, Any]] = []
        if row.before is not None and row.after is not None:
            try:
                changes = diff(_content(row.before), _content(row.after))
            except ValidationError:
                changes = []
        events.append(
            EventPublic(
                at=row.created_at,
                number=row.number,
                action=row.action,
                user=names.get(row.user_id) if row.user_id else None,
                role=row.role,
                changes=changes,
                detail=row.detail,
            )
        )
    return events


def _content(stored: dict[str, Any]) -> PromptContent:
    return PromptContent.model_validate({k: v for k, v in stored.items() if k != "version"})


# --- preview on real conversations -------------------------------------------------------------


@router.post("/preview")
async def preview(
    body: PreviewRequest, session: TenantSessionDep, tenant: TenantContext = require("prompts.view")
) -> list[PreviewRow]:
    """The tenant's most recent AI replies, each with the reply the draft would have written:
    the same texts rendered with the same values in the draft's texts and tone. Personal data is
    masked in both, and in the customer's message."""
    _checked(body.content)
    draft = PromptSet(content=body.content)
    replies = (
        await session.scalars(
            select(Message)
            .where(
                Message.tenant_id == tenant.tenant_id,
                Message.direction == "out",
                Message.author == "ai",
                Message.payload.has_key("prompts"),
            )
            .order_by(Message.created_at.desc())
            .limit(body.limit)
        )
    ).all()
    inbound_ids = {row.reply_to_id for row in replies if row.reply_to_id}
    inbound = (
        {
            row.id: row
            for row in (
                await session.scalars(select(Message).where(Message.id.in_(inbound_ids)))
            ).all()
        }
        if inbound_ids
        else {}
    )
    rows = []
    for reply in replies:
        record = (reply.payload or {}).get("prompts") or {}
        language = str((reply.payload or {}).get("language") or "tr")
        rewritten, keys = rewrite(reply.text, record.get("renders") or [], draft)
        customer = inbound.get(reply.reply_to_id) if reply.reply_to_id else None
        masked = await asyncio.to_thread(
            lambda texts, lang: [mask(t, lang) if t else t for t in texts],
            [customer.text if customer else "", reply.text, rewritten],
            language if language in LANGUAGES else "tr",
        )
        rows.append(
            PreviewRow(
                message_id=reply.id,
                conversation_id=reply.conversation_id,
                at=reply.created_at,
                language=language,
                version=int(record.get("version") or 0),
                customer=masked[0],
                sent=masked[1],
                draft=masked[2],
                changed=rewritten != reply.text,
                keys=keys,
            )
        )
    return rows


def rewrite(sent: str, renders: list[dict[str, Any]], draft: PromptSet) -> tuple[str, list[str]]:
    """``sent`` with each text it rendered replaced by the draft's rendering of the same key and
    values. Words and tables other texts put in a variable (``today``, ``status``) keep the
    values they had."""
    reg = registry()
    result, keys = sent, []
    for render in renders:
        key, old = render.get("key"), render.get("text")
        spec = reg.keys.get(str(key))
        if spec is None or spec.kind != "reply" or not old or old not in result:
            continue
        try:
            new = draft.render(
                spec.key,
                str(render.get("language") or "tr"),
                render.get("agent"),
                **(render.get("values") or {}),
            )
        except (KeyError, ValueError, IndexError):
            continue
        result = result.replace(old, new, 1)
        keys.append(spec.key)
    return result, keys
