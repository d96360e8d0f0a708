"""alert routing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:07:35.973007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_groups',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('route_id', sa.Text(), nullable=False),
    sa.Column('group_key', sa.Text(), nullable=False),
    sa.Column('receiver', sa.String(length=255), nullable=False),
    sa.Column('labels', sa.Text(), nullable=False),
    sa.Column('first_seen_at', sa.Float(), nullable=False),
    sa.Column('next_flush_at', sa.Float(), nullable=True),
    sa.Column('last_flush_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_groups'))
    )
    op.create_table('notification_log',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('receiver', sa.String(length=255), nullable=False),
    sa.Column('integration', sa.String(length=64), nullable=False),
    sa.Column('integration_index', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.Text(), nullable=False),
    sa.Column('firing', sa.Text(), nullable=False),
    sa.Column('resolved', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_log'))
    )
    with op.batch_alter_table('notification_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_log_expires_at'), ['expires_at'], unique=False)

    op.create_table('silences',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('matchers', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.Float(), nullable=False),
    sa.Column('ends_at', sa.Float(), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_silences_ends_at'), ['ends_at'], unique=False)

    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_firing_since', sa.Float(), nullable=True))
        batch_op.alter_column('last_value',
               existing_type=sa.FLOAT(),
               nullable=True)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('integration', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('integration_index', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('group_key', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('claimed_until', sa.Float(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('group_key')
        batch_op.drop_column('integration_index')
        batch_op.drop_column('integration')

    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.alter_column('last_value',
               existing_type=sa.FLOAT(),
               nullable=False)
        batch_op.drop_column('keep_firing_since')

    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_silences_ends_at'))

    op.drop_table('silences')
    with op.batch_alter_table('notification_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_log_expires_at'))

    op.drop_table('notification_log')
    op.drop_table('alert_groups')
