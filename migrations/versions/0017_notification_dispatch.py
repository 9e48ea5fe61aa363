"""notification dispatch: an event a lifecycle's projection recorded waits in the outbox until the
worker's dispatcher has delivered it (delivered_at), with its attempts and when it may be tried
next (a lease while one dispatcher works on it, then a back-off after a failure)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification_event", schema=None) as batch_op:
        # Whose people "startup" names: the dispatcher delivers from the row alone.
        batch_op.add_column(sa.Column("brn", sa.String(length=10), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=False, server_default=""))
    # Events recorded before were delivered by their own activity (the lifecycle retried it).
    op.execute("UPDATE notification_event SET delivered_at = recorded_at")
    # The dispatcher reads only the undelivered events, oldest first.
    op.create_index("ix_notification_event_undelivered", "notification_event", ["next_attempt_at", "recorded_at"],
                    postgresql_where=sa.text("delivered_at IS NULL"), sqlite_where=sa.text("delivered_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_notification_event_undelivered", table_name="notification_event")
    with op.batch_alter_table("notification_event", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("brn")
