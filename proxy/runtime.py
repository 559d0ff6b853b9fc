"""What the running proxy knows: the live policy, list index, model and journal.

The addons ask this object for the current policy, index and model.  The
policy and index are reloaded when their files change (checked at most every
`reload_interval` seconds, from the event loop, cheaply by mtime); a broken
policy is refused with a logged error and the last good one stays in force.
With a shared database (PostgreSQL: workers possibly on several machines)
the policy versions saved there (storage.policy_versions) are followed too:
the newest version is loaded at start and whenever a newer one appears, and
wins over this machine's file until the file itself changes.
A missing or damaged model leaves the proxy running on lists alone and says
so loudly, in the log and in `status.json`, which the dashboard shows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
import time
from pathlib import Path
from typing import Callable

from classifier.model import ModelError, RiskModel, load_model
from proxy.classifying import Classifier
from proxy.pagecache import AssessmentCache
from rules.approvals import Approval
from rules.blocklist_index import BlocklistIndex
from rules.policy import Policy, PolicyError, load_policy, parse_policy
from storage.database import open_engine
from storage.access import AccessStore
from storage.events import EventStore
from storage.journal import EventJournal
from storage.policy_versions import PolicyVersions
from storage.status import write_status

log = logging.getLogger("salama")

def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class Runtime:
    def __init__(
        self,
        *,
        policy_path: Path,
        index_path: Path,
        model_dir: Path | None,
        database_url: str,
        status_dir: Path,
        use_model: bool = True,
        reload_interval: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        follow_shared_policy: bool | None = None,
        classify_in_subprocess: bool = False,
        scoring_workers: int | None = None,
        page_cache_entries: int = 2048,
    ):
        self.policy_path = policy_path
        self.index_path = index_path
        self.status_dir = status_dir
        self.reload_interval = reload_interval
        self.clock = clock  # injectable, so schedules can be tested at chosen times
        self.warnings: dict[str, str] = {}
        self._next_check = 0.0
        self.policy: Policy = load_policy(policy_path)  # a broken policy at start is fatal: say so and stop
        self._policy_mtime = _mtime(policy_path)
        self._policy_version: int | None = None  # the shared database's newest version seen
        self.index = self._load_index()
        self.model: RiskModel | None = self._load_model(model_dir) if use_model else None
        engine = open_engine(database_url)
        self.events = EventStore(engine)
        self.access = AccessStore(engine)
        self.policy_versions = PolicyVersions(engine)
        # A home's SQLite database sits beside its one policy file: the file is the truth there.
        self.follow_shared_policy = engine.dialect.name != "sqlite" if follow_shared_policy is None else follow_shared_policy
        self.journal = EventJournal(self.events.add_many)
        # Model work runs in a worker thread, or in `scoring_workers` processes for salama
        # run (default: one per CPU), never on the event loop.
        self.classifier = Classifier(self.model, model_dir, classify_in_subprocess, scoring_workers) if self.model else None
        self.page_cache = AssessmentCache(page_cache_entries)
        self.approvals: tuple[Approval, ...] = ()
        self.controls: dict[str, dict] = {}
        self._refresh_shared_state()
        self._follow_shared_policy()
        self._write_status()

    # -- loading --------------------------------------------------------------

    def _load_index(self) -> BlocklistIndex:
        index = BlocklistIndex.open(self.index_path)
        if index.last_error:
            self._warn("blocklists", f"blocklist index unusable ({index.last_error}); using the built-in default lists")
        return index

    def _load_model(self, model_dir: Path | None) -> RiskModel | None:
        try:
            model = load_model(model_dir)
        except ModelError as exc:
            self._warn("model", f"MODEL NOT LOADED - filtering on lists only: {exc}")
            return None
        self.warnings.pop("model", None)
        log.info("model loaded (%s examples, thresholds tuned)", model.meta.get("examples", "?"))
        return model

    def _warn(self, key: str, message: str) -> None:
        self.warnings[key] = message
        log.warning(message)

    # -- shared state: parents' answers and switches -----------------------------

    def _refresh_shared_state(self) -> None:
        """Approvals, pauses and holidays from the database (shared by every worker)."""
        try:
            self.approvals = tuple(self.access.approvals(self.clock()))
            self.controls = self.access.controls()
        except Exception as exc:  # the database is down: keep the last known answers
            self._warn("database", f"cannot read approvals and pauses: {type(exc).__name__}: {exc}")
            return
        self.warnings.pop("database", None)

    def switches_for(self, profile: str) -> tuple[datetime | None, bool]:
        """(paused until, holiday) for a profile."""
        return AccessStore.switches(self.controls, profile)

    # -- hot reload -------------------------------------------------------------

    def maybe_reload(self, now: float | None = None) -> None:
        """Reload the policy and the index if their files changed."""
        now = time.monotonic() if now is None else now
        if now < self._next_check:
            return
        self._next_check = now + self.reload_interval
        self._refresh_shared_state()
        changed = False
        mtime = _mtime(self.policy_path)
        if mtime != self._policy_mtime:
            self._policy_mtime = mtime
            try:
                self.policy = load_policy(self.policy_path)
                self.warnings.pop("policy", None)
                log.info("policy reloaded from %s", self.policy_path)
            except PolicyError as exc:
                self._warn("policy", f"policy change refused, the last good policy stays in force: {exc}")
            changed = True
        changed |= self._follow_shared_policy()
        if self.index.reload_if_changed():
            log.info("blocklist index reloaded (%s)", self.index_path)
            self.warnings.pop("blocklists", None)
            changed = True
        elif self.index.last_error and self.warnings.get("blocklists") != self.index.last_error:
            self._warn("blocklists", f"new blocklist index refused, the previous one stays: {self.index.last_error}")
            changed = True
        if changed:
            self._write_status()

    def _follow_shared_policy(self) -> bool:
        """Load the shared database's newest policy version if there is a new
        one; True when the policy or its warning changed."""
        if not self.follow_shared_policy:
            return False
        try:
            latest = self.policy_versions.latest()
            if latest is None or latest.number == self._policy_version:
                return False
            text = self.policy_versions.text(latest.number) or ""
        except Exception as exc:  # the database is down: the policy in force stays, retried next time
            self._warn("database", f"cannot read the shared policy: {type(exc).__name__}: {exc}")
            return False
        self._policy_version = latest.number
        try:
            self.policy = parse_policy(text, f"shared policy version {latest.number}")
        except PolicyError as exc:
            self._warn("policy", f"policy change refused, the last good policy stays in force: {exc}")
            return True
        self.warnings.pop("policy", None)
        log.info("policy version %d loaded from the shared database", latest.number)
        return True

    def _write_status(self) -> None:
        try:
            write_status(self.status_dir, self.model is not None, list(self.warnings.values()))
        except OSError as exc:
            log.warning("cannot publish the proxy status: %s", exc)

    def close(self) -> None:
        if self.classifier:
            self.classifier.shutdown()
        self.journal.close()

