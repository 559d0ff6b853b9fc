"""Saving a dashboard form into the policy file, and saying which field was wrong.

Every rules-editor form is turned into a `change(data)` on the policy's
YAML mapping and saved with `rules.policy_edit.edit_policy`, which validates
the result with the proxy's own loader and replaces the file atomically
(comments kept).  A refused change raises `PolicyError` whose `key` names
the place ("profiles.child.categories.violence.threshold",
"devices[4].match"); `save_form` maps that key back to the form field that
produced it, so the page can show the message next to that field and keep
what the user typed.  Form fields are therefore named after their policy key,
relative to the form's base ("categories.violence.threshold" under
"profiles.child.").
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from dashboard.access import audit, home, policy_recorder
from rules.policy import Policy, PolicyError, load_policy
from rules.policy_edit import edit_policy

#: The key of a form-level error (no field of the form is at fault).
FORM = ""

_INDEX = re.compile(r"\[\d+\]")


class Untranslated(str):
    """A message from the policy loader, in English: the page marks it lang="en"."""

    untranslated = True


def current_policy() -> Policy:
    return load_policy(home().policy_path)


def bare_message(error: PolicyError) -> str:
    """The message without the file, line and key around it: the page shows it beside the field."""
    text = str(error)
    where = (error.file or "<policy>") + (f":{error.line}" if error.line is not None else "")
    text = text.removeprefix(f"{where}: ")
    return text.removesuffix(f" (at '{error.key}')") if error.key else text


def field_for(key: str | None, base: str, fields: Iterable[str]) -> str:
    """The form field a policy key belongs to: the longest field name that starts it, else FORM."""
    if not key:
        return FORM
    relative = _INDEX.sub("", key).removeprefix(base)
    matching = [f for f in fields if relative == f or relative.startswith(f + ".")]
    return max(matching, key=len, default=FORM)


def save_form(change: Callable[[dict], None], fields: Iterable[str], *, base: str = "",
              action: str, detail: str) -> dict[str, str]:
    """Apply and save `change`; audit it.  Returns {} or {field: message} when refused."""
    try:
        edit_policy(home().policy_path, change, on_saved=policy_recorder())
    except PolicyError as error:
        return {field_for(error.key, base, fields): Untranslated(bare_message(error))}
    audit(action, detail)
    return {}


def refuse(message: str, key: str) -> PolicyError:
    """A PolicyError for a form value the dashboard checks itself, named by its policy key."""
    return PolicyError(message, key=key)


def profile_node(data: dict, name: str) -> dict:
    """The YAML mapping of profile `name`, or a PolicyError naming the field `profile`."""
    profiles = data.get("profiles") or {}
    if name not in profiles:
        raise refuse(f"unknown profile '{name}'; defined: {', '.join(profiles) or 'none'}", "profile")
    if profiles[name] is None:
        profiles[name] = {}
    return profiles[name]


def domain_lines(text: str) -> list[str]:
    """Domains typed one per line (spaces and commas also separate them), lower case, without duplicates."""
    seen: list[str] = []
    for word in re.split(r"[\s,]+", text or ""):
        word = word.strip().lower().rstrip(".")
        if word and word not in seen:
            seen.append(word)
    return seen
