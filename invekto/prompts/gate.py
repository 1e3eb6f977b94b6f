"""The eval gate of a prompt version: the eval suite played with the draft's texts, compared case
by case with the same suite played with the shipped texts.

A version goes live only when **every case that passes with the shipped texts still passes**
with the version's texts, and no reply leaks PII. The shipped texts' run is kept per code and
datasets fingerprint (``Settings.prompt_gate_dir``), so a tenant's next publish runs the suite
once. Each run is an ``invekto eval`` child process (its own embedded database and demo seed):
the command an ML engineer runs by hand, and a crash there is never the server's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from invekto.config import Settings
from invekto.prompts.content import PromptContent
from invekto.prompts.registry import registry

VERTICAL_TENANTS: dict[str, tuple[str, ...]] = {
    "ecommerce": ("demo-shop", "demo-copilot"),
    "clinic": ("demo-clinic",),
}
"""The demo tenants whose cases gate a vertical's prompts (the cases run on the demo data)."""

MAX_FAILURES_SHOWN = 50


class GateError(RuntimeError):
    """The gate could not run (the eval process failed or timed out): nothing is decided."""


def shipped_datasets() -> list[Path]:
    """The eval datasets shipped with the package."""
    folder = resources.files("invekto").joinpath("evals", "datasets")
    return [Path(str(folder))]


def dataset_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files


def code_fingerprint(datasets: Sequence[Path]) -> str:
    """What the shipped texts' run depends on: the package's code and texts, the intent model
    files, and the datasets."""
    digest = hashlib.sha256()
    package = Path(str(resources.files("invekto")))
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml", ".j2") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
        elif path.suffix == ".npz":
            digest.update(path.name.encode())
    for path in dataset_files(datasets):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def eval_command(
    datasets: Sequence[Path],
    tenants: Sequence[str],
    report: Path,
    prompts_file: Path | None = None,
    cases_file: Path | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "invekto.cli", "eval"]
    for dataset in datasets:
        command += ["--dataset", str(dataset)]
    for tenant in tenants:
        command += ["--tenant", tenant]
    command += ["--report", str(report)]
    if prompts_file is not None:
        command += ["--tenant-prompts", str(prompts_file)]
    if cases_file is not None:
        command += ["--cases-file", str(cases_file)]
    return command


def _write_inputs(
    workdir: Path, name: str, content: PromptContent | None, cases: Sequence[str] | None
) -> tuple[Path | None, Path | None]:
    workdir.mkdir(parents=True, exist_ok=True)
    prompts_file = cases_file = None
    if content is not None:
        prompts_file = workdir / f"{name}-prompts.yaml"
        prompts_file.write_text(
            yaml.safe_dump(content.model_dump(mode="json"), allow_unicode=True), "utf-8"
        )
    if cases is not None:
        cases_file = workdir / f"{name}-cases.txt"
        cases_file.write_text("".join(f"{case}\n" for case in cases), "utf-8")
    return prompts_file, cases_file


def _read_report(report: Path) -> dict[str, Any] | None:
    return json.loads(report.read_text("utf-8")) if report.is_file() else None


async def run_eval(
    settings: Settings,
    datasets: Sequence[Path],
    tenants: Sequence[str],
    content: PromptContent | None,
    workdir: Path,
    name: str,
    cases: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One ``invekto eval`` run in a child process (``cases``: only these case ids); its JSON
    report."""
    report = workdir / f"{name}.json"
    prompts_file, cases_file = await asyncio.to_thread(_write_inputs, workdir, name, content, cases)
    env = {
        **os.environ,
        "INVEKTO_DATA_DIR": str(workdir / f"{name}-data"),
        "INVEKTO_NLU_CACHE_DIR": str(settings.nlu_dir.absolute()),
        "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
    }
    for field in ("llm_model", "llm_base_url", "llm_api_key"):
        value = getattr(settings, field)
        env.pop(f"INVEKTO_{field.upper()}", None)
        if value:
            env[f"INVEKTO_{field.upper()}"] = str(value)
    process = await asyncio.create_subprocess_exec(
        *eval_command(datasets, tenants, report, prompts_file, cases_file),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), settings.prompt_gate_timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GateError(
            f"the eval run took longer than {settings.prompt_gate_timeout_s:.0f} s"
        ) from None
    except asyncio.CancelledError:
        process.kill()
        raise
    body = await asyncio.to_thread(_read_report, report)
    if body is None:
        tail = output.decode("utf-8", "replace")[-2000:]
        raise GateError(f"the eval run failed (exit {process.returncode}): {tail}")
    return body


async def shipped_report(
    settings: Settings, datasets: Sequence[Path], tenants: Sequence[str]
) -> dict[str, Any]:
    """The shipped texts' run for these datasets and tenants, from the cache when the code and
    datasets are the same."""
    fingerprint = await asyncio.to_thread(code_fingerprint, datasets)
    key = hashlib.sha256(f"{fingerprint}:{','.join(sorted(tenants))}".encode()).hexdigest()[:24]
    path = settings.prompt_gate_dir / f"shipped-{key}.json"
    cached = await asyncio.to_thread(_cached, path)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="invekto-gate-", ignore_cleanup_errors=True) as tmp:
        report = await run_eval(settings, datasets, tenants, None, Path(tmp), "shipped")
    await asyncio.to_thread(_keep, path, report)
    return report


def _cached(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text("utf-8"))
    except ValueError:
        path.unlink(missing_ok=True)
        return None


def _keep(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(report, ensure_ascii=False), "utf-8")
    partial.replace(path)  # atomic: a concurrent gate reads the whole file or none


def affected_cases(
    shipped: dict[str, Any], content: PromptContent, *, llm: bool = False
) -> set[str] | None:
    """The cases whose replies ``content`` can change: those with a turn that rendered one of
    the texts it overrides (same key and language) or spoke in an agent whose tone it changes.
    The rest would be written exactly as with the shipped texts (flows never depend on
    wording), so they keep their shipped result. ``None``: every case (a change the turns'
    records cannot place: a status word or a fragment inside another text, a text no case
    rendered through the recorder, or the LLM's instructions with an LLM configured)."""
    reg = registry()
    changed: set[tuple[str, str]] = set()
    for language, texts in content.texts.items():
        for key in texts:
            spec = reg.keys.get(key)
            if spec is None:
                continue
            if spec.kind in ("map", "fragment") or (spec.kind == "chat" and llm):
                return None
            if spec.kind == "reply":
                changed.add((key, language))
    tone = content.tone
    recorded: set[tuple[str, str]] = set()
    cases: set[str] = set()
    for case in shipped.get("cases", []):
        for turn in case.get("turns", []):
            renders = (turn.get("actual") or {}).get("prompts")
            if renders is None:
                return None  # a run without the records: nothing can be skipped
            for key, language, agent in renders:
                recorded.add((key, language))
                if (key, language) in changed or tone.of(agent) != "formal":
                    cases.add(case["id"])
    if changed - recorded:
        return None  # rendered outside a turn's record (or by no case): play them all
    return cases


def cases_to_play(
    shipped: dict[str, Any], content: PromptContent, own: Sequence[str], *, llm: bool = False
) -> set[str] | None:
    """The shipped cases ``content`` can change, and every one of the tenant's own cases
    (``None``: every case)."""
    cases = affected_cases(shipped, content, llm=llm)
    return None if cases is None else cases | set(own)


@dataclass
class Verdict:
    passed: bool
    reasons: list[str]
    report: dict[str, Any]


def verdict(
    shipped: dict[str, Any], draft: dict[str, Any], *, own: set[str] | None = None
) -> Verdict:
    """Compare the draft's run with the shipped texts' run, case by case (the shipped cases the
    draft did not play were not affected by it); each of the tenant's ``own`` cases must pass."""
    before = {case["id"]: case for case in shipped.get("cases", [])}
    own = own or set()
    failures: list[dict[str, Any]] = []
    own_failures: list[dict[str, Any]] = []
    for case in draft.get("cases", []):
        if case["id"] in own:
            if not case.get("passed"):
                own_failures.append({**_failure(case), "own": True})
            continue
        was = before.get(case["id"])
        if case.get("passed") or not (was and was.get("passed")):
            continue
        failures.append(_failure(case))
    totals = draft.get("totals", {})
    reasons = []
    if failures:
        reasons.append(
            f"{len(failures)} case(s) that pass with the shipped texts fail with this version"
        )
    if own_failures:
        reasons.append(f"{len(own_failures)} of the tenant's own case(s) fail with this version")
    failures = own_failures + failures
    leaks = int(totals.get("pii_leaks") or 0)
    if leaks > int(shipped.get("totals", {}).get("pii_leaks") or 0):
        reasons.append(f"{leaks} reply(s) leak personal data")
    if int(totals.get("timeouts") or 0):
        reasons.append(f"{totals['timeouts']} turn(s) timed out")
    cases = draft.get("cases", [])
    return Verdict(
        passed=not reasons,
        reasons=reasons,
        report={
            "passed": not reasons,
            "reasons": reasons,
            "cases": len(cases),
            "cases_passed": sum(1 for case in cases if case.get("passed")),
            "cases_unaffected": len(before.keys() - {case["id"] for case in cases}),
            "shipped_cases_passed": sum(1 for case in before.values() if case.get("passed")),
            "failures": failures[:MAX_FAILURES_SHOWN],
            "failures_total": len(failures),
            "totals": totals,
            "shipped_totals": shipped.get("totals", {}),
            "tenants": draft.get("run", {}).get("tenants", []),
        },
    )


def _failure(case: dict[str, Any]) -> dict[str, Any]:
    """A failing case as the editor shows it: the turn, the reply and the checks it missed."""
    turns = []
    for index, turn in enumerate(case.get("turns", [])):
        if turn.get("passed"):
            continue
        turns.append(
            {
                "turn": index + 1,
                "customer": turn.get("customer"),
                "reply": (turn.get("actual") or {}).get("reply"),
                "checks": [
                    {
                        "name": check.get("name"),
                        "expected": check.get("expected"),
                        "actual": check.get("actual"),
                    }
                    for check in turn.get("checks", [])
                    if not check.get("passed")
                ],
            }
        )
    return {
        "id": case["id"],
        "tenant": case.get("tenant"),
        "language": case.get("language"),
        "turns": turns,
    }


def own_cases(settings: Settings, tenant_slug: str | None) -> tuple[Path | None, list[str]]:
    """The tenant's own cases: ``<prompt_gate_tenant_cases_dir>/<slug>/*.yaml`` (the eval
    dataset format; written by the tenant's ML engineers, played on the demo data of its
    vertical). Their folder and case ids; ``(None, [])`` when it has none."""
    if not tenant_slug:
        return None, []
    folder = settings.prompt_gate_cases_dir / tenant_slug
    files = dataset_files([folder]) if folder.is_dir() else []
    ids: list[str] = []
    for path in files:
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, ValueError) as exc:
            raise GateError(f"{path.name}: {exc}") from exc
        ids += [
            str(case.get("id"))
            for case in data.get("cases") or []
            if isinstance(case, dict) and case.get("id")
        ]
    return (folder if files else None), ids


async def run_gate(
    settings: Settings, vertical: str, content: PromptContent, tenant_slug: str | None = None
) -> Verdict:
    """Gate ``content`` for a tenant of ``vertical``: the vertical's cases the draft can change,
    played with the draft and compared with the shipped texts' run, plus every one of the
    tenant's own cases (each must pass)."""
    datasets = list(settings.prompt_gate_datasets or shipped_datasets())
    tenants = VERTICAL_TENANTS.get(vertical, VERTICAL_TENANTS["ecommerce"])
    started = time.monotonic()
    shipped = await shipped_report(settings, datasets, tenants)
    own_folder, own_ids = await asyncio.to_thread(own_cases, settings, tenant_slug)
    cases = cases_to_play(shipped, content, own_ids, llm=bool(settings.llm_model))
    if cases is not None and not cases:
        draft: dict[str, Any] = {"cases": [], "totals": {}, "run": {"tenants": list(tenants)}}
    else:
        with tempfile.TemporaryDirectory(prefix="invekto-gate-", ignore_cleanup_errors=True) as tmp:
            draft = await run_eval(
                settings,
                [*datasets, *([own_folder] if own_folder else [])],
                tenants,
                content,
                Path(tmp),
                "draft",
                sorted(cases) if cases is not None else None,
            )
    result = verdict(shipped, draft, own=set(own_ids))
    result.report["seconds"] = round(time.monotonic() - started, 1)
    result.report["ran_at"] = dt.datetime.now(dt.UTC).isoformat()
    result.report["datasets"] = [str(path) for path in datasets]
    result.report["own_cases"] = len(own_ids)
    return result


__all__ = [
    "VERTICAL_TENANTS",
    "GateError",
    "affected_cases",
    "cases_to_play",
    "Verdict",
    "code_fingerprint",
    "own_cases",
    "eval_command",
    "run_eval",
    "run_gate",
    "shipped_datasets",
    "verdict",
]
