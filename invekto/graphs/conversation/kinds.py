"""What each kind of WhatsApp message gets: a turn, nothing, or a person. One table, one place.

``handling(kind, details, text)`` decides, from the stored message alone (no model):

- ``turn``: the text runs through the graph as usual (a text, a button or list reply, a
  template's quick-reply button, a photo, video or document *with a caption*: the caption is the
  text).
- ``no_reply``: stored and shown in the inbox, nothing answered, no turn spent (the graph does not
  run: the clarify counter, the flow in progress and the metrics stay as they were). Reactions and
  their removal, edits (the edited message's text is updated), deletes, system events (a number
  change is applied when the webhook is stored), call-permission answers, stickers, the "chat
  opened" event (``request_welcome``).
- ``handoff``: a person is due; the turn goes through the graph's usual hand-over (the
  conversation waits for a human, the customer gets the hand-over reply in their language) with
  an escalation note saying what came (``note``): a catalogue cart, a completed flow, a voice note
  or an audio file, a photo / video / document without caption, a location, a contact card, a
  message type WhatsApp does not show to the API (``unsupported``) or one we do not know.

The table is ``HANDLING`` (by kind) refined by ``_refine`` (media with or without caption, the
interactive subtypes). ``docs/message-kinds.md`` is the same table in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func

from invekto.storage.models import Message

Handling = Literal["turn", "no_reply", "handoff"]

HANDLING: dict[str, Handling] = {
    "text": "turn",
    "button": "turn",
    "interactive": "turn",  # button_reply / list_reply; see _refine for the other subtypes
    "image": "handoff",  # without a caption; with one, a turn
    "video": "handoff",
    "document": "handoff",
    "audio": "handoff",
    "sticker": "no_reply",
    "location": "handoff",
    "contacts": "handoff",
    "order": "handoff",
    "reaction": "no_reply",
    "edit": "no_reply",
    "revoke": "no_reply",
    "system": "no_reply",
    "request_welcome": "no_reply",
    "unsupported": "handoff",
    "unknown": "handoff",
}
"""The handling of each stored ``messages.kind`` (before ``_refine``)."""

NO_REPLY_KINDS = frozenset(kind for kind, decided in HANDLING.items() if decided == "no_reply")
"""Kinds that never get a reply, whatever they carry (a reaction, an edit, a delete...)."""

CAPTIONED = frozenset({"image", "video", "document"})
"""Media whose caption, when there is one, is the customer's text."""
INTERACTIVE: dict[str, Handling] = {
    "button_reply": "turn",
    "list_reply": "turn",
    "nfm_reply": "handoff",
    "call_permission_reply": "no_reply",
}

KIND_TR: dict[str, str] = {
    "image": "fotoğraf",
    "video": "video",
    "document": "belge",
    "audio": "ses kaydı",
    "voice": "sesli mesaj",
    "location": "konum",
    "contacts": "kişi kartı",
    "order": "katalog sepeti",
    "flow": "form (WhatsApp Flow)",
    "unsupported": "WhatsApp'ın API'ye göstermediği bir mesaj türü",
    "unknown": "tanınmayan bir mesaj türü",
}
"""The kinds of a hand-over in Turkish words (the inbox's language), for ``escalation``."""

REASON_PREFIX = "message_kind:"
"""A hand-over for a kind has the reason ``message_kind:<kind>`` (``message_kind:voice``...)."""


@dataclass(frozen=True, slots=True)
class KindDecision:
    handling: Handling
    reason: str | None = None
    """For a hand-over: ``message_kind:<kind>``."""
    note: str | None = None
    """For a hand-over: what the customer sent, in Turkish, for the escalation note
    ("Müşteri sepet gönderdi: 2 ürün, toplam 1.249,90 TRY")."""


def handling(kind: str, details: Mapping[str, Any] | None, text: str) -> KindDecision:
    """What a stored inbound message of ``kind`` gets (``details``: its
    ``payload.details``, ``text``: its stored text)."""
    details = details or {}
    decided, key = _refine(kind, details, text)
    if decided != "handoff":
        return KindDecision(decided)
    return KindDecision("handoff", reason=f"{REASON_PREFIX}{key}", note=_note(key, details))


def _refine(kind: str, details: Mapping[str, Any], text: str) -> tuple[Handling, str]:
    """The table's handling, refined by what the message carries; and the kind's key."""
    base: Handling = HANDLING.get(kind, "handoff")
    if kind in CAPTIONED and text.strip():
        return "turn", kind
    if kind == "audio":
        media = details.get("media") or {}
        return "handoff", "voice" if media.get("voice") else "audio"
    if kind == "interactive":
        subtype = details.get("interactive_type")
        if subtype in INTERACTIVE:
            decided = INTERACTIVE[subtype]
            return decided, "flow" if subtype == "nfm_reply" else kind
        # A subtype we do not know: its title is the text when it has one, else a person.
        return ("turn", kind) if text.strip() else ("handoff", "unknown")
    if kind not in HANDLING:
        return "handoff", "unknown"
    return base, kind


def _note(key: str, details: Mapping[str, Any]) -> str:
    if key == "order":
        return _order_note(details.get("order") or {})
    if key == "flow":
        flow = details.get("flow") or {}
        fields = [k for k in (flow.get("response") or {}) if k != "flow_token"]
        listed = f": {', '.join(fields[:10])}" if fields else ""
        return f"Müşteri bir formu (WhatsApp Flow) doldurup gönderdi{listed}"
    if key == "voice":
        return "Müşteri sesli mesaj gönderdi"
    if key == "audio":
        return "Müşteri bir ses dosyası gönderdi"
    if key in CAPTIONED:
        media = details.get("media") or {}
        name = f" ({media['filename']})" if key == "document" and media.get("filename") else ""
        return f"Müşteri açıklamasız bir {KIND_TR[key]} gönderdi{name}"
    if key == "location":
        location = details.get("location") or {}
        place = ", ".join(str(location[k]) for k in ("name", "address") if location.get(k))
        return "Müşteri konum paylaştı" + (f": {place}" if place else "")
    if key == "contacts":
        cards = details.get("contacts") or []
        names = [str(card.get("name")) for card in cards if card.get("name")]
        listed = f" ({', '.join(names[:5])})" if names else ""
        return f"Müşteri {len(cards)} kişi kartı paylaştı{listed}"
    if key == "unsupported":
        return (
            "Müşteri WhatsApp'ın API'ye göstermediği bir mesaj gönderdi "
            "(anket, tek seferlik medya vb.; WhatsApp uygulamasında görülebilir)"
        )
    wire = details.get("wire_type")
    return "Müşteri tanınmayan bir mesaj türü gönderdi" + (f" ({wire})" if wire else "")


def _order_note(order: Mapping[str, Any]) -> str:
    items = order.get("items") or []
    count = len(items) + int(order.get("items_dropped") or 0)
    pieces = sum(int(item.get("quantity") or 0) for item in items)
    note = f"Müşteri sepet gönderdi: {count} ürün"
    if pieces and pieces != count:
        note += f" ({pieces} adet)"
    total = _decimal(order.get("total"))
    if total is not None:
        note += f", toplam {turkish_amount(total)} {order.get('currency') or ''}".rstrip()
    lines = [
        f"{item.get('product_retailer_id') or '?'} × {item.get('quantity') or '?'}"
        for item in items[:5]
    ]
    if lines:
        note += f" — {', '.join(lines)}" + (" …" if len(items) > 5 else "")
    if order.get("text"):
        note += f"; notu: {order['text']}"
    return note


def turkish_amount(amount: Decimal) -> str:
    """``1249.9`` → ``1.249,90``."""
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def expects_reply() -> ColumnElement[bool]:
    """SQL: a ``messages`` row that is not a no-reply one (``payload.handling`` ``no_reply``;
    before it is processed, a kind of ``NO_REPLY_KINDS``). Use it with ``direction = 'in'``
    wherever customer messages are counted as something to answer: a reaction, an edit or a
    delete is not a question, nor a newer message a suggestion must be checked against."""
    stored = Message.payload["handling"].astext
    pending = case((Message.kind.in_(sorted(NO_REPLY_KINDS)), "no_reply"), else_="")
    return func.coalesce(stored, pending) != "no_reply"


def kind_understanding(decision: KindDecision, language: str) -> dict[str, Any]:
    """The ``understanding`` of a turn handed over for its kind: no model ran; the note says
    what came (``escalation`` shows it as what the customer wants)."""
    return {
        "language": language,
        "intent": "other",
        "confidence": 1.0,
        "entities": {},
        "signals": [],
        "source": "message_kind",
        "message_note": decision.note,
    }


__all__ = [
    "HANDLING",
    "NO_REPLY_KINDS",
    "Handling",
    "KindDecision",
    "expects_reply",
    "handling",
    "kind_understanding",
]
