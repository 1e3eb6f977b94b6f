"""Nothing phones home: a whole conversation runs with the process cut off from everything but
loopback (no DNS, no sockets elsewhere), and no attempt to reach out is even made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OFFLINE = Path(__file__).parents[1] / "support" / "offline"


@pytest.mark.slow
def test_a_conversation_needs_nothing_but_loopback(tmp_path):
    log = tmp_path / "network.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(OFFLINE), os.environ.get("PYTHONPATH", "")]),
        "INVEKTO_OFFLINE_LOG": str(log),
        "INVEKTO_DATA_DIR": str(tmp_path / "data"),
        "INVEKTO_ENV": "development",
        "HF_HUB_OFFLINE": "",
        "TRANSFORMERS_OFFLINE": "",
    }
    env.pop("INVEKTO_DATABASE_URL", None)
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.getaddrinfo('pypi.org', 443)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "network blocked" in probe.stderr  # the guard is on

    log.unlink(missing_ok=True)
    result = subprocess.run(
        [
            sys.executable, "-m", "invekto.cli", "simulate",
            "--tenant", "demo-shop", "--phone", "905321112233",
            "merhaba", "kargom nerede", "TC kimlik numaram 10000000146, iade etmek istiyorum",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    turns = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [t["intent"] for t in turns[:2]] == ["greeting", "order_status"]
    assert "7330029145197" in turns[1]["reply"]
    assert all(t["outcome"] in ("auto_reply", "suggestion", "handoff") for t in turns)
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", attempts
