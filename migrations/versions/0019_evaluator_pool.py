"""the evaluator pool (평가위원 풀): members and their pledge (서약서), recusals (회피) and exclusions
(제척) from one startup, and the officer's assignments of evaluators to startups

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:50:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "evaluator_pool_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", _text(64), nullable=False),
        sa.Column("evaluator_id", _text(64), nullable=False),
        sa.Column("invited_by", _text(64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pledge_name", _text(200), nullable=True),
        sa.Column("pledge_language", _text(8), nullable=True),
        sa.Column("pledge_sha256", _text(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "evaluator_id", name="uq_pool_program_evaluator"),
    )
    op.create_index("ix_evaluator_pool_member_program_id", "evaluator_pool_member", ["program_id"])
    op.create_index("ix_evaluator_pool_member_evaluator_id", "evaluator_pool_member", ["evaluator_id"])
    op.create_table(
        "evaluator_withdrawal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", _text(64), nullable=False),
        sa.Column("startup_id", _text(200), nullable=False),
        sa.Column("brn", _text(10), nullable=False),
        sa.Column("evaluator_id", _text(64), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("reason", _text(2000), nullable=False),
        sa.Column("recorded_by", _text(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluator_id", "startup_id", name="uq_withdrawal_evaluator_startup"),
    )
    for column in ("program_id", "startup_id", "evaluator_id"):
        op.create_index(f"ix_evaluator_withdrawal_{column}", "evaluator_withdrawal", [column])
    op.create_table(
        "evaluator_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", _text(64), nullable=False),
        sa.Column("startup_id", _text(200), nullable=False),
        sa.Column("evaluator_id", _text(64), nullable=False),
        sa.Column("assigned_by", _text(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("startup_id", "evaluator_id", name="uq_assignment_startup_evaluator"),
    )
    for column in ("program_id", "startup_id", "evaluator_id"):
        op.create_index(f"ix_evaluator_assignment_{column}", "evaluator_assignment", [column])


def downgrade() -> None:
    op.drop_table("evaluator_assignment")
    op.drop_table("evaluator_withdrawal")
    op.drop_table("evaluator_pool_member")
