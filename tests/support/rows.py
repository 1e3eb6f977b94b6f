"""Read rows of a model back in a test, fresh from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select


async def rows(session: Any, model: Any, **filters: Any) -> list[Any]:
    """Every ``model`` row matching ``filters`` (column = value), bypassing the session's cache."""
    session.expire_all()
    query = select(model)
    for key, value in filters.items():
        query = query.where(getattr(model, key) == value)
    return list((await session.scalars(query)).all())
