"""Returns: return deflection (exchange for another size or colour, a coupon for a changed mind)
and the marketplace's return path."""

from invekto.agents.returns.agent import returns_agent
from invekto.agents.spec import AgentSpec
from invekto.tools.coupons import create_coupon
from invekto.tools.orders import find_customer_orders, get_order
from invekto.tools.returns import record_return
from invekto.tools.stock import exchange_options

AGENT = AgentSpec(
    name="returns",
    description="Returns and exchanges: asks which order and why, offers an exchange or a "
    "coupon within the tenant's limit and return window, else explains the marketplace's "
    "return path.",
    node=returns_agent,
    verticals=frozenset({"ecommerce"}),
    intents=frozenset({"return_request", "exchange_request"}),
    automation_area="returns",
    tools=(get_order, find_customer_orders, exchange_options, create_coupon, record_return),
    templates=(
        "return_ask_order",
        "return_ask_reason",
        "return_exchange_offer",
        "return_exchange_which",
        "return_exchange_accepted",
        "return_exchange_no_stock",
        "return_coupon_offer",
        "return_coupon_accepted",
        "return_marketplace",
        "return_path_reminder",
        "return_window_passed",
        "order_not_yours",
        "marketplace_down",
        "handoff",
    ),
)

__all__ = ["AGENT", "returns_agent"]
