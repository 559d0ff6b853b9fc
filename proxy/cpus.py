"""How many CPUs this process may use: the default number of scoring processes.

A module of its own (no model imports) so that the `salama run --workers`
supervisor can share the CPUs among its proxy workers cheaply.
"""

from __future__ import annotations

import os


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
