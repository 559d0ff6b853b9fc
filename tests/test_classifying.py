"""Model work in a worker process scores like the in-process model, and a dead worker is replaced."""

from __future__ import annotations

import pytest

from classifier.model import load_model
from proxy.classifying import Classifier, score_text

TEXT = "t'es seule chez toi ? envoie moi une photo et dis rien a tes parents"


async def test_worker_process_matches_the_thread_and_survives_a_crash():
    model = load_model()
    in_thread = Classifier(model, None, separate_process=False)
    in_process = Classifier(model, None, separate_process=True)
    try:
        expected = await in_thread.run(score_text, TEXT)
        got = await in_process.run(score_text, TEXT)
        assert got == pytest.approx(expected)
        assert max(got, key=got.get) == "grooming"
        for worker in list(in_process.pool._processes.values()):  # the worker dies (OOM killer, kill -9)
            worker.kill()
            worker.join()
        assert await in_process.run(score_text, TEXT) == pytest.approx(expected)
    finally:
        in_thread.shutdown()
        in_process.shutdown()
