"""The follow-up agent: a happy answer to a proactive message."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime
from pydantic import BaseModel

from invekto.agents.base import AgentTurn
from invekto.agents.state import ConversationState
from invekto.integrations.orders import MarketplaceUnavailable
from invekto.integrations.trendyol import TrendyolError
from invekto.tools.context import TurnContext
from invekto.tools.stock import ProductView, product_view

NAME = "followup"


class RelatedProducts(BaseModel):
    bought: str | None = None
    category: str | None = None
    products: list[ProductView] = []


@tool
async def suggest_related(order_number: str, runtime: ToolRuntime) -> RelatedProducts:
    """Products of the same category as the customer's order, in stock (for a cross-sell)."""
    context: TurnContext = runtime.context
    try:
        lookup = await context.ports.orders.by_number(order_number)
        rows = [row for row in lookup.orders if row.customer_phone == context.customer_phone]
        for row in rows:
            for line in row.lines:
                found = await context.ports.catalogue.for_order_line(line)
                if not found.products or not found.products[0].category:
                    continue
                bought = found.products[0]
                related = await context.ports.catalogue.in_category(
                    bought.category, besides=bought.product_main_id, limit=3
                )
                return RelatedProducts(
                    bought=bought.title,
                    category=bought.category,
                    products=[product_view(p) for p in related.products],
                )
    except (MarketplaceUnavailable, TrendyolError):
        return RelatedProducts()
    return RelatedProducts()


async def followup_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    flow = turn.flow
    turn.sure = True
    if flow.get("flow") == "review_recovery":
        return turn.done(turn.text("followup_review_thanks"))
    order = flow.get("order") or turn.focus.get("order")
    if order:
        related: RelatedProducts = await turn.call(suggest_related, order_number=str(order))
        if related.products:
            pick = related.products[0]
            return turn.done(
                turn.text(
                    "followup_glad_suggest",
                    product=pick.title,
                    price=pick.sale_price or "",
                    link=pick.product_url or "",
                )
            )
    return turn.done(turn.text("followup_glad"))
