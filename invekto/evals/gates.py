"""Release gates over the eval totals (``gates.yaml``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def load_gates(path: Path | None = None) -> dict[str, dict[str, float]]:
    text = (
        path.read_text("utf-8")
        if path is not None
        else resources.files("invekto.evals").joinpath("gates.yaml").read_text("utf-8")
    )
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("gates: a mapping of total → {min: x} or {max: x}")
    for name, bounds in data.items():
        if not isinstance(bounds, dict) or not set(bounds) <= {"min", "max"} or not bounds:
            raise ValueError(f"gates: {name}: give min and/or max")
    return data


def missed(totals: dict[str, Any], gates: dict[str, dict[str, float]]) -> list[str]:
    """One line per gate the totals miss ("intent_accuracy 0.72 < min 0.80")."""
    lines = []
    for name, bounds in gates.items():
        value = totals.get(name)
        if value is None:
            continue
        if "min" in bounds and value < bounds["min"]:
            lines.append(f"{name} {value} < min {bounds['min']}")
        if "max" in bounds and value > bounds["max"]:
            lines.append(f"{name} {value} > max {bounds['max']}")
    return lines
