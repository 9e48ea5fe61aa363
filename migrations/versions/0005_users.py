"""users: the user directory, browser sessions, single sign-on logins, inbox work items; every
API token belongs to a user

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:30:00

Tokens made before this revision keep working: each distinct token name (with its business
registration number, for a startup token) becomes a service account holding the roles of its
tokens, and the tokens are linked to it. Declared conflicts of interest, which were keyed on the
token name, are re-keyed on the new account's id. The audit table is never rewritten: its rows
keep the actor ids they were recorded with.
"""

import secrets
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _s(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", _s(40), nullable=False),
        sa.Column("login_id", _s(100), nullable=False),
        sa.Column("kind", _s(16), nullable=False),
        sa.Column("display_name", _s(100), nullable=False),
        sa.Column("email", _s(254), nullable=True),
        sa.Column("phone", _s(32), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("desks", sa.JSON(), nullable=False),
        sa.Column("brn", _s(10), nullable=True),
        sa.Column("password_hash", _s(200), nullable=True),
        sa.Column("oidc_subject", _s(400), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("login_id"),
        sa.UniqueConstraint("oidc_subject"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_brn"), ["brn"], unique=False)

    op.create_table(
        "oidc_login",
        sa.Column("state_hash", _s(64), nullable=False),
        sa.Column("code_verifier", _s(128), nullable=False),
        sa.Column("nonce", _s(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    op.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("startup_id", _s(100), nullable=False),
        sa.Column("program_id", _s(64), nullable=False),
        sa.Column("brn", _s(10), nullable=False),
        sa.Column("company_name", _s(), nullable=False),
        sa.Column("audience", _s(32), nullable=False),
        sa.Column("kind", _s(40), nullable=False),
        sa.Column("subject", _s(64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sort_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("startup_id", "kind", "subject", name="uq_work_item"),
    )
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.create_index("ix_work_item_brn", ["brn", "sort_at"], unique=False)
        batch_op.create_index("ix_work_item_queue", ["audience", "sort_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_item_startup_id"), ["startup_id"], unique=False)

    op.create_table(
        "web_session",
        sa.Column("id_hash", _s(64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("role", _s(32), nullable=False),
        sa.Column("csrf_token", _s(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "work_item_exclusion",
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", _s(40), nullable=False),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("work_item_id", "user_id"),
    )

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
    _link_existing_tokens()
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("role", existing_type=sa.VARCHAR(), nullable=True)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key("fk_api_token_user", "app_user", ["user_id"], ["id"])


def _link_existing_tokens() -> None:
    """One service account per token name (and business registration number), holding the roles
    of its tokens; the tokens and the conflicts declared under that name move to its id."""
    bind = op.get_bind()
    tokens = sa.table("api_token", sa.column("id"), sa.column("name"), sa.column("role"), sa.column("brn"),
                      sa.column("user_id"))
    users = sa.table("app_user", *(sa.column(c) for c in (
        "id", "login_id", "kind", "display_name", "brn", "active", "created_at")),
        sa.column("roles", sa.JSON), sa.column("desks", sa.JSON))
    conflicts = sa.table("evaluator_conflict", sa.column("evaluator_id"))
    owners: dict[tuple[str, str | None], list[tuple[int, str]]] = defaultdict(list)
    for token_id, name, role, brn in bind.execute(sa.select(tokens.c.id, tokens.c.name, tokens.c.role, tokens.c.brn)):
        owners[(name, brn if role == "startup" else None)].append((token_id, role))
    taken: set[str] = set()
    now = datetime.now(UTC)
    for (name, brn), held in sorted(owners.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        # Login ids are compared in NFC lower case, as the directory stores them.
        base = unicodedata.normalize("NFC", name).strip().lower()[:90]
        login, n = base, 1
        while login in taken:
            n += 1
            login = f"{base}-{n}"
        taken.add(login)
        user_id = "u-" + secrets.token_hex(6)
        roles = sorted({role for _, role in held})
        bind.execute(users.insert().values(
            id=user_id, login_id=login, kind="service", display_name=name[:100], roles=roles, desks=[],
            brn=brn, active=True, created_at=now))
        bind.execute(tokens.update().where(tokens.c.id.in_([token_id for token_id, _ in held]))
                     .values(user_id=user_id))
        if brn is None:
            bind.execute(conflicts.update().where(conflicts.c.evaluator_id == name).values(evaluator_id=user_id))


def downgrade() -> None:
    bind = op.get_bind()
    # Conflicts go back to the token names they were declared under.
    bind.execute(sa.text("UPDATE evaluator_conflict SET evaluator_id = (SELECT login_id FROM app_user "
                         "WHERE app_user.id = evaluator_conflict.evaluator_id) "
                         "WHERE evaluator_id IN (SELECT id FROM app_user)"))
    # The older schema has no token without a fixed role: such tokens end here.
    bind.execute(sa.text("DELETE FROM api_token WHERE role IS NULL"))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_token_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.alter_column("role", existing_type=sa.VARCHAR(), nullable=False)
        batch_op.drop_column("user_id")

    op.drop_table("work_item_exclusion")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))
    op.drop_table("web_session")
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_item_startup_id"))
        batch_op.drop_index("ix_work_item_queue")
        batch_op.drop_index("ix_work_item_brn")
    op.drop_table("work_item")
    op.drop_table("oidc_login")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_brn"))
    op.drop_table("app_user")
