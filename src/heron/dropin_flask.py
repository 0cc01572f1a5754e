"""The Flask drop-in switch: importing this module makes ``import flask`` give ``heron.flask``.

Put it first in the program's entry point, before anything imports Flask::

    import heron.dropin_flask  # noqa: F401  (the drop-in switch: keep it first)

    from flask import Flask  # heron.flask.Flask

Every ``flask.<sub>`` module then resolves to ``heron.flask.<sub>``, the same module object
under both names (docs/drop-in.md). The module is also a pytest plugin:
``pytest -p heron.dropin_flask`` (or ``addopts = "-p heron.dropin_flask"``) switches the
drop-in on before pytest imports the plugins it finds through entry points, the
``conftest.py`` files and the test modules. ``HERON_DROP_IN=flask`` in the environment and
``heron run --drop-in flask`` do the same without a line of code.

Importing it raises RuntimeError if the real Flask was imported first: that process would
hold two Flasks, and the code that imported the first keeps it.
"""

from __future__ import annotations

from heron._dropin import switch_on

__all__: list[str] = []

switch_on("flask")
