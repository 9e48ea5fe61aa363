"""startup portal: company accounts, one-use email links (verification, invitations),
application drafts with their receipt numbers, business-status checks waiting on the tax authority

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 04:18:14
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('brn', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('company_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('task_id', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('representative', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('proposal_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('proposal_document_id', sa.String(length=64), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('startup_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'brn', name='uq_application_draft'),
    sa.UniqueConstraint('program_id', 'receipt_no', name='uq_application_receipt')
    )
    with op.batch_alter_table('application_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_draft_brn'), ['brn'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_draft_program_id'), ['program_id'], unique=False)

    op.create_table('business_status_check',
    sa.Column('startup_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('brn', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('program_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_problem', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('told_waiting_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('startup_id')
    )
    op.create_table('company_account',
    sa.Column('brn', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('company_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('representative_user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('brn')
    )
    op.create_table('portal_token',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('portal_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_token_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portal_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_token_user_id'))

    op.drop_table('portal_token')
    op.drop_table('company_account')
    op.drop_table('business_status_check')
    with op.batch_alter_table('application_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_draft_program_id'))
        batch_op.drop_index(batch_op.f('ix_application_draft_brn'))

    op.drop_table('application_draft')
