"""Help lines for the supportive page that answers self-harm searches and pages.

The shipped defaults per country live in `rules/helplines.yaml` (France,
Morocco, Mali); a policy picks its country with the top-level `country:` and
may replace that list with its own `helplines:`.  Entries nobody could
confirm from an official source carry `verified: false`, so the page can ask
the adults to check them rather than present a guess as fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ruamel.yaml import YAML

HELPLINES_PATH = Path(__file__).with_name("helplines.yaml")
HELPLINE_KEYS = ("name", "number", "hours", "languages", "url", "verified")


@dataclass(frozen=True)
class Helpline:
    name: str
    number: str  # what to dial; "" for a web-only service
    hours: str = ""
    languages: tuple[str, ...] = ()
    url: str = ""
    verified: bool = True  # False: shown with a "check this number locally" note


class HelplineError(ValueError):
    """A help-line entry that cannot be used; `key` names the field at fault."""

    def __init__(self, message: str, key: str | None = None):
        self.key = key
        super().__init__(message)


def helpline_from(entry: Any) -> Helpline:
    """A `Helpline` from one YAML mapping; raises HelplineError naming the bad field."""
    if not isinstance(entry, Mapping):
        raise HelplineError("expected a mapping with name, number, hours, languages, url")
    for key in entry:
        if key not in HELPLINE_KEYS:
            raise HelplineError(f"unknown key '{key}'; expected one of: {', '.join(HELPLINE_KEYS)}", str(key))
    name, number = entry.get("name"), entry.get("number", "")
    if not isinstance(name, str) or not name.strip():
        raise HelplineError("a help line needs a name", "name")
    if not isinstance(number, (str, int)) or isinstance(number, bool):
        raise HelplineError(f"number must be text such as \"3114\", not '{number}'", "number")
    url = entry.get("url") or ""
    if not str(number).strip() and not url:
        raise HelplineError("a help line needs a number or a url", "number")
    languages = entry.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise HelplineError("languages must be a list of language codes such as [fr, ar]", "languages")
    verified = entry.get("verified", True)
    if not isinstance(verified, bool):
        raise HelplineError("verified must be true or false", "verified")
    return Helpline(name.strip(), str(number).strip(), str(entry.get("hours") or ""), tuple(languages), str(url), verified)


@lru_cache(maxsize=1)
def shipped_helplines() -> dict[str, tuple[Helpline, ...]]:
    """The shipped defaults, by upper-case country code."""
    data = YAML(typ="safe").load(HELPLINES_PATH.read_text(encoding="utf-8")) or {}
    return {str(country).upper(): tuple(helpline_from(e) for e in entries) for country, entries in data.items()}


def helplines_for(country: str | None, overrides: Iterable[Helpline] = ()) -> list[Helpline]:
    """The help lines to show: the policy's own list when it has one, else the shipped ones for `country`."""
    own = list(overrides)
    if own:
        return own
    return list(shipped_helplines().get((country or "").upper(), ()))
