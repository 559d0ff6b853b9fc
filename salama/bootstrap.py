"""Making a Salama home ready to run: policy, database, accounts, CA, model.

`initialise()` is idempotent: it creates what is missing and leaves the rest
alone, so `salama init` and the first `salama run` can both call it.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass

from classifier.model import ModelError, load_model
from rules.policy import DEFAULT_POLICY_PATH
from salama.home import Home
from storage.accounts import AccountStore
from storage.database import open_engine


@dataclass
class InitResult:
    created_policy: bool = False
    created_admin: str | None = None
    generated_password: str | None = None
    awaiting_setup: bool = False  # no account: the dashboard's set-up page creates it
    password_changed: bool = False
    model_note: str | None = None


#: The CA certificate devices install (mitmproxy's name for it).
CA_CERTIFICATE = "mitmproxy-ca-cert.pem"
#: Files in the CA folder (mitmproxy's confdir) holding private keys: the CA's,
#: and the WireGuard mode's keys, which mitmproxy writes with the default umask.
SECRET_FILES = ("mitmproxy-ca.pem", "mitmproxy-ca.p12", "wireguard.conf")


def ensure_ca(home: Home) -> None:
    """Create the installation's own CA in the home (mitmproxy's format), and
    keep the folder private (0700) and its key files owner-only (0600), also
    in a home made by an older version or copied from elsewhere."""
    from mitmproxy.certs import CertStore  # imported here: only init needs it

    home.ca_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    home.ca_dir.chmod(0o700)
    CertStore.from_store(str(home.ca_dir), "mitmproxy", 2048)
    for name in SECRET_FILES:
        path = home.ca_dir / name
        if path.exists():
            path.chmod(0o600)


def ensure_model(home: Home, log=print) -> str | None:
    """Check the model loads; if the bundled one does not (another scikit-learn),
    train one from the bundled corpus into the home."""
    try:
        load_model(home.model_dir)
        return None
    except ModelError as exc:
        log(f"model: {exc}")
    from classifier.corpus import bundled_files, load_examples
    from classifier.train import train_model

    log("model: training one from the bundled corpus (about a minute)...")
    model = train_model(load_examples(bundled_files()), log=log)
    model.save(home.model_dir)
    return f"trained a model into {home.model_dir}"


def initialise(
    home: Home, admin_user: str = "admin", admin_password: str | None = None, log=print, generate_admin: bool = True
) -> InitResult:
    """Create what is missing.  With no account yet and no password given, a
    random one is generated, unless `generate_admin` is False: then the
    dashboard's first-run set-up page lets the parent create the account."""
    home.ensure()
    result = InitResult()
    if not home.policy_path.exists():
        shutil.copyfile(DEFAULT_POLICY_PATH, home.policy_path)
        result.created_policy = True
    accounts = AccountStore(open_engine(home.database_url))
    if accounts.get(admin_user) is None:
        if admin_password or (accounts.count() == 0 and generate_admin):
            password = admin_password or secrets.token_urlsafe(12)
            accounts.create(admin_user, password, "owner")
            result.created_admin = admin_user
            result.generated_password = None if admin_password else password
    elif admin_password:
        accounts.set_password(admin_user, admin_password)
        result.password_changed = True
    result.awaiting_setup = accounts.count() == 0
    home.secret_key()
    ensure_ca(home)
    result.model_note = ensure_model(home, log)
    return result
