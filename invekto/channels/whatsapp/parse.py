"""WhatsApp webhook payloads: parsing into ``ParsedWebhook`` and building realistic envelopes."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import ValidationError

from invekto.channels.base import InboundMessage, MessageKind, ParsedWebhook, StatusUpdate

WABA_OBJECT = "whatsapp_business_account"
SANDBOX_WABA_ID = "100000000000001"
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})
KNOWN_KINDS = frozenset(get_args(MessageKind)) - {"unknown"}


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
        for change in changes:
            _parse_change(change, parsed)
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


def _parse_change(change: Any, parsed: ParsedWebhook) -> None:
    if not isinstance(change, dict):
        parsed.unknown.append(_unknown("change is not an object", change))
        return
    if change.get("field") != "messages":
        parsed.unknown.append(_unknown(f"unsupported field {change.get('field')!r}", change))
        return
    value = change.get("value")
    if not isinstance(value, dict):
        parsed.unknown.append(_unknown("change without a value object", change))
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
        parsed.errors.append({"phone_number_id": phone_number_id, "error": error})


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
    fields = _CONTENT_READERS.get(kind, _no_content)(content if isinstance(content, dict) else {})
    context = item.get("context")
    if isinstance(context, dict) and _is_text(context.get("id")):
        fields["context_id"] = context["id"]
    try:
        return InboundMessage(
            phone_number_id=phone_number_id,
            display_phone_number=display_phone_number,
            external_id=item["id"],
            sender=item["from"],
            sender_name=_sender_name(contacts, item["from"]),
            timestamp=_timestamp(item.get("timestamp")),
            kind=kind,
            errors=_dicts(item.get("errors")),
            raw=item,
            **fields,
        )
    except ValidationError as exc:
        raise _Malformed(f"message not understood: {exc.errors()[0]['msg']}") from exc


def _status(item: Any, phone_number_id: str) -> StatusUpdate:
    if not _has_texts(item, "id", "status"):
        raise _Malformed("status without id or status")
    try:
        return StatusUpdate(
            phone_number_id=phone_number_id,
            external_id=item["id"],
            status=item["status"],
            timestamp=_timestamp(item.get("timestamp")),
            recipient=_text(item.get("recipient_id")),
            errors=_dicts(item.get("errors")),
            raw=item,
        )
    except ValidationError as exc:
        raise _Malformed(f"status not understood: {exc.errors()[0]['msg']}") from exc


def _text_content(content: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(content.get("body"))}


def _interactive_content(content: dict[str, Any]) -> dict[str, Any]:
    reply = content.get(content.get("type")) if _is_text(content.get("type")) else None
    reply = reply if isinstance(reply, dict) else {}
    return {"text": _text(reply.get("title")), "reply_id": _optional_text(reply.get("id"))}


def _button_content(content: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(content.get("text")), "reply_id": _optional_text(content.get("payload"))}


def _media_content(content: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(content.get("caption")), "media": content}


def _location_content(content: dict[str, Any]) -> dict[str, Any]:
    parts = (_text(content.get("name")), _text(content.get("address")))
    return {"text": ", ".join(part for part in parts if part), "location": content}


def _reaction_content(content: dict[str, Any]) -> dict[str, Any]:
    return {"context_id": _optional_text(content.get("message_id"))}


def _order_content(content: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(content.get("text"))}


def _no_content(content: dict[str, Any]) -> dict[str, Any]:
    return {}


_CONTENT_READERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "text": _text_content,
    "interactive": _interactive_content,
    "button": _button_content,
    "location": _location_content,
    "reaction": _reaction_content,
    "order": _order_content,
    **dict.fromkeys(MEDIA_KINDS, _media_content),
}


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
) -> dict[str, Any]:
    """The webhook WhatsApp sends when our message ``message_id`` changes ``status``."""
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": _unix(timestamp),
        "recipient_id": recipient,
    }
    if status in ("sent", "delivered"):
        conversation_id = hashlib.sha1(f"{phone_number_id}:{recipient}".encode()).hexdigest()
        item["conversation"] = {"id": conversation_id, "origin": {"type": "service"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if errors:
        item["errors"] = errors
    value = {**_value_head(phone_number_id, display_phone_number), "statuses": [item]}
    return _envelope(waba_id, value)


def _value_head(phone_number_id: str, display_phone_number: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_phone_number,
            "phone_number_id": phone_number_id,
        },
    }


def _envelope(waba_id: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": WABA_OBJECT,
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def _unix(timestamp: datetime | None) -> str:
    return str(int((timestamp or datetime.now(UTC)).timestamp()))
