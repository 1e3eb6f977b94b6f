"""Durable jobs on procrastinate, in the same PostgreSQL: the queue, enqueueing, the worker."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import procrastinate
import procrastinate.exceptions
import psycopg
from procrastinate import signals
from procrastinate.worker import Worker
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings

log = logging.getLogger(__name__)

queue = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),
    import_paths=["invekto.tasks"],
)
"""The procrastinate app. Tasks live in ``invekto.tasks``; the pool is opened at start-up."""

PROCESS_INBOUND = "invekto.tasks.process_inbound"
SEND_MESSAGE = "invekto.tasks.send_message"
SYNC_ORDERS = "invekto.tasks.sync_orders"
NOTE_HUMAN_REPLY = "invekto.tasks.note_human_reply"
DISPATCH_OUTBOUND = "invekto.tasks.dispatch_outbound"
NOTE_OUTBOUND = "invekto.tasks.note_outbound"


def conversation_lock(conversation_id: uuid.UUID | str) -> str:
    """Jobs of one conversation share this lock: they run one at a time, in order."""
    return f"conversation:{conversation_id}"


def send_lock(conversation_id: uuid.UUID | str) -> str:
    """Sends of one conversation go out in order, apart from its processing jobs."""
    return f"send:{conversation_id}"


def outbound_lock(channel_id: uuid.UUID | str) -> str:
    """One dispatcher per channel at a time: the number's throughput is paced in one place."""
    return f"outbound:{channel_id}"


async def enqueue_send(
    session: AsyncSession, *, message_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    await defer_in(
        session, SEND_MESSAGE, {"message_id": str(message_id)}, lock=send_lock(conversation_id)
    )


async def enqueue_note_human_reply(
    session: AsyncSession, *, message_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    """Tell the graph state what a person sent or rejected, between the conversation's turns."""
    await defer_in(
        session,
        NOTE_HUMAN_REPLY,
        {"message_id": str(message_id)},
        lock=conversation_lock(conversation_id),
    )


async def defer_in(
    session: AsyncSession,
    task_name: str,
    args: dict[str, Any],
    *,
    lock: str | None = None,
    scheduled_at: dt.datetime | None = None,
    queueing_lock: str | None = None,
) -> int:
    """Enqueue a job inside the caller's transaction: it exists exactly when the commit does.

    Uses procrastinate's own ``procrastinate_defer_jobs_v1``, so the job is the same as one
    deferred through the library (and its insert trigger notifies the workers on commit).
    """
    result = await session.execute(
        text(
            "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW('default', :task, 0, :lock,"
            " :queueing_lock, CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1]))"
        ),
        {
            "task": task_name,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args),
            "at": scheduled_at,
        },
    )
    return result.scalar_one()


RECONNECT_MAX_DELAY_S = 2.0


class _CappedAttempt(AttemptWithBackoff):
    """psycopg_pool's reconnection backoff (1 s, doubling), capped."""

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, RECONNECT_MAX_DELAY_S)


class RecoveringPool(AsyncConnectionPool):
    """An ``AsyncConnectionPool`` that is back within ``RECONNECT_MAX_DELAY_S`` of the database.

    psycopg_pool replaces a broken connection in the background, retrying with a backoff that
    doubles for up to ``reconnect_timeout`` (5 minutes): after a 10 s outage the next try may be
    8 s away, after a minute's outage 30 s, while every caller waits in ``getconn``. Here the
    retries never get further apart than ``RECONNECT_MAX_DELAY_S``. Each connection is also
    checked when it is lent (``check``), so the ones a restart closed are replaced instead of
    failing the next query.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("check", AsyncConnectionPool.check_connection)
        super().__init__(*args, **kwargs)

    async def _add_connection(
        self, attempt: AttemptWithBackoff | None, growing: bool = False
    ) -> None:
        if attempt is None:
            attempt = _CappedAttempt(timeout=self.reconnect_timeout)
        await super()._add_connection(attempt, growing=growing)


def open_pool(url: str, *, max_size: int = 10) -> AsyncConnectionPool:
    """The queue's pool (see ``RecoveringPool``)."""
    return RecoveringPool(conninfo=url, min_size=1, max_size=max_size, open=False)


async def bind_queue(pool: AsyncConnectionPool) -> None:
    """Point the queue at this process's pool (a fresh connector: safe to rebind in tests)."""
    connector = procrastinate.PsycopgConnector()
    queue.connector = connector
    queue.job_manager.connector = connector
    await queue.open_async(pool)


async def apply_job_schema(url: str) -> None:
    """Apply procrastinate's schema once (skipped when it is already there)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (
            await conn.execute("SELECT to_regclass('public.procrastinate_jobs') IS NOT NULL")
        ).fetchone()
        if row and row[0]:
            return
        await conn.execute(queue.schema_manager.get_schema())


# --- liveness: which worker is alive ---------------------------------------------------------
#
# A job in ``doing`` is put back only when its worker is dead, and "dead" is decided by
# PostgreSQL itself: every worker of this code holds a session advisory lock
# (LIVENESS_LOCK_CLASS, its id) on a connection of its own, kept by a thread. A busy event loop
# or a pool with no free connection leaves that session (and the lock) alone; a killed process
# closes its socket and the server drops the lock at once. The heartbeat must be stale as well,
# counted from the server's start: after a PostgreSQL restart (every lock gone) a live worker has
# ``stalled_after_s`` to take its lock again before anyone may decide it is dead.

LIVENESS_LOCK_CLASS = 0x494E56
"""First key of the advisory locks that mark a live worker (``pg_locks.classid``)."""
_KEY_MASK = 0x7FFFFFFF
_NEVER_PRUNE_S = 10 * 365 * 86400.0
"""procrastinate's own prune at start deletes workers by heartbeat alone (and sets their running
jobs' worker to NULL); ours, in ``retry_stalled_jobs``, also asks the lock."""

_WORKER_IS_DEAD = """
        greatest(w.last_heartbeat, pg_postmaster_start_time())
            < now() - make_interval(secs => %(stalled_after_s)s::float8)
        AND NOT EXISTS (
            SELECT 1 FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = %(lock_class)s::int8::oid
               AND l.objid = (w.id & 2147483647)::oid)
"""

_RETRY_DEAD_WORKERS_JOBS = (
    """
WITH dead AS (
    SELECT job.id, job.task_name
      FROM procrastinate_jobs job
      LEFT JOIN procrastinate_workers w ON w.id = job.worker_id
     WHERE job.status = 'doing'
       AND (w.id IS NULL OR ("""
    + _WORKER_IS_DEAD
    + """))
       FOR UPDATE OF job SKIP LOCKED
)
SELECT dead.id, dead.task_name, procrastinate_retry_job_v2(dead.id, NULL, NULL, NULL, NULL)::text
  FROM dead
"""
)

_PRUNE_DEAD_WORKERS = (
    """
DELETE FROM procrastinate_workers w
 WHERE """
    + _WORKER_IS_DEAD
    + """
   AND NOT EXISTS (
       SELECT 1 FROM procrastinate_jobs j WHERE j.worker_id = w.id AND j.status = 'doing')
RETURNING w.id
"""
)


async def retry_stalled_jobs(*, stalled_after_s: float) -> int:
    """Put back the running jobs of dead workers (killed, crashed, or a stopped incarnation that
    could not record its jobs' end during an outage), then forget those workers.

    Never a live worker's job: see ``LIVENESS_LOCK_CLASS``. One statement, so a job that ends
    meanwhile is either finished or put back, never both.
    """
    args = {"stalled_after_s": stalled_after_s, "lock_class": LIVENESS_LOCK_CLASS}
    rows = await queue.connector.execute_query_all_async(_RETRY_DEAD_WORKERS_JOBS, **args)
    for row in rows:
        log.warning("retrying job %s (%s): its worker is gone", row["id"], row["task_name"])
    await queue.connector.execute_query_all_async(_PRUNE_DEAD_WORKERS, **args)
    return len(rows)


class WorkerLease:
    """Shows PostgreSQL that this process's workers are alive, from a thread of its own.

    For each procrastinate worker id ``hold`` gives it, the thread holds the advisory lock
    (``LIVENESS_LOCK_CLASS``, id) on its own connection and writes the worker's heartbeat every
    ``heartbeat_s``. Neither waits for the event loop or the pool. When the connection breaks
    (a database restart) it reconnects every ``heartbeat_s`` and takes the locks again.
    """

    def __init__(self, conninfo: str, *, heartbeat_s: float, name: str) -> None:
        self._conninfo = conninfo
        self._interval = max(0.05, heartbeat_s)
        self._name = name
        self._ids: set[int] = set()
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_beat: float | None = None
        """``time.monotonic()`` of the last heartbeat written with every held lock taken."""
        self.last_error: str | None = None

    @property
    def held(self) -> frozenset[int]:
        with self._mutex:
            return frozenset(self._ids)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"invekto-lease-{self._name}", daemon=True
        )
        self._thread.start()

    def hold(self, worker_id: int) -> None:
        with self._mutex:
            self._ids.add(worker_id)
        self._wake.set()

    def release(self, worker_id: int) -> None:
        with self._mutex:
            self._ids.discard(worker_id)
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the thread; closing its connection releases every lock."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        conn: psycopg.Connection | None = None
        locked: set[int] = set()
        try:
            while not self._stopping.is_set():
                try:
                    if conn is None or conn.closed:
                        locked = set()
                        conn = psycopg.connect(
                            self._conninfo,
                            autocommit=True,
                            connect_timeout=max(2, int(self._interval * 4)),
                        )
                        # Over TCP, a host that vanished is noticed (and its locks dropped)
                        # within a minute; a Unix socket ignores these.
                        conn.execute(
                            "SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5;"
                            " SET tcp_keepalives_count = 3"
                        )
                    self._beat(conn, locked)
                    if self.last_error is not None:
                        log.info("worker %s: liveness connection back", self._name)
                    self.last_error = None
                except Exception as exc:  # psycopg.Error, OSError: the database is away
                    if self.last_error is None:
                        log.warning("worker %s: liveness connection lost: %s", self._name, exc)
                    self.last_error = type(exc).__name__
                    if conn is not None:
                        with contextlib.suppress(Exception):
                            conn.close()
                    conn = None
                self._wake.wait(self._interval)
                self._wake.clear()
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()

    def _beat(self, conn: psycopg.Connection, locked: set[int]) -> None:
        wanted = set(self.held)
        for worker_id in sorted(locked - wanted):
            conn.execute(
                "SELECT pg_advisory_unlock(%s::int4, %s::int4)",
                (LIVENESS_LOCK_CLASS, worker_id & _KEY_MASK),
            )
            locked.discard(worker_id)
        for worker_id in sorted(wanted - locked):
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s::int4, %s::int4)",
                (LIVENESS_LOCK_CLASS, worker_id & _KEY_MASK),
            ).fetchone()
            if row and row[0]:
                locked.add(worker_id)
        if wanted:
            conn.execute(
                "UPDATE procrastinate_workers SET last_heartbeat = now() WHERE id = ANY(%s)",
                (sorted(wanted),),
            )
            if wanted <= locked:
                self.last_beat = time.monotonic()


@dataclass
class _LocalWorker:
    """A supervised worker of this process, as the readiness probe sees it."""

    name: str
    lease: WorkerLease
    stalled_after_s: float
    running: bool = False
    restarts: int = 0
    last_error: str | None = None

    def health(self) -> dict[str, Any]:
        beat = self.lease.last_beat
        age = None if beat is None else time.monotonic() - beat
        fresh = (
            self.running
            and bool(self.lease.held)
            and age is not None
            and age < self.stalled_after_s
        )
        return {
            "name": self.name,
            "running": self.running,
            "heartbeat_age_s": None if age is None else round(age, 2),
            "fresh": fresh,
            "restarts": self.restarts,
            "last_error": self.last_error,
        }


_local_workers: list[_LocalWorker] = []


def local_workers() -> list[dict[str, Any]]:
    """The supervised workers running in this process (empty in an API-only process)."""
    return [worker.health() for worker in _local_workers]


def _is_outage(exc: BaseException) -> bool:
    return isinstance(
        exc,
        procrastinate.exceptions.ConnectorException
        | psycopg.OperationalError
        | PoolTimeout
        | OSError,
    )


async def run_worker_for(
    settings: Settings,
    *,
    name: str,
    install_signal_handlers: bool = False,
    concurrency: int | None = None,
) -> None:
    """``run_worker`` with the concurrency, heartbeat and restart timings of ``settings``."""
    await run_worker(
        concurrency=concurrency or settings.worker_concurrency,
        heartbeat_s=settings.worker_heartbeat_s,
        stalled_after_s=settings.worker_stalled_after_s,
        install_signal_handlers=install_signal_handlers,
        name=name,
        restart_backoff_s=settings.worker_restart_backoff_s,
        restart_backoff_max_s=settings.worker_restart_backoff_max_s,
    )


async def run_worker(
    *,
    concurrency: int,
    heartbeat_s: float,
    stalled_after_s: float,
    poll_interval_s: float = 0.2,
    install_signal_handlers: bool = True,
    name: str | None = None,
    restart_backoff_s: float = 0.5,
    restart_backoff_max_s: float = 10.0,
) -> None:
    """Run jobs until cancelled (or, with signal handlers, until SIGINT/SIGTERM). The queue must
    be open. Also puts back the jobs of dead workers.

    Supervised: when procrastinate's worker stops by itself or fails (a database outage breaks
    its listener, heartbeat or fetch; any other error), it is logged and started again after
    ``restart_backoff_s``, doubling up to ``restart_backoff_max_s`` (back to the start after a
    run that lasted that long). Cancelling, or the first signal, stops it gracefully: the
    running jobs finish first.

    ``poll_interval_s`` is short on purpose: procrastinate clears its "new job" flag after a
    fetch that found nothing, so a notification arriving during that fetch (or a job freed by a
    lock) would otherwise wait for the next poll.
    """
    name = name or f"invekto-{uuid.uuid4().hex[:8]}"
    queue.perform_import_paths()
    lease = WorkerLease(queue.connector.pool.conninfo, heartbeat_s=heartbeat_s, name=name)
    state = _LocalWorker(name=name, lease=lease, stalled_after_s=stalled_after_s)
    stop_requested = asyncio.Event()
    current: list[Worker] = []

    def request_stop() -> None:
        stop_requested.set()
        for worker in current:
            worker.stop()

    async def revive() -> None:
        while True:
            try:
                await retry_stalled_jobs(stalled_after_s=stalled_after_s)
            except Exception as exc:  # the database is away: next round
                log.debug("stalled-job sweep skipped: %s", exc)
            await asyncio.sleep(max(heartbeat_s, 0.5))

    lease.start()
    _local_workers.append(state)
    reviver = asyncio.create_task(revive(), name=f"{name}-sweep")
    delay = restart_backoff_s
    try:
        with signals.on_stop(request_stop) if install_signal_handlers else contextlib.nullcontext():
            while not stop_requested.is_set():
                worker = Worker(
                    app=queue,
                    name=name,
                    concurrency=concurrency,
                    install_signal_handlers=False,
                    update_heartbeat_interval=heartbeat_s,
                    stalled_worker_timeout=_NEVER_PRUNE_S,
                    delete_jobs="successful",
                    fetch_job_polling_interval=poll_interval_s,
                )
                current[:] = [worker]
                started = time.monotonic()
                try:
                    await _run_leased(worker, lease, state)
                    problem, kind = "stopped by itself (a side task failed)", "stopped"
                except Exception as exc:
                    problem, kind = f"{type(exc).__name__}: {exc}", type(exc).__name__
                    if not stop_requested.is_set() and not _is_outage(exc):
                        log.exception("worker %s crashed", name)
                finally:
                    current.clear()
                    state.running = False
                if stop_requested.is_set():
                    return
                if time.monotonic() - started >= restart_backoff_max_s:
                    delay = restart_backoff_s
                state.restarts += 1
                state.last_error = kind  # what /readyz shows: no message, no address
                log.warning("worker %s %s; starting again in %.1f s", name, problem, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_requested.wait(), timeout=delay)
                delay = min(delay * 2, restart_backoff_max_s)
    finally:
        _local_workers.remove(state)
        reviver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reviver
        await asyncio.to_thread(lease.stop)


async def _run_leased(worker: Worker, lease: WorkerLease, state: _LocalWorker) -> None:
    """Run one procrastinate worker, its id held by ``lease`` from registration to the end."""
    run = asyncio.create_task(worker.run(), name=f"{worker.worker_name}-run")
    held: int | None = None
    try:
        while worker.worker_id is None and not run.done():
            await asyncio.wait({run}, timeout=0.02)
        held = worker.worker_id
        if held is not None:
            lease.hold(held)
            state.running = True
        await run
    finally:
        if not run.done():  # cancelled before the worker registered
            run.cancel()
            with contextlib.suppress(BaseException):
                await run
        if held is not None:
            # Its jobs have ended (or could not record their end: the sweep puts those back).
            lease.release(held)


# --- readiness -------------------------------------------------------------------------------

_READINESS_QUERY = """
SELECT EXTRACT(EPOCH FROM now() - (SELECT max(last_heartbeat) FROM procrastinate_workers))::float8
           AS heartbeat_age_s,
       (SELECT count(*) FROM procrastinate_jobs
         WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())) AS waiting,
       EXTRACT(EPOCH FROM now() - (
           SELECT min(greatest(j.scheduled_at, (
                      SELECT max(e.at) FROM procrastinate_events e
                       WHERE e.job_id = j.id AND e.at <= now())))
             FROM procrastinate_jobs j
            WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
       ))::float8 AS oldest_wait_s
"""


async def readiness(
    *, timeout_s: float, max_job_wait_s: float, stalled_after_s: float
) -> tuple[bool, dict[str, Any]]:
    """Can this process do its work now? The database answers within ``timeout_s``; a worker's
    heartbeat is fresh (this process's own workers when it runs some, else any worker's); the
    oldest job waiting to run has waited less than ``max_job_wait_s``. Returns (ready, details
    with the ``reasons`` it is not)."""
    reasons: list[str] = []
    details: dict[str, Any] = {}
    row: dict[str, Any] | None = None
    try:
        row = await asyncio.wait_for(_readiness_row(timeout_s), timeout=timeout_s + 0.5)
        details["database"] = {"ok": True}
    except Exception as exc:  # refused, timed out, the pool not open: all mean "not ready"
        details["database"] = {"ok": False, "error": type(exc).__name__}
        reasons.append("database: no answer")

    mine = local_workers()
    if mine:
        fresh = any(worker["fresh"] for worker in mine)
        details["worker"] = {"ok": fresh, "in_process": True, "workers": mine}
        if not fresh:
            reasons.append("worker: no fresh heartbeat from this process's worker")
    elif row is not None:
        age = row["heartbeat_age_s"]
        fresh = age is not None and age < stalled_after_s
        details["worker"] = {
            "ok": fresh,
            "in_process": False,
            "heartbeat_age_s": None if age is None else round(age, 2),
        }
        if not fresh:
            reasons.append("worker: no worker has sent a fresh heartbeat")
    else:
        details["worker"] = {"ok": None, "in_process": False}

    if row is not None:
        oldest = row["oldest_wait_s"]
        young = oldest is None or oldest < max_job_wait_s
        details["queue"] = {
            "ok": young,
            "waiting": row["waiting"],
            "oldest_wait_s": None if oldest is None else round(max(oldest, 0.0), 2),
            "max_wait_s": max_job_wait_s,
        }
        if not young:
            reasons.append(f"queue: a job has waited over {max_job_wait_s:g} s")
    else:
        details["queue"] = {"ok": None}

    ready = not reasons
    return ready, {"status": "ready" if ready else "not_ready", "reasons": reasons, **details}


async def _readiness_row(timeout_s: float) -> dict[str, Any]:
    pool = queue.connector.pool
    async with pool.connection(timeout=timeout_s) as conn:
        await conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
        cursor = await conn.execute(_READINESS_QUERY)
        values = await cursor.fetchone()
        assert values is not None and cursor.description is not None
        return {col.name: value for col, value in zip(cursor.description, values, strict=True)}
