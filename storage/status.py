"""The proxy's published status (model loaded? warnings?) for the dashboard.

A small JSON file in the home, replaced atomically, so the dashboard can say
loudly when the proxy runs on lists alone without talking to the proxy.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

STATUS_FILE = "status.json"


def write_status(directory: Path, model_loaded: bool, warnings: list[str]) -> None:
    status = {"time": time.time(), "pid": os.getpid(), "model_loaded": model_loaded, "warnings": sorted(warnings)}
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (STATUS_FILE + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    os.replace(tmp, directory / STATUS_FILE)


def read_status(directory: Path) -> dict:
    try:
        data = json.loads((directory / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
