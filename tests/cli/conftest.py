"""Shared fixtures for the end-to-end tests of the `infersim` command line.

Run with Debian's interpreter, as CTest does:

    /usr/bin/python3 -m pytest -q tests/cli --infersim=build/engine/infersim
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / "build" / "engine" / "infersim"
DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "default.json"

def wait_for_handler(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout_s: float = 60.0) -> None:
    """Wait until `proc` catches `sig` (its SigCgt mask in /proc), so that a signal sent
    afterwards reaches the command line's handler. Sent earlier, while a slow start (an ASan
    binary on a loaded machine) has not reached main(), the signal kills the process by
    default: status -sig, which is the kernel's doing, not the handler's."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the process ended (status {proc.returncode}) before it caught signal {sig}")
        try:
            with open(f"/proc/{proc.pid}/status", encoding="ascii") as f:
                caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            caught = 0
        if caught & (1 << (sig - 1)):
            return
        time.sleep(0.005)
    raise AssertionError(f"the process did not catch signal {sig} within {timeout_s} s")


# Every run in this suite uses few paths so that the whole suite stays fast.
FAST_PATHS = "2000"
TIMEOUT_S = 120


def pytest_addoption(parser):
    parser.addoption(
        "--infersim",
        action="store",
        default=str(DEFAULT_BINARY),
        help="path to the infersim executable (default: build/engine/infersim under the repository root)",
    )


@pytest.fixture(scope="session")
def infersim_bin(pytestconfig) -> Path:
    """The infersim executable under test."""
    path = Path(pytestconfig.getoption("--infersim")).resolve()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"infersim executable not found at {path}; build it or pass --infersim=PATH", pytrace=False)
    return path


@pytest.fixture(scope="session")
def run_infersim(infersim_bin):
    """run_infersim(*args, cwd=None, env=None) -> CompletedProcess with text stdout/stderr.

    `env`: variables to set on top of this process's environment."""

    def run(*args, cwd=None, timeout=TIMEOUT_S, env=None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(infersim_bin), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            env=None if env is None else {**os.environ, **env},
        )

    return run


@pytest.fixture(scope="session")
def default_scenario_path() -> Path:
    return DEFAULT_SCENARIO


@pytest.fixture(scope="session")
def _default_scenario_dict() -> dict:
    with open(DEFAULT_SCENARIO, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture
def default_scenario(_default_scenario_dict) -> dict:
    """A fresh deep copy of scenarios/default.json, safe to modify."""
    return copy.deepcopy(_default_scenario_dict)


@pytest.fixture
def make_scenario(tmp_path, _default_scenario_dict):
    """make_scenario(mutate=None, name="scenario.json", raw=None, directory=None) -> Path.

    Deep-copies scenarios/default.json, applies `mutate` (a function that changes the
    dict in place, or returns a replacement document when it returns something other
    than None) and writes the result to `directory` (default: tmp_path / "scenarios").
    With `raw`, writes that text instead (for malformed JSON).
    """
    counter = iter(range(1_000_000))

    def make(mutate=None, name=None, raw=None, directory=None) -> Path:
        target_dir = Path(directory) if directory is not None else tmp_path / "scenarios"
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / (name or f"scenario{next(counter)}.json")
        if raw is not None:
            target.write_text(raw, encoding="utf-8")
            return target
        doc = copy.deepcopy(_default_scenario_dict)
        if mutate is not None:
            replaced = mutate(doc)
            if replaced is not None:
                doc = replaced
        target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        return target

    return make
