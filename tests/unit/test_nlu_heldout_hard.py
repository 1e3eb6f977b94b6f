"""The hard held-out messages (``invekto/nlu/heldout/hard.yaml``): well-formed, balanced, never
trained on, and measured exactly as the conversation graph reads messages (``--heldout``); and
``invekto understand`` reading for the tenant's vertical, as the graph does."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

import pytest
from typer.testing import CliRunner

from invekto.cli import app
from invekto.core.text import fold
from invekto.nlu.heldout import (
    CATEGORIES,
    HardFileError,
    HardItem,
    format_hard,
    hard_report,
    load_hard,
)
from invekto.nlu.local import CLINIC_INTENTS
from invekto.nlu.taxonomy import INTENTS, load_examples

runner = CliRunner()


@pytest.fixture(scope="module")
def items() -> list[HardItem]:
    return load_hard()


def test_the_file_is_big_enough_and_covers_every_category(items):
    assert len(items) >= 300
    per_category = Counter(item.category for item in items)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 25, per_category


def test_languages_are_balanced_and_arabic_includes_arabizi_and_dialects(items):
    languages = Counter(item.language for item in items)
    share = {language: count / len(items) for language, count in languages.items()}
    assert 0.40 <= share["tr"] <= 0.50, share
    assert 0.20 <= share["en"] <= 0.30, share
    assert 0.25 <= share["ar"] <= 0.35, share
    arabizi = [item for item in items if item.category == "arabizi"]
    assert all(item.language == "ar" for item in arabizi)
    assert all(not re.search(r"[\u0600-\u06ff]", item.text) for item in arabizi)  # Latin script
    assert any(re.search(r"[a-z][2357][a-z]|\b[2357][a-z]", fold(i.text)) for i in arabizi)
    dialects = Counter(item.dialect for item in items if item.category == "arabic_dialect")
    assert {"gulf", "levantine", "egyptian"} <= set(dialects), dialects


def test_every_intent_is_real_and_clinic_intents_belong_to_clinics(items):
    for item in items:
        assert item.intent in INTENTS, item
        if item.intent in CLINIC_INTENTS:
            assert item.vertical == "clinic", item
    assert {item.vertical for item in items} == {"ecommerce", "clinic"}


def test_no_text_is_a_training_or_heldout_example(items):
    """Read programmatically: the file was written without looking at the examples."""

    def normal(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())

    known = {
        normal(text)
        for entry in load_examples().values()
        for section in (entry.examples, entry.arabizi, entry.heldout)
        for texts in section.values()
        for text in texts
    }
    assert not [item.text for item in items if normal(item.text) in known]
    assert len({normal(item.text) for item in items}) == len(items)  # no duplicates


NEAR_PATTERN = 0.5
"""The pattern files (examples/patterns/) were written for the same categories as the hard
file: none of their texts may come this close to a hard message (Jaccard similarity of
character trigrams, texts of three words or more)."""


def test_no_training_text_paraphrases_a_hard_message(items):
    from importlib import resources

    import yaml

    from invekto.evals.overlap import trigrams
    from invekto.nlu.taxonomy import PATTERNS_FOLDER, parse_pattern

    folder = resources.files("invekto.nlu").joinpath("examples", PATTERNS_FOLDER)
    pattern_texts = {
        text
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
        for _, _, text in parse_pattern(entry.name, yaml.safe_load(entry.read_text("utf-8")))
    }
    hard = [(trigrams(item.text), item.text) for item in items if len(item.text.split()) >= 3]
    near = []
    for text in pattern_texts:
        grams = trigrams(text)
        if len(text.split()) < 3 or not grams:
            continue
        for other, original in hard:
            if len(grams & other) / len(grams | other) >= NEAR_PATTERN:
                near.append((text, original))
    assert pattern_texts
    assert not near


def test_training_never_reads_the_hard_file(items):
    from invekto.nlu.classifier import training_set

    texts, _ = training_set(load_examples(), arabizi=True)
    assert not {item.text for item in items} & set(texts)


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("items: 3", "'items' must be a list"),
        ('items: [{text: "x", intent: nope, language: tr, category: control}]', "'intent'"),
        ('items: [{text: "x", intent: other, language: de, category: control}]', "'language'"),
        ('items: [{text: "x", intent: other, language: tr, category: hard}]', "'category'"),
        ('items: [{text: "", intent: other, language: tr, category: control}]', "'text'"),
        (
            'items: [{text: "x", intent: other, language: tr, category: control, tone: 1}]',
            "unknown fields",
        ),
        (
            'items: [{text: "x", intent: other, language: tr, category: control, '
            "signals: [angry]}]",
            "'signals'",
        ),
    ],
)
def test_a_malformed_file_is_named_clearly(document, complaint):
    with pytest.raises(HardFileError, match=re.escape(complaint)):
        load_hard(document)


def test_the_report_scores_per_category_language_and_detected_language():
    items = [
        HardItem("a", "order_status", "ar", "arabizi", dialect="levantine"),
        HardItem("b", "thanks", "ar", "arabizi"),
        HardItem("c", "complaint", "tr", "sarcasm", signals=("negative_sentiment",)),
        HardItem("d", "book_appointment", "en", "control", vertical="clinic"),
    ]
    readings = {
        "a": ("order_status", "tr", []),
        "b": ("goodbye", "ar", []),
        "c": ("thanks", "tr", ["negative_sentiment"]),
        "d": ("book_appointment", "en", []),
    }

    async def read(item: HardItem) -> dict[str, Any]:
        intent, language, signals = readings[item.text]
        understood = {"intent": intent, "language": language, "confidence": 0.5}
        return {"understanding": {**understood, "signals": signals}, "language": language}

    report = asyncio.run(hard_report(items, read))

    assert (report["messages"], report["accuracy"], report["language_accuracy"]) == (4, 0.5, 0.75)
    assert report["per_category"]["arabizi"] == {
        "messages": 2,
        "accuracy": 0.5,
        "language_accuracy": 0.5,
    }
    assert report["per_category"]["sarcasm"]["accuracy"] == 0.0
    assert report["per_language"]["ar"]["messages"] == 2
    assert report["per_vertical"]["clinic"]["accuracy"] == 1.0
    assert report["per_dialect"] == {
        "levantine": {"messages": 1, "accuracy": 1.0, "language_accuracy": 0.0}
    }
    assert report["signal_recall"] == 1.0
    assert {(m["text"], m["expected"], m["got"]) for m in report["misses"]} == {
        ("b", "thanks", "goodbye"),
        ("c", "complaint", "thanks"),
    }
    assert [m["text"] for m in report["language_misses"]] == ["a"]
    lines = format_hard(report, verbose=True)
    assert any("arabizi" in line for line in lines)
    assert any("'c'" in line and "complaint → thanks" in line for line in lines)


# --- the command (the real model, as test_cli_understand) -------------------------------------


def test_understand_reads_for_the_tenants_vertical():
    """A clinic's customer means a clinic intent; a shop's never does (as in the graph)."""
    text = "implant fiyatı ne kadar"

    clinic = runner.invoke(app, ["understand", "--tenant", "demo-clinic", text])
    shop = runner.invoke(app, ["understand", "--tenant", "demo-shop", text])
    forced = runner.invoke(app, ["understand", "--tenant", "acme", "--vertical", "clinic", text])

    assert clinic.exit_code == shop.exit_code == forced.exit_code == 0, clinic.output
    assert json.loads(clinic.stdout)["intent"] == "treatment_price"
    assert json.loads(forced.stdout)["intent"] == "treatment_price"
    assert json.loads(shop.stdout)["intent"] not in CLINIC_INTENTS


def test_understand_json_lines_take_the_tenant_or_vertical_per_line():
    lines = "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in (
            {"tenant": "demo-clinic", "text": "randevumu iptal etmek istiyorum"},
            {"vertical": "clinic", "text": "randevumu iptal etmek istiyorum"},
            {"tenant": "demo-shop", "text": "randevumu iptal etmek istiyorum"},
            {"vertical": "bakery", "text": "merhaba"},
        )
    )

    result = runner.invoke(app, ["understand", "--jsonl"], input=lines + "\n")

    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0, result.output
    assert outputs[0]["intent"] == outputs[1]["intent"] == "cancel_appointment"
    assert outputs[2]["intent"] not in CLINIC_INTENTS
    assert "line 4" in outputs[3]["error"] and "vertical" in outputs[3]["error"]


def test_understand_rejects_an_unknown_vertical():
    result = runner.invoke(app, ["understand", "--vertical", "bakery", "merhaba"])
    assert result.exit_code == 2
