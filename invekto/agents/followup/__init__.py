"""Follow-up: the answers to what Invekto wrote first. "Memnunum" to the post-purchase check gets
a suggestion from the same category; "memnun değilim" goes to the returns flow (routing sends
it there with the order in focus); an answer to a review apology is thanked and passed on."""

from invekto.agents.followup.agent import followup_agent, suggest_related
from invekto.agents.spec import AgentSpec

AGENT = AgentSpec(
    name="followup",
    description="Answers to proactive messages (post-purchase check, exchange follow-up, review "
    "apology): a cross-sell from the same category for a happy customer, thanks for a review "
    "answer; unhappy answers are routed to returns or a person.",
    node=followup_agent,
    verticals=frozenset({"ecommerce", "clinic"}),
    automation_area="followups",
    tools=(suggest_related,),
    templates=("followup_glad", "followup_glad_suggest", "followup_review_thanks"),
)

__all__ = ["AGENT", "followup_agent", "suggest_related"]
