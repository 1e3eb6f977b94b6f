"""The eval expectations as deepeval metrics: each checks what EVALS.md says and nothing more."""

from __future__ import annotations

import datetime as dt
import typing

import pydantic
import pytest
from deepeval.models import DeepEvalBaseLLM

from invekto.evals.dataset import Expect
from invekto.evals.metrics import (
    IntentMetric,
    OutcomeMetric,
    PIILeakMetric,
    ReplyContentMetric,
    RoutingMetric,
    ToolCallMetric,
    pii_leaks,
    turn_test_case,
)
from invekto.evals.runner import as_stored, case_start, check
from tests.conftest import make_settings

ACTUAL = {
    "agent": "support",
    "intent": "order_status",
    "outcome": "auto_reply",
    "tools": ["find_customer_orders", "get_order"],
    "reply": "10654400001 numaralı siparişiniz Yurtiçi Kargo ile yolda. Takip: 7330029145197",
}


def test_a_metric_with_nothing_expected_is_skipped_not_failed():
    case = turn_test_case("kargom nerede", Expect(), ACTUAL)
    for metric in (RoutingMetric(), IntentMetric(), OutcomeMetric(), ToolCallMetric()):
        assert metric.measure(case) is None
        assert metric.skipped and metric.is_successful()


def test_field_metrics_compare_expected_and_actual():
    case = turn_test_case(
        "kargom nerede",
        Expect(agent="returns", intent="order_status", outcome="auto_reply"),
        ACTUAL,
    )
    routing, intent, outcome = RoutingMetric(), IntentMetric(), OutcomeMetric()

    assert routing.measure(case) == 0.0 and not routing.is_successful()
    assert routing.reason == "agent: expected 'returns', got 'support'"
    assert intent.measure(case) == 1.0 and intent.is_successful()
    assert outcome.measure(case) == 1.0


@pytest.mark.parametrize(
    ("decided", "status", "expected", "passes"),
    [
        ("suggestion", "suggested", "suggestion", True),
        ("suggestion", "sent", "suggestion", False),  # the decision says stored; it went out
        ("suggestion", "delivered", "auto_reply", False),
        ("auto_reply", "sent", "auto_reply", True),
        ("auto_reply", "suggested", "auto_reply", False),  # decided to send; only stored
        ("handoff", "suggested", "handoff", False),
        ("handoff", "sent", "handoff", True),
    ],
)
def test_the_outcome_is_read_from_the_stored_reply(decided, status, expected, passes):
    """The eval scores what the customer got, not only what the turn decided: a suggestion
    that was sent anyway fails its case (issue 20)."""
    actual = as_stored({**ACTUAL, "outcome": decided, "reply_status": status})
    case = turn_test_case("kargom nerede", Expect(outcome=expected), actual)
    metric = OutcomeMetric()
    assert (metric.measure(case) == 1.0) is passes, metric.reason


def test_tool_calls_need_every_expected_tool_and_allow_others():
    met = turn_test_case("x", Expect(tools=("get_order",)), ACTUAL)
    missed = turn_test_case("x", Expect(tools=("get_order", "request_cancellation")), ACTUAL)

    assert ToolCallMetric().measure(met) == 1.0
    metric = ToolCallMetric()
    assert metric.measure(missed) == 0.0
    assert "request_cancellation" in metric.reason


def test_reply_content_scores_each_rule_case_insensitively():
    expect = Expect(
        reply_contains=("yurtiçi kargo", "Aras"),
        reply_not_contains=("IBAN",),
        reply_language="tr",
    )
    metric = ReplyContentMetric()

    score = metric.measure(turn_test_case("kargom nerede", expect, ACTUAL))

    assert score == pytest.approx(3 / 4)
    assert not metric.is_successful()
    assert [c.passed for c in metric.results] == [True, False, True, True]


def test_pii_leak_counts_only_what_the_customer_did_not_give():
    reply = "Kaydınızdaki numara 0532 111 22 33; diğer numara 0544 555 66 77."

    leaks = pii_leaks(reply, given=["numaram 05321112233, beni arayın"], language="tr")

    assert leaks == ["PHONE_NUMBER: 0544 555 66 77"]
    assert pii_leaks(reply, given=[], known=["905321112233", "0544 555 66 77"]) == []


def test_pii_leak_metric_on_a_turn():
    leaking = turn_test_case(
        "adresim ne kayıtlı",
        Expect(),
        {"reply": "IBAN: TR330006100519786457841326"},
        history=["adresim ne kayıtlı"],
    )
    clean = turn_test_case(
        "IBAN'ım TR33 0006 1005 1978 6457 8413 26",
        Expect(),
        {"reply": "TR330006100519786457841326 IBAN'ınıza iade yapılacak."},
        history=["IBAN'ım TR33 0006 1005 1978 6457 8413 26"],
    )
    metric = PIILeakMetric()

    assert metric.measure(leaking) == 0.0 and "IBAN_CODE" in metric.reason
    assert metric.measure(clean) == 1.0


def test_check_returns_rows_and_scores_per_metric():
    checks, scores = check(
        Expect(agent="support", tools=("get_order",), reply_contains=("7330029145197",)),
        ACTUAL,
        history=["kargom nerede"],
    )

    assert [c.name for c in checks] == ["agent", "tools", "reply_contains", "pii_leak"]
    assert all(c.passed for c in checks)
    assert scores == {
        "Routing": 1.0,
        "Intent": None,
        "Outcome": None,
        "Tool calls": 1.0,
        "Reply content": 1.0,
        "PII leak": 1.0,
    }


def test_deepeval_runs_the_metrics_itself(tmp_path, monkeypatch):
    """ML engineers can hand our test cases and metrics to deepeval's own runner."""
    monkeypatch.setenv("DEEPEVAL_RESULTS_FOLDER", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    from deepeval import evaluate
    from deepeval.evaluate.configs import AsyncConfig, DisplayConfig

    case = turn_test_case("kargom nerede", Expect(agent="support", intent="cancel_order"), ACTUAL)

    result = evaluate(
        [case],
        [RoutingMetric(), IntentMetric()],
        async_config=AsyncConfig(run_async=False),
        display_config=DisplayConfig(show_indicator=False, print_results=False),
    )

    verdicts = {m.name: m.success for m in result.test_results[0].metrics_data}
    assert verdicts == {"Routing": True, "Intent": False}


@pytest.mark.parametrize(
    ("now", "at", "expected"),
    [
        # now: Wednesday 2026-11-25 10:00 in Istanbul (07:00 UTC)
        ("2026-11-25T07:00:00+00:00", "wed 11:00", "2026-11-25T11:00:00+03:00"),
        ("2026-11-25T07:00:00+00:00", "wed 09:00", "2026-12-02T09:00:00+03:00"),
        ("2026-11-25T07:00:00+00:00", "sun 22:30", "2026-11-29T22:30:00+03:00"),
        ("2026-11-25T07:00:00+00:00", "mon 07:10", "2026-11-30T07:10:00+03:00"),
    ],
)
def test_a_case_is_written_at_the_next_such_local_time(now, at, expected):
    start = case_start(at, "Europe/Istanbul", dt.datetime.fromisoformat(now))

    assert start == dt.datetime.fromisoformat(expected)
    assert dt.timedelta(0) < start - dt.datetime.fromisoformat(now) <= dt.timedelta(days=7)


# --- the LLM judge ---------------------------------------------------------------------------


class SchemaJudge(DeepEvalBaseLLM):
    """A judge that answers every deepeval prompt with a valid instance of the asked schema."""

    def __init__(self) -> None:
        self.prompts: list[str] = []
        super().__init__("schema-judge")

    def load_model(self, *args, **kwargs):
        return None

    def generate(self, prompt, schema=None, **kwargs):
        self.prompts.append(prompt)
        return _fill(schema)

    async def a_generate(self, prompt, schema=None, **kwargs):
        return self.generate(prompt, schema)

    def get_model_name(self, *args, **kwargs):
        return "schema-judge"


def _fill(schema):
    return schema(**{name: _value(f.annotation) for name, f in schema.model_fields.items()})


def _value(annotation):
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin is list:
        return []
    if origin is typing.Union:
        return _value(next(a for a in typing.get_args(annotation) if a is not type(None)))
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return _fill(annotation)
    return 8 if annotation in (int, float) else "ok"


def test_without_a_judge_no_llm_metric_runs(tmp_path):
    from invekto.evals.judge import judge_from_settings, judge_metrics

    assert judge_from_settings(make_settings(tmp_path)) is None
    assert judge_metrics(None) == []


def test_with_a_judge_relevancy_and_tone_metrics_score_replies():
    from deepeval.test_case import LLMTestCase

    from invekto.evals.judge import TONE_AND_POLICY, judge_metrics

    judge = SchemaJudge()
    metrics = judge_metrics(judge)
    case = LLMTestCase(input="kargom nerede", actual_output=ACTUAL["reply"])

    scores = {m.__name__: m.measure(case) for m in metrics}

    assert set(scores) == {"Answer Relevancy", "Tone and policy [GEval]"}
    assert all(0 <= s <= 1 for s in scores.values())
    assert any(TONE_AND_POLICY[:40] in prompt for prompt in judge.prompts)
    assert any(ACTUAL["reply"] in prompt for prompt in judge.prompts)


def test_the_judge_is_built_from_settings(tmp_path):
    from invekto.evals.judge import judge_from_settings

    judge = judge_from_settings(
        make_settings(tmp_path, eval_judge_model="judge-1", llm_base_url="http://127.0.0.1:9/v1")
    )

    assert judge is not None and judge.get_model_name() == "judge-1"
    assert str(judge.chat_model.openai_api_base) == "http://127.0.0.1:9/v1"
