"""The `storage:` section of vigil.yml."""

from __future__ import annotations

from pydantic import Field

from store.configfile import ByteSize, ConfigModel, Duration

DEFAULT_DATA_DIR = "var"


class StorageConfig(ConfigModel):
    """Where the store lives and how long it keeps data.

    ``url`` is a SQLAlchemy URL; left out, Vigil uses an embedded SQLite file under
    ``data_dir`` so that a laptop needs no database server.
    """

    url: str | None = None
    data_dir: str = DEFAULT_DATA_DIR
    retention: Duration = Field(default=15 * 86400.0, gt=0)
    retention_size: ByteSize | None = Field(default=None, gt=0)
    """Upper bound on stored sample bytes; the oldest samples go first."""
    busy_timeout: Duration = Field(default=30.0, gt=0)
