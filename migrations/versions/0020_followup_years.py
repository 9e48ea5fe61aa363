"""the read model of follow-up years (사후관리): one row per company, program and follow-up year as
the FollowUp workflow recorded it, for the program's outcome report

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:25:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "followup_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brn", _text(10), nullable=False),
        sa.Column("company_name", _text(200), nullable=False),
        sa.Column("program_id", _text(64), nullable=False),
        sa.Column("stage", _text(32), nullable=False),
        sa.Column("cohort", _text(16), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brn", "program_id", "year", name="uq_followup_year"),
    )
    op.create_index("ix_followup_year_program", "followup_year", ["program_id", "cohort", "year"])


def downgrade() -> None:
    op.drop_table("followup_year")
