"""The escalation note the AI leaves on every hand-over, for the person who takes the chat.

Deterministic (no model): built from the turn's understanding, the agent, the tools it called
and the hand-over reason, in Turkish (the tenant UI's language) with English keys for the UI.
Stored in ``conversations.escalation`` (JSON) when a conversation goes to ``waiting_human``::

    {
      "version": 1,
      "created_at": "2026-12-01T06:10:00+00:00",
      "inbound_message_id": "…",
      "intent": "order_status",            # the model's intent name
      "wants": "Siparişinin durumunu soruyor",
      "entities": {"order_numbers": ["…"], "products": ["gömlek"], "quantities": [150],
                   "company": "ABC Tekstil"},   # only the kinds that were found
      "agent": "support",
      "tools": [{"name": "find_customer_orders", "outcome": "ok"}],
      "tried": "support asistanı; araçlar: find_customer_orders (ok)",
      "reason": "order_not_found",
      "why": "Sipariş bulunamadı",
      "note": "Müşteri ne istiyor: … Denenen: … Neden devredildi: …"
    }

Every free text in it (``note``, ``wants``, ``tried``, the company) is passed through
:func:`invekto.guardrails.pii.mask`; phones and e-mails are never copied into it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from invekto.graphs.conversation.kinds import KIND_TR, REASON_PREFIX
from invekto.guardrails.pii import mask

INTENT_TR: dict[str, str] = {
    "order_status": "Siparişinin durumunu / kargosunu soruyor",
    "delivery_time": "Siparişin ne zaman geleceğini soruyor",
    "cancel_order": "Siparişini iptal etmek istiyor",
    "address_change": "Teslimat adresini değiştirmek istiyor",
    "invoice_request": "Fatura istiyor",
    "return_request": "Ürünü iade etmek istiyor",
    "exchange_request": "Ürünü değiştirmek istiyor",
    "stock_question": "Stok durumunu soruyor",
    "product_question": "Ürün hakkında bilgi istiyor",
    "price_question": "Fiyat soruyor",
    "discount_question": "İndirim / kupon soruyor",
    "shipping_policy": "Kargo koşullarını soruyor",
    "payment_problem": "Ödemeyle ilgili sorun yaşıyor",
    "complaint": "Şikâyetçi",
    "bulk_order": "Toplu / kurumsal sipariş vermek istiyor",
    "human_request": "Bir temsilciyle görüşmek istiyor",
    "greeting": "Selam verdi",
    "thanks": "Teşekkür etti",
    "goodbye": "Vedalaştı",
    "other": "Ne istediği anlaşılamadı",
    "treatment_price": "Tedavi fiyatını soruyor",
    "treatment_info": "Tedavi hakkında bilgi istiyor",
    "book_appointment": "Randevu almak istiyor",
    "change_appointment": "Randevusunu değiştirmek istiyor",
    "cancel_appointment": "Randevusunu iptal etmek istiyor",
    "urgent_pain": "Acil ağrısı var",
    "clinic_location_hours": "Adres / çalışma saatlerini soruyor",
}

REASON_TR: dict[str, str] = {
    "customer_asked_for_human": "Müşteri bir temsilci istedi",
    "complaint": "Şikâyet: bir kişinin ilgilenmesi gerekiyor",
    "unclear_after_clarifying": "Açıklama sorusundan sonra da anlaşılamadı",
    "no_order_number": "Sipariş numarası alınamadı",
    "order_not_found": "Sipariş bulunamadı",
    "order_choice_unclear": "Hangi sipariş olduğu anlaşılamadı",
    "marketplace_unavailable": "Pazaryerine (Trendyol) ulaşılamadı",
    "product_not_found": "Ürün bulunamadı",
    "return_needs_human": "İade bir kişinin kararını gerektiriyor",
    "b2b_lead": "Kurumsal / toplu talep: satış ekibine devredildi",
    "payment_link": "Ödeme linki istiyor: bağlı ödeme sağlayıcısı ya da katalog fiyatı yok",
    "payment_link_failed": "Ödeme linki oluşturulamadı (ödeme sağlayıcısı hata verdi)",
    "payment_link_review": "Ödeme linki otomatik onay limitinin üzerinde: onayınızı bekliyor",
    "discount_review": "Paket indirimi otomatik onay oranının üzerinde: onayınızı bekliyor",
    "clinic_agent_not_available": "Klinik asistanı henüz bu konuda cevap veremiyor",
    "processing_failed": "Mesaj işlenemedi (teknik hata)",
    "human_in_charge": "Sohbeti bir kişi yürütüyor",
    "automation_off": "Bu konuda otomasyon kapalı",
    "low_confidence": "Yapay zekâ cevabından emin değil",
    "agent_took_over": "Bir temsilci sohbeti devraldı",
}

ENTITY_KINDS = ("order_numbers", "tracking_numbers", "products", "quantities", "sizes", "colors")
ENTITY_TR = {
    "order_numbers": "sipariş no",
    "tracking_numbers": "takip no",
    "products": "ürün",
    "quantities": "adet",
    "sizes": "beden",
    "colors": "renk",
    "company": "firma",
}
MAX_TOOLS = 8


def reason_text(reason: str | None) -> str:
    """A hand-over reason in Turkish words (unknown reasons are kept as they are)."""
    if not reason:
        return "Belirtilmedi"
    if reason in REASON_TR:
        return REASON_TR[reason]
    if reason.startswith("unsupported_intent:"):
        return f"Bu konu otomatik cevaplanmıyor ({reason.split(':', 1)[1]})"
    if reason.startswith(REASON_PREFIX):
        kind = reason.removeprefix(REASON_PREFIX)
        return f"Bu mesaj türüne bir kişinin bakması gerekiyor ({KIND_TR.get(kind, kind)})"
    if reason.startswith("guard:"):
        return f"Cevap güvenlik kontrolünden geçmedi ({reason.split(':', 1)[1]})"
    return reason


def tool_outcome(result: str | None) -> str:
    """``ok``, ``error``, ``not_found``, ``<n> results`` or the result's own ``status``."""
    if not result:
        return "ok"
    try:
        value = json.loads(result)
    except (ValueError, TypeError):
        return "ok"
    if isinstance(value, list):
        return f"{len(value)} results" if value else "not_found"
    if isinstance(value, dict):
        if value.get("error"):
            return "error"
        for key in ("status", "outcome"):
            if isinstance(value.get(key), str) and len(value[key]) <= 40:
                return value[key]
        for key in ("orders", "items", "options", "variants"):
            if isinstance(value.get(key), list):
                return f"{len(value[key])} results" if value[key] else "not_found"
        if value.get("found") is False:
            return "not_found"
    if value is None:
        return "not_found"
    return "ok"


def _entities(understanding: dict[str, Any]) -> dict[str, Any]:
    found = understanding.get("entities") or {}
    kept: dict[str, Any] = {}
    for kind in ENTITY_KINDS:
        values = [v for v in found.get(kind) or [] if v not in (None, "")]
        if values:
            kept[kind] = values[:5]
    if found.get("company"):
        kept["company"] = str(found["company"])[:120]
    return kept


def build_escalation(
    *,
    understanding: dict[str, Any] | None,
    agent: str | None,
    tools: list[dict[str, Any]] | None,
    reason: str | None,
    decision_reason: str | None = None,
    language: str = "tr",
    inbound_message_id: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The note for one hand-over (see the module docstring for its shape). PII masked.

    ``reason``: why the agent (or the router) wants a person; ``decision_reason``: the turn's
    decision when it differs (the reply kept as a suggestion: ``automation_off``,
    ``guard:<validator>``), added to ``why``."""
    understanding = understanding or {}
    intent = str(understanding.get("intent") or "other")
    # A message handed over for its kind says what came (``kinds``): a cart, a voice note...
    wants = str(understanding.get("message_note") or INTENT_TR.get(intent, intent))
    entities = _entities(understanding)
    details = []
    for kind, values in entities.items():
        shown = values if isinstance(values, list) else [values]
        details.append(f"{ENTITY_TR[kind]}: {', '.join(str(v) for v in shown)}")
    wants_full = wants + (f" ({'; '.join(details)})" if details else "")
    calls = [
        {"name": str(t.get("name", "?")), "outcome": tool_outcome(t.get("result"))}
        for t in (tools or [])[:MAX_TOOLS]
    ]
    agent = agent or "none"
    tried_parts = []
    if agent != "none":
        tried_parts.append(f"{agent} asistanı")
    if calls:
        tried_parts.append("araçlar: " + ", ".join(f"{c['name']} ({c['outcome']})" for c in calls))
    tried = "; ".join(tried_parts) or "Otomatik bir işlem denenmedi"
    why = reason_text(reason)
    if decision_reason and decision_reason != reason:
        why += f" (cevap öneri olarak bekliyor: {reason_text(decision_reason)})"
    note = f"Müşteri ne istiyor: {wants_full}. Denenen: {tried}. Neden devredildi: {why}."
    lang = language or "tr"
    for kind, values in entities.items():
        if isinstance(values, list):
            entities[kind] = [mask(v, lang) if isinstance(v, str) else v for v in values]
        else:
            entities[kind] = mask(str(values), lang)
    return {
        "version": 1,
        "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "inbound_message_id": str(inbound_message_id) if inbound_message_id else None,
        "intent": intent,
        "wants": mask(wants_full, lang),
        "entities": entities,
        "agent": agent,
        "tools": calls,
        "tried": mask(tried, lang),
        "reason": reason,
        "why": why,
        "note": mask(note, lang),
    }


__all__ = ["build_escalation", "reason_text", "tool_outcome"]
