"""Alembic environment: run by ``munseo.store.db.migrate`` (with a connection) or the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from munseo.store.models import Base
from munseo.store.search import is_search_table

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate leaves the search index alone: its tables are written by hand, per database."""
    return not (type_ == "table" and is_search_table(name))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
