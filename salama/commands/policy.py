"""`salama policy allow|deny|check`: quick lists and explained decisions."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from salama.commands import add_home_argument
from salama.home import Home


def register(sub) -> None:
    p = sub.add_parser("policy", help="quick allow/deny lists and explained decisions",
                       description="Change the allow/deny lists, or ask what the policy decides for a device and an address.")
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    for name, what in (("allow", "always allow"), ("deny", "always block")):
        q = psub.add_parser(name, help=f"{what} these domains (and their subdomains)",
                            description=f"{what.capitalize()} DOMAIN and all its subdomains, for everyone or one profile.")
        add_home_argument(q)
        q.add_argument("domains", nargs="+", metavar="DOMAIN")
        q.add_argument("--profile", metavar="P", help="only for this profile")
        q.set_defaults(func=cmd_list, list_name=name)
    q = psub.add_parser("check", help="explain the decision for a client and an address",
                        description="Print the verdict and the chain of reasons for a request from CLIENT to URL.")
    add_home_argument(q)
    q.add_argument("--client", required=True, metavar="IP", help="the device's IP address")
    q.add_argument("--user", metavar="NAME", help="the proxy login, if the device uses one")
    q.add_argument("--url", required=True)
    q.add_argument("--at", metavar="ISO-TIME",
                   help="decide as if at this time, e.g. 2026-11-23T22:30 (default: now); "
                        "without an offset it is read in the policy's time zone")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_check)


def cmd_list(args) -> int:
    from rules.policy_edit import add_domains
    from storage.database import open_engine
    from storage.policy_versions import PolicyVersions

    home = Home.resolve(args.home)
    home.ensure()
    recorder = PolicyVersions(open_engine(home.database_url)).recorder("cli")
    add_domains(home.policy_path, args.list_name, args.domains, args.profile, on_saved=recorder)
    where = f"profile '{args.profile}'" if args.profile else "everyone"
    print(f"{args.list_name}: {', '.join(args.domains)} ({where}); the running proxy applies it within seconds")
    return 0


def parse_time(text: str | None) -> datetime | None:
    """An --at value; a naive result is read in the policy's time zone by decide_request."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--at '{text}' is not an ISO time such as 2026-11-23T22:30") from None


def _parents_answers(home: Home, policy, client: str, user: str | None, at: datetime):
    """The approvals, pause and holiday switch the proxy would apply, from the shared database."""
    from storage.access import AccessStore
    from storage.database import open_engine

    if not home.database_path.exists() and home.database_url.startswith("sqlite"):
        return [], None, False
    access = AccessStore(open_engine(home.database_url))
    profile, _ = policy.profile_for(client, user)
    paused_until, holiday = AccessStore.switches(access.controls(), profile.name)
    return access.approvals(at), paused_until, holiday


def cmd_check(args) -> int:
    from rules.blocklist_index import BlocklistIndex
    from rules.decision import decide_request
    from rules.policy import load_policy
    from rules.schedule import localize

    home = Home.resolve(args.home)
    at = parse_time(args.at)
    policy = load_policy(home.policy_path)
    moment = localize(at or datetime.now(timezone.utc), policy.timezone)
    index = BlocklistIndex.open(home.index_path)
    approvals, paused_until, holiday = _parents_answers(home, policy, args.client, args.user, moment)
    verdict = decide_request(policy, index, args.url, args.client, args.user, at=moment,
                             approvals=approvals, paused_until=paused_until, holiday=holiday)
    when = moment.isoformat(timespec="minutes")
    if args.json:
        print(json.dumps({"url": args.url, "client": args.client, "at": when, **verdict.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(f"{verdict.action.upper()}  {args.url}  (client {args.client}, profile {verdict.profile}, at {when} {policy.timezone})")
        for r in verdict.reasons:
            print(f"  - {r}")
    return 0

