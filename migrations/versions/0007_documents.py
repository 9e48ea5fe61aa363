"""documents: metadata of stored documents, the download log for auditors, uploads the virus
scanner refused

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:30:00

Chained after 0006 (idempotent requests), which took the number first.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('startup_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('program_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('milestone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('uploader_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('uploader_role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('type_name', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('referenced', sa.Boolean(), nullable=False),
    sa.Column('referenced_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('referenced_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_document_program_id'), 'document', ['program_id'], unique=False)
    op.create_index(op.f('ix_document_referenced'), 'document', ['referenced'], unique=False)
    op.create_index(op.f('ix_document_sha256'), 'document', ['sha256'], unique=False)
    op.create_index('ix_document_startup_uploaded', 'document', ['startup_id', 'uploaded_at'], unique=False)
    op.create_table('document_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('startup_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_document_download_actor_id'), 'document_download', ['actor_id'], unique=False)
    op.create_index(op.f('ix_document_download_at'), 'document_download', ['at'], unique=False)
    op.create_index(op.f('ix_document_download_document_id'), 'document_download', ['document_id'], unique=False)
    op.create_index(op.f('ix_document_download_startup_id'), 'document_download', ['startup_id'], unique=False)
    op.create_table('document_refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('startup_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('finding', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_document_refusal_at'), 'document_refusal', ['at'], unique=False)
    op.create_index(op.f('ix_document_refusal_startup_id'), 'document_refusal', ['startup_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_document_refusal_startup_id'), table_name='document_refusal')
    op.drop_index(op.f('ix_document_refusal_at'), table_name='document_refusal')
    op.drop_table('document_refusal')
    op.drop_index(op.f('ix_document_download_startup_id'), table_name='document_download')
    op.drop_index(op.f('ix_document_download_document_id'), table_name='document_download')
    op.drop_index(op.f('ix_document_download_at'), table_name='document_download')
    op.drop_index(op.f('ix_document_download_actor_id'), table_name='document_download')
    op.drop_table('document_download')
    op.drop_index('ix_document_startup_uploaded', table_name='document')
    op.drop_index(op.f('ix_document_sha256'), table_name='document')
    op.drop_index(op.f('ix_document_referenced'), table_name='document')
    op.drop_index(op.f('ix_document_program_id'), table_name='document')
    op.drop_table('document')
