"""Shared fixtures for the tests of the Python package.

CTest runs them with the build tree on the path:

    PYTHONPATH=build/python /usr/bin/python3 -m pytest -q bindings/tests

Without PYTHONPATH (and no installed infersim), build/python is used. Plots use Agg.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "default.json"

try:
    import infersim  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT / "build" / "python"))
    import infersim  # noqa: F401

# Runs in this suite are small so that it stays fast: 5000 paths is below the quantile
# pilot (exact percentiles) and takes a few hundredths of a second.
FAST_PATHS = 5000


@pytest.fixture(scope="session")
def cli_path() -> Path:
    """The infersim command line (INFERSIM_CLI, set by CTest, or build/engine/infersim)."""
    path = Path(os.environ.get("INFERSIM_CLI", REPO_ROOT / "build" / "engine" / "infersim"))
    if not path.is_file():
        pytest.skip(f"the infersim command line is not built ({path})")
    return path


@pytest.fixture(scope="session")
def _default_dict() -> dict:
    with open(DEFAULT_SCENARIO, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture
def default_dict(_default_dict) -> dict:
    """A fresh deep copy of scenarios/default.json, safe to modify."""
    return copy.deepcopy(_default_dict)


@pytest.fixture(scope="session")
def scenario():
    return infersim.Scenario.from_json(DEFAULT_SCENARIO)


@pytest.fixture(scope="session")
def result(scenario):
    """A small run of the default scenario that kept one scalar and one series."""
    return infersim.run(scenario, paths=FAST_PATHS, seed=3, keep_samples=["npv_usd", "fcf_usd"], progress=False)


def ticks_while(call) -> int:
    """How many 1 ms ticks another Python thread managed while `call()` ran. If the engine
    held the GIL, that thread could not tick at all until the call returned."""
    import threading
    import time

    ticks = 0
    stop = threading.Event()

    def tick():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        call()
    finally:
        stop.set()
        ticker.join()
    return ticks
