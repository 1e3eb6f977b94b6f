"""Eval reports: the JSON a machine reads, the HTML a person reads, and the comparison of two runs.

Reports show customer texts and replies with their PII masked (``<PHONE_NUMBER>``): they are
shared and attached to CI runs; the raw values stay in the run's own database.

The JSON report is deterministic: the same dataset against the same code gives the same file,
except its ``timings`` section (turn processing times, recorded, never gated or compared as a
failure). Turn times are kept out of the cases for that reason.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from importlib import resources
from typing import Any

from invekto.evals.metrics import METRICS
from invekto.evals.runner import CaseReport, TurnReport

ACCURACIES = {
    "routing_accuracy": "agent",
    "intent_accuracy": "intent",
    "tool_call_accuracy": "tools",
    "outcome_accuracy": "outcome",
}
"""Each accuracy total and the check it counts."""
REPLY_CHECKS = ("reply_contains", "reply_not_contains", "reply_language")
LOWER_IS_BETTER = {"pii_leaks", "guard_blocks", "timeouts"}
NEUTRAL = {"cases", "turns", "handoff_rate", "suggestion_rate", "automatable_cases"}
"""Totals that describe the run rather than grade it."""


def totals(cases: list[CaseReport]) -> dict[str, Any]:
    """The totals of EVALS.md over a run."""
    turns = [turn for case in cases for turn in case.turns]
    resolved = [
        case.passed and all(t.actual.get("outcome") == "auto_reply" for t in case.turns)
        for case in cases
    ]
    automatable = [not _expects_a_person(case) for case in cases]
    return {
        "cases": len(cases),
        "cases_passed": sum(case.passed for case in cases),
        "turns": len(turns),
        "turns_passed": sum(turn.passed for turn in turns),
        **{name: _accuracy(turns, check) for name, check in ACCURACIES.items()},
        "reply_accuracy": _accuracy(turns, *REPLY_CHECKS),
        "automated_resolution_rate": _ratio(sum(resolved), len(cases)),
        "automatable_cases": sum(automatable),
        "automatable_resolution_rate": _ratio(
            sum(r for r, a in zip(resolved, automatable, strict=True) if a), sum(automatable)
        ),
        "handoff_rate": _ratio(_outcomes(turns)["handoff"], len(turns)),
        "suggestion_rate": _ratio(_outcomes(turns)["suggestion"], len(turns)),
        "pii_leaks": sum(
            len(c.actual or []) for t in turns for c in t.checks if c.name == "pii_leak"
        ),
        "guard_blocks": sum(str(t.actual.get("reason") or "").startswith("guard") for t in turns),
        "timeouts": sum(t.actual.get("outcome") == "timeout" for t in turns),
    }


def _expects_a_person(case: CaseReport) -> bool:
    """A case whose expectations send some turn to a person (a hand-over, a suggestion): a
    complaint, a clinic, a B2B lead for sales. No bot resolves it alone, however good."""
    return any(
        check.name == "outcome" and check.expected in ("handoff", "suggestion")
        for turn in case.turns
        for check in turn.checks
    )


def timings(cases: list[CaseReport]) -> dict[str, Any]:
    """Turn processing times (webhook stored → decision made), per agent, and the slowest turns."""
    timed = [
        (case, index, turn)
        for case in cases
        for index, turn in enumerate(case.turns, start=1)
        if turn.actual.get("processing_ms") is not None
    ]
    by_agent: dict[str, list[float]] = defaultdict(list)
    for _, _, turn in timed:
        by_agent[str(turn.actual.get("agent") or "none")].append(turn.actual["processing_ms"])
    slowest = sorted(timed, key=lambda row: -row[2].actual["processing_ms"])[:10]
    return {
        **_percentiles([turn.actual["processing_ms"] for _, _, turn in timed]),
        "by_agent": {agent: _percentiles(ms) for agent, ms in sorted(by_agent.items())},
        "slowest_turns": [
            {
                "case": case.id,
                "turn": index,
                "agent": turn.actual.get("agent"),
                "intent": turn.actual.get("intent"),
                "processing_ms": turn.actual["processing_ms"],
            }
            for case, index, turn in slowest
        ],
    }


def build(cases: list[CaseReport], *, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole JSON report."""
    return {
        "run": run or {},
        "totals": totals(cases),
        "by_agent": _breakdown(cases, _agent_of),
        "by_language": _breakdown(cases, lambda case, turn: case.language),
        "by_tag": _breakdown(cases, lambda case, turn: case.tags),
        "by_intent": _by_intent(cases),
        "metrics": _metrics(cases),
        "timings": timings(cases),
        "cases": [_case_json(case) for case in cases],
    }


# --- breakdowns ----------------------------------------------------------------------------


def _agent_of(case: CaseReport, turn: TurnReport) -> str:
    """The agent a turn belongs to: the expected one when the case says, else who answered."""
    for check in turn.checks:
        if check.name == "agent":
            return str(check.expected)
    return str(turn.actual.get("agent") or "none")


def _breakdown(
    cases: list[CaseReport], key: Callable[[CaseReport, TurnReport], str | Iterable[str]]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[TurnReport]] = defaultdict(list)
    for case in cases:
        for turn in case.turns:
            keys = key(case, turn)
            for name in [keys] if isinstance(keys, str) else keys:
                groups[name].append(turn)
    return {
        name: {
            "turns": len(turns),
            "turns_passed": sum(turn.passed for turn in turns),
            **{total: _accuracy(turns, check) for total, check in ACCURACIES.items()},
            "reply_accuracy": _accuracy(turns, *REPLY_CHECKS),
            "handoff_rate": _ratio(_outcomes(turns)["handoff"], len(turns)),
        }
        for name, turns in sorted(groups.items())
    }


def _by_intent(cases: list[CaseReport]) -> dict[str, dict[str, Any]]:
    """Per expected intent: how often it was read right, and what it was read as instead."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        for turn in case.turns:
            for check in turn.checks:
                if check.name == "intent":
                    seen[str(check.expected)][str(check.actual)] += 1
    return {
        intent: {
            "turns": sum(actual.values()),
            "accuracy": _ratio(actual[intent], sum(actual.values())),
            "read_as": dict(
                sorted(
                    ((a, n) for a, n in actual.items() if a != intent), key=lambda x: (-x[1], x[0])
                )
            ),
        }
        for intent, actual in sorted(seen.items())
    }


def _metrics(cases: list[CaseReport]) -> dict[str, dict[str, Any]]:
    """Each deepeval metric: turns scored, passed (score 1.0) and mean score."""
    scores: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        for turn in case.turns:
            for name, score in turn.scores.items():
                if score is not None:
                    scores[name].append(score)
    order = [metric.name for metric in METRICS]
    return {
        name: {
            "scored": len(values),
            "passed": sum(value >= 1.0 for value in values),
            "mean": round(statistics.fmean(values), 4),
        }
        for name, values in sorted(
            scores.items(), key=lambda item: (order + [item[0]]).index(item[0])
        )
    }


def _case_json(case: CaseReport) -> dict[str, Any]:
    """A case as the report shows it: customer texts and replies with their PII masked (reports
    are shared; the raw values stay in the run's database)."""
    from invekto.guardrails.pii import mask
    from invekto.tools.coupons import COUPON_CODE

    def redact(text: Any) -> Any:
        if not isinstance(text, str) or not text:
            return text
        # Coupon codes are random: masked, so two runs of the same code give the same report.
        return COUPON_CODE.sub("<COUPON_CODE>", mask(text, case.language))

    def check_json(check: Any) -> dict[str, Any]:
        row = asdict(check)
        if check.name in ("reply_contains", "reply_not_contains"):
            row["actual"] = redact(row["actual"])
        elif check.name == "pii_leak":
            row["actual"] = [leak.split(":", 1)[0] for leak in row["actual"] or []]
        return row

    return {
        **{k: v for k, v in asdict(case).items() if k != "turns"},
        "passed": case.passed,
        "turns": [
            {
                "customer": redact(turn.customer),
                "passed": turn.passed,
                "actual": {
                    k: redact(v) if k == "reply" else v
                    for k, v in turn.actual.items()
                    if k not in ("wa_message_id", "processing_ms")
                },
                "checks": [check_json(check) for check in turn.checks],
                "scores": turn.scores,
            }
            for turn in case.turns
        ],
    }


def _accuracy(turns: list[TurnReport], *names: str) -> float | None:
    results = [c.passed for t in turns for c in t.checks if c.name in names]
    return _ratio(sum(results), len(results))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _outcomes(turns: list[TurnReport]) -> Counter[str]:
    return Counter(str(t.actual.get("outcome")) for t in turns)


def _percentiles(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    if not ordered:
        return {"turns": 0, "processing_ms_p50": None, "processing_ms_p95": None}
    return {
        "turns": len(ordered),
        "processing_ms_p50": round(statistics.median(ordered), 1),
        "processing_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


# --- comparing two runs ---------------------------------------------------------------------


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What got better and worse from ``old`` to ``new`` (two JSON reports), one line each:
    totals, per-intent accuracy, and the cases that started or stopped passing."""
    better: list[str] = []
    worse: list[str] = []
    same_run = []
    for name, value in new.get("totals", {}).items():
        before = old.get("totals", {}).get(name)
        if name in NEUTRAL or not _number(value) or not _number(before) or value == before:
            if name in NEUTRAL and before != value:
                same_run.append(f"  {name}: {before} → {value}")
            continue
        line = f"  {name}: {before} → {value} ({value - before:+.4g})"
        improved = value < before if name in LOWER_IS_BETTER else value > before
        (better if improved else worse).append(line)
    old_intents, new_intents = old.get("by_intent", {}), new.get("by_intent", {})
    for intent in sorted(set(old_intents) | set(new_intents)):
        before = old_intents.get(intent, {}).get("accuracy")
        after = new_intents.get(intent, {}).get("accuracy")
        if _number(before) and _number(after) and before != after:
            line = f"  intent {intent}: {before} → {after}"
            (better if after > before else worse).append(line)
    old_cases = {c["id"]: c["passed"] for c in old.get("cases", [])}
    new_cases = {c["id"]: c["passed"] for c in new.get("cases", [])}
    for case_id in sorted(set(old_cases) & set(new_cases)):
        if old_cases[case_id] != new_cases[case_id]:
            if new_cases[case_id]:
                better.append(f"  case {case_id}: now passes")
            else:
                worse.append(f"  case {case_id}: now fails")
    lines = ["better:", *(better or ["  nothing"]), "worse:", *(worse or ["  nothing"])]
    added, dropped = set(new_cases) - set(old_cases), set(old_cases) - set(new_cases)
    if added or dropped or same_run:
        lines.append("changed:")
        lines += same_run
        if added:
            lines.append(f"  {len(added)} new case(s): {', '.join(sorted(added)[:10])}")
        if dropped:
            lines.append(f"  {len(dropped)} case(s) gone: {', '.join(sorted(dropped)[:10])}")
    before_p95 = old.get("timings", {}).get("processing_ms_p95")
    after_p95 = new.get("timings", {}).get("processing_ms_p95")
    if _number(before_p95) and _number(after_p95):
        lines.append(f"timing (recorded, not gated): p95 {before_p95} → {after_p95} ms")
    return lines


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- HTML ------------------------------------------------------------------------------------


def render_html(report: dict[str, Any]) -> str:
    """A self-contained page (no scripts, no network): totals, a table per agent and per
    language, the per-intent accuracy chart, and the failing turns, expected vs actual."""
    from jinja2 import Environment, select_autoescape

    template = (
        resources.files("invekto.evals").joinpath("report.html.j2").read_text(encoding="utf-8")
    )
    environment = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    environment.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.1f} %"
    failing = [
        {"case": case, "number": number, "turn": turn}
        for case in report.get("cases", [])
        for number, turn in enumerate(case["turns"], start=1)
        if not turn["passed"]
    ]
    return environment.from_string(template).render(
        report=report, failing=failing, columns=[*ACCURACIES, "reply_accuracy"]
    )
