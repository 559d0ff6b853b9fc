"""Model work in a worker process scores like the in-process model, and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from classifier.model import load_model
from proxy.classifying import Classifier, assess_body, score_text

TEXT = "t'es seule chez toi ? envoie moi une photo et dis rien a tes parents"


async def test_worker_process_matches_the_thread_and_survives_a_crash():
    model = load_model()
    in_thread = Classifier(model, None, separate_process=False)
    in_process = Classifier(model, None, separate_process=True, workers=2)
    try:
        expected = await in_thread.run(score_text, TEXT)
        got = await in_process.run(score_text, TEXT)
        assert got == pytest.approx(expected)
        assert max(got, key=got.get) == "grooming"
        for worker in in_process.processes:  # the workers die (OOM killer, kill -9)
            worker.process.kill()
            worker.process.join()
        assert await in_process.run(score_text, TEXT) == pytest.approx(expected)
        assert all(worker.process.is_alive() for worker in in_process.processes)
        in_flight = asyncio.ensure_future(in_process.run(score_text, TEXT))
        await asyncio.sleep(0.01)
        for worker in in_process.processes:  # killed while it may be scoring: the call is tried again
            worker.process.kill()
        assert await in_flight == pytest.approx(expected)
    finally:
        in_thread.shutdown()
        in_process.shutdown()


async def test_pages_are_decompressed_and_read_in_the_worker():
    model = load_model()
    in_thread = Classifier(model, None, separate_process=False)
    in_process = Classifier(model, None, separate_process=True, workers=1)
    page = f"<html><head><title>chat</title></head><body><p>{TEXT}</p></body></html>".encode()
    try:
        expected = await in_thread.run(assess_body, page, None, "text/html", 1 << 20, 60_000)
        got = await in_process.run(assess_body, gzip.compress(page), "gzip", "text/html", 1 << 20, 60_000)
        assert got.scores == pytest.approx(expected.scores) and got.labels == expected.labels == ["grooming"]
        unreadable = await in_process.run(assess_body, b"not gzip", "gzip", "text/html", 1 << 20, 60_000)
        assert "cannot be decoded" in unreadable
    finally:
        in_thread.shutdown()
        in_process.shutdown()
