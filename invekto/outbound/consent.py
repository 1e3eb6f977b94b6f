"""Marketing consent: opt-outs and opt-ins, each recorded with its source and time.

A customer who stops marketing messages still gets utility and service messages (an order
update, an answer): only MARKETING templates stop. The state is ``Customer.marketing_opt_out_at``
and every change is a ``ConsentEvent`` row. The check that counts is the one made at the send
(``invekto.outbound.dispatch``); scheduling and audiences only skip the opted-out early.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.text import fold
from invekto.storage.models import ConsentEvent, Customer, utcnow

ConsentAction = Literal["stop", "resume"]

STOP_WORDS = frozenset(
    {
        "stop",
        "unsubscribe",
        "iptal",
        "dur",
        "abonelikten cik",
        "abonelikten cikar",
        "abonelik iptal",
        "mesaj istemiyorum",
        "mesaj gondermeyin",
        "الغاء",
        "إلغاء",
        "توقف",
        "الغاء الاشتراك",
        "إلغاء الاشتراك",
    }
)
"""Whole messages that stop marketing ("STOP", "İPTAL", "dur", "abonelikten çık", "إلغاء")."""
RESUME_WORDS = frozenset({"baslat", "start", "resume", "devam", "abone ol", "ابدأ", "اشتراك"})
"""Whole messages that opt in again ("BAŞLAT", "START")."""

_MARKS = re.compile(r"[\s\.,!?;:\-–—_'\"()\[\]؟،…]+")


def _folded(text: str) -> str:
    """Lower case, Turkish letters and accents folded, punctuation dropped."""
    return _MARKS.sub(" ", fold(text)).strip()


MAX_KEYWORD_CHARS = 40


def consent_keyword(text: str) -> ConsentAction | None:
    """``stop`` or ``resume`` when the whole message is one of the keywords, else None.

    Only whole messages count: "siparişimi iptal etmek istiyorum" cancels an order, it does not
    unsubscribe anyone.
    """
    if not text or len(text) > MAX_KEYWORD_CHARS:
        return None
    folded = _folded(text)
    if folded in STOP_WORDS:
        return "stop"
    if folded in RESUME_WORDS:
        return "resume"
    return None


def may_receive(customer: Customer, category: str | None) -> bool:
    """Whether a message of this template category may go to the customer now."""
    return (category or "").upper() != "MARKETING" or customer.marketing_opt_out_at is None


async def record_consent(
    session: AsyncSession,
    customer: Customer,
    *,
    action: ConsentAction,
    source: str,
    detail: str = "",
    at: dt.datetime | None = None,
) -> bool:
    """Record an opt-out or opt-in; True when the customer's state changed. The caller commits.

    The event row is written even when nothing changed (a second "STOP" is still a fact).
    """
    at = at or utcnow()
    session.add(
        ConsentEvent(
            tenant_id=customer.tenant_id,
            customer_id=customer.id,
            action=action,
            category="marketing",
            source=source[:32],
            detail=detail[:500],
            at=at,
        )
    )
    if action == "stop":
        changed = customer.marketing_opt_out_at is None
        if changed:
            customer.marketing_opt_out_at = at
    else:
        changed = customer.marketing_opt_out_at is not None
        customer.marketing_opt_out_at = None
    if changed and action == "stop":
        from invekto.outbound.schedule import cancel_marketing

        await cancel_marketing(session, customer)
    return changed
