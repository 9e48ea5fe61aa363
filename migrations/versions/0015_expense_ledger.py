"""the execution ledger (집행 내역) in full: one row per expense entry, cancellations marked on it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:15:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
