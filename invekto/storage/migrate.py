"""Schema management: Alembic for our tables, plus procrastinate's and LangGraph's own schemas."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate sees only our tables (not procrastinate's or LangGraph's)."""
    from invekto.storage.models import Base

    return type_ != "table" or name in Base.metadata.tables


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://" + url.split("://", 1)[1])
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
