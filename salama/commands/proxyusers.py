"""`salama proxy-user add|remove|list`: per-child proxy logins.

Devices can be told apart by IP address, or by a login when several children
share a device or addresses change (phones, school labs behind NAT).  Logins
live in an htpasswd file in the home (hashed with passlib, which mitmproxy
uses to check them); once the file exists the proxy asks every client to log
in, and a policy device `match: "user:NAME"` gives that child a profile.
Restart `salama run` after changing the logins.
"""

from __future__ import annotations

import re
import secrets

from salama.commands import add_home_argument
from salama.home import Home

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def register(sub) -> None:
    p = sub.add_parser("proxy-user", help="per-child proxy logins (devices matched as user:NAME)",
                       description="Manage the proxy logins that identify children's devices (policy devices with "
                       "match: \"user:NAME\"). Once one login exists, the proxy requires a login from every client.")
    psub = p.add_subparsers(dest="proxy_user_command", metavar="ACTION", required=True)
    q = psub.add_parser("add", help="add or change a login", description="Add a login, or change its password.")
    add_home_argument(q)
    q.add_argument("name")
    q.add_argument("--password", metavar="PW", help="at least 8 characters; without it one is generated and printed")
    q.set_defaults(func=cmd_add)
    q = psub.add_parser("remove", help="remove a login")
    add_home_argument(q)
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
    q = psub.add_parser("list", help="list the logins")
    add_home_argument(q)
    q.set_defaults(func=cmd_list)


def _file(home: Home, create: bool):
    from passlib.apache import HtpasswdFile

    path = home.proxy_users_path
    if not path.exists() and not create:
        raise ValueError(f"no proxy logins yet ({path}); add one with 'salama proxy-user add NAME'")
    return HtpasswdFile(str(path), new=not path.exists(), default_scheme="sha256_crypt")


def cmd_add(args) -> int:
    if not _NAME.match(args.name):
        raise ValueError(f"'{args.name}': a login is 1-64 letters, digits or . _ -")
    if args.password is not None and len(args.password) < 8:
        raise ValueError("the password needs at least 8 characters")
    home = Home.resolve(args.home).ensure()
    users = _file(home, create=True)
    password = args.password or secrets.token_urlsafe(9)
    users.set_password(args.name, password)
    users.save()
    home.proxy_users_path.chmod(0o600)
    shown = "" if args.password else f" with password {password} (shown only once)"
    print(f"proxy login '{args.name}' saved{shown}; use match: \"user:{args.name}\" in the policy; restart salama run")
    return 0


def cmd_remove(args) -> int:
    home = Home.resolve(args.home)
    users = _file(home, create=False)
    if not users.delete(args.name):
        raise ValueError(f"no proxy login '{args.name}'")
    users.save()
    print(f"proxy login '{args.name}' removed; restart salama run")
    return 0


def cmd_list(args) -> int:
    for name in sorted(_file(Home.resolve(args.home), create=False).users()):
        print(name)
    return 0
