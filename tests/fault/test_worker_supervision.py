"""A worker that crashes starts again by itself, and cancelling it still stops it cleanly."""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
from procrastinate.worker import Worker

from invekto.jobs import bind_queue, local_workers, open_pool, queue, run_worker
from tests.support.waiting import wait_for

_done: list[str] = []


@queue.task(name="tests.fault.note")
async def note(key: str) -> None:
    _done.append(key)


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    return row[0] if row else 0


async def test_a_crashed_worker_starts_again_and_stops_when_cancelled(fresh_db_url, monkeypatch):
    pool = open_pool(fresh_db_url, max_size=4)
    await pool.open()
    await bind_queue(pool)
    _done.clear()
    original = Worker.run
    runs = 0

    async def crash_first(self: Worker) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("a bug in the worker")
        await original(self)

    monkeypatch.setattr(Worker, "run", crash_first)
    worker = asyncio.create_task(
        run_worker(
            concurrency=1,
            heartbeat_s=0.5,
            stalled_after_s=3.0,
            install_signal_handlers=False,
            name="supervised",
            restart_backoff_s=0.05,
        )
    )
    try:
        await note.defer_async(key="after-the-crash")
        await wait_for(lambda: asyncio.sleep(0, result=_done == ["after-the-crash"]), 20)
        (mine,) = [w for w in local_workers() if w["name"] == "supervised"]
        assert mine["restarts"] == 1
        assert "RuntimeError" in mine["last_error"]
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    assert worker.cancelled()
    assert [w for w in local_workers() if w["name"] == "supervised"] == []
    # The running incarnation unregistered itself on the way out.
    assert _count(fresh_db_url, "SELECT count(*) FROM procrastinate_workers") == 0
    await pool.close()
