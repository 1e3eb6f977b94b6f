"""Abandoned carts of a seller's own shop: signed webhook events → reminders → recovery.

The shop posts JSON events to ``POST /webhooks/carts/{tenant_slug}`` signed with the tenant's
input secret (``invekto.outbound.reviews.input_secret``)::

    {"event": "cart.updated" | "cart.abandoned" | "order.created",
     "cart_id": "c-991", "phone": "+90 532 111 22 33", "customer_name": "Ayşe",
     "items": [{"name": "Keten gömlek", "quantity": 1, "price": 499.9, "url": "https://.."}],
     "total": 499.9, "currency": "TRY", "cart_url": "https://shop/cart/c-991",
     "order_number": "1001", "at": "2026-11-30T10:00:00+03:00"}

States: a cart only updated is ``active``; ``cart.abandoned`` makes it ``open`` (abandoned) and
emits ``cart_abandoned`` (key ``cart:{id}``; the tenant's rules remind at T+2 h and T+24 h,
naming the items); an order for the cart (its id, else the phone's latest cart) makes an open
cart ``recovered`` and cancels its reminders still waiting (an active one becomes ``ordered``:
bought without being left). An open cart with no order after :data:`LOST_AFTER` is ``lost``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import String, cast, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.outbound.events import emit
from invekto.outbound.reviews import FALLBACK_NAME, clean, normalize_phone
from invekto.outbound.schedule import cancel
from invekto.storage.models import Cart, Customer, OutboundSend, Tenant, utcnow

FLOW = "cart_recovery"
EVENT = "cart_abandoned"
LOST_AFTER = dt.timedelta(days=7)
TOO_LATE_TO_REMIND = dt.timedelta(hours=24)
"""A cart reported left longer ago than this gets no reminders (they would all go at once)."""
MAX_ITEMS = 100
ABANDONED_STATUSES = ("open", "recovered", "lost")
FINAL_STATUSES = ("recovered", "lost", "ordered")


def _checked_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL")
    if clean(value, 1000) != value:
        raise ValueError("must not hold control characters")
    return value


class CartItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=300)
    quantity: int = Field(1, ge=1, le=100_000)
    price: Decimal | None = Field(None, ge=0, le=Decimal("1e9"))
    sku: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=1000)

    @field_validator("name", "sku", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return clean(value, 1000) if value is not None else None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ValueError("must be a string")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _checked_url(value)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity,
            "price": float(self.price) if self.price is not None else None,
            "sku": self.sku,
            "url": self.url,
        }


class CartEvent(BaseModel):
    """One event of the shop's cart webhook (see the module docstring)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event: Literal["cart.updated", "cart.abandoned", "order.created"]
    cart_id: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = None
    customer_name: str = Field("", max_length=200)
    items: list[CartItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    total: Decimal | None = Field(None, ge=0, le=Decimal("1e10"))
    currency: str = Field("TRY", pattern=r"^[A-Z]{3}$")
    cart_url: str | None = Field(None, max_length=1000)
    order_number: str | None = Field(None, min_length=1, max_length=64)
    at: dt.datetime | None = None

    @field_validator("cart_id", "order_number", mode="before")
    @classmethod
    def _identifier(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if value is None or isinstance(value, str):
            return clean(value, 200) or None if value is not None else None
        raise ValueError("must be a string")

    @field_validator("customer_name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        return clean(value, 200) if isinstance(value, str) else (value or "")

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("must be a string")
        phone = normalize_phone(value)
        if phone is None:
            raise ValueError(f"{clean(value, 40)!r} is not a phone number")
        return phone

    @field_validator("cart_url")
    @classmethod
    def _cart_url(cls, value: str | None) -> str | None:
        return _checked_url(value)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    @model_validator(mode="after")
    def _needs(self) -> CartEvent:
        if self.event.startswith("cart.") and not self.cart_id:
            raise ValueError(f"{self.event} needs a cart_id")
        if self.event == "order.created" and not (self.cart_id or self.phone):
            raise ValueError("order.created needs a cart_id or a phone")
        return self

    def computed_total(self) -> Decimal | None:
        if self.total is not None:
            return self.total
        priced = [i.price * i.quantity for i in self.items if i.price is not None]
        return sum(priced, Decimal(0)) if priced else None


def _money(total: Decimal | None, currency: str) -> str:
    if total is None:
        return ""
    text = f"{total:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} TL" if currency == "TRY" else f"{text} {currency}"


async def _customer(session: AsyncSession, tenant: Tenant, phone: str, name: str) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
    )
    if customer is None:
        customer = Customer(id=uuid.uuid4(), tenant_id=tenant.id, phone=phone, name=name, tags=[])
        session.add(customer)
        await session.flush()
    elif name and not customer.name:
        customer.name = name
    return customer


async def handle_event(
    session: AsyncSession, tenant: Tenant, event: CartEvent, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Apply one cart event. Returns ``{"cart_id", "status", "planned", "cancelled", "note"}``.
    Raises ``ValueError`` (a 422) when the event cannot be applied. The caller commits."""
    now = now or utcnow()
    at = min(event.at or now, now)
    if event.event == "order.created":
        return await _order(session, tenant, event, at)
    cart = await session.scalar(
        select(Cart).where(Cart.tenant_id == tenant.id, Cart.external_id == event.cart_id)
    )
    if cart is not None and cart.status in FINAL_STATUSES:
        return _result(cart, note=f"cart already {cart.status}")
    phone = event.phone or (cart.phone if cart else None)
    if not phone:
        raise ValueError(f"{event.event} of a new cart needs a phone")
    customer = await _customer(session, tenant, phone, event.customer_name)
    if cart is None:
        cart = Cart(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            external_id=event.cart_id,
            phone=phone,
            status="active",
            abandoned_at=at,
            items=[],
        )
        session.add(cart)
    cart.customer_id = customer.id
    cart.phone = phone
    if event.items:
        cart.items = [item.as_json() for item in event.items]
    total = event.computed_total()
    if total is not None:
        cart.total = total
    cart.currency = event.currency
    if event.event == "cart.updated":
        if cart.status == "active":
            cart.abandoned_at = at  # the last activity until it is left
        await session.flush()
        return _result(cart)
    if not cart.items:
        raise ValueError("cart.abandoned needs the items (now or in an earlier cart.updated)")
    if cart.status == "active":
        cart.status, cart.abandoned_at = "open", at
    await session.flush()
    names = [str(item.get("name", "")) for item in cart.items if item.get("name")]
    language = customer.language or tenant.default_language or "tr"
    data = {
        "customer_name": customer.name or FALLBACK_NAME.get(language, FALLBACK_NAME["tr"]),
        "cart_id": str(cart.id),
        "external_cart_id": cart.external_id,
        "items": cart.items,
        "item_names": ", ".join(names)[:500],
        "total": _money(cart.total, cart.currency),
        "cart_url": event.cart_url or "",
    }
    if not data["cart_url"]:
        del data["cart_url"]
    if now - cart.abandoned_at > TOO_LATE_TO_REMIND:
        return _result(cart, note="left too long ago to remind")
    planned = await emit(
        session, tenant, customer, EVENT, data, key=f"cart:{cart.id}", at=cart.abandoned_at
    )
    return _result(cart, planned=len(planned))


async def _order(
    session: AsyncSession, tenant: Tenant, event: CartEvent, at: dt.datetime
) -> dict[str, Any]:
    cart = None
    if event.cart_id:
        cart = await session.scalar(
            select(Cart).where(Cart.tenant_id == tenant.id, Cart.external_id == event.cart_id)
        )
    if cart is None and event.phone:
        cart = await session.scalar(
            select(Cart)
            .where(
                Cart.tenant_id == tenant.id,
                Cart.phone == event.phone,
                Cart.status.in_(("open", "active")),
            )
            .order_by(Cart.abandoned_at.desc())
            .limit(1)
        )
    if cart is None:
        return {"cart_id": None, "status": None, "planned": 0, "cancelled": 0, "note": "no cart"}
    if cart.status in FINAL_STATUSES:
        return _result(cart, note=f"cart already {cart.status}")
    cancelled = await cancel(
        session,
        tenant.id,
        context_key="cart_id",
        context_value=str(cart.id),
        reason="cart_recovered" if cart.status == "open" else "cart_ordered",
    )
    cart.status = "recovered" if cart.status == "open" else "ordered"
    cart.recovered_at = at
    cart.order_number = event.order_number
    if event.total is not None:
        cart.total = event.total
    await session.flush()
    return _result(cart, cancelled=cancelled)


def _result(cart: Cart, *, planned: int = 0, cancelled: int = 0, note: str = "") -> dict[str, Any]:
    return {
        "cart_id": cart.external_id,
        "status": cart.status,
        "planned": planned,
        "cancelled": cancelled,
        "note": note,
    }


async def refresh_carts(
    session: AsyncSession, tenant: Tenant, now: dt.datetime | None = None
) -> int:
    """Open carts with no order ``LOST_AFTER`` after they were left → lost (their reminders
    still waiting cancelled). Returns how many. The caller commits."""
    now = now or utcnow()
    result = await session.execute(
        update(Cart)
        .where(
            Cart.tenant_id == tenant.id,
            Cart.status == "open",
            Cart.abandoned_at < now - LOST_AFTER,
        )
        .values(status="lost")
        .returning(Cart.id)
        .execution_options(synchronize_session=False)
    )
    lost = [row[0] for row in result.all()]
    for cart_id in lost:
        await cancel(
            session, tenant.id, context_key="cart_id", context_value=str(cart_id), reason="lost"
        )
    return len(lost)


async def refresh_all(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """:func:`refresh_carts` for every tenant (a periodic sweep on a system session)."""
    now = now or utcnow()
    tenant_ids = (
        await session.scalars(
            select(Cart.tenant_id)
            .where(Cart.status == "open", Cart.abandoned_at < now - LOST_AFTER)
            .distinct()
        )
    ).all()
    lost = 0
    for tenant_id in tenant_ids:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is not None:
            lost += await refresh_carts(session, tenant, now)
    return lost


async def recovery_report(
    session: AsyncSession,
    tenant: Tenant,
    since: dt.datetime | None = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Carts left since ``since``: open, recovered, lost, the recovery rate, the recovered
    value, and how many were reminded (a reminder really sent) before the order."""
    now = now or utcnow()
    await refresh_carts(session, tenant, now)
    conditions = [Cart.tenant_id == tenant.id, Cart.status.in_(ABANDONED_STATUSES)]
    if since is not None:
        conditions.append(Cart.abandoned_at >= since)
    rows = (
        await session.execute(
            select(Cart.status, func.count(), func.coalesce(func.sum(Cart.total), 0))
            .where(*conditions)
            .group_by(Cart.status)
        )
    ).all()
    counts = {status: 0 for status in ABANDONED_STATUSES}
    values = {status: Decimal(0) for status in ABANDONED_STATUSES}
    for status, count, total in rows:
        counts[status] = int(count)
        values[status] = Decimal(total or 0)
    abandoned = sum(counts.values())
    first_sent = (
        select(
            OutboundSend.context["cart_id"].astext.label("cart"),
            func.min(OutboundSend.sent_at).label("sent_at"),
        )
        .where(OutboundSend.tenant_id == tenant.id, OutboundSend.sent_at.is_not(None))
        .where(OutboundSend.context.has_key("cart_id"))
        .group_by(text("1"))
        .subquery()
    )
    reminded_rows = (
        await session.execute(
            select(Cart.status, Cart.recovered_at, first_sent.c.sent_at)
            .join(first_sent, first_sent.c.cart == cast(Cart.id, String))
            .where(*conditions)
        )
    ).all()
    reminded = len(reminded_rows)
    after_reminder = sum(
        1
        for status, recovered_at, sent_at in reminded_rows
        if status == "recovered" and recovered_at is not None and sent_at <= recovered_at
    )
    return {
        "since": since.isoformat() if since else None,
        "abandoned": abandoned,
        "open": counts["open"],
        "recovered": counts["recovered"],
        "lost": counts["lost"],
        "reminded": reminded,
        "recovered_after_reminder": after_reminder,
        "recovery_rate": round(counts["recovered"] / abandoned, 4) if abandoned else None,
        "abandoned_value": float(sum(values.values(), Decimal(0))),
        "recovered_value": float(values["recovered"]),
    }


__all__ = [
    "CartEvent",
    "CartItem",
    "handle_event",
    "recovery_report",
    "refresh_all",
    "refresh_carts",
]
