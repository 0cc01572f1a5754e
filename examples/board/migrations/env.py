"""Alembic's environment: how a migration reaches the app's database.

Made by ``heron db init``; yours to edit (e.g. ``include_object=`` to leave some tables
out of ``--autogenerate``). ``heron db`` runs Alembic's commands on a connection of the
app's ``Database`` and hands both in through ``context.config.attributes``.
"""

from alembic import context

from heron.sql.migrations import environment

connection, database = environment(context.config)
context.configure(
    connection=connection,
    target_metadata=database.metadata,
    # SQLite can ALTER little: batch mode copies the table into its new shape instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
