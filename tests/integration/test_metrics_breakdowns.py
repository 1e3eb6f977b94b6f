"""Every figure of ``GET /api/metrics/summary`` equals direct counting over seeded rows: for a
date range, in the tenant's time zone (one with a daylight-saving change inside the range), and
never counting another tenant's rows."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.storage.models import (
    AutoReplyLog,
    Channel,
    Conversation,
    Customer,
    Message,
    SuggestionDecision,
    Tenant,
)
from tests.integration.test_api import api, token_for

ZONE = ZoneInfo("America/New_York")  # summer time starts on 2026-03-08, inside the range
FIRST, LAST = dt.date(2026, 3, 6), dt.date(2026, 3, 10)
SHOP_INTENTS = ("order_status", "delivery_time", "return_request", "greeting", "complaint")
SHOP_AGENTS = ("support", "returns", "none")
OUTCOMES = ("auto_reply", "handoff", "suggestion")


@dataclass
class Seeded:
    at: dt.datetime  # when the customer's message arrived (UTC)
    logged: bool  # processed (has an auto_reply_log row)
    intent: str = ""
    agent: str = ""
    outcome: str = ""
    reply_s: float | None = None  # seconds to a sent automated reply
    reply_sent: bool = False
    kind: str = "text"
    handling: str | None = None  # payload.handling (None: not processed yet)

    @property
    def no_reply(self) -> bool:
        """A reaction, an edit...: no question, counted nowhere (even one logged as a turn
        before no-reply kinds ran none)."""
        return self.handling == "no_reply" or (
            self.handling is None and self.kind in ("reaction", "edit", "revoke", "sticker")
        )


def _percentile(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def _conversation(session, tenant_id: uuid.UUID, phone: str) -> uuid.UUID:
    channel = await session.scalar(select(Channel.id).where(Channel.tenant_id == tenant_id))
    customer = Customer(tenant_id=tenant_id, phone=phone, name="Seed")
    session.add(customer)
    await session.flush()
    conversation = Conversation(tenant_id=tenant_id, customer_id=customer.id, channel_id=channel)
    session.add(conversation)
    await session.flush()
    return conversation.id


async def _seed(session, tenant_id, conversation_id, rows: list[Seeded]) -> None:
    for row in rows:
        inbound = Message(
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            direction="in",
            kind=row.kind,
            text="seed",
            status="processed" if row.handling else "received",
            payload={"handling": row.handling} if row.handling else {},
            created_at=row.at,
        )
        session.add(inbound)
        await session.flush()
        if not row.logged:
            continue
        reply_id = None
        if row.reply_s is not None:
            reply = Message(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                direction="out",
                author="ai",
                text="seed reply",
                status="sent" if row.reply_sent else "failed",
                reply_to_id=inbound.id,
                created_at=row.at + dt.timedelta(seconds=1),
                sent_at=row.at + dt.timedelta(seconds=row.reply_s) if row.reply_sent else None,
            )
            session.add(reply)
            await session.flush()
            reply_id = reply.id
        session.add(
            AutoReplyLog(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                inbound_message_id=inbound.id,
                reply_message_id=reply_id,
                intent=row.intent,
                agent=row.agent,
                outcome=row.outcome,
                confidence=0.9,
                inbound_at=row.at,
            )
        )


def _rows(rng: random.Random, intents, agents, count: int) -> list[Seeded]:
    """Messages from two days before the range to two days after, at any minute."""
    start = dt.datetime.combine(FIRST - dt.timedelta(days=2), dt.time(), ZONE)
    span_minutes = int((dt.timedelta(days=(LAST - FIRST).days + 5)).total_seconds() // 60)
    rows = []
    for _ in range(count):
        at = (start + dt.timedelta(minutes=rng.randrange(span_minutes))).astimezone(dt.UTC)
        if rng.random() < 0.1:
            rows.append(Seeded(at=at, logged=False))
            continue
        outcome = rng.choice(OUTCOMES)
        automated = outcome == "auto_reply"
        rows.append(
            Seeded(
                at=at,
                logged=True,
                intent=rng.choice(intents),
                agent=rng.choice(agents),
                outcome=outcome,
                reply_s=round(rng.uniform(0.5, 40), 3) if automated else None,
                reply_sent=automated and rng.random() < 0.85,
            )
        )
    # Edges: the first and last local minute of the range, and just outside it.
    edge_start = dt.datetime.combine(FIRST, dt.time(), ZONE)
    edge_end = dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(), ZONE)
    for moment in (
        edge_start,
        edge_start - dt.timedelta(seconds=1),
        edge_end - dt.timedelta(seconds=1),
        edge_end,
    ):
        rows.append(
            Seeded(
                at=moment.astimezone(dt.UTC),
                logged=True,
                intent=intents[0],
                agent=agents[0],
                outcome="auto_reply",
                reply_s=2.0,
                reply_sent=True,
            )
        )
    return rows


def _expected(rows: list[Seeded], per_reply: float) -> dict:
    start = dt.datetime.combine(FIRST, dt.time(), ZONE)
    end = dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(), ZONE)
    inside = [r for r in rows if start <= r.at < end and not r.no_reply]
    logged = [r for r in inside if r.logged]
    days = [FIRST + dt.timedelta(days=n) for n in range((LAST - FIRST).days + 1)]

    def figures(subset: list[Seeded], questions_key: str) -> dict:
        outcomes = Counter(r.outcome for r in subset if r.logged)
        return {
            questions_key: len(subset),
            "answered_automatically": outcomes["auto_reply"],
            "handed_over": outcomes["handoff"],
            "suggestions": outcomes["suggestion"],
        }

    def local(row: Seeded) -> dt.datetime:
        return row.at.astimezone(ZONE)

    def grouped(attribute: str) -> list[dict]:
        groups: dict[str, list[Seeded]] = defaultdict(list)
        for row in logged:
            groups[getattr(row, attribute)].append(row)
        out = [{"key": key, **figures(group, "questions")} for key, group in groups.items()]
        return sorted(out, key=lambda g: (-g["questions"], g["key"]))

    times = [r.reply_s for r in logged if r.outcome == "auto_reply" and r.reply_sent]
    auto = sum(1 for r in logged if r.outcome == "auto_reply")
    return {
        "totals": figures(inside, "questions_received"),
        "deflection_rate": round(auto / len(inside), 4),
        "daily": [
            {
                "date": day.isoformat(),
                **figures([r for r in inside if local(r).date() == day], "questions_received"),
            }
            for day in days
        ],
        "hourly": [
            {
                "hour": hour,
                **figures([r for r in inside if local(r).hour == hour], "questions_received"),
            }
            for hour in range(24)
        ],
        "by_intent": grouped("intent"),
        "by_agent": grouped("agent"),
        "reply_times": {
            "p50": round(_percentile(times, 0.5), 3),
            "p95": round(_percentile(times, 0.95), 3),
            "mean": round(sum(times) / len(times), 3),
        },
        "minutes_saved": {
            "minutes": round(auto * per_reply, 1),
            "automated_replies": auto,
            "minutes_per_reply": per_reply,
        },
    }


def _no_reply_rows(rng: random.Random) -> list[Seeded]:
    """Messages inside the range that ask nothing: reactions and edits (processed or not yet),
    a sticker, and a reaction logged as a turn before no-reply kinds ran none. A text whose
    turn is still to come counts (it is a question)."""
    start = dt.datetime.combine(FIRST, dt.time(10), ZONE)
    at = [(start + dt.timedelta(hours=rng.randrange(24 * 4))).astimezone(dt.UTC) for _ in range(6)]
    return [
        Seeded(at=at[0], logged=False, kind="reaction", handling="no_reply"),
        Seeded(at=at[1], logged=False, kind="edit", handling="no_reply"),
        Seeded(at=at[2], logged=False, kind="sticker", handling="no_reply"),
        Seeded(at=at[3], logged=False, kind="reaction"),  # stored, not processed yet
        Seeded(
            at=at[4],
            logged=True,
            kind="reaction",
            handling="no_reply",
            intent=SHOP_INTENTS[0],
            agent=SHOP_AGENTS[0],
            outcome="auto_reply",
            reply_s=1.0,
            reply_sent=True,
        ),
        Seeded(at=at[5], logged=False, kind="text"),  # a question still to be processed
    ]


async def _decisions(session, tenant_id, conversation_id, rng: random.Random) -> dict:
    """Suggestion decisions around the range; returns what falls inside it."""
    start = dt.datetime.combine(FIRST, dt.time(), ZONE)
    end = dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(), ZONE)
    counted: Counter[str] = Counter()
    distances = []
    for index in range(20):
        at = start + dt.timedelta(hours=rng.randrange(-48, 24 * 7))
        kind = ("accepted", "edited", "rejected")[index % 3]
        distance = rng.randrange(1, 30) if kind == "edited" else 0
        message = Message(
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            direction="out",
            author="ai",
            text="suggested",
            status="rejected" if kind == "rejected" else "sent",
            created_at=at,
        )
        session.add(message)
        await session.flush()
        session.add(
            SuggestionDecision(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                message_id=message.id,
                decision=kind,
                edit_distance=distance,
                created_at=at,
            )
        )
        if start <= at < end:
            counted[kind] += 1
            if kind == "edited":
                distances.append(distance)
    decided = sum(counted.values())
    return {
        "accepted": counted["accepted"],
        "edited": counted["edited"],
        "rejected": counted["rejected"],
        "acceptance_rate": round(counted["accepted"] / decided, 4) if decided else None,
        "mean_edit_distance": round(sum(distances) / len(distances), 1) if distances else None,
    }


async def test_every_figure_equals_direct_counting_in_the_tenants_zone(stack, session):
    rng = random.Random(11)
    tenants = {
        t.slug: t.id
        for t in await session.scalars(
            select(Tenant).where(Tenant.slug.in_((DEMO_SHOP.slug, DEMO_CLINIC.slug)))
        )
    }
    shop, clinic = tenants[DEMO_SHOP.slug], tenants[DEMO_CLINIC.slug]
    await session.execute(update(Tenant).where(Tenant.id == shop).values(timezone=ZONE.key))
    shop_chat = await _conversation(session, shop, "905551110001")
    clinic_chat = await _conversation(session, clinic, "905551110002")
    shop_rows = _rows(rng, SHOP_INTENTS, SHOP_AGENTS, 160) + _no_reply_rows(rng)
    await _seed(session, shop, shop_chat, shop_rows)
    decisions = await _decisions(session, shop, shop_chat, rng)
    # Another tenant's rows, in the same range and hours, with their own intents and agents.
    await _seed(session, clinic, clinic_chat, _rows(rng, ("appointment",), ("clinic",), 60))
    await _decisions(session, clinic, clinic_chat, rng)
    await session.commit()

    token = await token_for(stack)
    patched = await api(
        stack, "PATCH", "/api/tenant", token, json={"metrics": {"minutes_per_reply": 2.5}}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["settings"]["metrics"] == {"minutes_per_reply": 2.5}
    response = await api(
        stack,
        "GET",
        "/api/metrics/summary",
        token,
        params={"from": FIRST.isoformat(), "to": LAST.isoformat()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = _expected(shop_rows, 2.5)

    assert body["timezone"] == ZONE.key
    assert (body["from_date"], body["to_date"]) == (FIRST.isoformat(), LAST.isoformat())
    assert {key: body[key] for key in expected["totals"]} == expected["totals"]
    # The reactions, edits and the sticker are counted nowhere (a text not processed yet is).
    counted_all = _expected([replace(r, handling="turn", kind="text") for r in shop_rows], 2.5)
    assert counted_all["totals"]["questions_received"] == body["questions_received"] + 5
    assert counted_all["by_intent"] != body["by_intent"]
    assert body["deflection_rate"] == expected["deflection_rate"]
    assert body["daily"] == expected["daily"]
    assert body["hourly"] == expected["hourly"]
    assert body["by_intent"] == expected["by_intent"]
    assert body["by_agent"] == expected["by_agent"]
    assert body["time_to_first_automated_reply_s"] == pytest.approx(
        expected["reply_times"], abs=1e-3
    )
    assert body["minutes_saved"] == expected["minutes_saved"]
    assert body["suggestion_decisions"] == pytest.approx(decisions)
    # Sums agree with the totals; the other tenant's intents and agents never appear.
    assert sum(h["questions_received"] for h in body["hourly"]) == body["questions_received"]
    assert (
        sum(g["answered_automatically"] for g in body["by_intent"])
        == (body["answered_automatically"])
    )
    assert "appointment" not in {g["key"] for g in body["by_intent"]}
    assert "clinic" not in {g["key"] for g in body["by_agent"]}
    # Summer time: the day it starts has 23 hours, and nothing is lost or counted twice.
    assert body["questions_received"] == sum(d["questions_received"] for d in body["daily"])

    # The other tenant sees only its own rows, with the default handling time.
    clinic_body = (
        await api(
            stack,
            "GET",
            "/api/metrics/summary",
            await token_for(stack, DEMO_CLINIC),
            params={"from": FIRST.isoformat(), "to": LAST.isoformat()},
        )
    ).json()
    assert {g["key"] for g in clinic_body["by_intent"]} == {"appointment"}
    assert {g["key"] for g in clinic_body["by_agent"]} == {"clinic"}
    assert clinic_body["minutes_saved"]["minutes_per_reply"] == 3.0
    assert clinic_body["minutes_saved"]["minutes"] == round(
        clinic_body["answered_automatically"] * 3.0, 1
    )


async def test_the_handling_time_is_a_checked_tenant_setting(stack):
    token = await token_for(stack)
    for bad in (0, -1, 500, "three"):
        response = await api(
            stack, "PATCH", "/api/tenant", token, json={"metrics": {"minutes_per_reply": bad}}
        )
        assert response.status_code == 422, (bad, response.text)
    shown = (await api(stack, "GET", "/api/tenant", token)).json()["settings"]["metrics"]
    assert shown == {"minutes_per_reply": 3.0}
    empty = (await api(stack, "GET", "/api/metrics/summary", token)).json()
    assert empty["minutes_saved"] == {
        "minutes": 0.0,
        "automated_replies": 0,
        "minutes_per_reply": 3.0,
    }
    assert [h["hour"] for h in empty["hourly"]] == list(range(24))
    assert empty["by_intent"] == [] and empty["by_agent"] == []
