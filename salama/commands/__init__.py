"""Command groups of the `salama` CLI, one module each (see `salama.cli`).

Each module exposes `register(subparsers)`; handlers take the parsed
arguments and return an exit status.
"""

from __future__ import annotations

import argparse


def add_home_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="Salama home directory (default: $SALAMA_HOME, then ~/.local/share/salama)",
    )
