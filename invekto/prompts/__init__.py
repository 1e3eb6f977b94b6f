"""Reply templates shipped with the package, overridable per tenant."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from invekto.core.tenant_settings import Templates, TenantSettings

FALLBACK_LANGUAGE = "tr"


@functools.cache
def default_templates() -> dict[str, dict[str, Any]]:
    """Every ``defaults/*.yaml`` (``replies.yaml``, then one file per agent that brings its own,
    ``clinic.yaml``...), merged per language; a key defined twice is an error."""
    merged: dict[str, dict[str, Any]] = {}
    folder = resources.files("invekto.prompts").joinpath("defaults")
    files = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".yaml")),
        key=lambda f: (f.name != "replies.yaml", f.name),
    )
    for file in files:
        for language, texts in (yaml.safe_load(file.read_text("utf-8")) or {}).items():
            own = merged.setdefault(language, {})
            twice = own.keys() & texts.keys()
            if twice:
                raise ValueError(f"{file.name}: {language} keys defined twice: {sorted(twice)}")
            own.update(texts)
    return merged


def tenant_templates(tenant_settings: TenantSettings | Mapping[str, Any] | None) -> Templates:
    """The tenant's overrides (``settings.templates``); a stored dict is read leniently."""
    if isinstance(tenant_settings, TenantSettings):
        return tenant_settings.templates
    return TenantSettings.parse(tenant_settings, blocks=("templates",)).templates


def template(
    key: str, language: str, tenant_settings: TenantSettings | Mapping[str, Any] | None = None
) -> Any:
    """The tenant's text for ``key`` in ``language``, else the default, else Turkish's.

    Arabic falls back to English (not Turkish) for keys it lacks: an Arabic speaker is more
    likely to read English.
    """
    overrides = tenant_templates(tenant_settings)
    chain = [language, "en" if language == "ar" else FALLBACK_LANGUAGE, FALLBACK_LANGUAGE]
    for lang in chain:
        own = overrides.texts(lang)
        if key in own:
            return own[key]
        if key in default_templates().get(lang, {}):
            return default_templates()[lang][key]
    raise KeyError(f"no template {key!r}")


def render(
    key: str,
    language: str,
    tenant_settings: TenantSettings | Mapping[str, Any] | None = None,
    **values: Any,
) -> str:
    return str(template(key, language, tenant_settings)).format(**values)
