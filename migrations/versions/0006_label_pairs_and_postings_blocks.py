"""label pairs and postings blocks

The series index stored each series' labels as JSON text and one postings
row per (name, value, series): about 390 bytes per series, as much as the
samples of a 4-minute-old series. Now each distinct pair is stored once
(``label_pairs``), a series holds its pair ids packed, and postings are
blocks of packed series ids per pair (``store.idcodec``). Existing data is
converted both ways.

Also a partial index on level 1 chunks, which compaction now merges into
larger level 2 chunks once settled (``store.compaction.MERGE_LEVELS``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:20:00
"""

import json
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 500


def _pack(values: np.ndarray) -> bytes:
    # The format of store.idcodec.pack_ids, repeated so the migration never
    # changes when the application code does.
    largest = int(values.max()) if values.size else 0
    width = next(w for w in (1, 2, 4, 8) if largest < 1 << (8 * w))
    dtype = np.dtype({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[width])
    return bytes((width,)) + values.astype(dtype.newbyteorder("<")).tobytes()


def _unpack(data: bytes) -> np.ndarray:
    width = data[0]
    dtype = np.dtype({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[width])
    return np.frombuffer(data, dtype=dtype.newbyteorder("<"), offset=1).astype(np.int64)


def upgrade() -> None:
    bind = op.get_bind()
    pairs_table = op.create_table(
        'label_pairs',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_label_pairs')),
        sa.UniqueConstraint('name', 'value', name=op.f('uq_label_pairs_name_value')),
    )
    postings = op.create_table(
        'postings',
        sa.Column('pair_id', Id, nullable=False),
        sa.Column('first_series_id', Id, autoincrement=False, nullable=False),
        sa.Column('series_ids', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['pair_id'], ['label_pairs.id'],
            name=op.f('fk_postings_pair_id_label_pairs'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('pair_id', 'first_series_id', name=op.f('pk_postings')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pairs', sa.LargeBinary(), nullable=True))

    series = sa.table(
        'series', sa.column('id', Id), sa.column('labels', sa.Text), sa.column('pairs', sa.LargeBinary)
    )
    rows = bind.execute(sa.select(series.c.id, series.c.labels).order_by(series.c.id)).all()
    decoded = [(series_id, [tuple(p) for p in json.loads(text)]) for series_id, text in rows]
    distinct = sorted({pair for _, labels in decoded for pair in labels})
    for start in range(0, len(distinct), _BATCH):
        bind.execute(
            pairs_table.insert(),
            [{'name': n, 'value': v} for n, v in distinct[start:start + _BATCH]],
        )
    pair_ids = {
        (name, value): pair_id
        for pair_id, name, value in bind.execute(
            sa.select(pairs_table.c.id, pairs_table.c.name, pairs_table.c.value)
        )
    }
    members: dict[int, list[int]] = defaultdict(list)
    updates = []
    for series_id, labels in decoded:
        ids = [pair_ids[pair] for pair in labels]
        for pair_id in ids:
            members[pair_id].append(series_id)
        updates.append({'series_id': series_id, 'packed': _pack(np.array(ids, dtype=np.int64))})
    statement = (
        series.update()
        .where(series.c.id == sa.bindparam('series_id'))
        .values(pairs=sa.bindparam('packed'))
    )
    for start in range(0, len(updates), _BATCH):
        bind.execute(statement, updates[start:start + _BATCH])
    for pair_id, series_ids in members.items():
        ids = np.unique(np.array(series_ids, dtype=np.int64))
        bind.execute(
            postings.insert(),
            {
                'pair_id': pair_id,
                'first_series_id': int(ids[0]),
                'series_ids': _pack(np.diff(ids, prepend=ids[0])),
            },
        )

    op.drop_table('series_labels')
    op.create_index(
        'ix_chunks_level1_series_id',
        'chunks',
        ['series_id', 'max_time'],
        unique=False,
        sqlite_where=sa.text('level = 1'),
        postgresql_where=sa.text('level = 1'),
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.alter_column('pairs', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('labels')
        batch_op.drop_column('metric_name')


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index('ix_chunks_level1_series_id', table_name='chunks')
    op.execute('UPDATE chunks SET level = 1 WHERE level > 1')
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labels', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('metric_name', sa.String(length=255), nullable=True))
    postings_ddl = (
        "CREATE TABLE series_labels ("
        "name VARCHAR(255) NOT NULL, value TEXT NOT NULL, series_id "
        + ("INTEGER" if sqlite else "BIGINT")
        + " NOT NULL, "
        "CONSTRAINT pk_series_labels PRIMARY KEY (name, value, series_id), "
        "CONSTRAINT fk_series_labels_series_id_series FOREIGN KEY(series_id) "
        "REFERENCES series (id) ON DELETE CASCADE)" + (" WITHOUT ROWID" if sqlite else "")
    )
    op.execute(postings_ddl)
    pairs = dict(
        ((pair_id, (name, value)) for pair_id, name, value in bind.execute(
            sa.text("SELECT id, name, value FROM label_pairs")
        ))
    )
    series = sa.table(
        'series', sa.column('id', Id), sa.column('labels', sa.Text),
        sa.column('metric_name', sa.String), sa.column('pairs', sa.LargeBinary),
    )
    postings = sa.table(
        'series_labels', sa.column('name', sa.String), sa.column('value', sa.Text),
        sa.column('series_id', Id),
    )
    for series_id, packed in bind.execute(sa.select(series.c.id, series.c.pairs)).all():
        labels = [pairs[pair_id] for pair_id in _unpack(packed).tolist()]
        bind.execute(
            series.update().where(series.c.id == series_id).values(
                labels=json.dumps(labels, separators=(',', ':')),
                metric_name=dict(labels).get('__name__', ''),
            )
        )
        if labels:
            bind.execute(
                postings.insert(),
                [{'name': n, 'value': v, 'series_id': series_id} for n, v in labels],
            )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.alter_column('labels', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('metric_name', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column('pairs')
    op.drop_table('postings')
    op.drop_table('label_pairs')
