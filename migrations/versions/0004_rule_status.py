"""rule status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rule_status',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('group_key', sa.String(length=512), nullable=False),
    sa.Column('rule_key', sa.String(length=512), nullable=False),
    sa.Column('health', sa.String(length=16), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('evaluation_seconds', sa.Float(), nullable=False),
    sa.Column('last_evaluation', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_status')),
    sa.UniqueConstraint('kind', 'group_key', 'rule_key', name=op.f('uq_rule_status_kind_group_key_rule_key'))
    )


def downgrade() -> None:
    op.drop_table('rule_status')
