"""Issue 19 through the whole graph: the order's situation, negation and Arabizi change what the
customer gets, not only the intent logged (webhook → job → graph → Trendyol → Graph API)."""

from __future__ import annotations

from sqlalchemy import select

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from invekto.storage.models import ProposedAction
from tests.support.chat import say


async def test_cancelling_a_delivered_order_starts_its_return(stack, session):
    turn = await say(
        stack, "10654400002 numaralı siparişimi iptal etmek istiyorum", phone=AYSE_PHONE
    )

    assert (turn["agent"], turn["intent"]) == ("returns", "return_request")
    assert turn["outcome"] == "auto_reply"
    assert "get_order" in turn["tools"]
    assert "request_cancellation" not in turn["tools"]  # nothing left to cancel
    assert "10654400002" in turn["reply"]
    kinds = (await session.scalars(select(ProposedAction.kind))).all()
    assert "cancel_request" not in kinds


async def test_returning_an_order_that_has_not_shipped_cancels_it(stack):
    turn = await say(stack, "bebek tulumlarını iade etmek istiyorum, vazgeçtim", phone=MEHMET_PHONE)

    assert (turn["agent"], turn["intent"]) == ("support", "cancel_order")
    assert turn["tools"][-1] == "request_cancellation"
    assert "10654400003" in turn["reply"]
    assert "iptal" in turn["reply"]


async def test_the_order_in_focus_makes_a_later_cancel_a_return(stack):
    first = await say(stack, "10654400002 siparişim ne durumda", phone=AYSE_PHONE)
    assert "teslim edildi" in first["reply"]

    turn = await say(stack, "tamam iptal etmek istiyorum", phone=AYSE_PHONE)

    assert (turn["agent"], turn["intent"]) == ("returns", "return_request")
    assert "10654400002" in turn["reply"]


async def test_a_denied_person_gets_the_answer_not_a_hand_over(stack):
    turn = await say(stack, "temsilciye bağlamanıza gerek yok, kargom nerede onu yazın")

    assert turn["outcome"] == "auto_reply"
    assert (turn["agent"], turn["intent"]) == ("support", "order_status")
    assert "7330029145197" in turn["reply"]


async def test_arabizi_is_answered_in_arabic(stack):
    turn = await say(stack, "marhaba, baddi a3ref wen sar el talab taba3i law sama7t")

    assert turn["language"] == "ar"
    assert (turn["agent"], turn["intent"]) == ("support", "order_status")
    assert "7330029145197" in turn["reply"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in turn["reply"])


async def test_an_angry_question_is_answered(stack):
    turn = await say(stack, "4 GÜNDÜR BEKLİYORUM KARGOM NEREDE 😡")

    assert (turn["agent"], turn["intent"]) == ("support", "order_status")
    assert turn["outcome"] == "auto_reply"
    assert "7330029145197" in turn["reply"]
