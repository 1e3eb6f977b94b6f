"""Offer rules and recommendations, pure: validation, the discount ceiling under every rule
combination, stock and margin awareness, "son N adet" only when the stock says so."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from pydantic import ValidationError

from invekto.core.tenant_settings import TenantSettings
from invekto.revenue.recommend import recommend, upgrade_for
from invekto.revenue.rules import ProductView, Rule, RuleSpec, check_ceiling, discount_for


def product(main_id, category, *, tier="medium", stock=10, price="100", provider="own"):
    return ProductView(
        product_main_id=main_id,
        title=f"{category} {main_id}",
        category=category,
        margin_tier=tier,
        price=Decimal(price),
        stock=stock,
        url=None,
        provider=provider,
    )


def rule(name, kind, trigger, target, *, priority=100, discount=0, enabled=True):
    return Rule(
        id=name,
        spec=RuleSpec(
            name=name,
            kind=kind,
            priority=priority,
            enabled=enabled,
            trigger=trigger,
            target=target,
            discount_percent=discount,
        ),
    )


def settings(max_percent=None, auto=0, low_stock=3, on=True) -> TenantSettings:
    return TenantSettings.model_validate(
        {
            "discounts": {"max_percent": max_percent},
            "revenue": {
                "discount_auto_percent": auto,
                "low_stock": low_stock,
                "recommendations": on,
            },
        }
    )


SHIRT = product("SHIRT", "Gömlek", tier="high", price="450")
BELT = product("BELT", "Kemer", tier="high", price="120")
CHEAP_BELT = product("CBELT", "Kemer", tier="low", price="60")
SPRAY = product("SPRAY", "Bakım", stock=3, price="130")
CREAM = product("CREAM", "Bakım", stock=0, tier="high")
HAT = product("HAT", "Şapka", stock=5)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "bundle", "trigger": {}, "target": {"products": ["B"]}}, "trigger"),
        ({"kind": "bundle", "trigger": {"products": ["A"]}, "target": {}}, "names the products"),
        ({"kind": "upsell", "trigger": {"tiers": ["low"]}, "target": {}}, "tier it offers"),
        (
            {"kind": "upsell", "trigger": {"tiers": ["high"]}, "target": {"tier": "medium"}},
            "higher tier",
        ),
        (
            {
                "kind": "cross_sell",
                "trigger": {"products": ["A"]},
                "target": {"products": ["B"]},
                "discount_percent": 5,
            },
            "only a bundle",
        ),
        ({"kind": "bundle", "trigger": {"products": ["A"]}, "target": {"x": 1}}, "Extra inputs"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_the_reason(spec, message):
    with pytest.raises(ValidationError, match=message):
        RuleSpec.model_validate({"name": "r", **spec})


def test_an_upsell_without_a_category_stays_in_the_trigger_category():
    spec = RuleSpec(name="u", kind="upsell", trigger={"tiers": ["low"]}, target={"tier": "high"})
    assert spec.target.same_category


def test_a_rule_over_the_tenants_maximum_cannot_be_saved():
    spec = RuleSpec(
        name="b",
        kind="bundle",
        trigger={"products": ["A"]},
        target={"products": ["B"]},
        discount_percent=20,
    )
    assert "over the tenant's maximum discount (15%" in check_ceiling(spec, settings(15))
    assert check_ceiling(spec, settings(20)) is None
    assert "(0%" in check_ceiling(spec, settings(None))  # unset: no discount at all


# --- the ceiling, every combination ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_percent", "max_percent", "auto"),
    list(itertools.product([0, 5, 10, 15, 30, 100], [None, 0, 10, 15, 50], [0, 5, 10, 20])),
)
def test_no_discount_ever_exceeds_the_tenants_maximum(rule_percent, max_percent, auto):
    discount = discount_for(rule_percent, settings(max_percent, auto))
    ceiling = max_percent or 0
    assert 0 <= discount.percent <= ceiling
    assert discount.percent == min(rule_percent, ceiling)
    assert discount.needs_review == (discount.percent > min(auto, ceiling))
    assert discount.capped == (rule_percent > ceiling)


def test_every_rule_combination_recommends_within_the_ceiling():
    rules = [
        rule("b1", "bundle", {"products": ["SHIRT"]}, {"products": ["BELT"]}, discount=30),
        rule("b2", "bundle", {"categories": ["Gömlek"]}, {"categories": ["Bakım"]}, discount=12),
        rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Şapka"]}),
        rule("u", "upsell", {"tiers": ["low"]}, {"tier": "high"}),
    ]
    shelf = [SHIRT, BELT, CHEAP_BELT, SPRAY, CREAM, HAT]
    for count in range(1, len(rules) + 1):
        for chosen in itertools.combinations(rules, count):
            for ceiling in (None, 0, 10, 15):
                picks = recommend(SHIRT, shelf, chosen, settings(ceiling, auto=10))
                for pick in picks:
                    assert pick.discount.percent <= (ceiling or 0)
                    assert pick.product.stock > 0


# --- recommendations ---------------------------------------------------------------------------


def test_picks_are_in_stock_by_priority_then_margin_and_scarcity_only_when_true():
    rules = [
        rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Kemer", "Bakım"]}),
        rule(
            "b",
            "bundle",
            {"products": ["SHIRT"]},
            {"products": ["SPRAY"]},
            priority=300,
            discount=10,
        ),
    ]
    picks = recommend(SHIRT, [SHIRT, BELT, CHEAP_BELT, SPRAY, CREAM], rules, settings(15, auto=10))
    assert [p.product.product_main_id for p in picks] == ["SPRAY", "BELT", "CBELT"]
    assert picks[0].source == "bundle" and picks[0].discount.percent == 10
    assert not picks[0].discount.needs_review
    assert picks[0].scarce == 3  # exactly what the stock says
    assert picks[1].scarce is None  # 10 in stock: not "son N adet"
    assert "CREAM" not in {p.product.product_main_id for p in picks}  # out of stock


def test_equal_fits_prefer_the_higher_margin():
    rules = [rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Kemer"]})]
    picks = recommend(SHIRT, [SHIRT, CHEAP_BELT, BELT], rules, settings())
    assert [p.product.margin_tier for p in picks] == ["high", "low"]


def test_bought_together_comes_after_the_rules_and_needs_a_pattern():
    rules = [rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Şapka"]})]
    picks = recommend(
        SHIRT, [SHIRT, HAT, BELT, SPRAY], rules, settings(), together={"BELT": 5, "SPRAY": 1}
    )
    assert [(p.product.product_main_id, p.source) for p in picks] == [
        ("HAT", "cross_sell"),
        ("BELT", "together"),
    ]


def test_what_the_customer_owns_and_the_product_itself_are_not_offered():
    rules = [rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Kemer"]})]
    picks = recommend(SHIRT, [SHIRT, BELT, CHEAP_BELT], rules, settings(), bought={"BELT"})
    assert [p.product.product_main_id for p in picks] == ["CBELT"]


def test_disabled_rules_and_a_tenant_that_switched_recommendations_off():
    rules = [
        rule(
            "x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Kemer"]}, enabled=False
        )
    ]
    assert recommend(SHIRT, [SHIRT, BELT], rules, settings()) == []
    on = [rule("x", "cross_sell", {"categories": ["Gömlek"]}, {"categories": ["Kemer"]})]
    assert recommend(SHIRT, [SHIRT, BELT], on, settings(on=False)) == []
    assert recommend(None, [SHIRT, BELT], on, settings()) == []


def test_an_upsell_offers_the_higher_tier_of_the_same_category():
    tee = product("TEE", "Tişört", tier="low")
    premium = product("PTEE", "Tişört", tier="high")
    other = product("SWEAT", "Sweatshirt", tier="high")
    rules = [rule("u", "upsell", {"tiers": ["low"]}, {"tier": "high"})]
    assert [p.product_main_id for p in upgrade_for(tee, [tee, premium, other], rules)] == ["PTEE"]
    picks = recommend(tee, [tee, premium, other], rules, settings())
    assert [(p.product.product_main_id, p.source) for p in picks] == [("PTEE", "upsell")]
