"""``python -m heron`` runs the ``heron`` command."""

from heron.cli import main

main()
