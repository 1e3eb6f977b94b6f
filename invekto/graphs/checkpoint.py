"""LangGraph checkpoints in the same PostgreSQL (langgraph-checkpoint-postgres)."""

from __future__ import annotations

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from invekto.jobs import RecoveringPool


def checkpoint_pool(url: str, *, max_size: int = 10) -> AsyncConnectionPool:
    """Checked when lent, and back within seconds of a database restart (``RecoveringPool``)."""
    return RecoveringPool(
        conninfo=url,
        min_size=1,
        max_size=max_size,
        open=False,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )


async def setup_checkpointer(url: str) -> None:
    """Create or upgrade the checkpoint tables (idempotent)."""
    pool = checkpoint_pool(url, max_size=1)
    await pool.open()
    try:
        await AsyncPostgresSaver(pool).setup()  # type: ignore[arg-type]
    finally:
        await pool.close()
