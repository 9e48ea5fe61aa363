"""the program officer's evidence on a flagged follow-up year: a note and documents pinned by their
SHA-256 (api/services/outcome_checks.py, store/followup_evidence.py)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "followup_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brn", _text(10), nullable=False),
        sa.Column("program_id", _text(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("note", _text(500), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("attached_by", _text(200), nullable=False),
        sa.Column("attached_by_name", _text(200), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", _text(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followup_evidence_program", "followup_evidence", ["program_id", "brn", "year"])


def downgrade() -> None:
    op.drop_table("followup_evidence")
