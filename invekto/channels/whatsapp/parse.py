"""WhatsApp webhook payloads: parsing into ``ParsedWebhook`` and building realistic envelopes."""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from invekto.channels.base import (
    MAX_CONTACT_VALUES,
    MAX_CONTACTS,
    MAX_DETAIL_CHARS,
    MAX_ERRORS,
    MAX_ORDER_ITEMS,
    MAX_PROBLEMS,
    DeliveryInfo,
    InboundMessage,
    InteractiveReply,
    LocationInfo,
    MediaInfo,
    MessageDetails,
    MessageKind,
    ParsedWebhook,
    PreferenceChange,
    Referral,
    StatusUpdate,
    TemplateCategoryChange,
    TemplateStatusChange,
)

WABA_OBJECT = "whatsapp_business_account"
SANDBOX_WABA_ID = "100000000000001"
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})
KNOWN_KINDS = frozenset(get_args(MessageKind)) - {"unknown"}
_M = TypeVar("_M", bound=BaseModel)


class WebhookPayloadError(ValueError):
    """The body is not a webhook at all (not a JSON object with an ``entry`` list)."""


class _Malformed(Exception):
    """An item we cannot turn into a message or status; the text is the ``problem``."""


# --- parsing -------------------------------------------------------------------------------------


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Split a webhook body into messages, statuses, channel errors and items we could not read.

    Never raises for odd items (they go to ``unknown``); raises ``WebhookPayloadError`` only when
    the top level is not an object with an ``entry`` list.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise WebhookPayloadError("expected a JSON object with an 'entry' list")
    payload = clean_json(payload)
    parsed = ParsedWebhook()
    if payload.get("object") != WABA_OBJECT:
        parsed.unknown.append(_unknown(f"object is {payload.get('object')!r}", payload))
        return parsed
    for entry in payload["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            parsed.unknown.append(_unknown("entry without a 'changes' list", entry))
            continue
        waba_id = _short(_id(entry.get("id")))
        for change in changes:
            _parse_change(change, parsed, waba_id)
    return parsed


MAX_DEPTH = 32
"""WhatsApp's bodies nest about 8 levels; deeper is not a webhook."""


def clean_json(value: Any, depth: int = 0) -> Any:
    """``value`` with every string storable as PostgreSQL text and JSONB: NUL characters and
    lone surrogates replaced by U+FFFD. Refuses nesting deeper than ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise WebhookPayloadError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(item, depth + 1) for item in value]
    return value


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub("\ufffd", text)


def _parse_change(change: Any, parsed: ParsedWebhook, waba_id: str | None = None) -> None:
    if not isinstance(change, dict):
        parsed.unknown.append(_unknown("change is not an object", change))
        return
    field = change.get("field")
    if field != "messages" and (not isinstance(field, str) or field not in _OTHER_FIELDS):
        shown = repr(field[:100]) if isinstance(field, str) else repr(field)[:100]
        parsed.unknown.append(_unknown(f"unsupported field {shown}", change))
        return
    value = change.get("value")
    if not isinstance(value, dict):
        parsed.unknown.append(_unknown("change without a value object", change))
        return
    if field != "messages":
        assert isinstance(field, str)
        try:
            _OTHER_FIELDS[field](value, waba_id, parsed)
        except _Malformed as exc:
            parsed.unknown.append(_unknown(str(exc), change))
        return
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or not _is_text(metadata.get("phone_number_id")):
        parsed.unknown.append(_unknown("change without value.metadata.phone_number_id", change))
        return
    phone_number_id: str = metadata["phone_number_id"]
    display_phone_number = _text(metadata.get("display_phone_number"))
    contacts = value.get("contacts")
    for item in _items(value, "messages", parsed):
        try:
            parsed.messages.append(_message(item, phone_number_id, display_phone_number, contacts))
        except _Malformed as exc:
            parsed.unknown.append(_unknown(str(exc), item))
    for item in _items(value, "statuses", parsed):
        try:
            parsed.statuses.append(_status(item, phone_number_id))
        except _Malformed as exc:
            parsed.unknown.append(_unknown(str(exc), item))
    for error in _items(value, "errors", parsed):
        if isinstance(error, dict):
            parsed.errors.append({"phone_number_id": phone_number_id, "error": error})
        else:
            parsed.unknown.append(_unknown("value.errors item is not an object", error))


# --- template status, template category, the customer's marketing preferences (WIRE 7.1) -----

MAX_PREFERENCES = 100
"""``user_preferences`` items read from one change (more are reported, not read)."""
PREFERENCE_VALUES = frozenset({"stop", "resume", "signup"})


def _template_status(value: dict[str, Any], waba_id: str | None, parsed: ParsedWebhook) -> None:
    event = value.get("event")
    if not _is_text(event) or len(event) > 32:
        raise _Malformed("template status without an event")
    rejection = value.get("rejection_info") if isinstance(value.get("rejection_info"), dict) else {}
    disable = value.get("disable_info") if isinstance(value.get("disable_info"), dict) else {}
    other = value.get("other_info") if isinstance(value.get("other_info"), dict) else {}
    reason = _short(value.get("reason"))
    if reason is None or reason.upper() == "NONE":
        reason = _short(rejection.get("reason"))
    if reason is not None and reason.upper() == "NONE":
        reason = None
    change = _validated(
        TemplateStatusChange,
        waba_id=waba_id,
        event=event.upper(),
        message_template_id=_short(_id(value.get("message_template_id"))),
        name=_short(value.get("message_template_name")),
        language=_short(value.get("message_template_language")),
        reason=reason,
        recommendation=_short(rejection.get("recommendation")),
        category=_short(value.get("message_template_category")),
        disable_date=_short(_id(disable.get("disable_date"))),
        other_title=_short(other.get("title")),
        other_description=_short(other.get("description")),
    )
    if change.message_template_id is None and not (change.name and change.language):
        raise _Malformed("template status without a template id or name and language")
    parsed.template_updates.append(change)


def _template_category(value: dict[str, Any], waba_id: str | None, parsed: ParsedWebhook) -> None:
    new = value.get("new_category") or value.get("correct_category")
    if not _is_text(new) or len(new) > 32:
        raise _Malformed("template category update without new_category")
    change = _validated(
        TemplateCategoryChange,
        waba_id=waba_id,
        message_template_id=_short(_id(value.get("message_template_id"))),
        name=_short(value.get("message_template_name")),
        language=_short(value.get("message_template_language")),
        new_category=new.upper(),
        previous_category=_short(value.get("previous_category")),
    )
    if change.message_template_id is None and not (change.name and change.language):
        raise _Malformed("template category update without a template id or name and language")
    parsed.category_updates.append(change)


def _preferences(value: dict[str, Any], waba_id: str | None, parsed: ParsedWebhook) -> None:
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    phone_number_id = _short(_id(metadata.get("phone_number_id")))
    items = value.get("user_preferences")
    if not isinstance(items, list):
        raise _Malformed("user_preferences without a list")
    if len(items) > MAX_PREFERENCES:
        parsed.unknown.append(
            _unknown(
                f"{len(items) - MAX_PREFERENCES} user_preferences beyond {MAX_PREFERENCES}", []
            )
        )
    for item in items[:MAX_PREFERENCES]:
        try:
            parsed.preferences.append(_preference(item, waba_id, phone_number_id))
        except _Malformed as exc:
            parsed.unknown.append(_unknown(str(exc), item))


def _preference(item: Any, waba_id: str | None, phone_number_id: str | None) -> PreferenceChange:
    if not isinstance(item, dict):
        raise _Malformed("user preference is not an object")
    wa_id = _id(item.get("wa_id"))
    choice = item.get("value")
    if not wa_id:
        raise _Malformed("user preference without wa_id")
    if not isinstance(choice, str) or choice.lower() not in PREFERENCE_VALUES:
        raise _Malformed(f"user preference value {_short(str(choice))!r} not understood")
    timestamp = None
    if item.get("timestamp") is not None:
        try:
            timestamp = _timestamp(item.get("timestamp"))
        except _Malformed:
            timestamp = None
    return _validated(
        PreferenceChange,
        waba_id=waba_id,
        phone_number_id=phone_number_id,
        wa_id=wa_id,
        value=choice.lower(),
        category=_short(item.get("category")),
        detail=_short(item.get("detail")),
        timestamp=timestamp,
    )


def _validated(model: type[_M], **values: Any) -> _M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise _Malformed(f"{model.__name__} not understood: {where}: {error['msg']}") from exc


_OTHER_FIELDS: dict[str, Callable[[dict[str, Any], str | None, ParsedWebhook], None]] = {
    "message_template_status_update": _template_status,
    "template_category_update": _template_category,
    "user_preferences": _preferences,
}


def _items(value: dict[str, Any], key: str, parsed: ParsedWebhook) -> list[Any]:
    items = value.get(key, [])
    if isinstance(items, list):
        return items
    parsed.unknown.append(_unknown(f"value.{key} is not a list", items))
    return []


def _message(
    item: Any, phone_number_id: str, display_phone_number: str, contacts: Any
) -> InboundMessage:
    if not _has_texts(item, "id", "from"):
        raise _Malformed("message without id or from")
    wire_type = item.get("type")
    kind = wire_type if wire_type in KNOWN_KINDS else "unknown"
    content = item.get(wire_type) if isinstance(wire_type, str) else None
    details: dict[str, Any] = {"problems": []}
    fields = _CONTENT_READERS.get(kind, _no_content)(content, details)
    if kind == "unknown" and isinstance(wire_type, str):
        details["wire_type"] = wire_type[:MAX_DETAIL_CHARS]
    if kind == "system":
        details["system"]["old_wa_id"] = item["from"][:MAX_DETAIL_CHARS]
    context = item.get("context")
    if isinstance(context, dict):
        details["context"] = _context(context)
        if _is_text(context.get("id")):
            fields["context_id"] = context["id"]
    if isinstance(item.get("referral"), dict):
        details["referral"] = _fields(item["referral"], Referral)
    errors = _dicts(item.get("errors"))
    details["errors"] = [_error(error) for error in errors[:MAX_ERRORS]]
    try:
        return InboundMessage(
            phone_number_id=phone_number_id,
            display_phone_number=display_phone_number,
            external_id=item["id"],
            sender=item["from"],
            sender_name=_sender_name(contacts, item["from"]),
            timestamp=_timestamp(item.get("timestamp")),
            kind=kind,
            errors=errors,
            details=_details(details),
            raw=item,
            **fields,
        )
    except ValidationError as exc:
        raise _Malformed(f"message not understood: {exc.errors()[0]['msg']}") from exc


def _details(found: dict[str, Any]) -> MessageDetails:
    """The details read; a part that does not validate is dropped and named in ``problems``."""
    found["problems"] = found["problems"][:MAX_PROBLEMS]
    try:
        return MessageDetails.model_validate(found)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        kept = {key: value for key, value in found.items() if key not in bad}
        kept["problems"] = [*found["problems"], *(f"{key} not understood" for key in sorted(bad))]
        return MessageDetails.model_validate(kept)


def _status(item: Any, phone_number_id: str) -> StatusUpdate:
    if not _has_texts(item, "id", "status"):
        raise _Malformed("status without id or status")
    errors = _dicts(item.get("errors"))
    try:
        return StatusUpdate(
            phone_number_id=phone_number_id,
            external_id=item["id"],
            status=item["status"],
            timestamp=_timestamp(item.get("timestamp")),
            recipient=_text(item.get("recipient_id")),
            errors=errors,
            delivery=_delivery(item, errors),
            biz_opaque_callback_data=_optional_text(item.get("biz_opaque_callback_data")),
            raw=item,
        )
    except ValidationError as exc:
        raise _Malformed(f"status not understood: {exc.errors()[0]['msg']}") from exc


def _delivery(item: dict[str, Any], errors: list[dict[str, Any]]) -> DeliveryInfo | None:
    pricing = item.get("pricing") if isinstance(item.get("pricing"), dict) else {}
    conversation = item.get("conversation") if isinstance(item.get("conversation"), dict) else {}
    if not (pricing or conversation or errors):
        return None
    origin = conversation.get("origin")
    billable = pricing.get("billable")
    return DeliveryInfo(
        status=_short(item.get("status")),
        pricing_category=_short(pricing.get("category")),
        pricing_type=_short(pricing.get("type")),
        pricing_model=_short(pricing.get("pricing_model")),
        billable=billable if isinstance(billable, bool) else None,
        conversation_id=_short(conversation.get("id")),
        conversation_origin=_short(origin.get("type")) if isinstance(origin, dict) else None,
        errors=[_error(error) for error in errors[:MAX_ERRORS]],
    )


# --- the kinds' contents: each reader returns InboundMessage fields and fills ``details`` ------

Reader = Callable[[Any, dict[str, Any]], dict[str, Any]]


def _text_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(_get(content, "body"))}


def _interactive_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    subtype = _optional_text(content.get("type"))
    details["interactive_type"] = _short(subtype)
    inner = content.get(subtype) if subtype else None
    inner = inner if isinstance(inner, dict) else {}
    if subtype == "nfm_reply":
        details["flow"] = _flow(inner, details)
        return {}
    if subtype == "call_permission_reply":
        details["call_permission"] = {
            "response": _short(inner.get("response")),
            "is_permanent": _bool(inner.get("is_permanent")),
            "expiration_timestamp": _int(inner.get("expiration_timestamp")),
            "response_source": _short(inner.get("response_source")),
        }
        return {}
    details["reply"] = _fields(inner, InteractiveReply)
    return {"text": _text(inner.get("title")), "reply_id": _optional_text(inner.get("id"))}


def _button_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    details["button_payload"] = _short(_get(content, "payload"))
    return {
        "text": _text(_get(content, "text")),
        "reply_id": _optional_text(_get(content, "payload")),
    }


def _media_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    media = _fields(content, MediaInfo)
    media["voice"] = content.get("voice") is True
    media["animated"] = content.get("animated") is True
    details["media"] = media
    return {"text": _text(content.get("caption")), "media": content}


def _location_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    details["location"] = {
        **_fields(content, LocationInfo),
        "latitude": _float(content.get("latitude")),
        "longitude": _float(content.get("longitude")),
    }
    parts = (_text(content.get("name")), _text(content.get("address")))
    return {"text": ", ".join(part for part in parts if part), "location": content}


def _reaction_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    # An empty or missing emoji is the customer taking their reaction back.
    details["reaction"] = {
        "message_id": _short(_get(content, "message_id")),
        "emoji": _short(_get(content, "emoji")),
    }
    return {"context_id": _optional_text(_get(content, "message_id"))}


def _contacts_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    cards = content if isinstance(content, list) else []
    if len(cards) > MAX_CONTACTS:
        details["problems"].append(f"{len(cards) - MAX_CONTACTS} contacts beyond {MAX_CONTACTS}")
    read = []
    for card in cards[:MAX_CONTACTS]:
        if not isinstance(card, dict):
            details["problems"].append("a contact that is not an object")
            continue
        read.append(_contact(card))
    details["contacts"] = read
    return {}


def _contact(card: dict[str, Any]) -> dict[str, Any]:
    name = card.get("name") if isinstance(card.get("name"), dict) else {}
    full = _optional_text(name.get("formatted_name")) or " ".join(
        part for part in (_text(name.get("first_name")), _text(name.get("last_name"))) if part
    )
    phones = [
        {
            "phone": _short(phone.get("phone")),
            "wa_id": _short(phone.get("wa_id")),
            "type": _short(phone.get("type")),
        }
        for phone in _dicts(card.get("phones"))[:MAX_CONTACT_VALUES]
    ]
    emails = [
        email["email"][:MAX_DETAIL_CHARS]
        for email in _dicts(card.get("emails"))[:MAX_CONTACT_VALUES]
        if _is_text(email.get("email"))
    ]
    org = card.get("org") if isinstance(card.get("org"), dict) else {}
    return {
        "name": _short(full),
        "phones": phones,
        "emails": emails,
        "organization": _short(org.get("company")),
    }


def _order_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    listed = content.get("product_items")
    listed = listed if isinstance(listed, list) else []
    items, dropped = [], max(0, len(listed) - MAX_ORDER_ITEMS)
    for entry in listed[:MAX_ORDER_ITEMS]:
        if not isinstance(entry, dict):
            dropped += 1
            continue
        items.append(
            {
                "product_retailer_id": _short(_id(entry.get("product_retailer_id"))),
                "quantity": _int(entry.get("quantity")),
                "item_price": _decimal(entry.get("item_price")),
                "currency": _short(entry.get("currency")),
            }
        )
    if dropped:
        details["problems"].append(f"{dropped} order items not kept")
    currencies = {item["currency"] for item in items}
    total = None
    if (
        items
        and len(currencies) == 1
        and all(item["quantity"] is not None and item["item_price"] is not None for item in items)
    ):
        total = sum((item["item_price"] * item["quantity"] for item in items), Decimal(0))
    details["order"] = {
        "catalog_id": _short(_id(content.get("catalog_id"))),
        "text": _short(content.get("text")),
        "items": items,
        "items_dropped": dropped,
        "total": total,
        "currency": next(iter(currencies)) if total is not None else None,
    }
    return {"text": _text(content.get("text"))}


def _edit_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    edited = content.get("message") if isinstance(content.get("message"), dict) else {}
    kind = _optional_text(edited.get("type"))
    inner = edited.get(kind) if kind else None
    new_text = _get(inner, "body") if kind == "text" else _get(inner, "caption")
    details["edit"] = {
        "original_message_id": _short(content.get("original_message_id")),
        "kind": _short(kind),
        "text": new_text if isinstance(new_text, str) else None,
    }
    return {"text": _text(new_text)}


def _revoke_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    details["revoke"] = {"original_message_id": _short(_get(content, "original_message_id"))}
    return {}


def _system_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    content = content if isinstance(content, dict) else {}
    # Since webhook v12 the new number is ``wa_id``; older payloads name it ``new_wa_id``.
    new = _id(content.get("new_wa_id")) or _id(content.get("wa_id"))
    details["system"] = {
        "type": _short(content.get("type")),
        "body": _short(content.get("body")),
        "new_wa_id": _short(new),
    }
    return {"text": _text(content.get("body"))}


def _unsupported_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    details["wire_type"] = _short(_get(content, "type"))
    return {}


def _no_content(content: Any, details: dict[str, Any]) -> dict[str, Any]:
    return {}


_CONTENT_READERS: dict[str, Reader] = {
    "text": _text_content,
    "interactive": _interactive_content,
    "button": _button_content,
    "location": _location_content,
    "reaction": _reaction_content,
    "contacts": _contacts_content,
    "order": _order_content,
    "edit": _edit_content,
    "revoke": _revoke_content,
    "system": _system_content,
    "request_welcome": _no_content,
    "unsupported": _unsupported_content,
    **dict.fromkeys(MEDIA_KINDS, _media_content),
}


def _context(context: dict[str, Any]) -> dict[str, Any]:
    product = context.get("referred_product")
    return {
        "message_id": _short(context.get("id")),
        "sender": _short(context.get("from")),
        "forwarded": context.get("forwarded") is True,
        "frequently_forwarded": context.get("frequently_forwarded") is True,
        "referred_product": (
            {
                "catalog_id": _short(_id(product.get("catalog_id"))),
                "product_retailer_id": _short(_id(product.get("product_retailer_id"))),
            }
            if isinstance(product, dict)
            else None
        ),
    }


def _error(error: dict[str, Any]) -> dict[str, Any]:
    data = error.get("error_data")
    return {
        "code": _int(error.get("code")),
        "title": _short(error.get("title")),
        "message": _short(error.get("message")),
        "details": _short(data.get("details")) if isinstance(data, dict) else None,
        "href": _short(error.get("href")),
    }


MAX_FLOW_JSON_CHARS = 20_000
"""A flow's ``response_json`` longer than this is not read (the raw item keeps it)."""
MAX_FLOW_NODES = 200
MAX_FLOW_DEPTH = 4
MAX_FLOW_KEY_CHARS = 100


def _flow(reply: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    raw = reply.get("response_json")
    response: dict[str, Any] | None = None
    if isinstance(raw, str) and len(raw) > MAX_FLOW_JSON_CHARS:
        details["problems"].append(f"flow response over {MAX_FLOW_JSON_CHARS} characters")
    elif isinstance(raw, str):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            details["problems"].append("flow response is not JSON")
        else:
            if isinstance(value, dict):
                response = _bounded(value, depth=0, budget=[MAX_FLOW_NODES])
            else:
                details["problems"].append("flow response is not a JSON object")
    elif isinstance(raw, dict):  # some senders embed the object itself
        response = _bounded(raw, depth=0, budget=[MAX_FLOW_NODES])
    token = response.get("flow_token") if response else None
    return {
        "name": _short(reply.get("name")),
        "body": _short(reply.get("body")),
        "response": response,
        "flow_token": _short(token),
    }


def _bounded(value: Any, *, depth: int, budget: list[int]) -> Any:
    """``value`` cut to ``MAX_FLOW_DEPTH`` levels and ``MAX_FLOW_NODES`` values in all, every
    string to ``MAX_DETAIL_CHARS``: one pass, each value visited at most once."""
    budget[0] -= 1
    if isinstance(value, str):
        return value[:MAX_DETAIL_CHARS]
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_FLOW_DEPTH or budget[0] <= 0:
        return None
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, inner in value.items():
            if budget[0] <= 0:
                break
            kept[str(key)[:MAX_FLOW_KEY_CHARS]] = _bounded(inner, depth=depth + 1, budget=budget)
        return kept
    if isinstance(value, list):
        items = []
        for inner in value:
            if budget[0] <= 0:
                break
            items.append(_bounded(inner, depth=depth + 1, budget=budget))
        return items
    return None


def _fields(content: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The string fields of ``model`` found in ``content`` (cut); other values left out."""
    return {
        name: _short(content.get(name))
        for name, info in model.model_fields.items()
        if info.annotation == (str | None) and _is_text(content.get(name))
    }


def _get(content: Any, key: str) -> Any:
    return content.get(key) if isinstance(content, dict) else None


def _short(value: Any) -> str | None:
    return value[:MAX_DETAIL_CHARS] if _is_text(value) else None


def _id(value: Any) -> str | None:
    """An id Meta sends as a string (some senders: a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if _is_text(value) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**15 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value) <= 15:
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value) if not isinstance(value, str) or len(value) <= 40 else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < Decimal(10) ** 12 else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _sender_name(contacts: Any, wa_id: str) -> str | None:
    """The profile name of the contact with ``wa_id``, or of the only contact."""
    if not isinstance(contacts, list):
        return None
    profiles = [contact for contact in contacts if isinstance(contact, dict)]
    matching = [contact for contact in profiles if contact.get("wa_id") == wa_id]
    chosen = matching or (profiles if len(profiles) == 1 else [])
    profile = chosen[0].get("profile") if chosen else None
    return _optional_text(profile.get("name")) if isinstance(profile, dict) else None


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise _Malformed(f"bad timestamp {value!r}") from exc


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _has_texts(item: Any, *keys: str) -> bool:
    return isinstance(item, dict) and all(_is_text(item.get(key)) for key in keys)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_text(value: Any) -> str | None:
    return value if _is_text(value) else None


def _unknown(problem: str, item: Any) -> dict[str, Any]:
    return {"problem": problem, "item": item}


# --- building ------------------------------------------------------------------------------------


def new_message_id(tag: str = "SIM") -> str:
    """A fresh wamid-like id, e.g. ``wamid.SIM3F2A...``."""
    return f"wamid.{tag}{secrets.token_hex(12).upper()}"


def build_message_webhook(
    *,
    phone_number_id: str,
    display_phone_number: str,
    message: dict[str, Any],
    name: str | None = None,
    waba_id: str = SANDBOX_WABA_ID,
) -> dict[str, Any]:
    """The real envelope around one inbound ``messages[]`` item (which carries ``from``)."""
    contact: dict[str, Any] = {"wa_id": message["from"]}
    if name is not None:
        contact = {"profile": {"name": name}, **contact}
    value = {**_value_head(phone_number_id, display_phone_number), "contacts": [contact]}
    return _envelope(waba_id, {**value, "messages": [message]})


def build_text_webhook(
    *,
    phone_number_id: str,
    display_phone_number: str,
    sender: str,
    text: str,
    name: str | None = None,
    message_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The webhook WhatsApp sends when ``sender`` writes ``text`` to our number."""
    message = {
        "from": sender,
        "id": message_id or new_message_id(),
        "timestamp": _unix(timestamp),
        "type": "text",
        "text": {"body": text},
    }
    return build_message_webhook(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        message=message,
        name=name,
    )


def build_status_webhook(
    *,
    phone_number_id: str,
    display_phone_number: str,
    message_id: str,
    recipient: str,
    status: str,
    timestamp: datetime | None = None,
    errors: list[dict[str, Any]] | None = None,
    waba_id: str = SANDBOX_WABA_ID,
    biz_opaque_callback_data: str | None = None,
    pricing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The webhook WhatsApp sends when our message ``message_id`` changes ``status``.

    ``pricing`` replaces the default service pricing of a sent/delivered callback;
    ``biz_opaque_callback_data`` is echoed as the send carried it."""
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": _unix(timestamp),
        "recipient_id": recipient,
    }
    if status in ("sent", "delivered"):
        conversation_id = hashlib.sha1(f"{phone_number_id}:{recipient}".encode()).hexdigest()
        item["conversation"] = {"id": conversation_id, "origin": {"type": "service"}}
        item["pricing"] = pricing or {
            "billable": True,
            "pricing_model": "CBP",
            "category": "service",
        }
    if errors:
        item["errors"] = errors
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    value = {**_value_head(phone_number_id, display_phone_number), "statuses": [item]}
    return _envelope(waba_id, value)


def build_template_status_webhook(
    *,
    waba_id: str,
    event: str,
    template_id: str,
    name: str,
    language: str,
    category: str | None = None,
    reason: str | None = None,
    recommendation: str | None = None,
) -> dict[str, Any]:
    """``message_template_status_update`` (WIRE 7.1): approved, rejected with a reason, ..."""
    value: dict[str, Any] = {
        "event": event,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "reason": reason or "NONE",
    }
    if category:
        value["message_template_category"] = category
    if event == "REJECTED" and (reason or recommendation):
        value["rejection_info"] = {
            "reason": reason or "",
            "recommendation": recommendation or "",
        }
    if event == "DISABLED":
        value["disable_info"] = {"disable_date": _unix(None)}
    return _envelope(waba_id, value, field="message_template_status_update")


def build_template_category_webhook(
    *,
    waba_id: str,
    template_id: str,
    name: str,
    language: str,
    new_category: str,
    previous_category: str | None = None,
) -> dict[str, Any]:
    """``template_category_update`` (WIRE 7.1): Meta moved the template to ``new_category``."""
    value: dict[str, Any] = {
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "new_category": new_category,
    }
    if previous_category:
        value["previous_category"] = previous_category
    return _envelope(waba_id, value, field="template_category_update")


def build_user_preferences_webhook(
    *,
    phone_number_id: str,
    display_phone_number: str,
    wa_id: str,
    value: str,
    detail: str = "",
    waba_id: str = SANDBOX_WABA_ID,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """``user_preferences`` (WIRE 7.1): the customer stopped or resumed marketing messages."""
    preference = {
        "wa_id": wa_id,
        "detail": detail,
        "category": "marketing_messages",
        "value": value,
        "timestamp": int(_unix(timestamp)),
    }
    body = {
        **_value_head(phone_number_id, display_phone_number),
        "contacts": [{"wa_id": wa_id}],
        "user_preferences": [preference],
    }
    return _envelope(waba_id, body, field="user_preferences")


def _value_head(phone_number_id: str, display_phone_number: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_phone_number,
            "phone_number_id": phone_number_id,
        },
    }


def _envelope(waba_id: str, value: dict[str, Any], *, field: str = "messages") -> dict[str, Any]:
    return {
        "object": WABA_OBJECT,
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": field}]}],
    }


def _unix(timestamp: datetime | None) -> str:
    return str(int((timestamp or datetime.now(UTC)).timestamp()))
