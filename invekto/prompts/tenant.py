"""The prompts port: one tenant's texts (its overrides over the shipped defaults)."""

from __future__ import annotations

from typing import Any

from invekto.prompts import render, template


class TenantPrompts:
    """Renders reply templates for one tenant; agents reach texts only through this."""

    def __init__(self, tenant_settings: Any) -> None:
        self._settings = tenant_settings

    def render(self, key: str, language: str, **values: Any) -> str:
        return render(key, language, self._settings, **values)

    def template(self, key: str, language: str) -> Any:
        return template(key, language, self._settings)
