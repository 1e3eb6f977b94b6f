"""The eval runner plays cases through the webhook and checks every expectation."""

from __future__ import annotations

import json

import pytest
import yaml

from invekto.evals.dataset import parse
from invekto.evals.report import build, totals
from invekto.evals.runner import fresh_numbers, run_case

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
    assert first.passed, build([first])
    assert again.passed  # a new conversation: the greeting is not a flow answer of case 1
    assert not wrong.passed
    checks = {c.name: c for c in wrong.turns[0].checks}
    assert (checks["agent"].expected, checks["agent"].actual) == ("support", "returns")
    assert not checks["reply_not_contains"].passed
    summary = totals(reports)
    assert summary["cases"] == 3 and summary["cases_passed"] == 2
    assert summary["routing_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["automated_resolution_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert build(reports)["timings"]["processing_ms_p50"] is not None


AFTER_HOURS = """
cases:
  - id: sunday-night
    tenant: demo-shop
    language: tr
    at: "sun 22:30"
    turns:
      - customer: "bir yetkiliyle görüşmek istiyorum lütfen"
        expect: {outcome: handoff, reply_contains: ["mesai saatlerimiz dışında", "09:00"]}
  - id: wednesday-morning
    tenant: demo-shop
    language: tr
    turns:
      - customer: "bir yetkiliyle görüşmek istiyorum lütfen"
        expect: {outcome: handoff, reply_not_contains: ["mesai saatlerimiz dışında"]}
"""


async def test_a_case_says_when_the_customer_writes(stack):
    cases = parse(yaml.safe_load(AFTER_HOURS), source="hours.yaml")

    reports = [await run_case(stack, case) for case in cases]

    assert all(r.passed for r in reports), build(reports)


async def test_the_same_cases_give_the_same_report(stack):
    cases = parse(yaml.safe_load(DATASET + AFTER_HOURS.replace("cases:", "")), source="x.yaml")

    runs = []
    for _ in range(2):
        numbers = fresh_numbers()
        report = build([await run_case(stack, case, numbers=numbers) for case in cases])
        report.pop("timings")
        runs.append(json.dumps(report, sort_keys=True, ensure_ascii=False))

    assert runs[0] == runs[1]


@pytest.mark.slow
def test_the_cli_writes_reports_compares_and_gates(tmp_path, monkeypatch):
    """`invekto eval` end to end: a fresh seeded database, both reports, --compare, and --gate
    failing with the name of the missed total (this is what fails CI)."""
    from typer.testing import CliRunner

    from invekto.cli import app

    monkeypatch.delenv("LANGSMITH_API_KEY", raising=False)
    monkeypatch.delenv("LANGCHAIN_API_KEY", raising=False)
    dataset = tmp_path / "cases.yaml"
    dataset.write_text(DATASET, encoding="utf-8")
    strict = tmp_path / "gates.yaml"
    strict.write_text("routing_accuracy: {min: 0.99}\npii_leaks: {max: 0}\n", encoding="utf-8")
    report, page = tmp_path / "out" / "report.json", tmp_path / "out" / "report.html"
    runner = CliRunner()

    first = runner.invoke(
        app, ["eval", "--dataset", str(dataset), "--report", str(report), "--html", str(page)]
    )
    again = runner.invoke(
        app,
        ["eval", "--dataset", str(dataset), "--compare", str(report), "--gate"]
        + ["--gates", str(strict), "--langsmith"],
    )

    assert first.exit_code == 0, first.output
    body = json.loads(report.read_text("utf-8"))
    assert body["totals"]["cases"] == 3 and body["run"]["judge"].startswith("skipped")
    assert "Failing turns (1)" in page.read_text("utf-8")
    assert "LLM-judged metrics skipped" in first.output
    assert again.exit_code == 1
    assert "better:\n  nothing\nworse:\n  nothing" in again.output
    assert "gate missed: routing_accuracy 0.6667 < min 0.99" in again.output
    assert "LangSmith is not configured" in again.output
