"""The seller dashboard's numbers: questions, automatic answers, hand-overs, deflection, per
day, per hour of day, per intent and per agent (all in the tenant's time zone), and the minutes
the automatic replies saved."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import Date, Integer, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import TenantDep, TenantSessionDep
from invekto.core.tenant_settings import TenantSettings
from invekto.graphs.conversation.kinds import expects_reply
from invekto.storage.models import AutoReplyLog, Message, SuggestionDecision, Tenant

router = APIRouter(prefix="/api/metrics", tags=["metrics"])

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
"""The range a dashboard may ask for (the day after ``to`` must still be a date)."""


class DayFigures(BaseModel):
    date: dt.date
    questions_received: int
    answered_automatically: int
    handed_over: int
    suggestions: int


class HourFigures(BaseModel):
    hour: int
    """0–23, the hour of day in the tenant's time zone the customer's message arrived in."""
    questions_received: int
    answered_automatically: int
    handed_over: int
    suggestions: int


class GroupFigures(BaseModel):
    """The processed messages of one intent (or one agent) and what became of them."""

    key: str
    """The intent (``order_status``...) or the agent (``support``, ``none``...)."""
    questions: int
    """Messages processed with this intent / by this agent (an inbound message that was never
    processed has neither, so these add up to at most ``questions_received``)."""
    answered_automatically: int
    handed_over: int
    suggestions: int


class MinutesSaved(BaseModel):
    minutes: float
    """answered_automatically × minutes_per_reply."""
    automated_replies: int
    minutes_per_reply: float
    """The assumption: a person's handling time per reply (tenant setting
    ``metrics.minutes_per_reply``, default 3)."""


class SuggestionFigures(BaseModel):
    accepted: int
    edited: int
    rejected: int
    acceptance_rate: float | None
    """accepted / decided: how often the AI's draft went out unchanged."""
    mean_edit_distance: float | None
    """Mean Levenshtein distance of the edited ones."""


class MetricsSummary(BaseModel):
    tenant: str
    from_date: dt.date
    to_date: dt.date
    timezone: str
    questions_received: int
    """Inbound customer messages in the period."""
    answered_automatically: int
    handed_over: int
    suggestions: int
    """Replies drafted for a human (automation off, low confidence, a human in charge)."""
    deflection_rate: float | None
    """answered_automatically / questions_received (None with no questions)."""
    time_to_first_automated_reply_s: dict[str, float | None]
    """Seconds from a customer's message to the automated reply's sending: p50, p95, mean."""
    suggestion_decisions: SuggestionFigures
    """What people did with the suggestions, decided in the period."""
    minutes_saved: MinutesSaved
    daily: list[DayFigures]
    hourly: list[HourFigures]
    """24 rows, hour 0 to 23 (tenant's time zone), summed over the days of the range."""
    by_intent: list[GroupFigures]
    """Most questions first."""
    by_agent: list[GroupFigures]
    """Most questions first."""


@router.get("/summary")
async def summary(
    tenant: TenantDep,
    session: TenantSessionDep,
    from_: dt.date | None = Query(None, alias="from", description="first day, tenant's time zone"),
    to: dt.date | None = Query(None, description="last day (inclusive)"),
) -> MetricsSummary:
    owner = await session.get(Tenant, tenant.tenant_id)
    assert owner is not None
    zone = ZoneInfo(owner.timezone)
    today = dt.datetime.now(zone).date()
    to = to or today
    from_ = from_ or to - dt.timedelta(days=29)
    if from_ > to:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' is after 'to'")
    if (to - from_).days > 366:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "at most 366 days at once")
    if from_ < EARLIEST or to > LATEST:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"dates must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}",
        )
    start = dt.datetime.combine(from_, dt.time(), zone)
    end = dt.datetime.combine(to + dt.timedelta(days=1), dt.time(), zone)

    local_day = lambda column: cast(func.timezone(owner.timezone, column), Date)  # noqa: E731
    local_hour = lambda column: cast(  # noqa: E731
        func.extract("hour", func.timezone(owner.timezone, column)), Integer
    )
    inbound = (
        select(
            local_day(Message.created_at).label("day"),
            local_hour(Message.created_at).label("hour"),
            func.count().label("n"),
        )
        .where(
            Message.tenant_id == tenant.tenant_id,
            Message.direction == "in",
            expects_reply(),  # a reaction, an edit, a delete is no question
            Message.created_at >= start,
            Message.created_at < end,
        )
        .group_by("day", "hour")
    )
    received: dict[dt.date, int] = {}
    received_by_hour: dict[int, int] = {}
    for row in await session.execute(inbound):
        received[row.day] = received.get(row.day, 0) + row.n
        received_by_hour[row.hour] = received_by_hour.get(row.hour, 0) + row.n
    outcome = AutoReplyLog.outcome
    counts = (
        func.count().label("questions"),
        func.count().filter(outcome == "auto_reply").label("auto"),
        func.count().filter(outcome == "handoff").label("handoff"),
        func.count().filter(outcome == "suggestion").label("suggestion"),
    )
    in_range = (
        AutoReplyLog.tenant_id == tenant.tenant_id,
        AutoReplyLog.inbound_at >= start,
        AutoReplyLog.inbound_at < end,
        _of_a_question(),
    )

    async def grouped(key):  # type: ignore[no-untyped-def]
        query = select(key.label("key"), *counts).where(*in_range).group_by("key")
        return list(await session.execute(query))

    by_day = {row.key: row for row in await grouped(local_day(AutoReplyLog.inbound_at))}
    by_hour = {row.key: row for row in await grouped(local_hour(AutoReplyLog.inbound_at))}
    daily = []
    for offset in range((to - from_).days + 1):
        day = from_ + dt.timedelta(days=offset)
        row = by_day.get(day)
        daily.append(
            DayFigures(
                date=day,
                questions_received=received.get(day, 0),
                answered_automatically=row.auto if row else 0,
                handed_over=row.handoff if row else 0,
                suggestions=row.suggestion if row else 0,
            )
        )
    hourly = [
        HourFigures(
            hour=hour,
            questions_received=received_by_hour.get(hour, 0),
            answered_automatically=by_hour[hour].auto if hour in by_hour else 0,
            handed_over=by_hour[hour].handoff if hour in by_hour else 0,
            suggestions=by_hour[hour].suggestion if hour in by_hour else 0,
        )
        for hour in range(24)
    ]
    questions = sum(d.questions_received for d in daily)
    auto = sum(d.answered_automatically for d in daily)
    per_reply = TenantSettings.parse(owner.settings, blocks=["metrics"]).metrics.minutes_per_reply
    return MetricsSummary(
        tenant=owner.slug,
        from_date=from_,
        to_date=to,
        timezone=owner.timezone,
        questions_received=questions,
        answered_automatically=auto,
        handed_over=sum(d.handed_over for d in daily),
        suggestions=sum(d.suggestions for d in daily),
        deflection_rate=round(auto / questions, 4) if questions else None,
        time_to_first_automated_reply_s=await _reply_times(session, tenant.tenant_id, start, end),
        suggestion_decisions=await _suggestion_figures(session, tenant.tenant_id, start, end),
        minutes_saved=MinutesSaved(
            minutes=round(auto * per_reply, 1),
            automated_replies=auto,
            minutes_per_reply=per_reply,
        ),
        daily=daily,
        hourly=hourly,
        by_intent=_groups(await grouped(AutoReplyLog.intent)),
        by_agent=_groups(await grouped(AutoReplyLog.agent)),
    )


def _of_a_question():  # type: ignore[no-untyped-def]
    """An ``auto_reply_log`` row whose message asked for something: a no-reply message (a
    reaction, an edit...) runs no turn, but one logged before that rule must not count either."""
    no_reply = select(Message.id).where(
        Message.id == AutoReplyLog.inbound_message_id, ~expects_reply()
    )
    return ~no_reply.exists()


def _groups(rows) -> list[GroupFigures]:  # type: ignore[no-untyped-def]
    figures = [
        GroupFigures(
            key=row.key,
            questions=row.questions,
            answered_automatically=row.auto,
            handed_over=row.handoff,
            suggestions=row.suggestion,
        )
        for row in rows
    ]
    return sorted(figures, key=lambda g: (-g.questions, g.key))


async def _suggestion_figures(
    session: AsyncSession, tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> SuggestionFigures:
    kind = SuggestionDecision.decision
    row = (
        await session.execute(
            select(
                func.count().filter(kind == "accepted").label("accepted"),
                func.count().filter(kind == "edited").label("edited"),
                func.count().filter(kind == "rejected").label("rejected"),
                func.avg(SuggestionDecision.edit_distance).filter(kind == "edited").label("dist"),
            ).where(
                SuggestionDecision.tenant_id == tenant_id,
                SuggestionDecision.created_at >= start,
                SuggestionDecision.created_at < end,
            )
        )
    ).one()
    decided = row.accepted + row.edited + row.rejected
    return SuggestionFigures(
        accepted=row.accepted,
        edited=row.edited,
        rejected=row.rejected,
        acceptance_rate=round(row.accepted / decided, 4) if decided else None,
        mean_edit_distance=round(float(row.dist), 1) if row.dist is not None else None,
    )


async def _reply_times(
    session: TenantSessionDep,
    tenant_id,
    start: dt.datetime,  # type: ignore[no-untyped-def]
    end: dt.datetime,
) -> dict[str, float | None]:
    reply = Message.__table__.alias("reply")
    seconds = func.extract(
        "epoch", func.coalesce(reply.c.sent_at, reply.c.created_at) - AutoReplyLog.inbound_at
    )
    query = (
        select(
            func.percentile_cont(0.5).within_group(seconds).label("p50"),
            func.percentile_cont(0.95).within_group(seconds).label("p95"),
            func.avg(seconds).label("mean"),
        )
        .select_from(AutoReplyLog)
        .join(
            reply,
            and_(
                reply.c.id == AutoReplyLog.reply_message_id,
                reply.c.status.in_(("sent", "delivered", "read")),
            ),
        )
        .where(
            AutoReplyLog.tenant_id == tenant_id,
            AutoReplyLog.outcome == "auto_reply",
            AutoReplyLog.inbound_at >= start,
            AutoReplyLog.inbound_at < end,
            _of_a_question(),
        )
    )
    row = (await session.execute(query)).one()
    return {
        k: (round(float(v), 3) if v is not None else None)
        for k, v in (("p50", row.p50), ("p95", row.p95), ("mean", row.mean))
    }
