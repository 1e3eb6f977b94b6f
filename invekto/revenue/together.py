"""Products bought together: for each pair of product models, how many of the tenant's orders
held both (mirrored orders, matched to the catalogue by merchant SKU = stock code; cancelled and
returned orders left out). Recomputed whole by a periodic job; a tenant's rows are replaced in
one transaction, so a reader sees the old counts or the new ones."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.storage.models import BoughtTogether

LEFT_OUT = ("Cancelled", "UnSupplied", "Returned")
MAX_PAIRS = 5000

PAIRS = text(
    """
    WITH items AS (
        SELECT DISTINCT o.id AS order_id, p.product_main_id
        FROM orders_cache o
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(o.lines) = 'array' THEN o.lines ELSE '[]'::jsonb END
        ) AS line
        JOIN products_cache p
          ON p.tenant_id = o.tenant_id AND p.stock_code = line ->> 'merchant_sku'
        WHERE o.tenant_id = :tenant AND o.status <> ALL(:left_out) AND p.product_main_id <> ''
    )
    SELECT a.product_main_id, b.product_main_id, count(*) AS orders
    FROM items a JOIN items b ON a.order_id = b.order_id AND a.product_main_id < b.product_main_id
    GROUP BY 1, 2
    ORDER BY orders DESC, 1, 2
    LIMIT :limit
    """
)


async def recompute(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Replace the tenant's counts; returns the number of pairs. The caller commits."""
    rows = (
        await session.execute(
            PAIRS, {"tenant": tenant_id, "left_out": list(LEFT_OUT), "limit": MAX_PAIRS}
        )
    ).all()
    await session.execute(delete(BoughtTogether).where(BoughtTogether.tenant_id == tenant_id))
    for a, b, orders in rows:
        session.add(BoughtTogether(tenant_id=tenant_id, product_a=a, product_b=b, orders=orders))
    await session.flush()
    return len(rows)


ATTRIBUTE = text(
    """
    UPDATE recommendations r
    SET status = 'accepted', decided_at = o.order_date
    FROM conversations c
    JOIN customers cu ON cu.id = c.customer_id
    JOIN orders_cache o ON o.tenant_id = c.tenant_id AND o.customer_phone = cu.phone
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(o.lines) = 'array' THEN o.lines ELSE '[]'::jsonb END
    ) AS line
    JOIN products_cache p
      ON p.tenant_id = o.tenant_id AND p.stock_code = line ->> 'merchant_sku'
    WHERE r.tenant_id = :tenant AND r.status = 'shown' AND c.id = r.conversation_id
      AND p.product_main_id = r.product_main_id
      AND o.order_date >= r.created_at
      AND o.order_date < r.created_at + make_interval(days => :days)
      AND o.status <> ALL(:left_out)
    """
)
ATTRIBUTION_DAYS = 14
"""An order of a recommended product within this many days counts as the recommendation taken."""


async def attribute_orders(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Mark recommendations whose product the customer then ordered on the marketplace as
    accepted; returns how many. The caller commits."""
    result = await session.execute(
        ATTRIBUTE, {"tenant": tenant_id, "days": ATTRIBUTION_DAYS, "left_out": list(LEFT_OUT)}
    )
    return result.rowcount or 0
