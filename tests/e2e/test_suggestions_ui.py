"""Suggestions in the browser, with demo-shop's automation off: accept one (it reaches the
customer's WhatsApp, its action commits), edit one (the edited text goes, the unticked action
does not), reject one (nothing goes, nothing commits); take over and hand back."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from invekto.sandbox.demo import MEHMET_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import Conversation, ProposedAction, ServiceRequest
from tests.e2e.conftest import log_in, screenshot
from tests.integration.test_suggestions import _automation_off, _reply_of, _rows
from tests.support.chat import say
from tests.support.waiting import wait_for


async def _texts_to(phone: str) -> list[str]:
    return [e["text"] for e in SANDBOX_GRAPH.outbox(to=phone) if e["type"] == "text"]


async def _suggested_cancel(stack, session, page):
    """Automation off, a cancel request from Mehmet: a suggestion with a pending action; the
    browser logged in and on that conversation."""
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    assert turn["outcome"] == "suggestion"
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    await log_in(page)
    await page.goto(f"/inbox/{reply.conversation_id}")
    card = page.get_by_test_id("suggestion")
    await expect(card).to_be_visible()
    await expect(card.get_by_role("checkbox")).to_be_checked()
    # The pending action reads in Turkish (not "cancel_request ..." as the API writes it).
    await expect(card.get_by_role("checkbox")).to_have_accessible_name(
        "İptal 10654400003 numaralı sipariş için iptal talebi"
    )
    return reply, action.id, card


async def _action_status(session, action_id) -> str:
    session.expire_all()
    return (await session.get(ProposedAction, action_id)).status


async def test_accept_sends_the_suggestion_and_commits_its_action(stack, session, page):
    reply, action_id, card = await _suggested_cancel(stack, session, page)
    await screenshot(page, "conversation-suggestion")
    await card.get_by_role("button", name="Kabul et ve gönder").click()
    await expect(page.get_by_test_id("suggestion")).to_have_count(0)

    async def sent():
        return await _texts_to(MEHMET_PHONE) == [reply.text]

    await wait_for(sent, timeout_s=20)
    assert await _action_status(session, action_id) == "committed"
    [request] = await _rows(session, ServiceRequest, kind="cancel")
    assert request.order_number == "10654400003"
    # The sent reply is in the conversation now (live).
    await expect(page.get_by_test_id("message").filter(has_text=reply.text[:30])).to_be_visible()


async def test_edit_with_the_keyboard_sends_the_edited_text_without_the_unticked_action(
    stack, session, page
):
    reply, action_id, card = await _suggested_cancel(stack, session, page)
    await page.locator("body").press("e")  # the shortcut
    editor = card.get_by_role("textbox")
    await expect(editor).to_be_focused()
    await expect(editor).to_have_value(reply.text)
    edited = "Merhaba Mehmet Bey, siparişinizi kontrol edip size hemen döneceğim."
    await editor.fill(edited)
    await card.get_by_role("checkbox").uncheck()
    await screenshot(page, "conversation-edit")
    await card.get_by_role("button", name="Düzenlenmişi gönder").click()
    await expect(page.get_by_test_id("suggestion")).to_have_count(0)

    async def sent():
        return await _texts_to(MEHMET_PHONE) == [edited]

    await wait_for(sent, timeout_s=20)
    assert await _action_status(session, action_id) == "discarded"
    assert await _rows(session, ServiceRequest) == []


async def test_reject_with_a_reason_sends_nothing_and_commits_nothing(stack, session, page):
    reply, action_id, card = await _suggested_cancel(stack, session, page)
    await card.get_by_role("button", name="Reddet").click()
    # No reason, no rejection: the reason box asks for one.
    await card.get_by_role("button", name="Reddet", exact=True).click()
    reason = card.get_by_role("textbox", name="Reddetme nedeni")
    await expect(reason).to_be_focused()
    await reason.fill("müşteri zaten kargoda")
    await screenshot(page, "conversation-reject")
    await reason.press("Enter")
    await expect(page.get_by_test_id("suggestion")).to_have_count(0)

    assert await _action_status(session, action_id) == "discarded"
    assert await _rows(session, ServiceRequest) == []
    assert await _texts_to(MEHMET_PHONE) == []


async def test_take_over_and_hand_back(stack, session, page):
    turn = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    assert turn["outcome"] == "auto_reply"
    reply = await _reply_of(session, turn)
    await log_in(page)
    await page.goto(f"/inbox/{reply.conversation_id}")
    badge = page.get_by_test_id("conv-status")
    await expect(badge).to_have_text("AI yanıtlıyor")

    await page.get_by_role("button", name="Devral").click()
    await expect(badge).to_have_text("İnsan bekliyor")
    session.expire_all()
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == reply.conversation_id)
    )
    assert conversation.status == "waiting_human" and conversation.assigned_user_id is not None
    assignee = page.get_by_role("combobox", name="Atanan kişi")
    await expect(assignee.locator("option:checked")).to_have_text("Demo Butik Sahibi (ben)")
    await assignee.select_option("")  # unassign

    async def unassigned():
        session.expire_all()
        row = await session.get(Conversation, reply.conversation_id)
        return row.assigned_user_id is None

    await wait_for(unassigned, timeout_s=10)
    await screenshot(page, "conversation-taken-over")
    # The list knows too (filter: needs a human).
    await page.get_by_role("tab", name="İnsan bekliyor").click()
    await expect(page.get_by_test_id("conversation-item")).to_have_count(1)

    # The person's own reply goes to the customer.
    box = page.get_by_role("textbox", name="Müşteriye yanıt yazın… (Ctrl+Enter gönderir)")
    await box.fill("Merhaba, ben Deniz; siparişinize hemen bakıyorum.")
    await page.get_by_role("button", name="Gönder", exact=True).click()
    await expect(box).to_have_value("")

    async def sent():
        return "Merhaba, ben Deniz; siparişinize hemen bakıyorum." in await _texts_to(MEHMET_PHONE)

    await wait_for(sent, timeout_s=20)

    await page.get_by_role("button", name="AI'ya geri ver").click()
    await expect(badge).to_have_text("AI yanıtlıyor")
    session.expire_all()
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == reply.conversation_id)
    )
    assert conversation.status == "open" and conversation.assigned_user_id is None


async def test_an_older_suggestion_warns_about_newer_messages_then_sends(stack, session, page):
    reply, action_id, _ = await _suggested_cancel(stack, session, page)
    later = await say(stack, "bir de kargom nerede", phone=MEHMET_PHONE)
    assert later["outcome"] == "suggestion"
    cards = page.get_by_test_id("suggestion")
    await expect(cards).to_have_count(2)  # live
    older = cards.first
    await older.get_by_role("button", name="Kabul et ve gönder").click()
    warning = older.get_by_role("alert")
    await expect(warning).to_contain_text("1 mesaj daha yazdı")
    await screenshot(page, "conversation-newer-warning")
    assert await _texts_to(MEHMET_PHONE) == []
    await older.get_by_role("button", name="Yine de gönder").click()
    await expect(cards).to_have_count(1)

    async def sent():
        return await _texts_to(MEHMET_PHONE) == [reply.text]

    await wait_for(sent, timeout_s=20)
    assert await _action_status(session, action_id) == "committed"
