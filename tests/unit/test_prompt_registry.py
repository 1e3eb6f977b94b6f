"""The prompt registry: declared variables, three tones for every text, validation of a tenant's
texts, the fallback chain, tones per agent, diffs, the preview's re-rendering and the gate's
case-by-case verdict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from invekto.api.routes.prompts import rewrite
from invekto.nlu.llm import LLMUnderstander, instructions_prompt, system_prompt
from invekto.prompts import render, template
from invekto.prompts.content import PromptContent, PromptSet, diff
from invekto.prompts.gate import affected_cases, cases_to_play, verdict
from invekto.prompts.registry import LANGUAGES, TONES, VARIABLE_TYPES, placeholders, registry
from invekto.prompts.tenant import TenantPrompts

REG = registry()
DATASETS = Path(__file__).resolve().parents[2] / "invekto" / "evals" / "datasets"


def _reply_keys():
    return [key for key, spec in REG.keys.items() if spec.kind in ("reply", "fragment")]


# --- the shipped registry ---------------------------------------------------------------------


def test_every_key_is_described_and_every_variable_declared_with_a_type_and_examples():
    for key, spec in REG.keys.items():
        assert spec.description, f"{key} has no description in keys.yaml"
        assert set(spec.required) <= spec.variable_names, key
        for variable in spec.variables:
            assert variable.type in VARIABLE_TYPES, (key, variable.name)
            assert variable.description, variable.name
            assert set(variable.examples) >= set(LANGUAGES), variable.name


@pytest.mark.parametrize("tone", TONES)
def test_every_tone_has_every_text_with_the_same_variables(tone):
    for key in _reply_keys():
        for language in LANGUAGES:
            formal = REG.texts["formal"][language].get(key)
            own = REG.texts[tone][language].get(key)
            assert own is not None, f"{tone}/{language}/{key} is missing"
            assert placeholders(own) == placeholders(formal), (tone, language, key)
            assert not REG.validate(key, language, own), (tone, language, key)
            values = REG.example_values(key, language)
            assert "{" not in own.format(**values)  # renders with the declared examples


def test_the_tones_are_written_variants_not_copies():
    for tone in ("short", "warm"):
        differing = sum(
            REG.texts[tone]["tr"][key] != REG.texts["formal"]["tr"][key]
            for key, spec in REG.keys.items()
            if spec.kind == "reply"
        )
        assert differing > 0.8 * sum(spec.kind == "reply" for spec in REG.keys.values()), tone


def test_short_is_shorter_and_the_numbers_are_the_same_in_every_tone():
    longer = []
    for key, spec in REG.keys.items():
        if spec.kind != "reply":
            continue
        for language in LANGUAGES:
            formal = REG.texts["formal"][language][key]
            digits = sorted(re.findall(r"\d+", re.sub(r"\{[^}]*\}", "", formal)))
            for tone in ("short", "warm"):
                own = REG.texts[tone][language][key]
                assert sorted(re.findall(r"\d+", re.sub(r"\{[^}]*\}", "", own))) == digits, (
                    f"{tone}/{language}/{key} changes a number: an invented fact to the guard"
                )
            if len(REG.texts["short"][language][key]) > len(formal):
                longer.append((language, key))
    assert not longer


def _expected_words():
    """Every reply_contains substring of the shipped eval cases."""
    words: set[str] = set()
    for path in DATASETS.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text("utf-8"))["cases"]:
            for turn in case["turns"]:
                words |= {
                    str(word) for word in (turn.get("expect") or {}).get("reply_contains", [])
                }
    return {word for word in words if len(word) > 2}


def _holds(text: str, word: str) -> bool:
    """``word`` in ``text`` as a word of its own ("başlat" is not in "başlatabilirsiniz")."""
    return re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", text) is not None


def test_a_tone_keeps_the_words_the_eval_cases_look_for():
    """A static proxy of the gate (which plays the cases): a word a case expects that the formal
    text holds is in every tone's text too."""
    words = _expected_words()
    lost = []
    for key, spec in REG.keys.items():
        if spec.kind != "reply":
            continue
        for language in LANGUAGES:
            formal = REG.texts["formal"][language][key].casefold()
            for tone in ("short", "warm"):
                own = REG.texts[tone][language][key].casefold()
                lost += [
                    (tone, language, key, word)
                    for word in words
                    if _holds(formal, word) and word.casefold() not in own
                ]
    assert not lost


def test_the_llm_instructions_are_a_chat_prompt_in_the_registry():
    spec = REG.spec("nlu_instructions")
    assert spec.kind == "chat" and spec.languages == ("en",)
    assert set(spec.required) == {"intents", "message"}
    prompt = instructions_prompt()
    messages = prompt.format_messages(message="kargom nerede")
    assert [m.type for m in messages] == ["system", "human"]
    assert "- order_status:" in messages[0].content and messages[1].content == "kargom nerede"
    assert system_prompt() == messages[0].content


# --- a tenant's texts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{order_number} {kargo}", "unknown variable {kargo}"),
        ("{order_number.__class__}", "not a variable name"),
        ("{order_number[0]}", "not a variable name"),
        ("{order_number!r}", "takes no format"),
        ("{order_number:>30}", "takes no format"),
        ("{} yola çıktı", "needs a variable name"),
        ("{order_number", "broken placeholder"),
        ("", "cannot be empty"),
        ("x" * 2001, "at most 2000"),
    ],
)
def test_a_text_with_a_bad_variable_is_refused_with_the_reason(text, problem):
    [found] = REG.validate("order_shipped", "tr", text)
    assert problem in found.message and found.key == "order_shipped"


def test_required_variables_tables_and_chat_prompts_are_checked():
    [missing] = REG.validate("which_order", "tr", "Hangi sipariş?")
    assert missing.message.startswith("missing variable {options}")
    assert REG.validate("status", "tr", {"Shipped": "yolda"}) == []
    assert (
        REG.validate("status", "tr", {"Shipped": "{x}"})[0].message == "an entry takes no variables"
    )
    assert REG.validate("status", "tr", {"Lost": "kayıp"})[0].field == "Lost"
    assert REG.validate("nlu_instructions", "tr", {"system": "x"})[0].message.startswith(
        "nlu_instructions is written in en"
    )
    problems = REG.validate("nlu_instructions", "en", {"system": "Classify.", "human": "{message}"})
    assert [p.message for p in problems] == ["missing variable {intents}: it is required"]
    assert REG.validate("no_such_key", "tr", "x")[0].message == "unknown text 'no_such_key'"
    assert REG.validate("handoff", "de", "x")[0].message == "unknown language 'de'"


def test_the_set_falls_back_per_language_and_tones_apply_per_agent():
    prompts = PromptSet(
        PromptContent(
            tone={"default": "short", "agents": {"clinic": "warm"}},
            texts={"en": {"handoff": "A person will answer."}},
        ),
        version=4,
    )
    assert prompts.text("handoff", "en") == "A person will answer."
    assert prompts.text("handoff", "tr") == REG.texts["short"]["tr"]["handoff"]
    assert (
        prompts.text("clinic_free_exam", "tr", "clinic")
        == REG.texts["warm"]["tr"]["clinic_free_exam"]
    )
    assert (
        prompts.text("clinic_free_exam", "tr", "support")
        == REG.texts["short"]["tr"]["clinic_free_exam"]
    )
    # A key a language lacks: Arabic falls back to English, the rest to Turkish.
    assert template("handoff", "de") == template("handoff", "tr")
    with pytest.raises(KeyError):
        prompts.text("no_such_text", "tr")
    # The shipped texts are strict about the code's values; a tenant's own text never 500s.
    own = PromptSet(PromptContent(texts={"tr": {"goodbye": "Hoşça kalın{name_part}! {shop}"}}))
    assert own.render("goodbye", "tr", name_part=" Ayşe") == "Hoşça kalın Ayşe! "
    with pytest.raises(KeyError):
        render("goodbye", "tr")


def test_a_turn_records_what_it_rendered_with_which_version():
    prompts = TenantPrompts(PromptSet(PromptContent(tone={"default": "warm"}), version=7))
    text = prompts.render("thanks", "tr", "support", name_part=" Ayşe")
    record = prompts.record()
    assert record["version"] == 7
    assert record["renders"] == [
        {
            "key": "thanks",
            "language": "tr",
            "agent": "support",
            "values": {"name_part": " Ayşe"},
            "text": text,
        }
    ]


def test_the_diff_names_each_changed_text_with_the_effective_before_and_after():
    before = PromptContent(texts={"tr": {"thanks": "Sağ olun{name_part}!"}})
    after = PromptContent(
        tone={"default": "warm", "agents": {"clinic": "short"}},
        texts={"tr": {"goodbye": "Hoşça kalın{name_part}!"}},
    )
    rows = diff(before, after)
    assert {"kind": "tone", "agent": None, "before": "formal", "after": "warm"} in rows
    assert {"kind": "tone", "agent": "clinic", "before": "formal", "after": "short"} in rows
    thanks = next(r for r in rows if r.get("key") == "thanks")
    assert thanks["reverted"] is True and thanks["after"] == REG.default("thanks", "tr")
    goodbye = next(r for r in rows if r.get("key") == "goodbye")
    assert goodbye["before"] == REG.default("goodbye", "tr") and not goodbye["reverted"]
    assert diff(after, after) == []


def test_a_content_with_an_unknown_language_or_agent_name_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        PromptContent(texts={"fr": {"thanks": "Merci"}})
    with pytest.raises(ValueError, match="not an agent name"):
        PromptContent(tone={"agents": {"Robert'); DROP": "warm"}})
    with pytest.raises(ValueError):
        PromptContent(tone={"default": "loud"})
    with pytest.raises(ValueError, match="at most 256 texts"):
        PromptContent(texts={"tr": {f"k{n}": "x" for n in range(257)}})


# --- the preview's re-rendering ---------------------------------------------------------------


def test_the_preview_replaces_each_rendered_text_and_keeps_the_rest_of_the_reply():
    values = {
        "order_number": "10654400001",
        "items": "Keten Gömlek",
        "cargo": "Yurtiçi",
        "tracking_number": "7330029145197",
        "tracking_link": "https://t.example/1",
        "eta": "yarın",
    }
    prompts = TenantPrompts()
    first = prompts.render("order_shipped", "tr", "support", **values)
    note = prompts.render("order_stale_note", "tr", "support")
    prompts.render("today", "tr")  # a word inside another text: never replaced on its own
    sent = f"{first}\n{note}"
    draft = PromptSet(
        PromptContent(texts={"tr": {"order_shipped": "{order_number} yolda: {tracking_number}"}})
    )

    text, keys = rewrite(sent, prompts.record()["renders"], draft)

    assert text == f"10654400001 yolda: 7330029145197\n{note}"
    assert keys == ["order_shipped", "order_stale_note"]
    edited_by_a_person = "Siparişiniz yolda, iyi günler."
    assert rewrite(edited_by_a_person, prompts.record()["renders"], draft) == (
        edited_by_a_person,
        [],
    )


# --- the gate's verdict ----------------------------------------------------------------------


def _report(**passed):
    return {
        "totals": {"pii_leaks": 0, "timeouts": 0},
        "run": {"tenants": ["demo-shop"]},
        "cases": [
            {
                "id": case,
                "tenant": "demo-shop",
                "language": "tr",
                "passed": ok,
                "turns": [
                    {
                        "customer": "kargom nerede",
                        "passed": ok,
                        "actual": {"reply": "..."},
                        "checks": [
                            {
                                "name": "reply_contains",
                                "passed": ok,
                                "expected": "733",
                                "actual": "...",
                            },
                            {
                                "name": "outcome",
                                "passed": True,
                                "expected": "auto_reply",
                                "actual": "auto_reply",
                            },
                        ],
                    }
                ],
            }
            for case, ok in passed.items()
        ],
    }


def test_the_gate_refuses_a_case_that_passed_with_the_shipped_texts_and_ignores_old_failures():
    shipped = _report(a=True, b=True, c=False)
    assert verdict(shipped, _report(a=True, b=True, c=False)).passed
    assert verdict(shipped, _report(a=True, b=True, c=True)).passed  # a fix is welcome

    refused = verdict(shipped, _report(a=True, b=False, c=False))
    assert not refused.passed
    [failure] = refused.report["failures"]
    assert failure["id"] == "b" and failure["turns"][0]["checks"] == [
        {"name": "reply_contains", "expected": "733", "actual": "..."}
    ]
    assert refused.report["cases_passed"] == 1 and refused.report["shipped_cases_passed"] == 2

    own = verdict(shipped, _report(a=True, b=True, c=False, mine=False), own={"mine"})
    assert own.reasons == ["1 of the tenant's own case(s) fail with this version"]
    assert own.report["failures"][0]["own"] is True
    assert verdict(shipped, _report(a=True, mine=True), own={"mine"}).passed

    leaking = _report(a=True, b=True, c=False)
    leaking["totals"]["pii_leaks"] = 1
    assert verdict(shipped, leaking).reasons == ["1 reply(s) leak personal data"]


# --- the LLM takes a tenant's own instructions ---------------------------------------------------


class _Recorder:
    """A structured-output stand-in that records the messages it was asked with."""

    def __init__(self):
        self.seen = []

    def with_structured_output(self, *args, **kwargs):
        return self

    async def ainvoke(self, messages):
        self.seen.append(messages)
        return {"intent": "order_status", "confidence": 0.9, "language": "tr"}


class _Unsure:
    async def understand(self, text, **kwargs):
        from invekto.nlu.types import Understanding

        return Understanding(intent="other", confidence=0.1, language="tr")


async def test_the_llm_is_asked_with_the_tenants_own_instructions_when_it_has_them():
    model = _Recorder()
    understander = LLMUnderstander(_Unsure(), model)  # type: ignore[arg-type]
    own = {"system": "Sınıflandır. Niyetler:\n{intents}", "human": "Müşteri: {message}"}

    await understander.understand("kargom nerede", tenant_slug="a")
    await understander.understand(
        "kargom nerede", tenant_slug="b", settings={"llm_instructions": own}
    )

    shipped, tenant = model.seen
    assert shipped[0].content.startswith("You classify one customer message")
    assert tenant[0].content.startswith("Sınıflandır. Niyetler:\n- order_status")
    assert tenant[1].content == "Müşteri: kargom nerede"


def _played(**renders):
    return {
        "cases": [
            {"id": case, "turns": [{"actual": {"prompts": [list(r) for r in rows]}}]}
            for case, rows in renders.items()
        ]
    }


def test_the_gate_plays_only_the_cases_whose_replies_a_draft_can_change():
    shipped = _played(
        order=[("order_shipped", "tr", "support")],
        order_en=[("order_shipped", "en", "support")],
        hello=[("greeting", "tr", None)],
        booking=[("clinic_booked", "tr", "clinic")],
    )

    def affected(texts=None, **tone):
        return affected_cases(shipped, PromptContent(texts=texts or {}, tone=tone or {}))

    assert affected({"tr": {"order_shipped": "x"}}) == {"order"}
    assert affected({"en": {"order_shipped": "x"}, "tr": {"greeting": "y"}}) == {
        "order_en",
        "hello",
    }
    assert affected(default="warm") == {"order", "order_en", "hello", "booking"}
    assert affected(agents={"clinic": "short"}) == {"booking"}
    assert affected() == set()
    # What the turns' records cannot place: every case.
    assert affected({"tr": {"status": {"Shipped": "yolda"}}}) is None
    assert affected({"tr": {"today": "bugün"}}) is None
    assert affected({"tr": {"cancel_shipped": "x"}}) is None  # no case rendered it
    assert (
        affected_cases({"cases": [{"id": "a", "turns": [{"actual": {}}]}]}, PromptContent()) is None
    )
    chat = PromptContent(
        texts={"en": {"nlu_instructions": {"system": "{intents}", "human": "{message}"}}}
    )
    assert affected_cases(shipped, chat) == set()  # no LLM: the instructions are never read
    assert affected_cases(shipped, chat, llm=True) is None
    # The tenant's own cases are played with every draft, whatever it changes.
    goodbye = PromptContent(texts={"tr": {"goodbye": "Hoşça kalın!"}})
    assert cases_to_play(shipped, PromptContent(), ["own-1"]) == {"own-1"}
    assert cases_to_play(shipped, PromptContent(texts={"tr": {"greeting": "x"}}), ["own-1"]) == {
        "hello",
        "own-1",
    }
    assert cases_to_play(shipped, goodbye, ["own-1"]) is None  # no case rendered it: all
