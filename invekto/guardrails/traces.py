"""Traces see the redacted text: when LangSmith tracing is switched on (``LANGSMITH_TRACING``),
every run's inputs and outputs are masked before they leave the process."""

from __future__ import annotations

import os
from typing import Any

from invekto.guardrails.pii import mask, might_hold_pii


def tracing_enabled() -> bool:
    flags = (os.environ.get(name, "") for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"))
    return any(flag.strip().lower() in ("1", "true", "yes") for flag in flags)


def redact_tree(value: Any) -> Any:
    """Every string in a run's inputs or outputs, PII masked (structure kept)."""
    if isinstance(value, str):
        return mask(value, "tr") if might_hold_pii(value) else value
    if isinstance(value, dict):
        return {key: redact_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_tree(item) for item in value)
    return value


def redact_traces() -> bool:
    """Install a LangSmith client that masks what it sends; False when tracing is off (then
    nothing is configured and nothing is sent)."""
    if not tracing_enabled():
        return False
    from langsmith import Client
    from langsmith.run_trees import configure

    configure(client=Client(hide_inputs=redact_tree, hide_outputs=redact_tree))
    return True
