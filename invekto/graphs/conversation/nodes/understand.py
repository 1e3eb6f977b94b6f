"""understand: language, intent, entities and confidence of the inbound text, and the requests
it makes when it makes several ("3 tane alsam ne kadar tutar, kargo ücretli mi?").

The intents a customer of this tenant can mean come from the registry: those of the agents of
its vertical (plus the conversational ones), never another vertical's.

Several requests: the message is cut into pieces (``nlu.segments``) and each piece understood.
The pieces that are confident requests for an agent, answered differently (a stock and a price
question are one answer), become the turn's ``parts``: the graph serves them in order and sends
one reply. Pieces that are no request of their own ("merhaba", "M ve L karışık") stay with the
request next to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.registry import REGISTRY
from invekto.agents.state import ConversationState
from invekto.graphs.conversation.routing import thresholds
from invekto.integrations.catalog import names_a_product
from invekto.integrations.glossary import glossary_product
from invekto.nlu.negation import denies, without_denied
from invekto.nlu.rules import (
    asks_availability,
    asks_cost,
    asks_price,
    asks_total,
    product_intent,
)
from invekto.nlu.segments import asks, segments
from invekto.nlu.types import Understander, Understanding
from invekto.tools.context import TurnContext

WORDS_SETTLE = 0.75
"""The confidence of a product question its words settle (a product named, its price or stock
asked)."""
HESITANT = 0.5
"""Below this, a complaint or ``other`` that names a product and asks its price is a price
question."""
PART_CONFIDENCE = 0.7
"""A piece is a request of its own only when the model is this sure of it: a wrong split answers
a question nobody asked."""
ONE_ANSWER = (
    frozenset({"stock_question", "product_question", "price_question"}),
    frozenset({"order_status", "delivery_time"}),
)
"""Intents one reply answers together (a stock answer gives the price too)."""


_NAMES_AN_ORDER = re.compile(r"\d{8,}")
"""A message naming an order number speaks of that order, not of the one in focus."""
PRODUCTS = "price_question"
"""The family name of the product questions (``family``)."""


def family(intent: str) -> str:
    return next((min(group) for group in ONE_ANSWER if intent in group), intent)


class Understand:
    """The ``understand`` node, bound to the process's understander (asked for each turn)."""

    def __init__(self, understander: Callable[[], Understander]) -> None:
        self.understander = understander

    async def __call__(
        self, state: ConversationState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any]:
        context = runtime.context
        settings = {
            **context.tenant.settings.to_json(),
            "vertical": context.tenant.vertical,
            "timezone": context.tenant.timezone,
            "intents": sorted(REGISTRY.possible_intents(context.tenant.vertical)),
        }
        instructions = context.tenant.prompts.own("nlu_instructions", "en")
        if instructions:
            # The tenant's own LLM instructions (its active prompt version).
            settings["llm_instructions"] = instructions
        text = state["turn"]["text"]
        order_state = (state.get("focus") or {}).get("order_state")
        if order_state and not _NAMES_AN_ORDER.search(text):
            # The order in focus was delivered: "iptal etmek istiyorum" is a return now.
            settings["order_state"] = order_state
        understander = self.understander()

        async def understand(piece: str, previous: str | None) -> Understanding:
            understood = await understander.understand(
                piece,
                tenant_slug=context.tenant.slug,
                previous_language=previous,
                settings=settings,
            )
            # Among the product questions, the words decide (a price asked, availability asked),
            # the words still asked: "fiyat sormuyorum, ..." asks no price.
            entities = understood.entities
            asked = without_denied(piece) or piece
            product = bool(entities.products) or names_a_product(piece)
            if (
                understood.intent in ("complaint", "other")
                and understood.confidence < HESITANT
                and product
                and (asks_price(asked) or asks_availability(asked))
            ):
                # "şu keten gömlek kaça bi yazsanıza": a product and its price, said roughly.
                understood.intent = "price_question"
            understood.intent = product_intent(
                understood.intent,
                asked,
                names_a_product=product,
                names_a_variant=bool(entities.colors or entities.sizes),
            )
            if (
                understood.intent in ("price_question", "stock_question")
                and product
                and (asks_price(asked) or asks_availability(asked))
            ):
                # A product named and its price or stock asked in so many words: sure of it,
                # whatever the model's margin ("3 tane basic tişört alırsam toplam ne tutar").
                understood.confidence = max(understood.confidence, WORDS_SETTLE)
            if understood.intent == "shipping_policy" and asks_total(asked):
                # "how much all in w/ shipping": the total, not the shipping rules.
                understood.intent = "price_question"
            if understood.intent == "treatment_info" and asks_cost(asked):
                # "zar3et el senna be kam", "implantın ücreti": the clinic's price list.
                understood.intent = "treatment_price"
            return understood

        whole = await understand(text, state.get("language"))
        flow = state.get("flow") or {}
        language = whole.language
        if flow.get("free_text") and state.get("language"):
            # An address or a company name answers the flow's question: it says nothing of the
            # language the customer speaks.
            language = state["language"]
        update: dict[str, Any] = {
            "understanding": whole.model_dump(mode="json"),
            "language": language,
        }
        pieces = segments(text)
        if (
            len(pieces) < 2
            or context.tenant.vertical == "clinic"
            or REGISTRY.for_signals({*whole.signals, whole.intent}, context.tenant.vertical)
        ):
            # One piece; a clinic's agent takes all; a bulk order ("50 t-shirts, can you invoice
            # us?") is one request for the B2B agent, its questions included.
            return update
        _, suggest_below = thresholds(context.tenant.settings)
        read = [(piece, await understand(piece, whole.language)) for piece in pieces]
        in_focus = bool((state.get("focus") or {}).get("product"))
        groups = _requests(read, context.tenant.vertical, suggest_below, in_focus)
        if len(groups) < 2:
            return update
        readings = dict(read)
        parts = []
        for texts in groups:
            joined = " ".join(texts)
            # A request of one piece was read already; a group of pieces is read as a whole.
            understood = (
                readings[joined] if len(texts) == 1 else await understand(joined, whole.language)
            )
            if REGISTRY.for_intent(understood.intent, context.tenant.vertical) is None:
                # "package just arrived, jeans are too tight, can I swap ...": a story read as a
                # complaint is no request of its own; the whole message is one.
                return update
            parts.append({"text": joined, "understanding": understood.model_dump(mode="json")})
        first, *rest = parts
        return {
            **update,
            "understanding": first["understanding"],
            "part_text": first["text"],
            "parts": rest,
        }


def _requests(
    read: list[tuple[str, Understanding]],
    vertical: str,
    suggest_below: float,
    product_in_focus: bool = False,
) -> list[list[str]]:
    """The pieces grouped into requests: a confident request for an agent, answered apart from
    the one before it, starts a group; anything else joins the group before (or the first).
    A product question of its own names a product (or follows up on the one in focus): "What's
    the minimum basket?" after a shipping question is about shipping."""
    groups: list[list[str]] = []
    families: list[str] = []
    pending: list[str] = []
    for piece, understood in read:
        request = (
            asks(piece)
            and not denies(piece)  # "I don't want to cancel anything": no request
            and understood.confidence >= max(suggest_below, PART_CONFIDENCE)
            and REGISTRY.for_intent(understood.intent, vertical) is not None
            and (
                family(understood.intent) != PRODUCTS
                or bool(understood.entities.products)
                or glossary_product(piece)
                or product_in_focus
            )
        )
        if request and (not families or family(understood.intent) != families[-1]):
            groups.append([*pending, piece])
            families.append(family(understood.intent))
            pending = []
        elif groups:
            groups[-1].append(piece)
        else:
            pending.append(piece)
    if pending and groups:
        groups[-1].extend(pending)
    if len(set(families)) < len(families):
        return []  # the same request twice ("kargom nerede? kargom ne zaman gelir?"): one answer
    return groups
