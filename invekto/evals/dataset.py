"""Eval datasets in the exact format of ``shared/EVALS.md``.

Other people's datasets are run with this, so a malformed file is refused with a message that
names the file, the case and the field ("kargo.yaml: case 'kargo-001', turn 2, expect.agent:
'suport' is not one of support, returns, ..."), never half-loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from invekto.agents.registry import REGISTRY
from invekto.nlu.taxonomy import INTENTS
from invekto.sandbox.demo import DEMO_TENANTS

RESERVED_AGENTS = ("revenue", "knowledge")
"""Agents ``shared/EVALS.md`` names that other people's datasets may already expect before
Invekto registers them (their turns then simply fail, they do not refuse the file)."""
OUTCOMES = ("auto_reply", "suggestion", "handoff")
LANGUAGES = ("tr", "en", "ar")


def agent_names() -> tuple[str, ...]:
    """What ``expect.agent`` may say: every registered agent, the reserved ones, ``none``."""
    registered = REGISTRY.names()
    return (*registered, *(a for a in RESERVED_AGENTS if a not in registered), "none")


def tool_names() -> tuple[str, ...]:
    """What ``expect.tools`` may list: the tools the registered agents declare."""
    names: dict[str, None] = {}
    for spec in REGISTRY.all():
        names.update(dict.fromkeys(tool.name for tool in spec.tools))
    return tuple(names)


CASE_KEYS = {"id", "tenant", "language", "customer_phone", "tags", "turns", "at"}
"""``at`` is Invekto's one addition to the format: when the customer writes (see ``Clock``)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_AT = "wed 11:00"
"""Cases without ``at`` are written on a Wednesday at 11:00, inside the demo business hours."""
_AT = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)$")
TURN_KEYS = {"customer", "expect"}
EXPECT_KEYS = {
    "agent",
    "intent",
    "outcome",
    "tools",
    "reply_contains",
    "reply_not_contains",
    "reply_language",
}
_PHONE = re.compile(r"^\d{8,15}$")


class DatasetError(ValueError):
    """A dataset file is malformed; the message names the file, the case and the field."""


@dataclass(frozen=True, slots=True)
class Expect:
    agent: str | None = None
    intent: str | None = None
    outcome: str | None = None
    tools: tuple[str, ...] | None = None
    reply_contains: tuple[str, ...] = ()
    reply_not_contains: tuple[str, ...] = ()
    reply_language: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    customer: str
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    tenant: str
    language: str
    turns: tuple[Turn, ...]
    customer_phone: str | None = None
    tags: tuple[str, ...] = ()
    at: str = DEFAULT_AT
    """The tenant's local weekday and time of the first turn ("sun 22:30")."""
    source: str = ""
    """The file it came from (for reports)."""


def load(path: Path) -> list[Case]:
    """Every case of a file, or of every ``*.yaml``/``*.yml`` under a directory (sorted).
    Case ids must be unique across the whole run."""
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        if path.is_dir()
        else [path]
    )
    if not files:
        raise DatasetError(f"{path}: no dataset files (*.yaml)")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for file in files:
        for case in load_file(file):
            if case.id in seen:
                raise DatasetError(
                    f"{file.name}: case {case.id!r}: id: already used in {seen[case.id]}"
                )
            seen[case.id] = file.name
            cases.append(case)
    return cases


def load_file(file: Path) -> list[Case]:
    try:
        data = yaml.safe_load(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{file}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DatasetError(f"{file.name}: not valid YAML: {exc}") from exc
    return parse(data, source=file.name)


def parse(data: Any, *, source: str = "<dataset>") -> list[Case]:
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise DatasetError(f"{source}: cases: the file must have a list under 'cases'")
    extra = set(data) - {"cases"}
    if extra:
        raise DatasetError(f"{source}: {sorted(extra)[0]}: unknown top-level key")
    cases = []
    seen: set[str] = set()
    for index, raw in enumerate(data["cases"], start=1):
        case = _case(raw, where=f"{source}: case #{index}", source=source)
        if case.id in seen:
            raise DatasetError(f"{source}: case {case.id!r}: id: used twice in this file")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise DatasetError(f"{source}: cases: the list is empty")
    return cases


def _case(raw: Any, *, where: str, source: str) -> Case:
    if not isinstance(raw, dict):
        raise DatasetError(f"{where}: must be a mapping with id, tenant, language and turns")
    case_id = raw.get("id")
    if not isinstance(case_id, str | int) or not str(case_id).strip():
        raise DatasetError(f"{where}: id: required, a non-empty string")
    where = f"{source}: case {str(case_id)!r}"
    _no_unknown(raw, CASE_KEYS, where)
    tenants = [t.slug for t in DEMO_TENANTS]
    tenant = _one_of(raw.get("tenant"), tenants, f"{where}: tenant", required=True)
    language = _one_of(raw.get("language"), LANGUAGES, f"{where}: language", required=True)
    phone = raw.get("customer_phone")
    if phone is not None:
        phone = str(phone)
        if not _PHONE.match(phone):
            raise DatasetError(
                f"{where}: customer_phone: {phone!r} must be 8–15 digits (E.164 without '+')"
            )
    tags = _strings(raw.get("tags", []), f"{where}: tags")
    at = raw.get("at", DEFAULT_AT)
    if not isinstance(at, str) or not _AT.match(at.strip().lower()):
        raise DatasetError(
            f"{where}: at: {at!r} must be a weekday and a time in the tenant's time zone, "
            "like 'sun 22:30'"
        )
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise DatasetError(f"{where}: turns: required, a non-empty list")
    turns = tuple(
        _turn(turn, f"{where}, turn {number}") for number, turn in enumerate(turns_raw, start=1)
    )
    return Case(
        id=str(case_id),
        tenant=tenant,
        language=language,
        turns=turns,
        customer_phone=phone,
        tags=tuple(tags),
        at=at.strip().lower(),
        source=source,
    )


def weekday_time(at: str) -> tuple[int, int, int]:
    """``"sun 22:30"`` → (6, 22, 30): weekday (Monday 0), hour, minute."""
    match = _AT.match(at)
    assert match is not None, at
    return WEEKDAYS.index(match[1]), int(match[2]), int(match[3])


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict):
        raise DatasetError(f"{where}: must be a mapping with 'customer' (and 'expect')")
    _no_unknown(raw, TURN_KEYS, where)
    text = raw.get("customer")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: customer: required, the customer's non-empty text")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict):
        raise DatasetError(f"{where}: expect: must be a mapping")
    _no_unknown(expect, EXPECT_KEYS, f"{where}, expect")
    at = f"{where}: expect."
    tools = expect.get("tools")
    return Turn(
        customer=text,
        expect=Expect(
            agent=_one_of(expect.get("agent"), agent_names(), at + "agent"),
            intent=_one_of(expect.get("intent"), INTENTS, at + "intent"),
            outcome=_one_of(expect.get("outcome"), OUTCOMES, at + "outcome"),
            tools=None
            if tools is None
            else tuple(
                _one_of(t, tool_names(), at + "tools") for t in _strings(tools, at + "tools")
            ),
            reply_contains=tuple(_strings(expect.get("reply_contains", []), at + "reply_contains")),
            reply_not_contains=tuple(
                _strings(expect.get("reply_not_contains", []), at + "reply_not_contains")
            ),
            reply_language=_one_of(expect.get("reply_language"), LANGUAGES, at + "reply_language"),
        ),
    )


def _no_unknown(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in set(raw) - allowed)
    if unknown:
        raise DatasetError(
            f"{where}: {unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})"
        )


def _one_of(value: Any, allowed: Any, where: str, *, required: bool = False) -> Any:
    if value is None:
        if required:
            raise DatasetError(f"{where}: required, one of {', '.join(allowed)}")
        return None
    if value not in allowed:
        shown = ", ".join(list(allowed)[:12]) + (", ..." if len(allowed) > 12 else "")
        raise DatasetError(f"{where}: {value!r} is not one of {shown}")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DatasetError(f"{where}: must be a list of non-empty strings")
    return list(value)
