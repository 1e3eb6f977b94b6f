"""collect: after an agent served a request, serve the message's next request, or close the
turn: one reply for all of them, and the flow a new request interrupted resumes.

- Several requests in one message (``understand``'s ``parts``) are served in order, each by its
  agent; the replies go out as one. A request that needs a person stops the rest (the person
  reads the whole message). A request that asks a question (which order?) keeps it open: its
  flow is put aside while the rest are served, and comes back at the end without repeating it.
- A flow a new request interrupted (``route`` put it aside) resumes once that request is
  served with no question of its own: the reply ends with the flow's question again.
- A request an agent found to be another one in the order's situation (``situated``) is served
  again, as that one.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.dialogue import resume, suspend
from invekto.agents.registry import REGISTRY
from invekto.agents.state import ConversationState
from invekto.tools.context import TurnContext

REPLY_SEPARATOR = "\n\n"


async def collect(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    situated = state.get("situated")
    understanding = state.get("understanding") or {}
    if situated and situated != understanding.get("intent") and not state.get("handoff_reason"):
        # The agent found the order's situation makes it another request ("iade" before the
        # order shipped: a cancellation): the same request, served as that one.
        return {
            "understanding": {**understanding, "intent": situated},
            "situated": None,
            "next_request": True,
        }
    draft = state.get("draft")
    replies = [*state.get("replies", []), *([draft] if draft else [])]
    served = [*state.get("served", []), state.get("understanding", {})]
    parts = state.get("parts") or []
    flow, active = state.get("flow"), state.get("active_agent")
    suspended = list(state.get("suspended") or [])
    if parts and not state.get("handoff_reason"):
        following, *rest = parts
        update: dict[str, Any] = {
            "replies": replies,
            "served": served,
            "parts": rest,
            "understanding": following["understanding"],
            "part_text": following["text"],
            "draft": None,
            "next_request": True,
        }
        if flow and active in REGISTRY:
            # "Which order?" for the first request; the next one is served, then it is back.
            suspended = suspend(suspended, active, flow, draft or "", ask_again=False)
            update.update(flow=None, active_agent=None, suspended=suspended)
        return update
    update = {
        "understanding": served[0],
        "served": [],
        "parts": [],
        "replies": [],
        "part_text": None,
        "next_request": False,
    }
    if state.get("handoff_reason") or state.get("route") not in REGISTRY:
        return {**update, "draft": _joined(replies) if replies else draft}
    # What a correction ("pardon, S değil M") would ask again.
    update["focus"] = {**(state.get("focus") or {}), "request": served[-1].get("intent", "other")}
    task, rest = resume(suspended, agent_in_flow=bool(flow))
    if task is not None:
        update.update(flow=task["flow"], active_agent=task["agent"], suspended=rest)
        if task["ask_again"] and task["question"]:
            question = runtime.context.ports.prompts.render(
                "resume_flow", state.get("language", "tr"), question=task["question"]
            )
            replies = [*replies, question]
            update["resumed"] = task["question"]
    return {**update, "draft": _joined(replies) if replies else draft}


def _joined(replies: list[str]) -> str:
    return REPLY_SEPARATOR.join(dict.fromkeys(r.strip() for r in replies if r and r.strip()))


def next_after_collect(state: ConversationState) -> str:
    """Back to ``route`` for the message's next request, else on to ``decide``."""
    return "route" if state.get("next_request") else "decide"
