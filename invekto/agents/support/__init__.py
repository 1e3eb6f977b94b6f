"""Support: order status and delivery, order changes (cancel, invoice, address), stock, product
and price questions, and the shop's policies."""

from invekto.agents.spec import AgentSpec
from invekto.agents.support.agent import support_agent
from invekto.tools.orders import find_customer_orders, get_order
from invekto.tools.requests import request_address_change, request_cancellation, request_invoice
from invekto.tools.stock import check_stock

AREAS = {
    "order_status": "cargo_questions",
    "delivery_time": "cargo_questions",
    "cancel_order": "order_changes",
    "address_change": "order_changes",
    "invoice_request": "order_changes",
    "stock_question": "product_questions",
    "product_question": "product_questions",
    "price_question": "product_questions",
    "discount_question": "policy_questions",
    "shipping_policy": "policy_questions",
    "payment_problem": "policy_questions",
}

AGENT = AgentSpec(
    name="support",
    description="Order status and delivery, order changes, stock/product/price questions, "
    "shipping, discount and payment policies.",
    node=support_agent,
    verticals=frozenset({"ecommerce"}),
    intents=frozenset(AREAS),
    automation_area=AREAS,
    tools=(
        get_order,
        find_customer_orders,
        request_cancellation,
        request_invoice,
        request_address_change,
        check_stock,
    ),
    templates=(
        "ask_order_number",
        "which_order",
        "ask_new_address",
        "order_shipped",
        "order_shipped_no_link",
        "order_preparing",
        "order_delivered",
        "order_other",
        "order_closed",
        "order_not_found",
        "order_not_found_private",
        "order_not_yours",
        "order_stale_note",
        "cancel_recorded_review",
        "cancel_recorded_confirm",
        "cancel_shipped",
        "cancel_delivered",
        "invoice_recorded",
        "invoice_recorded_email",
        "address_recorded",
        "address_shipped",
        "stock_yes",
        "stock_no",
        "product_price",
        "product_total",
        "product_details",
        "attribute_unknown",
        "product_not_found",
        "shipping_policy",
        "delivery_policy",
        "discount_policy",
        "payment_policy",
        "payment_methods",
        "marketplace_down",
        "handoff",
        "resume_flow",
    ),
)

__all__ = ["AGENT", "support_agent"]
