"""Model work off the event loop: in a worker thread, or in a worker process.

Scoring a page is tens of milliseconds of Python and numpy work that holds
the interpreter lock, so in a thread it still slows every other client of
the proxy.  `salama run` therefore scores in a separate process, which loads
its own copy of the same model (the same files, verified the same way) and
uses the machine's other core; tests and small setups can use a thread.
The task functions take the model as their first argument; in the worker
process it is None and the process's own model is used.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from classifier.assess import Assessment, assess_page, explain
from classifier.extract import extract_text
from classifier.model import RiskModel, load_model

log = logging.getLogger("salama")

_process_model: RiskModel | None = None  # the worker process's own model


def _load_in_worker(model_dir: Path | None) -> None:
    global _process_model
    _process_model = load_model(model_dir)


def _model(model: RiskModel | None) -> RiskModel:
    return model if model is not None else _process_model


def assess_body(model: RiskModel | None, body: bytes, content_type: str | None, max_chars: int) -> Assessment:
    return assess_page(_model(model), extract_text(body, content_type, max_chars), max_chars)


def explain_assessment(model: RiskModel | None, assessment: Assessment, categories: list[str]) -> dict:
    return explain(_model(model), assessment, categories)


def score_text(model: RiskModel | None, text: str) -> dict[str, float]:
    return _model(model).scores(text)


class Classifier:
    """Runs the task functions above in one worker (thread or process)."""

    def __init__(self, model: RiskModel, model_dir: Path | None, separate_process: bool):
        self.model = model
        self.model_dir = model_dir
        self.separate_process = separate_process
        self.pool = self._new_pool()

    def _new_pool(self) -> Executor:
        if not self.separate_process:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="salama-classify")
        # spawn: a fresh interpreter, not a fork of a process full of threads and sockets
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_load_in_worker, initargs=(self.model_dir,))

    async def run(self, task: Callable, *args):
        loop = asyncio.get_running_loop()
        model_arg = None if self.separate_process else self.model
        try:
            return await loop.run_in_executor(self.pool, task, model_arg, *args)
        except BrokenProcessPool:  # the worker died (out of memory, killed): start another, try once more
            log.warning("classifier worker process died; starting a new one")
            self.pool = self._new_pool()
            return await loop.run_in_executor(self.pool, task, model_arg, *args)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
