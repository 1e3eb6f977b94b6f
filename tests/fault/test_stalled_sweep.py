"""The stalled-job sweep never puts back the job of a live worker, however stale its heartbeat
row looks (a busy event loop, a pool with no free connection); a dead worker's job still is."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter

import psycopg

from invekto.jobs import bind_queue, local_workers, open_pool, queue, retry_stalled_jobs, run_worker
from tests.support.waiting import wait_for

_gates: dict[str, asyncio.Event] = {}
_runs: Counter[str] = Counter()


@queue.task(name="tests.fault.hold")
async def hold(key: str) -> None:
    """A long job: runs until the test opens its gate."""
    _runs[key] += 1
    await _gates.setdefault(key, asyncio.Event()).wait()


def _one(url: str, sql: str, *args: object) -> tuple | None:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, args)
        return cursor.fetchone() if cursor.description else None


async def test_a_live_workers_job_is_never_put_back_a_dead_ones_is(fresh_db_url):
    url = fresh_db_url
    pool = open_pool(url, max_size=4)
    await pool.open()
    await bind_queue(pool)
    _gates.clear()
    _runs.clear()
    # Heartbeats far apart and a 1 s stall limit: only liveness, not a heartbeat, can save a
    # long job here.
    worker = asyncio.create_task(
        run_worker(
            concurrency=2,
            heartbeat_s=30.0,
            stalled_after_s=1.0,
            install_signal_handlers=False,
            name="sweep-test",
        )
    )
    try:
        live_job = await hold.defer_async(key="live")

        async def running() -> bool:
            row = _one(url, "SELECT status FROM procrastinate_jobs WHERE id = %s", live_job)
            return bool(row and row[0] == "doing")

        await wait_for(running, timeout_s=20)
        await wait_for(
            lambda: asyncio.sleep(0, result=any(w["fresh"] for w in local_workers())),
            timeout_s=20,
        )
        # Whatever kept the heartbeat from being written (a loop busy for a minute, no free
        # connection in the pool), the row says the worker has been silent for an hour.
        _one(url, "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")

        # A dead worker: its row stale, its lock not held, its job left in ``doing``.
        dead_worker = _one(
            url,
            "INSERT INTO procrastinate_workers (last_heartbeat)"
            " VALUES (now() - interval '1 hour') RETURNING id",
        )[0]
        dead_job = _one(
            url,
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id)"
            " VALUES ('default', 'tests.fault.hold', %s, 'doing', %s) RETURNING id",
            json.dumps({"key": "orphan"}),
            dead_worker,
        )[0]

        assert await retry_stalled_jobs(stalled_after_s=1.0) == 1
        status, attempts = _one(
            url, "SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", live_job
        )
        assert (status, attempts) == ("doing", 0)
        assert _runs["live"] == 1

        # The dead worker's job was put back and runs again, on the live worker.
        await wait_for(lambda: asyncio.sleep(0, result=_runs["orphan"] == 1), timeout_s=20)
        assert _one(url, "SELECT 1 FROM procrastinate_workers WHERE id = %s", dead_worker) is None

        for key in ("live", "orphan"):
            _gates.setdefault(key, asyncio.Event()).set()

        async def finished() -> bool:
            row = _one(
                url,
                "SELECT count(*) FROM procrastinate_jobs WHERE id = ANY(%s)",
                [live_job, dead_job],
            )
            return bool(row and row[0] == 0)  # successful jobs are deleted

        await wait_for(finished, timeout_s=20)
        assert _runs == Counter({"live": 1, "orphan": 1})
    finally:
        for gate in _gates.values():
            gate.set()
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await pool.close()
