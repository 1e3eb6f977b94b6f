"""``TenantSettings``: the typed ``tenants.settings`` (defaults, strictness, the one name for the
suggestion threshold, merging a PATCH, lenient reading of stored rows, automation areas)."""

from __future__ import annotations

import logging
import uuid

import pytest
from pydantic import ValidationError

from invekto.core.tenant_settings import (
    BUILTIN_AUTOMATION_AREAS,
    TenantSettings,
    automation_areas,
    register_automation_area,
)
from invekto.guardrails.output import ReplyContext, setting_strings, tenant_rules_broken
from invekto.integrations.alerts import sales_settings
from invekto.nlu.local import nlu_settings
from invekto.nlu.signals import DEFAULT_BULK_THRESHOLD
from invekto.sandbox.seed import DEMO_SETTINGS


def _errors(call, *args) -> list[dict]:
    with pytest.raises(ValidationError) as raised:
        call(*args)
    return raised.value.errors(include_url=False)


def _locations(call, *args) -> list[tuple]:
    return [error["loc"] for error in _errors(call, *args)]


# --- defaults ------------------------------------------------------------------------------


def test_the_defaults_are_what_a_missing_key_meant():
    settings = TenantSettings()

    assert settings.automation.enabled is True
    assert all(settings.automation_on(area) for area in BUILTIN_AUTOMATION_AREAS)
    # routing.thresholds(): suggest 0.5, clarify min(0.3, suggest); signals: bulk at 20
    assert (settings.nlu.suggest_below, settings.nlu.clarify_below) == (0.5, 0.3)
    assert settings.nlu.bulk_threshold == DEFAULT_BULK_THRESHOLD == 20
    # tools.requests.cancellation_policy, agents' return days and policy texts
    assert settings.policies.cancellation == "review"
    assert settings.policies.return_days == 15
    assert settings.policies.dispatch_days == "1-2"
    assert settings.policies.free_shipping_over is None
    assert settings.policies.carriers == settings.policies.payment_methods == []
    # tools.coupons.coupon_limits: no maximum → no coupons; offer 10 %, valid 30 days. The
    # output guard checks percentages only when a maximum is set.
    assert settings.discounts.max_percent is None
    assert (settings.discounts.retention_percent, settings.discounts.coupon_valid_days) == (10, 30)
    # agents.b2b: min 20, the response time by language, the b2b_offer template
    assert settings.b2b.min_quantity == 20
    assert settings.b2b.response_time is None
    assert settings.b2b.offer_template.model_dump() == {"tr": None, "en": None, "ar": None}
    assert settings.sales.model_dump() == {
        "name": None,
        "email": None,
        "webhook_url": None,
        "webhook_secret": None,
    }
    assert not hasattr(settings, "templates")  # reply texts are prompt versions now
    assert settings.guardrails.model_dump() == {
        "banned_phrases": [],
        "competitors": [],
        "forbidden_promises": [],
    }
    assert settings.to_json() == {}


def test_clarify_below_follows_a_low_suggest_below_unless_set():
    low = TenantSettings.model_validate({"nlu": {"suggest_below": 0.2}})

    assert (low.nlu.clarify_below, low.nlu.suggest_below) == (0.2, 0.2)
    assert low.to_json() == {"nlu": {"suggest_below": 0.2}}  # derived, not stored


def test_only_what_was_set_is_stored():
    raw = {"automation": {"returns": False}, "policies": {"free_shipping_over": 300}}

    assert TenantSettings.model_validate(raw).to_json() == raw  # 300 stays an int


def test_the_demo_settings_are_valid_and_stored_as_written():
    assert TenantSettings.model_validate(DEMO_SETTINGS).to_json() == DEMO_SETTINGS
    assert "confidence_threshold" not in DEMO_SETTINGS


# --- strictness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        ({"automaton": {}}, ("automaton",)),
        ({"policies": {"retrun_days": 10}}, ("policies", "retrun_days")),
        ({"automation": {"retruns": False}}, ("automation", "retruns")),
        ({"templates": {"tr": {"greeting": "Bonjour"}}}, ("templates",)),
        ({"b2b": {"offer_template": {"de": "x"}}}, ("b2b", "offer_template", "de")),
        ({"sales": {"webhook": "https://x.test"}}, ("sales", "webhook")),
    ],
)
def test_an_unknown_key_is_an_error_naming_its_path(raw, location):
    assert location in _locations(TenantSettings.model_validate, raw)
    assert location in _locations(TenantSettings().merged, raw)


def test_an_unknown_automation_area_lists_the_known_ones():
    [error] = _errors(TenantSettings.model_validate, {"automation": {"retruns": False}})

    assert error["type"] == "unknown_automation_area"
    assert "returns" in error["msg"] and "cargo_questions" in error["msg"]


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        ({"nlu": {"suggest_below": 1.5}}, ("nlu", "suggest_below")),
        ({"nlu": {"suggest_below": -0.1}}, ("nlu", "suggest_below")),
        ({"nlu": {"clarify_below": 2}}, ("nlu", "clarify_below")),
        ({"nlu": {"bulk_threshold": 0}}, ("nlu", "bulk_threshold")),
        ({"discounts": {"max_percent": 101}}, ("discounts", "max_percent")),
        ({"discounts": {"retention_percent": -5}}, ("discounts", "retention_percent")),
        ({"discounts": {"coupon_valid_days": 0}}, ("discounts", "coupon_valid_days")),
        ({"policies": {"return_days": -1}}, ("policies", "return_days")),
        ({"policies": {"cancellation": "always"}}, ("policies", "cancellation")),
        ({"automation": {"returns": "maybe"}}, ("automation", "returns")),
        ({"guardrails": {"competitors": "Hepsiburada"}}, ("guardrails", "competitors")),
        ({"b2b": {"offer_template": {"tr": "{company"}}}, ("b2b", "offer_template", "tr")),
    ],
)
def test_bounds_and_types(raw, location):
    assert location in _locations(TenantSettings.model_validate, raw)


def test_clarify_below_may_not_be_above_suggest_below():
    [error] = _errors(
        TenantSettings.model_validate, {"nlu": {"suggest_below": 0.4, "clarify_below": 0.6}}
    )

    assert error["loc"] == ("nlu", "clarify_below")
    assert "suggest_below" in error["msg"]
    assert TenantSettings.model_validate({"nlu": {"suggest_below": 0.4, "clarify_below": 0.4}})


# --- one name -------------------------------------------------------------------------------


def test_a_stored_confidence_threshold_is_read_as_nlu_suggest_below():
    legacy = TenantSettings.model_validate({"confidence_threshold": 0.7, "nlu": {}})
    both = TenantSettings.model_validate(
        {"confidence_threshold": 0.7, "nlu": {"suggest_below": 0.6}}
    )

    assert legacy.nlu.suggest_below == 0.7
    assert legacy.to_json() == {"nlu": {"suggest_below": 0.7}}
    assert both.nlu.suggest_below == 0.6  # the new name wins, as it did when both were read
    assert both.to_json() == {"nlu": {"suggest_below": 0.6}}
    assert TenantSettings.parse({"confidence_threshold": 0.8}).nlu.suggest_below == 0.8
    assert "confidence_threshold" not in TenantSettings.model_fields


def test_a_new_confidence_threshold_is_refused_with_the_new_name():
    [error] = _errors(TenantSettings().merged, {"confidence_threshold": 0.6})

    assert error["loc"] == ("confidence_threshold",)
    assert "nlu.suggest_below" in error["msg"]


# --- merging a PATCH ------------------------------------------------------------------------


def test_merged_deep_merges_a_partial_update():
    stored = TenantSettings.model_validate(DEMO_SETTINGS)

    changed = stored.merged(
        {
            "automation": {"returns": False},
            "nlu": {"suggest_below": 0.6},
            "policies": {"carriers": ["Aras Kargo"]},
        }
    )

    assert changed.automation_on("returns") is False
    assert changed.automation_on("cargo_questions") is True
    assert changed.nlu.model_dump() == {
        "suggest_below": 0.6,
        "clarify_below": 0.3,
        "bulk_threshold": 20,
    }
    assert changed.policies.carriers == ["Aras Kargo"]  # a list replaces
    assert changed.policies.return_days == 15  # the rest of the block is kept
    assert changed.sales.secret() == DEMO_SETTINGS["sales"]["webhook_secret"]
    assert stored.automation_on("returns") is True  # the original is untouched
    assert changed.to_json()["discounts"] == DEMO_SETTINGS["discounts"]


def test_null_in_a_patch_resets_to_the_default():
    stored = TenantSettings.model_validate(DEMO_SETTINGS)

    changed = stored.merged({"discounts": {"max_percent": None}, "sales": None})

    assert changed.discounts.max_percent is None
    assert "max_percent" not in changed.to_json()["discounts"]
    assert changed.sales.secret() is None and "sales" not in changed.to_json()
    assert ("automation", "retruns") in _locations(stored.merged, {"automation": {"retruns": None}})


def test_merged_validates_the_result_whole():
    stored = TenantSettings.model_validate({"nlu": {"suggest_below": 0.9}})

    # clarify 0.7 alone is fine against the stored 0.9
    assert stored.merged({"nlu": {"clarify_below": 0.7}}).nlu.clarify_below == 0.7
    assert _locations(stored.merged, {"nlu": {"clarify_below": 0.95}}) == [("nlu", "clarify_below")]
    assert _locations(stored.merged, {"discounts": {"max_percent": "lots"}}) == [
        ("discounts", "max_percent")
    ]


# --- reading stored rows --------------------------------------------------------------------


def test_a_bad_stored_value_is_logged_and_dropped_not_fatal(caplog):
    raw = {
        "automation": {"enabled": True, "returns": False, "retruns": False},
        "nlu": {"suggest_below": "high", "bulk_threshold": 50},
        "policies": {"return_days": 30, "cancellation": "sometimes"},
        "templates": {"tr": {"thanks": "Sağ olun"}},
        "guardrails": "none",
        "unknown_block": {"x": 1},
    }

    with caplog.at_level(logging.WARNING, logger="invekto.core.tenant_settings"):
        settings = TenantSettings.parse(raw)

    assert settings.automation_on("returns") is False
    assert settings.nlu.suggest_below == 0.5 and settings.nlu.bulk_threshold == 50
    assert (settings.policies.return_days, settings.policies.cancellation) == (30, "review")
    assert "templates" not in settings.to_json()  # moved to the prompt versions (0011)
    assert settings.guardrails.banned_phrases == []
    [record] = caplog.records
    for path in (
        "automation.retruns",
        "nlu.suggest_below",
        "policies.cancellation",
        "templates",
        "guardrails",
        "unknown_block",
    ):
        assert path in record.getMessage()


def test_parse_takes_none_an_empty_row_nulls_and_typed_settings():
    typed = TenantSettings.model_validate({"nlu": {"suggest_below": 0.6}})

    assert TenantSettings.parse(None) == TenantSettings()
    assert TenantSettings.parse({}) == TenantSettings()
    assert TenantSettings.parse({"nlu": None, "sales": {"email": None}}) == TenantSettings()
    assert TenantSettings.parse(typed) is typed
    assert TenantSettings.parse(["not", "an", "object"]) == TenantSettings()  # type: ignore[arg-type]


def test_parse_of_some_blocks_ignores_the_rest(caplog):
    given = {"nlu": {"bulk_threshold": 200}, "vertical": "ecommerce", "timezone": "Europe/Istanbul"}

    with caplog.at_level(logging.WARNING, logger="invekto.core.tenant_settings"):
        nlu = TenantSettings.parse(given, blocks=("nlu",)).nlu
        threshold = nlu_settings(given).bulk_threshold

    assert nlu.bulk_threshold == threshold == 200
    assert caplog.records == []


# --- automation -----------------------------------------------------------------------------


def test_automation_on_needs_the_master_switch_and_the_area():
    off = TenantSettings.model_validate({"automation": {"enabled": False}})
    returns_off = TenantSettings.model_validate({"automation": {"returns": False}})

    assert not off.automation_on("cargo_questions") and not off.automation_on("returns")
    assert returns_off.automation_on("cargo_questions")
    assert not returns_off.automation_on("returns")
    assert TenantSettings().automation_on("an_area_nobody_registered")  # on by default


def test_a_registered_area_is_accepted_and_switchable():
    area = f"area_{uuid.uuid4().hex[:8]}"
    assert ("automation", area) in _locations(
        TenantSettings.model_validate, {"automation": {area: False}}
    )

    assert register_automation_area(area, "a test agent's replies") == area
    register_automation_area(area)  # idempotent
    settings = TenantSettings().merged({"automation": {area: False}})

    assert area in automation_areas()
    assert settings.automation_on(area) is False
    assert settings.automation_on("returns") is True
    assert settings.to_json() == {"automation": {area: False}}
    assert TenantSettings.parse(settings.to_json()).automation_on(area) is False


@pytest.mark.parametrize("name", ["", "Returns", "enabled", "two words", "x-y", "1st"])
def test_an_area_name_must_be_lower_snake_case(name):
    with pytest.raises(ValueError):
        register_automation_area(name)


def test_the_builtin_areas_are_registered():
    assert set(BUILTIN_AUTOMATION_AREAS) <= set(automation_areas())
    assert set(BUILTIN_AUTOMATION_AREAS) == {
        "cargo_questions",
        "order_changes",
        "product_questions",
        "policy_questions",
        "small_talk",
        "returns",
        "b2b",
        "clinic",
        "other",
    }


# --- secrets and the public view ------------------------------------------------------------


def test_the_webhook_secret_is_stored_but_never_shown():
    settings = TenantSettings.model_validate(
        {"sales": {"webhook_url": "https://crm.test/hook", "webhook_secret": "s3cret"}}
    )

    public = settings.public_dump()

    assert settings.to_json()["sales"]["webhook_secret"] == "s3cret"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    assert "s3cret" not in str(public) and "webhook_secret" not in public["sales"]
    assert public["sales"]["webhook_secret_set"] is True
    assert TenantSettings().public_dump()["sales"]["webhook_secret_set"] is False
    assert public["nlu"] == {"suggest_below": 0.5, "clarify_below": 0.3, "bulk_threshold": 20}
    assert "s3cret" not in setting_strings(settings)


def test_blank_sales_values_are_unset():
    settings = TenantSettings.model_validate({"sales": {"email": "  ", "name": " Selin "}})

    assert (settings.sales.email, settings.sales.name) == (None, "Selin")
    assert sales_settings({"sales": {"webhook_url": None, "email": "  "}}) == {
        "webhook_url": None,
        "webhook_secret": None,
        "email": None,
        "name": None,
    }
    assert (
        sales_settings(DEMO_SETTINGS)["webhook_secret"] == DEMO_SETTINGS["sales"]["webhook_secret"]
    )
    assert sales_settings(None)["email"] is None


# --- consumers take the model or a stored dict -----------------------------------------------


def test_reply_texts_are_not_settings_any_more():
    """``templates`` in a PATCH names where texts live now (the prompt versions)."""
    [error] = _errors(TenantSettings().merged, {"templates": {"tr": {"handoff": "x"}}})

    assert error["type"] == "moved_setting" and error["loc"] == ("templates",)
    assert "/api/prompts" in error["msg"]


def test_the_guard_reads_the_model_or_a_plain_dict():
    raw = {"discounts": {"max_percent": 15}, "guardrails": {"competitors": ["Hepsiburada"]}}
    typed = TenantSettings.model_validate(raw)

    for settings in (raw, typed):
        assert tenant_rules_broken("Hepsiburada'dan ucuz, %20 indirim", settings) == [
            "competitor 'Hepsiburada'",
            "discount 20% above the tenant's 15%",
        ]
        assert isinstance(ReplyContext(language="tr", settings=settings).settings, TenantSettings)
    assert tenant_rules_broken("%50 indirim", {}) == []  # no maximum set: no percent check
    assert setting_strings(typed) == ["15", "Hepsiburada"]
