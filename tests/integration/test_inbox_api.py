"""The inbox's conversation API: masked by default, supervised reveals and exports (recorded),
agent replies guarded for national ids / IBANs / cards, and one tenant never sees another's."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from sqlalchemy import func, select

from invekto.guardrails.agent_messages import check_agent_message
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE, NO_ORDERS_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.security import hash_password
from invekto.storage.models import Conversation, Message, PiiReveal, Tenant, User
from tests.support.chat import say
from tests.support.waiting import wait_for

TC = "10000000146"  # a valid TC kimlik no (checksum)
PHONE = "0532 111 22 33"
IBAN = "TR330006100519786457841326"
PII_TEXT = f"Merhaba, TC kimlik numaram {TC}, telefonum {PHONE}"


async def api(stack, method: str, path: str, token: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )


async def login(stack, email: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def owner_token(stack, demo=DEMO_SHOP) -> str:
    return await login(stack, demo.owner_email, demo.owner_password)


async def user_token(stack, session, role: str, demo=DEMO_SHOP) -> str:
    """A new user of ``role`` in ``demo``'s tenant, logged in."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))
    email, password = f"{role}-{uuid.uuid4().hex[:8]}@{demo.slug}.test", "pass-word-2026"
    session.add(
        User(
            tenant_id=tenant.id,
            email=email,
            name=role.title(),
            password_hash=hash_password(password),
            role=role,
        )
    )
    await session.commit()
    return await login(stack, email, password)


async def only_conversation(stack, token: str) -> dict:
    body = (await api(stack, "GET", "/api/conversations", token)).json()
    assert len(body["conversations"]) == 1, body
    return body["conversations"][0]


async def pii_conversation(stack, token: str) -> tuple[str, dict]:
    """Ayşe writes her TC kimlik no and phone; returns the conversation id and that message."""
    await say(stack, PII_TEXT)
    conversation_id = (await only_conversation(stack, token))["id"]
    page = (await api(stack, "GET", f"/api/conversations/{conversation_id}/messages", token)).json()
    inbound = [m for m in page["messages"] if m["direction"] == "in"]
    assert len(inbound) == 1
    return conversation_id, inbound[0]


# ------------------------------------------------------------------------------- masking


async def test_conversations_and_messages_are_masked_by_default(stack):
    token = await owner_token(stack)
    await say(stack, PII_TEXT)

    listing = await api(stack, "GET", "/api/conversations", token)
    conversation = await only_conversation(stack, token)
    messages = await api(stack, "GET", f"/api/conversations/{conversation['id']}/messages", token)

    assert listing.status_code == 200 and messages.status_code == 200
    assert conversation["customer"]["phone"] == "+90 532 *** ** 33"
    assert conversation["customer"]["name"] == "Ayşe Yılmaz"
    assert conversation["status"] in ("open", "waiting_human")
    assert conversation["last_message"] is not None and conversation["last_message_at"]
    for body in (listing.text, messages.text):
        assert TC not in body
        assert PHONE not in body and AYSE_PHONE not in body
    page = messages.json()
    assert page["language"] == "tr" and page["next_before"] is None
    inbound = next(m for m in page["messages"] if m["direction"] == "in")
    assert inbound["author"] == "customer"
    assert (
        inbound["text"] == "Merhaba, TC kimlik numaram <TR_NATIONAL_ID>, telefonum <PHONE_NUMBER>"
    )
    assert [e["entity_type"] for e in inbound["entities"]] == ["TR_NATIONAL_ID", "PHONE_NUMBER"]
    for index, entity in enumerate(inbound["entities"]):
        assert entity["ref"] == f"{inbound['id']}:{index}"
        assert inbound["text"][entity["start"] : entity["end"]] == f"<{entity['entity_type']}>"
    assert any(m["author"] == "ai" for m in page["messages"])  # the AI's reply is listed too
    assert [m["created_at"] for m in page["messages"]] == sorted(
        m["created_at"] for m in page["messages"]
    )


async def test_listing_filters_and_pages_newest_first(stack):
    token = await owner_token(stack)
    for phone in (AYSE_PHONE, MEHMET_PHONE, NO_ORDERS_PHONE):
        await say(stack, "merhaba", phone=phone)
    await say(stack, "bir yetkiliyle görüşmek istiyorum", phone=MEHMET_PHONE)  # → waiting_human

    first = (await api(stack, "GET", "/api/conversations", token, params={"limit": 2})).json()
    second = (
        await api(
            stack,
            "GET",
            "/api/conversations",
            token,
            params={"limit": 2, "before": first["next_before"]},
        )
    ).json()
    waiting = (
        await api(stack, "GET", "/api/conversations", token, params={"status": "waiting_human"})
    ).json()

    pages = first["conversations"] + second["conversations"]
    assert len(first["conversations"]) == 2 and first["next_before"]
    assert len(second["conversations"]) == 1 and second["next_before"] is None
    assert len({c["id"] for c in pages}) == 3
    assert pages[0]["customer"]["phone"].endswith("77")  # Mehmet wrote last
    stamps = [c["last_message_at"] for c in pages]
    assert stamps == sorted(stamps, reverse=True)
    assert [c["customer"]["phone"][-2:] for c in waiting["conversations"]] == ["77"]
    assert waiting["conversations"][0]["needs_human"] is True

    messages = (
        await api(
            stack,
            "GET",
            f"/api/conversations/{pages[0]['id']}/messages",
            token,
            params={"limit": 2},
        )
    ).json()
    older = (
        await api(
            stack,
            "GET",
            f"/api/conversations/{pages[0]['id']}/messages",
            token,
            params={"limit": 2, "before": messages["next_before"]},
        )
    ).json()
    assert len(messages["messages"]) == 2 and messages["next_before"]
    assert older["messages"] and not {m["id"] for m in older["messages"]} & {
        m["id"] for m in messages["messages"]
    }
    assert older["messages"][-1]["created_at"] <= messages["messages"][0]["created_at"]


async def test_bad_input_and_unknown_conversations(stack):
    token = await owner_token(stack)
    await say(stack, "merhaba")
    conversation_id = (await only_conversation(stack, token))["id"]
    unknown = uuid.uuid4()

    assert (
        await api(stack, "GET", "/api/conversations", token, params={"limit": 0})
    ).status_code == 422
    assert (
        await api(stack, "GET", "/api/conversations", token, params={"status": "bogus"})
    ).status_code == 422
    assert (
        await api(stack, "GET", "/api/conversations", token, params={"before": "yesterday"})
    ).status_code == 422
    assert (
        await api(stack, "GET", "/api/conversations/not-a-uuid/messages", token)
    ).status_code == 422
    assert (
        await api(stack, "GET", f"/api/conversations/{unknown}/messages", token)
    ).status_code == 404
    assert (
        await api(stack, "GET", f"/api/conversations/{unknown}/export", token)
    ).status_code == 404
    assert (
        await api(
            stack,
            "GET",
            f"/api/conversations/{conversation_id}/export",
            token,
            params={"format": "xml"},
        )
    ).status_code == 422
    for text in ("", "   ", "x" * 5000):
        response = await api(
            stack,
            "POST",
            f"/api/conversations/{conversation_id}/messages",
            token,
            json={"text": text},
        )
        assert response.status_code == 422, text
    assert (
        await api(
            stack, "POST", f"/api/conversations/{unknown}/messages", token, json={"text": "selam"}
        )
    ).status_code == 404
    assert (await api(stack, "GET", "/api/conversations", "not.a.token")).status_code == 401


# -------------------------------------------------------------------------------- reveal


async def test_a_supervisor_reveals_one_value_and_the_reveal_is_recorded(stack, session):
    owner = await owner_token(stack)
    supervisor = await user_token(stack, session, "supervisor")
    conversation_id, inbound = await pii_conversation(stack, owner)
    tc_ref = next(e["ref"] for e in inbound["entities"] if e["entity_type"] == "TR_NATIONAL_ID")
    path = f"/api/conversations/{conversation_id}"

    revealed = await api(
        stack,
        "POST",
        f"{path}/reveal",
        supervisor,
        json={"message_id": inbound["id"], "ref": tc_ref},
    )
    record = await api(stack, "GET", f"{path}/reveals", supervisor)

    assert revealed.status_code == 200, revealed.text
    assert revealed.json() == {
        "message_id": inbound["id"],
        "ref": tc_ref,
        "entity_type": "TR_NATIONAL_ID",
        "value": TC,
    }
    assert revealed.headers["cache-control"] == "no-store"
    reveals = record.json()["reveals"]
    assert record.status_code == 200 and len(reveals) == 1
    assert reveals[0]["action"] == "reveal"
    assert reveals[0]["entity_type"] == "TR_NATIONAL_ID"
    assert reveals[0]["message_id"] == inbound["id"] and reveals[0]["ref"] == tc_ref
    assert reveals[0]["role"] == "supervisor"
    assert reveals[0]["user_email"].startswith("supervisor-")
    assert TC not in record.text
    row = await session.scalar(select(PiiReveal))
    stored = " ".join(str(getattr(row, c.key)) for c in PiiReveal.__table__.columns)
    assert TC not in stored and "PHONE" not in stored
    # the messages stay masked after a reveal
    again = await api(stack, "GET", f"{path}/messages", supervisor)
    assert TC not in again.text


async def test_agents_cannot_reveal_or_read_the_record(stack, session):
    owner = await owner_token(stack)
    agent = await user_token(stack, session, "agent")
    conversation_id, inbound = await pii_conversation(stack, owner)
    path = f"/api/conversations/{conversation_id}"
    ref = inbound["entities"][0]["ref"]

    refused = await api(
        stack, "POST", f"{path}/reveal", agent, json={"message_id": inbound["id"], "ref": ref}
    )
    record = await api(stack, "GET", f"{path}/reveals", agent)
    can_read = await api(stack, "GET", f"{path}/messages", agent)

    assert refused.status_code == 403 and TC not in refused.text
    assert record.status_code == 403
    assert can_read.status_code == 200 and TC not in can_read.text
    assert await session.scalar(select(func.count()).select_from(PiiReveal)) == 0


async def test_reveal_validates_the_reference(stack):
    owner = await owner_token(stack)
    conversation_id, inbound = await pii_conversation(stack, owner)
    path = f"/api/conversations/{conversation_id}/reveal"
    other = str(uuid.uuid4())

    cases = {
        "garbage": (inbound["id"], "nonsense", 422),
        "ref of another message": (inbound["id"], f"{other}:0", 422),
        "index past the values": (inbound["id"], f"{inbound['id']}:7", 404),
        "message not in the conversation": (other, f"{other}:0", 404),
    }
    for name, (message_id, ref, expected) in cases.items():
        response = await api(
            stack, "POST", path, owner, json={"message_id": message_id, "ref": ref}
        )
        assert response.status_code == expected, (name, response.text)


# -------------------------------------------------------------------------------- export


async def test_exports_are_redacted_by_default_and_unredacted_only_for_supervisors(stack, session):
    owner = await owner_token(stack)
    agent = await user_token(stack, session, "agent")
    supervisor = await user_token(stack, session, "supervisor")
    conversation_id, _ = await pii_conversation(stack, owner)
    path = f"/api/conversations/{conversation_id}/export"

    redacted_json = await api(stack, "GET", path, agent)
    redacted_csv = await api(stack, "GET", path, agent, params={"format": "csv"})
    agent_raw = await api(stack, "GET", path, agent, params={"redact": "false"})
    raw_json = await api(stack, "GET", path, owner, params={"redact": "false"})
    raw_csv = await api(stack, "GET", path, supervisor, params={"format": "csv", "redact": "false"})

    assert redacted_json.status_code == 200
    assert redacted_json.headers["content-disposition"] == (
        f'attachment; filename="conversation-{conversation_id}-redacted.json"'
    )
    document = redacted_json.json()
    assert document["redacted"] is True
    assert document["conversation"]["customer"] == {
        "name": "<PERSON>",
        "phone": "+90 532 *** ** 33",
    }
    inbound = next(m for m in document["messages"] if m["direction"] == "in")
    assert "<TR_NATIONAL_ID>" in inbound["text"] and "<PHONE_NUMBER>" in inbound["text"]
    assert len(document["messages"]) >= 2  # with the AI's reply
    for response in (redacted_json, redacted_csv):
        assert TC not in response.text and PHONE not in response.text
        assert "Ayşe Yılmaz" not in response.text and AYSE_PHONE not in response.text

    assert redacted_csv.status_code == 200
    assert redacted_csv.headers["content-type"].startswith("text/csv")
    assert redacted_csv.headers["content-disposition"].endswith(
        f'filename="conversation-{conversation_id}-redacted.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(redacted_csv.text)))
    assert list(rows[0]) == [
        "conversation_id",
        "message_id",
        "created_at",
        "direction",
        "author",
        "status",
        "text",
    ]
    assert len(rows) == len(document["messages"])
    assert any("<TR_NATIONAL_ID>" in r["text"] for r in rows if r["direction"] == "in")

    assert agent_raw.status_code == 403 and TC not in agent_raw.text

    assert raw_json.status_code == 200 and raw_json.json()["redacted"] is False
    assert raw_json.headers["content-disposition"].endswith('-unredacted.json"')
    assert any(m["text"] == PII_TEXT for m in raw_json.json()["messages"])
    assert raw_json.json()["conversation"]["customer"]["phone"] == AYSE_PHONE
    assert raw_csv.status_code == 200
    assert PII_TEXT in [r["text"] for r in csv.DictReader(io.StringIO(raw_csv.text))]

    reveals = (
        await api(stack, "GET", f"/api/conversations/{conversation_id}/reveals", owner)
    ).json()["reveals"]
    assert [(r["action"], r["entity_type"], r["role"]) for r in reveals] == [
        ("export", "EXPORT", "supervisor"),  # newest first
        ("export", "EXPORT", "owner"),
    ]
    assert all(r["message_id"] is None for r in reveals)


# ------------------------------------------------------------------------- agent replies


def test_the_agent_message_check_flags_ids_ibans_and_cards_only():
    assert [e.entity_type for e in check_agent_message(f"TC kimlik no: {TC}", "tr")] == [
        "TR_NATIONAL_ID"
    ]
    assert [e.entity_type for e in check_agent_message(f"IBAN: {IBAN}", "tr")] == ["IBAN_CODE"]
    assert [e.entity_type for e in check_agent_message("Kart 4111 1111 1111 1111", "tr")] == [
        "CREDIT_CARD"
    ]
    assert check_agent_message(f"Sizi {PHONE} numarasından arayacağız", "tr") == []
    assert check_agent_message("Kargonuz yarın teslim edilecek", "en") == []


async def test_an_agent_reply_with_a_national_id_needs_confirmation_then_goes_out(stack, session):
    owner = await owner_token(stack)
    agent = await user_token(stack, session, "agent")
    await say(stack, "kargom nerede")
    conversation_id = (await only_conversation(stack, owner))["id"]
    path = f"/api/conversations/{conversation_id}"
    text = f"Kayıtlı TC kimlik numaranız {TC}, doğru mu?"
    sent_before = len(SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=AYSE_PHONE))

    flagged = await api(stack, "POST", f"{path}/messages", agent, json={"text": text})

    assert flagged.status_code == 409
    body = flagged.json()
    assert "TR_NATIONAL_ID" in body["detail"]
    start = text.index(TC)
    assert body["entities"] == [
        {"entity_type": "TR_NATIONAL_ID", "start": start, "end": start + len(TC)}
    ]
    stored = await session.scalar(
        select(func.count()).select_from(Message).where(Message.author == "agent")
    )
    assert stored == 0
    conversation = await session.get(Conversation, uuid.UUID(conversation_id))
    assert conversation.status == "open"  # nothing happened

    confirmed = await api(
        stack, "POST", f"{path}/messages", agent, json={"text": text, "confirm_pii": True}
    )

    assert confirmed.status_code == 201, confirmed.text
    message = confirmed.json()
    assert message["author"] == "agent" and message["direction"] == "out"
    assert message["status"] == "queued"
    assert TC not in confirmed.text and "<TR_NATIONAL_ID>" in message["text"]

    async def delivered():
        outbox = SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=AYSE_PHONE)
        return [e for e in outbox[sent_before:] if e["text"] == text]

    assert len(await wait_for(delivered, timeout_s=15)) == 1

    async def marked_sent():
        session.expire_all()
        row = await session.get(Message, uuid.UUID(message["id"]))
        return row if row.status in ("sent", "delivered", "read") else None

    row = await wait_for(marked_sent, timeout_s=15)
    assert row.wa_message_id and row.payload["pii_confirmed"] == ["TR_NATIONAL_ID"]
    session.expire_all()
    conversation = await session.get(Conversation, uuid.UUID(conversation_id))
    assert conversation.status == "waiting_human"
    assert conversation.handoff_reason == "agent_took_over"

    reveals = (await api(stack, "GET", f"{path}/reveals", owner)).json()["reveals"]
    assert [(r["action"], r["entity_type"], r["message_id"]) for r in reveals] == [
        ("send_confirmed", "TR_NATIONAL_ID", message["id"])
    ]
    # a human is in charge now: the AI only drafts suggestions
    turn = await say(stack, "tamam teşekkürler")
    assert turn["outcome"] == "suggestion"


async def test_a_plain_agent_reply_is_sent_at_once(stack, session):
    agent = await user_token(stack, session, "agent")
    await say(stack, "merhaba")
    conversation_id = (await only_conversation(stack, agent))["id"]
    text = f"Merhaba, ben Zeynep. Sizi {PHONE} numarasından arayacağım."

    response = await api(
        stack, "POST", f"/api/conversations/{conversation_id}/messages", agent, json={"text": text}
    )

    assert response.status_code == 201, response.text
    assert PHONE not in response.text  # the answer is masked like every other
    outbox = await wait_for(lambda: _sent(text), timeout_s=15)
    assert len(outbox) == 1
    assert await session.scalar(select(func.count()).select_from(PiiReveal)) == 0


async def _sent(text: str) -> list[dict]:
    return [
        e
        for e in SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, to=AYSE_PHONE)
        if e["text"] == text
    ]


# ---------------------------------------------------------------------------------- tenancy


async def test_a_tenant_cannot_touch_another_tenants_conversations(stack, session):
    shop = await owner_token(stack)
    clinic = await owner_token(stack, DEMO_CLINIC)
    shop_conversation, inbound = await pii_conversation(stack, shop)
    await say(stack, "merhaba", tenant=DEMO_CLINIC)
    path = f"/api/conversations/{shop_conversation}"
    before = await session.scalar(select(func.count()).select_from(Message))

    listing = (await api(stack, "GET", "/api/conversations", clinic)).json()
    responses = {
        "messages": await api(stack, "GET", f"{path}/messages", clinic),
        "reveal": await api(
            stack,
            "POST",
            f"{path}/reveal",
            clinic,
            json={"message_id": inbound["id"], "ref": inbound["entities"][0]["ref"]},
        ),
        "reveals": await api(stack, "GET", f"{path}/reveals", clinic),
        "export": await api(stack, "GET", f"{path}/export", clinic),
        "raw export": await api(stack, "GET", f"{path}/export", clinic, params={"redact": "false"}),
        "post": await api(
            stack,
            "POST",
            f"{path}/messages",
            clinic,
            json={"text": "merhaba", "confirm_pii": True},
        ),
    }

    assert [c["customer"]["phone"][-2:] for c in listing["conversations"]] == ["33"]
    assert all(c["id"] != shop_conversation for c in listing["conversations"])
    for name, response in responses.items():
        assert response.status_code == 404, (name, response.text)
        assert TC not in response.text
    assert await session.scalar(select(func.count()).select_from(Message)) == before
    assert await session.scalar(select(func.count()).select_from(PiiReveal)) == 0
    clinic_conversation = listing["conversations"][0]["id"]
    own = await api(stack, "GET", f"/api/conversations/{clinic_conversation}/messages", clinic)
    assert (
        own.status_code == 200
        and (
            await api(stack, "GET", f"/api/conversations/{clinic_conversation}/messages", shop)
        ).status_code
        == 404
    )
