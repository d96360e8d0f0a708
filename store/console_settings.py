"""Values every console process must share, created once by whichever process comes first."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from store.db import write_transaction
from store.models import ConsoleSetting, table_of

SETTINGS = table_of(ConsoleSetting)


def shared_value(engine: Engine, key: str, create: Callable[[], str]) -> str:
    """The stored value for ``key``; the first caller stores ``create()``, the rest read it."""
    query = select(SETTINGS.c.value).where(SETTINGS.c.key == key)
    with engine.connect() as connection:
        found = connection.execute(query).scalar_one_or_none()
    if found is not None:
        return str(found)
    try:
        with write_transaction(engine) as connection:
            connection.execute(SETTINGS.insert().values(key=key, value=create()))
    except IntegrityError:
        pass  # another worker stored it first: use theirs
    with engine.connect() as connection:
        return str(connection.execute(query).scalar_one())
