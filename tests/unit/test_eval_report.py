"""Eval reports: totals and breakdowns, the HTML page, the comparison of two runs, LangSmith."""

from __future__ import annotations

import copy
import types

from invekto.evals.dataset import parse
from invekto.evals.metrics import Check
from invekto.evals.report import build, compare, render_html
from invekto.evals.runner import CaseReport, TurnReport


def _turn(text, *, expected, actual, ms=50.0, extra=()):
    checks = [
        Check(name, expected[name], actual.get(name), actual.get(name) == expected[name])
        for name in expected
    ]
    checks += list(extra)
    return TurnReport(customer=text, actual={**actual, "processing_ms": ms}, checks=checks)


def _cases():
    right = {"agent": "support", "intent": "order_status", "outcome": "auto_reply"}
    misread = {"agent": "support", "intent": "delivery_time", "outcome": "auto_reply"}
    return [
        CaseReport(
            "kargo-1", "demo-shop", "tr", ["orders"], "a.yaml",
            [_turn("kargom nerede", expected=right, actual={**right, "reply": "Yurtiçi"})],
        ),
        CaseReport(
            "kargo-2", "demo-shop", "en", ["orders", "en"], "a.yaml",
            [
                _turn("where is my parcel", expected=right, actual=misread, ms=400.0),
                _turn(
                    "thanks",
                    expected={"outcome": "auto_reply"},
                    actual={"agent": "none", "outcome": "handoff", "reply": "<b>x</b>"},
                    extra=[Check("pii_leak", [], ["PHONE_NUMBER: 0544 555 66 77"], False)],
                ),
            ],
        ),
    ]  # fmt: skip


def test_resolution_is_also_measured_over_the_cases_a_bot_may_resolve():
    cases = _cases()
    person = {"outcome": "handoff"}
    cases.append(
        CaseReport(
            "sikayet-1", "demo-shop", "tr", ["complaint"], "a.yaml",
            [_turn("rezalet", expected=person, actual={"agent": "none", **person})],
        )
    )  # fmt: skip
    totals = build(cases)["totals"]
    assert totals["automated_resolution_rate"] == round(1 / 3, 4)  # the complaint counts here
    assert (totals["automatable_cases"], totals["automatable_resolution_rate"]) == (2, 0.5)


def test_totals_and_breakdowns():
    report = build(_cases(), run={"dataset": "a.yaml"})
    totals = report["totals"]

    assert (totals["cases"], totals["cases_passed"], totals["turns"]) == (2, 1, 3)
    assert totals["intent_accuracy"] == 0.5
    assert totals["outcome_accuracy"] == round(2 / 3, 4)
    assert totals["automated_resolution_rate"] == 0.5
    assert (totals["automatable_cases"], totals["automatable_resolution_rate"]) == (2, 0.5)
    assert totals["handoff_rate"] == round(1 / 3, 4)
    assert totals["pii_leaks"] == 1
    assert report["by_language"]["en"]["turns"] == 2
    assert report["by_language"]["tr"]["intent_accuracy"] == 1.0
    assert report["by_agent"]["support"]["turns"] == 2
    assert report["by_intent"]["order_status"] == {
        "turns": 2,
        "accuracy": 0.5,
        "read_as": {"delivery_time": 1},
    }
    assert report["by_tag"]["orders"]["turns"] == 3


def test_turn_times_live_only_in_timings():
    report = build(_cases())

    assert report["timings"]["processing_ms_p95"] == 50.0
    assert report["timings"]["slowest_turns"][0] == {
        "case": "kargo-2",
        "turn": 1,
        "agent": "support",
        "intent": "delivery_time",
        "processing_ms": 400.0,
    }
    assert all("processing_ms" not in t["actual"] for c in report["cases"] for t in c["turns"])


def test_compare_names_what_got_better_and_worse():
    old = build(_cases())
    new = copy.deepcopy(old)
    new["totals"]["intent_accuracy"] = 0.75
    new["totals"]["pii_leaks"] = 0
    new["totals"]["routing_accuracy"] = 0.9
    new["by_intent"]["order_status"]["accuracy"] = 0.4
    new["cases"][0]["passed"] = False
    new["cases"][1]["passed"] = True
    new["cases"].append({"id": "new-1", "passed": True, "turns": []})

    lines = compare(old, new)

    worse_at = lines.index("worse:")
    better, worse = lines[:worse_at], lines[worse_at:]
    assert "  intent_accuracy: 0.5 → 0.75 (+0.25)" in better
    assert "  pii_leaks: 1 → 0 (-1)" in better
    assert "  case kargo-2: now passes" in better
    assert "  routing_accuracy: 1.0 → 0.9 (-0.1)" in worse
    assert "  intent order_status: 0.5 → 0.4" in worse
    assert "  case kargo-1: now fails" in worse
    assert any("1 new case(s): new-1" in line for line in lines)
    assert compare(old, old)[:4] == ["better:", "  nothing", "worse:", "  nothing"]


def test_the_html_report_shows_tables_chart_and_failing_turns_escaped():
    report = build(_cases(), run={"dataset": "a.yaml", "judge": "skipped: no judge"})
    report["run"]["gates"] = {"thresholds": {"intent_accuracy": {"min": 0.8}}, "missed": ["x"]}

    page = render_html(report)

    assert "Per agent" in page and "Per language" in page
    assert "<svg" in page and "order_status" in page
    assert "Failing turns (2)" in page
    assert "where is my parcel" in page and "delivery_time" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "Gate missed" in page
    assert "skipped: no judge" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


# --- LangSmith ------------------------------------------------------------------------------


class FakeLangSmith:
    def __init__(self):
        self.calls = []
        self.datasets = {}

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            if name == "has_dataset":
                return kwargs["dataset_name"] in self.datasets
            if name == "create_dataset":
                self.datasets[args[0]] = types.SimpleNamespace(id=f"ds-{len(self.datasets)}")
                return self.datasets[args[0]]
            if name == "read_dataset":
                return self.datasets[kwargs["dataset_name"]]
            return None

        return record


DATASET = {
    "cases": [
        {
            "id": "kargo-1",
            "tenant": "demo-shop",
            "language": "tr",
            "turns": [{"customer": "kargom nerede", "expect": {"intent": "order_status"}}],
        }
    ]
}


def test_langsmith_uploads_the_dataset_once_and_every_run(monkeypatch):
    from invekto.evals import langsmith_upload

    cases = parse(DATASET)
    report = build(_cases()[:1])
    client = FakeLangSmith()

    first = langsmith_upload.upload(cases, report, client=client)
    langsmith_upload.upload(cases, report, client=client)

    names = [name for name, _, _ in client.calls]
    assert names.count("create_dataset") == 1 and names.count("create_examples") == 1
    assert names.count("create_project") == 2 and names.count("create_run") == 2
    examples = next(kw for n, _, kw in client.calls if n == "create_examples")["examples"]
    assert examples[0]["outputs"] == {"expect": [{"intent": "order_status"}]}
    feedback = {
        args[0] if args else None: kw["key"]
        for n, args, kw in client.calls
        if n == "create_feedback"
    }
    assert "passed" in feedback.values()
    assert first.startswith("invekto-eval-")
    monkeypatch.delenv("LANGSMITH_API_KEY", raising=False)
    monkeypatch.delenv("LANGCHAIN_API_KEY", raising=False)
    assert not langsmith_upload.configured()
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test")
    assert langsmith_upload.configured()


def test_reports_show_pii_masked():
    case = CaseReport(
        "pii-1", "demo-shop", "tr", [], "a.yaml",
        [
            _turn(
                "TC kimlik numaram 10000000146",
                expected={"outcome": "auto_reply"},
                actual={"outcome": "auto_reply", "reply": "Kimlik no 10000000146 kaydedildi"},
                extra=[Check("pii_leak", [], ["PHONE_NUMBER: 0544 555 66 77"], False)],
            )
        ],
    )  # fmt: skip

    turn = build([case])["cases"][0]["turns"][0]

    assert turn["customer"] == "TC kimlik numaram <TR_NATIONAL_ID>"
    assert "10000000146" not in turn["actual"]["reply"]
    assert turn["checks"][-1]["actual"] == ["PHONE_NUMBER"]


def test_random_coupon_codes_are_masked_so_two_runs_compare_equal():
    def report(code):
        reply = f"Kuponunuz hazır: {code} (%10 indirim)"
        case = CaseReport(
            "kupon-1", "demo-shop", "tr", [], "a.yaml",
            [_turn("vazgeçtim", expected={"outcome": "auto_reply"},
                   actual={"outcome": "auto_reply", "reply": reply})],
        )  # fmt: skip
        return build([case])["cases"]

    assert report("INV-TWDVH83H") == report("INV-7GNU98N6")
    assert "<COUPON_CODE>" in report("INV-TWDVH83H")[0]["turns"][0]["actual"]["reply"]
