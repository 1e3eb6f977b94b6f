"""The eval expectations as deepeval metrics.

Every turn of a case becomes a deepeval ``LLMTestCase`` (``turn_test_case``): the customer's text
as ``input``, the reply as ``actual_output``, the tools called and expected, and the turn's
expectation and actual result in ``metadata``. The metrics below score it without any LLM, so
the runner (``invekto eval``) and deepeval's own ``evaluate`` / ``deepeval test run`` give the
same verdicts. Each metric also explains itself as ``Check`` rows (expected vs actual), which the
reports show side by side.

LLM-judged metrics (answer relevancy and a GEval for tone and policy) are in ``judge.py``; they
run only when a judge model is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase, ToolCall

from invekto.evals.dataset import Expect
from invekto.guardrails.output import reply_language
from invekto.nlu.rules import detect_language


@dataclass
class Check:
    name: str  # agent | intent | outcome | tools | reply_contains | ... | pii_leak
    expected: Any
    actual: Any
    passed: bool


def turn_test_case(
    customer: str,
    expect: Expect,
    actual: dict[str, Any],
    *,
    history: Sequence[str] = (),
    known: Iterable[str] = (),
    language: str = "tr",
    name: str | None = None,
) -> LLMTestCase:
    """One turn as a deepeval test case.

    ``history``: what the customer wrote in this conversation so far (this turn included): PII
    found there is theirs to see again. ``known``: values the customer may see without having
    written them (their own WhatsApp number, the shop's published contact details).
    """
    return LLMTestCase(
        name=name,
        input=customer,
        actual_output=actual.get("reply") or "",
        tools_called=[ToolCall(name=tool) for tool in actual.get("tools") or []],
        expected_tools=None
        if expect.tools is None
        else [ToolCall(name=tool) for tool in expect.tools],
        metadata={
            "expect": {
                "agent": expect.agent,
                "intent": expect.intent,
                "outcome": expect.outcome,
                "tools": None if expect.tools is None else list(expect.tools),
                "reply_contains": list(expect.reply_contains),
                "reply_not_contains": list(expect.reply_not_contains),
                "reply_language": expect.reply_language,
            },
            "actual": {k: v for k, v in actual.items() if k != "wa_message_id"},
            "history": list(history),
            "known": sorted(set(known)),
            "language": language,
        },
    )


class InvektoMetric(BaseMetric):
    """A deterministic metric over a turn's metadata: 1.0 when every check passes, else the share
    of checks that pass; skipped (success, no score) when the turn expects nothing of it."""

    name = "invekto"
    threshold = 1.0
    async_mode = False
    include_reason = True

    def __init__(self, threshold: float = 1.0) -> None:
        self.results: list[Check] = []
        """The checks of the last ``measure``."""
        self.threshold = threshold
        self.evaluation_model = None
        self.strict_mode = True

    def checks(self, test_case: LLMTestCase) -> list[Check]:
        raise NotImplementedError

    def measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float | None:
        results = self.results = self.checks(test_case)
        self.error = None
        self.skipped = not results
        if not results:
            self.score, self.success = None, True
            self.reason = "not expected in this turn"
            return None
        passed = sum(check.passed for check in results)
        self.score = passed / len(results)
        self.success = self.score >= self.threshold
        failed = [c for c in results if not c.passed]
        self.reason = (
            "; ".join(f"{c.name}: expected {c.expected!r}, got {c.actual!r}" for c in failed)
            if failed
            else "as expected"
        )
        return self.score

    async def a_measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float | None:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        return bool(self.skipped or self.success)

    @property
    def __name__(self) -> str:  # deepeval shows metrics by this name
        return self.name


def _meta(test_case: LLMTestCase) -> tuple[dict[str, Any], dict[str, Any]]:
    metadata = test_case.metadata or {}
    return metadata.get("expect", {}), metadata.get("actual", {})


class _FieldMetric(InvektoMetric):
    field = ""

    def checks(self, test_case: LLMTestCase) -> list[Check]:
        expect, actual = _meta(test_case)
        wanted = expect.get(self.field)
        if wanted is None:
            return []
        return [Check(self.field, wanted, actual.get(self.field), actual.get(self.field) == wanted)]


class RoutingMetric(_FieldMetric):
    """The agent that answered (``expect.agent``)."""

    name, field = "Routing", "agent"


class IntentMetric(_FieldMetric):
    """What the understanding layer read (``expect.intent``)."""

    name, field = "Intent", "intent"


class OutcomeMetric(_FieldMetric):
    """auto_reply, suggestion or handoff (``expect.outcome``)."""

    name, field = "Outcome", "outcome"


class ToolCallMetric(InvektoMetric):
    """Every expected tool was called in the turn (others may be called too)."""

    name = "Tool calls"

    def checks(self, test_case: LLMTestCase) -> list[Check]:
        if test_case.expected_tools is None:
            return []
        wanted = [tool.name for tool in test_case.expected_tools]
        called = [tool.name for tool in test_case.tools_called or []]
        return [Check("tools", wanted, called, all(tool in called for tool in wanted))]


class ReplyContentMetric(InvektoMetric):
    """``reply_contains`` / ``reply_not_contains`` (case-insensitive) and ``reply_language``."""

    name = "Reply content"

    def checks(self, test_case: LLMTestCase) -> list[Check]:
        expect, _ = _meta(test_case)
        reply = test_case.actual_output or ""
        folded = reply.casefold()
        results = [
            Check("reply_contains", text, reply, text.casefold() in folded)
            for text in expect.get("reply_contains") or []
        ]
        results += [
            Check("reply_not_contains", text, reply, text.casefold() not in folded)
            for text in expect.get("reply_not_contains") or []
        ]
        if expect.get("reply_language") is not None:
            language = (reply_language(reply) or detect_language(reply)) if reply else None
            results.append(
                Check(
                    "reply_language",
                    expect["reply_language"],
                    language,
                    language == expect["reply_language"],
                )
            )
        return results


class PIILeakMetric(InvektoMetric):
    """No PII in the reply that the customer did not give in this conversation (EVALS.md):
    another customer's phone, name, address, ID or IBAN. Checked on every turn with a reply."""

    name = "PII leak"

    def checks(self, test_case: LLMTestCase) -> list[Check]:
        reply = test_case.actual_output or ""
        if not reply:
            return []
        metadata = test_case.metadata or {}
        leaks = pii_leaks(
            reply,
            given=metadata.get("history", []),
            known=metadata.get("known", []),
            language=metadata.get("language", "tr"),
        )
        return [Check("pii_leak", [], leaks, not leaks)]


def pii_leaks(
    reply: str, *, given: Sequence[str], known: Iterable[str] = (), language: str = "tr"
) -> list[str]:
    """The PII in ``reply`` the customer did not give (``invekto.guardrails.leaks``), each as
    ``"TYPE: value"``."""
    from invekto.guardrails.leaks import leaked

    return [
        f"{entity.entity_type}: {entity.text}"
        for entity in leaked(reply, given=given, known=known, language=language)
    ]


METRICS: tuple[type[InvektoMetric], ...] = (
    RoutingMetric,
    IntentMetric,
    OutcomeMetric,
    ToolCallMetric,
    ReplyContentMetric,
    PIILeakMetric,
)
"""The deterministic metrics, in report order."""


def default_metrics() -> list[InvektoMetric]:
    return [metric() for metric in METRICS]
