"""logs: lines with full-text search, source positions, log-derived counters

The full-text parts are per backend and outside the models (see
``store.logs.schema``):

- SQLite: ``log_lines_fts``, an FTS5 table of the message and the trace id
  whose content is ``log_lines`` (external content, so they are stored
  once), kept in step by insert and delete triggers. Trace ids are found
  through it: a B-tree index on random trace ids halved the insert rate.
- PostgreSQL: ``log_lines.search``, a stored generated tsvector of the
  message (``simple`` configuration: no stemming, no stop words, like FTS5's
  unicode61 tokenizer), with a GIN index, and a B-tree index on trace_id.

Revision ID: 0009
Revises: 0010
Create Date: 2026-11-22 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'log_lines',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('ts', sa.BigInteger(), nullable=False),
        sa.Column('service', sa.String(length=255), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('trace_id', sa.String(length=128), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_log_lines')),
    )
    op.create_index(op.f('ix_log_lines_ts_id'), 'log_lines', ['ts', 'id'], unique=False)
    op.create_table(
        'log_source_positions',
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('key', sa.String(length=1024), nullable=False),
        sa.Column('inode', sa.BigInteger(), nullable=False),
        sa.Column('offset', sa.BigInteger(), nullable=False),
        sa.Column('cursor', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('source', 'key', name=op.f('pk_log_source_positions')),
    )
    op.create_table(
        'log_counters',
        sa.Column('key', sa.String(length=1024), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_log_counters')),
    )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE log_lines_fts USING fts5("
            "message, trace_id, content='log_lines', content_rowid='id')"
        )
        op.execute(
            "CREATE TRIGGER log_lines_fts_insert AFTER INSERT ON log_lines BEGIN "
            "INSERT INTO log_lines_fts(rowid, message, trace_id) "
            "VALUES (new.id, new.message, new.trace_id); END"
        )
        op.execute(
            "CREATE TRIGGER log_lines_fts_delete AFTER DELETE ON log_lines BEGIN "
            "INSERT INTO log_lines_fts(log_lines_fts, rowid, message, trace_id) "
            "VALUES ('delete', old.id, old.message, old.trace_id); END"
        )
    else:
        op.execute(
            "ALTER TABLE log_lines ADD COLUMN search tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', message)) STORED"
        )
        op.execute("CREATE INDEX ix_log_lines_search ON log_lines USING gin (search)")
        op.execute("CREATE INDEX ix_log_lines_trace_id ON log_lines (trace_id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TRIGGER log_lines_fts_delete")
        op.execute("DROP TRIGGER log_lines_fts_insert")
        op.execute("DROP TABLE log_lines_fts")
    op.drop_table('log_counters')
    op.drop_table('log_source_positions')
    op.drop_index(op.f('ix_log_lines_ts_id'), table_name='log_lines')
    op.drop_table('log_lines')
