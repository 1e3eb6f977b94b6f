"""The output guard sits between the agents and WhatsApp: a reply that breaks a rule is not sent."""

from __future__ import annotations

from sqlalchemy import select

from invekto.sandbox.demo import AYSE_PHONE
from invekto.storage.models import Message, Tenant
from tests.support.chat import say


async def _tenant_rules(session, **rules):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-shop"))
    tenant.settings = {**tenant.settings, "guardrails": rules}
    await session.commit()


async def test_a_reply_breaking_a_tenant_rule_becomes_a_suggestion_with_the_reason(stack, session):
    await _tenant_rules(session, banned_phrases=["Yurtiçi"])

    turn = await say(stack, "kargom nerede", phone=AYSE_PHONE)

    assert (turn["agent"], turn["outcome"], turn["reason"]) == (
        "support",
        "suggestion",
        "guard:tenant_rules",
    )
    assert turn["reply_status"] == "suggested" and "7330029145197" in turn["reply"]
    draft = await session.scalar(
        select(Message).where(Message.status == "suggested").order_by(Message.created_at.desc())
    )
    assert draft.payload["decision"]["guard"]["failures"] == [
        ["tenant_rules", "banned phrase 'Yurtiçi'"]
    ]


async def test_a_clean_reply_goes_out_as_before(stack, session):
    await _tenant_rules(session, banned_phrases=["Aras Kargo ile"], competitors=["Hepsiburada"])

    turn = await say(stack, "kargom nerede", phone=AYSE_PHONE)

    assert (turn["outcome"], turn["reason"]) == ("auto_reply", None)
    assert turn["reply_status"] in ("sent", "delivered", "read")


async def test_once_a_person_is_in_charge_an_agents_handoff_text_is_only_a_suggestion(stack):
    """The returns agent hands a damaged item to a person with its own text; when a person
    already has the chat, that text must not be sent to the customer."""
    first = await say(stack, "bir yetkiliyle görüşmek istiyorum", phone=AYSE_PHONE)
    assert first["outcome"] == "handoff"

    turn = await say(stack, "ayakkabının tabanı kopmuş, iade etmek istiyorum", phone=AYSE_PHONE)

    assert turn["outcome"] == "suggestion" and turn["reply_status"] == "suggested"
