"""The Python layer against hostile or careless use (issue 17): daemon threads and Ctrl-C
during joins never abort the interpreter, seeds and path counts as the command line takes
them, deep or self-referencing dicts, invalid text, safe saving, escaped reprs."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

import infersim

from conftest import DEFAULT_SCENARIO, FAST_PATHS


def _python(code: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


# --- runs on threads at interpreter exit -------------------------------------------------


@pytest.mark.parametrize("exit_after_s", [0.2, 0.5, 0.9])
def test_daemon_threads_running_at_exit_do_not_abort(exit_after_s):
    # Runs and tornados that end, start or report progress while the interpreter shuts
    # down: each used to abort the process ("terminate called without an active exception").
    p = _python(f"""
        import threading, time, infersim
        sc = infersim.Scenario.from_json({str(DEFAULT_SCENARIO)!r})
        def runs():
            while True:
                infersim.run(sc, paths=3000, progress=False, threads=1)
        def tornados():
            while True:
                infersim.tornado(sc, "npv_usd")
        for f in (runs, runs, tornados):
            threading.Thread(target=f, daemon=True).start()
        threading.Thread(target=lambda: infersim.run(sc, paths=10**9, progress=False), daemon=True).start()
        time.sleep({exit_after_s})
        print("exiting", flush=True)
    """)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "exiting" in out and "terminate called" not in err


def test_ctrl_c_during_join_does_not_abort():
    p = _python(f"""
        import threading, infersim
        sc = infersim.Scenario.from_json({str(DEFAULT_SCENARIO)!r})
        t = threading.Thread(target=lambda: infersim.run(sc, paths=10**9, progress=False), daemon=True)
        t.start()
        print("joining", flush=True)
        t.join()
    """)
    assert p.stdout.readline().strip() == "joining"
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert "KeyboardInterrupt" in err
    assert "terminate called" not in err
    # Python ends itself with SIGINT after an uncaught KeyboardInterrupt; an abort was SIGABRT.
    assert p.returncode == -signal.SIGINT, err


# --- seeds and paths ------------------------------------------------------------------


def test_seeds_up_to_2_to_the_64(scenario):
    r = infersim.run(scenario, paths=200, seed=2**64 - 1, progress=False)
    assert r.seed == 2**64 - 1
    for bad in (2**64, -1, True, 1.5, "3"):
        with pytest.raises(ValueError, match="seed"):
            infersim.run(scenario, paths=200, seed=bad, progress=False)


def test_paths_take_whole_floats_and_reject_bools(scenario):
    assert infersim.run(scenario, paths=2e3, seed=1, progress=False).paths == 2000
    assert infersim.run(scenario, paths=100.0, seed=1, progress=False).paths == 100
    for bad in (True, False, 100.5, float("nan"), 0, "100"):
        with pytest.raises(ValueError, match="paths"):
            infersim.run(scenario, paths=bad, seed=1, progress=False)
    with pytest.raises(ValueError, match="paths"):
        infersim.tornado(scenario, "npv_usd", paths=True)


# --- dicts that are no scenario -------------------------------------------------------


def test_deep_dict_is_a_value_error(default_dict):
    deep: list = []
    for _ in range(20_000):
        deep = [deep]
    default_dict["description"] = deep
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        infersim.Scenario.from_dict(default_dict)


def test_self_referencing_dict_is_a_value_error(default_dict):
    default_dict["market"]["self"] = default_dict
    with pytest.raises(ValueError, match="contains itself"):
        infersim.Scenario.from_dict(default_dict)


def test_lone_surrogate_is_a_value_error(default_dict):
    default_dict["name"] = "\ud800"
    with pytest.raises(ValueError, match="not valid Unicode"):
        infersim.Scenario.from_dict(default_dict)


def test_beta_shapes_that_failed_are_fine():
    # Was RuntimeError from Boost's ibeta_inv (issue 17).
    for a, b in [(0.5, 2), (0.5, 3), (2, 0.5), (3, 0.5)]:
        d = infersim._core.Distribution.from_json({"dist": "beta", "alpha": a, "beta": b, "min": 0.03, "max": 0.12})
        assert 0.03 <= d.quantile(1e-12) <= d.quantile(0.5) <= d.quantile(1 - 1e-12) <= 0.12
    with pytest.raises(ValueError, match="alpha: must be in"):
        infersim._core.Distribution.from_json({"dist": "beta", "alpha": 5e-324, "beta": 2})


# --- save() follows the command line's rules -------------------------------------------


def test_save_keeps_links_and_modes(result, tmp_path):
    real = tmp_path / "r1.json"
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to("r1.json")
    result.save(link)
    assert link.is_symlink()
    assert json.loads(real.read_text())["paths"] == FAST_PATHS
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_save_never_replaces_the_scenario(tmp_path, default_dict):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(default_dict))
    before = path.read_bytes()
    r = infersim.run(str(path), paths=200, progress=False)
    (tmp_path / "sub").mkdir()
    for target in (path, tmp_path / "sub" / ".." / "x.json"):
        with pytest.raises(ValueError, match="is an input"):
            r.save(target)
    assert path.read_bytes() == before


def test_save_to_devices(result, capfd):
    result.save("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    with pytest.raises(ValueError, match="No space left on device"):
        result.save("/dev/full")
    result.save("-")
    assert json.loads(capfd.readouterr().out)["paths"] == FAST_PATHS


# --- reprs ------------------------------------------------------------------------------


def test_reprs_escape_control_characters(default_dict):
    default_dict["name"] = "evil\x1b]0;pwned\x07\u009b"
    sc = infersim.Scenario.from_dict(default_dict)
    r = infersim.run(sc, paths=200, progress=False)
    for text in (repr(sc), repr(r)):
        assert "\x1b" not in text and "\x07" not in text and "\u009b" not in text


def test_beta_quantiles_agree_with_scipy():
    # An independent implementation (SciPy's ppf, from Boost too but its own build and
    # policy): a 12 x 12 grid of shapes from 0.05 to 1e4, u from 1e-9 to 1 - 1e-9.
    stats = pytest.importorskip("scipy.stats")
    import numpy as np

    shapes = np.geomspace(0.05, 1e4, 12)
    us = np.concatenate([np.geomspace(1e-9, 0.01, 20), np.linspace(0.02, 0.98, 49), 1 - np.geomspace(0.01, 1e-9, 20)])
    worst = 0.0
    for a in shapes:
        for b in shapes:
            d = infersim._core.Distribution.from_json({"dist": "beta", "alpha": float(a), "beta": float(b)})
            got = np.array([d.quantile(float(u)) for u in us])
            want = stats.beta.ppf(us, a, b)
            ok = np.isfinite(want)
            assert np.all(np.diff(got) >= -1e-15), (a, b)
            assert np.all((got >= 0) & (got <= 1)), (a, b)
            worst = max(worst, float(np.max(np.abs(got[ok] - want[ok]))))
    assert worst < 1e-7, worst
