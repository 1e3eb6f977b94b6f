"""The dialogue state every agent shares: what the conversation is about, what the customer has
already said, and the tasks left open when a new request came in.

- **Focus**: the order, the product (with the colour and size asked) and the quantity the
  conversation is about. Any agent sets it and any agent reads it, across turns and languages:
  "fiyatı ne kadar bunun" after a stock answer is about that product in that variant; "iptal
  edebilir miyim" after a status answer is about that order.
- **Slots**: facts the customer stated (a return reason, the size or colour wanted, a company,
  an e-mail), filled from any turn and never asked again once given.
- **Suspended tasks**: when a new request interrupts a flow ("değişim ister misiniz?" → "bir de
  mont siparişimi iptal edin"), the flow is put aside, the new request is served, and the flow's
  question is asked again (Rasa CALM's digressions); an answer to the new request's own question
  goes to the new request, the newest question first.

Policy only: plain data in the checkpointed state, no model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from invekto.core.text import fold
from invekto.integrations.glossary import turkish_words
from invekto.nlu.attributes import asked_attributes
from invekto.nlu.entities import colors_in
from invekto.nlu.rules import asks_price

MAX_SUSPENDED = 3
"""Older interrupted tasks are dropped: nobody resumes a fourth-level digression."""
SUSPENDED_TURNS = 4
"""An interrupted task not resumed within this many turns is dropped."""


class ProductFocus(TypedDict, total=False):
    title: str
    product_main_id: str
    color: str | None
    size: str | None


class Focus(TypedDict, total=False):
    order: str
    """The order number the conversation is about (the last one answered or acted on)."""
    order_state: str | None
    """Its situation when it was looked up (``nlu.situation.STATES``): "iptal" for a delivered
    order is then read as a return."""
    product: ProductFocus
    quantity: int
    request: str
    """The intent of the customer's last request an agent served: what a correction ("pardon,
    10654400005 olacak", "S değil M") asks again."""


class Suspended(TypedDict):
    agent: str
    flow: dict[str, Any]
    question: str
    """The flow's last question, asked again when it resumes."""
    turns: int
    """Turns since it was put aside."""
    ask_again: bool
    """Its question is asked again when it resumes: it was asked before the message that
    interrupted it (not by an earlier request of the same message, whose reply still shows it)."""


SLOT_ENTITIES = {"return_reason": "return_reason", "company": "company"}
"""Entities kept as slots as soon as the customer states them."""


def note_understanding(
    focus: Focus, slots: dict[str, Any], understanding: dict[str, Any]
) -> tuple[Focus, dict[str, Any]]:
    """What this message states: a quantity becomes the focus, and the slots take what the
    customer said (a reason, a company, an e-mail). An order number named becomes the focus only
    once an agent has found it to be the customer's."""
    entities = understanding.get("entities") or {}
    focus = Focus(**focus)
    slots = dict(slots)
    quantities = entities.get("quantities") or []
    if quantities:
        focus["quantity"] = int(quantities[0])
    for slot, entity in SLOT_ENTITIES.items():
        if entities.get(entity):
            slots[slot] = entities[entity]
    emails = entities.get("emails") or []
    if emails:
        slots["email"] = emails[0]
    return focus, slots


def suspend(
    stack: list[Suspended],
    agent: str,
    flow: dict[str, Any],
    question: str,
    *,
    ask_again: bool = True,
) -> list[Suspended]:
    """``stack`` with the interrupted flow on top (one entry per agent, the newest kept)."""
    kept = [task for task in stack if task["agent"] != agent]
    task = Suspended(agent=agent, flow=flow, question=question, turns=0, ask_again=ask_again)
    return [*kept, task][-MAX_SUSPENDED:]


def resume(stack: list[Suspended], agent_in_flow: bool) -> tuple[Suspended | None, list[Suspended]]:
    """The task to resume now that a request was served (none while that request's own flow
    is open), and the stack without it."""
    if agent_in_flow or not stack:
        return None, stack
    return stack[-1], stack[:-1]


FOLLOW_UP_WORDS = 8
"""A follow-up about the product in focus is short: "L de var mı peki?", "siyahı?"."""
_THE_OTHER = re.compile(r"\b(?:diger\w*|obur\w*|other|another)\b|الآخر|الثاني")


def names_the_other(text: str) -> bool:
    """ "peki diğeri", "öbürü", "the other one": not the order or product in focus."""
    return _THE_OTHER.search(fold(text)) is not None


_ORDER_WORDS = re.compile(
    r"\b(?:siparis\w*|kargo\w*|paket\w*|teslim\w*|iade\w*|degis\w*|iptal\w*|fatura\w*|"
    r"order\w*|parcel|package|deliver\w*|return\w*|exchange\w*|cancel\w*|invoice\w*)\b"
    r"|طلب|شحن|إرجاع|ارجاع|استبدال|إلغاء|الغاء|فاتورة"
)


def names_a_variant_only(understanding: Mapping[str, Any], text: str) -> bool:
    """A colour or size of the product in focus, with no word of an order, a return or a
    delivery ("siyahı ne zaman gelir peki" is about the black one coming back in stock)."""
    entities = understanding.get("entities") or {}
    return bool(entities.get("sizes") or entities.get("colors")) and not _ORDER_WORDS.search(
        fold(text)
    )


def follows_up_on_product(
    understanding: dict[str, Any], text: str, focus: Mapping[str, Any]
) -> str | None:
    """The product intent of a short message that asks about the product in focus without
    naming one ("M olsa?", "siyahı kaldı mı", "fiyatı ne kadar bunun"), else None. A bare
    size the entity extractor leaves alone in a short message ("M olsa?") is added to the
    understanding's sizes (``understanding`` is changed in place)."""
    if not (focus.get("product") or {}).get("title"):
        return None
    entities = understanding.get("entities") or {}
    if entities.get("order_numbers") or entities.get("return_reason") or entities.get("company"):
        return None
    folded = fold(text)
    if len(folded.split()) > FOLLOW_UP_WORDS:
        return None
    if asked_attributes(text):
        return "product_question"  # "garantisi ne kadar?", "what fabric is it?"
    if asks_price(text):
        return "price_question"
    if not entities.get("sizes") and len(folded.split()) <= BARE_SIZE_WORDS:
        bare = _LETTER_SIZE.findall(folded) or [
            _SIZE_WORDS[w] for w in folded.split() if w in _SIZE_WORDS
        ]
        if bare:
            entities = {**entities, "sizes": [bare[0].upper()]}
            understanding["entities"] = entities  # type: ignore[index]
    if entities.get("sizes") or entities.get("colors") or _THE_OTHER.search(folded):
        return "stock_question"
    return None


BARE_SIZE_WORDS = 4
_SIZE_WORDS = {"small": "S", "medium": "M", "large": "L"}
""""M olsa?", "peki L?": a lone letter is a size only in a message this short."""


def aged(stack: list[Suspended]) -> list[Suspended]:
    """One more turn has passed: tasks put aside too long ago are dropped."""
    return [
        Suspended(**{**task, "turns": task["turns"] + 1})
        for task in stack
        if task["turns"] + 1 < SUSPENDED_TURNS
    ]


# --- references --------------------------------------------------------------------------------

_GENERIC = frozenset(
    {
        "siparis", "kargo", "kargom", "urun", "urunu", "paket", "order", "orders", "package",
        "parcel", "item", "items", "istiyorum", "lutfen", "please", "merhaba", "nerede", "zaman",
        "where", "when", "iptal", "cancel", "iade", "return", "degisim", "exchange", "fatura",
        "invoice", "adres", "address", "olan", "olani", "hangi", "gelir", "geldi", "gelmedi",
    }
)  # fmt: skip
_WORD = re.compile(r"\w{4,}")


def _stems(text: str) -> set[str]:
    """Five-letter stems of the words that can name a product, English and Arabic product words
    in Turkish as the catalogue writes them ("kids' jacket" → çocuk, mont, ceket)."""
    words = [*_WORD.findall(fold(text)), *turkish_words(text)]
    return {word[:5] for word in words if len(word) >= 4 and word not in _GENERIC}


def named_orders(text: str, orders: Sequence[Any], products: Sequence[str] = ()) -> list[str]:
    """The orders among ``orders`` whose items the message names ("cüzdan siparişim", "mont
    olanı"; ``products`` are the product types the understanding found, which also covers
    English and Arabic), in their order."""
    said = _stems(" ".join([text, *products]))
    if not said:
        return []
    return list(
        dict.fromkeys(
            order.order_number
            for order in orders
            if said & {stem for item in order.items for stem in _stems(item)}
        )
    )


def named_order(text: str, orders: Sequence[Any], products: Sequence[str] = ()) -> str | None:
    """The one order the message names, else None (none or several)."""
    matches = named_orders(text, orders, products)
    return matches[0] if len(matches) == 1 else None


_ARRIVED = re.compile(
    r"\b(?:geldi\w*|gelmis\w*|cikti|cikmis\w*|gonderil\w*|gonderdiniz|gondermissiniz|"
    r"yolladiniz|yollamissiniz|ulasti|ulasmis\w*|elime gecti|came|arrived|was sent|you sent|"
    r"received|showed up|turned up|begenmedim|begenmedik|sevmedim|istemiyorum|hosuma gitmedi|"
    r"don.?t like|did ?n.?t like|do not like)\b|وصل\w*|جاء\w*|لم يعجبني"
)
_COLOUR_WORDS = frozenset({"rengi", "rengini", "renk", "colour", "color"})
_LETTER_SIZE = re.compile(r"(?<!\w)(xxs|xs|s|m|l|xl|xxl|xxxl|\d{2})(?!\w)")


def received_variant(text: str) -> str | None:
    """The colour (or size) that arrived, or that the customer does not like, as they say it:
    "siyah gelmiş" → siyah, "it came in M" → M, "siyah rengini beğenmedim" → siyah; None when
    the message does not say."""
    folded = fold(text)
    for match in _ARRIVED.finditer(folded):
        before = " ".join(w for w in folded[: match.start()].split()[-3:] if w not in _COLOUR_WORDS)
        after = " ".join(folded[match.end() :].split()[:3])
        for window in (before, after) if match.group(0).isascii() else (before,):
            colors = colors_in(window)
            if colors:
                return colors[-1] if window is before else colors[0]
            sizes = _LETTER_SIZE.findall(window)
            if sizes:
                return sizes[-1].upper()
    return None


_CORRECTION = re.compile(
    r"\b(?:pardon|yanlis yaz\w*|yanlis soyle\w*|ters soyle\w*|kusura bakma\w*|duzelt\w*|"
    r"demek istedim|olacak|olmali|sorry|typo|i meant|i mean|correction|my mistake|not\b|"
    r"make (?:that|it))\b"
    r"|عفوا|عفواً|قصدت|أقصد|اقصد|خطأ"
)
_BARE_COUNT = re.compile(r"(?<![\w.,])([1-9]\d?)(?![\w.,])")
_ORDER_SLOTS = ("order_numbers",)
_PRODUCT_SLOTS = ("sizes", "colors", "quantities")
SLOTS_OF_REQUEST = {
    "order_status": _ORDER_SLOTS,
    "delivery_time": _ORDER_SLOTS,
    "cancel_order": _ORDER_SLOTS,
    "address_change": _ORDER_SLOTS,
    "invoice_request": (*_ORDER_SLOTS, "emails"),
    "stock_question": _PRODUCT_SLOTS,
    "price_question": _PRODUCT_SLOTS,
    "product_question": _PRODUCT_SLOTS,
}
"""What a correction of each request may change: an order number, a size, an e-mail..."""


def correction(understanding: dict[str, Any], text: str, focus: Mapping[str, Any]) -> str | None:
    """The intent of the request a message corrects or completes ("pardon yanlış yazmışım
    10654400005 olacak", "S değil M bakabilir misiniz", "sorry, I meant 10654400001", an
    e-mail address with nothing else to say), else None. The value
    corrected away ("S değil", "not S") is taken out of the understanding's entities (changed in
    place)."""
    request = focus.get("request")
    entities = dict(understanding.get("entities") or {})
    slots = SLOTS_OF_REQUEST.get(str(request), ())
    folded = fold(text)
    if "quantities" in slots and not entities.get("quantities") and _CORRECTION.search(folded):
        count = _BARE_COUNT.search(folded)
        if count:
            entities["quantities"] = [int(count.group(1))]  # "sorry, make that 4"
    if not any(entities.get(slot) for slot in slots):
        return None
    unsure = understanding.get("intent") == "other"
    if (
        not unsure
        and not _CORRECTION.search(folded)
        and not re.search(r"\b(?:degil|yerine)\b", folded)
    ):
        return None
    for slot in ("sizes", "colors"):
        values = entities.get(slot) or []
        kept = [v for v in values if not _negated(fold(str(v)), folded)]
        if kept and len(kept) < len(values):
            entities[slot] = kept
    understanding["entities"] = entities
    return str(request)


def _negated(value: str, folded: str) -> bool:
    """ "s degil m", "s yerine m", "not s but m": ``value`` is the one corrected away."""
    v = re.escape(value)
    return re.search(rf"(?<!\w){v}\w*\s+(?:degil|yerine)\b|\bnot\s+{v}(?!\w)", folded) is not None


_DROPS = re.compile(
    r"\b(?:vazgectim|vazgec\w*|bosver\w*|bos ver\w*|gerek yok|istemiyorum artik|iade etmi\w*|"
    r"iptal etmi\w*|degistirmi\w*|forget it|never ?mind|no need|don.?t want (?:it|that) anymore|"
    r"changed my mind about)\b|لا داعي|انس الموضوع|غيرت رأيي"
)


def drops_the_flow(text: str) -> bool:
    """ "boşverin iade etmicem, ...", "forget it, ...": the open flow is dropped, not put aside."""
    return _DROPS.search(fold(text)) is not None
