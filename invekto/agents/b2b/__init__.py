"""B2B: bulk and company orders become qualified leads for the tenant's sales team."""

from invekto.agents.b2b.agent import b2b_agent
from invekto.agents.spec import AgentSpec
from invekto.tools.leads import alert_sales, save_lead
from invekto.tools.orders import find_customer_orders

AGENT = AgentSpec(
    name="b2b",
    description="Bulk / company orders: collects company, products and quantities (two "
    "questions at most), alerts sales, hands the chat to them.",
    node=b2b_agent,
    verticals=frozenset({"ecommerce"}),
    intents=frozenset({"bulk_order"}),
    signals=frozenset({"bulk_order"}),
    automation_area="b2b",
    holds_flow=True,
    tools=(find_customer_orders, save_lead, alert_sales),
    templates=(
        "b2b_ask_company",
        "b2b_ask_products",
        "b2b_ask_company_and_products",
        "b2b_offer",
        "b2b_minimum",
    ),
)

__all__ = ["AGENT", "b2b_agent"]
