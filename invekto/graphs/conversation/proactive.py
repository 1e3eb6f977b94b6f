"""What Invekto wrote first, told to the conversation's graph state, and how a reply to it reads.

A proactive message of a flow ("memnun musunuz?" three days after delivery, "değişim ürününüz
yolda, memnun musunuz?", an apology for a low review) opens a flow of the ``followup`` agent in
the conversation (a clinic's reminder, waitlist offer or follow-up: a ``clinic_proactive`` flow of
the clinic agent): the customer's answer is read against it. An unhappy answer goes to the
returns flow with the order in focus, a happy one gets the follow-up agent's reply (a cross-sell
from the same category after a purchase). An answer that is neither is routed as usual.

Runs as a job under the conversation's lock, like the notes of human replies.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any, Literal

from langchain_core.messages import AIMessage
from sqlalchemy import select

from invekto.core.text import fold
from invekto.graphs.conversation.human import StateAccess
from invekto.outbound import clinic_flows
from invekto.storage.models import Message, OutboundSend

log = logging.getLogger(__name__)

PROACTIVE_FLOWS = frozenset(
    {"post_purchase", "exchange_followup", "review_recovery", "cart_recovery", "shipping_update"}
)
"""Flows whose messages open a ``followup`` flow in the conversation."""
ASKS_SATISFACTION = frozenset({"post_purchase", "exchange_followup", "review_recovery"})

FLOW_NAME = "proactive"
CLINIC_FLOW_NAME = "clinic_proactive"
CLINIC_FLOWS = clinic_flows.FLOWS
"""A clinic's flows whose messages open a ``clinic_proactive`` flow of the clinic agent."""

Mood = Literal["happy", "unhappy"]

_UNHAPPY = re.compile(
    r"\b(?:memnun degil\w*|memnun kalmadi\w*|begenmedi\w*|hic (?:iyi|guzel) degil|sorun var|"
    r"sorunlu|kotu|berbat|rezalet|bozuk|kirik|yirtik|defolu|hatali|eksik geldi|yanlis geldi|"
    r"olmadi|uymadi|kucuk geldi|buyuk geldi|dar geldi|bol geldi|iade|degisim|"
    r"not happy|unhappy|not satisfied|disappointed|broken|damaged|wrong|too (?:small|big)|"
    r"return it|problem)\b"
    r"|غير راض|مش راض|سيء|مكسور|مشكلة|ارجاع|استرجاع"
)
_HAPPY = re.compile(
    r"\b(?:memnun\w*|cok (?:iyi|guzel|begendim)|begendim|harika|super|mukemmel|tesekkur\w*|"
    r"sagol\w*|evet|gayet iyi|guzel|tam oldu|oldu|happy|satisfied|great|love it|perfect|"
    r"thanks|thank you|yes|good)\b"
    r"|راض|ممتاز|رائع|شكرا|نعم|جميل"
)
_BUTTON_MOODS: dict[str, Mood] = {"SATISFIED": "happy", "UNSATISFIED": "unhappy"}


def satisfaction(
    text: str, understanding: dict[str, Any], reply_id: str | None = None
) -> Mood | None:
    """How an answer to "memnun musunuz?" reads: unhappy wins over happy ("memnun değilim").

    ``reply_id`` is a tapped quick-reply button's payload (``SATISFIED`` / ``UNSATISFIED``)."""
    payload = (reply_id or "").upper()
    if payload in _BUTTON_MOODS:
        return _BUTTON_MOODS[payload]
    folded = fold(text)
    if _UNHAPPY.search(folded) or _UNHAPPY.search(text):
        return "unhappy"
    signals = understanding.get("signals") or []
    if "negative_sentiment" in signals or understanding.get("intent") in (
        "complaint",
        "return_request",
        "exchange_request",
    ):
        return "unhappy"
    if _HAPPY.search(folded) or _HAPPY.search(text):
        return "happy"
    return None


ANSWER_WINDOW = dt.timedelta(days=7)
"""A message this long after the proactive one is no answer to it ("evet" two weeks later)."""


def proactive_flow(
    flow: dict[str, Any] | None, received_at: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The open flow when it is a proactive message waiting for its answer (and not too old)."""
    if not flow or flow.get("name") != FLOW_NAME:
        return None
    try:
        sent_at = dt.datetime.fromisoformat(str(flow.get("sent_at")))
    except ValueError:
        return flow
    if received_at is not None and received_at - sent_at > ANSWER_WINDOW:
        return None
    return flow


async def note_outbound(services: StateAccess, message_id: uuid.UUID) -> str:
    """Put a proactive message into its conversation's graph state, and open its flow."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.direction != "out":
            return "missing"
        send = await session.scalar(
            select(OutboundSend).where(OutboundSend.message_id == message_id)
        )
        newer_inbound = await session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == message.conversation_id,
                Message.direction == "in",
                Message.created_at > message.created_at,
            )
            .limit(1)
        )
    config = {"configurable": {"thread_id": str(message.conversation_id)}}
    update: dict[str, Any] = {
        "messages": [AIMessage(content=message.text, id=str(message.id))],
    }
    flow_name = send.flow if send is not None else None
    if flow_name in CLINIC_FLOWS and newer_inbound is None and send is not None:
        update["flow"] = clinic_flow(send, (message.sent_at or message.created_at))
        update["active_agent"] = "clinic"
    elif flow_name in PROACTIVE_FLOWS and newer_inbound is None:
        context = send.context or {} if send is not None else {}
        update["flow"] = {
            "name": FLOW_NAME,
            "flow": flow_name,
            "asks": flow_name in ASKS_SATISFACTION,
            "order": context.get("order_number"),
            "product": context.get("product") or _first(context.get("product_names")),
            "category": context.get("category"),
            "review_id": context.get("review_id"),
            "cart_id": context.get("cart_id"),
            "send_id": str(send.id) if send is not None else None,
            "sent_at": (message.sent_at or message.created_at).isoformat(),
        }
        update["active_agent"] = "followup"
        if context.get("order_number"):
            snapshot = await services.graph.aget_state(config)
            focus = dict((snapshot.values or {}).get("focus") or {})
            focus["order"] = str(context["order_number"])
            update["focus"] = focus
    await services.graph.aupdate_state(config, update, as_node="deliver")
    return "flow_opened" if "flow" in update else "message_added"


def clinic_flow(send: OutboundSend, sent_at: dt.datetime) -> dict[str, Any]:
    """The ``clinic_proactive`` flow a clinic's reminder, waitlist offer or follow-up opens: the
    clinic agent reads the patient's answer against it (``invekto.agents.clinic.outreach``)."""
    context = send.context or {}
    return {
        "name": CLINIC_FLOW_NAME,
        "flow": CLINIC_FLOWS[str(send.flow)],
        "appointment_id": context.get("appointment_id"),
        "entry_id": context.get("entry_id"),
        "offer_id": context.get("offer_id"),
        "send_id": str(send.id),
        "sent_at": sent_at.isoformat(),
        "answers_small_talk": True,
    }


def _first(value: Any) -> str | None:
    if isinstance(value, list) and value:
        return str(value[0])
    return str(value) if value else None
