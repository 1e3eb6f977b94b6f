"""The conversation state LangGraph checkpoints per thread (= conversation)."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired, TypedDict

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph.message import add_messages

from invekto.agents.dialogue import Focus, Suspended


class TurnInput(TypedDict):
    """The inbound message this run answers."""

    message_id: str
    text: str
    kind: str
    reply_id: str | None
    kind_reason: NotRequired[str | None]
    """Set by the runner for a message kind that goes to a person (``graphs.conversation.kinds``):
    the hand-over reason, e.g. ``message_kind:location``."""
    kind_note: NotRequired[str | None]
    """What came, for the escalation note ("Müşteri konum paylaştı: ...")."""


class ToolCallRecord(TypedDict):
    name: str
    args: dict[str, Any]
    result: str


class Decision(TypedDict):
    outcome: str  # auto_reply | suggestion | handoff
    agent: str  # an agent of the registry, or none
    reason: str | None
    reply: str | None
    handoff: NotRequired[bool]
    """A person takes the chat after this turn (outcome ``handoff``, or a hand-over's text kept
    as a suggestion)."""
    commit_actions: NotRequired[bool]
    """The turn's proposed actions commit with this decision. Otherwise they stay pending with
    a suggestion (or are dropped when there is no suggestion to decide on)."""
    guard: NotRequired[dict[str, Any]]
    """What the output guard found: ``{"failures": [[validator, why]], "fixed": [...]}``."""


class ConversationState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    """Customer and assistant turns; ids are our message ids, so a re-run replaces, never adds."""
    turn: TurnInput
    """The inbound message of the current run."""
    language: str
    """The customer's language, sticky across turns when a message has no clear language."""
    understanding: dict[str, Any]
    """``nlu.Understanding`` of this turn, as a dict."""
    flow: dict[str, Any] | None
    """A flow in progress that owns the next turn, e.g. ``{"name": "order_choice", ...}``."""
    active_agent: str | None
    """The agent whose flow is in progress (keeps the next turn), else None."""
    route: str
    """Where ``route`` sent this turn: an agent, small_talk, clarify or handoff."""
    agent: str
    """The agent that handled this turn (``none`` for small talk, clarifying questions and plain
    hand-overs)."""
    clarified: bool
    """The previous turn was a clarifying question: if this one is unclear too, a human takes it."""
    tools: list[ToolCallRecord]
    """Tools called in this turn (reset by ``ingest``)."""
    draft: str | None
    """The reply an agent composed, before the decision."""
    interactive: dict[str, Any] | None
    """Reply buttons or a list that go with the draft (``{"buttons": [[id, title], ...]}`` or
    ``{"list": {"button": ..., "rows": [[id, title, description], ...]}}``); a person's edit
    drops them (reset by ``ingest``)."""
    actions: list[dict[str, Any]]
    """The side effects the agent proposed this turn (``tools.actions``, as JSON), committed
    with the reply that is sent or kept pending with a suggestion (reset by ``ingest``)."""
    handoff_reason: str | None
    """Set by an agent that wants a human."""
    flow_answer: bool
    """The agent understood this turn as the answer to its own question (an ordinal, a yes), a
    follow-up about the product in focus, or a request its own reading settles: its reply does
    not depend on the intent model's confidence."""
    computed: list[str]
    """Figures agents computed from tool results this turn (a total): grounds for the guard."""
    review: str | None
    """Why this turn's reply must wait for a person even when it could go out by itself (a
    payment link over the tenant's auto limit, a discount over its auto percent): ``decide``
    keeps it as a suggestion with this reason (reset by ``ingest``)."""
    published: list[str]
    """The tenant's own published details a reply names this turn (a doctor's name): never PII
    to the guard (reset by ``ingest``)."""
    focus: Focus
    """What the conversation is about: the order, the product (colour and size asked) and the
    quantity, set by any agent and read by all (``agents.dialogue``)."""
    slots: dict[str, Any]
    """What the customer has stated (a return reason, a company, an e-mail): never asked again."""
    suspended: list[Suspended]
    """Flows interrupted by a new request, newest last: the top one resumes once the new request
    is served (``agents.dialogue``)."""
    parts: list[dict[str, Any]]
    """The requests of this message still to serve after the current one, each
    ``{"text", "understanding"}`` (several questions in one message)."""
    part_text: str | None
    """The text of the request being served when the message makes several, else None."""
    replies: list[str]
    """The replies to the requests of this message served so far (sent as one reply)."""
    next_request: bool
    """``collect`` moved on to the message's next request (back to ``route``)."""
    served: list[dict[str, Any]]
    """The understanding of each request of this message served so far (the first one is the
    turn's, as logged)."""
    resumed: str | None
    """The question of the flow resumed after this turn's reply (added to the reply)."""
    situated: str | None
    """The agent found the request is another one in the order's situation (``AgentTurn.
    situated``): ``collect`` serves it again as this intent (reset by ``ingest``)."""
    decision: Decision


def last_reply(state: ConversationState) -> str:
    """What the bot said last in the conversation (the question an open flow asked)."""
    for message in reversed(state.get("messages", [])):
        if isinstance(message, AIMessage):
            return str(message.content)
    return ""
