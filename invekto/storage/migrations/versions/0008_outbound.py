"""outbound: templates, rules, scheduled sends, consent, campaigns, reviews, carts; CTWA referral

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:16:47.830636
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP_ROLE = "invekto_app"
TENANT = "NULLIF(current_setting('invekto.tenant_id', true), '')::uuid"
TABLES = (
    "wa_templates",
    "outbound_rules",
    "campaigns",
    "outbound_sends",
    "consent_events",
    "review_cases",
    "carts",
)


def _tenant_walls() -> None:
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} "
            f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
        )


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("audience", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("template_a", sa.String(length=512), nullable=False),
        sa.Column("template_b", sa.String(length=512), nullable=True),
        sa.Column("split_percent", sa.Integer(), nullable=False),
        sa.Column("variables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conversion_days", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
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
            name=op.f("fk_campaigns_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_tenant_id"), "campaigns", ["tenant_id"], unique=False)
    op.create_table(
        "outbound_rules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("condition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("template_name", sa.String(length=512), nullable=False),
        sa.Column("variables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("schedule", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("flow", sa.String(length=40), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("follow_up_hours", sa.Integer(), nullable=True),
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
            name=op.f("fk_outbound_rules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_rules")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_outbound_rules_tenant_id")),
    )
    op.create_index(
        op.f("ix_outbound_rules_tenant_id"), "outbound_rules", ["tenant_id"], unique=False
    )
    op.create_table(
        "wa_templates",
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("parameter_format", sa.String(length=16), nullable=False),
        sa.Column("variables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("meta_template_id", sa.String(length=64), nullable=True),
        sa.Column("ttl_seconds", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("history", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
            name=op.f("fk_wa_templates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wa_templates")),
        sa.UniqueConstraint(
            "tenant_id", "name", "language", name=op.f("uq_wa_templates_tenant_id")
        ),
    )
    op.create_index(
        op.f("ix_wa_templates_meta_template_id"), "wa_templates", ["meta_template_id"], unique=False
    )
    op.create_index(op.f("ix_wa_templates_tenant_id"), "wa_templates", ["tenant_id"], unique=False)
    op.create_table(
        "carts",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_carts_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_carts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
        sa.UniqueConstraint("tenant_id", "external_id", name=op.f("uq_carts_tenant_id")),
    )
    op.create_index(op.f("ix_carts_tenant_id"), "carts", ["tenant_id"], unique=False)
    op.create_table(
        "consent_events",
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_consent_events_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consent_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        op.f("ix_consent_events_customer_id"), "consent_events", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_consent_events_tenant_id"), "consent_events", ["tenant_id"], unique=False
    )
    op.create_table(
        "review_cases",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("product", sa.String(length=500), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_review_cases_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_review_cases_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cases")),
        sa.UniqueConstraint(
            "tenant_id", "source", "external_id", name=op.f("uq_review_cases_tenant_id")
        ),
    )
    op.create_index(op.f("ix_review_cases_tenant_id"), "review_cases", ["tenant_id"], unique=False)
    op.create_table(
        "outbound_sends",
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("channel_id", sa.UUID(), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=True),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("rule_id", sa.UUID(), nullable=True),
        sa.Column("campaign_id", sa.UUID(), nullable=True),
        sa.Column("variant", sa.String(length=1), nullable=True),
        sa.Column("flow", sa.String(length=40), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("template_name", sa.String(length=512), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("context", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_outbound_sends_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_outbound_sends_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_outbound_sends_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_outbound_sends_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_outbound_sends_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["outbound_rules.id"],
            name=op.f("fk_outbound_sends_rule_id_outbound_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_outbound_sends_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_sends")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_outbound_sends_tenant_id")),
    )
    op.create_index(
        "ix_outbound_sends_campaign", "outbound_sends", ["campaign_id", "status"], unique=False
    )
    op.create_index(
        "ix_outbound_sends_customer_sent",
        "outbound_sends",
        ["customer_id", "sent_at"],
        unique=False,
    )
    op.create_index(
        "ix_outbound_sends_due",
        "outbound_sends",
        ["channel_id", "due_at"],
        unique=False,
        postgresql_where=sa.text("status = 'scheduled'"),
    )
    op.create_index(
        op.f("ix_outbound_sends_tenant_id"), "outbound_sends", ["tenant_id"], unique=False
    )
    op.add_column(
        "conversations",
        sa.Column("referral", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "customers", sa.Column("marketing_opt_out_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "messages", sa.Column("pricing", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    _tenant_walls()


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.drop_column("messages", "pricing")
    op.drop_column("customers", "marketing_opt_out_at")
    op.drop_column("conversations", "referral")
    op.drop_index(op.f("ix_outbound_sends_tenant_id"), table_name="outbound_sends")
    op.drop_index(
        "ix_outbound_sends_due",
        table_name="outbound_sends",
        postgresql_where=sa.text("status = 'scheduled'"),
    )
    op.drop_index("ix_outbound_sends_customer_sent", table_name="outbound_sends")
    op.drop_index("ix_outbound_sends_campaign", table_name="outbound_sends")
    op.drop_table("outbound_sends")
    op.drop_index(op.f("ix_review_cases_tenant_id"), table_name="review_cases")
    op.drop_table("review_cases")
    op.drop_index(op.f("ix_consent_events_tenant_id"), table_name="consent_events")
    op.drop_index(op.f("ix_consent_events_customer_id"), table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index(op.f("ix_carts_tenant_id"), table_name="carts")
    op.drop_table("carts")
    op.drop_index(op.f("ix_wa_templates_tenant_id"), table_name="wa_templates")
    op.drop_index(op.f("ix_wa_templates_meta_template_id"), table_name="wa_templates")
    op.drop_table("wa_templates")
    op.drop_index(op.f("ix_outbound_rules_tenant_id"), table_name="outbound_rules")
    op.drop_table("outbound_rules")
    op.drop_index(op.f("ix_campaigns_tenant_id"), table_name="campaigns")
    op.drop_table("campaigns")
