"""Write the API's OpenAPI schema (``app.openapi()``) for the web app's generated types.

    python frontend/scripts/openapi.py [out.json]      # default: frontend/src/api/openapi.json

``make api-types`` runs this, then ``openapi-typescript`` turns the JSON into
``frontend/src/api/schema.d.ts``; ``tests/integration/test_webapp.py`` fails when either is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "api" / "openapi.json"


def schema_text() -> str:
    """The schema as the committed file holds it (sorted keys, two-space indent, newline)."""
    from invekto.api.app import create_app
    from invekto.config import Settings

    app = create_app(Settings(env="test", secret_key="openapi-schema-only"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
