"""The channel contract: normalised inbound messages, status updates and the ``Sender`` protocol."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

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
    "edit",
    "revoke",
    "system",
    "request_welcome",
    "unsupported",
    "unknown",
]
"""Meta's ``messages[].type`` values we read (``unknown``: any other). ``edit`` and ``revoke``
(a customer edited or deleted a message) and ``system`` (a number change) are events about the
conversation rather than something to answer; see ``invekto.graphs.conversation.kinds``."""


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


MAX_DETAIL_CHARS = 1000
"""A free text inside a message's details (a caption, a headline, a contact's name...)."""
MAX_CONTACTS = 20
MAX_CONTACT_VALUES = 10
MAX_ORDER_ITEMS = 100
MAX_ERRORS = 10
MAX_PROBLEMS = 10
MAX_OPAQUE_CHARS = 512
"""Meta's limit for ``biz_opaque_callback_data``."""

Short = Annotated[str | None, _cut(MAX_DETAIL_CHARS)]


class _Details(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MessageError(_Details):
    """One error Meta attached to a message, a status or a delivery (``errors[]``)."""

    code: int | None = None
    title: Short = None
    message: Short = None
    details: Short = None
    """``error_data.details``."""
    href: Short = None


class Referral(_Details):
    """Click-to-WhatsApp: the ad or post the customer came from (every key optional)."""

    source_url: Short = None
    source_id: Short = None
    source_type: Short = None
    """``ad`` | ``post``."""
    headline: Short = None
    body: Short = None
    media_type: Short = None
    """``image`` | ``video``."""
    image_url: Short = None
    video_url: Short = None
    thumbnail_url: Short = None
    ctwa_clid: Short = None
    """The click id (for conversion reporting)."""


class ReferredProduct(_Details):
    catalog_id: Short = None
    product_retailer_id: Short = None


class MessageContext(_Details):
    """What the message answers or where it comes from (``context``)."""

    message_id: Short = None
    """The message replied to (ours, or the customer's own)."""
    sender: Short = None
    """``context.from``: who wrote the message replied to."""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referred_product: ReferredProduct | None = None
    """The catalogue product the customer asks about ("Message business" on a product)."""


class MediaInfo(_Details):
    """An image, audio, video, document or sticker (the file stays at Meta: ``id``)."""

    id: Short = None
    mime_type: Short = None
    sha256: Short = None
    caption: Short = None
    filename: Short = None
    url: Short = None
    voice: bool = False
    """An audio recorded in WhatsApp (a voice note), not a file."""
    animated: bool = False


class LocationInfo(_Details):
    latitude: float | None = None
    longitude: float | None = None
    name: Short = None
    address: Short = None
    url: Short = None


class ContactPhone(_Details):
    phone: Short = None
    wa_id: Short = None
    type: Short = None


class ContactCard(_Details):
    """One shared contact: a name, phones, e-mails, an organisation."""

    name: Short = None
    """``name.formatted_name`` (else first and last name)."""
    phones: list[ContactPhone] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    organization: Short = None


class OrderItem(_Details):
    product_retailer_id: Short = None
    quantity: int | None = None
    item_price: Decimal | None = None
    currency: Short = None


class OrderInfo(_Details):
    """A cart sent from the business's WhatsApp catalogue."""

    catalog_id: Short = None
    text: Short = None
    items: list[OrderItem] = Field(default_factory=list)
    items_dropped: int = 0
    """Items beyond ``MAX_ORDER_ITEMS`` or unreadable ones (not in ``items``)."""
    total: Decimal | None = None
    """Σ quantity × item_price when every item has both and one currency."""
    currency: Short = None


class InteractiveReply(_Details):
    """A reply button or list row the customer chose."""

    id: Short = None
    title: Short = None
    description: Short = None


class FlowReply(_Details):
    """A completed WhatsApp Flow (``interactive.nfm_reply``)."""

    name: Short = None
    body: Short = None
    response: dict[str, Any] | None = None
    """``response_json`` parsed, bounded (depth, keys and strings cut); None when unreadable."""
    flow_token: Short = None


class CallPermission(_Details):
    """The answer to a call-permission request (``interactive.call_permission_reply``)."""

    response: Short = None
    """``accept`` | ``reject``."""
    is_permanent: bool | None = None
    expiration_timestamp: int | None = None
    response_source: Short = None


class Reaction(_Details):
    message_id: Short = None
    """The message reacted to."""
    emoji: Short = None
    """None: the customer removed their reaction."""


class EditInfo(_Details):
    original_message_id: Short = None
    kind: Short = None
    """The edited message's type (``text``, ``image``...)."""
    text: Annotated[str | None, _cut(MAX_TEXT_CHARS)] = None
    """The new text (or caption)."""


class RevokeInfo(_Details):
    original_message_id: Short = None


class SystemEvent(_Details):
    """A change of the customer's identity (``system``)."""

    type: Short = None
    """``customer_changed_number`` / ``user_changed_number`` (a new phone number),
    ``customer_identity_changed``, ``user_changed_user_id``..."""
    body: Short = None
    old_wa_id: Short = None
    """The number the message came from."""
    new_wa_id: Short = None
    """The customer's new number (``new_wa_id``, else ``wa_id``), for a number change."""
    applied: bool | None = None
    """A number change: True when the customer now has the new number (the next messages from
    it join the same customer and conversation), False when another customer already had it."""


class DeliveryInfo(_Details):
    """What the status callbacks of one of OUR messages said about its pricing and errors."""

    status: Short = None
    pricing_category: Short = None
    """``service`` | ``utility`` | ``marketing`` | ``authentication`` | ``referral_conversion``."""
    pricing_type: Short = None
    """``regular`` | ``free_customer_service`` | ``free_entry_point`` (per-message pricing)."""
    pricing_model: Short = None
    billable: bool | None = None
    conversation_id: Short = None
    conversation_origin: Short = None
    errors: list[MessageError] = Field(default_factory=list)


class MessageDetails(_Details):
    """Every field of a message that a person or an agent needs, per kind; only the kind's own
    fields are set. Stored in ``messages.payload.details`` and shown by the inbox (masked)."""

    interactive_type: Short = None
    """``button_reply`` | ``list_reply`` | ``nfm_reply`` | ``call_permission_reply``..."""
    reply: InteractiveReply | None = None
    button_payload: Short = None
    """A template's quick-reply button (``button.payload``)."""
    media: MediaInfo | None = None
    location: LocationInfo | None = None
    contacts: list[ContactCard] = Field(default_factory=list)
    order: OrderInfo | None = None
    flow: FlowReply | None = None
    call_permission: CallPermission | None = None
    reaction: Reaction | None = None
    edit: EditInfo | None = None
    revoke: RevokeInfo | None = None
    system: SystemEvent | None = None
    context: MessageContext | None = None
    referral: Referral | None = None
    errors: list[MessageError] = Field(default_factory=list)
    wire_type: Short = None
    """The ``type`` Meta sent when we do not know it (kind ``unknown``)."""
    problems: list[str] = Field(default_factory=list)
    """Parts we could not read (a bad order item...): the rest of the message is kept."""
    delivery: DeliveryInfo | None = None
    """Outbound messages: pricing and errors from the status callbacks."""
    deleted: bool = False
    """The customer deleted this message (a later ``revoke``)."""
    edited: bool = False
    """The customer edited this message (a later ``edit``; ``text`` is the newest version)."""

    def stored(self) -> dict[str, Any]:
        """The JSON kept in ``messages.payload.details`` (unset fields left out)."""
        return self.model_dump(mode="json", exclude_defaults=True)


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
    details: MessageDetails = Field(default_factory=MessageDetails)
    """The kind's structured fields (see ``MessageDetails``)."""
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
    delivery: DeliveryInfo | None = None
    """``pricing``, ``conversation`` and ``errors`` of the callback, when it carries any."""
    biz_opaque_callback_data: Annotated[str | None, _cut(MAX_OPAQUE_CHARS)] = None
    """What we put at the top of the send (``outbound:<send id>``), echoed by Meta [T/U]."""
    raw: dict[str, Any] = Field(default_factory=dict)


class TemplateStatusChange(_Details):
    """``message_template_status_update``: a template was approved, rejected, paused..."""

    waba_id: Short = None
    """``entry.id``: the WhatsApp Business Account the template belongs to."""
    event: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    """APPROVED, REJECTED, PENDING, PAUSED, DISABLED, FLAGGED, REINSTATED, ..."""
    message_template_id: Short = None
    name: Short = None
    language: Short = None
    reason: Short = None
    """Meta's ``reason`` (``NONE`` when there is none), else ``rejection_info.reason``."""
    recommendation: Short = None
    category: Short = None
    disable_date: Short = None
    other_title: Short = None
    other_description: Short = None


class TemplateCategoryChange(_Details):
    """``template_category_update``: Meta moved a template to another category."""

    waba_id: Short = None
    message_template_id: Short = None
    name: Short = None
    language: Short = None
    new_category: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    previous_category: Short = None


class PreferenceChange(_Details):
    """``user_preferences``: a customer stopped (or resumed) marketing messages at Meta."""

    waba_id: Short = None
    phone_number_id: Short = None
    """Our number it came through (``value.metadata``), when Meta names it."""
    wa_id: WaId
    value: Literal["stop", "resume", "signup"]
    category: Short = None
    """``marketing_messages``."""
    detail: Short = None
    timestamp: AwareDatetime | None = None


class ParsedWebhook(BaseModel):
    """Everything one webhook delivery carried, split by what we could interpret."""

    messages: list[InboundMessage] = Field(default_factory=list)
    statuses: list[StatusUpdate] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    """Errors the channel reported outside any message (WhatsApp: ``value.errors``), each as
    ``{"phone_number_id": ..., "error": {...}}``."""
    template_updates: list[TemplateStatusChange] = Field(default_factory=list)
    category_updates: list[TemplateCategoryChange] = Field(default_factory=list)
    preferences: list[PreferenceChange] = Field(default_factory=list)
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
        self,
        *,
        to: str,
        body: str,
        reply_to: str | None = None,
        preview_url: bool = False,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult: ...

    async def send_template(
        self,
        *,
        to: str,
        name: str,
        language: str,
        parameters: Sequence[str] = (),
        components: Sequence[dict[str, Any]] | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult: ...

    async def send_interactive_buttons(
        self,
        *,
        to: str,
        body: str,
        buttons: Sequence[tuple[str, str]],
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult: ...


def render_template_text(name: str, parameters: Sequence[str]) -> str:
    """A one-line stand-in for a template message: ``[order_update] TY123 | Kargoda``."""
    return f"[{name}] {' | '.join(parameters)}".rstrip()


def component_texts(components: Sequence[dict[str, Any]]) -> list[str]:
    """The text parameters of a template send's body component(s), in order."""
    return [
        str(parameter.get("text", ""))
        for component in components
        if isinstance(component, dict) and str(component.get("type", "")).lower() == "body"
        for parameter in component.get("parameters") or []
        if isinstance(parameter, dict)
    ]


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
        self,
        *,
        to: str,
        body: str,
        reply_to: str | None = None,
        preview_url: bool = False,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        arguments = {"body": body, "reply_to": reply_to, "preview_url": preview_url}
        if biz_opaque_callback_data is not None:
            arguments["biz_opaque_callback_data"] = biz_opaque_callback_data
        return self._record("text", to=to, text=body, arguments=arguments)

    async def send_template(
        self,
        *,
        to: str,
        name: str,
        language: str,
        parameters: Sequence[str] = (),
        components: Sequence[dict[str, Any]] | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        arguments: dict[str, Any] = {
            "name": name,
            "language": language,
            "parameters": list(parameters),
        }
        if components is not None:
            arguments["components"] = [dict(component) for component in components]
            parameters = component_texts(components)
        if biz_opaque_callback_data is not None:
            arguments["biz_opaque_callback_data"] = biz_opaque_callback_data
        text = render_template_text(name, parameters)
        return self._record("template", to=to, text=text, arguments=arguments)

    async def send_interactive_buttons(
        self,
        *,
        to: str,
        body: str,
        buttons: Sequence[tuple[str, str]],
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        arguments: dict[str, Any] = {"body": body, "buttons": [tuple(b) for b in buttons]}
        if biz_opaque_callback_data is not None:
            arguments["biz_opaque_callback_data"] = biz_opaque_callback_data
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
