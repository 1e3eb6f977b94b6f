"""A tenant's prompt set: its tone choices and its own texts over the shipped registry.

One version of it is active per tenant (``tenants.prompts``, copied there when a version is
published); every turn renders with it and records its number. Version 0 is the shipped
registry with the formal tone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from invekto.prompts.registry import LANGUAGES, Problem, Registry, Tone, registry

FALLBACK_LANGUAGE = "tr"
MAX_KEYS = 256
"""Texts per language in one version (the registry has about 120): a bound on what is stored."""
_AGENT = re.compile(r"[a-z][a-z0-9_]{0,31}")


class ToneChoice(BaseModel):
    """The tenant's tone: one for every text, and per agent where it differs."""

    model_config = ConfigDict(extra="forbid")

    default: Tone = Field(
        default="formal", description="formal (resmi), short (kısa), warm (samimi)."
    )
    agents: dict[str, Tone] = Field(
        default_factory=dict,
        max_length=32,
        description="Agent name → its own tone (support, clinic, ...).",
    )

    @field_validator("agents")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _AGENT.fullmatch(name):
                raise ValueError(f"{name!r} is not an agent name")
        return value

    def of(self, agent: str | None) -> str:
        return self.agents.get(agent, self.default) if agent else self.default


class PromptContent(BaseModel):
    """What a version holds: the tone and the tenant's own texts (language → key → text)."""

    model_config = ConfigDict(extra="forbid")

    tone: ToneChoice = Field(default_factory=ToneChoice)
    texts: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        max_length=len(LANGUAGES),
        description="Language (tr, en, ar) → key → the tenant's text (a string; a table of "
        "strings for `status`; {system, human} for a chat prompt).",
    )

    @field_validator("texts")
    @classmethod
    def _languages(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for language, texts in value.items():
            if language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r} (tr, en or ar)")
            if len(texts) > MAX_KEYS:
                raise ValueError(f"{language}: at most {MAX_KEYS} texts ({len(texts)} given)")
        # An empty language is no override at all.
        return {lang: texts for lang, texts in value.items() if texts}

    def problems(self, reg: Registry | None = None) -> list[Problem]:
        """Every text checked against the registry (empty: the content can be saved)."""
        reg = reg or registry()
        found: list[Problem] = []
        for language, texts in self.texts.items():
            for key, text in texts.items():
                found += reg.validate(key, language, text)
        return found

    def fingerprint(self) -> str:
        raw = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def diff(before: PromptContent, after: PromptContent) -> list[dict[str, Any]]:
    """What ``after`` changes against ``before``: one row per changed text (``before`` and
    ``after`` are the effective texts: the tenant's, else the shipped one in its tone) and one
    per changed tone."""
    reg = registry()
    rows: list[dict[str, Any]] = []
    if before.tone.default != after.tone.default:
        rows.append(
            {
                "kind": "tone",
                "agent": None,
                "before": before.tone.default,
                "after": after.tone.default,
            }
        )
    for agent in sorted(before.tone.agents.keys() | after.tone.agents.keys()):
        old, new = before.tone.of(agent), after.tone.of(agent)
        if old != new:
            rows.append({"kind": "tone", "agent": agent, "before": old, "after": new})
    old_set, new_set = PromptSet(content=before), PromptSet(content=after)
    for language in LANGUAGES:
        keys = set(before.texts.get(language, {})) | set(after.texts.get(language, {}))
        for key in sorted(keys):
            if key not in reg.keys:
                continue
            old = old_set.own(key, language)
            new = new_set.own(key, language)
            if old != new:
                rows.append(
                    {
                        "kind": "text",
                        "key": key,
                        "language": language,
                        "before": old if old is not None else reg.default(key, language),
                        "after": new if new is not None else reg.default(key, language),
                        "reverted": new is None,
                    }
                )
    return rows


@dataclass
class PromptSet:
    """The texts one tenant renders with: its active version over the shipped registry."""

    content: PromptContent = field(default_factory=PromptContent)
    version: int = 0

    @classmethod
    def parse(cls, stored: Mapping[str, Any] | None) -> PromptSet:
        """``tenants.prompts`` as stored: ``{"version": n, "tone": ..., "texts": ...}``; a
        missing or unreadable value is the shipped set (the registry), logged by the caller."""
        if not stored:
            return cls()
        data = dict(stored)
        version = int(data.pop("version", 0) or 0)
        try:
            return cls(content=PromptContent.model_validate(data), version=version)
        except ValueError:
            return cls(version=version)

    def stored(self) -> dict[str, Any]:
        return {"version": self.version, **self.content.model_dump(mode="json")}

    def own(self, key: str, language: str) -> Any | None:
        return self.content.texts.get(language, {}).get(key)

    def tone(self, agent: str | None) -> str:
        return self.content.tone.of(agent)

    def text(self, key: str, language: str, agent: str | None = None) -> Any:
        """The tenant's text for ``key``, else the shipped one in the agent's tone; a language
        that lacks it falls back (Arabic to English: an Arabic speaker more likely reads
        English; the rest to Turkish)."""
        return self.lookup(key, language, agent)[0]

    def lookup(self, key: str, language: str, agent: str | None = None) -> tuple[Any, bool]:
        """``text`` and whether it is the tenant's own."""
        reg = registry()
        tone = self.tone(agent)
        chain = [language, "en" if language == "ar" else FALLBACK_LANGUAGE, FALLBACK_LANGUAGE]
        for lang in dict.fromkeys(chain):
            own = self.own(key, lang)
            if own is not None:
                return own, True
            shipped = reg.default(key, lang, tone)
            if shipped is not None:
                return shipped, False
        raise KeyError(f"no template {key!r}")

    def render(self, key: str, language: str, agent: str | None = None, **values: Any) -> str:
        text, own = self.lookup(key, language, agent)
        if own:
            return str(text).format_map(_Values(values))
        return str(text).format(**values)


class _Values(dict):  # type: ignore[type-arg]
    """A tenant's text that names a variable the code does not pass renders it empty, never a
    500 (validation refuses such texts; this guards older rows)."""

    def __missing__(self, key: str) -> str:
        return ""


SHIPPED = PromptSet()
"""The shipped registry in the formal tone (version 0)."""


__all__ = ["SHIPPED", "PromptContent", "PromptSet", "ToneChoice", "diff"]
