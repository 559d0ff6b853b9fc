"""Where a Salama installation keeps its files.

One directory (the "home") holds the user's policy, the SQLite database, the
compiled blocklist index and its sources, the trained model, the mitmproxy CA
and the dashboard's secret key.  `--home` wins, then `$SALAMA_HOME`, then a
per-user directory.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    env = os.environ.get("SALAMA_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "salama"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> "Home":
        return cls(Path(home).expanduser().resolve() if home else default_home().resolve())

    @property
    def policy_path(self) -> Path:
        return self.root / "policy.yaml"

    @property
    def database_path(self) -> Path:
        return self.root / "salama.db"

    @property
    def database_url(self) -> str:
        return os.environ.get("SALAMA_DATABASE_URL") or f"sqlite:///{self.database_path}"

    @property
    def lists_dir(self) -> Path:
        """Downloaded and imported blocklist sources plus `sources.json`."""
        return self.root / "lists"

    @property
    def index_path(self) -> Path:
        """The compiled blocklist index the proxy loads."""
        return self.root / "lists" / "index.bin"

    @property
    def model_dir(self) -> Path:
        """A model trained locally (`salama train`); absent means the bundled one."""
        return self.root / "model"

    @property
    def corrections_path(self) -> Path:
        """Parents' labelled corrections ("false alarm", "missed risk") used by `salama train`."""
        return self.root / "corrections.jsonl"

    @property
    def proxy_users_path(self) -> Path:
        """Per-child proxy logins (htpasswd); when it exists, the proxy requires a login."""
        return self.root / "proxy-users.htpasswd"

    @property
    def ca_dir(self) -> Path:
        """mitmproxy's confdir: the installation's own CA lives here."""
        return self.root / "ca"

    @property
    def secret_key_path(self) -> Path:
        return self.root / "dashboard-secret.key"

    def secret_key(self) -> bytes:
        """The dashboard's session-signing key, created on first use (mode 600)."""
        path = self.secret_key_path
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        return path.read_bytes()

    def ensure(self) -> "Home":
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for d in (self.lists_dir, self.ca_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self
