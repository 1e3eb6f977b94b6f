"""Revenue: recommendations that respect stock and margin, and payment links (marketplace
products are paid on the marketplace)."""

from invekto.agents.revenue.agent import revenue_agent
from invekto.agents.spec import AgentSpec
from invekto.tools.revenue import prepare_payment_link, recommend_products

AGENT = AgentSpec(
    name="revenue",
    description="Recommendations (the tenant's bundle, upsell and cross-sell rules, bought "
    "together; in stock, higher margin first) and payment links (own-shop products; a "
    "marketplace product's page instead). Links over the tenant's auto limit wait for a person.",
    node=revenue_agent,
    verticals=frozenset({"ecommerce"}),
    signals=frozenset({"wants_recommendation", "wants_payment_link", "asks_bundle"}),
    automation_area="sales",
    tools=(recommend_products, prepare_payment_link),
    templates=(
        "revenue_recommend",
        "revenue_recommend_history",
        "revenue_recommend_need",
        "revenue_pick_scarce",
        "revenue_pick_bundle",
        "revenue_recommend_none",
        "revenue_ask_product",
        "revenue_ask_which",
        "revenue_declined",
        "revenue_marketplace_link",
        "revenue_marketplace_no_url",
        "revenue_link_coming",
        "revenue_ask_product_to_pay",
        "revenue_out_of_stock",
        "revenue_no_provider",
        "payment_link_ready",
        "payment_link_failed",
        "payment_received",
        "payment_failed_follow_up",
        "payment_link_expired",
    ),
)

__all__ = ["AGENT", "revenue_agent"]
