"""The pure decision functions: what to do with a request or a page, and why.

`decide_request()` runs before anything is fetched (lists and the policy);
`decide_content()` runs on the model's scores for a page, a search or an
outgoing message.  Both return a `Verdict` carrying the chain of reasons, so
the block page, the dashboard and `salama policy check` tell the same story.
Nothing here touches the network, mitmproxy or Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from rules.blocklist_index import BlocklistIndex
from rules.categories import ACTION_RANK, MODEL_CATEGORIES
from rules.policy import Device, Policy, Profile
from rules.urlnorm import NormalizedURL, normalize_url


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
    profile, device = policy.profile_for(client_ip, user)
    if device:
        return profile, device, f"device '{device.name}' ({device.match}) uses profile '{profile.name}'"
    return profile, None, f"unknown device {client_ip or '?'}: default profile '{profile.name}'"


def decide_request(
    policy: Policy,
    index: BlocklistIndex,
    url: str | NormalizedURL,
    client_ip: str | None = None,
    user: str | None = None,
) -> Verdict:
    """Decide on a request from its URL alone, before any upstream connection."""
    nurl = normalize_url(url) if isinstance(url, str) else url
    profile, device, why = who(policy, client_ip, user)
    reasons = [why]
    base = dict(profile=profile.name, device=device.name if device else client_ip)
    targets = _checked_urls(nurl)
    for target in targets:
        for name, allow in (("profile", profile.allow), ("global", policy.allow)):
            hit = _domain_rule(target, allow)
            if hit:
                reasons.append(f"{target.host} is on the {name} allow list ({hit})")
                return Verdict("allow", tuple(reasons), rule=f"allow:{hit}", source=f"{name} allow list", **base)
    for target in targets:
        for name, deny in (("profile", profile.deny), ("global", policy.deny)):
            hit = _domain_rule(target, deny)
            if hit:
                reasons.append(f"{target.host} is on the {name} deny list ({hit})")
                return Verdict("block", tuple(reasons), category="deny", rule=f"deny:{hit}", source=f"{name} deny list", **base)
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
