"""The event journal: records events off the proxy's hot path.

`record()` only appends to an in-memory queue; a background thread writes
batches.  When the database is locked, full or unreachable the batch stays
queued and is retried with back-off, so the proxy keeps filtering and no
event is lost once the database recovers (up to `max_pending` events, after
which the oldest are dropped and counted, so memory stays bounded).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, Callable

log = logging.getLogger("salama.journal")


class EventJournal:
    def __init__(
        self,
        write_batch: Callable[[list[dict[str, Any]]], Any],
        *,
        batch_size: int = 200,
        interval: float = 0.2,
        max_pending: int = 100_000,
    ):
        self._write = write_batch
        self._pending: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._batch_size = batch_size
        self._interval = interval
        self._max_pending = max_pending
        self._closing = False
        self.written = 0
        self.dropped = 0
        self.failures = 0
        self.last_error: str | None = None
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="salama-journal", daemon=True)
        self._thread.start()

    def record(self, event: dict[str, Any]) -> None:
        event.setdefault("time", time.time())
        with self._cond:
            if len(self._pending) >= self._max_pending:
                self.dropped += 1
                if self._busy:  # the oldest are being written: give up the newest
                    return
                self._pending.popleft()
            self._pending.append(event)
            self._cond.notify()

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + (1 if self._busy else 0)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify()
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _take_batch(self) -> list[dict[str, Any]]:
        n = min(len(self._pending), self._batch_size)
        return [self._pending[i] for i in range(n)]

    def _run(self) -> None:
        backoff = self._interval
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait(1.0)
                if self._closing and not self._pending:
                    return
                batch = self._take_batch()
                self._busy = True
            try:
                self._write(batch)
            except Exception as exc:  # the database is down, locked or full: keep the batch
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if self.failures == 1 or self.failures % 50 == 0:
                    log.warning("event journal cannot write (%s); %d events kept for retry", self.last_error, len(self._pending))
                with self._cond:
                    self._busy = False
                    self._cond.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = self._interval
            with self._cond:
                for _ in batch:
                    self._pending.popleft()
                self.written += len(batch)
                self.last_error = None
                self._busy = False
                self._cond.notify_all()
