import datetime as dt
from sqlalchemy import select, func, literal_column, case
from invekto.storage.models import PaymentLink, Lead, utcnow


async def test_q(session):
    since = utcnow() - dt.timedelta(days=30)
    day = func.date_trunc(literal_column("'day'"), PaymentLink.paid_at)
    rows = (
        await session.execute(
            select(day, func.sum(PaymentLink.paid_amount))
            .where(PaymentLink.paid_at >= since)
            .group_by(day)
            .order_by(day)
        )
    ).all()
    print("daily ok", rows)
    day2 = func.date_trunc("day", PaymentLink.paid_at)
    try:
        rows = (
            await session.execute(
                select(day2, func.sum(PaymentLink.paid_amount))
                .where(PaymentLink.paid_at >= since)
                .group_by(day2)
                .order_by(day2)
            )
        ).all()
        print("bound 'day' ok", rows)
    except Exception as exc:
        print("bound 'day' FAILS", type(exc).__name__, str(exc)[:200])
        await session.rollback()
    bucket = case(
        (Lead.score.is_(None), "unscored"),
        (Lead.score >= 70, "hot"),
        (Lead.score >= 40, "warm"),
        else_="cold",
    )
    try:
        rows = (await session.execute(select(bucket, func.count()).group_by(bucket))).all()
        print("leads ok", rows)
    except Exception as exc:
        print("leads FAILS", type(exc).__name__, str(exc)[:300])
