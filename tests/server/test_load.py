"""A bounded load test on loopback (bench/load_test.py, small): 16 clients, 200 requests,
every answer checked against the package's own result; under 60 s."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load_test  # noqa: E402


def test_no_request_is_lost_or_answered_wrongly(server):
    figures = load_test.load(server.url, clients=16, count=200, paths=5000)
    assert figures["lost"] == [] and figures["wrong"] == []
    assert figures["answered"] == 200
    assert figures["wall_s"] < 60, figures
