"""Production never runs with the repository's public defaults (issue 20, item 10)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from invekto.api.app import create_app
from invekto.config import ProductionConfigError, Settings
from invekto.services import Services

SAFE = {
    "secret_key": "a-real-secret-of-this-deployment",
    "whatsapp_app_secret": "meta-app-secret",
    "whatsapp_verify_token": "our-verify-token",
    "database_url": "postgresql://nobody@127.0.0.1:1/none",
}


def test_every_public_default_is_named():
    problems = Settings(env="production", _env_file=None).production_problems()
    assert len(problems) == 3
    assert any("SECRET_KEY" in p for p in problems)
    assert any("APP_SECRET" in p for p in problems)
    assert any("VERIFY_TOKEN" in p for p in problems)
    assert Settings(env="production", _env_file=None, **SAFE).production_problems() == []
    loud = Settings(env="production", _env_file=None, sandbox=True, **SAFE)
    assert loud.production_problems() == ["INVEKTO_SANDBOX is on"]
    assert Settings(env="development", _env_file=None).production_problems() == []


async def test_services_refuse_to_start_before_touching_anything():
    with pytest.raises(ProductionConfigError, match="APP_SECRET"):
        await Services.start(
            Settings(
                env="production",
                _env_file=None,
                secret_key="x",
                **{k: v for k, v in SAFE.items() if k not in ("secret_key", "whatsapp_app_secret")},
            )
        )


def test_production_hides_the_api_docs():
    paths = {getattr(r, "path", "") for r in create_app(Settings(env="production", **SAFE)).routes}
    assert not {"/docs", "/redoc", "/openapi.json"} & paths
    dev = {getattr(r, "path", "") for r in create_app(Settings(env="development")).routes}
    assert {"/docs", "/redoc", "/openapi.json"} <= dev


@pytest.mark.parametrize("command", ["seed", "serve", "worker"])
def test_the_cli_refuses_in_one_line(command, tmp_path):
    env = {
        **os.environ,
        "INVEKTO_ENV": "production",
        "INVEKTO_DATA_DIR": str(tmp_path),
        "INVEKTO_DATABASE_URL": SAFE["database_url"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "invekto.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "production" in result.stderr
    assert "demo-shop-2026" not in result.stdout + result.stderr
