"""audit_event.hash_scheme: which hash each row's chain link was made with

1: SHA-256 over the previous hash and the row (every row written before this revision);
2: HMAC-SHA256 with the audit key, which lives outside the database (store/audit.py). Old rows
keep verifying under their own scheme; a row written after the first keyed one must be keyed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash_scheme", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash_scheme")
