"""Alembic environment: runs on the engine passed by ``ogi.warehouse.db.upgrade`` (no alembic.ini).

Used programmatically only (``ogi warehouse upgrade``); the URL resolution lives in ``db.get_engine``.
"""

from __future__ import annotations

from alembic import context

from ogi.warehouse.db import get_engine
from ogi.warehouse.models import Base

config = context.config
engine = config.attributes.get("engine") or get_engine(config.get_main_option("sqlalchemy.url") or None)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
