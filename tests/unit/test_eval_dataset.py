"""The eval dataset format of shared/EVALS.md: read exactly, refused with the case and field."""

from __future__ import annotations

import pytest
import yaml

from invekto.evals.dataset import DatasetError, load, parse

EXAMPLE = """
cases:
  - id: kargo-001
    tenant: demo-shop
    language: tr
    customer_phone: "905321112233"
    tags: [support, order_status]
    turns:
      - customer: "Merhaba 10000001 numaralı siparişim nerede?"
        expect:
          agent: support
          intent: order_status
          outcome: auto_reply
          tools: [get_order]
          reply_contains: ["Yurtiçi"]
          reply_not_contains: ["IBAN"]
          reply_language: tr
      - customer: "teşekkürler"
        expect: {outcome: auto_reply}
"""


def test_the_example_of_evals_md_is_read_whole():
    [case] = parse(yaml.safe_load(EXAMPLE), source="example.yaml")

    assert (case.id, case.tenant, case.language, case.customer_phone) == (
        "kargo-001",
        "demo-shop",
        "tr",
        "905321112233",
    )
    assert case.tags == ("support", "order_status")
    first, second = case.turns
    assert first.expect.tools == ("get_order",)
    assert first.expect.reply_contains == ("Yurtiçi",)
    assert first.expect.reply_language == "tr"
    assert second.expect.agent is None and second.expect.tools is None
    assert second.expect.outcome == "auto_reply"


def _broken(path: str, value: object) -> dict:
    data = yaml.safe_load(EXAMPLE)
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("cases.0.tenant", "no-such-shop", "case 'kargo-001': tenant: 'no-such-shop'"),
        ("cases.0.tenant", KeyError, "case 'kargo-001': tenant: required"),
        ("cases.0.language", "de", "case 'kargo-001': language: 'de' is not one of"),
        ("cases.0.customer_phone", "+90 532", "case 'kargo-001': customer_phone"),
        ("cases.0.turns", [], "case 'kargo-001': turns: required"),
        ("cases.0.turns.0.customer", "", "case 'kargo-001', turn 1: customer: required"),
        ("cases.0.turns.0.expect.agent", "suport", "turn 1: expect.agent: 'suport'"),
        ("cases.0.turns.0.expect.intent", "where_is_it", "turn 1: expect.intent"),
        ("cases.0.turns.1.expect.outcome", "answered", "turn 2: expect.outcome: 'answered'"),
        ("cases.0.turns.0.expect.tools", ["getOrder"], "turn 1: expect.tools: 'getOrder'"),
        ("cases.0.turns.0.expect.reply_contains", [1], "turn 1: expect.reply_contains: must"),
        ("cases.0.turns.0.expect.reply_langauge", "tr", "turn 1, expect: reply_langauge: unknown"),
        ("cases.0.turnz", [], "case 'kargo-001': turnz: unknown field"),
        ("cases.0.id", KeyError, "case #1: id: required"),
    ],
)
def test_a_malformed_case_is_refused_naming_the_case_and_the_field(path, value, message):
    with pytest.raises(DatasetError) as error:
        parse(_broken(path, value), source="broken.yaml")

    assert str(error.value).startswith("broken.yaml: ")
    assert message in str(error.value)


def test_files_and_directories(tmp_path):
    (tmp_path / "a.yaml").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text(
        EXAMPLE.replace("kargo-001", "kargo-002"), encoding="utf-8"
    )
    assert [c.id for c in load(tmp_path)] == ["kargo-001", "kargo-002"]

    (tmp_path / "c.yaml").write_text(EXAMPLE, encoding="utf-8")
    with pytest.raises(DatasetError, match="c.yaml: case 'kargo-001': id: already used in a.yaml"):
        load(tmp_path)

    (tmp_path / "bad.yml").write_text("cases: [", encoding="utf-8")
    with pytest.raises(DatasetError, match="bad.yml: not valid YAML"):
        load(tmp_path / "bad.yml")
    with pytest.raises(DatasetError, match="cases: the file must have a list"):
        parse({"case": []}, source="x.yaml")


def test_the_cli_refuses_a_malformed_dataset_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from invekto.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text('cases: [{id: x1, tenant: demo-shop, language: tr, turns: [{customer: ""}]}]')

    result = CliRunner().invoke(app, ["eval", "--dataset", str(bad)])

    assert result.exit_code == 2
    assert "bad.yaml: case 'x1', turn 1: customer: required" in result.output


def test_gates_name_what_they_miss(tmp_path):
    from invekto.evals.gates import load_gates, missed

    shipped = load_gates()
    assert shipped["pii_leaks"] == {"max": 0}
    assert all(bounds["min"] >= 0.3 for bounds in shipped.values() if "min" in bounds)
    custom = tmp_path / "gates.yaml"
    custom.write_text("intent_accuracy: {min: 0.8}\nhandoff_rate: {max: 0.2}\npii: {min: 1}\n")

    misses = missed({"intent_accuracy": 0.72, "handoff_rate": 0.5, "pii": None}, load_gates(custom))

    assert misses == ["intent_accuracy 0.72 < min 0.8", "handoff_rate 0.5 > max 0.2"]
    custom.write_text("intent_accuracy: 0.8\n")
    with pytest.raises(ValueError, match="intent_accuracy: give min"):
        load_gates(custom)


def test_at_is_a_weekday_and_time_and_defaults_to_wednesday_morning():
    base = {"id": "h1", "tenant": "demo-shop", "language": "tr", "turns": [{"customer": "x"}]}

    assert parse({"cases": [base]})[0].at == "wed 11:00"
    assert parse({"cases": [{**base, "at": "Sun 22:30"}]})[0].at == "sun 22:30"
    for bad in ("sunday 22:30", "sun 24:00", "22:30", 5):
        with pytest.raises(DatasetError, match="case 'h1': at: .* like 'sun 22:30'"):
            parse({"cases": [{**base, "at": bad}]}, source="x.yaml")
