"""The prompt registry: every text Invekto writes, with its declared, typed variables and its
three tones.

Shipped as package files under ``defaults/``:

- ``replies.yaml``, ``clinic.yaml``, ``clinic_outreach.yaml``: the texts in the **formal** tone
  ("resmi"), per language (``tr``, ``en``, ``ar``) and key;
- ``tones/short/*.yaml``, ``tones/warm/*.yaml``: the same keys written in the **short**
  ("kısa") and **warm** ("samimi") tones (written variants, not a rewrite rule);
- ``chat.yaml``: LangChain chat prompt templates (the LLM's instructions), per language;
- ``keys.yaml``: what each key is for and the variables it cannot do without;
- ``variables.yaml``: every variable's type, description and an example value per language.

A tenant's own texts (``invekto.prompts.content``) are checked against this registry before
they are saved: an unknown variable, a missing required one or a broken placeholder is an
error with the key, the language and the reason.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml

LANGUAGES: tuple[str, ...] = ("tr", "en", "ar")
TONES: tuple[str, ...] = ("formal", "short", "warm")
Tone = Literal["formal", "short", "warm"]
MAX_TEXT_CHARS = 2000
"""A reply text's longest override (WhatsApp takes 4,096 characters; a rendered reply adds the
variables' values)."""

VARIABLE_TYPES = frozenset(
    {
        "text",
        "name",
        "number",
        "money",
        "date",
        "datetime",
        "duration",
        "url",
        "code",
        "list",
        "phone",
        "email",
        "percent",
    }
)
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str
    examples: dict[str, str]

    def example(self, language: str) -> str:
        return self.examples.get(language) or self.examples.get("tr") or f"<{self.name}>"


@dataclass(frozen=True)
class PromptKey:
    """One text of the registry."""

    key: str
    kind: Literal["reply", "fragment", "map", "chat"]
    """``reply``: a text sent to the customer; ``fragment``: a word or phrase other texts put in
    a variable ("bugün", "saat"); ``map``: a table of short texts (order status words); ``chat``:
    an LLM chat prompt (a system message and a human message)."""
    description: str
    source: str
    """The package file that ships it (``replies.yaml``, ``chat.yaml``...)."""
    variables: tuple[Variable, ...]
    required: tuple[str, ...] = ()
    map_keys: tuple[str, ...] = ()
    languages: tuple[str, ...] = LANGUAGES
    """The languages a tenant may write it in (a chat prompt for the LLM: English only)."""

    @property
    def variable_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.variables)


@dataclass(frozen=True)
class Problem:
    """Why a text cannot be saved."""

    key: str
    language: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "language": self.language,
            "message": self.message,
            "field": self.field,
        }


@dataclass
class Registry:
    keys: dict[str, PromptKey]
    texts: dict[str, dict[str, dict[str, Any]]]
    """tone → language → key → text (formal holds every key; the others the reply keys)."""
    chat: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """language → key → {"system": ..., "human": ...}."""
    variables: dict[str, Variable] = field(default_factory=dict)

    def spec(self, key: str) -> PromptKey:
        try:
            return self.keys[key]
        except KeyError:
            raise KeyError(f"no template {key!r}") from None

    def default(self, key: str, language: str, tone: str = "formal") -> Any | None:
        """The shipped text of ``key`` in ``language`` and ``tone`` (the formal text when the
        tone has none), or None when the language lacks it."""
        if key in self.chat.get(language, {}):
            return self.chat[language][key]
        if tone != "formal":
            own = self.texts.get(tone, {}).get(language, {})
            if key in own:
                return own[key]
        return self.texts["formal"].get(language, {}).get(key)

    def validate(self, key: str, language: str, text: Any) -> list[Problem]:
        """What is wrong with ``text`` as the tenant's ``key`` in ``language``."""
        if language not in LANGUAGES:
            return [Problem(key, language, f"unknown language {language!r}")]
        spec = self.keys.get(key)
        if spec is None:
            return [Problem(key, language, f"unknown text {key!r}")]
        if language not in spec.languages:
            return [Problem(key, language, f"{key} is written in {', '.join(spec.languages)} only")]
        if spec.kind == "map":
            return self._validate_map(spec, language, text)
        if spec.kind == "chat":
            if not isinstance(text, dict) or set(text) - {"system", "human"}:
                return [Problem(key, language, "a chat prompt has a system and a human message")]
            problems = []
            used: set[str] = set()
            for role, part in text.items():
                problems += [
                    Problem(p.key, p.language, p.message, role)
                    for p in self._validate_text(spec, language, part, required=False)
                ]
                if isinstance(part, str):
                    try:
                        used |= placeholders(part)
                    except ValueError:
                        pass
            problems += [
                Problem(spec.key, language, f"missing variable {{{name}}}: it is required", name)
                for name in spec.required
                if name not in used
            ]
            return problems
        return self._validate_text(spec, language, text)

    def _validate_map(self, spec: PromptKey, language: str, text: Any) -> list[Problem]:
        if not isinstance(text, dict):
            return [Problem(spec.key, language, "a table of texts is expected")]
        problems = []
        for name, value in text.items():
            if name not in spec.map_keys:
                problems.append(Problem(spec.key, language, f"unknown entry {name!r}", name))
            elif not isinstance(value, str) or not value.strip():
                problems.append(Problem(spec.key, language, "an entry cannot be empty", name))
            elif len(value) > 200:
                problems.append(Problem(spec.key, language, "at most 200 characters", name))
            elif "{" in value or "}" in value:
                problems.append(Problem(spec.key, language, "an entry takes no variables", name))
        return problems

    def _validate_text(
        self, spec: PromptKey, language: str, text: Any, *, required: bool = True
    ) -> list[Problem]:
        def problem(message: str) -> list[Problem]:
            return [Problem(spec.key, language, message)]

        if not isinstance(text, str):
            return problem("a text is expected")
        if not text.strip():
            return problem("the text cannot be empty")
        if len(text) > MAX_TEXT_CHARS:
            return problem(f"at most {MAX_TEXT_CHARS} characters ({len(text)} given)")
        if "\x00" in text:
            return problem("the text holds a NUL character")
        try:
            used = placeholders(text)
        except ValueError as exc:
            return problem(f"broken placeholder: {exc}")
        problems = []
        known = spec.variable_names
        for name in sorted(used - known):
            hint = f"; this text knows {', '.join(sorted(known))}" if known else ""
            problems.append(Problem(spec.key, language, f"unknown variable {{{name}}}{hint}", name))
        for name in spec.required if required else ():
            if name not in used:
                problems.append(
                    Problem(
                        spec.key, language, f"missing variable {{{name}}}: it is required", name
                    )
                )
        return problems

    def example_values(self, key: str, language: str) -> dict[str, str]:
        """Example values for every variable of ``key`` (for previews)."""
        return {v.name: v.example(language) for v in self.spec(key).variables}


def placeholders(text: str) -> set[str]:
    """The variable names of a ``str.format`` text. Only plain ``{name}`` fields are allowed:
    no positional ``{}``, no attribute or index access (``{a.b}``, ``{a[0]}``: a template must
    not reach into the values' objects), no conversion or format spec."""
    names: set[str] = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name:
            raise ValueError("an empty {} needs a variable name")
        if not _NAME.fullmatch(name):
            raise ValueError(f"{{{name}}} is not a variable name (letters, digits and _)")
        if spec or conversion:
            raise ValueError(f"{{{name}}} takes no format or conversion")
        names.add(name)
    return names


def _package_yaml(*parts: str) -> Any:
    path = resources.files("invekto.prompts").joinpath("defaults", *parts)
    return yaml.safe_load(path.read_text("utf-8")) if path.is_file() else None


REPLY_FILES: tuple[str, ...] = (
    "replies.yaml",
    "clinic.yaml",
    "clinic_outreach.yaml",
    "revenue.yaml",
)
FRAGMENTS = frozenset(
    {"today", "tomorrow", "at", "eta_unknown", "revenue_pick_scarce", "revenue_pick_bundle"}
)


@functools.cache
def registry() -> Registry:
    """The shipped registry (read once per process)."""
    texts: dict[str, dict[str, dict[str, Any]]] = {tone: {} for tone in TONES}
    sources: dict[str, str] = {}
    for tone in TONES:
        for name in REPLY_FILES:
            data = _package_yaml(name) if tone == "formal" else _package_yaml("tones", tone, name)
            for language, own in (data or {}).items():
                merged = texts[tone].setdefault(language, {})
                twice = merged.keys() & own.keys()
                if twice:
                    raise ValueError(
                        f"{tone}/{name}: {language} keys defined twice: {sorted(twice)}"
                    )
                merged.update(own)
                if tone == "formal":
                    for key in own:
                        sources.setdefault(key, name)
    meta: dict[str, Any] = _package_yaml("keys.yaml") or {}
    variables = {
        name: Variable(
            name=name,
            type=str(entry.get("type", "text")),
            description=str(entry.get("description", "")),
            examples={k: str(v) for k, v in (entry.get("example") or {}).items()},
        )
        for name, entry in (_package_yaml("variables.yaml") or {}).items()
    }
    chat: dict[str, dict[str, dict[str, str]]] = _package_yaml("chat.yaml") or {}
    keys: dict[str, PromptKey] = {}
    formal_tr = texts["formal"].get("tr", {})
    for key, text in formal_tr.items():
        used: set[str] = set()
        for language in LANGUAGES:
            value = texts["formal"].get(language, {}).get(key)
            if isinstance(value, str):
                used |= placeholders(value)
        entry = meta.get(key) or {}
        kind: Literal["reply", "fragment", "map", "chat"] = (
            "map" if isinstance(text, dict) else "fragment" if key in FRAGMENTS else "reply"
        )
        keys[key] = PromptKey(
            key=key,
            kind=kind,
            description=str(entry.get("description", "")),
            source=sources[key],
            variables=tuple(
                variables.get(name) or Variable(name, "text", "", {}) for name in sorted(used)
            ),
            required=tuple(entry.get("required") or ()),
            map_keys=tuple(text) if isinstance(text, dict) else (),
        )
    for key in sorted({key for own in chat.values() for key in own}):
        used = set()
        for own in chat.values():
            for part in (own.get(key) or {}).values():
                used |= placeholders(part)
        keys[key] = PromptKey(
            key=key,
            kind="chat",
            description=str((meta.get(key) or {}).get("description", "")),
            source="chat.yaml",
            variables=tuple(
                variables.get(name) or Variable(name, "text", "", {}) for name in sorted(used)
            ),
            required=tuple((meta.get(key) or {}).get("required") or ()),
            languages=tuple(language for language in LANGUAGES if key in chat.get(language, {})),
        )
    return Registry(keys=keys, texts=texts, chat=chat, variables=variables)


__all__ = [
    "LANGUAGES",
    "MAX_TEXT_CHARS",
    "TONES",
    "VARIABLE_TYPES",
    "Problem",
    "PromptKey",
    "Registry",
    "Tone",
    "Variable",
    "placeholders",
    "registry",
]
