"""`salama proxy-user add|remove|list`: per-child proxy logins.

Devices can be told apart by IP address, or by a login when several children
share a device or addresses change (phones, school labs behind NAT).  Logins
live in an htpasswd file in the home (bcrypt hashes, which mitmproxy 11 and
12 both check); once the file exists the proxy asks every client to log
in, and a policy device `match: "user:NAME"` gives that child a profile.
Restart `salama run` after changing the logins.
"""

from __future__ import annotations

import os
import re
import secrets

import bcrypt

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


# bcrypt is the one scheme that mitmproxy 11 (passlib) and 12 (its own
# htpasswd reader) both check; bcrypt reads at most 72 bytes of a password.
_SCHEMES = ("$2b$", "$2y$", "$2a$")
_MAX_PASSWORD_BYTES = 72


def _read(home: Home, create: bool) -> dict[str, str]:
    """The logins in the home's htpasswd file, name -> hash, in file order."""
    path = home.proxy_users_path
    if not path.exists():
        if create:
            return {}
        raise ValueError(f"no proxy logins yet ({path}); add one with 'salama proxy-user add NAME'")
    users = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, hashed = line.strip().partition(":")
        if not sep or not name:
            raise ValueError(f"{path}:{number}: not a 'name:hash' line; remove it or the file")
        users[name] = hashed
    return users


def _write(home: Home, users: dict[str, str]) -> None:
    path = home.proxy_users_path
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{name}:{hashed}\n" for name, hashed in users.items()), encoding="utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, path)  # the proxy never reads half a file


def cmd_add(args) -> int:
    if not _NAME.match(args.name):
        raise ValueError(f"'{args.name}': a login is 1-64 letters, digits or . _ -")
    if args.password is not None and len(args.password) < 8:
        raise ValueError("the password needs at least 8 characters")
    if args.password is not None and len(args.password.encode()) > _MAX_PASSWORD_BYTES:
        raise ValueError(f"the password can have at most {_MAX_PASSWORD_BYTES} bytes")
    home = Home.resolve(args.home).ensure()
    users = _read(home, create=True)
    password = args.password or secrets.token_urlsafe(9)
    users[args.name] = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    _write(home, users)
    shown = "" if args.password else f" with password {password} (shown only once)"
    print(f"proxy login '{args.name}' saved{shown}; use match: \"user:{args.name}\" in the policy; restart salama run")
    return 0


def cmd_remove(args) -> int:
    home = Home.resolve(args.home)
    users = _read(home, create=False)
    if users.pop(args.name, None) is None:
        raise ValueError(f"no proxy login '{args.name}'")
    _write(home, users)
    print(f"proxy login '{args.name}' removed; restart salama run")
    return 0


def cmd_list(args) -> int:
    for name, hashed in sorted(_read(Home.resolve(args.home), create=False).items()):
        # sha256_crypt hashes of earlier Salama builds are refused by mitmproxy 12.
        print(name if hashed.startswith(_SCHEMES) else f"{name}  (old hash: run 'salama proxy-user add {name}' again)")
    return 0
