"""Every text Invekto writes: the shipped registry (``registry``) and each tenant's versions
over it (``content``); agents reach texts only through ``tenant.TenantPrompts``."""

from __future__ import annotations

from typing import Any

from invekto.prompts.content import SHIPPED, PromptSet
from invekto.prompts.registry import registry

FALLBACK_LANGUAGE = "tr"


def default_templates() -> dict[str, dict[str, Any]]:
    """The shipped reply texts in the formal tone, per language (``defaults/*.yaml``)."""
    return registry().texts["formal"]


def template(
    key: str, language: str, prompts: PromptSet | None = None, agent: str | None = None
) -> Any:
    """The tenant's text for ``key`` in ``language`` (``prompts``: its active set; None: the
    shipped one), in ``agent``'s tone."""
    return (prompts or SHIPPED).text(key, language, agent)


def render(
    key: str,
    language: str,
    prompts: PromptSet | None = None,
    agent: str | None = None,
    **values: Any,
) -> str:
    return (prompts or SHIPPED).render(key, language, agent, **values)
