"""The web app as the API serves it (``invekto/api/webapp.py``), and its generated API types.

The types are generated from ``app.openapi()`` (``make api-types``); these tests fail when an
endpoint changed and the committed ``frontend/src/api/openapi.json`` / ``schema.d.ts`` did not.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from invekto.api.app import create_app
from invekto.api.webapp import PAGES, mount_webapp
from invekto.config import Settings

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "frontend"
API_DIR = WEB / "src" / "api"
INDEX = "<!doctype html><html><body><div id=root></div><script src=/assets/app.js></script>"


def _schema_text() -> str:
    spec = importlib.util.spec_from_file_location("web_openapi", WEB / "scripts" / "openapi.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.schema_text()


def test_the_committed_openapi_schema_is_the_apps():
    assert (API_DIR / "openapi.json").read_text(encoding="utf-8") == _schema_text(), (
        "the API changed: run `make api-types` and commit frontend/src/api/"
    )


def test_the_typescript_types_are_generated_from_it(tmp_path):
    tool = WEB / "node_modules" / ".bin" / "openapi-typescript"
    if not tool.exists() or shutil.which("node") is None:
        pytest.skip("frontend/node_modules is not installed (make install)")
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(tool), str(API_DIR / "openapi.json"), "-o", str(out)],
        cwd=WEB,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_text(encoding="utf-8") == (API_DIR / "schema.d.ts").read_text(
        encoding="utf-8"
    ), "frontend/src/api/schema.d.ts is stale: run `make api-types`"


@pytest.fixture
def dist(tmp_path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "app.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def _app(dist: Path) -> FastAPI:
    """The web app mounted first, then routes of the kinds it must never shadow (the sandbox
    is mounted after the app's core, as ``invekto.stack.web_app`` does)."""
    app = FastAPI()
    mount_webapp(app, dist)
    for prefix in ("/api", "/webhooks", "/sandbox"):
        app.add_api_route(f"{prefix}/thing", lambda prefix=prefix: {"from": prefix})
        app.add_api_route(f"{prefix}/inbox", lambda prefix=prefix: {"from": prefix})
    return app


def test_every_page_of_the_app_answers_its_index(dist):
    client = TestClient(_app(dist))
    for path in [f"/{page}" for page in PAGES] + [
        "/inbox/0b8f9a52-8d7e-4c1a-9d6b-2f1a3c4d5e6f",
        "/dashboard/",
        "/inbox/a/b",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/app.js")
    assert asset.status_code == 200 and "console.log" in asset.text
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/favicon.svg").status_code == 200


def test_it_shadows_nothing_else(dist):
    client = TestClient(_app(dist))
    for prefix in ("/api", "/webhooks", "/sandbox"):
        assert client.get(f"{prefix}/thing").json() == {"from": prefix}
        assert client.get(f"{prefix}/inbox").json() == {"from": prefix}
    assert client.get("/api/unknown").status_code == 404
    assert client.get("/inboxes").status_code == 404
    assert client.get("/unknown-page").status_code == 404


def test_the_real_app_keeps_its_api_docs_and_health(dist, monkeypatch):
    app = create_app(Settings(env="test", secret_key="webapp-test"))
    client = TestClient(app)  # no lifespan: only routes that need no services
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    missing = client.get("/api/no-such-endpoint")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert client.get("/inbox").status_code in (200, 503)  # built or not
    paths = set(app.openapi()["paths"])
    assert not any(p.startswith(("/inbox", "/dashboard", "/login", "/assets")) for p in paths)


def test_without_a_build_the_pages_say_how_to_build_it(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        app = _app(tmp_path / "dist")
    assert "make install" in caplog.text
    client = TestClient(app)
    response = client.get("/inbox/123")
    assert response.status_code == 503
    assert "make install" in response.text and "npm run build" in response.text
    assert client.get("/api/thing").json() == {"from": "/api"}
    assert client.get("/assets/app.js").status_code == 404
