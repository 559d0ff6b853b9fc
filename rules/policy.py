"""The policy: load, validate and represent a family's or school's rules.

The policy is YAML (the shipped default is `rules/default_policy.yaml`, the
user's own lives in the Salama home; every key is described in
docs/policy.md).  Loading validates everything and
raises `PolicyError` naming the file, line and key at fault, so that a broken
edit is refused with a message a parent can act on, and the proxy keeps the
last good policy.  YAML anchors and aliases are refused outright: a policy
never needs them and they are how "billion laughs" files blow up memory.
"""

from __future__ import annotations

import ipaddress
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent

from rules.categories import ACTIONS, ALL_CATEGORIES
from rules.helplines import Helpline, HelplineError, helpline_from, helplines_for, shipped_helplines
from rules.presets import PRESETS
from rules.safesearch import ALL_OFF, FORCED, PRESET_SAFE_SEARCH, parse_mode
from rules.schedule import HOLIDAY, Schedule, ScheduleError, Week, build_week, parse_days, parse_window
from rules.urlnorm import domain_chain

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")
MAX_POLICY_BYTES = 1_000_000
# Days each kind of recorded event is kept (the `retention` key); absent kinds keep the default.
RETENTION_KINDS = ("request", "page", "search", "outgoing")
DEFAULT_RETENTION_DAYS = 365
MAX_RETENTION_DAYS = 3650


class PolicyError(ValueError):
    """A policy that cannot be used; the message names file, line and key."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, key: str | None = None):
        self.file, self.line, self.key = file, line, key
        where = file or "<policy>"
        if line is not None:
            where += f":{line}"
        at = f" (at '{key}')" if key else ""
        super().__init__(f"{where}: {message}{at}")


@dataclass(frozen=True)
class CategoryRule:
    action: str
    threshold: float | None = None  # None: the model's tuned threshold


@dataclass(frozen=True)
class Profile:
    name: str
    preset: str
    categories: dict[str, CategoryRule]
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    safe_search: Mapping[str, str] = field(default_factory=dict)  # engine → mode; absent: off

    def rule_for(self, category: str) -> CategoryRule:
        return self.categories.get(category, CategoryRule("allow"))

    def categories_with(self, *actions: str) -> frozenset[str]:
        return frozenset(c for c, r in self.categories.items() if r.action in actions)


@dataclass(frozen=True)
class Device:
    name: str
    match: str  # an IP, a CIDR, or "user:NAME"
    profile: str

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        if self.match.startswith("user:"):
            return None
        return ipaddress.ip_network(self.match, strict=False)


@dataclass(frozen=True)
class ContentLimits:
    max_body_kib: int = 3072
    max_text_chars: int = 60000


@dataclass(frozen=True)
class Policy:
    timezone: str
    default_profile: str
    profiles: dict[str, Profile]
    devices: tuple[Device, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    content: ContentLimits = field(default_factory=ContentLimits)
    country: str | None = None  # ISO 3166 alpha-2, for the help lines
    helplines: tuple[Helpline, ...] = ()  # the policy's own list, else the shipped one for `country`
    no_intercept: tuple[str, ...] = ()  # domains passed through without TLS interception
    retention: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(RETENTION_KINDS, DEFAULT_RETENTION_DAYS))
    source: str = "<policy>"

    def devices_matching(self, client_ip: str | None, user: str | None = None) -> tuple[Device, ...]:
        """Every device entry that matches a client, in precedence order: the
        proxy login first, then IP/CIDR entries from the most specific
        (longest prefix) down; on a tie, the first listed."""
        by_login = tuple(d for d in self.devices if user and d.match == f"user:{user}")
        try:
            ip = ipaddress.ip_address((client_ip or "").split("%")[0])
        except ValueError:
            return by_login
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        by_address = [d for d in self.devices if d.network is not None and ip.version == d.network.version and ip in d.network]
        by_address.sort(key=lambda d: -d.network.prefixlen)  # stable: listed order breaks ties
        return by_login + tuple(by_address)

    def device_for(self, client_ip: str | None, user: str | None = None) -> Device | None:
        """The device entry for a client (see `devices_matching` for the precedence)."""
        matching = self.devices_matching(client_ip, user)
        return matching[0] if matching else None

    def intercepts(self, host: str) -> bool:
        """False for hosts on the no-intercept list (and their subdomains): pass TLS through untouched."""
        listed = set(self.no_intercept)
        return not any(h in listed for h in domain_chain(host.lower().rstrip(".")))

    def profile_for(self, client_ip: str | None, user: str | None = None) -> tuple[Profile, Device | None]:
        device = self.device_for(client_ip, user)
        name = device.profile if device else self.default_profile
        return self.profiles[name], device


# --- loading -----------------------------------------------------------------

_TOP_KEYS = {
    "version", "timezone", "default_profile", "allow", "deny", "profiles", "devices", "content",
    "country", "helplines", "no_intercept", "retention",
}
_PROFILE_KEYS = {"preset", "categories", "allow", "deny", "schedule", "safe_search"}
_SCHEDULE_KEYS = {"hours", "bedtime", "lessons", "lesson_allow"}
_CATEGORY_KEYS = {"action", "threshold"}
_DEVICE_KEYS = {"name", "match", "profile"}
_CONTENT_KEYS = {"max_body_kib", "max_text_chars"}


class _Checker:
    """Walks the parsed YAML and raises PolicyError with the right line."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, message: str, node: Any = None, key: Any = None, path: str = "") -> None:
        raise PolicyError(message, self.file, _line_of(node, key), path or None)

    def mapping(self, node: Any, path: str, allowed: set[str], parent: Any = None, key: Any = None) -> dict:
        if node is None:
            return {}
        if not isinstance(node, dict):
            self.fail("expected a mapping (key: value lines)", parent, key, path)
        for k in node:
            if not isinstance(k, str) or k not in allowed:
                self.fail(f"unknown key '{k}'; expected one of: {', '.join(sorted(allowed))}", node, k, _join(path, k))
        return node

    def domain_list(self, node: Any, path: str, parent: Any, key: Any) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            self.fail("expected a list of domains", parent, key, path)
        out = []
        for i, item in enumerate(node):
            if not isinstance(item, str) or not _looks_like_domain(item):
                raise PolicyError(f"'{item}' is not a domain name", self.file, _item_line(node, i), f"{path}[{i}]")
            out.append(item.strip().lower().rstrip("."))
        return tuple(out)

    def category_rule(self, node: Any, path: str, parent: Any, key: Any) -> CategoryRule:
        if isinstance(node, str):  # shorthand: "sexual: block"
            node = {"action": node}
        m = self.mapping(node, path, _CATEGORY_KEYS, parent, key)
        action = m.get("action", "block")
        if action not in ACTIONS:
            self.fail(f"action must be one of {', '.join(ACTIONS)}, not '{action}'", m, "action", _join(path, "action"))
        threshold = m.get("threshold")
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
                self.fail(f"threshold must be a number between 0 and 1, not '{threshold}'", m, "threshold", _join(path, "threshold"))
            threshold = float(threshold)
        return CategoryRule(action, threshold)

    def profile(self, name: str, node: Any, parent: Any) -> Profile:
        path = f"profiles.{name}"
        m = self.mapping(node, path, _PROFILE_KEYS, parent, name)
        preset = m.get("preset", "child")
        if preset not in PRESETS:
            self.fail(f"unknown preset '{preset}'; expected one of: {', '.join(PRESETS)}", m, "preset", _join(path, "preset"))
        cats = {c: CategoryRule(a) for c, a in PRESETS[preset].items()}
        overrides = m.get("categories") or {}
        if not isinstance(overrides, dict):
            self.fail("expected a mapping of category: action", m, "categories", _join(path, "categories"))
        for cat, rule in overrides.items():
            if cat not in ALL_CATEGORIES:
                self.fail(f"unknown category '{cat}'; expected one of: {', '.join(ALL_CATEGORIES)}", overrides, cat, f"{path}.categories.{cat}")
            cats[cat] = self.category_rule(rule, f"{path}.categories.{cat}", overrides, cat)
        return Profile(
            name=name,
            preset=preset,
            categories=cats,
            allow=self.domain_list(m.get("allow"), _join(path, "allow"), m, "allow"),
            deny=self.domain_list(m.get("deny"), _join(path, "deny"), m, "deny"),
            schedule=self.schedule(m.get("schedule"), _join(path, "schedule"), m),
            safe_search=self.safe_search(m.get("safe_search"), _join(path, "safe_search"), m, preset),
        )

    def schedule(self, node: Any, path: str, parent: Any) -> Schedule:
        m = self.mapping(node, path, _SCHEDULE_KEYS, parent, "schedule")
        return Schedule(
            hours=self.week(m.get("hours"), _join(path, "hours"), m, "hours"),
            bedtime=self.week(m.get("bedtime"), _join(path, "bedtime"), m, "bedtime"),
            lessons=self.week(m.get("lessons"), _join(path, "lessons"), m, "lessons"),
            lesson_allow=self.domain_list(m.get("lesson_allow"), _join(path, "lesson_allow"), m, "lesson_allow"),
        )

    def week(self, node: Any, path: str, parent: Any, key: str) -> Week:
        """A weekly table: day spec → a window ("22:00-07:00") or a list of windows."""
        if node is None:
            return Week()
        if not isinstance(node, dict):
            self.fail('expected days and times, e.g. "mon-fri: 07:00-21:00"', parent, key, path)
        entries = []
        for spec, value in node.items():
            where = _join(path, spec)
            try:
                days = parse_days(spec)
            except ScheduleError as exc:
                self.fail(str(exc), node, spec, where)
            if HOLIDAY in days and key == "lessons":
                self.fail("lessons never apply on a holiday; remove this entry", node, spec, where)
            entries.append((days, self.windows(value, where, node, spec)))
        return build_week(entries)

    def windows(self, value: Any, path: str, parent: Any, key: Any) -> tuple:
        """One window or a list of them; an empty value (or []) is a day without any window."""
        if isinstance(value, list):
            placed = [(item, _item_line(value, i)) for i, item in enumerate(value)]
        elif isinstance(value, str):
            placed = [(value, _line_of(parent, key))]
        elif value is None:
            placed = []
        else:
            self.fail(f"'{value}' is not a time window; write it like \"22:00-07:00\" (in quotes)", parent, key, path)
        out = []
        for item, line in placed:
            try:
                out.append(parse_window(item))
            except ScheduleError as exc:
                raise PolicyError(str(exc), self.file, line, path) from None
        return tuple(out)

    def safe_search(self, node: Any, path: str, parent: Any, preset: str) -> dict[str, str]:
        """Per-engine modes over the preset's defaults; `on`/`off` alone sets every engine."""
        modes = dict(PRESET_SAFE_SEARCH.get(preset, FORCED))
        if node is None:
            return modes
        if not isinstance(node, dict):
            if node is True or node == "on":
                return dict(FORCED)
            if node is False or node == "off":
                return dict(ALL_OFF)
            self.fail(f"expected on, off or a mapping of engine: mode, not '{node}'", parent, "safe_search", path)
        for engine, value in node.items():
            try:
                modes[engine] = parse_mode(engine, value)
            except ValueError as exc:
                self.fail(str(exc), node, engine, _join(path, engine))
        return modes

    def helplines(self, node: Any, parent: Any) -> tuple[Helpline, ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            self.fail("expected a list of help lines (name, number, hours, languages, url)", parent, "helplines", "helplines")
        out = []
        for i, entry in enumerate(node):
            try:
                out.append(helpline_from(entry))
            except HelplineError as exc:
                line = _line_of(entry, exc.key) if exc.key and isinstance(entry, dict) else _item_line(node, i)
                raise PolicyError(str(exc), self.file, line, _join(f"helplines[{i}]", exc.key) if exc.key else f"helplines[{i}]") from None
        return tuple(out)

    def country(self, top: dict, own_helplines: tuple[Helpline, ...]) -> str | None:
        value = top.get("country")
        if value is None:
            return None
        code = str(value).strip().upper()
        if len(code) != 2 or not code.isalpha():
            self.fail(f"'{value}' is not a two-letter country code such as MA, ML or FR", top, "country", "country")
        if code not in shipped_helplines() and not own_helplines:
            shipped = ", ".join(sorted(shipped_helplines()))
            self.fail(f"no shipped help lines for '{code}' (shipped: {shipped}); add a helplines: list", top, "country", "country")
        return code

    def device(self, i: int, node: Any, parent: Any, profiles: dict) -> Device:
        path = f"devices[{i}]"
        if not isinstance(node, dict):
            raise PolicyError("expected a mapping with name, match and profile", self.file, _item_line(parent, i), path)
        self.mapping(node, path, _DEVICE_KEYS)
        for k in ("match", "profile"):
            if k not in node:
                raise PolicyError(f"missing '{k}'", self.file, _item_line(parent, i), _join(path, k))
        match = str(node["match"]).strip()
        if not match.startswith("user:"):
            try:
                ipaddress.ip_network(match, strict=False)
            except ValueError:
                self.fail(f"'{match}' is not an IP address, a CIDR range or user:NAME", node, "match", _join(path, "match"))
        if node["profile"] not in profiles:
            self.fail(f"unknown profile '{node['profile']}'; defined: {', '.join(profiles)}", node, "profile", _join(path, "profile"))
        return Device(str(node.get("name") or match), match, node["profile"])

    def content(self, node: Any, parent: Any) -> ContentLimits:
        m = self.mapping(node, "content", _CONTENT_KEYS, parent, "content")
        values = {}
        for k in _CONTENT_KEYS:
            if k in m:
                v = m[k]
                if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                    self.fail(f"must be a positive whole number, not '{v}'", m, k, f"content.{k}")
                values[k] = v
        return ContentLimits(**values)


    def retention(self, node: Any, parent: Any) -> dict[str, int]:
        m = self.mapping(node, "retention", set(RETENTION_KINDS), parent, "retention")
        days = dict.fromkeys(RETENTION_KINDS, DEFAULT_RETENTION_DAYS)
        for kind, v in m.items():
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_RETENTION_DAYS:
                self.fail(f"days to keep: a whole number from 1 to {MAX_RETENTION_DAYS}, not '{v}'", m, kind, f"retention.{kind}")
            days[kind] = v
        return days


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _line_of(node: Any, key: Any) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            return lc.key(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        pass
    return lc.line + 1


def _item_line(seq: Any, i: int) -> int | None:
    lc = getattr(seq, "lc", None)
    try:
        return lc.item(i)[0] + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return _line_of(seq, None)


def _looks_like_domain(text: str) -> bool:
    t = text.strip().lower().rstrip(".")
    if not t or len(t) > 253 or " " in t or "/" in t:
        return False
    return all(label and len(label) <= 63 for label in t.split("."))


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate policy text; raise PolicyError naming the place."""
    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        raise PolicyError(f"file is larger than {MAX_POLICY_BYTES} bytes", file)
    yaml = YAML(typ="rt")
    try:
        for event in yaml.parse(text):
            if isinstance(event, AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise PolicyError("YAML anchors and aliases (*name) are not allowed in a policy", file, line)
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyError(f"invalid YAML: {problem}", file, mark.line + 1 if mark else None) from None
    check = _Checker(file)
    if data is None:
        data = {}
    top = check.mapping(data, "", _TOP_KEYS)
    version = top.get("version", 1)
    if version != 1:
        check.fail(f"unsupported policy version '{version}' (this Salama reads version 1)", top, "version", "version")
    tz = str(top.get("timezone", "UTC"))
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        check.fail(f"unknown time zone '{tz}' (use an IANA name such as Africa/Casablanca)", top, "timezone", "timezone")
    raw_profiles = top.get("profiles") or {"child": {"preset": "child"}}
    if not isinstance(raw_profiles, dict):
        check.fail("expected a mapping of profile name: settings", top, "profiles", "profiles")
    profiles = {str(n): check.profile(str(n), p, raw_profiles) for n, p in raw_profiles.items()}
    default = str(top.get("default_profile", next(iter(profiles))))
    if default not in profiles:
        check.fail(f"unknown profile '{default}'; defined: {', '.join(profiles)}", top, "default_profile", "default_profile")
    raw_devices = top.get("devices") or []
    if not isinstance(raw_devices, list):
        check.fail("expected a list of devices", top, "devices", "devices")
    devices = tuple(check.device(i, d, raw_devices, profiles) for i, d in enumerate(raw_devices))
    own_helplines = check.helplines(top.get("helplines"), top)
    country = check.country(top, own_helplines)
    return Policy(
        timezone=tz,
        default_profile=default,
        profiles=profiles,
        devices=devices,
        allow=check.domain_list(top.get("allow"), "allow", top, "allow"),
        deny=check.domain_list(top.get("deny"), "deny", top, "deny"),
        content=check.content(top.get("content"), top),
        country=country,
        helplines=tuple(helplines_for(country, own_helplines)),
        no_intercept=check.domain_list(top.get("no_intercept"), "no_intercept", top, "no_intercept"),
        retention=check.retention(top.get("retention"), top),
        source=file,
    )


def load_policy(path: str | Path | None = None) -> Policy:
    """Load the policy at `path`, or the shipped default when it does not exist."""
    p = Path(path) if path else DEFAULT_POLICY_PATH
    if not p.exists():
        p = DEFAULT_POLICY_PATH
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy: {exc.strerror}", str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"file is not UTF-8 text (byte {exc.start})", str(p)) from None
    return parse_policy(text, str(p))
