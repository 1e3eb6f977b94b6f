"""`invekto pii`: one text, JSON lines on stdin, and --score on a corpus."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from invekto.cli import app

runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[1] / "data" / "pii_corpus.yaml"


def test_pii_one_text():
    result = runner.invoke(app, ["pii", "Ben Ayşe Yılmaz, numaram 0532 111 22 33"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["masked"] == "Ben <PERSON>, numaram <PHONE_NUMBER>"
    assert [set(e) for e in body["entities"]] == [{"entity_type", "start", "end", "score"}] * 2
    assert [e["entity_type"] for e in body["entities"]] == ["PERSON", "PHONE_NUMBER"]


def test_pii_json_lines_keeps_going_past_a_bad_line():
    lines = (
        '{"text": "رقمي ٠٥٣٢١١١٢٢٣٣", "lang": "ar"}\n'
        "not json\n"
        '{"text": "Sipariş no 10654400001, takip 7330029145197"}\n'
        '{"lang": "en"}\n'
    )

    result = runner.invoke(app, ["pii", "--jsonl"], input=lines)

    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0
    assert outputs[0]["masked"] == "رقمي <PHONE_NUMBER>"
    assert "line 2" in outputs[1]["error"]
    assert outputs[2] == {"entities": [], "masked": "Sipariş no 10654400001, takip 7330029145197"}
    assert "line 4" in outputs[3]["error"]


def test_pii_score_prints_the_table_and_timings():
    result = runner.invoke(app, ["pii", "--score", str(CORPUS)])

    assert result.exit_code == 0, result.output
    assert "precision" in result.stdout and "TR_NATIONAL_ID" in result.stdout
    assert "held-out part only" in result.stdout
    timings = json.loads(result.stdout.split("timings: ", 1)[1])
    assert timings["ms_per_snippet_mean"] > 0 and timings["first_load_ms"] >= 0


def test_pii_without_text_is_a_clear_error():
    result = runner.invoke(app, ["pii"])
    assert result.exit_code == 2  # a usage error, not a crash
    assert "give a text, or --jsonl" in result.output
