"""Ctrl-C while a scenario loads (issue 17): Scenario.from_json and from_dict raise
KeyboardInterrupt within 0.2 s although the scenario's hundreds of distinct PERT tables
(about 10 ms each) would take seconds; the next load works."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

import infersim

from conftest import DEFAULT_SCENARIO

LIMIT_S = 0.2
SLACK_S = 1.0  # a loaded 2-core machine; the whole load takes several seconds more


def many_perts(count: int, salt: float) -> dict:
    """default.json with `count` extra clusters, each with a PERT pue of a shape of its own."""
    doc = json.loads(DEFAULT_SCENARIO.read_text())
    template = doc["clusters"][0]
    for k in range(count):
        cluster = json.loads(json.dumps(template))
        cluster["name"] = f"C{k}"
        cluster["pue"] = {"dist": "pert", "min": 1.05, "mode": 1.06 + 0.2 * k / count + salt, "max": 1.3}
        doc["clusters"].append(cluster)
    doc.pop("correlations", None)
    return doc


@pytest.mark.parametrize("how", ["from_json", "from_dict"])
def test_ctrl_c_stops_loading(how, tmp_path):
    # Shapes no earlier load of this process tabulated (the table cache would make it fast).
    salt = {"from_json": 1e-5, "from_dict": 2e-5}[how] + (os.getpid() % 997) * 1e-8
    doc = many_perts(200, salt)
    path = tmp_path / "many-perts.json"
    path.write_text(json.dumps(doc))
    load = (lambda: infersim.Scenario.from_json(path)) if how == "from_json" else (lambda: infersim.Scenario.from_dict(doc))
    fired = []
    timer = threading.Timer(0.3, lambda: (fired.append(time.monotonic()), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            load()
        stopped = time.monotonic()
    finally:
        timer.cancel()
    assert fired, "the load ended before the signal: the scenario loads too fast to test this"
    assert stopped - fired[0] < LIMIT_S + SLACK_S, f"KeyboardInterrupt {stopped - fired[0]:.2f} s after SIGINT"
    # and loading works afterwards
    assert infersim.Scenario.from_dict(many_perts(3, salt)).name == doc["name"]
