"""prompt versions per tenant and their trail; the active version on the tenant row; the version
each turn rendered with; ``settings.templates`` moved into a first version

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:00:00.000000

A tenant whose settings held its own texts (``settings.templates``) gets them back as version 1,
active, with the formal tone; the settings lose the block (one mechanism: the prompt versions).
Downgrading puts the active version's texts back into the settings.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APP_ROLE = "invekto_app"
TENANT = "NULLIF(current_setting('invekto.tenant_id', true), '')::uuid"
MOVED_NOTE = "Moved from the tenant settings (settings.templates)."


def _tenant_wall(table: str, grants: str) -> None:
    op.execute(f"GRANT {grants} ON {table} TO {APP_ROLE}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} "
        f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
    )


def upgrade() -> None:
    op.add_column(
        "tenants",
        sa.Column(
            "prompts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column("auto_reply_log", sa.Column("prompt_version", sa.Integer(), nullable=True))
    op.create_table(
        "prompt_versions",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.UUID(), nullable=True),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.UUID(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gate", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_prompt_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_prompt_versions_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_prompt_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_versions")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_prompt_versions_tenant_id")),
    )
    op.create_index(
        op.f("ix_prompt_versions_tenant_id"), "prompt_versions", ["tenant_id"], unique=False
    )
    op.create_index(
        "uq_prompt_versions_active",
        "prompt_versions",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "prompt_events",
        sa.Column("version_id", sa.UUID(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_prompt_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_prompt_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["prompt_versions.id"],
            name=op.f("fk_prompt_events_version_id_prompt_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_events")),
    )
    op.create_index(
        op.f("ix_prompt_events_tenant_id"), "prompt_events", ["tenant_id"], unique=False
    )
    op.create_index("ix_prompt_events_tenant_created", "prompt_events", ["tenant_id", "created_at"])
    _tenant_wall("prompt_versions", "SELECT, INSERT, UPDATE, DELETE")
    _tenant_wall("prompt_events", "SELECT, INSERT")
    _move_templates()


def _move_templates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, settings -> 'templates' FROM tenants "
            "WHERE jsonb_typeof(settings -> 'templates') = 'object'"
        )
    ).all()
    for tenant_id, templates in rows:
        texts = {
            language: own
            for language, own in (templates or {}).items()
            if language in ("tr", "en", "ar") and isinstance(own, dict) and own
        }
        if texts:
            content = {"tone": {"default": "formal", "agents": {}}, "texts": texts}
            bind.execute(
                sa.text(
                    "INSERT INTO prompt_versions (id, tenant_id, number, status, content, note, "
                    "author_role, updated_at, published_at, created_at) VALUES "
                    "(gen_random_uuid(), :tenant, 1, 'active', CAST(:content AS jsonb), :note, "
                    "'', now(), now(), now())"
                ),
                {"tenant": tenant_id, "content": json.dumps(content), "note": MOVED_NOTE},
            )
            bind.execute(
                sa.text("UPDATE tenants SET prompts = CAST(:prompts AS jsonb) WHERE id = :id"),
                {"prompts": json.dumps({"version": 1, **content}), "id": tenant_id},
            )
        bind.execute(
            sa.text("UPDATE tenants SET settings = settings - 'templates' WHERE id = :id"),
            {"id": tenant_id},
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE tenants SET settings = jsonb_set(settings, '{templates}', prompts -> 'texts') "
            "WHERE jsonb_typeof(prompts -> 'texts') = 'object' AND prompts -> 'texts' <> '{}'"
        )
    )
    for table in ("prompt_events", "prompt_versions"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.drop_index("ix_prompt_events_tenant_created", table_name="prompt_events")
    op.drop_index(op.f("ix_prompt_events_tenant_id"), table_name="prompt_events")
    op.drop_table("prompt_events")
    op.drop_index("uq_prompt_versions_active", table_name="prompt_versions")
    op.drop_index(op.f("ix_prompt_versions_tenant_id"), table_name="prompt_versions")
    op.drop_table("prompt_versions")
    op.drop_column("auto_reply_log", "prompt_version")
    op.drop_column("tenants", "prompts")
