"""Model work off the event loop: in a worker thread, or in worker processes.

Scoring a page is milliseconds of Python and numpy work that holds the
interpreter lock, so in a thread it still slows every other client of the
proxy.  `salama run` therefore scores in separate processes (by default one
per usable CPU), each loading its own copy of the same model (the same
files, verified the same way); tests and small setups can use a thread.

The processes are spoken to straight from the event loop, over one Unix
socket each (a length-prefixed pickle per call, the framing of
`multiprocessing.connection`): no executor threads in the proxy process to
wake and to compete for its interpreter lock, and a 2 MB body is written
without ever blocking the loop.  A call goes to the least busy worker; a
worker that dies (out of memory, killed) is replaced and its calls are
tried once more on the new one.

The task functions take the model as their first argument; in a worker
process it is None and the process's own model is used.  Pages are sent
still encoded (gzip, br...): decompression, decoding and extraction all
happen in the worker.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import pickle
import socket
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from classifier.assess import SCORED_CHARS, Assessment, assess_page, explain, text_needed
from classifier.extract import extract_text
from classifier.model import RiskModel, load_model
from proxy.bodies import UndecodableBody, decoded_prefix
from proxy.cpus import usable_cpus

log = logging.getLogger("salama")

_process_model: RiskModel | None = None  # a worker process's own model


def _model(model: RiskModel | None) -> RiskModel:
    return model if model is not None else _process_model


def assess_body(model: RiskModel | None, raw: bytes, content_encoding: str | None, content_type: str | None,
                max_bytes: int, max_chars: int) -> Assessment | str:
    """The assessment of a response body as it came from the wire, or why it
    could not be read (a body that cannot be decompressed passes unclassified)."""
    try:
        body, _ = decoded_prefix(raw, content_encoding, max_bytes)
    except UndecodableBody as exc:
        return str(exc)
    # Only what assess_page scores is extracted (a 2 MB page: 60,000 characters of text -> ~23,000).
    page = extract_text(body, content_type, max_chars, keep_chars=text_needed(min(max_chars, SCORED_CHARS)))
    return assess_page(_model(model), page, max_chars)


def explain_assessment(model: RiskModel | None, assessment: Assessment, categories: list[str]) -> dict:
    return explain(_model(model), assessment, categories)


def score_text(model: RiskModel | None, text: str) -> dict[str, float]:
    return _model(model).scores(text)


TASKS: dict[str, Callable] = {f.__name__: f for f in (assess_body, explain_assessment, score_text)}


# ---------------------------------------------------------------- the worker process

def _worker_main(conn, model_dir: Path | None) -> None:
    """Answer calls until the proxy closes its end (or dies: the socket then reads as closed)."""
    global _process_model
    _process_model = load_model(model_dir)
    _process_model.scores("warm up")  # first-call costs paid before the first page
    while True:
        try:
            call_id, name, args = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            reply = (call_id, True, TASKS[name](None, *args))
        except Exception as exc:  # a task's failure is the caller's to handle, the worker goes on
            reply = (call_id, False, exc)
        conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))


class WorkerDied(RuntimeError):
    pass


_HEADER = struct.Struct("!i")  # multiprocessing.connection's length prefix
_LONG_HEADER = struct.Struct("!Q")  # after a -1 prefix, for messages past 2 GiB


class _WorkerProcess:
    """One scoring process and the calls it has not answered yet."""

    def __init__(self, model_dir: Path | None, on_death: Callable[[_WorkerProcess], None]):
        self.on_death = on_death
        ours, theirs = multiprocessing.Pipe(duplex=True)
        # spawn: a fresh interpreter, not a fork of a process full of threads and sockets
        self.process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=(theirs, model_dir), name="salama-score", daemon=True)
        self.process.start()
        theirs.close()
        self._conn = ours
        self.pending: dict[int, asyncio.Future] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._connecting: asyncio.Task | None = None
        self._reading: asyncio.Task | None = None
        self.dead = False

    def connect(self) -> asyncio.Task:
        """Attach the socket to the running event loop (once); from then on its death is seen at once."""
        if self._connecting is None:
            self._connecting = asyncio.get_running_loop().create_task(self._connect())
        return self._connecting

    async def _connect(self) -> None:
        sock = socket.socket(fileno=os.dup(self._conn.fileno()))
        self._conn.close()
        reader, self._writer = await asyncio.open_unix_connection(sock=sock)
        self._reading = asyncio.get_running_loop().create_task(self._read_replies(reader))

    async def call(self, call_id: int, name: str, args: tuple):
        if self._writer is None:
            await self.connect()
        payload = pickle.dumps((call_id, name, args), pickle.HIGHEST_PROTOCOL)
        future = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        header = _HEADER.pack(len(payload)) if len(payload) < 2**31 else _HEADER.pack(-1) + _LONG_HEADER.pack(len(payload))
        self._writer.write(header + payload)  # one send: the worker wakes once, with the whole call
        return await future

    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
                if size == -1:
                    (size,) = _LONG_HEADER.unpack(await reader.readexactly(_LONG_HEADER.size))
                call_id, ok, value = pickle.loads(await reader.readexactly(size))
                future = self.pending.pop(call_id, None)
                if future is None or future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        if self.dead:  # stopped by us
            return
        self.dead = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied("classifier worker process died"))
        self.pending.clear()
        self.on_death(self)

    def stop(self) -> None:
        self.dead = True
        if self._writer is not None:
            self._writer.close()
        elif self._connecting is None:
            self._conn.close()
        for task in (self._connecting, self._reading):
            if task is not None:
                task.cancel()
        self.process.terminate()


class Classifier:
    """Runs the task functions above in a worker thread or in `workers` processes."""

    def __init__(self, model: RiskModel, model_dir: Path | None, separate_process: bool, workers: int | None = None):
        self.model = model
        self.model_dir = model_dir
        self.separate_process = separate_process
        self._ids = itertools.count()
        self.thread: ThreadPoolExecutor | None = None
        self.processes: list[_WorkerProcess] = []
        if separate_process:
            # Started now, so the models load while the proxy starts, not on the first page.
            self.processes = [_WorkerProcess(model_dir, self._replace) for _ in range(workers or usable_cpus())]
        else:
            self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="salama-classify")

    async def run(self, task: Callable, *args):
        if self.thread is not None:
            return await asyncio.get_running_loop().run_in_executor(self.thread, task, self.model, *args)
        try:
            return await self._least_busy().call(next(self._ids), task.__name__, args)
        except WorkerDied:  # the worker died (out of memory, killed): it was replaced, try once more
            return await self._least_busy().call(next(self._ids), task.__name__, args)

    def _least_busy(self) -> _WorkerProcess:
        for worker in self.processes:
            worker.connect()
        return min(self.processes, key=lambda w: len(w.pending))

    def _replace(self, dead: _WorkerProcess) -> None:
        """Called as soon as a worker's socket closes: capacity comes back without waiting for traffic."""
        log.warning("classifier worker process died; starting a new one")
        dead.stop()
        fresh = _WorkerProcess(self.model_dir, self._replace)
        fresh.connect()
        self.processes[self.processes.index(dead)] = fresh

    def shutdown(self) -> None:
        if self.thread is not None:
            self.thread.shutdown(wait=False, cancel_futures=True)
        for worker in self.processes:
            worker.stop()
