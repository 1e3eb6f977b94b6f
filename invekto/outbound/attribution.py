"""Click-to-WhatsApp attribution: conversations, leads, orders and revenue per ad.

The first inbound message after an ad click carries a ``referral`` (ad id in ``source_id``,
``headline``, ``ctwa_clid``...), kept on the conversation (``Conversation.referral``). Per ad:
the conversations it started (and distinct customers), the B2B leads recorded in them, and the
marketplace orders of those customers placed after the conversation's first message (within
``days``; cancelled / unsupplied / returned ones not counted) with their revenue (Σ price ×
quantity of the order lines). A referral without an ad id is grouped under ``"unknown"``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.outbound.campaigns import CLOSED_ORDER_STATUSES
from invekto.storage.models import Tenant, utcnow

DEFAULT_DAYS = 30
MAX_ADS = 200

_SQL = text(
    """
WITH ads AS (
    SELECT c.id AS conversation_id, c.customer_id, cu.phone,
           COALESCE(NULLIF(c.referral ->> 'source_id', ''), 'unknown') AS ad_id,
           c.referral ->> 'headline' AS headline,
           c.referral ->> 'source_type' AS source_type,
           c.referral ->> 'source_url' AS source_url,
           c.referral ->> 'ctwa_clid' AS ctwa_clid,
           COALESCE((SELECT MIN(m.created_at) FROM messages m
                     WHERE m.conversation_id = c.id AND m.direction = 'in'),
                    c.created_at) AS first_at
    FROM conversations c
    JOIN customers cu ON cu.id = c.customer_id
    WHERE c.tenant_id = :tenant
      AND c.referral IS NOT NULL AND jsonb_typeof(c.referral) = 'object'
      AND c.created_at >= :since AND c.created_at < :until
),
attributed AS (
    SELECT DISTINCT ON (a.ad_id, o.id) a.ad_id, o.id, o.order_number,
           (SELECT COALESCE(SUM(CASE WHEN jsonb_typeof(l -> 'price') = 'number'
                THEN (l ->> 'price')::numeric * CASE WHEN jsonb_typeof(l -> 'quantity') = 'number'
                THEN (l ->> 'quantity')::numeric ELSE 1 END END), 0)
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(o.lines) = 'array'
                THEN o.lines ELSE '[]'::jsonb END) AS l) AS revenue
    FROM ads a
    JOIN orders_cache o ON o.tenant_id = :tenant AND o.customer_phone = a.phone
    WHERE o.order_date >= a.first_at
      AND o.order_date <= a.first_at + make_interval(days => :days)
      AND o.status <> ALL(:closed)
),
per_ad AS (
    SELECT ad_id, MAX(headline) AS headline, MAX(source_type) AS source_type,
           MAX(source_url) AS source_url, COUNT(*) AS conversations,
           COUNT(DISTINCT customer_id) AS customers, COUNT(DISTINCT ctwa_clid) AS clicks,
           MIN(first_at) AS first_at, MAX(first_at) AS last_at
    FROM ads GROUP BY ad_id
)
SELECT p.*,
       (SELECT COUNT(*) FROM leads l
        WHERE l.tenant_id = :tenant
          AND l.conversation_id IN (SELECT conversation_id FROM ads WHERE ads.ad_id = p.ad_id))
           AS leads,
       (SELECT COUNT(DISTINCT order_number) FROM attributed t WHERE t.ad_id = p.ad_id) AS orders,
       (SELECT COALESCE(SUM(revenue), 0) FROM attributed t WHERE t.ad_id = p.ad_id) AS revenue
FROM per_ad p
ORDER BY revenue DESC, conversations DESC, ad_id
LIMIT :limit
"""
)


async def by_ad(
    session: AsyncSession,
    tenant: Tenant,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    days: int = DEFAULT_DAYS,
) -> dict[str, Any]:
    """``{"ads": [{ad_id, headline, source_type, source_url, conversations, customers, clicks,
    leads, orders, revenue, first_at, last_at}], "total": {...}}`` for conversations started in
    ``[since, until)``."""
    until = until or utcnow() + dt.timedelta(seconds=1)
    since = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    rows = (
        await session.execute(
            _SQL,
            {
                "tenant": tenant.id,
                "since": since,
                "until": until,
                "days": max(0, min(int(days), 365)),
                "closed": list(CLOSED_ORDER_STATUSES),
                "limit": MAX_ADS,
            },
        )
    ).mappings()
    ads = []
    total: dict[str, Any] = {
        "conversations": 0,
        "customers": 0,
        "leads": 0,
        "orders": 0,
        "revenue": Decimal(0),
    }
    for row in rows:
        ad = {
            "ad_id": row["ad_id"],
            "headline": row["headline"],
            "source_type": row["source_type"],
            "source_url": row["source_url"],
            "conversations": int(row["conversations"]),
            "customers": int(row["customers"]),
            "clicks": int(row["clicks"]),
            "leads": int(row["leads"]),
            "orders": int(row["orders"]),
            "revenue": float(round(Decimal(row["revenue"] or 0), 2)),
            "first_at": row["first_at"].isoformat() if row["first_at"] else None,
            "last_at": row["last_at"].isoformat() if row["last_at"] else None,
        }
        ads.append(ad)
        for key in ("conversations", "customers", "leads", "orders"):
            total[key] += ad[key]
        total["revenue"] += Decimal(row["revenue"] or 0)
    total["revenue"] = float(round(total["revenue"], 2))
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "days": days,
        "ads": ads,
        "total": total,
    }


__all__ = ["by_ad"]
