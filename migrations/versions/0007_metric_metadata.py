"""metric metadata per target, and the agent's rule definitions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('metric_metadata',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('metric', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('help', sa.Text(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['scrape_targets.id'], name=op.f('fk_metric_metadata_target_id_scrape_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_metadata')),
    sa.UniqueConstraint('target_id', 'metric', name=op.f('uq_metric_metadata_target_id_metric'))
    )
    with op.batch_alter_table('rule_status') as batch_op:
        batch_op.add_column(sa.Column('definition', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('rule_status') as batch_op:
        batch_op.drop_column('definition')
    op.drop_table('metric_metadata')
