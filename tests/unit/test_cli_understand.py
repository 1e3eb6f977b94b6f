"""`invekto understand`: one JSON object per message, single or as JSON lines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from invekto.cli import app

runner = CliRunner()


def test_understand_one_text():
    result = runner.invoke(app, ["understand", "--tenant", "demo-shop", "kargom nerede"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"language", "intent", "confidence", "entities", "signals", "source"}
    assert (body["language"], body["intent"]) == ("tr", "order_status")


def test_understand_json_lines_keeps_going_past_a_bad_line():
    lines = '{"tenant": "demo-shop", "text": "toptan 100 adet"}\nnot json\n{"text": "hello"}\n'

    result = runner.invoke(app, ["understand", "--jsonl"], input=lines)

    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0
    assert outputs[0]["signals"] == ["bulk_order"]
    assert outputs[0]["entities"]["quantities"] == [100]
    assert "line 2" in outputs[1]["error"]
    assert outputs[2]["intent"] == "greeting"


def test_understand_without_text_is_a_clear_error():
    result = runner.invoke(app, ["understand"])
    assert result.exit_code == 2  # a usage error, not a crash
    assert "give a text, or --jsonl" in result.output
