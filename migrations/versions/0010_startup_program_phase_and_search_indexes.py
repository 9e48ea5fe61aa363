"""startup: an index on (program_id, phase, startup_id) and a narrow one for the name search

The program's dashboard, its report and the list's usual view ("this program's startups in
PoC") all filter on a program and one or a few phases: the first index finds exactly those rows
(counts by phase read the index alone). A search by a part of a company name (or the start of a
registration number) cannot seek any index; the second holds only what the search compares, so
the search reads it instead of every row with its stored state.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 05:30:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("startup", schema=None) as batch_op:
        batch_op.create_index("ix_startup_program_phase", ["program_id", "phase", "startup_id"], unique=False)
        batch_op.create_index("ix_startup_search", ["company_name", "brn", "startup_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("startup", schema=None) as batch_op:
        batch_op.drop_index("ix_startup_search")
        batch_op.drop_index("ix_startup_program_phase")
