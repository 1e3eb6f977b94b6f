"""Play eval cases through the same webhook production uses and check every expectation.

Each case is one isolated conversation: its own customer number (or the one the case gives, with
any earlier conversation of that number closed first), the sandboxes reset, and its turns sent one
after another, each waiting for the decision and the reply.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from invekto.clinic.practice import published_names
from invekto.core.tenant_settings import TenantSettings
from invekto.evals.dataset import Case, Expect, weekday_time
from invekto.evals.metrics import Check, InvektoMetric, default_metrics, turn_test_case
from invekto.guardrails.output import setting_strings
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.simulate import turn_result
from invekto.stack import Stack
from invekto.storage.models import Channel, Conversation, Customer, Doctor, Tenant

TURN_GAP = dt.timedelta(seconds=30)
"""Each turn is written this long after the one before it."""


def case_start(at: str, timezone: str, now: dt.datetime) -> dt.datetime:
    """The case's first turn: the next ``at`` ("sun 22:30", the tenant's local time) after
    ``now``. Always in the next seven days, so WhatsApp's 24-hour window is open and the business
    hours, "tomorrow" and the like come out the same on every run."""
    weekday, hour, minute = weekday_time(at)
    local = now.astimezone(ZoneInfo(timezone))
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment += dt.timedelta(days=(weekday - local.weekday()) % 7)
    if moment <= local:
        moment += dt.timedelta(days=7)
    return moment


def fresh_numbers() -> Iterator[str]:
    """Customer numbers for cases that give none: the same sequence on every run."""
    return (f"90599{n:07d}" for n in itertools.count(1))


_fresh = fresh_numbers()


@dataclass
class TurnReport:
    customer: str
    actual: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    """Each deepeval metric's score for the turn (None: not expected in this turn)."""

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


@dataclass
class CaseReport:
    id: str
    tenant: str
    language: str
    tags: list[str]
    source: str
    turns: list[TurnReport] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(turn.passed for turn in self.turns)


async def run_case(
    stack: Stack,
    case: Case,
    *,
    timeout_s: float = 60.0,
    numbers: Iterator[str] | None = None,
) -> CaseReport:
    SANDBOX_GRAPH.reset()
    SANDBOX_TRENDYOL.reset()
    channel, tenant = await _channel(stack, case.tenant)
    timezone = tenant.timezone
    phone = case.customer_phone or next(numbers or _fresh)
    moment = case_start(case.at, timezone, dt.datetime.now(dt.UTC))
    published = setting_strings(TenantSettings.parse(tenant.settings))  # as the guard reads them
    known = {phone, *published, tenant.name, channel.display_phone_number}
    known |= await _staff_names(stack, channel)
    history: list[str] = []
    metrics = default_metrics()
    await _close_conversations(stack, channel, phone)
    report = CaseReport(
        id=case.id,
        tenant=case.tenant,
        language=case.language,
        tags=list(case.tags),
        source=case.source,
    )
    async with httpx.AsyncClient(timeout=30) as client:
        for turn in case.turns:
            wa_id, response = await post_customer_text(
                client,
                base_url=stack.base_url,
                app_secret=stack.settings.whatsapp_app_secret,
                phone_number_id=channel.phone_number_id,
                display_phone_number=channel.display_phone_number,
                phone=phone,
                text=turn.customer,
                timestamp=moment,
            )
            moment += TURN_GAP
            if response.status_code != 200:
                actual: dict[str, Any] = {"outcome": f"webhook_{response.status_code}"}
            else:
                actual = as_stored(await turn_result(stack.services, wa_id, timeout_s=timeout_s))
            history.append(turn.customer)
            known |= await _customer_names(stack, channel, phone)
            checks, scores = check(
                turn.expect,
                actual,
                history=history,
                known=known,
                language=case.language,
                metrics=metrics,
            )
            report.turns.append(
                TurnReport(customer=turn.customer, actual=actual, checks=checks, scores=scores)
            )
    return report


SENT_STATUSES = frozenset({"queued", "sending", "sent", "delivered", "read", "failed"})
"""A reply in one of these went (or was on its way) to the customer."""


def as_stored(actual: dict[str, Any]) -> dict[str, Any]:
    """The turn as its stored reply shows it, not as the decision says: a suggestion whose
    message went out anyway is ``suggestion_sent`` (it fails every expected outcome), and an
    automatic reply or hand-over notice that was only stored as a suggestion is a
    ``suggestion``."""
    status, outcome = actual.get("reply_status"), actual.get("outcome")
    if outcome == "suggestion" and status in SENT_STATUSES:
        return {**actual, "outcome": "suggestion_sent", "decided": outcome}
    if outcome in ("auto_reply", "handoff") and status == "suggested":
        return {**actual, "outcome": "suggestion", "decided": outcome}
    return actual


def check(
    expect: Expect,
    actual: dict[str, Any],
    *,
    history: list[str] | None = None,
    known: set[str] | None = None,
    language: str = "tr",
    metrics: list[InvektoMetric] | None = None,
) -> tuple[list[Check], dict[str, float | None]]:
    """Score one turn with the deepeval metrics: the ``Check`` rows of every expectation the turn
    sets (absent = not checked) and each metric's score."""
    case = turn_test_case(
        history[-1] if history else "",
        expect,
        actual,
        history=history or [],
        known=known or set(),
        language=language,
    )
    checks: list[Check] = []
    scores: dict[str, float | None] = {}
    for metric in metrics or default_metrics():
        scores[metric.name] = metric.measure(case)
        checks += metric.results
    return checks, scores


async def _channel(stack: Stack, slug: str) -> tuple[Channel, Tenant]:
    async with stack.services.db.session() as session:
        row = (
            await session.execute(
                select(Channel, Tenant)
                .join(Tenant, Tenant.id == Channel.tenant_id)
                .where(Tenant.slug == slug)
            )
        ).first()
    if row is None:
        raise LookupError(f"tenant {slug!r} is not in the demo seed")
    return row[0], row[1]


async def _customer_names(stack: Stack, channel: Channel, phone: str) -> set[str]:
    """The customer's own name as the shop knows it (and each part of it): theirs to see."""
    async with stack.services.db.session() as session:
        name = await session.scalar(
            select(Customer.name).where(
                Customer.tenant_id == channel.tenant_id, Customer.phone == phone
            )
        )
    return {name, *name.split()} if name else set()


async def _staff_names(stack: Stack, channel: Channel) -> set[str]:
    """A clinic's doctors, as its replies name them (the agent gives the guard the same)."""
    async with stack.services.db.session() as session:
        names = await session.scalars(
            select(Doctor.name).where(Doctor.tenant_id == channel.tenant_id)
        )
        return {part for name in names for part in published_names(name)}


async def _close_conversations(stack: Stack, channel: Channel, phone: str) -> None:
    """A case that reuses a seeded number starts a new conversation, not the previous case's."""
    async with stack.services.db.session() as session:
        customer = await session.scalar(
            select(Customer.id).where(
                Customer.tenant_id == channel.tenant_id, Customer.phone == phone
            )
        )
        if customer is not None:
            await session.execute(
                update(Conversation)
                .where(Conversation.customer_id == customer, Conversation.status != "closed")
                .values(status="closed")
            )
            await session.commit()


async def run_dataset(
    cases: list[Case],
    settings: Any,
    *,
    progress: Any = None,
    judged_by: list[Any] | None = None,
    prompts: dict[str, Any] | None = None,
) -> list[CaseReport]:
    """Run ``cases`` in a fresh embedded database with the demo seed (a new temporary data
    directory, removed afterwards, so no earlier run or ``make run`` data leaks in); the trained
    intent model is reused from ``settings.nlu_dir``. ``judged_by``: LLM-judged deepeval metrics
    to score every reply with, after the run. ``prompts``: a prompt version's content
    (``invekto.prompts.content.PromptContent`` as JSON), made the active texts of every tenant
    the cases use (the prompt gate; version ``-1`` in the turns' records)."""
    import secrets
    import tempfile
    from pathlib import Path

    from invekto.config import Settings
    from invekto.sandbox.seed import seed
    from invekto.security import CredentialBox
    from invekto.stack import running_stack

    reports: list[CaseReport] = []
    numbers = fresh_numbers()
    with tempfile.TemporaryDirectory(prefix="invekto-eval-", ignore_cleanup_errors=True) as tmp:
        fresh = Settings(
            data_dir=Path(tmp),
            nlu_cache_dir=settings.nlu_dir,
            port=0,
            secret_key=secrets.token_urlsafe(32),
            env="test",
            sandbox=True,
            sandbox_status_callback_delay_s=0.05,
            llm_model=settings.llm_model,
            llm_base_url=settings.llm_base_url,
            llm_api_key=settings.llm_api_key,
        )
        async with running_stack(fresh) as stack:
            await seed(stack.services.db, CredentialBox(fresh.resolved_secret_key()))
            if prompts is not None:
                await _use_prompts(stack, {case.tenant for case in cases}, prompts)
            for case in cases:
                reports.append(await run_case(stack, case, numbers=numbers))
                if progress is not None:
                    progress(case, reports[-1])
    for metric in judged_by or []:
        await judge_replies(reports, metric)
    return reports


async def _use_prompts(stack: Stack, slugs: set[str], content: dict[str, Any]) -> None:
    async with stack.services.db.session() as session:
        await session.execute(
            update(Tenant).where(Tenant.slug.in_(slugs)).values(prompts={"version": -1, **content})
        )
        await session.commit()


async def judge_replies(reports: list[CaseReport], metric: Any) -> None:
    """Score every reply with an LLM-judged deepeval metric (in a thread: the judge's client
    is synchronous). A judge error leaves the turn unscored, never fails the run."""
    import asyncio
    import logging

    from deepeval.test_case import LLMTestCase

    name = metric.__name__
    for case in reports:
        for turn in case.turns:
            reply = turn.actual.get("reply")
            if not reply:
                continue
            test_case = LLMTestCase(input=turn.customer, actual_output=reply)
            try:
                await asyncio.to_thread(metric.measure, test_case)
                turn.scores[name] = metric.score
            except Exception as exc:  # the judge is down or answers nonsense
                logging.getLogger(__name__).warning("judge %s failed on %s: %s", name, case.id, exc)
                turn.scores[name] = None
