"""Play eval cases through the same webhook production uses and check every expectation.

Each case is one isolated conversation: its own customer number (or the one the case gives, with
any earlier conversation of that number closed first), the sandboxes reset, and its turns sent one
after another, each waiting for the decision and the reply.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from invekto.evals.dataset import Case, Expect, weekday_time
from invekto.nlu.rules import detect_language
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.simulate import turn_result
from invekto.stack import Stack
from invekto.storage.models import Channel, Conversation, Customer, Tenant

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
class Check:
    name: str  # agent | intent | outcome | tools | reply_contains | ...
    expected: Any
    actual: Any
    passed: bool


@dataclass
class TurnReport:
    customer: str
    actual: dict[str, Any]
    checks: list[Check] = field(default_factory=list)

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
    channel, timezone = await _channel(stack, case.tenant)
    phone = case.customer_phone or next(numbers or _fresh)
    moment = case_start(case.at, timezone, dt.datetime.now(dt.UTC))
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
                actual = await turn_result(stack.services, wa_id, timeout_s=timeout_s)
            report.turns.append(
                TurnReport(customer=turn.customer, actual=actual, checks=check(turn.expect, actual))
            )
    return report


def check(expect: Expect, actual: dict[str, Any]) -> list[Check]:
    """One ``Check`` per expectation the turn sets (absent = not checked)."""
    checks: list[Check] = []
    for name in ("agent", "intent", "outcome"):
        wanted = getattr(expect, name)
        if wanted is not None:
            checks.append(Check(name, wanted, actual.get(name), actual.get(name) == wanted))
    if expect.tools is not None:
        called = actual.get("tools") or []
        checks.append(
            Check("tools", list(expect.tools), called, all(t in called for t in expect.tools))
        )
    reply = actual.get("reply") or ""
    for text in expect.reply_contains:
        checks.append(Check("reply_contains", text, reply, text.casefold() in reply.casefold()))
    for text in expect.reply_not_contains:
        checks.append(
            Check("reply_not_contains", text, reply, text.casefold() not in reply.casefold())
        )
    if expect.reply_language is not None:
        language = detect_language(reply) if reply else None
        checks.append(
            Check(
                "reply_language", expect.reply_language, language, language == expect.reply_language
            )
        )
    return checks


def totals(cases: list[CaseReport]) -> dict[str, Any]:
    """The totals of EVALS.md (PII leaks and guard blocks come with the guardrails)."""
    turns = [turn for case in cases for turn in case.turns]

    def accuracy(name: str) -> float | None:
        results = [c.passed for t in turns for c in t.checks if c.name == name]
        return round(sum(results) / len(results), 4) if results else None

    resolved = [
        case.passed and all(t.actual.get("outcome") == "auto_reply" for t in case.turns)
        for case in cases
    ]
    times = sorted(
        t.actual["processing_ms"] for t in turns if t.actual.get("processing_ms") is not None
    )
    return {
        "cases": len(cases),
        "cases_passed": sum(case.passed for case in cases),
        "turns": len(turns),
        "routing_accuracy": accuracy("agent"),
        "intent_accuracy": accuracy("intent"),
        "tool_call_accuracy": accuracy("tools"),
        "outcome_accuracy": accuracy("outcome"),
        "automated_resolution_rate": round(sum(resolved) / len(cases), 4) if cases else None,
        "handoff_rate": round(
            sum(t.actual.get("outcome") == "handoff" for t in turns) / len(turns), 4
        )
        if turns
        else None,
        "processing_ms_p50": round(statistics.median(times), 1) if times else None,
        "processing_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1) if times else None,
    }


def as_json(cases: list[CaseReport]) -> dict[str, Any]:
    return {
        "totals": totals(cases),
        "cases": [
            {
                **{k: v for k, v in asdict(case).items() if k != "turns"},
                "passed": case.passed,
                "turns": [
                    {
                        "customer": turn.customer,
                        "passed": turn.passed,
                        "actual": {k: v for k, v in turn.actual.items() if k != "wa_message_id"},
                        "checks": [asdict(c) for c in turn.checks],
                    }
                    for turn in case.turns
                ],
            }
            for case in cases
        ],
    }


async def _channel(stack: Stack, slug: str) -> tuple[Channel, str]:
    async with stack.services.db.session() as session:
        row = (
            await session.execute(
                select(Channel, Tenant.timezone)
                .join(Tenant, Tenant.id == Channel.tenant_id)
                .where(Tenant.slug == slug)
            )
        ).first()
    if row is None:
        raise LookupError(f"tenant {slug!r} is not in the demo seed")
    return row[0], row[1]


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
    cases: list[Case], settings: Any, *, progress: Any = None
) -> list[CaseReport]:
    """Run ``cases`` in a fresh embedded database with the demo seed (a new temporary data
    directory, so no earlier run or ``make run`` data leaks in); the trained intent model is
    reused from ``settings.nlu_dir``."""
    import secrets
    import tempfile
    from pathlib import Path

    from invekto.config import Settings
    from invekto.security import CredentialBox
    from invekto.stack import running_stack
    from invekto.storage.seed import seed

    fresh = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="invekto-eval-")),
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
    reports: list[CaseReport] = []
    numbers = fresh_numbers()
    async with running_stack(fresh) as stack:
        await seed(stack.services.db, CredentialBox(fresh.resolved_secret_key()))
        for case in cases:
            reports.append(await run_case(stack, case, numbers=numbers))
            if progress is not None:
                progress(case, reports[-1])
    return reports
