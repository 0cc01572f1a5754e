"""``python -m flask`` under the drop-in switch (``python -m heron.flask`` without it)."""

from heron.flask.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
