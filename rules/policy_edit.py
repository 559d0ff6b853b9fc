"""Changing the policy file safely: comments kept, validated, written atomically.

Every edit (CLI quick lists, the dashboard later) goes through `edit_policy`:
the change is applied to a round-trip copy of the YAML, the result is
validated with the same loader the proxy uses, and only a valid policy
replaces the file (temp file + rename, so the proxy never reads half a file).
An optional `on_saved(text)` callback then receives the saved text: the
dashboard passes one that records it as a new version in the shared
database, which proxy workers on other machines follow (docs/scaling.md).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ruamel.yaml import YAML

from rules.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, parse_policy


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    return y


OnSaved = Callable[[str], None]


def edit_policy(path: Path, change: Callable[[dict], None], on_saved: OnSaved | None = None) -> Policy:
    """Apply `change` to the YAML mapping at `path`, validate, write, tell `on_saved`; return the new policy."""
    if not path.exists():
        shutil.copyfile(DEFAULT_POLICY_PATH, path)
    y = _yaml()
    data = y.load(path.read_text(encoding="utf-8")) or {}
    change(data)
    buf = io.StringIO()
    y.dump(data, buf)
    text = buf.getvalue()
    policy = parse_policy(text, str(path))  # raises PolicyError: the file is left untouched
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".policy-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    if on_saved:
        on_saved(text)
    return policy


def add_domains(
    path: Path, list_name: str, domains: list[str], profile: str | None = None, on_saved: OnSaved | None = None
) -> Policy:
    """Add domains to the global (or a profile's) allow/deny list, removing them from the other list."""
    other = "deny" if list_name == "allow" else "allow"

    def change(data: dict) -> None:
        target = data
        if profile:
            profiles = data.get("profiles") or {}
            if profile not in profiles:
                raise PolicyError(f"unknown profile '{profile}'; defined: {', '.join(profiles) or 'none'}", str(path))
            target = profiles[profile]
        wanted = [d.strip().lower().rstrip(".") for d in domains]
        current = list(target.get(list_name) or [])
        target[list_name] = current + [d for d in wanted if d not in current]
        if target.get(other):
            target[other] = [d for d in target[other] if d not in wanted]

    return edit_policy(path, change, on_saved)
