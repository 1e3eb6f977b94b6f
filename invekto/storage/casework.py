"""Read-only views of a conversation's casework (committed coupons, leads), for the agents'
tools. Writing happens only when a proposed action commits (``invekto.tools.actions``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from invekto.storage.db import Database
from invekto.storage.models import Coupon, Lead


class CaseFiles:
    """The casework port, bound to one tenant."""

    def __init__(self, db: Database, tenant_id: uuid.UUID) -> None:
        self._db = db
        self._tenant_id = tenant_id

    async def coupon(self, conversation_id: uuid.UUID, reason: str) -> Coupon | None:
        """The coupon already given in this conversation for ``reason``."""
        async with self._db.tenant_session(self._tenant_id) as session:
            return await session.scalar(
                select(Coupon).where(
                    Coupon.tenant_id == self._tenant_id,
                    Coupon.conversation_id == conversation_id,
                    Coupon.reason == reason,
                )
            )

    async def latest_lead(self, conversation_id: uuid.UUID) -> Lead | None:
        """This conversation's latest committed lead."""
        async with self._db.tenant_session(self._tenant_id) as session:
            return await session.scalar(
                select(Lead)
                .where(Lead.tenant_id == self._tenant_id, Lead.conversation_id == conversation_id)
                .order_by(Lead.created_at.desc())
                .limit(1)
            )
