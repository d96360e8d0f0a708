"""The schema, as SQLAlchemy 2 models. Alembic migrations create it; nothing else does.

Samples are not stored one row each: a scrape writes one ``sample_batches`` row
holding all its samples as arrays (see ``store.samples``), which SQLite and
PostgreSQL both write at hundreds of thousands of samples a second.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants 64 bits.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LabelPair(Base):
    """One distinct label ``name="value"``, stored once however many series carry it.

    Series refer to pairs by id, and postings are keyed by pair id, so label
    text is written once instead of once per series (Prometheus's symbol table
    does the same in its index). Pairs are never deleted, so an id, once
    committed, means the same pair for ever and every process may cache it.
    """

    __tablename__ = "label_pairs"
    __table_args__ = (UniqueConstraint("name", "value"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)


class Series(Base):
    """One time series: its label pair ids, found by fingerprint or through postings."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    fingerprint: Mapped[int] = mapped_column(BigInteger, unique=True)
    pairs: Mapped[bytes] = mapped_column(LargeBinary)
    """The ``label_pairs`` ids of its labels, in label-name order (``store.idcodec``)."""


class PostingsBlock(Base):
    """Postings: series ids carrying one label pair, as a packed block of ids.

    A transaction that creates series adds one block per pair it touched;
    compaction merges a pair's blocks into one. A block costs about one byte
    per series (deltas between sorted ids), where a row per (pair, series)
    cost tens of bytes and most of the index's size.
    """

    __tablename__ = "postings"
    __table_args__ = {"sqlite_with_rowid": False}

    pair_id: Mapped[int] = mapped_column(
        Id, ForeignKey("label_pairs.id", ondelete="CASCADE"), primary_key=True
    )
    first_series_id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    """The block's smallest id: each series is in one block per pair, so this is unique."""
    series_ids: Mapped[bytes] = mapped_column(LargeBinary)


class SampleBatch(Base):
    """Samples written together (one scrape), as parallel arrays of series, time, value.

    This is the head: recent data, written fast and read by every process at
    once. Compaction turns old batches into per-series ``chunks``.
    """

    __tablename__ = "sample_batches"
    __table_args__ = (Index(None, "max_time"), Index(None, "stream", "max_time"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    min_time: Mapped[int] = mapped_column(BigInteger, index=True)
    max_time: Mapped[int] = mapped_column(BigInteger)
    sample_count: Mapped[int] = mapped_column(Integer)
    series_ids: Mapped[bytes] = mapped_column(LargeBinary)
    timestamps: Mapped[bytes] = mapped_column(LargeBinary)
    sample_values: Mapped[bytes] = mapped_column(LargeBinary)
    stream: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Which writer wrote it: a scrape target's batches share one stream (see
    ``store.writer.stream_key``), so compaction can cut ~120-sample chunks from
    ~120 of them at once. NULL for rules, checks and imports."""


class Chunk(Base):
    """A series' samples over a time range, compressed by ``store.chunks``.

    Level 0 chunks come straight from the head; compaction merges a series'
    consecutive level 0 chunks into level 1 chunks of about 120 samples.
    """

    __tablename__ = "chunks"
    __table_args__ = (
        Index(None, "series_id", "max_time"),
        Index(None, "max_time"),
        # What merge_chunks looks for: few rows, so a partial index stays tiny.
        Index(
            "ix_chunks_level0_series_id",
            "series_id",
            "max_time",
            sqlite_where=text("level = 0"),
            postgresql_where=text("level = 0"),
        ),
        # The same for merging settled level 1 chunks (``store.compaction.MERGE_LEVELS``).
        Index(
            "ix_chunks_level1_series_id",
            "series_id",
            "max_time",
            sqlite_where=text("level = 1"),
            postgresql_where=text("level = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(Id, ForeignKey("series.id", ondelete="CASCADE"))
    min_time: Mapped[int] = mapped_column(BigInteger)
    max_time: Mapped[int] = mapped_column(BigInteger)
    sample_count: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ScrapeTarget(Base):
    """The last known state of a scrape target, for /api/v1/targets and the console."""

    __tablename__ = "scrape_targets"
    __table_args__ = (UniqueConstraint("job", "url"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text)
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_scrape: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    samples_scraped: Mapped[int] = mapped_column(Integer, default=0)
    scrape_interval_seconds: Mapped[float] = mapped_column(Float)
    scrape_timeout_seconds: Mapped[float] = mapped_column(Float)


class HealthCheck(Base):
    """A configured health check and its current state."""

    __tablename__ = "health_checks"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_check: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_successes: Mapped[int] = mapped_column(Integer, default=0)


class HealthCheckEvent(Base):
    """A change of a check's status, with the error that caused it."""

    __tablename__ = "health_check_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    check_name: Mapped[str] = mapped_column(
        String(255), ForeignKey("health_checks.name", ondelete="CASCADE"), index=True
    )
    at: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")


class AlertState(Base):
    """One alert instance (a rule and a label set) and where it is in its life."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("rule_key", "fingerprint"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    rule_key: Mapped[str] = mapped_column(String(512))
    fingerprint: Mapped[int] = mapped_column(BigInteger)
    labels: Mapped[str] = mapped_column(Text)
    annotations: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    active_at: Mapped[float] = mapped_column(Float)
    fired_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolved_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    """None for NaN, which SQLite cannot store."""
    last_sent_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    """When the alert last went out in a notification (for display; the log decides)."""
    keep_firing_since: Mapped[float | None] = mapped_column(Float, nullable=True)


class Notification(Base):
    """The outbox: a webhook to deliver, kept until delivered or dead-lettered."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    receiver: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    next_attempt_at: Mapped[float] = mapped_column(Float)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    integration: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The notifier type (``webhook``) and its index among the receiver's configs of it."""
    integration_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    group_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    claimed_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    """While ``sending``: when the worker's claim lapses and the row is due again."""


class NotificationAttempt(Base):
    """Every delivery attempt, successful or not: the notification log."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(
        Id, ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[float] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str] = mapped_column(Text, default="")


class Silence(Base):
    """Mutes notifications for matching alerts between ``starts_at`` and ``ends_at``."""

    __tablename__ = "silences"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """A UUID, as Alertmanager's silence IDs."""
    matchers: Mapped[str] = mapped_column(Text)
    """JSON list of {name, value, isRegex, isEqual}, Alertmanager's API form."""
    starts_at: Mapped[float] = mapped_column(Float)
    ends_at: Mapped[float] = mapped_column(Float, index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[float] = mapped_column(Float)


class NotificationLogEntry(Base):
    """What one integration of a receiver was last told about one alert group.

    Alertmanager's notification log: the dispatcher compares a group's firing
    and resolved alerts with the last entry to decide whether to notify again.
    """

    __tablename__ = "notification_log"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of receiver, integration, index and group key (the key can be long)."""
    receiver: Mapped[str] = mapped_column(String(255))
    integration: Mapped[str] = mapped_column(String(64))
    integration_index: Mapped[int] = mapped_column(Integer)
    group_key: Mapped[str] = mapped_column(Text)
    firing: Mapped[str] = mapped_column(Text)
    """JSON list of the Alertmanager fingerprints notified as firing."""
    resolved: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class AlertGroup(Base):
    """An aggregation group (route and group labels) and when it flushes next.

    Stored so that a restarted dispatcher neither waits group_wait again nor
    flushes early; a group with no flush scheduled is empty.
    """

    __tablename__ = "alert_groups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of route ID and group key."""
    route_id: Mapped[str] = mapped_column(Text)
    group_key: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str] = mapped_column(String(255))
    labels: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[float] = mapped_column(Float)
    next_flush_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_flush_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class RuleStatus(Base):
    """How rule evaluation and configuration reloads went, for the console (another process).

    ``kind`` says what a row describes: ``group`` and ``rule`` rows (health,
    last error, evaluation time) are written after each group evaluation;
    the ``reload`` row is the agent's last configuration reload and the
    ``reload_request`` row the console's ``POST /-/reload``, picked up by the
    agent. Keys are the rule groups' and rules' keys ("" where not applicable).
    """

    __tablename__ = "rule_status"
    __table_args__ = (UniqueConstraint("kind", "group_key", "rule_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(512))
    rule_key: Mapped[str] = mapped_column(String(512))
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    last_error: Mapped[str] = mapped_column(Text, default="")
    evaluation_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    last_evaluation: Mapped[float | None] = mapped_column(Float, nullable=True)
    definition: Mapped[str] = mapped_column(Text, default="", server_default="")
    """On ``definition`` rows: the group as the agent loaded it, JSON (see
    ``alerts.rule_definitions``), so the console shows the agent's rules."""


class TargetMetadata(Base):
    """What a target's ``# TYPE``, ``# HELP`` and ``# UNIT`` lines say about a metric family.

    Written only when it changes (``collectors.metadata_changes``), and gone
    with its target (the foreign key cascades when ``sync_targets`` drops it).
    """

    __tablename__ = "metric_metadata"
    __table_args__ = (UniqueConstraint("target_id", "metric"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(Id, ForeignKey("scrape_targets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(Text)
    """Text, not String(255): a long family name must not fail the scrape's write."""
    type: Mapped[str] = mapped_column(String(32))
    help: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)


class User(Base):
    """A console account: a name, a role, a password hash, and a session generation.

    ``session_generation`` is written into every session cookie; bumping it
    ("log out everywhere") invalidates every session the user has.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)


class ApiToken(Base):
    """A bearer token for the API: only its SHA-256 is kept, it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64))
    """Space-separated: ``read``, ``write``, ``push``."""
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class LoginFailure(Base):
    """Failed logins per throttle key (IP and user, or user alone), shared by every worker."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the key, so client-chosen text of any length fits."""
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class AuditEntry(Base):
    """Who changed what: one row per state-changing request or CLI command."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    """Where it came from: the client address, or ``cli``."""


class ConsoleSetting(Base):
    """Values every console process must agree on, such as the session signing key."""

    __tablename__ = "console_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LogLine(Base):
    """One stored log line. Full-text search lives beside it, outside the models.

    SQLite: the FTS5 table ``log_lines_fts`` of message and trace id
    (external content: this table, kept by triggers). PostgreSQL: a generated
    ``search`` tsvector column with a GIN index, and an index on trace_id.
    Migration 0009 creates them; ``store.logs.schema`` tells the model
    comparison to leave them be. ``level`` is an index into
    ``store.logs.record.LEVELS``; ``fields`` a JSON object of text values.
    """

    __tablename__ = "log_lines"
    __table_args__ = (Index(None, "ts", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    service: Mapped[str] = mapped_column(String(255), default="")
    level: Mapped[int] = mapped_column(SmallInteger, default=2)
    trace_id: Mapped[str] = mapped_column(String(128), default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text, default="{}")


class LogSourcePosition(Base):
    """How far a log source has read (file: inode and byte offset; pull: a cursor).

    Written in the transaction that stores the lines read, so a restart
    neither loses nor repeats a line.
    """

    __tablename__ = "log_source_positions"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    inode: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor: Mapped[str] = mapped_column(Text, default="")


class LogCounter(Base):
    """The running value of a log-derived counter, so it stays monotonic across restarts."""

    __tablename__ = "log_counters"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    """The counter's labels, encoded as ``store.series.encode_labels`` does."""
    value: Mapped[float] = mapped_column(Float, default=0.0)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as one (for Core inserts, updates and deletes)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
