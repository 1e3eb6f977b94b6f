"""Adding an agent is one package and one registry entry: a tiny agent registered here is routed,
decided and delivered through the real stack, with its own proposed action committed with the
reply, without any other module knowing its name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from invekto.agents.registry import REGISTRY, AgentSpec
from invekto.stack import running_stack
from invekto.storage.models import AutoReplyLog, ProposedAction
from invekto.tools.actions import Action, CommitScope, action_type
from tests.conftest import make_settings
from tests.support.chat import say


@action_type
class Applause(Action):
    """A test-only action kind: an agent package may bring its own."""

    kind: str = "test_applause"
    loudness: int

    def summary(self) -> str:
        return f"Applause ×{self.loudness}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        return {"heard": self.loudness}


async def thanks_agent(state, runtime) -> dict[str, Any]:
    name = runtime.context.customer_name.split(" ")[0]
    return {
        "draft": f"Rica ederiz {name}!",
        "actions": [Applause(loudness=3).model_dump(mode="json")],
        "flow": None,
        "active_agent": None,
    }


THANKS = AgentSpec(
    name="gratitude",
    description="Answers thanks (a test agent).",
    node=thanks_agent,
    verticals=frozenset({"ecommerce"}),
    intents=frozenset({"thanks"}),
    automation_area="small_talk",
)


async def test_a_registered_agent_answers_through_the_whole_stack(fresh_db_url, tmp_path):
    with REGISTRY.registered(THANKS):
        settings = make_settings(tmp_path, database_url=fresh_db_url)
        async with running_stack(settings, migrate=False) as stack:
            turn = await say(stack, "çok teşekkür ederim, sağ olun")
            assert (turn["agent"], turn["intent"], turn["outcome"]) == (
                "gratitude",
                "thanks",
                "auto_reply",
            )
            assert turn["reply"] == "Rica ederiz Ayşe!"
            async with stack.services.db.session() as session:
                log = await session.scalar(select(AutoReplyLog))
                action = await session.scalar(select(ProposedAction))
            assert log.agent == "gratitude"
            assert (action.kind, action.status, action.result) == (
                "test_applause",
                "committed",
                {"heard": 3},
            )
    assert "gratitude" not in REGISTRY
