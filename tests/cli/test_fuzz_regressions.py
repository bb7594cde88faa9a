"""Every failing input the fuzzers found (tests/fuzz/regressions, docs/hardening.md) is a
clear result: exit 0 or 2 within seconds, never a crash, an internal error or a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

REGRESSIONS = sorted((Path(__file__).resolve().parents[1] / "fuzz" / "regressions").glob("*"))


@pytest.mark.parametrize("case", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzz_regression(run_infersim, case):
    start = time.monotonic()
    r = run_infersim("validate", case, timeout=60)
    assert r.returncode in (0, 2), r.stderr
    assert "internal error" not in r.stderr
    assert time.monotonic() - start < 10


def test_long_unknown_reference_is_quick(run_infersim, make_scenario):
    # Suggestions for an unknown ref cost |ref| x |path| per catalog path: a megabyte-long
    # ref once took minutes (found by fuzz_scenario).
    ref = {"ref": "x" * 1_000_000}
    sc = make_scenario(lambda d: d["player"].__setitem__("baseline_ebit_usd", ref))
    start = time.monotonic()
    r = run_infersim("validate", sc, timeout=60)
    assert r.returncode == 2 and "unknown catalog entry" in r.stderr
    assert len(r.stderr) < 2000
    assert time.monotonic() - start < 5
