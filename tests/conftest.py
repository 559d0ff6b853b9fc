"""Shared fixtures: a throw-away Salama home and paths to the public datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore the same examples on every run, so CI is never red by
# the luck of the draw; a failure seen once stays reproducible.
settings.register_profile("salama", derandomize=True)
settings.load_profile("salama")

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture
def home(tmp_path, monkeypatch):
    from salama.home import Home

    monkeypatch.setenv("SALAMA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SALAMA_DATABASE_URL", raising=False)
    return Home.resolve(tmp_path / "home").ensure()


def dataset(*parts: str) -> Path:
    """A path under ../shared/datasets, or skip the test when it is absent."""
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public dataset not available: {path}")
    return path
