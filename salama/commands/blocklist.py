"""`salama blocklist`: import, update, list and check category blocklists.

The work is done by `rules.blocklist_sources` and `rules.blocklist_index`;
this module only parses arguments, draws a progress bar on a terminal and
prints results.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from rules.blocklist_sources import SourceRegistry
from rules.listformats import DEFAULT_SOURCE, FORMATS
from rules.urlnorm import normalize_url
from salama.commands import add_home_argument
from salama.home import Home

#: How many broken-line messages `import` prints (the count is always given).
SHOWN_ERRORS = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "blocklist",
        help="category blocklists: import, update, list, check",
        description="Manage the category blocklists (UT1/squidGuard folders, hosts files, "
        "domain lists, AdBlock-style lists) compiled into the index the proxy uses.",
    )
    actions = parser.add_subparsers(dest="blocklist_action", metavar="ACTION", required=True)

    imp = actions.add_parser("import", help="add a list from a file, folder or http(s) URL")
    add_home_argument(imp)
    imp.add_argument("location", metavar="PATH|URL", help="list file, UT1 folder or .tar.gz, or http(s) URL")
    imp.add_argument("--category", help="Salama category (sexual, gambling, bypass, allow:NAME...); "
                     "for a UT1 tree: import only the folders mapped to it")
    imp.add_argument("--format", choices=FORMATS, help="list format (default: detected)")
    imp.set_defaults(func=cmd_import)

    upd = actions.add_parser("update", help="re-fetch every subscribed list and swap in the new index")
    add_home_argument(upd)
    upd.set_defaults(func=cmd_update)

    lst = actions.add_parser("list", help="show the lists, their categories, counts and last update")
    add_home_argument(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=cmd_list)

    chk = actions.add_parser("check", help="tell whether the lists block a URL")
    add_home_argument(chk)
    chk.add_argument("url", metavar="URL")
    chk.add_argument("--category", action="append", metavar="C",
                     help="only these categories count (repeatable; default: all but allow-lists)")
    chk.add_argument("--json", action="store_true", help='print {"verdict", "category", "source", "rule"}')
    chk.set_defaults(func=cmd_check)


def registry_for(args: argparse.Namespace) -> SourceRegistry:
    home = Home.resolve(args.home)
    return SourceRegistry(home.lists_dir, home.index_path)


# ---------------------------------------------------------------- handlers


def cmd_import(args: argparse.Namespace) -> int:
    registry = registry_for(args)
    with TerminalProgress() as progress:
        source, report = registry.import_source(args.location, args.category, args.format, progress)
    print(f"Imported '{source.name}' ({source.format}): {report.summary()}")
    for message in report.errors[:SHOWN_ERRORS]:
        print(f"  {message}", file=sys.stderr)
    if report.error_count > SHOWN_ERRORS:
        print(f"  ... and {report.error_count - SHOWN_ERRORS:,} more broken line(s)", file=sys.stderr)
    print(f"Index updated: {registry.index_path}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    registry = registry_for(args)
    if not registry.sources():
        print("No subscribed lists (add one with 'salama blocklist import'); Salama's default lists are built in.")
    with TerminalProgress() as progress:
        results = registry.update(progress)
    for result in results:
        print(f"{result.name}: {result.status}" + (f" ({result.message})" if result.message else ""))
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_list(args: argparse.Namespace) -> int:
    registry = registry_for(args)
    info = registry.open_index().info
    counts = info.get("sources", {})
    rows = [{"name": DEFAULT_SOURCE, "location": "(built in)", "format": "domains", "category": None,
             "counts": counts.get(DEFAULT_SOURCE, {}), "last_update": info.get("built_at"), "last_error": None}]
    for source in registry.sources():
        rows.append({"name": source.name, "location": source.location, "format": source.format,
                     "category": source.category, "counts": counts.get(source.name, source.counts),
                     "last_update": source.last_update, "last_error": source.last_error})
    if args.json:
        print(json.dumps({"index": str(registry.index_path), "built_at": info.get("built_at"), "sources": rows}, indent=2))
        return 0
    for row in rows:
        categories = ", ".join(f"{c} {n:,}" for c, n in sorted(row["counts"].items())) or "no entries"
        print(f"{row['name']}  [{row['format']}]  {categories}")
        print(f"    from {row['location']}; updated {row['last_update'] or 'never'}")
        if row["last_error"]:
            print(f"    last update failed: {row['last_error']}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if not normalize_url(args.url).host:
        raise ValueError(f"not a web address with a host name: {args.url!r}")
    match = registry_for(args).open_index().match(args.url, args.category)
    blocked = match is not None and not match.allow
    verdict = {
        "verdict": "block" if blocked else "allow",
        "category": match.category if match else None,
        "source": match.source if match else None,
        "rule": match.rule if match else None,
    }
    if args.json:
        print(json.dumps(verdict))
    elif match is None:
        print(f"allow: no list covers {args.url}")
    else:
        wrapped = "" if match.target is None else f" ({match.url})"
        print(f"{verdict['verdict']}: {match.category} by list '{match.source}', rule {match.rule}{wrapped}")
    return 0


# ---------------------------------------------------------------- progress


class TerminalProgress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.drawn = False
        self.last = 0.0

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def __call__(self, label: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < self.INTERVAL and done != total):
            return
        self.last, self.drawn = now, True
        amount = _amount(label, done)
        if total:
            filled = int(self.WIDTH * min(done, total) / total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            line = f"{label} [{bar}] {100 * done // total:3d}% {amount} of {_amount(label, total)}"
        else:
            line = f"{label}: {amount}"
        self.stream.write(f"\r\033[K{line}")
        self.stream.flush()


def _amount(label: str, value: int) -> str:
    return f"{value / 2**20:.1f} MB" if label.startswith("downloading") else f"{value:,} entries"
