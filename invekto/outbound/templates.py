"""WhatsApp message templates: the spec a person writes, Meta's components, sending and status.

A ``TemplateSpec`` is validated like Meta validates a creation (WIRE 7.2, 7.4, 7.5): name,
language, category, typed variables with examples, a text header, a body, a footer and
buttons. ``row_values(spec)`` gives the ``WaTemplate`` columns; ``submit`` sends the row to the
WABA; ``apply_status_update`` / ``apply_category_update`` keep its status from Meta's webhooks;
``approved`` finds what may be sent; ``send_components`` and ``render`` turn variable values into
a send's components and into the text the customer reads.

Placeholders. With ``parameter_format="POSITIONAL"`` the texts use ``{{1}}``, ``{{2}}``... where
``{{k}}`` is the k-th of ``variables``; the Meta components are numbered per component (a
header's only variable is its ``{{1}}``, the body's are renumbered in order), and each stored
component keeps the variable names it uses under ``x_variables`` (Invekto's own key, never sent
to Meta). With ``"NAMED"`` the texts use ``{{variable_name}}`` as Meta does.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.channels.base import TemplateCategoryChange, TemplateStatusChange
from invekto.channels.whatsapp.templates import WabaApiError, WabaClient
from invekto.storage.models import Channel, Tenant, WaTemplate, utcnow

log = logging.getLogger(__name__)

LANGUAGES = ("tr", "en", "ar")
CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
SENDABLE = "APPROVED"
STATUSES = frozenset(
    {
        "DRAFT",
        "PENDING",
        "APPROVED",
        "REJECTED",
        "PAUSED",
        "DISABLED",
        "ARCHIVED",
        "LOCKED",
        "IN_APPEAL",
        "PENDING_DELETION",
        "DELETED",
        "LIMIT_EXCEEDED",
    }
)
EVENT_STATUS = {"REINSTATED": "APPROVED", "UNARCHIVED": "APPROVED", "UNLOCKED": "APPROVED"}
"""Meta events that are not a status of their own: what the template becomes."""
KEEP_STATUS_EVENTS = frozenset({"FLAGGED"})
"""Events noted in the history without changing the status (a flagged template still goes)."""
MAX_HISTORY = 50
MAX_REASON = 1000
MAX_VARIABLES = 20
MAX_HEADER = 60
MAX_BODY = 1024
MAX_FOOTER = 60
MAX_BUTTONS = 10
MAX_URL_BUTTONS = 2
MAX_QUICK_REPLY_TITLE = 20
MAX_URL_TITLE = 25
MAX_PARAMETER = 1024
TTL_RANGE = (30, 30 * 24 * 3600)

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_ENDS_WITH_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z0-9_]+\s*\}\}$")
_BRACES = re.compile(r"\{\{|\}\}")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^-?\d{1,15}([.,]\d{1,6})?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})$")
_CURRENCY = re.compile(r"^(?:[₺$€£]|[A-Z]{3}|TL)?\s?-?[\d.,]{1,20}\s?(?:[₺$€£]|[A-Z]{3}|TL)?$")

VariableName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


class TemplateParameterError(ValueError):
    """A send or render lacks a value for a template variable (or the value is empty)."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"template parameters missing: {', '.join(missing)}")
        self.missing = list(missing)


class TemplateVariable(BaseModel):
    """One variable: its name (the key of a send's ``parameters``), type and example."""

    model_config = ConfigDict(extra="forbid")

    name: VariableName
    type: Literal["text", "number", "date", "currency"] = "text"
    example: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]

    @model_validator(mode="after")
    def _typed_example(self) -> TemplateVariable:
        checks = {"number": _NUMBER, "date": _DATE, "currency": _CURRENCY}
        pattern = checks.get(self.type)
        if pattern is not None and not pattern.fullmatch(self.example):
            raise ValueError(f"example {self.example!r} of {self.name!r} is not a {self.type}")
        if _BRACES.search(self.example) or "\n" in self.example:
            raise ValueError(f"example of {self.name!r} may not hold braces or new lines")
        return self


class QuickReplyButton(BaseModel):
    """A quick-reply button; a tap comes back as an inbound ``button`` message with the payload
    (``payload`` here is the default; a send may give another)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["quick_reply"] = "quick_reply"
    text: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MAX_QUICK_REPLY_TITLE, strip_whitespace=True),
    ]
    payload: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None


class UrlButton(BaseModel):
    """A URL button; the URL may end with one placeholder (a per-send suffix)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["url"] = "url"
    text: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_URL_TITLE, strip_whitespace=True)
    ]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S{3,1990}$")]


Button = Annotated[QuickReplyButton | UrlButton, Field(discriminator="type")]


class TemplateSpec(BaseModel):
    """A template as a person writes it (one language), validated like Meta's creation."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,512}$")]
    language: Literal["tr", "en", "ar"]
    category: Literal["UTILITY", "MARKETING", "AUTHENTICATION"]
    parameter_format: Literal["POSITIONAL", "NAMED"] = "POSITIONAL"
    variables: list[TemplateVariable] = Field(default_factory=list, max_length=MAX_VARIABLES)
    header: Annotated[str, StringConstraints(min_length=1, max_length=MAX_HEADER)] | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)]
    footer: Annotated[str, StringConstraints(min_length=1, max_length=MAX_FOOTER)] | None = None
    buttons: list[Button] = Field(default_factory=list, max_length=MAX_BUTTONS)
    ttl_seconds: int | None = Field(None, ge=TTL_RANGE[0], le=TTL_RANGE[1])
    """``message_send_ttl_seconds``: a reminder never delivered after its slot."""

    @model_validator(mode="after")
    def _placeholders(self) -> TemplateSpec:
        names = [variable.name for variable in self.variables]
        if len(set(names)) != len(names):
            raise ValueError("variable names must be unique")
        used: set[str] = set()
        if self.header is not None:
            header = self._names_in(self.header, "header")
            if len(set(header)) > 1:
                raise ValueError("a text header holds at most one variable")
            used.update(header)
        body = self._names_in(self.body, "body")
        used.update(body)
        stripped = self.body.strip()
        if _PLACEHOLDER.match(stripped) or _ENDS_WITH_PLACEHOLDER.search(stripped):
            raise ValueError("the body may not start or end with a variable (Meta refuses it)")
        if self.footer is not None and _BRACES.search(self.footer):
            raise ValueError("the footer may not hold variables")
        titles = [b.text for b in self.buttons if isinstance(b, QuickReplyButton)]
        if len({title.casefold() for title in titles}) != len(titles):
            raise ValueError("quick-reply titles must be unique")
        urls = [b for b in self.buttons if isinstance(b, UrlButton)]
        if len(urls) > MAX_URL_BUTTONS:
            raise ValueError(f"at most {MAX_URL_BUTTONS} URL buttons")
        for button in urls:
            url_names = self._names_in(button.url, "button URL")
            if len(url_names) > 1:
                raise ValueError("a button URL holds at most one variable")
            if url_names and not _ENDS_WITH_PLACEHOLDER.search(button.url):
                raise ValueError("a button URL's variable must be at its end")
            used.update(url_names)
        unused = [name for name in names if name not in used]
        if unused:
            raise ValueError(f"variables never used: {', '.join(unused)}")
        return self

    def _names_in(self, text: str, where: str) -> list[str]:
        """The variable names the placeholders of ``text`` refer to, in order."""
        tokens = _PLACEHOLDER.findall(text)
        if len(_BRACES.findall(text)) != 2 * len(tokens):
            raise ValueError(f"the {where} has unbalanced or malformed {{{{ }}}} placeholders")
        names = [variable.name for variable in self.variables]
        found = []
        for token in tokens:
            if self.parameter_format == "POSITIONAL":
                if not token.isdigit() or not 1 <= int(token) <= len(names):
                    raise ValueError(
                        f"the {where} uses {{{{{token}}}}}: POSITIONAL placeholders are "
                        f"{{{{1}}}}..{{{{{len(names)}}}}} (one per variable)"
                    )
                found.append(names[int(token) - 1])
            else:
                if token not in names:
                    raise ValueError(f"the {where} uses {{{{{token}}}}}, which is no variable")
                found.append(token)
        return found


# --- the spec ↔ the row ↔ Meta's components ---------------------------------------------------


def components(spec: TemplateSpec) -> list[dict[str, Any]]:
    """Meta's creation components (HEADER, BODY, FOOTER, BUTTONS) with their ``example``;
    each also names its variables under ``x_variables`` (dropped by ``meta_components``)."""
    examples = {variable.name: variable.example for variable in spec.variables}
    named = spec.parameter_format == "NAMED"
    result: list[dict[str, Any]] = []
    if spec.header is not None:
        header_names = _ordered(spec._names_in(spec.header, "header"))
        header: dict[str, Any] = {
            "type": "HEADER",
            "format": "TEXT",
            "text": _localised(spec, spec.header, header_names),
        }
        if header_names:
            header["example"] = (
                {
                    "header_text_named_params": [
                        {"param_name": header_names[0], "example": examples[header_names[0]]}
                    ]
                }
                if named
                else {"header_text": [examples[header_names[0]]]}
            )
            header["x_variables"] = header_names
        result.append(header)
    body_names = spec._names_in(spec.body, "body")
    if not named:  # the body's {{1}}..{{m}} follow the variables' order
        order = [variable.name for variable in spec.variables]
        body_names = sorted(set(body_names), key=order.index)
    else:
        body_names = _ordered(body_names)
    body: dict[str, Any] = {"type": "BODY", "text": _localised(spec, spec.body, body_names)}
    if body_names:
        body["example"] = (
            {
                "body_text_named_params": [
                    {"param_name": name, "example": examples[name]} for name in body_names
                ]
            }
            if named
            else {"body_text": [[examples[name] for name in body_names]]}
        )
        body["x_variables"] = body_names
    result.append(body)
    if spec.footer is not None:
        result.append({"type": "FOOTER", "text": spec.footer})
    if spec.buttons:
        buttons: list[dict[str, Any]] = []
        for button in spec.buttons:
            if isinstance(button, QuickReplyButton):
                item: dict[str, Any] = {"type": "QUICK_REPLY", "text": button.text}
                if button.payload:
                    item["x_payload"] = button.payload
            else:
                url_names = spec._names_in(button.url, "button URL")
                url = _PLACEHOLDER.sub("{{1}}", button.url)
                item = {"type": "URL", "text": button.text, "url": url}
                if url_names:
                    example = examples[url_names[0]]
                    item["example"] = [
                        _PLACEHOLDER.sub(lambda _, example=example: example, button.url)  # type: ignore[misc]
                    ]
                    item["x_variable"] = url_names[0]
            buttons.append(item)
        result.append({"type": "BUTTONS", "buttons": buttons})
    return result


def meta_components(stored: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The components as Meta takes them: Invekto's ``x_`` keys dropped."""
    return [_without_own_keys(component) for component in stored]


def row_values(spec: TemplateSpec) -> dict[str, Any]:
    """The ``WaTemplate`` columns of a spec: ``WaTemplate(tenant_id=.., **row_values(spec))``."""
    return {
        "name": spec.name,
        "language": spec.language,
        "category": spec.category,
        "parameter_format": spec.parameter_format,
        "variables": [variable.model_dump() for variable in spec.variables],
        "components": components(spec),
        "ttl_seconds": spec.ttl_seconds,
        "status": "DRAFT",
        "history": [],
    }


def spec_from_row(row: WaTemplate) -> TemplateSpec:
    """The spec back from a stored row (POSITIONAL placeholders renumbered to the variables)."""
    order = [str(variable.get("name")) for variable in row.variables or []]
    named = row.parameter_format == "NAMED"
    values: dict[str, Any] = {
        "name": row.name,
        "language": row.language,
        "category": row.category,
        "parameter_format": row.parameter_format,
        "variables": row.variables or [],
        "ttl_seconds": row.ttl_seconds,
        "buttons": [],
    }
    for component in row.components or []:
        kind = str(component.get("type", "")).upper()
        names = _component_names(row, component)
        text = str(component.get("text", ""))
        if not named:
            text = _PLACEHOLDER.sub(
                lambda m, names=names: _global(m.group(1), names, order),  # type: ignore[misc]
                text,
            )
        if kind == "HEADER":
            values["header"] = text
        elif kind == "BODY":
            values["body"] = text
        elif kind == "FOOTER":
            values["footer"] = text
        elif kind == "BUTTONS":
            for button in component.get("buttons") or []:
                if str(button.get("type")).upper() == "URL":
                    url = str(button.get("url", ""))
                    variable = button.get("x_variable")
                    if variable and variable in order:
                        token = variable if named else str(order.index(variable) + 1)
                        url = _PLACEHOLDER.sub("{{" + token + "}}", url)
                    values["buttons"].append(
                        {"type": "url", "text": button.get("text", ""), "url": url}
                    )
                else:
                    values["buttons"].append(
                        {
                            "type": "quick_reply",
                            "text": button.get("text", ""),
                            "payload": button.get("x_payload"),
                        }
                    )
    return TemplateSpec.model_validate(values)


# --- sending and reading ------------------------------------------------------------------------


def missing_parameters(row: WaTemplate, parameters: Mapping[str, Any]) -> list[str]:
    """The variables of ``row`` without a usable value in ``parameters`` (checked before a
    send: ``send_components`` raises ``TemplateParameterError`` for them)."""
    needed = []
    for component in row.components or []:
        needed.extend(_component_names(row, component))
        for button in component.get("buttons") or [] if _kind(component) == "BUTTONS" else []:
            if button.get("x_variable"):
                needed.append(str(button["x_variable"]))
    return [
        name for name in _ordered(needed) if not clean_parameter(str(parameters.get(name) or ""))
    ]


def send_components(
    row: WaTemplate, parameters: Mapping[str, Any], *, payloads: Mapping[int, str] | None = None
) -> list[dict[str, Any]]:
    """The ``template.components`` of a send (WIRE 7.5): header and body parameters (with
    ``parameter_name`` when NAMED), a URL button's suffix, quick-reply payloads (``payloads``
    by button index, else the button's default). Raises ``TemplateParameterError``."""
    missing = missing_parameters(row, parameters)
    if missing:
        raise TemplateParameterError(missing)
    named = row.parameter_format == "NAMED"
    result: list[dict[str, Any]] = []
    for component in row.components or []:
        kind = _kind(component)
        if kind in ("HEADER", "BODY"):
            names = _component_names(row, component)
            if not names:
                continue
            result.append(
                {
                    "type": kind.lower(),
                    "parameters": [
                        {
                            "type": "text",
                            "text": clean_parameter(str(parameters[name])),
                            **({"parameter_name": name} if named else {}),
                        }
                        for name in names
                    ],
                }
            )
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                button_type = str(button.get("type", "")).upper()
                if button_type == "QUICK_REPLY":
                    payload = (payloads or {}).get(index) or button.get("x_payload")
                    if payload:
                        result.append(
                            {
                                "type": "button",
                                "sub_type": "quick_reply",
                                "index": str(index),
                                "parameters": [{"type": "payload", "payload": str(payload)}],
                            }
                        )
                elif button_type == "URL" and button.get("x_variable"):
                    value = clean_parameter(str(parameters[str(button["x_variable"])]))
                    result.append(
                        {
                            "type": "button",
                            "sub_type": "url",
                            "index": str(index),
                            "parameters": [{"type": "text", "text": value}],
                        }
                    )
    return result


def render(row: WaTemplate, parameters: Mapping[str, Any]) -> str:
    """The text as the customer reads it: header, body, footer, then the button titles.
    A variable without a value stays as ``{{name}}`` (``render`` never raises)."""
    lines: list[str] = []
    titles: list[str] = []
    for component in row.components or []:
        kind = _kind(component)
        if kind in ("HEADER", "BODY", "FOOTER") and component.get("text"):
            lines.append(_filled(row, component, parameters))
        elif kind == "BUTTONS":
            titles = [str(b.get("text", "")) for b in component.get("buttons") or []]
    if titles:
        lines.append(" ".join(f"[{title}]" for title in titles))
    return "\n".join(line for line in lines if line)


def clean_parameter(value: str) -> str:
    """A value Meta takes: no new lines or tabs, no runs of spaces, at most 1024 characters."""
    return _SPACES.sub(" ", value).strip()[:MAX_PARAMETER]


# --- the WABA: submission, status and category webhooks --------------------------------------


class WabaAccess(Protocol):
    def waba_client(self, channel: Channel) -> WabaClient: ...


async def submit(
    services: WabaAccess, session: AsyncSession, row: WaTemplate, channel: Channel
) -> None:
    """``POST /{waba_id}/message_templates``: the row becomes PENDING (or what Meta answered)
    with its ``meta_template_id``. A refusal keeps the status and says why in ``reason`` (and
    the history); nothing raises. A REJECTED row is deleted at Meta first, then created again.
    The caller commits."""
    now = utcnow()
    if channel.tenant_id != row.tenant_id:
        _refused(row, now, "the channel belongs to another tenant")
        return
    if row in session:
        # Locked until the caller commits: Meta's status webhook (which can come back at once)
        # waits for the row instead of being overwritten by this submission.
        await session.flush()
        await session.refresh(row, with_for_update=True)
    if row.status not in ("DRAFT", "REJECTED"):
        _refused(row, now, f"already submitted (status {row.status})", keep_reason=True)
        return
    if not channel.waba_id:
        _refused(row, now, "the channel has no WhatsApp Business Account id (waba_id)")
        return
    body: dict[str, Any] = {
        "name": row.name,
        "language": row.language,
        "category": row.category,
        "parameter_format": row.parameter_format,
        "components": meta_components(row.components or []),
    }
    if row.ttl_seconds:
        body["message_send_ttl_seconds"] = row.ttl_seconds
    try:
        async with services.waba_client(channel) as client:
            if row.status == "REJECTED" and row.meta_template_id:
                try:
                    await client.delete(row.name, hsm_id=row.meta_template_id)
                except WabaApiError as exc:
                    log.info("deleting rejected template %s: %s", row.name, exc)
            answer = await client.create(body)
    except WabaApiError as exc:
        _refused(row, now, exc.reason, code=exc.code)
        return
    except ValueError as exc:  # no credentials, a bad WABA id
        _refused(row, now, str(exc))
        return
    status = str(answer.get("status") or "PENDING").upper()
    row.status = status if status in STATUSES else "PENDING"
    category = str(answer.get("category") or "").upper()
    if category in CATEGORIES and category != row.category:
        row.category = category
    row.meta_template_id = str(answer["id"])[:64]
    row.reason = None
    row.submitted_at = row.status_at = now
    _note(row, now, "SUBMITTED", category=row.category)
    if row.status != "PENDING":
        _note(row, now, row.status)


async def apply_status_update(
    session: AsyncSession,
    value: Mapping[str, Any] | TemplateStatusChange,
    *,
    waba_id: str | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """Apply a ``message_template_status_update``; True when a template of ours was found.

    Matched by ``message_template_id``, else by name and language among the tenants whose
    channel is on that WABA (``waba_id``: the webhook's ``entry.id``; without it only the id
    matches). The reason (rejection reason and recommendation) is kept; every event goes to the
    history. The caller commits."""
    change = value if isinstance(value, TemplateStatusChange) else _read_status(value, waba_id)
    if change is None:
        return False
    rows = await _matching(
        session,
        change.waba_id or waba_id,
        change.message_template_id,
        change.name,
        change.language,
    )
    now = at or utcnow()
    event = change.event.upper()
    for row in rows:
        if change.message_template_id and not row.meta_template_id:
            row.meta_template_id = change.message_template_id[:64]
        reason = change.reason
        if reason and change.recommendation:
            reason = f"{reason}: {change.recommendation}"
        if event not in KEEP_STATUS_EVENTS:
            status = EVENT_STATUS.get(event, event)
            if status in STATUSES:
                row.status = status
                row.status_at = now
                row.reason = reason[:MAX_REASON] if reason else None
        category = (change.category or "").upper()
        if category in CATEGORIES and category != row.category:
            row.category = category
        details = {
            "reason": reason,
            "disable_date": change.disable_date,
            "title": change.other_title,
            "description": change.other_description,
        }
        _note(row, now, event, **{k: v for k, v in details.items() if v})
    return bool(rows)


async def apply_category_update(
    session: AsyncSession,
    value: Mapping[str, Any] | TemplateCategoryChange,
    *,
    waba_id: str | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """Apply a ``template_category_update`` (Meta may turn UTILITY into MARKETING): the row's
    category changes (the dispatcher then treats it as marketing: consent, caps). The caller
    commits."""
    change = value if isinstance(value, TemplateCategoryChange) else _read_category(value, waba_id)
    if change is None or change.new_category.upper() not in CATEGORIES:
        return False
    rows = await _matching(
        session,
        change.waba_id or waba_id,
        change.message_template_id,
        change.name,
        change.language,
    )
    now = at or utcnow()
    for row in rows:
        previous = row.category
        row.category = change.new_category.upper()
        _note(row, now, "CATEGORY_CHANGED", category=row.category, previous=previous)
    return bool(rows)


async def approved(
    session: AsyncSession, tenant_id: uuid.UUID, name: str, language: str
) -> WaTemplate | None:
    """The APPROVED template ``name`` in ``language``, else in the tenant's default language,
    else in Turkish; None when none is approved."""
    default = await session.scalar(select(Tenant.default_language).where(Tenant.id == tenant_id))
    wanted = list(dict.fromkeys([language, default or "tr", "tr"]))
    rows = (
        await session.scalars(
            select(WaTemplate).where(
                WaTemplate.tenant_id == tenant_id,
                WaTemplate.name == name,
                WaTemplate.status == SENDABLE,
                WaTemplate.language.in_(wanted),
            )
        )
    ).all()
    by_language = {row.language: row for row in rows}
    return next((by_language[code] for code in wanted if code in by_language), None)


# --- helpers ------------------------------------------------------------------------------------


async def _matching(
    session: AsyncSession,
    waba_id: str | None,
    template_id: str | None,
    name: str | None,
    language: str | None,
) -> list[WaTemplate]:
    tenants = (
        select(Channel.tenant_id).where(Channel.waba_id == waba_id).scalar_subquery()
        if waba_id
        else None
    )
    if template_id:
        statement = select(WaTemplate).where(WaTemplate.meta_template_id == template_id)
        if tenants is not None:
            statement = statement.where(WaTemplate.tenant_id.in_(tenants))
        rows = list((await session.scalars(statement.with_for_update())).all())
        if rows:
            return rows
    if tenants is None or not name or not language:
        return []
    statement = select(WaTemplate).where(
        WaTemplate.tenant_id.in_(tenants),
        WaTemplate.name == name,
        WaTemplate.language == language,
    )
    if template_id:  # a row of another template id is another template
        statement = statement.where(
            (WaTemplate.meta_template_id.is_(None)) | (WaTemplate.meta_template_id == template_id)
        )
    return list((await session.scalars(statement.with_for_update())).all())


def _read_status(value: Mapping[str, Any], waba_id: str | None) -> TemplateStatusChange | None:
    from invekto.channels.base import ParsedWebhook
    from invekto.channels.whatsapp.parse import _Malformed, _template_status

    parsed = ParsedWebhook()
    try:
        _template_status(dict(value), waba_id, parsed)
    except _Malformed:
        return None
    return parsed.template_updates[0]


def _read_category(value: Mapping[str, Any], waba_id: str | None) -> TemplateCategoryChange | None:
    from invekto.channels.base import ParsedWebhook
    from invekto.channels.whatsapp.parse import _Malformed, _template_category

    parsed = ParsedWebhook()
    try:
        _template_category(dict(value), waba_id, parsed)
    except _Malformed:
        return None
    return parsed.category_updates[0]


def _refused(
    row: WaTemplate,
    now: dt.datetime,
    reason: str,
    *,
    code: int | None = None,
    keep_reason: bool = False,
) -> None:
    if not keep_reason:
        row.reason = reason[:MAX_REASON]
    _note(row, now, "SUBMIT_FAILED", reason=reason, **({"code": code} if code else {}))


def _note(row: WaTemplate, now: dt.datetime, event: str, **details: Any) -> None:
    entry: dict[str, Any] = {"at": now.isoformat(), "event": event}
    for key, value in details.items():
        if value is not None:
            entry[key] = value[:MAX_REASON] if isinstance(value, str) else value
    history = list(row.history or [])
    last = history[-1] if history else None
    if last is not None and {k: v for k, v in last.items() if k != "at"} == {
        k: v for k, v in entry.items() if k != "at"
    }:
        return  # a redelivered webhook
    history.append(entry)
    row.history = history[-MAX_HISTORY:]


def _kind(component: Mapping[str, Any]) -> str:
    return str(component.get("type", "")).upper()


def _ordered(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _localised(spec: TemplateSpec, text: str, names: list[str]) -> str:
    """``text`` with its placeholders as Meta wants them in this component."""
    if spec.parameter_format == "NAMED":
        return _PLACEHOLDER.sub(lambda m: "{{" + m.group(1) + "}}", text)
    order = [variable.name for variable in spec.variables]
    return _PLACEHOLDER.sub(
        lambda m: "{{" + str(names.index(order[int(m.group(1)) - 1]) + 1) + "}}", text
    )


def _component_names(row: WaTemplate, component: Mapping[str, Any]) -> list[str]:
    """The variable names of a HEADER/BODY component in its parameter order."""
    if _kind(component) not in ("HEADER", "BODY"):
        return []
    stored = component.get("x_variables")
    if isinstance(stored, list):
        return [str(name) for name in stored]
    tokens = _ordered(_PLACEHOLDER.findall(str(component.get("text", ""))))
    if row.parameter_format == "NAMED":
        return tokens
    # A row written without our hints: {{k}} is the k-th variable.
    order = [str(variable.get("name")) for variable in row.variables or []]
    numbers = sorted(int(token) for token in tokens if token.isdigit())
    return [order[n - 1] if 0 < n <= len(order) else str(n) for n in numbers]


def _filled(row: WaTemplate, component: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    names = _component_names(row, component)
    named = row.parameter_format == "NAMED"

    def value(match: re.Match[str]) -> str:
        token = match.group(1)
        if named:
            name = token
        elif token.isdigit() and 0 < int(token) <= len(names):
            name = names[int(token) - 1]
        else:
            return match.group(0)
        given = clean_parameter(str(parameters.get(name) or ""))
        return given or "{{" + name + "}}"

    return _PLACEHOLDER.sub(value, str(component.get("text", "")))


def _global(token: str, names: list[str], order: list[str]) -> str:
    if token.isdigit() and 0 < int(token) <= len(names) and names[int(token) - 1] in order:
        return "{{" + str(order.index(names[int(token) - 1]) + 1) + "}}"
    return "{{" + token + "}}"


def _without_own_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_own_keys(v) for k, v in value.items() if not str(k).startswith("x_")}
    if isinstance(value, list):
        return [_without_own_keys(item) for item in value]
    return value
