"""actions proposed by agents, decisions on suggestions, the event feed, assignment

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "invekto_app"
TENANT = "NULLIF(current_setting('invekto.tenant_id', true), '')::uuid"
TABLES = ["actions", "suggestion_decisions", "conversation_events"]


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column("conversations", sa.Column("assigned_user_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_conversations_assigned_user_id_users"),
        "conversations",
        "users",
        ["assigned_user_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("inbound_message_id", sa.UUID(), nullable=True),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _tenant_fk("actions"),
        _fk("actions", "conversation_id", "conversations", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["messages.id"],
            name=op.f("fk_actions_inbound_message_id_messages"),
            ondelete="SET NULL",
        ),
        _fk("actions", "message_id", "messages", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_actions_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_tenant_id"), "actions", ["tenant_id"])
    op.create_index(op.f("ix_actions_conversation_id"), "actions", ["conversation_id"])
    op.create_index("ix_actions_message", "actions", ["message_id"])

    op.create_table(
        "suggestion_decisions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("original_text", sa.Text(), nullable=False),
        sa.Column("sent_text", sa.Text(), nullable=True),
        sa.Column("edit_distance", sa.Integer(), nullable=False),
        sa.Column("actions_kept", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actions_dropped", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("newer_inbound", sa.Integer(), nullable=False),
        _created(),
        _tenant_fk("suggestion_decisions"),
        _fk("suggestion_decisions", "conversation_id", "conversations", "CASCADE"),
        _fk("suggestion_decisions", "message_id", "messages", "CASCADE"),
        _fk("suggestion_decisions", "user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_decisions")),
        sa.UniqueConstraint("message_id", name=op.f("uq_suggestion_decisions_message_id")),
    )
    op.create_index(
        op.f("ix_suggestion_decisions_tenant_id"), "suggestion_decisions", ["tenant_id"]
    )
    op.create_index(
        op.f("ix_suggestion_decisions_conversation_id"),
        "suggestion_decisions",
        ["conversation_id"],
    )

    op.create_table(
        "conversation_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _created(),
        _tenant_fk("conversation_events"),
        _fk("conversation_events", "conversation_id", "conversations", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_events")),
    )
    op.create_index(op.f("ix_conversation_events_tenant_id"), "conversation_events", ["tenant_id"])
    op.create_index(
        "ix_conversation_events_tenant_id_id", "conversation_events", ["tenant_id", "id"]
    )

    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} "
            f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
        )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON actions TO {APP_ROLE}")
    # Decisions and events are a record: the app role appends and reads, never edits.
    op.execute(f"GRANT SELECT, INSERT ON suggestion_decisions TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON conversation_events TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE conversation_events_id_seq TO {APP_ROLE}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
        op.drop_table(table)
    op.drop_constraint(
        op.f("fk_conversations_assigned_user_id_users"), "conversations", type_="foreignkey"
    )
    op.drop_column("conversations", "assigned_user_id")
