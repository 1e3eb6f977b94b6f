"""The channel contract: normalised inbound messages, status updates and the ``Sender`` protocol."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, StringConstraints

MessageKind = Literal[
    "text",
    "interactive",
    "button",
    "image",
    "location",
    "audio",
    "video",
    "document",
    "sticker",
    "reaction",
    "contacts",
    "order",
    "unsupported",
    "unknown",
]


MAX_TEXT_CHARS = 4096
"""WhatsApp's own limit for a text body: a longer one is cut here (and flagged ``truncated``)."""
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200


def _cut(limit: int):  # type: ignore[no-untyped-def]
    def cut(value: Any) -> Any:
        return value[:limit] if isinstance(value, str) else value

    return BeforeValidator(cut)


MessageId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]
"""A channel's message id: longer ones are not WhatsApp's (the message is refused on its own)."""
WaId = Annotated[str, StringConstraints(pattern=r"^\d{5,20}$")]
"""A WhatsApp user id: digits only (E.164 without ``+``)."""


class InboundMessage(BaseModel):
    """One message a customer sent us, independent of the channel's wire format."""

    channel: str = "whatsapp"
    phone_number_id: str
    """Our business number's id: resolves the tenant and channel."""
    display_phone_number: str
    external_id: MessageId
    """The channel's message id (WhatsApp: the wamid); unique, used for idempotency."""
    sender: WaId
    """The customer's id on the channel (WhatsApp: wa_id digits, no ``+``)."""
    sender_name: Annotated[str | None, _cut(MAX_NAME_CHARS)] = None
    timestamp: AwareDatetime
    kind: MessageKind
    text: Annotated[str, _cut(MAX_TEXT_CHARS)] = ""
    """Text body; reply title for buttons and lists; caption for media; "name, address" for a
    location; the note of an order; "" otherwise."""
    reply_id: str | None = None
    """The id of the chosen button or list row, or a template button's payload."""
    context_id: str | None = None
    """The id of our message this one replies (or reacts) to."""
    media: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict)


class StatusUpdate(BaseModel):
    """A delivery status of one of OUR outbound messages."""

    phone_number_id: str
    external_id: MessageId
    """The id of our outbound message, as returned by the send call."""
    status: str
    """sent | delivered | read | failed | played, or whatever else the channel reports."""
    timestamp: AwareDatetime
    recipient: str
    errors: list[dict[str, Any]] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict)


class ParsedWebhook(BaseModel):
    """Everything one webhook delivery carried, split by what we could interpret."""

    messages: list[InboundMessage] = Field(default_factory=list)
    statuses: list[StatusUpdate] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    """Errors the channel reported outside any message (WhatsApp: ``value.errors``), each as
    ``{"phone_number_id": ..., "error": {...}}``."""
    unknown: list[dict[str, Any]] = Field(default_factory=list)
    """Items we could not interpret, each as ``{"problem": "...", "item": <raw>}``."""


class SendResult(BaseModel):
    """What the channel answered to an accepted send."""

    message_id: str
    status: str | None = None


@runtime_checkable
class Sender(Protocol):
    """Sends messages to one customer-facing number (one tenant channel)."""

    async def send_text(
        self, *, to: str, body: str, reply_to: str | None = None, preview_url: bool = False
    ) -> SendResult: ...

    async def send_template(
        self, *, to: str, name: str, language: str, parameters: Sequence[str] = ()
    ) -> SendResult: ...

    async def send_interactive_buttons(
        self, *, to: str, body: str, buttons: Sequence[tuple[str, str]]
    ) -> SendResult: ...


def render_template_text(name: str, parameters: Sequence[str]) -> str:
    """A one-line stand-in for a template message: ``[order_update] TY123 | Kargoda``."""
    return f"[{name}] {' | '.join(parameters)}".rstrip()


class SentMessage(BaseModel):
    """One send recorded by ``CollectingSender``."""

    message_id: str
    kind: Literal["text", "template", "interactive_buttons"]
    to: str
    text: str
    """The body, or the rendered template."""
    arguments: dict[str, Any]
    """The keyword arguments of the send call."""


class CollectingSender:
    """An in-memory ``Sender`` for tests: records every send and returns ``wamid.test.N`` ids.

    Put exceptions into ``fail_next`` to make the next sends raise them, in order.
    """

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []
        self.fail_next: list[Exception] = []
        self._ids = itertools.count(1)

    async def send_text(
        self, *, to: str, body: str, reply_to: str | None = None, preview_url: bool = False
    ) -> SendResult:
        arguments = {"body": body, "reply_to": reply_to, "preview_url": preview_url}
        return self._record("text", to=to, text=body, arguments=arguments)

    async def send_template(
        self, *, to: str, name: str, language: str, parameters: Sequence[str] = ()
    ) -> SendResult:
        arguments = {"name": name, "language": language, "parameters": list(parameters)}
        text = render_template_text(name, parameters)
        return self._record("template", to=to, text=text, arguments=arguments)

    async def send_interactive_buttons(
        self, *, to: str, body: str, buttons: Sequence[tuple[str, str]]
    ) -> SendResult:
        arguments = {"body": body, "buttons": [tuple(button) for button in buttons]}
        return self._record("interactive_buttons", to=to, text=body, arguments=arguments)

    def _record(
        self,
        kind: Literal["text", "template", "interactive_buttons"],
        *,
        to: str,
        text: str,
        arguments: dict[str, Any],
    ) -> SendResult:
        if self.fail_next:
            raise self.fail_next.pop(0)
        message_id = f"wamid.test.{next(self._ids)}"
        self.sent.append(
            SentMessage(message_id=message_id, kind=kind, to=to, text=text, arguments=arguments)
        )
        return SendResult(message_id=message_id, status="accepted")
