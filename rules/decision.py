"""The pure decision functions: what to do with a request or a page, and why.

`decide_request()` runs before anything is fetched (schedule, approvals,
lists and the policy); `decide_content()` runs on the model's scores for a
page, a search or an outgoing message.  Both return a `Verdict` carrying the
chain of reasons, so the block page, the dashboard and `salama policy check`
tell the same story.  Nothing here touches the network, mitmproxy or Flask.

Precedence of `decide_request()` (docs/policy.md, "Precedence"):

1. the allow lists (profile, then global): always reachable, even at bedtime;
2. the schedule: a pause, bedtime or closed hours block everything else;
3. a parent's approval for the host: allowed, whatever the lists say
   (and the content filter should not classify it either);
4. lessons: only the lesson list (`lesson_allow`) besides the allow lists;
5. the deny lists, engines the profile blocks, the category blocklists;
6. otherwise allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Mapping

from rules.approvals import Approval, find_approval
from rules.blocklist_index import BlocklistIndex
from rules.categories import ACTION_RANK, MODEL_CATEGORIES
from rules.policy import Device, Policy, Profile
from rules.safesearch import BLOCK, engine_for_host, safe_search_change
from rules.schedule import LESSONS, ScheduleState, localize
from rules.urlnorm import NormalizedURL, normalize_url

#: The category a schedule block reports (the block page names it).
SCHEDULE = "schedule"


@dataclass(frozen=True)
class Verdict:
    action: str  # "allow" | "alert" | "block"
    reasons: tuple[str, ...] = ()
    category: str | None = None
    rule: str | None = None
    source: str | None = None
    profile: str | None = None
    device: str | None = None
    score: float | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    until: datetime | None = None  # a schedule block: when the internet is back

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    def to_dict(self) -> dict:
        return {
            "verdict": self.action,
            "category": self.category,
            "rule": self.rule,
            "source": self.source,
            "profile": self.profile,
            "device": self.device,
            "score": None if self.score is None else round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "until": None if self.until is None else self.until.isoformat(timespec="minutes"),
            "reasons": list(self.reasons),
        }


def _domain_rule(url: NormalizedURL, domains: tuple[str, ...]) -> str | None:
    listed = set(domains)
    for host in url.host_chain():
        if host in listed:
            return host
    return None


def _checked_urls(url: NormalizedURL) -> list[NormalizedURL]:
    """The URL itself and any URL wrapped inside it (translators, caches, redirects)."""
    return [url, *url.embedded_urls()]


def who(policy: Policy, client_ip: str | None, user: str | None) -> tuple[Profile, Device | None, str]:
    """The profile for a client, its device entry and how it was chosen (other matching entries too)."""
    matching = policy.devices_matching(client_ip, user)
    if not matching:
        profile = policy.profiles[policy.default_profile]
        return profile, None, f"unknown device {client_ip or '?'}: default profile '{profile.name}'"
    device, others = matching[0], matching[1:]
    profile = policy.profiles[device.profile]
    why = f"device '{device.name}' ({device.match}) uses profile '{profile.name}'"
    if others:
        also = ", ".join(f"'{d.name}' ({d.match}, profile '{d.profile}')" for d in others)
        why += f"; also matches {also}, overridden (a login first, then the most specific prefix, then the first listed)"
    return profile, device, why


def decide_request(
    policy: Policy,
    index: BlocklistIndex,
    url: str | NormalizedURL,
    client_ip: str | None = None,
    user: str | None = None,
    *,
    at: datetime | None = None,
    approvals: Iterable[Approval] = (),
    paused_until: datetime | None = None,
    holiday: bool = False,
) -> Verdict:
    """Decide on a request from its URL alone, before any upstream connection.

    `at` is the moment to decide for (default: now; a naive time is read in
    the policy's time zone), `approvals` the parents' active or expired
    approvals, `paused_until` the end of a pause, `holiday` the holiday
    switch.  The precedence is in this module's docstring.
    """
    nurl = normalize_url(url) if isinstance(url, str) else url
    profile, device, why = who(policy, client_ip, user)
    moment = localize(at or datetime.now(timezone.utc), policy.timezone)
    state = profile.schedule.state_at(moment, policy.timezone, paused_until=paused_until, holiday=holiday)
    reasons = [why, state.reason]
    base = dict(profile=profile.name, device=device.name if device else client_ip)
    targets = _checked_urls(nurl)
    for target in targets:
        for name, allow in (("profile", profile.allow), ("global", policy.allow)):
            hit = _domain_rule(target, allow)
            if hit:
                reasons.append(f"{target.host} is on the {name} allow list ({hit})")
                return Verdict("allow", tuple(reasons), rule=f"allow:{hit}", source=f"{name} allow list", **base)
    if state.allow_list_only:
        reasons.append(f"only the allow lists are reachable now ({state.status})")
        return _schedule_block(state, reasons, base)
    targets, approval = _without_approved(targets, approvals, base["device"], profile.name, moment)
    if approval is not None:
        reasons.append(approval.describe())
        if not targets:
            return Verdict("allow", tuple(reasons), rule=f"approval:{approval.domain}", source="parent approval", **base)
    if state.status == LESSONS:
        outside = [t for t in targets if not _domain_rule(t, profile.schedule.lesson_allow)]
        if outside:
            reasons.append(f"{outside[0].host} is not on the lesson list")
            return _schedule_block(state, reasons, base)
        reasons.append(f"{targets[0].host} is on the lesson list")
    return _decide_by_lists(policy, index, profile, nurl, targets, reasons, base)


def _schedule_block(state: ScheduleState, reasons: list[str], base: dict) -> Verdict:
    return Verdict("block", tuple(reasons), category=SCHEDULE, rule=f"schedule:{state.status}", source="schedule", until=state.until, **base)


def _without_approved(
    targets: list[NormalizedURL], approvals: Iterable[Approval], device: str | None, profile: str, at: datetime
) -> tuple[list[NormalizedURL], Approval | None]:
    """The targets no approval covers, and the first approval that covered one.

    An approval covers the host it names: a translator or cache that is
    approved still has the address it wraps checked.
    """
    approvals = tuple(approvals)
    remaining, first = [], None
    for target in targets:
        approval = find_approval(approvals, target.host, device=device, profile=profile, at=at)
        if approval is None:
            remaining.append(target)
        elif first is None:
            first = approval
    return remaining, first


def _decide_by_lists(
    policy: Policy,
    index: BlocklistIndex,
    profile: Profile,
    nurl: NormalizedURL,
    targets: list[NormalizedURL],
    reasons: list[str],
    base: dict,
) -> Verdict:
    """Deny lists, engines the profile blocks, then the category blocklists."""
    for target in targets:
        for name, deny in (("profile", profile.deny), ("global", policy.deny)):
            hit = _domain_rule(target, deny)
            if hit:
                reasons.append(f"{target.host} is on the {name} deny list ({hit})")
                return Verdict("block", tuple(reasons), category="deny", rule=f"deny:{hit}", source=f"{name} deny list", **base)
    for target in targets:
        engine = engine_for_host(target.host)
        if engine and profile.safe_search.get(engine) == BLOCK:
            reasons.append(f"profile '{profile.name}' blocks {engine}: its safe search cannot be forced")
            return Verdict("block", tuple(reasons), category="deny", rule=f"safe_search:{engine}", source="safe search settings", **base)
    watched = profile.categories_with("block", "alert")
    for target in targets:
        match = index.match(target, watched)
        if match is None:
            continue
        if match.allow:
            reasons.append(f"{target.host} is allowed by list '{match.source}' (rule {match.rule})")
            return Verdict("allow", tuple(reasons), rule=match.rule, source=match.source, **base)
        action = profile.rule_for(match.category).action
        wrapped = "" if target is nurl else f" (wrapped inside {nurl.host})"
        reasons.append(
            f"{target.host}{wrapped} is in category '{match.category}' of list '{match.source}' "
            f"(rule {match.rule}); profile '{profile.name}' says {action}"
        )
        return Verdict(action, tuple(reasons), category=match.category, rule=match.rule, source=match.source, **base)
    reasons.append("no list or rule matches the address")
    rewrite = safe_search_change(profile.safe_search, method="GET", host=nurl.host, path=nurl.path, query=nurl.query)
    if rewrite is not None:
        reasons.append(rewrite.reason)
    return Verdict("allow", tuple(reasons), **base)


def decide_content(
    profile: Profile,
    scores: Mapping[str, float],
    model_thresholds: Mapping[str, float],
    what: str = "page",
    device: str | None = None,
) -> Verdict:
    """Apply a profile's actions and thresholds to the model's scores.

    The most severe action wins; among equals, the highest score relative to
    its threshold.  Categories the profile allows are never reported.
    """
    best: tuple[int, float, str, float, float] | None = None
    fired: list[str] = []
    for category in MODEL_CATEGORIES:
        score = float(scores.get(category, 0.0))
        rule = profile.rule_for(category)
        if rule.action == "allow":
            continue
        threshold = rule.threshold if rule.threshold is not None else model_thresholds.get(category, 0.5)
        if score < threshold:
            continue
        origin = "profile" if rule.threshold is not None else "model"
        fired.append(f"{what} scores {score:.2f} for '{category}' (>= {origin} threshold {threshold:.2f}): {rule.action}")
        key = (ACTION_RANK[rule.action], score - threshold, category, score, threshold)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return Verdict("allow", (f"no category reaches its threshold on this {what}",), profile=profile.name, device=device, scores=dict(scores))
    rank, _, category, score, _ = best
    action = next(a for a, r in ACTION_RANK.items() if r == rank)
    return Verdict(
        action,
        tuple(fired),
        category=category,
        rule=f"model:{category}",
        source="model",
        profile=profile.name,
        device=device,
        score=score,
        scores=dict(scores),
    )
