"""``invekto eval --langsmith``: the dataset and this run's results in LangSmith.

Only when the user has configured LangSmith (``LANGSMITH_API_KEY``, and ``LANGSMITH_ENDPOINT`` for
a self-hosted one); nothing is sent otherwise. The dataset is named after its content, so the same
cases are uploaded once and every run of them becomes an experiment on that dataset: one run per
case with the expectations as reference outputs and one feedback score per metric.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import uuid
from typing import Any

from invekto.evals.dataset import Case

NAMESPACE = uuid.UUID("0c5f0d8e-3f4b-4a8e-9f51-2b8f6f0b6a11")


def configured() -> bool:
    return bool(os.environ.get("LANGSMITH_API_KEY") or os.environ.get("LANGCHAIN_API_KEY"))


def upload(
    cases: list[Case],
    report: dict[str, Any],
    *,
    label: str = "invekto-eval",
    client: Any = None,
) -> str:
    """Upload ``cases`` (once) and this run's ``report``; returns the experiment's name."""
    if client is None:
        from langsmith import Client

        client = Client()
    digest = hashlib.sha256(
        json.dumps([_example_inputs(c) for c in cases], sort_keys=True).encode()
    ).hexdigest()[:12]
    name = f"{label}-{digest}"
    if client.has_dataset(dataset_name=name):
        dataset = client.read_dataset(dataset_name=name)
    else:
        dataset = client.create_dataset(
            name, description=f"Invekto eval cases ({len(cases)}), shared/EVALS.md format"
        )
        client.create_examples(
            dataset_id=dataset.id,
            examples=[
                {
                    "id": _example_id(name, case.id),
                    "inputs": _example_inputs(case),
                    "outputs": {"expect": [_expect(turn.expect) for turn in case.turns]},
                    "metadata": {"tags": list(case.tags), "source": case.source},
                }
                for case in cases
            ],
        )
    now = dt.datetime.now(dt.UTC)
    experiment = f"{name}-{now:%Y%m%d-%H%M%S}"
    client.create_project(
        experiment,
        reference_dataset_id=dataset.id,
        metadata={"totals": report.get("totals", {}), **report.get("run", {})},
    )
    for case in report.get("cases", []):
        run_id = uuid.uuid4()
        client.create_run(
            id=run_id,
            name=case["id"],
            run_type="chain",
            project_name=experiment,
            reference_example_id=_example_id(name, case["id"]),
            inputs={"turns": [turn["customer"] for turn in case["turns"]]},
            outputs={"turns": [turn["actual"] for turn in case["turns"]]},
            start_time=now,
            end_time=now,
        )
        client.create_feedback(run_id, key="passed", score=float(case["passed"]))
        for metric, score in _case_scores(case).items():
            client.create_feedback(run_id, key=metric, score=score)
    client.flush()
    return experiment


def _example_id(dataset: str, case_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{dataset}/{case_id}")


def _example_inputs(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "tenant": case.tenant,
        "language": case.language,
        "at": case.at,
        "turns": [turn.customer for turn in case.turns],
    }


def _expect(expect: Any) -> dict[str, Any]:
    """The expectations a turn sets (absent ones left out)."""
    values = {field.name: getattr(expect, field.name) for field in dataclasses.fields(expect)}
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in values.items()
        if value not in (None, ())
    }


def _case_scores(case: dict[str, Any]) -> dict[str, float]:
    """Each metric's mean over the case's scored turns."""
    values: dict[str, list[float]] = {}
    for turn in case["turns"]:
        for metric, score in (turn.get("scores") or {}).items():
            if score is not None:
                values.setdefault(metric, []).append(score)
    return {metric: sum(v) / len(v) for metric, v in values.items()}
