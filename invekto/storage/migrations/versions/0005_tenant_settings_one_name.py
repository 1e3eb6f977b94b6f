"""tenant settings: one name for the suggestion threshold (confidence_threshold → nlu.suggest_below)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SUGGEST_BELOW_SET = "COALESCE(jsonb_typeof(settings #> '{nlu,suggest_below}'), 'null') <> 'null'"
NLU_OBJECT = (
    "CASE WHEN jsonb_typeof(settings -> 'nlu') = 'object' THEN settings -> 'nlu' "
    "ELSE '{}'::jsonb END"
)


def upgrade() -> None:
    # A stored top-level confidence_threshold becomes nlu.suggest_below, unless that is set
    # already (then it wins, as it did when both were read), and is removed in every tenant.
    # The same mapping as TenantSettings' legacy validator (invekto/core/tenant_settings.py).
    op.execute(
        f"""
        UPDATE tenants
        SET settings = (settings - 'confidence_threshold') || CASE
            WHEN {SUGGEST_BELOW_SET}
              OR jsonb_typeof(settings -> 'confidence_threshold') = 'null'
            THEN '{{}}'::jsonb
            ELSE jsonb_build_object(
                'nlu',
                {NLU_OBJECT}
                    || jsonb_build_object('suggest_below', settings -> 'confidence_threshold')
            )
        END
        WHERE jsonb_typeof(settings) = 'object' AND settings ? 'confidence_threshold'
        """
    )


def downgrade() -> None:
    # Nothing to undo: nlu.suggest_below is what every version reads (older code read
    # confidence_threshold only when nlu.suggest_below was missing), so the moved values keep
    # meaning the same after a downgrade.
    pass
