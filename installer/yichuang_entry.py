"""Entry point of the PyInstaller bundle: the same ``app.cli.main`` the ``yichuang`` console script runs."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
