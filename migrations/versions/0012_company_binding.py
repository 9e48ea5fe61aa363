"""company binding: which person may act for which company and how it was proven (진위확인 +
본인확인, an invitation, a program officer's approval); every step recorded; officers' requests;
identity checks in progress.

Existing startup users are bound by staff approval, recorded as the system's, when staff, the seed
or the CLI made them (no email link of the portal was ever issued to them). People who signed up
on the portal themselves typed a number nobody checked: they stay unbound and prove it again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:20:00
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
MIGRATION = "system:migration-0012"


def _s(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "company_binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", _s(40), nullable=False),
        sa.Column("brn", _s(10), nullable=False),
        sa.Column("proof", _s(16), nullable=False),
        sa.Column("bound_by", _s(60), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_key_hash", _s(64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", _s(60), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("company_binding", schema=None) as batch_op:
        batch_op.create_index("ix_company_binding_live", ["user_id", "revoked_at"], unique=False)
        batch_op.create_index("ix_company_binding_brn", ["brn", "revoked_at"], unique=False)
    op.create_table(
        "company_binding_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", _s(16), nullable=False),
        sa.Column("brn", _s(10), nullable=False),
        sa.Column("user_id", _s(40), nullable=False),
        sa.Column("actor_id", _s(60), nullable=False),
        sa.Column("proof", _s(16), nullable=False),
        sa.Column("rule", _s(40), nullable=False),
        sa.Column("reason", _s(500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("company_binding_event", schema=None) as batch_op:
        batch_op.create_index("ix_company_binding_event_brn", ["brn", "at"], unique=False)
    op.create_table(
        "company_binding_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", _s(40), nullable=False),
        sa.Column("brn", _s(10), nullable=False),
        sa.Column("company_name", _s(100), nullable=False),
        sa.Column("verified_name", _s(100), nullable=False),
        sa.Column("why", _s(32), nullable=False),
        sa.Column("person_key_hash", _s(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", _s(60), nullable=True),
        sa.Column("decision", _s(16), nullable=True),
        sa.Column("decision_reason", _s(500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("company_binding_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_binding_request_brn"), ["brn"], unique=False)
        batch_op.create_index(batch_op.f("ix_company_binding_request_user_id"), ["user_id"], unique=False)
    op.create_table(
        "company_check",
        sa.Column("state_hash", _s(64), nullable=False),
        sa.Column("user_id", _s(40), nullable=False),
        sa.Column("brn", _s(10), nullable=False),
        sa.Column("company_name", _s(100), nullable=False),
        sa.Column("representative", _s(100), nullable=False),
        sa.Column("opened_on", _s(8), nullable=False),
        sa.Column("nonce", _s(64), nullable=False),
        sa.Column("code_verifier", _s(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    with op.batch_alter_table("company_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_check_user_id"), ["user_id"], unique=False)
    _bind_staff_made_users()


def _bind_staff_made_users() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    from_portal = {row[0] for row in connection.execute(sa.text("SELECT DISTINCT user_id FROM portal_token"))}
    users = connection.execute(sa.text("SELECT id, roles, brn FROM app_user WHERE brn IS NOT NULL")).fetchall()
    for user_id, roles, brn in users:
        held = json.loads(roles) if isinstance(roles, str) else roles
        if "startup" not in held or user_id in from_portal:
            continue
        connection.execute(sa.text("INSERT INTO company_binding (user_id, brn, proof, bound_by, bound_at) "
                                   "VALUES (:u, :b, 'staff_approval', :by, :at)"),
                           {"u": user_id, "b": brn, "by": MIGRATION, "at": now})
        connection.execute(sa.text("INSERT INTO company_binding_event (at, kind, brn, user_id, actor_id, proof, rule,"
                                   " reason) VALUES (:at, 'bound', :b, :u, :by, 'staff_approval', '', :why)"),
                           {"u": user_id, "b": brn, "by": MIGRATION, "at": now,
                            "why": "made by staff before company binding existed (바인딩 도입 전 직원이 만든 사용자)"})


def downgrade() -> None:
    op.drop_table("company_check")
    op.drop_table("company_binding_request")
    op.drop_table("company_binding_event")
    op.drop_table("company_binding")
