"""``invekto worker`` in a process of its own, for the tests that kill or outlive one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET


def start_worker(
    *,
    database_url: str,
    base_url: str,
    data_dir: str | Path,
    log: Path | None = None,
    **settings: str | int | float,
) -> subprocess.Popen:
    """A worker of the test's database, with a fast heartbeat (dead after 2 s) unless
    ``settings`` say otherwise (``worker_concurrency=8`` → ``INVEKTO_WORKER_CONCURRENCY``). In
    its own process group, so ``os.killpg`` kills it whole; its output goes to ``log``."""
    env = {
        **os.environ,
        "INVEKTO_DATABASE_URL": database_url,
        "INVEKTO_SECRET_KEY": TEST_SECRET,
        "INVEKTO_PUBLIC_URL": base_url,
        "INVEKTO_DATA_DIR": str(data_dir),
        "INVEKTO_WORKER_HEARTBEAT_S": "0.5",
        "INVEKTO_WORKER_STALLED_AFTER_S": "2",
        **{f"INVEKTO_{key.upper()}": str(value) for key, value in settings.items()},
    }
    output = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "invekto.cli", "worker"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        if log is not None:
            output.close()  # the child keeps its own copy


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop), SIGKILL when it does not stop within 20 s."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
