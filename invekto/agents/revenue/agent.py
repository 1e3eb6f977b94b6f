"""Revenue agent: "bu gömleğin yanına ne gider", "ödeme linki atar mısınız".

A recommendation names the product in focus (the one the conversation is about, or the one the
message names) and offers up to three products from the tenant's rules and "bought together":
in stock only, "son N adet" only when the stock says so, bundle prices from the catalogue at the
rule's discount (capped by the tenant's maximum). The picks stay on offer (``revenue_offer``):
"ikincisi", "evet" or the product's name takes one; "hayır" declines them (both logged).

Taking a product, or asking to pay, leads to the channel's way of paying: a marketplace product
is paid on the marketplace (its product page: a payment link would break its rules); a product
of the seller's own shop gets a payment link, proposed as an action (made by a job after the
decision, over the tenant's auto limit only once a person accepts it).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.state import ConversationState
from invekto.core.text import fold, words
from invekto.integrations.catalog import names_a_product
from invekto.integrations.glossary import glossary_words
from invekto.nlu.answers import yes_or_no
from invekto.revenue.payments import RecommendationAnswer, format_amount
from invekto.tools.context import TurnContext
from invekto.tools.revenue import (
    PaymentLinkResult,
    RecommendResult,
    prepare_payment_link,
    recommend_products,
)

NAME = "revenue"
OFFER_FLOW = "revenue_offer"
MARKETPLACE_NAMES = {"trendyol": "Trendyol", "hepsiburada": "Hepsiburada"}
_GOES_WITH = re.compile(
    r"\b(?:yanina|yaninda|ile|iyle|\w+(?:le|la|yle|yla)|ne gider|gider|yakis\w*|"
    r"uy(?:ar|an|acak|um\w*|gun\w*)|kombin\w*|birlikte|daha|iyisi|kaliteli\w*|ona|buna|bununla|bundan|onunla|with|goes|"
    r"go|match\w*|pair\w*|accessor\w*|aksesuar\w*|better|than|instead|ma3|m3)\b"
    r"|مع|يلبق|يليق|يناسب|أحسن|احسن|أفضل|افضل|بدل"
)
"""Words that ask about a product named (what goes with it, a better one), not for a product
that fits a need."""
_NEED_CUE = re.compile(
    r"\b(?:bir|bi|birsey|hediye\w*|icin|ariyorum|bakiyorum|lazim|a|an|some|something|anything|"
    r"gift|present|looking|need)\b|شي|شيء|هدية|ابحث|أبحث"
)
"""An indefinite product or a purpose: "bana yazlık bir elbise önerir misiniz", "a gift"."""
_NOT_NAMING = re.compile(r"^(?:\d+|ve|ile|and|with|the|bu|su|o|bunu|onu|şunu)$")


async def revenue_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    signals = set(turn.understanding.get("signals") or [])
    flow = turn.flow if turn.flow.get("name") == OFFER_FLOW else {}
    wants_link = "wants_payment_link" in signals or (
        flow.get("awaiting") == "pay" and "wants_recommendation" not in signals
    )
    if flow.get("awaiting") == "pay" and flow.get("picks") and not _names_a_product(turn.text_in):
        # "o zaman 3 tane olsun" after "5 adet stokta yok": the same product, a new quantity.
        if yes_or_no(turn.text_in) is False:
            return _declined(turn, flow)
        return await _checkout(turn, [flow["picks"][0]["product_main_id"]])
    if flow and "wants_recommendation" not in signals and flow.get("awaiting") != "pay":
        chosen = _choice(turn, flow)
        if chosen is False:
            return _declined(turn, flow)
        if chosen:
            return await _checkout(turn, chosen)
        if not wants_link and flow.get("picks"):
            turn.sure = True
            return turn.done(
                turn.text("revenue_ask_which", picks=_numbered(turn, flow["picks"], None)),
                flow=flow,
            )
    if wants_link:
        focus = (turn.focus.get("product") or {}).get("product_main_id")
        named = _names_a_product(turn.text_in)
        if named or not focus:
            result: RecommendResult = await turn.call(recommend_products, product=turn.text_in)
            if result.focus:
                return await _checkout(turn, [result.focus["product_main_id"]])
        if focus:
            return await _checkout(turn, [focus])
        turn.sure = True
        return turn.done(turn.text("revenue_ask_product_to_pay"), flow=_asking("pay"))
    if "asks_bundle" in signals and "wants_recommendation" not in signals:
        return await _bundle(turn)
    return await _recommend(turn)


async def _bundle(turn: AgentTurn) -> dict[str, Any]:
    """ "Gömlekle kemeri birlikte alırsam indirim var mı": the bundle rule of the products
    named, whichever of them the rule starts from; else the recommendations for the first."""
    result: RecommendResult = await turn.call(recommend_products, product=turn.text_in)
    named = result.named
    if not any(p.get("discount_percent") and p["product_main_id"] in named for p in result.picks):
        for other in named[1:]:
            again: RecommendResult = await turn.call(recommend_products, product=other)
            if any(
                p.get("discount_percent") and p["product_main_id"] in named for p in again.picks
            ):
                result = again
                break
    return _offer(turn, result)


def _asking(awaiting: str, picks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The offer flow while it waits for a product name (``expects``) or a quantity."""
    return {
        "name": OFFER_FLOW,
        "picks": picks or [],
        "awaiting": awaiting,
        "expects": "product",
        "answers": ["quantities"],
    }


def _declined(turn: AgentTurn, flow: dict[str, Any]) -> dict[str, Any]:
    turn.actions.append(
        RecommendationAnswer(
            product_main_ids=[p["product_main_id"] for p in flow.get("picks", [])],
            accepted=False,
        )
    )
    turn.sure = True
    return turn.done(turn.text("revenue_declined"))


async def _recommend(turn: AgentTurn) -> dict[str, Any]:
    in_focus = (turn.focus.get("product") or {}).get("product_main_id")
    named = _names_a_product(turn.text_in)
    result: RecommendResult = await turn.call(
        recommend_products,
        product=turn.text_in if named or not in_focus else in_focus,
        history=not in_focus,
        need=named
        and not in_focus
        and turn.flow.get("awaiting") != "recommend"
        and bool(_NEED_CUE.search(fold(turn.text_in)))
        and not _GOES_WITH.search(fold(turn.text_in)),
    )
    if result.reason == "no_product" and named and in_focus:
        result = await turn.call(recommend_products, product=in_focus)
    return _offer(turn, result)


def _offer(turn: AgentTurn, result: RecommendResult) -> dict[str, Any]:
    """The recommendation reply: the picks on offer, or what to say when there are none."""
    if result.reason in ("no_product", "off"):
        turn.sure = True
        return turn.done(turn.text("revenue_ask_product"), flow=_asking("recommend"))
    focus = result.focus or {}
    if focus:
        turn.focus_on_product(
            focus.get("title", ""), focus.get("product_main_id", ""), color=None, size=None
        )
    if result.reason == "none":
        turn.sure = True
        return turn.done(turn.text("revenue_recommend_none", product=focus.get("title", "")))
    if any(p.get("needs_review") for p in result.picks):
        turn.review = "discount_review"
    turn.sure = True
    key = (
        "revenue_recommend_need"
        if result.need
        else "revenue_recommend_history"
        if result.from_history
        else "revenue_recommend"
    )
    return turn.done(
        turn.text(
            key,
            product=focus.get("title", ""),
            picks=_numbered(turn, result.picks, None if result.need else focus),
        ),
        flow={
            "name": OFFER_FLOW,
            "answers": [],  # an order number in the middle of an offer is a new request
            "choices": [p["title"] for p in result.picks],
            "focus": focus.get("product_main_id"),
            "picks": [
                {
                    "product_main_id": p["product_main_id"],
                    "title": p["title"],
                    "price": p["price"],
                    "bundle": bool(p.get("discount_percent")),
                }
                for p in result.picks
            ],
        },
    )


def _numbered(turn: AgentTurn, picks: list[dict[str, Any]], focus: dict[str, Any] | None) -> str:
    lines = []
    for number, pick in enumerate(picks, start=1):
        line = f"{number}) {pick['title']}"
        if pick.get("price") is not None:
            price = format_amount(Decimal(str(pick["price"])), turn.language)
            turn.grounds.append(price)
            line += f" — {price}"
        if pick.get("scarce"):
            line += f" ({turn.text('revenue_pick_scarce', count=pick['scarce'])})"
        if focus and pick.get("bundle_price"):
            bundle = format_amount(Decimal(str(pick["bundle_price"])), turn.language)
            turn.grounds += [bundle, str(pick["discount_percent"])]
            line += " · " + turn.text(
                "revenue_pick_bundle",
                product=focus.get("title", ""),
                percent=pick["discount_percent"],
                bundle_price=bundle,
            )
        lines.append(line)
    return "\n".join(lines)


def _choice(turn: AgentTurn, flow: dict[str, Any]) -> list[str] | bool | None:
    """What this message takes from the offer: the product ids (with the product in focus for a
    bundle), False for "no", None when it does not say."""
    picks = flow.get("picks") or []
    if not picks:
        return None
    ordinal = turn.entities.get("ordinal")
    chosen = None
    if isinstance(ordinal, int) and 1 <= ordinal <= len(picks):
        chosen = picks[ordinal - 1]
    elif ordinal == -1:
        chosen = picks[-1]
    if chosen is None:
        said = {w for w in words(turn.text_in) if len(w) > 3}
        said |= {w for w in glossary_words(turn.text_in) if len(w) > 3}
        matching = [p for p in picks if said & {w for w in words(p["title"]) if len(w) > 3}]
        if len(matching) == 1:
            chosen = matching[0]
    if chosen is None:
        answer = yes_or_no(turn.text_in)
        if answer is False:
            return False
        if answer is True and len(picks) == 1:
            chosen = picks[0]
    if chosen is None:
        return None
    if chosen.get("bundle") and flow.get("focus"):
        return [flow["focus"], chosen["product_main_id"]]
    return [chosen["product_main_id"]]


async def _checkout(turn: AgentTurn, product_main_ids: list[str]) -> dict[str, Any]:
    quantities = [q for q in turn.entities.get("quantities") or [] if 0 < int(q) < 1000]
    result: PaymentLinkResult = await turn.call(
        prepare_payment_link,
        product_main_ids=product_main_ids,
        quantity=int(quantities[0]) if quantities else 1,
    )
    names = " + ".join(p["title"] for p in result.products)
    if result.reason == "marketplace":
        marketplace = next(
            (MARKETPLACE_NAMES.get(p["provider"], p["provider"]) for p in result.products), ""
        )
        urls = [p["url"] for p in result.products if p.get("url")]
        if urls:
            turn.published += urls
            text = turn.text(
                "revenue_marketplace_link",
                product=names,
                marketplace=marketplace,
                url="\n".join(urls),
            )
        else:
            text = turn.text("revenue_marketplace_no_url", product=names, marketplace=marketplace)
        turn.sure = True
        return turn.done(text)
    if result.reason == "ready":
        amount = format_amount(Decimal(str(result.amount)), turn.language)
        turn.grounds += [amount, str(result.valid_hours)]
        if result.needs_review:
            turn.review = "payment_link_review"
        turn.sure = True
        description = names + (f" × {result.quantity}" if result.quantity > 1 else "")
        return turn.done(
            turn.text(
                "revenue_link_coming",
                description=description,
                amount=amount,
                valid_hours=result.valid_hours,
            )
        )
    if result.reason == "out_of_stock":
        turn.sure = True
        return turn.done(
            turn.text("revenue_out_of_stock", product=names),
            flow=_asking(
                "pay",
                [
                    {"product_main_id": p["product_main_id"], "title": p["title"]}
                    for p in result.products[:1]
                ],
            ),
        )
    if result.reason == "not_found":
        turn.sure = True
        return turn.done(turn.text("revenue_ask_product_to_pay"), flow=_asking("pay"))
    # no provider connected, or no price in the catalogue: a person takes the payment.
    return turn.done(turn.text("revenue_no_provider"), handoff_reason="payment_link")


def _names_a_product(text: str) -> bool:
    return names_a_product(text) and any(not _NOT_NAMING.match(fold(w)) for w in words(text))
