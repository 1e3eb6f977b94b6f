"""deliver: one transaction for the turn's outcome: the reply (queued to send, or suggested), the
proposed actions (committed with a sent reply, pending with a suggestion), the metrics row, the
send job and the inbox events (announced by PostgreSQL when the transaction commits).

Idempotent: a re-run for an inbound message that is already processed, or whose decision is
already logged, changes nothing; the unique ``reply_to_id`` (and ``auto_reply_log``'s unique
inbound id) guarantee one reply per inbound message in the database itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from sqlalchemy import select

from invekto.agents.state import ConversationState
from invekto.config import Settings
from invekto.graphs.conversation.escalation import build_escalation
from invekto.jobs import enqueue_send
from invekto.storage import events
from invekto.storage.db import Database
from invekto.storage.models import AutoReplyLog, Conversation, Message, utcnow
from invekto.tools.actions import CommitScope, commit_rows, discard_rows, store_actions
from invekto.tools.context import TurnContext

log = logging.getLogger(__name__)


class Deliver:
    """The ``deliver`` node, bound to the database and the app settings (which the agents and
    their tools never see)."""

    def __init__(self, db: Database, app_settings: Settings) -> None:
        self.db = db
        self.app_settings = app_settings

    async def __call__(
        self, state: ConversationState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any]:
        return await deliver(state, runtime.context, self.db, self.app_settings)


async def deliver(
    state: ConversationState, context: TurnContext, db: Database, app_settings: Settings
) -> dict[str, Any]:
    decision = state["decision"]
    understanding = state.get("understanding", {})
    tenant_id = context.tenant.id
    escalation = None
    if decision.get("handoff"):
        # The note for the person who takes over (PII masked: Presidio is CPU work).
        escalation = await asyncio.to_thread(
            build_escalation,
            understanding=understanding,
            agent=decision["agent"],
            tools=[dict(t) for t in state.get("tools", [])],
            reason=state.get("handoff_reason") or decision["reason"],
            decision_reason=decision["reason"],
            language=state.get("language", "tr"),
            inbound_message_id=context.inbound_message_id,
        )
    state_update: dict[str, Any] = {}
    async with db.tenant_session(tenant_id) as session:
        inbound = await session.scalar(
            select(Message).where(Message.id == context.inbound_message_id).with_for_update()
        )
        if inbound is None or inbound.status == "processed":
            return {}
        if await session.scalar(
            select(AutoReplyLog.id).where(AutoReplyLog.inbound_message_id == inbound.id)
        ):
            # Delivered before, by a run whose end was lost (the worker died after the
            # commit): the first delivery stands.
            inbound.status = "processed"
            await session.commit()
            return {}
        conversation = await session.get(Conversation, context.conversation_id)
        assert conversation is not None
        reply_message = None
        sending = decision["outcome"] in ("auto_reply", "handoff")
        if decision["reply"]:
            payload: dict[str, Any] = {
                "decision": dict(decision),
                "language": state.get("language"),
                # The prompt version the reply was written with, and what it rendered (a
                # draft's preview renders the same keys with the same values).
                "prompts": context.ports.prompts.record(),
            }
            interactive = state.get("interactive")
            if interactive and decision["reply"] == state.get("draft"):
                payload["interactive"] = interactive  # the agent's own reply, with its buttons
            reply_message = Message(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                direction="out",
                kind="text",
                text=decision["reply"],
                author="ai",
                status="queued" if sending else "suggested",
                reply_to_id=inbound.id,
                payload=payload,
            )
            session.add(reply_message)
            await session.flush()
            if sending:
                await enqueue_send(
                    session, message_id=reply_message.id, conversation_id=conversation.id
                )
        proposed = store_actions(
            session,
            state.get("actions") or [],
            tenant_id=tenant_id,
            conversation_id=conversation.id,
            inbound_message_id=inbound.id,
            message_id=reply_message.id if reply_message else None,
        )
        if proposed:
            await session.flush()
            if decision.get("commit_actions"):
                scope = CommitScope(
                    session=session,
                    tenant_id=tenant_id,
                    conversation_id=conversation.id,
                    customer_id=context.customer_id,
                    tenant_settings=context.tenant.settings,
                    app_settings=app_settings,
                    prompts=context.tenant.prompts,
                )
                await commit_rows(proposed, scope)
                instead = replaced_reply(proposed)
                if instead is not None and reply_message is not None and sending:
                    # The booking found its slot taken a moment ago: the patient gets the next
                    # slots instead of a confirmation that did not happen.
                    reply_message.text = instead["reply"]
                    reply_message.payload = {
                        **(reply_message.payload or {}),
                        "interactive": instead.get("interactive"),
                        "replaced_by_action": True,
                    }
                    flow = instead.get("flow")
                    state_update = {
                        "flow": flow,
                        "active_agent": decision["agent"] if flow else None,
                    }
            elif reply_message is None or sending:
                # Nothing for a person to accept them with: they do not happen.
                log.info("dropping %d proposed actions without a suggestion", len(proposed))
                discard_rows(proposed)
        announced: list[tuple[Any, events.EventKind, dict[str, Any]]] = []
        if decision.get("handoff") and conversation.status != "waiting_human":
            conversation.status = "waiting_human"
            conversation.handoff_reason = decision["reason"]
            conversation.escalation = escalation
            announced.append((conversation.id, events.HANDOFF, {"reason": decision["reason"]}))
        conversation.language = state.get("language")
        conversation.last_message_at = utcnow()
        session.add(
            AutoReplyLog(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                inbound_message_id=inbound.id,
                reply_message_id=reply_message.id if reply_message else None,
                language=state.get("language", "tr"),
                intent=understanding.get("intent", "other"),
                confidence=float(understanding.get("confidence", 0.0)),
                understood_by=understanding.get("source"),
                agent=decision["agent"],
                outcome=decision["outcome"],
                reason=decision["reason"],
                tools=[dict(t) for t in state.get("tools", [])],
                inbound_at=inbound.created_at,
                processing_ms=(time.perf_counter() - context.started_at) * 1000,
                prompt_version=context.ports.prompts.version,
            )
        )
        inbound.status = "processed"
        if reply_message is not None:
            announced.append(
                (
                    conversation.id,
                    events.MESSAGE_STORED if sending else events.SUGGESTION_CREATED,
                    {
                        "message_id": reply_message.id,
                        "outcome": decision["outcome"],
                        "actions": len(proposed),
                    },
                )
            )
        announced.append(
            (
                conversation.id,
                events.CONVERSATION_UPDATED,
                {"status": conversation.status, "inbound_message_id": inbound.id},
            )
        )
        await events.publish_all(session, tenant_id=tenant_id, events=announced)
        await session.commit()
    if reply_message is not None and reply_message.status == "queued":
        message = AIMessage(content=reply_message.text, id=str(reply_message.id))
        return {**state_update, "messages": [message]}
    return state_update


def replaced_reply(rows: list[Any]) -> dict[str, Any] | None:
    """A committed action that changes what the customer is told (``reply`` in its result)."""
    for row in rows:
        result = row.result or {}
        if row.status == "committed" and result.get("reply"):
            return result
    return None
