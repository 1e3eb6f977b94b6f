"""What a new user meets first: the banner only once the server answers, the embedded database
stopped with the server, a one-line message for `seed` before `migrate`, docs that work offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

from invekto.stack import free_port
from tests.conftest import NLU_CACHE, TEST_SECRET, _with_db

CLI = [sys.executable, "-m", "invekto.cli"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "INVEKTO_DATA_DIR": str(tmp_path / "data"),
        "INVEKTO_SECRET_KEY": TEST_SECRET,
        "INVEKTO_NLU_CACHE_DIR": str(NLU_CACHE),
        **extra,
    }


def _postgres_of(pgdata: Path) -> list[int]:
    """PIDs of postgres servers running on ``pgdata``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"postgres") and str(pgdata).encode() in cmdline:
            found.append(int(proc.name))
    return found


def test_serve_prints_its_urls_once_it_answers_and_stops_the_database_on_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        assert process.stdout is not None
        for line in process.stdout:
            if "Invekto is running" in line:
                break
            assert time.monotonic() < deadline, "no banner"
        else:
            raise AssertionError("serve ended without its banner")
        # The banner comes only once the server answers.
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        pgdata = (tmp_path / "data" / "pg").resolve()
        assert _postgres_of(pgdata), "the embedded PostgreSQL should be running"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 20
        while _postgres_of(pgdata) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _postgres_of(pgdata) == [], "the embedded PostgreSQL outlived `invekto serve`"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_seed_before_migrate_says_so_in_one_line(pg_url, tmp_path):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS not_migrated WITH (FORCE)")
        conn.execute("CREATE DATABASE not_migrated")
    result = subprocess.run(
        [*CLI, "seed"],
        env=_env(tmp_path, INVEKTO_DATABASE_URL=_with_db(pg_url, "not_migrated")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "invekto migrate" in result.stderr
    assert len([line for line in result.stderr.splitlines() if "migrate" in line]) == 1


async def test_the_docs_pages_load_their_assets_from_the_app(stack):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        for page in ("/docs", "/redoc"):
            html = (await client.get(page)).text
            assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
            assert "/static-offline-docs/" in html
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            response = await client.get(f"/static-offline-docs/{asset}")
            assert response.status_code == 200, asset
            assert len(response.content) > 10_000
