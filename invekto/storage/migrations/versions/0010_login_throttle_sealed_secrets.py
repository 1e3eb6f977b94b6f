"""login throttle (per account and per address, shared by every process); the sales webhook
secret in ``tenants.settings`` sealed with the credentials key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:00:00.000000

``login_throttle`` is system-level: login runs before any tenant is known, so only system
sessions (the connecting user, not the app role) read and write it; the app role gets no grant
and no policy is needed. It stores SHA-256 keys, never an e-mail or an address.

The data step seals every ``settings.sales.webhook_secret`` still in clear with the same key
the app uses for credentials (``Settings().resolved_secret_key()``, as ``invekto migrate`` and
``invekto serve`` resolve it); the key is resolved only when there is something to seal.
Downgrading opens them again, so the older code finds them in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEALED = "sealed:"


def _box() -> Any:
    from invekto.config import Settings
    from invekto.security import CredentialBox

    return CredentialBox(Settings().resolved_secret_key())


def _rewrite_secrets(wanted: str, change: Callable[[Any, str], str]) -> None:
    """Apply ``change(box, secret)`` to every tenant's webhook secret matching ``wanted``
    (a SQL condition on ``secret``)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, secret FROM (SELECT id, settings #>> '{sales,webhook_secret}' AS secret "
            f"FROM tenants) s WHERE secret IS NOT NULL AND {wanted}"
        )
    ).all()
    if not rows:
        return
    box = _box()
    for tenant_id, secret in rows:
        bind.execute(
            sa.text(
                "UPDATE tenants SET settings = jsonb_set(settings, '{sales,webhook_secret}', "
                "to_jsonb(CAST(:secret AS text))) WHERE id = :id"
            ),
            {"secret": change(box, secret), "id": tenant_id},
        )


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttle")),
    )
    op.create_index(
        op.f("ix_login_throttle_updated_at"), "login_throttle", ["updated_at"], unique=False
    )
    _rewrite_secrets(f"secret NOT LIKE '{SEALED}%'", lambda box, s: box.seal_secret(s))


def downgrade() -> None:
    _rewrite_secrets(f"secret LIKE '{SEALED}%'", lambda box, s: box.open_secret(s))
    op.drop_index(op.f("ix_login_throttle_updated_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
