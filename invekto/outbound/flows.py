"""The seed plan's flows, as rules and templates a tenant gets and can change.

Each flow is one or more ``OutboundRule`` rows (an event, a delay, a template, the variables
mapped from the event) and the templates they send, in Turkish, English and Arabic. The rows are
ordinary: a tenant turns a flow off, edits its delay or its template like any rule of its own.

- ``shipping_update``: order shipped → the tracking template at once.
- ``exchange_followup`` (S3): exchange agreed → T+24 h "değişim ürününüz yolda, memnun musunuz?".
- ``post_purchase`` (S4): delivered → T+3 days "memnun musunuz?" (a happy answer gets a
  suggestion from the same category, an unhappy one the returns flow).
- ``review_recovery`` (S1): a 1–2 star review with a matched customer → an apology at once, once
  more after 48 h without an answer.
- ``cart_recovery``: a cart left in the seller's own shop → reminders at T+2 h and T+24 h naming
  the items; an order for it cancels what is left.
- ``proposal_followup``: a B2B proposal sent → T+24 h "teklifimizi inceleme fırsatınız oldu mu?".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.outbound.flow_types import FlowRule, FlowTemplate
from invekto.storage.models import OutboundRule, Tenant, WaTemplate

__all__ = ["FlowRule", "FlowTemplate", "install"]


_SATISFACTION = {
    "tr": (("Memnunum", "SATISFIED"), ("Memnun değilim", "UNSATISFIED")),
    "en": (("I am happy", "SATISFIED"), ("Not happy", "UNSATISFIED")),
    "ar": (("راضٍ", "SATISFIED"), ("غير راضٍ", "UNSATISFIED")),
}

TEMPLATES: tuple[FlowTemplate, ...] = (
    FlowTemplate(
        name="siparis_kargoda",
        category="UTILITY",
        variables=(
            ("customer_name", "Ayşe"),
            ("order_number", "10654400001"),
            ("cargo_provider", "Yurtiçi Kargo"),
            ("tracking_number", "YK123456"),
        ),
        body={
            "tr": "Merhaba {{1}}, {{2}} numaralı siparişiniz {{3}} ile kargoya verildi. "
            "Takip numaranız: {{4}}.",
            "en": "Hello {{1}}, your order {{2}} has been handed to {{3}}. "
            "Your tracking number: {{4}}.",
            "ar": "مرحبًا {{1}}، تم تسليم طلبك رقم {{2}} إلى {{3}}. رقم التتبع: {{4}}.",
        },
    ),
    FlowTemplate(
        name="degisim_takip",
        category="UTILITY",
        variables=(("customer_name", "Ayşe"), ("order_number", "10654400001")),
        body={
            "tr": "Merhaba {{1}}, {{2}} numaralı siparişinizin değişim ürünü yolda. "
            "Her şey yolunda mı, memnun musunuz?",
            "en": "Hello {{1}}, the exchange for your order {{2}} is on its way. "
            "Is everything all right, are you happy with it?",
            "ar": "مرحبًا {{1}}، المنتج البديل لطلبك رقم {{2}} في الطريق. هل كل شيء على ما يرام؟",
        },
        buttons=_SATISFACTION,
    ),
    FlowTemplate(
        name="memnuniyet_kontrol",
        category="UTILITY",
        variables=(("customer_name", "Ayşe"), ("order_number", "10654400001")),
        body={
            "tr": "Merhaba {{1}}, {{2}} numaralı siparişiniz elinize ulaştı. "
            "Ürününüzden memnun musunuz?",
            "en": "Hello {{1}}, your order {{2}} has been delivered. "
            "Are you happy with your purchase?",
            "ar": "مرحبًا {{1}}، تم تسليم طلبك رقم {{2}}. هل أنت راضٍ عن المنتج؟",
        },
        buttons=_SATISFACTION,
    ),
    FlowTemplate(
        name="yorum_ozur",
        category="UTILITY",
        variables=(("customer_name", "Ayşe"), ("product", "Keten Gömlek")),
        body={
            "tr": "Merhaba {{1}}, {{2}} hakkındaki yorumunuzu gördük ve yaşadığınız sorun için "
            "çok üzgünüz. Sorunu çözmek için size nasıl yardımcı olabiliriz?",
            "en": "Hello {{1}}, we read your review of {{2}} and we are very sorry about the "
            "problem. How can we make it right?",
            "ar": "مرحبًا {{1}}، قرأنا تقييمك لـ {{2}} ونأسف جدًا للمشكلة. كيف يمكننا مساعدتك؟",
        },
    ),
    FlowTemplate(
        name="sepet_hatirlatma",
        category="MARKETING",
        variables=(("customer_name", "Ayşe"), ("item_names", "Keten Gömlek")),
        body={
            "tr": "Merhaba {{1}}, sepetinizde {{2}} sizi bekliyor. Stoklar tükenmeden "
            "siparişinizi tamamlamak ister misiniz?",
            "en": "Hello {{1}}, {{2}} is still waiting in your cart. Would you like to complete "
            "your order before it sells out?",
            "ar": "مرحبًا {{1}}، ما زال {{2}} في سلتك. هل تود إكمال طلبك قبل نفاد الكمية؟",
        },
    ),
    FlowTemplate(
        name="teklif_takip",
        category="UTILITY",
        variables=(
            ("customer_name", "Ayşe"),
            ("company", "ABC Tekstil"),
            ("valid_until", "2026-12-16"),
        ),
        body={
            "tr": "Merhaba {{1}}, {{2}} için gönderdiğimiz teklifi inceleme fırsatınız oldu mu? "
            "Teklifimiz {{3}} tarihine kadar geçerli; sorularınızı buradan yanıtlayabiliriz.",
            "en": "Hello {{1}}, have you had a chance to look at the proposal we sent for {{2}}? "
            "It is valid until {{3}}; we are happy to answer your questions here.",
            "ar": "مرحبًا {{1}}، هل اطلعت على العرض الذي أرسلناه لـ {{2}}؟ "
            "العرض ساري حتى {{3}}، ويسعدنا الرد على أسئلتك هنا.",
        },
    ),
)


TEMPLATE_BY_NAME = {template.name: template for template in TEMPLATES}

RULES: tuple[FlowRule, ...] = (
    FlowRule(
        name="Kargo bildirimi",
        flow="shipping_update",
        trigger="order_shipped",
        template="siparis_kargoda",
    ),
    FlowRule(
        name="Değişim takibi",
        flow="exchange_followup",
        trigger="exchange_agreed",
        template="degisim_takip",
        delay_minutes=24 * 60,
    ),
    FlowRule(
        name="Teslimat sonrası memnuniyet",
        flow="post_purchase",
        trigger="order_delivered",
        template="memnuniyet_kontrol",
        delay_minutes=3 * 24 * 60,
    ),
    FlowRule(
        name="Olumsuz yorum kurtarma",
        flow="review_recovery",
        trigger="review_imported",
        template="yorum_ozur",
        condition={"all": [{"field": "rating", "op": "lte", "value": 2}]},
        follow_up_hours=48,
    ),
    FlowRule(
        name="Sepet hatırlatma (2 saat)",
        flow="cart_recovery",
        trigger="cart_abandoned",
        template="sepet_hatirlatma",
        delay_minutes=120,
    ),
    FlowRule(
        name="Sepet hatırlatma (24 saat)",
        flow="cart_recovery",
        trigger="cart_abandoned",
        template="sepet_hatirlatma",
        delay_minutes=24 * 60,
    ),
    FlowRule(
        name="Teklif takibi (24 saat)",
        flow="proposal_followup",
        trigger="proposal_sent",
        template="teklif_takip",
        delay_minutes=24 * 60,
    ),
)


async def install(session: AsyncSession, tenant: Tenant, *, enabled: bool = False) -> int:
    """Give the tenant the flows' templates (as drafts, to submit) and rules (off unless
    ``enabled``); what the tenant already has by those names is left alone. A clinic gets its
    own templates (``invekto.outbound.clinic_flows``) and no rules. The caller commits.
    """
    from invekto.outbound import clinic_flows
    from invekto.outbound.templates import TemplateSpec, row_values

    clinic = tenant.vertical == "clinic"
    templates = clinic_flows.TEMPLATES if clinic else TEMPLATES
    flow_rules = () if clinic else RULES

    added = 0
    have = {
        (name, language)
        for name, language in (
            await session.execute(
                select(WaTemplate.name, WaTemplate.language).where(
                    WaTemplate.tenant_id == tenant.id
                )
            )
        ).all()
    }
    for template in templates:
        for language, body in template.body.items():
            if (template.name, language) in have:
                continue
            spec = TemplateSpec.model_validate(
                {
                    "name": template.name,
                    "language": language,
                    "category": template.category,
                    "parameter_format": "POSITIONAL",
                    "variables": [
                        {"name": name, "type": "text", "example": example}
                        for name, example in template.variables
                    ],
                    "body": body,
                    "buttons": [
                        {"type": "quick_reply", "text": title, "payload": payload}
                        for title, payload in template.buttons.get(language, ())
                    ],
                }
            )
            session.add(WaTemplate(tenant_id=tenant.id, **row_values(spec)))
            added += 1
    rules = set(
        await session.scalars(select(OutboundRule.name).where(OutboundRule.tenant_id == tenant.id))
    )
    for rule in flow_rules:
        if rule.name in rules:
            continue
        session.add(
            OutboundRule(
                tenant_id=tenant.id,
                name=rule.name,
                trigger=rule.trigger,
                condition=rule.condition,
                template_name=rule.template,
                variables={
                    name: {"field": rule.fields.get(name, name)}
                    for name, _ in TEMPLATE_BY_NAME[rule.template].variables
                },
                delay_minutes=rule.delay_minutes,
                flow=rule.flow,
                enabled=enabled,
                follow_up_hours=rule.follow_up_hours,
            )
        )
        added += 1
    await session.flush()
    return added
