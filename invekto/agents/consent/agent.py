"""The consent agent: one keyword message, one recorded choice, one confirmation."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime
from pydantic import BaseModel

from invekto.agents.base import AgentTurn
from invekto.agents.state import ConversationState
from invekto.outbound.consent import consent_keyword, record_consent
from invekto.storage.models import Customer
from invekto.tools.actions import Action, CommitScope, action_type
from invekto.tools.context import TurnContext

NAME = "consent"


@action_type
class MarketingConsent(Action):
    """Stop or resume marketing messages for this customer (source: their own keyword)."""

    kind: str = "marketing_consent"
    action: Literal["stop", "resume"]
    keyword: str = ""

    def summary(self) -> str:
        verb = "stopped" if self.action == "stop" else "resumed"
        return f"Marketing messages {verb} (customer wrote {self.keyword!r})"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        customer = await scope.session.get(Customer, scope.customer_id)
        if customer is None:
            return {"changed": False}
        changed = await record_consent(
            scope.session, customer, action=self.action, source="keyword", detail=self.keyword
        )
        await scope.session.flush()
        return {"changed": changed}


class ConsentResult(BaseModel):
    action: Literal["stop", "resume"]
    proposal: MarketingConsent


@tool
async def set_marketing_consent(
    action: Literal["stop", "resume"], runtime: ToolRuntime
) -> ConsentResult:
    """Stop or resume marketing messages to this customer (utility and support messages go on)."""
    text = str((runtime.state or {}).get("turn", {}).get("text", ""))[:40]
    return ConsentResult(action=action, proposal=MarketingConsent(action=action, keyword=text))


async def consent_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    action = consent_keyword(turn.text_in) or "stop"
    await turn.call(set_marketing_consent, action=action)
    turn.sure = True
    key = "consent_stopped" if action == "stop" else "consent_resumed"
    return turn.done(turn.text(key))
