"""Blocklist work started from the dashboard: subscribe to a list, update every list.

Downloading and compiling take from seconds to minutes, longer than a web
request should wait, so the work runs in a background thread, one job at a
time per dashboard; the page polls `BlocklistJobs.snapshot()` through a small
JSON endpoint to show progress.  `SourceRegistry` itself locks the lists
folder, so a `salama blocklist update` running at the same time waits its turn.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from rules.blocklist_sources import SourceError, SourceRegistry


@dataclass
class Job:
    kind: str  # "subscribe" | "update"
    state: str = "running"  # running | done | failed
    step: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""
    results: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.time)


class BlocklistJobs:
    """The dashboard's one background blocklist job, and what it reports."""

    def __init__(self, registry: SourceRegistry):
        self.registry = registry
        self._lock = threading.Lock()
        self._job: Job | None = None

    def snapshot(self) -> dict | None:
        with self._lock:
            return asdict(self._job) if self._job else None

    def running(self) -> bool:
        with self._lock:
            return self._job is not None and self._job.state == "running"

    def subscribe(self, url: str, category: str) -> bool:
        def work(job: Job) -> None:
            source, report = self.registry.import_source(url, category, None, self._progress(job))
            job.results = [{"name": source.name, "status": "updated", "message": report.summary()}]

        return self._start("subscribe", work)

    def update(self) -> bool:
        def work(job: Job) -> None:
            results = self.registry.update(self._progress(job))
            job.results = [asdict(r) for r in results]
            if any(r.status == "failed" for r in results):
                job.state = "failed"

        return self._start("update", work)

    def remove(self, name: str) -> bool:
        """Forget a subscribed list and its local copy, then rebuild the index without it."""
        def work(job: Job) -> None:
            self.registry.remove(name, self._progress(job))
            job.results = [{"name": name, "status": "removed", "message": ""}]

        return self._start("remove", work)

    def _start(self, kind: str, work: Callable[[Job], None]) -> bool:
        """Run `work` in a thread unless a job is running; False when one is."""
        with self._lock:
            if self._job is not None and self._job.state == "running":
                return False
            job = self._job = Job(kind)
        threading.Thread(target=self._run, args=(job, work), name=f"blocklist-{kind}", daemon=True).start()
        return True

    def _run(self, job: Job, work: Callable[[Job], None]) -> None:
        try:
            work(job)
        except (SourceError, OSError, ValueError) as exc:
            job.state, job.message = "failed", str(exc)
            return
        if job.state == "running":
            job.state = "done"

    @staticmethod
    def _progress(job: Job):
        def report(step: str, done: int, total: int | None) -> None:
            job.step, job.done, job.total = step, done, total

        return report
