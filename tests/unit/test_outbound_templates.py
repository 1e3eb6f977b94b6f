"""Template specs validated like Meta, their creation components, send components and text."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from invekto.outbound.templates import (
    TemplateParameterError,
    TemplateSpec,
    components,
    meta_components,
    missing_parameters,
    render,
    row_values,
    send_components,
    spec_from_row,
)
from invekto.storage.models import WaTemplate


def shipped(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "siparis_kargoda",
        "language": "tr",
        "category": "UTILITY",
        "variables": [
            {"name": "customer", "example": "Ayşe"},
            {"name": "order_no", "example": "TY123"},
            {"name": "tracking", "example": "abc123"},
        ],
        "header": "Sipariş {{2}}",
        "body": "Merhaba {{1}}, siparişiniz {{2}} kargoya verildi.",
        "footer": "Demo Butik",
        "buttons": [
            {"type": "quick_reply", "text": "Teşekkürler", "payload": "THANKS"},
            {"type": "quick_reply", "text": "Sorum var"},
            {"type": "url", "text": "Kargom nerede", "url": "https://kargo.example/t/{{3}}"},
        ],
    }
    return {**spec, **overrides}


def named(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "memnuniyet",
        "language": "en",
        "category": "MARKETING",
        "parameter_format": "NAMED",
        "variables": [
            {"name": "first_name", "example": "Ayşe"},
            {"name": "total", "type": "currency", "example": "149,90 TL"},
        ],
        "header": "Hi {{first_name}}",
        "body": "Your order of {{total}} arrived, {{first_name}}. Happy with it?",
        "buttons": [
            {"type": "quick_reply", "text": "Yes", "payload": "PP_HAPPY"},
            {"type": "quick_reply", "text": "No", "payload": "PP_UNHAPPY"},
        ],
    }
    return {**spec, **overrides}


def row_of(spec: dict[str, Any]) -> WaTemplate:
    return WaTemplate(**row_values(TemplateSpec.model_validate(spec)))


# --- validation ----------------------------------------------------------------------------------


def test_a_valid_spec_is_accepted() -> None:
    spec = TemplateSpec.model_validate(shipped())
    assert spec.parameter_format == "POSITIONAL"
    assert TemplateSpec.model_validate(named()).category == "MARKETING"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Sipariş Kargoda"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a" * 513}, "name"),
        ({"language": "de"}, "language"),
        ({"category": "PROMO"}, "category"),
        ({"header": "x" * 61}, "header"),
        ({"body": "x" * 1025}, "body"),
        ({"footer": "y" * 61}, "footer"),
        ({"footer": "Sipariş {{2}}"}, "footer may not hold variables"),
        ({"body": "{{1}} siparişiniz {{2}} yolda {{3}}."}, "start or end"),
        ({"body": "Merhaba {{1}}, siparişiniz {{2}}"}, "start or end"),
        ({"body": "Merhaba {{4}}, sipariş {{2}}."}, "POSITIONAL placeholders"),
        ({"body": "Merhaba {{customer}}, sipariş {{2}}."}, "POSITIONAL placeholders"),
        ({"body": "Merhaba {{1}, sipariş {{2}}."}, "malformed"),
        ({"header": "{{1}} {{2}}"}, "at most one variable"),
        (
            {"body": "Merhaba {{1}}, teşekkürler.", "header": None, "buttons": []},
            "never used",
        ),
        (
            {
                "variables": [
                    {"name": "customer", "example": "A"},
                    {"name": "customer", "example": "B"},
                ]
            },
            "unique",
        ),
        ({"variables": [{"name": "Customer", "example": "A"}]}, "name"),
        (
            {"buttons": [{"type": "quick_reply", "text": "x" * 21}]},
            "buttons",
        ),
        (
            {
                "buttons": [
                    {"type": "quick_reply", "text": "Evet"},
                    {"type": "quick_reply", "text": "evet"},
                ]
            },
            "unique",
        ),
        ({"buttons": [{"type": "quick_reply", "text": f"B{i}"} for i in range(11)]}, "buttons"),
        (
            {
                "buttons": [
                    {"type": "url", "text": f"U{i}", "url": "https://x.example"} for i in range(3)
                ]
            },
            "URL buttons",
        ),
        (
            {"buttons": [{"type": "url", "text": "U", "url": "https://x.example/{{3}}/a"}]},
            "at its end",
        ),
        ({"buttons": [{"type": "url", "text": "U", "url": "javascript:alert(1)"}]}, "url"),
        ({"ttl_seconds": 5}, "ttl_seconds"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_invalid_specs_are_refused_with_a_reason(change: dict[str, Any], message: str) -> None:
    spec = shipped(**change)
    if "variables" in change:
        spec["header"], spec["body"] = None, "Merhaba {{1}}, hoş geldiniz."
        spec["buttons"] = []
    with pytest.raises(ValidationError) as caught:
        TemplateSpec.model_validate(spec)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "example", "ok"),
    [
        ("number", "42", True),
        ("number", "3,5", True),
        ("number", "kırk", False),
        ("date", "2026-12-01", True),
        ("date", "01.12.2026", True),
        ("date", "yarın", False),
        ("currency", "149,90 TL", True),
        ("currency", "₺1.250,00", True),
        ("currency", "çok", False),
        ("text", "her şey", True),
        ("text", "{{oops}}", False),
    ],
)
def test_examples_match_their_type(kind: str, example: str, ok: bool) -> None:
    spec = {
        "name": "typed",
        "language": "tr",
        "category": "UTILITY",
        "variables": [{"name": "value", "type": kind, "example": example}],
        "body": "Değer: {{1}}.",
    }
    if ok:
        TemplateSpec.model_validate(spec)
    else:
        with pytest.raises(ValidationError):
            TemplateSpec.model_validate(spec)


def test_named_placeholders_must_be_variables() -> None:
    with pytest.raises(ValidationError, match="no variable"):
        TemplateSpec.model_validate(named(body="Hello {{someone}}, your {{total}} order."))
    with pytest.raises(ValidationError, match="no variable"):
        TemplateSpec.model_validate(named(body="Hello {{1}}, {{first_name}} {{total}} ok."))


# --- components ----------------------------------------------------------------------------------


def test_positional_components_are_numbered_per_component_with_examples() -> None:
    built = meta_components(components(TemplateSpec.model_validate(shipped())))
    assert built == [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Sipariş {{1}}",
            "example": {"header_text": ["TY123"]},
        },
        {
            "type": "BODY",
            "text": "Merhaba {{1}}, siparişiniz {{2}} kargoya verildi.",
            "example": {"body_text": [["Ayşe", "TY123"]]},
        },
        {"type": "FOOTER", "text": "Demo Butik"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Teşekkürler"},
                {"type": "QUICK_REPLY", "text": "Sorum var"},
                {
                    "type": "URL",
                    "text": "Kargom nerede",
                    "url": "https://kargo.example/t/{{1}}",
                    "example": ["https://kargo.example/t/abc123"],
                },
            ],
        },
    ]


def test_a_body_skipping_a_header_only_variable_is_renumbered() -> None:
    spec = TemplateSpec.model_validate(
        shipped(
            header="Sipariş {{2}}", body="Merhaba {{1}}, kargo kodu {{3}} ile yolda.", buttons=[]
        )
    )
    body = components(spec)[1]
    assert body["text"] == "Merhaba {{1}}, kargo kodu {{2}} ile yolda."
    assert body["example"] == {"body_text": [["Ayşe", "abc123"]]}
    assert body["x_variables"] == ["customer", "tracking"]


def test_named_components_carry_named_examples() -> None:
    header, body, buttons = meta_components(components(TemplateSpec.model_validate(named())))
    assert header["example"] == {
        "header_text_named_params": [{"param_name": "first_name", "example": "Ayşe"}]
    }
    assert body == {
        "type": "BODY",
        "text": "Your order of {{total}} arrived, {{first_name}}. Happy with it?",
        "example": {
            "body_text_named_params": [
                {"param_name": "total", "example": "149,90 TL"},
                {"param_name": "first_name", "example": "Ayşe"},
            ]
        },
    }
    assert [b["type"] for b in buttons["buttons"]] == ["QUICK_REPLY", "QUICK_REPLY"]


def test_a_row_gives_its_spec_back() -> None:
    for spec in (shipped(), named()):
        original = TemplateSpec.model_validate(spec)
        assert spec_from_row(WaTemplate(**row_values(original))) == original


# --- sending and reading -------------------------------------------------------------------------


def test_positional_send_components() -> None:
    row = row_of(shipped())
    values = {"customer": "Ali", "order_no": "TY9", "tracking": "zz9"}
    assert send_components(row, values) == [
        {"type": "header", "parameters": [{"type": "text", "text": "TY9"}]},
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Ali"}, {"type": "text", "text": "TY9"}],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": "THANKS"}],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "2",
            "parameters": [{"type": "text", "text": "zz9"}],
        },
    ]


def test_named_send_components_and_payloads_given_at_the_send() -> None:
    row = row_of(named())
    sent = send_components(
        row, {"first_name": "Can", "total": "99 TL"}, payloads={1: "PP_UNHAPPY:42"}
    )
    assert sent[1] == {
        "type": "body",
        "parameters": [
            {"type": "text", "text": "99 TL", "parameter_name": "total"},
            {"type": "text", "text": "Can", "parameter_name": "first_name"},
        ],
    }
    assert [c["parameters"][0]["payload"] for c in sent[2:]] == ["PP_HAPPY", "PP_UNHAPPY:42"]


def test_missing_or_blank_parameters_are_named() -> None:
    row = row_of(shipped())
    assert missing_parameters(row, {"customer": "Ali", "order_no": "  "}) == [
        "order_no",
        "tracking",
    ]
    with pytest.raises(TemplateParameterError) as caught:
        send_components(row, {"customer": "Ali"})
    assert caught.value.missing == ["order_no", "tracking"]


def test_parameters_lose_new_lines_tabs_and_runs_of_spaces() -> None:
    row = row_of(shipped())
    values = {"customer": "Ali\n\tVeli     Can", "order_no": "TY9", "tracking": "x"}
    body = send_components(row, values)[1]
    assert body["parameters"][0]["text"] == "Ali Veli Can"


def test_render_reads_like_the_customer_sees_it() -> None:
    row = row_of(shipped())
    text = render(row, {"customer": "Ali", "order_no": "TY9", "tracking": "zz"})
    assert text == (
        "Sipariş TY9\n"
        "Merhaba Ali, siparişiniz TY9 kargoya verildi.\n"
        "Demo Butik\n"
        "[Teşekkürler] [Sorum var] [Kargom nerede]"
    )
    assert render(row_of(named()), {"first_name": "Can"}).splitlines()[:2] == [
        "Hi Can",
        "Your order of {{total}} arrived, Can. Happy with it?",
    ]


def test_a_row_without_our_hints_still_sends() -> None:
    """A row written by hand (Meta's components only): {{k}} is the k-th variable."""
    row = WaTemplate(
        name="kargo",
        language="tr",
        category="UTILITY",
        parameter_format="POSITIONAL",
        variables=[{"name": "order_no", "example": "1"}, {"name": "carrier", "example": "x"}],
        components=[{"type": "BODY", "text": "Sipariş {{1}} {{2}} ile yolda."}],
    )
    assert send_components(row, {"order_no": "7", "carrier": "Aras"}) == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "7"}, {"type": "text", "text": "Aras"}],
        }
    ]
    assert render(row, {"order_no": "7", "carrier": "Aras"}) == "Sipariş 7 Aras ile yolda."
