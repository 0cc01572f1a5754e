"""``Model``: the declarative base class for an app's tables, with stable constraint names.

Used by the app's model modules (``class Item(Model): ...``) and, through ``Model.metadata``,
by ``Database`` (``create_all``) and Alembic (``--autogenerate``).
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase

__all__ = ["NAMING_CONVENTION", "Model"]

#: How constraints and indexes are named when a model does not name them. Databases make
#: up names of their own otherwise (``items_pkey``, ``sqlite_autoindex_items_1``…), which
#: differ between SQLite and PostgreSQL and that Alembic cannot guess when a migration must
#: drop or alter the constraint. Give your own ``MetaData`` the same convention:
#: ``MetaData(naming_convention=NAMING_CONVENTION)``.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(AsyncAttrs, DeclarativeBase):
    """Base class of an app's tables (SQLAlchemy 2's ``DeclarativeBase``).

    ``Model.metadata`` uses :data:`NAMING_CONVENTION`, and is what a ``Database`` creates
    and migrates unless it is given another ``MetaData``. ``AsyncAttrs`` adds
    ``await obj.awaitable_attrs.relationship`` for lazy loads under asyncio.

    One ``Model`` serves a whole process: an app with several databases, or tests that
    declare the same table twice, make their own base the SQLAlchemy way::

        class Base(DeclarativeBase):
            metadata = MetaData(naming_convention=NAMING_CONVENTION)
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
