"""The side effects of answers to what the clinic wrote first, proposed in the turn and committed
with its reply: declining a waitlist offer, sharing a referral code, using a friend's code."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from invekto.storage.models import ReferralCode, WaitlistEntry, utcnow
from invekto.tools.actions import Action, CommitScope, action_type


@action_type
class DeclineWaitlistOffer(Action):
    """ "Hayır" to a freed slot: the offer lapses, the patient stays in line for the next one."""

    kind: str = "clinic_waitlist_decline"
    entry_id: str

    def summary(self) -> str:
        return "Waitlist offer declined"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        entry = await scope.session.get(
            WaitlistEntry, uuid.UUID(self.entry_id), with_for_update=True
        )
        if entry is None or entry.customer_id != scope.customer_id:
            return {"refused": "not_found"}
        if entry.status != "offered":
            return {"already": True, "status": entry.status}
        entry.status, entry.offer, entry.decided_at = "waiting", None, utcnow()
        await scope.session.flush()
        return {"entry_id": self.entry_id, "status": entry.status}


@action_type
class ShareReferralCode(Action):
    """A satisfied patient's referral code, given in the reply: stored ``shared`` (once)."""

    kind: str = "clinic_referral_share"
    code: str
    percent: int
    expires_at: dt.datetime

    def summary(self) -> str:
        return f"Referral code {self.code} ({self.percent}%)"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        row = await scope.session.scalar(
            select(ReferralCode).where(
                ReferralCode.tenant_id == scope.tenant_id, ReferralCode.code == self.code
            )
        )
        if row is None:
            row = ReferralCode(
                tenant_id=scope.tenant_id,
                code=self.code,
                customer_id=scope.customer_id,
                percent=self.percent,
                status="shared",
                shared_at=utcnow(),
                expires_at=self.expires_at,
            )
            scope.session.add(row)
            await scope.session.flush()
        return {"referral_code_id": str(row.id), "status": row.status}


@action_type
class UseReferralCode(Action):
    """A new patient gave a friend's code: ``used`` by them (a code is used once)."""

    kind: str = "clinic_referral_use"
    code: str

    def summary(self) -> str:
        return f"Referral code used: {self.code}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        row = await scope.session.scalar(
            select(ReferralCode)
            .where(ReferralCode.tenant_id == scope.tenant_id, ReferralCode.code == self.code)
            .with_for_update()
        )
        if row is None:
            return {"refused": "not_found"}
        if row.status == "used":
            return {"already": True} if row.used_by == scope.customer_id else {"refused": "used"}
        if row.status == "expired" or row.expires_at <= utcnow():
            return {"refused": "expired"}
        if row.customer_id == scope.customer_id:
            return {"refused": "own_code"}
        row.status, row.used_by, row.used_at = "used", scope.customer_id, utcnow()
        await scope.session.flush()
        return {"referral_code_id": str(row.id), "referred_by": str(row.customer_id)}
