"""The `salama` command line: one parser, one module per command group.

Each module in `salama.commands` exposes `register(subparsers)`, which adds
its sub-parser(s) and sets `func(args) -> int`.  Errors meant for the user
(every engine's error classes derive from ValueError; file problems are
OSError) are printed as one clear line with exit status 2, never a traceback;
set SALAMA_DEBUG=1 to see the traceback anyway.
"""

from __future__ import annotations

import argparse
import os
import sys

from salama import __version__
from salama.commands import blocklist, ca, db, demo, deploy, export, model, policy, proxyusers, service


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salama",
        description="Salama: a parental-control and content-filtering web proxy. "
        "It checks every request against the family's or school's policy, category "
        "blocklists and a multilingual risk model (French, Arabic, Darija, English), "
        "blocks or alerts, and lets parents review alerts in a web dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"salama {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (service, model, blocklist, policy, proxyusers, demo, deploy, ca, db, export):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, OSError) as exc:
        if os.environ.get("SALAMA_DEBUG"):
            raise
        print(f"salama {args.command}: error: {exc}", file=sys.stderr)
        return 2
