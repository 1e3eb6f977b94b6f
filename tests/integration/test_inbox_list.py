"""The inbox list: filters, search, unread counts per person, paging across filters, assignment,
and another tenant's conversations never showing up."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.security import hash_password
from invekto.storage.models import (
    Channel,
    Conversation,
    ConversationEvent,
    ConversationRead,
    Customer,
    Message,
    Tenant,
    User,
)
from tests.integration.test_inbox_api import api, login

NOW = dt.datetime.now(dt.UTC)


async def tenant_of(session, demo=DEMO_SHOP) -> Tenant:
    return await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))


async def new_user(stack, session, role: str, demo=DEMO_SHOP, name: str = "") -> tuple[str, str]:
    """A new user of ``role`` in ``demo``'s tenant: (user id, token)."""
    tenant = await tenant_of(session, demo)
    email, password = f"{role}-{uuid.uuid4().hex[:8]}@{demo.slug}.test", "pass-word-2026"
    user = User(
        tenant_id=tenant.id,
        email=email,
        name=name or role.title(),
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    await session.commit()
    return str(user.id), await login(stack, email, password)


async def owner(stack, session, demo=DEMO_SHOP) -> tuple[str, str]:
    tenant = await tenant_of(session, demo)
    user = await session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.email == demo.owner_email)
    )
    return str(user.id), await login(stack, demo.owner_email, demo.owner_password)


async def chat(
    session,
    *,
    name: str,
    phone: str,
    messages: list[tuple[str, str, str]],
    status: str = "open",
    minutes_ago: int = 0,
    demo=DEMO_SHOP,
    assigned: str | None = None,
) -> str:
    """A conversation written straight into the database: ``messages`` are (direction, status,
    text), one minute apart, the last ``minutes_ago`` minutes before now."""
    tenant = await tenant_of(session, demo)
    channel = await session.scalar(select(Channel).where(Channel.tenant_id == tenant.id))
    start = NOW - dt.timedelta(minutes=minutes_ago + len(messages))
    customer = Customer(
        tenant_id=tenant.id,
        phone=phone,
        name=name,
        last_inbound_at=start,
        tags=[],
    )
    session.add(customer)
    await session.flush()
    conversation = Conversation(
        tenant_id=tenant.id,
        customer_id=customer.id,
        channel_id=channel.id,
        status=status,
        assigned_user_id=uuid.UUID(assigned) if assigned else None,
    )
    session.add(conversation)
    await session.flush()
    at = start
    for direction, message_status, text in messages:
        at += dt.timedelta(minutes=1)
        session.add(
            Message(
                tenant_id=tenant.id,
                conversation_id=conversation.id,
                direction=direction,
                text=text,
                status=message_status,
                author="customer" if direction == "in" else "ai",
                created_at=at,
            )
        )
        if direction == "in":
            customer.last_inbound_at = at
    conversation.last_message_at = at
    await session.commit()
    return str(conversation.id)


IN = ("in", "processed", "merhaba")


async def listing(stack, token: str, **params) -> dict:
    response = await api(stack, "GET", "/api/conversations", token, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict) -> list[str]:
    return [c["id"] for c in page["conversations"]]


async def test_filters(stack, session):
    me, token = await owner(stack, session)
    other, _ = await new_user(stack, session, "agent")
    waiting = await chat(
        session, name="Bekleyen", phone="905000000001", messages=[IN], status="waiting_human"
    )
    ai = await chat(
        session,
        name="Otomatik",
        phone="905000000002",
        messages=[IN, ("out", "sent", "Merhaba!")],
        minutes_ago=1,
    )
    suggestion = await chat(
        session,
        name="Öneri",
        phone="905000000003",
        messages=[IN, ("out", "suggested", "Taslak cevap")],
        minutes_ago=2,
    )
    closed = await chat(
        session, name="Kapalı", phone="905000000004", messages=[IN], status="closed", minutes_ago=3
    )
    mine = await chat(
        session, name="Benim", phone="905000000005", messages=[IN], minutes_ago=4, assigned=me
    )
    theirs = await chat(
        session, name="Onun", phone="905000000006", messages=[IN], minutes_ago=5, assigned=other
    )

    assert set(ids(await listing(stack, token, filter="needs_human"))) == {waiting}
    assert set(ids(await listing(stack, token, filter="ai"))) == {ai, mine, theirs}
    assert set(ids(await listing(stack, token, filter="suggestion"))) == {suggestion}
    assert set(ids(await listing(stack, token, filter="mine"))) == {mine}
    assert set(ids(await listing(stack, token, filter="closed"))) == {closed}
    everything = await listing(stack, token)
    assert ids(everything) == [waiting, ai, suggestion, closed, mine, theirs]  # newest first
    assert ids(await listing(stack, token, filter="all")) == ids(everything)
    # status= still works, alone and with a filter
    assert set(ids(await listing(stack, token, status="closed"))) == {closed}
    assert ids(await listing(stack, token, status="open", filter="needs_human")) == []

    summaries = {c["id"]: c for c in everything["conversations"]}
    assert summaries[suggestion]["pending_suggestions"] == 1
    assert summaries[suggestion]["last_message"]["text"] == "merhaba"  # suggestions left out
    assert summaries[ai]["pending_suggestions"] == 0
    assert summaries[mine]["assigned_user_id"] == me
    assert summaries[mine]["assignee_name"]
    assert summaries[theirs]["assigned_user_id"] == other
    assert summaries[theirs]["assignee_name"] == "Agent"
    assert summaries[ai]["assigned_user_id"] is None and summaries[ai]["assignee_name"] is None
    assert summaries[waiting]["window_open"] is True
    assert summaries[waiting]["window_closes_at"]

    bad = await api(stack, "GET", "/api/conversations", token, params={"filter": "nope"})
    assert bad.status_code == 422


async def test_search_by_name_phone_and_text_with_wildcards(stack, session):
    _, token = await owner(stack, session)
    zeynep = await chat(
        session,
        name="Zeynep Kaya",
        phone="905321234567",
        messages=[("in", "processed", "indirim %50 mi?")],
    )
    ali = await chat(
        session,
        name="Ali Veli",
        phone="905449876543",
        messages=[("in", "processed", "beden_L var mı")],
        minutes_ago=1,
    )
    await chat(
        session,
        name="Can",
        phone="905551112200",
        messages=[("in", "processed", "beden L var mı, 50 indirim")],
        minutes_ago=2,
    )

    assert ids(await listing(stack, token, q="zeynep")) == [zeynep]  # case-insensitive
    assert ids(await listing(stack, token, q="KAYA")) == [zeynep]
    assert ids(await listing(stack, token, q="0532 123")) == [zeynep]  # phone digits
    assert ids(await listing(stack, token, q="9876543")) == [ali]
    assert ids(await listing(stack, token, q="%50")) == [zeynep]  # % is literal
    assert ids(await listing(stack, token, q="beden_L")) == [ali]  # _ is literal
    assert ids(await listing(stack, token, q="%")) == [zeynep]
    assert ids(await listing(stack, token, q="_")) == [ali]
    assert ids(await listing(stack, token, q="\\")) == []
    assert ids(await listing(stack, token, q="yok böyle bir şey")) == []
    assert len(ids(await listing(stack, token, q="   "))) == 3  # blank: no search
    assert ids(await listing(stack, token, q="zeynep", filter="closed")) == []
    assert ids(await listing(stack, token, q="zey\x00nep")) == [zeynep]  # no 500 on a NUL
    assert ids(await listing(stack, token, q="\x00")) == ids(await listing(stack, token))
    too_long = await api(stack, "GET", "/api/conversations", token, params={"q": "x" * 101})
    assert too_long.status_code == 422


async def test_unread_counts_are_per_user(stack, session):
    _, first = await owner(stack, session)
    _, second = await new_user(stack, session, "agent")
    conversation = await chat(
        session,
        name="Okunmamış",
        phone="905000000011",
        messages=[IN, ("out", "sent", "Merhaba!"), IN],
    )

    for token in (first, second):
        (summary,) = (await listing(stack, token))["conversations"]
        assert summary["unread"] == 2

    marked = await api(stack, "POST", f"/api/conversations/{conversation}/read", first)
    assert marked.status_code == 200, marked.text
    assert marked.json()["unread"] == 0 and marked.json()["read_at"]
    assert (await listing(stack, first))["conversations"][0]["unread"] == 0
    assert (await listing(stack, second))["conversations"][0]["unread"] == 2

    # the customer writes again: unread for both, counted from each one's own mark
    tenant = await tenant_of(session)
    session.add(
        Message(
            tenant_id=tenant.id,
            conversation_id=uuid.UUID(conversation),
            direction="in",
            text="orada mısınız?",
            status="processed",
            author="customer",
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    await session.commit()
    assert (await listing(stack, first))["conversations"][0]["unread"] == 1
    assert (await listing(stack, second))["conversations"][0]["unread"] == 3
    again = await api(stack, "POST", f"/api/conversations/{conversation}/read", first)
    assert again.status_code == 200
    assert (await listing(stack, first))["conversations"][0]["unread"] == 0


async def test_keyset_paging_with_every_filter(stack, session):
    me, token = await owner(stack, session)
    made: dict[str, list[str]] = {"needs_human": [], "ai": [], "suggestion": [], "mine": []}
    for i in range(5):
        made["needs_human"].append(
            await chat(
                session,
                name=f"W{i}",
                phone=f"90510000000{i}",
                messages=[IN],
                status="waiting_human",
                minutes_ago=4 * i,
            )
        )
        made["ai"].append(
            await chat(
                session, name=f"A{i}", phone=f"90520000000{i}", messages=[IN], minutes_ago=4 * i + 1
            )
        )
        made["suggestion"].append(
            await chat(
                session,
                name=f"S{i}",
                phone=f"90530000000{i}",
                messages=[IN, ("out", "suggested", "taslak")],
                status="waiting_human",
                minutes_ago=4 * i + 2,
            )
        )
        made["mine"].append(
            await chat(
                session,
                name=f"M{i}",
                phone=f"90540000000{i}",
                messages=[IN],
                status="closed",
                minutes_ago=4 * i + 3,
                assigned=me,
            )
        )
    expected = {
        "needs_human": made["needs_human"] + made["suggestion"],
        "ai": made["ai"],
        "suggestion": made["suggestion"],
        "mine": made["mine"],
        "closed": made["mine"],
        "all": [
            c
            for i in range(5)
            for c in (made["needs_human"][i], made["ai"][i], made["suggestion"][i], made["mine"][i])
        ],
    }
    expected["needs_human"] = [c for c in expected["all"] if c in expected["needs_human"]]
    for filter_, wanted in expected.items():
        seen, before = [], None
        for _ in range(20):
            params = {"filter": filter_, "limit": 2}
            if before:
                params["before"] = before
            page = await listing(stack, token, **params)
            seen += ids(page)
            before = page["next_before"]
            if before is None:
                break
        assert seen == wanted, filter_
    # search pages too
    first = await listing(stack, token, q="W", limit=3)
    rest = await listing(stack, token, q="W", limit=3, before=first["next_before"])
    assert ids(first) + ids(rest) == made["needs_human"] and rest["next_before"] is None


async def test_another_tenants_conversations_never_show(stack, session):
    _, shop = await owner(stack, session)
    _, clinic = await owner(stack, session, DEMO_CLINIC)
    ours = await chat(session, name="Ortak İsim", phone="905000000021", messages=[IN])
    theirs = await chat(
        session,
        name="Ortak İsim",
        phone="905000000021",
        messages=[IN, ("out", "suggested", "taslak")],
        status="waiting_human",
        demo=DEMO_CLINIC,
    )
    for filter_ in ("all", "needs_human", "ai", "suggestion", "mine", "closed"):
        assert theirs not in ids(await listing(stack, shop, filter=filter_))
        assert ours not in ids(await listing(stack, clinic, filter=filter_))
    assert ids(await listing(stack, shop, q="Ortak")) == [ours]
    assert ids(await listing(stack, shop, q="0000021")) == [ours]
    assert ids(await listing(stack, clinic, q="Ortak")) == [theirs]
    for path in ("read", "assign"):
        response = await api(
            stack, "POST", f"/api/conversations/{theirs}/{path}", shop, json={"user_id": None}
        )
        assert response.status_code == 404, (path, response.text)


# ---------------------------------------------------------------------------------- assignment


async def test_assignment_by_role(stack, session):
    _, owner_token = await owner(stack, session)
    supervisor_id, supervisor = await new_user(stack, session, "supervisor")
    agent_id, agent = await new_user(stack, session, "agent", name="Ece")
    other_agent_id, other_agent = await new_user(stack, session, "agent")
    conversation = await chat(session, name="Atama", phone="905000000031", messages=[IN])
    path = f"/api/conversations/{conversation}/assign"

    response = await api(stack, "POST", path, supervisor, json={"user_id": agent_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == conversation
    assert body["assigned_user_id"] == agent_id and body["assignee_name"] == "Ece"
    assert ids(await listing(stack, agent, filter="mine")) == [conversation]
    assert ids(await listing(stack, supervisor, filter="mine")) == []

    # an agent may not give it to someone else, nor take someone else's away
    denied = await api(stack, "POST", path, other_agent, json={"user_id": supervisor_id})
    assert denied.status_code == 403
    denied = await api(stack, "POST", path, other_agent, json={"user_id": None})
    assert denied.status_code == 403
    # ... but may take it for themself, and release their own
    taken = await api(stack, "POST", path, other_agent, json={"user_id": other_agent_id})
    assert taken.status_code == 200 and taken.json()["assigned_user_id"] == other_agent_id
    released = await api(stack, "POST", path, other_agent, json={"user_id": None})
    assert released.status_code == 200 and released.json()["assigned_user_id"] is None

    # the owner assigns anyone of the tenant; another tenant's user or a made-up id is 422
    clinic_tenant = await tenant_of(session, DEMO_CLINIC)
    clinic_owner = await session.scalar(select(User).where(User.tenant_id == clinic_tenant.id))
    for stranger in (str(clinic_owner.id), str(uuid.uuid4())):
        response = await api(stack, "POST", path, owner_token, json={"user_id": stranger})
        assert response.status_code == 422, response.text
    response = await api(stack, "POST", path, owner_token, json={"user_id": supervisor_id})
    assert response.status_code == 200 and response.json()["assigned_user_id"] == supervisor_id
    bad = await api(stack, "POST", path, owner_token, json={"user_id": "not-a-uuid"})
    assert bad.status_code == 422

    events = (
        await session.scalars(
            select(ConversationEvent)
            .where(
                ConversationEvent.conversation_id == uuid.UUID(conversation),
                ConversationEvent.kind == "conversation_updated",
            )
            .order_by(ConversationEvent.id)
        )
    ).all()
    assert [e.payload["assigned_user_id"] for e in events] == [
        agent_id,
        other_agent_id,
        None,
        supervisor_id,
    ]
    assert all(e.payload["status"] == "open" for e in events)


async def test_read_marks_are_isolated_by_row_level_security(stack, session):
    _, token = await owner(stack, session)
    conversation = await chat(session, name="RLS", phone="905000000041", messages=[IN])
    assert (await api(stack, "POST", f"/api/conversations/{conversation}/read", token)).is_success
    shop = await tenant_of(session)
    clinic = await tenant_of(session, DEMO_CLINIC)
    async with stack.services.db.tenant_session(shop.id) as ours:
        assert len((await ours.scalars(select(ConversationRead))).all()) == 1
    async with stack.services.db.tenant_session(clinic.id) as theirs:
        assert (await theirs.scalars(select(ConversationRead))).all() == []


async def test_admin_assigns_anyone_and_a_prompt_owner_neither_assigns_nor_is_assigned(
    stack, session
):
    _, admin = await new_user(stack, session, "admin")
    agent_id, _ = await new_user(stack, session, "agent")
    prompt_owner_id, prompt_owner = await new_user(stack, session, "prompt_owner")
    conversation = await chat(session, name="Roller", phone="905000000051", messages=[IN])
    path = f"/api/conversations/{conversation}/assign"

    response = await api(stack, "POST", path, admin, json={"user_id": agent_id})
    assert response.status_code == 200 and response.json()["assigned_user_id"] == agent_id
    response = await api(stack, "POST", path, admin, json={"user_id": prompt_owner_id})
    assert response.status_code == 422
    response = await api(stack, "POST", path, prompt_owner, json={"user_id": prompt_owner_id})
    assert response.status_code == 403


async def test_read_marks_on_several_conversations_count_each_on_its_own(stack, session):
    """A user who has read more than one conversation: each keeps its own unread count (the
    read mark is looked up per listed conversation, never across them)."""
    _, token = await owner(stack, session)
    first = await chat(session, name="Bir", phone="905000000021", messages=[IN, IN])
    second = await chat(session, name="İki", phone="905000000022", messages=[IN])
    for conversation in (first, second):
        marked = await api(stack, "POST", f"/api/conversations/{conversation}/read", token)
        assert marked.status_code == 200
    third = await chat(session, name="Üç", phone="905000000023", messages=[IN, IN, IN])
    for params in ({}, {"q": "9050000000"}, {"filter": "all"}):
        unread = {
            c["id"]: c["unread"] for c in (await listing(stack, token, **params))["conversations"]
        }
        assert unread == {first: 0, second: 0, third: 3}, params
