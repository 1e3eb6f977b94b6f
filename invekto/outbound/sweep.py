"""The minute's outbound bookkeeping: wake the dispatchers with something due, plan the one
follow-up of rules that ask for it (an apology not answered in 48 hours), close finished
campaigns, and the clinics' bookkeeping (lapsed waitlist offers, expired referral codes:
``invekto.clinic.outreach.sweep_clinic``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from invekto.outbound.dispatch import channels_due
from invekto.outbound.schedule import Planned, schedule, wake
from invekto.storage.db import Database
from invekto.storage.models import Message, OutboundRule, OutboundSend, Tenant, utcnow

log = logging.getLogger(__name__)

AGAIN = ":again"
FOLLOW_UP_BATCH = 500


class SweepAccess(Protocol):
    db: Database


async def sweep(services: SweepAccess, *, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    planned = await plan_follow_ups(services.db, now=now)
    recurring = await plan_recurring(services.db, now=now)
    async with services.db.session() as session:
        from invekto.clinic.outreach import sweep_clinic
        from invekto.outbound import carts, reviews
        from invekto.outbound.campaigns import complete_finished

        completed = await complete_finished(session, now)
        await reviews.refresh_all(session, now)
        await carts.refresh_all(session, now)
        clinic = await sweep_clinic(session, now)
        await session.commit()
    channels = await channels_due(services.db, now)
    async with services.db.session() as session:
        for channel_id in channels:
            await wake(session, channel_id)
        await session.commit()
    return {
        "follow_ups": planned,
        "recurring": recurring,
        "campaigns_completed": completed,
        "woken": len(channels),
        **clinic,
    }


async def plan_recurring(db: Database, *, now: dt.datetime) -> int:
    """The sends of recurring rules (``trigger="schedule"``) whose time has come."""
    from invekto.outbound.events import plan_scheduled

    planned = 0
    async with db.session() as session:
        rules = (
            await session.scalars(
                select(OutboundRule).where(
                    OutboundRule.trigger == "schedule", OutboundRule.enabled.is_(True)
                )
            )
        ).all()
        for rule in rules:
            tenant = await session.get(Tenant, rule.tenant_id)
            if tenant is not None:
                planned += len(await plan_scheduled(session, tenant, rule, now))
        await session.commit()
    return planned


async def plan_follow_ups(db: Database, *, now: dt.datetime) -> int:
    """Sends of rules with ``follow_up_hours`` that got no answer in that time: once more."""
    again = aliased(OutboundSend)
    answered = exists(
        select(1).where(
            Message.conversation_id == OutboundSend.conversation_id,
            Message.direction == "in",
            Message.created_at > OutboundSend.sent_at,
        )
    )
    followed = exists(
        select(1).where(
            again.tenant_id == OutboundSend.tenant_id,
            again.dedupe_key == OutboundSend.dedupe_key + AGAIN,
        )
    )
    planned = 0
    async with db.session() as session:
        rows = (
            await session.execute(
                select(OutboundSend, OutboundRule.follow_up_hours)
                .join(OutboundRule, OutboundRule.id == OutboundSend.rule_id)
                .where(
                    OutboundSend.status == "sent",
                    OutboundRule.follow_up_hours.is_not(None),
                    OutboundRule.enabled.is_(True),
                    ~OutboundSend.dedupe_key.endswith(AGAIN),
                    OutboundSend.sent_at
                    + func.make_interval(0, 0, 0, 0, OutboundRule.follow_up_hours)
                    <= now,
                    ~answered,
                    ~followed,
                )
                .limit(FOLLOW_UP_BATCH)
            )
        ).all()
        by_tenant: dict[object, list[Planned]] = {}
        for send, _hours in rows:
            by_tenant.setdefault(send.tenant_id, []).append(
                Planned(
                    customer_id=send.customer_id,
                    channel_id=send.channel_id,
                    conversation_id=send.conversation_id,
                    dedupe_key=send.dedupe_key + AGAIN,
                    due_at=now,
                    template_name=send.template_name,
                    language=send.language,
                    parameters=send.parameters,
                    context={**(send.context or {}), "follow_up_of": str(send.id)},
                    flow=send.flow,
                    rule_id=send.rule_id,
                )
            )
        for tenant_id, items in by_tenant.items():
            tenant = await session.get(Tenant, tenant_id)
            if tenant is not None:
                planned += len(await schedule(session, tenant, items))
        await session.commit()
    return planned
