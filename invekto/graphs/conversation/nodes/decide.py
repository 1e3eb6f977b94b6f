"""decide: send automatically, keep as a suggestion for the inbox, or hand over to a human.

The agent's proposed actions follow the decision (``deliver`` applies it): they commit with a
reply that is sent (an automatic reply, or a hand-over whose text is the agent's own and passes
the guard) and stay pending with a suggestion. A hand-over whose own text the guard holds back
becomes a suggestion (still a hand-over) when it carries actions, so a person decides on them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from invekto.agents.registry import NON_AGENT_AREAS, REGISTRY
from invekto.agents.state import ConversationState, Decision
from invekto.graphs.conversation.nodes.handoff import handoff_notice
from invekto.graphs.conversation.routing import thresholds
from invekto.guardrails.output import ReplyContext, check_reply
from invekto.tools.context import TurnContext

log = logging.getLogger(__name__)


def automation_area(route: str, intent: str) -> str:
    """The ``settings.automation`` switch of this turn: the agent's (from the registry), else
    the graph's own routes' (small talk, clarifying questions)."""
    spec = REGISTRY.get(route)
    if spec is not None:
        return spec.area(intent)
    return NON_AGENT_AREAS.get(route, "other")


async def decide(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    tenant = context.tenant
    understanding = state.get("understanding", {})
    route = state.get("route", "")
    agent = state.get("agent", "none")
    reason = state.get("handoff_reason")
    draft = state.get("draft")
    _, suggest_below = thresholds(tenant.settings)
    confident = understanding.get("confidence", 0.0) >= suggest_below or route == "clarify"
    already_waiting = context.conversation_status == "waiting_human"
    automated = tenant.automation_on(automation_area(route, understanding.get("intent", "")))
    actions = bool(state.get("actions"))
    if reason and already_waiting and draft:
        # A person is in charge: the AI's text is only ever a suggestion for them.
        decision = Decision(
            outcome="suggestion", agent=agent, reason="human_in_charge", reply=draft, handoff=True
        )
    elif reason and draft and actions and not automated:
        # A hand-over that would also do something (alert sales...): a person decides first.
        decision = Decision(
            outcome="suggestion", agent=agent, reason="automation_off", reply=draft, handoff=True
        )
    elif reason:
        reply = draft or (None if already_waiting else handoff_notice(state, context))
        decision = Decision(
            outcome="handoff",
            agent=agent,
            reason=reason,
            reply=reply,
            handoff=True,
            commit_actions=automated,
        )
    elif context.conversation_status == "waiting_human":
        decision = Decision(
            outcome="suggestion", agent=agent, reason="human_in_charge", reply=draft
        )
    elif not automated:
        decision = Decision(outcome="suggestion", agent=agent, reason="automation_off", reply=draft)
    elif not confident and not state.get("flow_answer"):
        decision = Decision(outcome="suggestion", agent=agent, reason="low_confidence", reply=draft)
    elif state.get("review"):
        # The agent's actions are over what the tenant lets go out unreviewed (a payment link
        # over its limit): a person accepts the reply, and the actions with it.
        decision = Decision(
            outcome="suggestion", agent=agent, reason=str(state["review"]), reply=draft
        )
    else:
        decision = Decision(
            outcome="auto_reply", agent=agent, reason=None, reply=draft, commit_actions=True
        )
    return {"decision": await guarded(decision, state, context)}


async def guarded(decision: Decision, state: ConversationState, context: TurnContext) -> Decision:
    """Every reply that is about to be sent passes the output guard. A safe fix (a leaked value
    masked) is sent fixed; any other failure keeps an automatic reply as a suggestion for the
    inbox (reason ``guard:<validator>``), and turns a hand-over's text into the plain notice."""
    reply = decision["reply"]
    if decision["outcome"] not in ("auto_reply", "handoff") or not reply:
        return decision
    tenant = context.tenant
    reply_context = ReplyContext(
        language=state.get("language", "tr"),
        customer_texts=customer_texts(state),
        tool_results=grounds(state),
        settings=tenant.settings,
        known=[
            context.customer_phone,
            context.customer_name,
            *context.customer_name.split(),
            tenant.name,
            *state.get("published", []),
        ],
    )
    result = await asyncio.to_thread(check_reply, reply, reply_context)
    if not (result.failures or result.fixed):
        return decision
    found = {"failures": result.failures, "fixed": result.fixed}
    if not result.blocked:
        return {**decision, "reply": result.text, "guard": found}
    log.info("guard kept a %s reply back: %s", decision["agent"], result.failures)
    if decision["outcome"] == "handoff" and not state.get("actions"):
        notice = handoff_notice(state, context)
        return {**decision, "reply": notice, "guard": found}
    return Decision(
        outcome="suggestion",
        agent=decision["agent"],
        reason=result.reason,
        reply=result.text,
        guard=found,
        handoff=bool(decision.get("handoff")),
        commit_actions=False,
    )


def grounds(state: ConversationState) -> list[str]:
    """What a reply's facts may come from: this turn's tool results, and what earlier turns'
    tools established (the flow in progress, the replies already sent)."""
    return [
        *(str(tool.get("result", "")) for tool in state.get("tools", [])),
        *state.get("computed", []),
        json.dumps(state.get("flow") or {}, ensure_ascii=False, default=str),
        *(
            str(message.content)
            for message in state.get("messages", [])
            if isinstance(message, AIMessage)
        ),
    ]


def customer_texts(state: ConversationState) -> list[str]:
    """What the customer wrote in this conversation, this turn included."""
    texts = [
        str(message.content)
        for message in state.get("messages", [])
        if isinstance(message, HumanMessage)
    ]
    return [*texts, state["turn"]["text"]]
