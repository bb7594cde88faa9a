"""Ctrl-C while a scenario loads (issue 17, item 7).

Each distinct beta or PERT shape builds quantile tables as it is read (about 10 ms each, more
on a loaded machine), so a scenario with hundreds of them loads for seconds. SIGINT must stop
`validate` and `run` within 0.2 s even then, with exit 130 and nothing written. The slack
below is for a machine shared with other work; a build that checks only between waves of
paths takes the whole remaining load (seconds) and fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from conftest import wait_for_handler

DISTINCT_PERTS = 200
SIGNAL_AFTER_S = 0.3
LIMIT_S = 0.2
SLACK_S = 1.0  # a loaded 2-core machine; the uninterrupted load takes several seconds more


def many_perts_scenario(default: dict, path, count: int = DISTINCT_PERTS) -> None:
    """default.json with `count` extra clusters, each with a PERT `pue` of its own shape."""
    doc = json.loads(json.dumps(default))
    template = doc["clusters"][0]
    salt = (os.getpid() % 997) * 1e-7  # shapes no other test process has tabulated
    for k in range(count):
        cluster = json.loads(json.dumps(template))
        cluster["name"] = f"C{k}"
        cluster["pue"] = {"dist": "pert", "min": 1.05, "mode": 1.06 + 0.2 * k / count + salt, "max": 1.3}
        doc["clusters"].append(cluster)
    doc.pop("correlations", None)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("command", ["validate", "run"])
def test_sigint_stops_loading_within_0_2_s(command, infersim_bin, default_scenario, tmp_path):
    scenario = tmp_path / "many-perts.json"
    many_perts_scenario(default_scenario, scenario)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [str(infersim_bin), command, str(scenario)]
    if command == "run":
        args += ["--paths", "1000", "--out", str(out_dir / "r.json")]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_handler(proc)  # the load begins right after the handler is installed
        time.sleep(SIGNAL_AFTER_S)
        assert proc.poll() is None, f"{command} ended before the signal: the scenario loads too fast to test this"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, f"exit {proc.returncode} after {elapsed:.2f} s\nstderr:\n{stderr}"
    assert elapsed < LIMIT_S + SLACK_S, f"exit {elapsed:.2f} s after SIGINT (limit {LIMIT_S} s + {SLACK_S} s slack)"
    assert "interrupted; no output written" in stderr
    assert sorted(os.listdir(out_dir)) == [], "an output or temporary file was written"


def test_the_many_perts_scenario_is_valid(run_infersim, default_scenario, tmp_path):
    # Without a signal the same kind of scenario loads and validates (a shorter one, to stay fast).
    scenario = tmp_path / "some-perts.json"
    many_perts_scenario(default_scenario, scenario, count=20)
    r = run_infersim("validate", scenario)
    assert r.returncode == 0, r.stderr
