"""The order's situation decides between readings a keyword confuses.

- "iptal etmek istiyorum" for an order that was delivered is a return (nothing is left to
  cancel; the return is what the customer can do);
- "iade etmek istiyorum" for an order that has not shipped yet is a cancellation;
- a return or an exchange already sent (or approved) whose money has not come back is a payment
  problem, whatever the story says first ("iadeye gönderdim, onaylandı, para ne zaman geçer").

The situation is what the graph knows of the order in focus (its state), else what the
customer's own words state ("teslim aldım", "daha kargoya verilmedi", "hasn't shipped yet").
``situate`` returns the intent to act on. Linear patterns over the folded text.
"""

from __future__ import annotations

import re

from invekto.core.text import fold

DELIVERED = "delivered"
PREPARING = "preparing"
SHIPPED = "shipped"
RETURNED = "returned"
STATES = (PREPARING, SHIPPED, DELIVERED, RETURNED)

MARKETPLACE_STATES = {
    "Created": PREPARING,
    "Awaiting": PREPARING,
    "Picking": PREPARING,
    "Invoiced": PREPARING,
    "UnPacked": PREPARING,
    "Shipped": SHIPPED,
    "AtCollectionPoint": SHIPPED,
    "Delivered": DELIVERED,
    "UnDelivered": SHIPPED,
    "Returned": RETURNED,
}
"""Trendyol's (and the stand-in's) order states, as situations."""

REFUND_READINGS = {
    "return_request",
    "exchange_request",
    "cancel_order",
    "order_status",
    "complaint",
    "other",
}
"""Readings a story of money not back after a return, an exchange or a cancellation gets
from its first keyword."""
_STATED_DELIVERED = re.compile(
    r"\b(?:teslim (?:aldim|aldik|edildi|edilmis)|elime (?:ulasti|gecti|geldi)|"
    r"(?:urun|paket|siparis|kargo)\w* (?:geldi|ulasti|elime)|dun geldi|bugun geldi|"
    r"(?:received|got|opened) (?:it|the (?:order|parcel|package|item|box)|my order)|"
    r"(?:it|the (?:order|parcel|package|item)) (?:came|arrived|was delivered)|"
    r"(?:just|already) (?:arrived|delivered)|wasal|wesel|wosel|estalamt|stalamt)\b"
    r"|(?:استلمت|وصلني|وصل الطلب|وصلت الطلبية|جاني الطلب|اجاني|وصلتني)"
)
_STATED_NOT_SHIPPED = re.compile(
    r"\b(?:(?:daha|henuz|hala) (?:kargoya )?(?:verilmedi|verilmemis|vermediniz|cikmadi|"
    r"gonderilmedi|kargolanmadi|hazirlaniyor)|kargoya (?:verilmedi|verilmemis|vermediniz)|"
    r"hazirlaniyor (?:gorunuyor|yaziyor)|(?:has ?n[o']?t|hasnt|not|wasn'?t|isn'?t) "
    r"(?:been )?(?:shipped|dispatched|sent)(?: out)?(?: yet)?|not (?:yet )?shipped|"
    r"just (?:ordered|placed)|ordered (?:an hour|a few minutes|minutes) ago|"
    r"lessa ma (?:et|it)?\w*|lissa ma \w+|mat?sha7ansh|ma et?sha7ansh)\b"
    r"|(?:لسه ما (?:اتشحن|انشحن|شحن)|لم يتم شحن|ما انشحن|ما اتشحن|لسا ما انشحن|لم يشحن)"
)
_RETURN_SENT = re.compile(
    r"\b(?:iade (?:ettim|ettik|etmistim|gonderdim|kargosuna verdim|onaylandi|onaylanmis|"
    r"kabul edildi|tamamlandi|ulasmis)|iadeye (?:gonderdim|verdim|yolladim|cikardim)|"
    r"geri (?:gonderdim|yolladim|gitti)|degisim(?:e| icin) (?:gonderdim|yolladim)|"
    r"(?:sent|shipped|mailed) (?:it|them|the \w+) back|returned (?:it|them|the \w+)|"
    r"return (?:was |is |has been |shows (?:as )?)?(?:approved|accepted|received|completed)|"
    r"got (?:it|them|the \w+) back|(?:warehouse|you|they) (?:have )?(?:received|confirmed|got)|"
    r"says you (?:received|got)|depoya (?:ulasti|ulasmis|geldi|gitti)|size ulasti|"
    r"size ulasmis|teslim aldiniz|rajja3t|raja3t|rage3t|ragga3t|ba3atelkon|ba3atlkom|"
    r"rag3to|raja3to|iptal (?:oldu|olmustu|olmus|edildi|edilmisti|ettim|etmistim|ettiniz)|"
    r"(?:was|got|been) cancell?ed|i cancell?ed)\b"
    r"|(?:رجعت|ارجعت|المرتجع اتقبل|المرتجع وصل|تم قبول الإرجاع|رجعتها|استلمتوا المرتجع)"
)
_MONEY_NOT_BACK = re.compile(
    r"\b(?:(?:para\w*|ucret\w*|tutar\w*|fark\w*) (?:\w+ ){0,3}(?:gelmedi|yatmadi|gecmedi|"
    r"yansimadi|iade edilmedi|iade etmediniz|odenmedi|donmedi)|"
    r"para\w* (?:\w+ ){0,2}ne zaman (?:\w+ )?(?:gecer|yatar|gelir|yansir|iade)|"
    r"(?:money|refund|payment|difference)\w* (?:\w+ ){0,4}(?:not|never|hasn'?t|hasnt|still|yet)|"
    r"(?:nothing|no money|no refund) (?:has )?(?:come|came|arrived|got) (?:back|in)|"
    r"(?:still )?nothing (?:on|in|back to) my (?:card|account|bank)|"
    r"where(?:'s| is) my (?:refund|money)|"
    r"(?:hala|henuz) para (?:yok|gelmedi|yatmadi)|param (?:nerede|nerde|yok)|"
    r"(?:masari|msari|flous|floos) (?:\w+ )?(?:ma )?(?:nazal|nazalo|raj3o|rij3o|wislo)\w*|"
    r"still (?:no|not|waiting for (?:my|the)) (?:refund|money)|"
    r"(?:flous|msari|masari|floos)\w* (?:\w+ ){0,3}(?:lessa|lissa|ma)\b)"
    r"|(?:الفلوس لسه|الفلوس ما|المبلغ ما|المبلغ لم|ما رجعت الفلوس|ما رجعولي|لم يصل المبلغ|"
    r"ما وصلني المبلغ|المصاري ما)"
)


_STATED_NOT_RECEIVED = re.compile(
    r"\b(?:(?:daha|henuz|hala) (?:elime )?(?:ulasmadi|gelmedi|teslim edilmedi)|"
    r"elime (?:daha |henuz )?(?:ulasmadi|gecmedi)|"
    r"(?:has ?n[o']?t|hasnt|not) (?:arrived|been delivered|come)(?: yet)?|"
    r"(?:haven'?t|have not|didn'?t|did not) (?:received|get|got)(?: it)?(?: yet)?|"
    r"lessa ma (?:wesel|wasal|wosel)\w*|lissa ma wasal\w*|ma wasal(?:ni)? lessa)\b"
    r"|(?:لسه ما وصل|لسا ما وصل|ما وصلني|ما وصل لسه|لم يصل بعد|لم يصلني)"
)


def stated_state(text: str) -> str | None:
    """The order's situation the customer's words state, if any (an order not received yet
    reads as not shipped: there is nothing to send back)."""
    folded = fold(text)
    if _STATED_NOT_SHIPPED.search(folded) or _STATED_NOT_RECEIVED.search(folded):
        return PREPARING
    if _STATED_DELIVERED.search(folded):
        return DELIVERED
    return None


def refund_missing(text: str) -> bool:
    """A return or an exchange sent back whose money has not come back yet."""
    folded = fold(text)
    return bool(_RETURN_SENT.search(folded) and _MONEY_NOT_BACK.search(folded))


def situate(intent: str, text: str, order_state: str | None = None) -> str:
    """The intent to act on, given the order's situation (``order_state``: the graph's
    knowledge of the order, one of ``STATES``; else what the text states)."""
    if intent in REFUND_READINGS and refund_missing(text):
        return "payment_problem"
    state = stated_state(text) or order_state
    if intent == "cancel_order" and state in (DELIVERED, RETURNED):
        return "return_request"
    if intent == "return_request" and state == PREPARING:
        return "cancel_order"
    return intent
