"""Assessments of page bodies already scored, so a page is scored once.

Thirty computers of a school lab opening the same lesson page fetch the same
bytes: the body's hash (with everything else that shapes its assessment: the
content type and encoding, the size and text caps, the model's file hash)
names the assessment, which is kept in a bounded least-recently-used table.
The profile's thresholds are applied after, to the cached scores, so a
cached page is decided like a fresh one.  Calls for a body already being
scored wait for that one result instead of scoring it again (and score it
themselves if that call fails).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from typing import Awaitable, Callable, Hashable

HASH_IN_THREAD_BYTES = 256 * 1024  # bigger bodies are hashed off the event loop (hashlib lets go of the lock)


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


async def body_digest(body: bytes) -> bytes:
    if len(body) > HASH_IN_THREAD_BYTES:
        return await asyncio.to_thread(_digest, body)
    return _digest(body)


class AssessmentCache:
    def __init__(self, max_entries: int = 2048):
        self.max_entries = max_entries
        self._done: OrderedDict[Hashable, object] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._done)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[object]]):
        """The cached value for `key`, or `compute()`'s (stored when it succeeds)."""
        if key in self._done:
            self.hits += 1
            self._done.move_to_end(key)
            return self._done[key]
        running = self._running.get(key)
        if running is not None:
            await asyncio.wait([running])
            if not running.cancelled() and running.exception() is None:
                self.hits += 1
                return running.result()
            # that call failed or was given up (its client left): score it here
        self.misses += 1
        future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked as retrieved: a failure with no waiter is not an asyncio warning
            raise
        finally:
            if self._running.get(key) is future:
                del self._running[key]
        future.set_result(value)
        if self.max_entries > 0:
            self._done[key] = value
            if len(self._done) > self.max_entries:
                self._done.popitem(last=False)
        return value
