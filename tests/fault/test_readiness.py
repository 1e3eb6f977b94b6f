"""``/readyz`` names what is wrong: no worker alive, a job waiting too long, no database."""

from __future__ import annotations

import psycopg

from invekto.jobs import bind_queue, open_pool, readiness


async def test_readiness_reasons(fresh_db_url):
    pool = open_pool(fresh_db_url, max_size=2)
    await pool.open()
    await bind_queue(pool)
    try:
        with psycopg.connect(fresh_db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs")
            conn.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat)"
                " VALUES (now() - interval '1 hour')"
            )
            conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status)"
                " VALUES ('default', 'tests.fault.nothing', '{}', 'todo')"
            )
            # Deferred two minutes ago (its ``deferred`` event says when).
            conn.execute("UPDATE procrastinate_events SET at = now() - interval '2 minutes'")
        ready, details = await readiness(timeout_s=2, max_job_wait_s=60, stalled_after_s=3)
        assert not ready
        assert details["database"] == {"ok": True}
        assert details["worker"]["ok"] is False
        assert details["queue"]["ok"] is False and details["queue"]["waiting"] == 1
        assert details["reasons"] == [
            "worker: no worker has sent a fresh heartbeat",
            "queue: a job has waited over 60 s",
        ]

        with psycopg.connect(fresh_db_url, autocommit=True) as conn:
            conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now()")
            conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour'")
        ready, details = await readiness(timeout_s=2, max_job_wait_s=60, stalled_after_s=3)
        assert ready, details
        assert details["queue"]["waiting"] == 0  # a job scheduled later is not waiting
    finally:
        await pool.close()

    # The pool closed: no database to ask. Not ready, and no exception.
    ready, details = await readiness(timeout_s=0.5, max_job_wait_s=60, stalled_after_s=3)
    assert not ready
    assert details["reasons"] == ["database: no answer"]
