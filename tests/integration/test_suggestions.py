"""Humans in the loop: agents propose actions, which commit with a reply that is sent, or wait
with a suggestion until a person accepts (all commit), edits (the kept ones commit) or rejects
(none do). A customer who writes meanwhile is served; the graph state learns what was sent."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import (
    Conversation,
    Coupon,
    Customer,
    Lead,
    LeadAlert,
    Message,
    ProposedAction,
    ReturnAttempt,
    ServiceRequest,
    SuggestionDecision,
    Tenant,
)
from tests.integration.test_inbox_api import api, owner_token
from tests.integration.test_message_kinds import fixture
from tests.integration.test_webhook import post
from tests.support.chat import say
from tests.support.rows import rows as _rows
from tests.support.waiting import wait_for

AYSE_PHONE = "905321112233"  # shoes delivered 5 days ago (inside the 15-day return window)
NEW_PHONE = "905449990011"  # no orders
CASEWORK = (ServiceRequest, Coupon, ReturnAttempt, Lead, LeadAlert)


async def _casework(session) -> dict[str, int]:
    return {model.__name__: len(await _rows(session, model)) for model in CASEWORK}


async def _settings(session, slug: str, **blocks) -> None:
    """Merge ``blocks`` into the tenant's stored settings (one level deep)."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    settings = dict(tenant.settings or {})
    for key, value in blocks.items():
        settings[key] = {**settings.get(key, {}), **value}
    await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(settings=settings))
    await session.commit()


async def _automation_off(session, slug: str = DEMO_SHOP.slug) -> None:
    await _settings(session, slug, automation={"enabled": False})


@dataclass(frozen=True)
class Reply:
    id: uuid.UUID
    conversation_id: uuid.UUID
    text: str


async def _reply_of(session, turn) -> Reply:
    """The turn's reply (a snapshot: the session's objects expire as tests look again)."""
    session.expire_all()
    inbound = await session.scalar(
        select(Message).where(Message.wa_message_id == turn["wa_message_id"])
    )
    reply = await session.scalar(select(Message).where(Message.reply_to_id == inbound.id))
    assert reply is not None
    return Reply(reply.id, reply.conversation_id, reply.text)


async def _sent_texts(to: str) -> list[str]:
    return [e["text"] for e in SANDBOX_GRAPH.outbox(to=to) if e["type"] == "text"]


async def _status(session, message_id, *wanted):
    async def settled():
        session.expire_all()
        message = await session.get(Message, message_id)
        return message if message.status in wanted else None

    return await wait_for(settled, timeout_s=20)


async def _react(stack, session, phone: str, to_wa_id: str, emoji: str = "\U0001f44d") -> None:
    """The customer reacts to a message (a kind that gets no reply); returns once processed."""
    payload = fixture("reaction")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = phone
    item = value["messages"][0]
    item.update({"from": phone, "id": f"wamid.reaction.{uuid.uuid4().hex}"})
    item["reaction"] = {"message_id": to_wa_id, "emoji": emoji}
    assert (await post(stack, payload)).status_code == 200

    async def handled():
        session.expire_all()
        found = await session.scalar(select(Message).where(Message.wa_message_id == item["id"]))
        return found if found is not None and found.status == "processed" else None

    reaction = await wait_for(handled, timeout_s=20)
    assert reaction.payload["handling"] == "no_reply"


# --- automation off: suggestions carry pending actions ---------------------------------------


async def test_cancel_is_only_filed_when_its_suggestion_is_accepted(stack, session):
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)

    assert (turn["agent"], turn["outcome"], turn["reason"]) == (
        "support",
        "suggestion",
        "automation_off",
    )
    assert await _casework(session) == dict.fromkeys(_casework_names(), 0)
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    assert (action.kind, action.status) == ("cancel_request", "pending")
    assert "10654400003" in action.summary
    action_id = action.id
    assert await _sent_texts(MEHMET_PHONE) == []

    token = await owner_token(stack)
    listed = await api(
        stack, "GET", f"/api/conversations/{reply.conversation_id}/suggestions", token
    )
    assert listed.status_code == 200
    [suggestion] = listed.json()["suggestions"]
    assert suggestion["message_id"] == str(reply.id)
    assert [a["kind"] for a in suggestion["actions"]] == ["cancel_request"]
    # The action's own fields beside its English summary, for the UI's language.
    assert suggestion["actions"][0]["fields"]["order_number"] == "10654400003"
    assert suggestion["reason"] == "automation_off" and suggestion["newer_inbound"] == 0

    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["decision"] == "accepted" and body["edit_distance"] == 0
    assert [a["status"] for a in body["actions"]] == ["committed"]

    [request] = await _rows(session, ServiceRequest, kind="cancel")
    assert request.order_number == "10654400003"
    await _status(session, reply.id, "sent", "delivered", "read")
    assert await _sent_texts(MEHMET_PHONE) == [reply.text]

    again = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_decided"
    assert len(await _rows(session, ServiceRequest)) == 1
    [decision] = await _rows(session, SuggestionDecision)
    assert (decision.decision, decision.edit_distance) == ("accepted", 0)
    assert decision.actions_kept == [str(action_id)]


def _casework_names() -> list[str]:
    return [model.__name__ for model in CASEWORK]


async def test_a_rejected_coupon_offer_leaves_no_coupon_and_no_return_record(stack, session):
    await _automation_off(session)
    turn = await say(stack, "ayakkabıyı iade edicem vazgeçtim", phone=AYSE_PHONE)
    assert (turn["agent"], turn["outcome"]) == ("returns", "suggestion")
    assert "create_coupon" in turn["tools"] and "%10" in turn["reply"]
    reply = await _reply_of(session, turn)
    kinds = [a.kind for a in await _rows(session, ProposedAction, message_id=reply.id)]
    assert "coupon" in kinds and "return_step" in kinds
    assert await _casework(session) == dict.fromkeys(_casework_names(), 0)

    token = await owner_token(stack)
    rejected = await api(
        stack,
        "POST",
        f"/api/suggestions/{reply.id}/reject",
        token,
        json={"reason": "no coupons this month"},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert {a["status"] for a in rejected.json()["actions"]} == {"discarded"}
    fields = {a["kind"]: a["fields"] for a in rejected.json()["actions"]}
    coupon = fields["coupon"]
    assert (coupon["percent"], coupon["reason"]) == (10, "changed_mind") and coupon["code"]
    assert fields["return_step"]["step"] and fields["return_step"]["code"] is None

    assert await _casework(session) == dict.fromkeys(_casework_names(), 0)
    assert await _sent_texts(AYSE_PHONE) == []
    [decision] = await _rows(session, SuggestionDecision)
    assert (decision.decision, decision.reason, decision.sent_text) == (
        "rejected",
        "no coupons this month",
        None,
    )
    after = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert after.status_code == 409


async def test_a_bulk_order_alerts_sales_only_when_a_person_accepts(stack, session):
    await _automation_off(session)
    first = await say(stack, "şirketimize 150 adet tişört lazım faturalı", phone=NEW_PHONE)
    assert (first["agent"], first["outcome"]) == ("b2b", "suggestion")
    second = await say(stack, "Yıldız Tekstil Ltd. Şti.", phone=NEW_PHONE)
    assert (second["agent"], second["outcome"]) == ("b2b", "suggestion")
    assert second["tools"] == ["save_lead", "alert_sales"]
    assert await _casework(session) == dict.fromkeys(_casework_names(), 0)
    [customer] = await _rows(session, Customer, phone=NEW_PHONE)
    assert customer.tags == []
    reply = await _reply_of(session, second)
    conversation = await session.get(Conversation, reply.conversation_id)
    assert conversation.status == "waiting_human"  # a hand-over: a person decides

    token = await owner_token(stack)
    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200, accepted.text
    assert [a["kind"] for a in accepted.json()["actions"]] == ["lead", "sales_alert"]
    lead, alert = (a["fields"] for a in accepted.json()["actions"])
    assert lead["company"] == "Yıldız Tekstil Ltd. Şti."
    assert lead["products"] == [{"product": "tişört", "quantity": 150}]
    assert "signal_text" not in lead and "contact_email" not in lead  # the customer's words
    assert set(alert["channels"]) == {"webhook", "email"}

    [lead] = await _rows(session, Lead)
    assert lead.company == "Yıldız Tekstil Ltd. Şti."
    assert lead.products == [{"product": "tişört", "quantity": 150}]
    assert lead.status == "alerted" and "150 adet" in lead.signal_text
    assert {a.channel for a in await _rows(session, LeadAlert)} == {"webhook", "email"}
    [customer] = await _rows(session, Customer, phone=NEW_PHONE)
    assert {"b2b", "vip"} <= set(customer.tags)

    # The first suggestion is older than the customer's answer: the API says so.
    older = await _reply_of(session, first)
    stale = await api(stack, "POST", f"/api/suggestions/{older.id}/accept", token, json={})
    assert stale.status_code == 409
    assert stale.json()["code"] == "newer_messages" and stale.json()["newer_messages"] == 1
    forced = await api(
        stack, "POST", f"/api/suggestions/{older.id}/accept", token, json={"confirm_newer": True}
    )
    assert forced.status_code == 200
    assert len(await _rows(session, Lead)) == 1  # the same lead, not a second one


async def test_edit_then_send_sends_the_edited_text_and_only_the_kept_actions(stack, session):
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    action_id = action.id
    token = await owner_token(stack)
    edited = "Merhaba Mehmet Bey, siparişinizi kontrol edip size hemen döneceğim."

    unknown = await api(
        stack,
        "POST",
        f"/api/suggestions/{reply.id}/send",
        token,
        json={"text": edited, "keep_actions": [str(uuid.uuid4())]},
    )
    assert unknown.status_code == 422
    sent = await api(
        stack, "POST", f"/api/suggestions/{reply.id}/send", token, json={"text": edited}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["decision"] == "edited" and sent.json()["edit_distance"] > 0

    await _status(session, reply.id, "sent", "delivered", "read")
    assert await _sent_texts(MEHMET_PHONE) == [edited]
    assert await _rows(session, ServiceRequest) == []
    session.expire_all()
    assert (await session.get(ProposedAction, action_id)).status == "discarded"
    [decision] = await _rows(session, SuggestionDecision)
    assert decision.original_text != decision.sent_text == edited
    figures = (await api(stack, "GET", "/api/metrics/summary", token)).json()
    assert figures["suggestion_decisions"]["edited"] == 1
    assert figures["suggestion_decisions"]["mean_edit_distance"] == decision.edit_distance
    assert figures["suggestion_decisions"]["acceptance_rate"] == 0.0

    # The graph state learns what the customer actually read.
    config = {"configurable": {"thread_id": str(reply.conversation_id)}}

    async def learned():
        state = await stack.services.graph.aget_state(config)
        texts = [m.content for m in state.values.get("messages", [])]
        return edited in texts

    await wait_for(learned, timeout_s=20)


async def test_keeping_an_action_while_editing_commits_it(stack, session):
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    token = await owner_token(stack)

    sent = await api(
        stack,
        "POST",
        f"/api/suggestions/{reply.id}/send",
        token,
        json={"text": reply.text + " İyi günler!", "keep_actions": [str(action.id)]},
    )
    assert sent.status_code == 200, sent.text
    [request] = await _rows(session, ServiceRequest)
    assert request.order_number == "10654400003"


# --- the output guard holding a reply back ------------------------------------------------------


async def test_a_reply_the_guard_holds_back_keeps_its_actions_pending(stack, session):
    await _settings(session, DEMO_SHOP.slug, guardrails={"banned_phrases": ["talebinizi"]})
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)

    assert turn["outcome"] == "suggestion" and turn["reason"].startswith("guard:")
    assert await _rows(session, ServiceRequest) == []
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    assert action.status == "pending"

    token = await owner_token(stack)
    rejected = await api(
        stack, "POST", f"/api/suggestions/{reply.id}/reject", token, json={"reason": "wording"}
    )
    assert rejected.status_code == 200
    assert await _rows(session, ServiceRequest) == []


async def test_with_automation_on_the_actions_commit_with_the_reply(stack, session):
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    assert turn["outcome"] == "auto_reply"
    reply = await _reply_of(session, turn)
    [action] = await _rows(session, ProposedAction, message_id=reply.id)
    assert action.status == "committed"
    committed_id = action.result["service_request_id"]
    [request] = await _rows(session, ServiceRequest)
    assert str(request.id) == committed_id


# --- customers who write while a suggestion waits ------------------------------------------------


async def test_a_customer_writing_again_is_served_and_the_older_suggestion_warns(stack, session):
    await _automation_off(session)
    first = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    second = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    assert second["outcome"] == "suggestion" and second["reply"]  # served, not blocked

    older = await _reply_of(session, first)
    token = await owner_token(stack)
    listed = await api(
        stack, "GET", f"/api/conversations/{older.conversation_id}/suggestions", token
    )
    by_id = {s["message_id"]: s for s in listed.json()["suggestions"]}
    assert by_id[str(older.id)]["newer_inbound"] == 1
    assert by_id[str((await _reply_of(session, second)).id)]["newer_inbound"] == 0

    stale = await api(stack, "POST", f"/api/suggestions/{older.id}/accept", token, json={})
    assert stale.status_code == 409 and stale.json()["newer_messages"] == 1
    assert await _rows(session, ServiceRequest) == []
    assert await _sent_texts(MEHMET_PHONE) == []


async def test_a_reaction_after_a_suggestion_is_no_newer_message(stack, session):
    """A reaction (or an edit, a delete) asks nothing: the suggestion still answers the newest
    question, so accepting it needs no ``confirm_newer``."""
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    reply = await _reply_of(session, turn)
    await _react(stack, session, MEHMET_PHONE, turn["wa_message_id"])

    token = await owner_token(stack)
    listed = await api(
        stack, "GET", f"/api/conversations/{reply.conversation_id}/suggestions", token
    )
    [suggestion] = listed.json()["suggestions"]
    assert suggestion["newer_inbound"] == 0
    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["newer_inbound"] == 0
    [request] = await _rows(session, ServiceRequest, kind="cancel")
    assert request.order_number == "10654400003"


async def test_rejecting_the_newest_suggestion_after_a_reaction_still_closes_its_flow(
    stack, session
):
    """The suggestion stays the newest answer when the customer only reacted after it."""
    await _automation_off(session)
    turn = await say(stack, "ayakkabıyı iade etmek istiyorum")
    assert turn["agent"] == "returns" and turn["outcome"] == "suggestion"
    reply = await _reply_of(session, turn)
    config = {"configurable": {"thread_id": str(reply.conversation_id)}}
    assert (await stack.services.graph.aget_state(config)).values["flow"]["name"] == "return_reason"
    await _react(stack, session, AYSE_PHONE, turn["wa_message_id"])

    token = await owner_token(stack)
    rejected = await api(
        stack, "POST", f"/api/suggestions/{reply.id}/reject", token, json={"reason": "wrong"}
    )
    assert rejected.status_code == 200 and rejected.json()["newer_inbound"] == 0

    async def closed():
        return (await stack.services.graph.aget_state(config)).values.get("flow") is None

    await wait_for(closed, timeout_s=20)


async def test_rejecting_the_newest_suggestion_closes_the_flow_it_would_have_opened(stack, session):
    await _automation_off(session)
    turn = await say(stack, "ayakkabıyı iade etmek istiyorum")
    assert turn["agent"] == "returns" and turn["outcome"] == "suggestion"
    reply = await _reply_of(session, turn)
    config = {"configurable": {"thread_id": str(reply.conversation_id)}}
    assert (await stack.services.graph.aget_state(config)).values["flow"]["name"] == "return_reason"

    token = await owner_token(stack)
    rejected = await api(
        stack, "POST", f"/api/suggestions/{reply.id}/reject", token, json={"reason": "wrong"}
    )
    assert rejected.status_code == 200

    async def closed():
        return (await stack.services.graph.aget_state(config)).values.get("flow") is None

    await wait_for(closed, timeout_s=20)


# --- take over, hand back ----------------------------------------------------------------------


async def test_take_over_then_hand_back(stack, session):
    first = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    assert first["outcome"] == "auto_reply"
    conversation_id = (await _reply_of(session, first)).conversation_id
    token = await owner_token(stack)

    taken = await api(stack, "POST", f"/api/conversations/{conversation_id}/take-over", token)
    assert taken.status_code == 200 and taken.json()["status"] == "waiting_human"
    assert taken.json()["assigned_user_id"]
    while_taken = await say(stack, "ne zaman gelir", phone=MEHMET_PHONE)
    assert (while_taken["outcome"], while_taken["reason"]) == ("suggestion", "human_in_charge")

    back = await api(stack, "POST", f"/api/conversations/{conversation_id}/hand-back", token)
    assert back.status_code == 200 and back.json()["status"] == "open"
    assert back.json()["assigned_user_id"] is None
    after = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    assert after["outcome"] == "auto_reply"


async def test_another_tenants_suggestions_are_not_found(stack, session):
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    reply = await _reply_of(session, turn)
    other = await owner_token(stack, DEMO_CLINIC)

    for method, path, body in (
        ("GET", f"/api/conversations/{reply.conversation_id}/suggestions", None),
        ("POST", f"/api/suggestions/{reply.id}/accept", {}),
        ("POST", f"/api/suggestions/{reply.id}/send", {"text": "x"}),
        ("POST", f"/api/suggestions/{reply.id}/reject", {"reason": "x"}),
        ("POST", f"/api/conversations/{reply.conversation_id}/take-over", None),
        ("POST", f"/api/conversations/{reply.conversation_id}/hand-back", None),
    ):
        response = await api(stack, method, path, other, json=body)
        assert response.status_code == 404, (path, response.text)
    assert await _rows(session, ServiceRequest) == []
    session.expire_all()
    assert (await session.get(Message, reply.id)).status == "suggested"


async def test_a_persons_own_reply_reaches_the_graph_state(stack, session):
    first = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    conversation_id = (await _reply_of(session, first)).conversation_id
    token = await owner_token(stack)
    text = "Merhaba, kargonuzu kontrol ettim: yarın elinizde olacak."
    sent = await api(
        stack, "POST", f"/api/conversations/{conversation_id}/messages", token, json={"text": text}
    )
    assert sent.status_code == 201, sent.text
    config = {"configurable": {"thread_id": str(conversation_id)}}

    async def learned():
        state = await stack.services.graph.aget_state(config)
        return text in [m.content for m in state.values.get("messages", [])]

    await wait_for(learned, timeout_s=20)


# --- every write action, both ways, and behind the guard ----------------------------------------

WRITES = {
    "cancel": (MEHMET_PHONE, ["siparişimi iptal etmek istiyorum"], "talebinizi"),
    "coupon": (AYSE_PHONE, ["ayakkabıyı iade edicem vazgeçtim"], "indirim kuponu"),
    "bulk": (
        NEW_PHONE,
        ["şirketimize 150 adet tişört lazım faturalı", "Yıldız Tekstil Ltd. Şti."],
        "satış ekibimize",
    ),
}
COMMITTED = {
    "cancel": {"ServiceRequest": 1},
    "coupon": {"Coupon": 1, "ReturnAttempt": 1},
    "bulk": {"Lead": 1, "LeadAlert": 2},
}


async def _last_suggestion(stack, session, write: str, mode: str) -> Reply:
    phone, texts, banned = WRITES[write]
    if mode == "automation_off":
        await _automation_off(session)
    else:
        await _settings(session, DEMO_SHOP.slug, guardrails={"banned_phrases": [banned]})
    for text in texts:
        turn = await say(stack, text, phone=phone)
    assert turn["outcome"] == "suggestion", turn
    return await _reply_of(session, turn)


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("mode", ["automation_off", "guard"])
async def test_a_write_commits_once_on_accept_and_never_on_reject(stack, session, write, mode):
    reply = await _last_suggestion(stack, session, write, mode)
    before = await _casework(session)
    if mode == "automation_off":
        assert before == dict.fromkeys(_casework_names(), 0)
    else:  # the sent question before the held-back offer recorded the lead (still collecting)
        assert before["LeadAlert"] == before["ServiceRequest"] == before["Coupon"] == 0
    token = await owner_token(stack)

    if write == "coupon":  # one decided each way: reject here, accept in the other modes
        rejected = await api(
            stack, "POST", f"/api/suggestions/{reply.id}/reject", token, json={"reason": "no"}
        )
        assert rejected.status_code == 200
        assert await _casework(session) == before
        return
    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200, accepted.text
    again = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert again.status_code == 409
    after = await _casework(session)
    for name, count in COMMITTED[write].items():
        assert after[name] == count, (name, after)


async def test_an_accepted_coupon_is_created_once_within_the_limit(stack, session):
    reply = await _last_suggestion(stack, session, "coupon", "automation_off")
    token = await owner_token(stack)
    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200
    [coupon] = await _rows(session, Coupon)
    assert int(coupon.percent) == 10
    [attempt] = await _rows(session, ReturnAttempt)
    assert (attempt.action, attempt.reason) == ("coupon_offered", "changed_mind")


async def test_a_coupon_above_a_lowered_limit_is_refused_at_commit(stack, session):
    reply = await _last_suggestion(stack, session, "coupon", "automation_off")
    await _settings(session, DEMO_SHOP.slug, discounts={"max_percent": 5})
    token = await owner_token(stack)
    accepted = await api(stack, "POST", f"/api/suggestions/{reply.id}/accept", token, json={})
    assert accepted.status_code == 200
    coupon = next(a for a in accepted.json()["actions"] if a["kind"] == "coupon")
    assert coupon["result"] == {"refused": "above_max_percent", "max_percent": 5}
    assert await _rows(session, Coupon) == []


async def test_a_suggestion_cannot_go_out_after_the_24_hour_window(stack, session):
    await _automation_off(session)
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)
    reply = await _reply_of(session, turn)
    await session.execute(
        update(Customer)
        .where(Customer.phone == MEHMET_PHONE)
        .values(last_inbound_at=func.now() - dt.timedelta(hours=25))
    )
    await session.commit()
    token = await owner_token(stack)
    for path, body in (("accept", {}), ("send", {"text": "Merhaba"})):
        response = await api(stack, "POST", f"/api/suggestions/{reply.id}/{path}", token, json=body)
        assert response.status_code == 409 and response.json()["code"] == "window_closed"
    assert await _rows(session, ServiceRequest) == []
    rejected = await api(
        stack, "POST", f"/api/suggestions/{reply.id}/reject", token, json={"reason": "late"}
    )
    assert rejected.status_code == 200
