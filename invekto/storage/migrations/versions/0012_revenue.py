"""revenue: offer rules, recommendations, products bought together, payment links and their
callbacks; the margin tier of each product model and the seller's own products; lead
qualification

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

APP_ROLE = "invekto_app"
TENANT = "NULLIF(current_setting('invekto.tenant_id', true), '')::uuid"
JSONB = postgresql.JSONB(astext_type=sa.Text())
NEW_TABLES = (
    "payment_events",
    "payment_links",
    "bought_together",
    "recommendations",
    "offer_rules",
    "product_margins",
)


def _tenant_wall(table: str, grants: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    op.execute(f"GRANT {grants} ON {table} TO {APP_ROLE}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} "
        f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
    )


def _id_created_tenant(table: str) -> list[sa.Column]:
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
    ]


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.alter_column("products_cache", "integration_account_id", nullable=True)
    for name, column in (
        ("budget", sa.String(length=200)),
        ("timing", sa.String(length=200)),
        ("need", sa.Text()),
        ("score", sa.Integer()),
        ("proposal", JSONB),
    ):
        op.add_column("leads", sa.Column(name, column, nullable=True))
    op.add_column(
        "leads",
        sa.Column("score_reasons", JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.alter_column("leads", "score_reasons", server_default=None)

    op.create_table(
        "product_margins",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("product_main_id", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("product_margins"),
        sa.PrimaryKeyConstraint("tenant_id", "product_main_id", name="pk_product_margins"),
    )
    op.create_index("ix_product_margins_tenant_id", "product_margins", ["tenant_id"])

    op.create_table(
        "offer_rules",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger", JSONB, nullable=False),
        sa.Column("target", JSONB, nullable=False),
        sa.Column("discount_percent", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_id_created_tenant("offer_rules"),
        _tenant_fk("offer_rules"),
        sa.PrimaryKeyConstraint("id", name="pk_offer_rules"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_offer_rules_tenant_id"),
    )
    op.create_index("ix_offer_rules_tenant_id", "offer_rules", ["tenant_id"])

    op.create_table(
        "recommendations",
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("product_main_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("for_product", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.UUID(), nullable=True),
        sa.Column("price", sa.Numeric(12, 2), nullable=True),
        sa.Column("discount_percent", sa.Integer(), nullable=False),
        sa.Column("margin_tier", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        *_id_created_tenant("recommendations"),
        _tenant_fk("recommendations"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_recommendations_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_recommendations_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["offer_rules.id"],
            name="fk_recommendations_rule_id_offer_rules",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recommendations"),
    )
    op.create_index("ix_recommendations_tenant_id", "recommendations", ["tenant_id"])
    op.create_index("ix_recommendations_conversation_id", "recommendations", ["conversation_id"])
    op.create_index(
        "ix_recommendations_tenant_created", "recommendations", ["tenant_id", "created_at"]
    )

    op.create_table(
        "bought_together",
        sa.Column("product_a", sa.String(length=100), nullable=False),
        sa.Column("product_b", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("bought_together"),
        sa.PrimaryKeyConstraint("product_a", "product_b", "tenant_id", name="pk_bought_together"),
    )
    op.create_index("ix_bought_together_tenant_id", "bought_together", ["tenant_id"])

    op.create_table(
        "payment_links",
        sa.Column("conversation_id", sa.UUID(), nullable=True),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("lead_id", sa.UUID(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.UUID(), nullable=True),
        *_id_created_tenant("payment_links"),
        _tenant_fk("payment_links"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_payment_links_conversation_id_conversations",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_payment_links_customer_id_customers",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_payment_links_lead_id_leads", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["users.id"],
            name="fk_payment_links_approved_by_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_payment_links"),
        sa.UniqueConstraint("reference", name="uq_payment_links_reference"),
    )
    op.create_index("ix_payment_links_tenant_id", "payment_links", ["tenant_id"])
    op.create_index("ix_payment_links_conversation_id", "payment_links", ["conversation_id"])
    op.create_index(
        "ix_payment_links_provider_external", "payment_links", ["provider", "external_id"]
    )

    op.create_table(
        "payment_events",
        sa.Column("link_id", sa.UUID(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("payload", JSONB, nullable=False),
        *_id_created_tenant("payment_events"),
        _tenant_fk("payment_events"),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["payment_links.id"],
            name="fk_payment_events_link_id_payment_links",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_payment_events"),
        sa.UniqueConstraint("provider", "dedupe_key", name="uq_payment_events_provider"),
    )
    op.create_index("ix_payment_events_tenant_id", "payment_events", ["tenant_id"])
    op.create_index("ix_payment_events_link_id", "payment_events", ["link_id"])

    for table in reversed(NEW_TABLES):
        _tenant_wall(table)


def downgrade() -> None:
    for table in NEW_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
        op.drop_table(table)
    for name in ("budget", "timing", "need", "score", "score_reasons", "proposal"):
        op.drop_column("leads", name)
    op.execute("DELETE FROM products_cache WHERE integration_account_id IS NULL")
    op.alter_column("products_cache", "integration_account_id", nullable=False)
