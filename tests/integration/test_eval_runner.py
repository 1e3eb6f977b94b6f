"""The eval runner plays cases through the webhook and checks every expectation."""

from __future__ import annotations

import pytest
import yaml

from invekto.evals.dataset import parse
from invekto.evals.runner import as_json, run_case, totals

DATASET = """
cases:
  - id: kargo-ayse
    tenant: demo-shop
    language: tr
    customer_phone: "905321112233"
    turns:
      - customer: "kargom nerede"
        expect:
          agent: support
          intent: order_status
          outcome: auto_reply
          tools: [find_customer_orders]
          reply_contains: ["7330029145197"]
          reply_language: tr
      - customer: "teşekkürler"
        expect: {agent: none, outcome: auto_reply}
  - id: kargo-ayse-again
    tenant: demo-shop
    language: tr
    customer_phone: "905321112233"
    turns:
      - customer: "merhaba"
        expect: {intent: greeting, outcome: auto_reply}
  - id: wrong-on-purpose
    tenant: demo-shop
    language: en
    turns:
      - customer: "I want to return my order"
        expect: {agent: support, reply_not_contains: ["return"]}
"""


async def test_cases_run_isolated_and_every_expectation_is_checked(stack):
    cases = parse(yaml.safe_load(DATASET), source="inline.yaml")

    reports = [await run_case(stack, case) for case in cases]

    first, again, wrong = reports
    assert first.passed, as_json([first])
    assert again.passed  # a new conversation: the greeting is not a flow answer of case 1
    assert not wrong.passed
    checks = {c.name: c for c in wrong.turns[0].checks}
    assert (checks["agent"].expected, checks["agent"].actual) == ("support", "returns")
    assert not checks["reply_not_contains"].passed
    summary = totals(reports)
    assert summary["cases"] == 3 and summary["cases_passed"] == 2
    assert summary["routing_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["automated_resolution_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["processing_ms_p50"] is not None
