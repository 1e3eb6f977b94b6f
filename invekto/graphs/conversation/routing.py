"""route: which node handles this turn. Policy only, tested without a database or a model.

The agents and what they take come from the registry (``invekto.agents.registry``); the
vertical's profile says whether one agent takes every message (a clinic's). In order:

1. "insanla konuşmak istiyorum" → a human at once.
2. A vertical whose profile names an agent for everything (a clinic) → that agent (small talk is
   still answered by the graph, unless the agent's open flow takes it: a yes or no to its
   question, or a flow marked ``answers_small_talk``).
3. A flow in progress ("hangi sipariş?", "iade nedeni?", "değişim ister misiniz?") keeps its
   agent when the message answers it (an ordinal, an order number, a reason, a plain yes or
   no...), unless the customer clearly starts something else.
4. A signal an agent declares (bulk / B2B → the B2B agent), whatever the intent.
5. Unsure (below the tenant's ``nlu.clarify_below``, or ``other``) → one clarifying question;
   unsure again right after it → a human.
6. Otherwise the agent that declares the intent (see ``docs/agents.md``); complaints and intents
   no agent takes go to a human.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.dialogue import (
    aged,
    correction,
    drops_the_flow,
    follows_up_on_product,
    names_a_variant_only,
    note_understanding,
    suspend,
)
from invekto.agents.registry import NON_AGENT_ROUTES, REGISTRY, Registry
from invekto.agents.registry import vertical as vertical_profile
from invekto.agents.state import ConversationState, last_reply
from invekto.core.tenant_settings import (
    DEFAULT_CLARIFY_BELOW,
    DEFAULT_SUGGEST_BELOW,
    TenantSettings,
)
from invekto.core.text import words
from invekto.graphs.conversation.proactive import FLOW_NAME as PROACTIVE_FLOW
from invekto.graphs.conversation.proactive import proactive_flow, satisfaction
from invekto.integrations.catalog import names_a_product as catalog_names
from invekto.integrations.glossary import glossary_product, glossary_words
from invekto.nlu.answers import yes_or_no
from invekto.nlu.rules import asks_for_a_person
from invekto.outbound.consent import consent_keyword
from invekto.tools.context import TurnContext

Route = str
"""An agent's name (``REGISTRY``) or one of ``NON_AGENT_ROUTES``."""

SMALL_TALK = {"greeting", "thanks", "goodbye"}
CARRIES_DATA = ("emails", "company")
"""Entities that make a message data for the conversation rather than a call for a person."""
PRODUCT_FOLLOW_UPS = {"stock_question", "price_question", "product_question"}
"""Read as the follow-up's intent when the model read one of these: "fiyatı ne kadar bunun" is a
price question even when the model says stock."""
TO_A_HUMAN = {"human_request", "complaint"}
SHORT_ANSWER_WORDS = 6
"""An order number, a size, a colour or an ordinal answers the flow's question in a message this
short even when the model reads another agent's request in it ("L olsun", "ilki"); in a longer
one ("Actually first, please cancel my wallet order"), or one that names a product ("siyah
cüzdan kaç lira?" during a jacket's exchange), the request wins."""
FLOW_ANSWERS = ("order_numbers", "tracking_numbers", "sizes", "colors")
"""Entities that make a message an answer to the question a flow asked ("L olsun", "siyah",
"10654400004"), even when the model reads another agent's intent in it. A product named is no
such answer: "bir de mont siparişimi iptal edin" in the middle of an exchange is a new request
(a flow that takes free text, a B2B lead's, declares ``holds_flow``)."""


def thresholds(settings: TenantSettings | dict[str, Any]) -> tuple[float, float]:
    """The tenant's (clarify_below, suggest_below): below the first the customer is asked what
    they mean; below the second the reply is kept as a suggestion for the inbox."""
    nlu = TenantSettings.parse(settings).nlu
    return nlu.clarify_below, nlu.suggest_below


SALES_REQUESTS = frozenset({"wants_recommendation", "wants_payment_link"})
"""Signals of a request the model may read as one for a person ("ne önerirsiniz?")."""


def names_a_choice(text: str, choices: list[str]) -> bool:
    """Whether ``text`` names exactly one of ``choices`` (titles on offer) by a word of it, in
    Turkish or through the glossary ("I'll take the gift box" → Hediye Kutusu)."""
    if not choices:
        return False
    said = {w for w in [*words(text), *glossary_words(text)] if len(w) > 3}
    named = [c for c in choices if said & {w for w in words(c) if len(w) > 3}]
    return len(named) == 1


def routes(registry: Registry = REGISTRY) -> list[Route]:
    """Every node ``route`` may send a turn to."""
    return [*registry.names(), *NON_AGENT_ROUTES]


def intent_route(
    intent: str, vertical_name: str = "ecommerce", registry: Registry = REGISTRY
) -> Route:
    spec = registry.for_intent(intent, vertical_name)
    if spec is not None:
        return spec.name
    if intent in SMALL_TALK:
        return "small_talk"
    return "handoff"


def choose_route(
    *,
    understanding: dict[str, Any],
    vertical: str,
    flow: dict | None,
    active_agent: str | None,
    clarified: bool = False,
    clarify_below: float = DEFAULT_CLARIFY_BELOW,
    suggest_below: float = DEFAULT_SUGGEST_BELOW,
    short_answer: bool | None = None,
    follows_up: bool = False,
    words: int = 1,
    names_a_product: bool = False,
    tapped: bool = False,
    chose: bool = False,
    registry: Registry = REGISTRY,
) -> Route:
    """``short_answer``: the message is a plain yes or no (``nlu.answers.yes_or_no``).
    ``tapped``: the message is a tapped reply button (of the open flow's question).
    ``chose``: the message names one of the choices the open flow offered ("the gift box").
    ``follows_up``: a short follow-up about the product in focus ("M olsa?"), whose intent the
    dialogue state gave (``agents.dialogue.follows_up_on_product``): not unsure."""
    intent = understanding.get("intent", "other")
    confidence = float(understanding.get("confidence", 0.0))
    signals = understanding.get("signals", [])
    entities = understanding.get("entities", {})
    unsure = (intent == "other" or confidence < clarify_below) and not follows_up
    if intent == "human_request":
        return "handoff"
    profile = vertical_profile(vertical)
    vertical_name = profile.name
    if profile.takes_all and profile.takes_all in registry:
        own_flow = bool(flow) and active_agent == profile.takes_all
        takes_small_talk = bool((flow or {}).get("answers_small_talk"))
        keeps = own_flow and (
            takes_small_talk
            or short_answer is not None
            or tapped
            or entities.get("ordinal") is not None
            or _unsure_in_flow(intent, confidence, suggest_below)
        )
        # "tamam" or "ikincisi olsun" to "hangisi uygun?", a tapped slot, "teşekkürler, iyiyim"
        # to "nasıl hissediyorsunuz?": the agent's flow answers it, not the greeting text.
        small = intent in SMALL_TALK and not unsure and not keeps
        return "small_talk" if small else profile.takes_all
    active = registry.get(active_agent)
    selling = registry.for_signals(set(signals) & SALES_REQUESTS, vertical_name)
    if selling is not None and flow and active is not None and active.name != selling.name:
        # "bu arada bana ne önerirsiniz?" while support waits for an order number: asked in
        # so many words, served now (the open question is asked again later).
        return selling.name
    if (
        flow
        and active is not None
        and vertical_name in active.verticals
        and (
            short_answer is not None
            or _continues(
                active.name,
                intent,
                _unsure_in_flow(intent, confidence, suggest_below),
                entities,
                holds_flow=active.holds_flow,
                vertical_name=vertical_name,
                registry=registry,
                short=words <= SHORT_ANSWER_WORDS and not names_a_product,
                answers=flow.get("answers"),
            )
            or (flow.get("expects") == "product" and names_a_product)
            or chose
        )
    ):
        return active.name
    by_signal = registry.for_signals({*signals, intent}, vertical_name)
    if by_signal is not None:
        return by_signal.name
    if unsure:
        return "handoff" if clarified else "clarify"
    return intent_route(intent, vertical_name, registry)


LEAVE_FLOW_FOR_SMALL_TALK = 0.8
"""A flow's question ("firma adınız?") is left for small talk only when it clearly is small talk:
a company name or a product word can look like a greeting or a thank-you to the model."""


def _unsure_in_flow(intent: str, confidence: float, suggest_below: float) -> bool:
    if intent == "other":
        return True
    if intent in SMALL_TALK:
        return confidence < max(suggest_below, LEAVE_FLOW_FOR_SMALL_TALK)
    return confidence < suggest_below


def _continues(
    agent: str,
    intent: str,
    unsure: bool,
    entities: dict[str, Any],
    *,
    holds_flow: bool,
    vertical_name: str,
    registry: Registry,
    short: bool = True,
    answers: list[str] | None = None,
) -> bool:
    """Whether this turn answers the open flow rather than starting something new. ``answers``:
    the entities that answer this flow's question (default :data:`FLOW_ANSWERS`); a flow that
    ``expects`` a product is also answered by a message naming one ("hediye kutusu için")."""
    taken_by = intent_route(intent, vertical_name, registry)
    if unsure or taken_by == agent:
        return True
    if holds_flow:
        return intent not in SMALL_TALK | TO_A_HUMAN
    if entities.get("return_reason"):
        return True
    if short and (
        any(entities.get(key) for key in (FLOW_ANSWERS if answers is None else answers))
        or entities.get("ordinal") is not None
    ):
        return True
    return intent not in SMALL_TALK | TO_A_HUMAN and taken_by not in registry


async def route(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    tenant = runtime.context.tenant
    clarify_below, suggest_below = thresholds(tenant.settings)
    understanding = dict(state["understanding"])  # a follow-up may add a bare size to it
    text = state.get("part_text") or state["turn"]["text"]
    focus, slots = note_understanding(
        state.get("focus") or {}, state.get("slots") or {}, understanding
    )
    clinic_question = (state.get("flow") or {}).get("name") == "clinic_proactive"
    if consent_keyword(text) and not state.get("part_text") and not clinic_question:
        # "STOP", "İPTAL", "BAŞLAT" as a whole message: the customer's marketing choice (but
        # "İptal" to a clinic's appointment reminder cancels the appointment).
        return _settled("consent", state, focus, slots)
    answered = proactive_flow(state.get("flow"), runtime.context.received_at)
    if answered is not None:
        mood = (
            satisfaction(text, understanding, state["turn"].get("reply_id"))
            if answered.get("asks")
            else None
        )
        if mood == "happy":
            return _settled("followup", state, focus, slots)
        if mood == "unhappy":
            if answered.get("flow") != "review_recovery" and answered.get("order"):
                # "memnun değilim" to "memnun musunuz?": the returns flow, for that order.
                if understanding.get("intent") != "exchange_request":
                    understanding = {**understanding, "intent": "return_request"}
                update = _settled("returns", state, focus, slots)
                return {**update, "understanding": understanding}
            return {
                **_settled("handoff", state, focus, slots),
                "handoff_reason": f"unhappy_after_{answered.get('flow')}",
            }
    if (state.get("flow") or {}).get("name") == PROACTIVE_FLOW:
        # Not an answer to it (or too late to be one): routed as any other message, the
        # proactive flow closed.
        state = {**state, "flow": None, "active_agent": None}
    if understanding.get("intent") == "human_request" and not asks_for_a_person(text):
        entities = understanding.get("entities") or {}
        wants = set(understanding.get("signals") or []) & SALES_REQUESTS
        if state.get("flow") or wants or any(entities.get(key) for key in CARRIES_DATA):
            # "bana ne önerirsiniz?", "ödeme linki atın": a request the revenue agent serves.
            # "Marmara Otel İşletmeleri A.Ş." to "firma adınız?", "mail olarak atın: a@b.co":
            # data for the conversation, not a request for a person (no such words in it).
            understanding = {**understanding, "intent": "other", "confidence": 0.0}
    follow_up = follows_up_on_product(understanding, text, focus)
    unsure = understanding.get("intent") == "other" or understanding.get("confidence", 0) < (
        clarify_below
    )
    corrected = correction(understanding, text, focus) if not state.get("flow") else None
    if corrected:
        # "pardon, 10654400005 olacak": the last request again, with the value corrected.
        follow_up = corrected
        understanding = {**understanding, "intent": corrected}
    elif follow_up and (
        unsure
        or understanding.get("intent") in PRODUCT_FOLLOW_UPS
        or (
            not state.get("flow")
            and (
                understanding.get("intent") not in TO_A_HUMAN
                # "bana 43 numara lazım" is no request for a person unless it says so
                or (understanding.get("intent") == "human_request" and not asks_for_a_person(text))
            )
            and (follow_up == "product_question" or names_a_variant_only(understanding, text))
        )
    ):
        # An attribute of the product in focus ("garantisi ne kadar süreli") is asked whatever
        # the model read in it (a delivery time); an open flow's question comes first.
        understanding = {**understanding, "intent": follow_up}
    else:
        follow_up = None
    chosen = choose_route(
        understanding=understanding,
        vertical=tenant.vertical,
        flow=state.get("flow"),
        active_agent=state.get("active_agent"),
        clarified=bool(state.get("clarified")),
        clarify_below=clarify_below,
        suggest_below=suggest_below,
        short_answer=yes_or_no(text),
        tapped=bool(state["turn"].get("reply_id")),
        follows_up=follow_up is not None,
        words=len(text.split()),
        names_a_product=bool((understanding.get("entities") or {}).get("products"))
        or glossary_product(text)
        or (((state.get("flow") or {}).get("expects") == "product") and catalog_names(text)),
        chose=names_a_choice(text, (state.get("flow") or {}).get("choices") or []),
    )
    update: dict[str, Any] = {
        "route": chosen,
        "agent": chosen if chosen in REGISTRY else "none",
        "focus": focus,
        "slots": slots,
        "flow_answer": False,
    }
    if follow_up:
        # "M olsa?" after a stock answer is a question about that product: the dialogue state,
        # not the intent model's confidence, makes it one.
        update["understanding"] = understanding
        update["flow_answer"] = True
    flow, active = state.get("flow"), state.get("active_agent")
    suspended = list(state.get("suspended") or [])
    if not state.get("replies"):
        suspended = aged(suspended)  # once per message, not per request in it
    if flow and chosen == active:
        # The agent's own question is being answered: its flow logic, not the intent model's
        # confidence, decides the reply.
        update["flow_answer"] = True
    if chosen != active:
        update["flow"] = None
        update["active_agent"] = None
        if flow and active in REGISTRY and chosen in REGISTRY and not drops_the_flow(text):
            # A new request in the middle of a flow: served first, then the flow resumes.
            suspended = suspend(suspended, active, flow, last_reply(state))
        elif chosen in ("small_talk", "handoff"):
            suspended = []  # "teşekkürler", a person: nothing is left to resume
    update["suspended"] = suspended
    if chosen != "clarify":
        update["clarified"] = False
    if chosen == "handoff" and state.get("clarified"):
        update["handoff_reason"] = "unclear_after_clarifying"
    return update


def _settled(
    chosen: str, state: ConversationState, focus: Any, slots: dict[str, Any]
) -> dict[str, Any]:
    """A route this turn's reading settles on its own (a keyword, an answer to a proactive
    message): the open flow closes and the reply does not wait on the intent model."""
    return {
        "route": chosen,
        "agent": chosen if chosen in REGISTRY else "none",
        "focus": focus,
        "slots": slots,
        "flow_answer": True,
        "flow": None,
        "active_agent": None,
        "suspended": [],
        "clarified": False,
    }


def next_node(state: ConversationState) -> Route:
    return state["route"]  # type: ignore[return-value]
