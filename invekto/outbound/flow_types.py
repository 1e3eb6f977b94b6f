"""What a built-in flow is made of: its templates and its rules (plain data, no I/O), shared by the
shop's flows (``flows``) and a clinic's (``clinic_flows``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class FlowTemplate:
    name: str
    category: str
    variables: tuple[tuple[str, str], ...]
    """(name, example) in the order of {{1}}, {{2}}, ..."""
    body: dict[str, str]
    """Per language."""
    buttons: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Per language: (title, payload) quick replies."""


@dataclass(frozen=True, kw_only=True)
class FlowRule:
    name: str
    flow: str
    trigger: str
    template: str
    fields: dict[str, str] = field(default_factory=dict)
    """Template variable → event field, where they are not named alike."""
    delay_minutes: int = 0
    condition: dict[str, Any] = field(default_factory=dict)
    follow_up_hours: int | None = None
