"""Output files are written the way careful tools write them (issue 17, finding 1): links
kept, modes kept, devices and FIFOs written in place, `-` is stdout, inputs never
replaced, long names fine, every write error with its errno text."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import threading
import time

import pytest

from conftest import wait_for_handler

FAST = ("--paths", "500", "--quiet")


def _is_result(text: str) -> bool:
    doc = json.loads(text)
    return "scalars" in doc and "series" in doc


def test_symlink_is_followed_and_kept(run_infersim, default_scenario_path, tmp_path):
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "r1.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to("runs/r1.json")
    r = run_infersim("run", default_scenario_path, *FAST, "--out", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == "runs/r1.json"
    assert _is_result(real.read_text())


def test_dangling_symlink_creates_its_target(run_infersim, default_scenario_path, tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to("new.json")
    r = run_infersim("run", default_scenario_path, *FAST, "--out", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and _is_result((tmp_path / "new.json").read_text())


def test_hard_link_is_kept(run_infersim, default_scenario_path, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    other = tmp_path / "other.json"
    os.link(target, other)
    r = run_infersim("run", default_scenario_path, *FAST, "--out", target)
    assert r.returncode == 0, r.stderr
    assert _is_result(target.read_text())
    assert os.path.samefile(target, other)


def test_mode_is_kept(run_infersim, default_scenario_path, tmp_path):
    target = tmp_path / "private.json"
    target.write_text("old")
    target.chmod(0o600)
    r = run_infersim("run", default_scenario_path, *FAST, "--out", target)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _is_result(target.read_text())


def test_new_file_follows_umask(infersim_bin, default_scenario_path, tmp_path):
    target = tmp_path / "new.json"
    r = subprocess.run(
        ["sh", "-c", f'umask 027 && exec "{infersim_bin}" run "{default_scenario_path}" --paths 500 -q --out "{target}"'],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_dash_is_stdout(run_infersim, default_scenario_path, tmp_path):
    r = run_infersim("run", default_scenario_path, "--paths", "500", "--out", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _is_result(r.stdout)  # the summary went to stderr
    assert "NPV" in r.stderr
    assert not (tmp_path / "-").exists()


def test_dev_stdout_into_a_file_and_a_pipe(infersim_bin, default_scenario_path, tmp_path):
    out = tmp_path / "f.json"
    with open(out, "w") as f:
        r = subprocess.run([infersim_bin, "run", default_scenario_path, *FAST, "--out", "/dev/stdout"],
                           stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert _is_result(out.read_text())
    assert os.path.islink("/dev/stdout")
    r = subprocess.run([infersim_bin, "run", default_scenario_path, *FAST, "--out", "/dev/stdout"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert _is_result(r.stdout)


def test_fifo_is_written_in_place(run_infersim, default_scenario_path, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    r = run_infersim("run", default_scenario_path, *FAST, "--out", fifo)
    reader.join(timeout=60)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert _is_result(got[0])


def test_dev_null_stays_a_device(run_infersim, default_scenario_path):
    r = run_infersim("run", default_scenario_path, *FAST, "--out", "/dev/null")
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink", "hardlink"])
def test_output_over_the_scenario_is_refused(run_infersim, default_scenario_path, tmp_path, spelling):
    (tmp_path / "dir").mkdir()
    scenario = tmp_path / "x.json"
    shutil.copy(default_scenario_path, scenario)
    before = scenario.read_bytes()
    target = {
        "same": scenario,
        "dotdot": tmp_path / "dir" / ".." / "x.json",
        "symlink": tmp_path / "link.json",
        "hardlink": tmp_path / "hard.json",
    }[spelling]
    if spelling == "symlink":
        target.symlink_to(scenario)
    if spelling == "hardlink":
        os.link(scenario, target)
    r = run_infersim("run", scenario, *FAST, "--out", target)
    assert r.returncode == 2
    assert "is an input of this command" in r.stderr
    assert scenario.read_bytes() == before


def test_output_over_a_catalog_file_is_refused(run_infersim, tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data = tmp_path / "data"
    shutil.copytree(os.path.join(repo, "data"), data)
    catalog_file = sorted(data.glob("*.json"))[0]
    before = catalog_file.read_bytes()
    scenario = os.path.join(repo, "scenarios", "default.json")
    r = run_infersim("run", scenario, *FAST, "--data", data, "--out", catalog_file)
    assert r.returncode == 2, r.stderr
    assert "is an input of this command" in r.stderr
    assert catalog_file.read_bytes() == before


def test_output_over_a_compared_scenario_is_refused(run_infersim, default_scenario_path, tmp_path):
    other = tmp_path / "other.json"
    shutil.copy(default_scenario_path, other)
    r = run_infersim("compare", default_scenario_path, "--with", other, "--paths", "500", "--out", other)
    assert r.returncode == 2 and "is an input" in r.stderr


def test_long_name(run_infersim, default_scenario_path, tmp_path):
    target = tmp_path / ("r" * 240 + ".json")  # 245 characters, near NAME_MAX
    r = run_infersim("run", default_scenario_path, *FAST, "--out", target)
    assert r.returncode == 0, r.stderr
    assert _is_result(target.read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_no_space_left(run_infersim, default_scenario_path):
    r = run_infersim("run", default_scenario_path, *FAST, "--out", "/dev/full")
    assert r.returncode == 2
    assert "No space left on device" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_permission_denied(run_infersim, default_scenario_path, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    r = run_infersim("run", default_scenario_path, *FAST, "--out", locked / "r.json")
    assert r.returncode == 2 and "Permission denied" in r.stderr


def test_out_and_out_dir_conflict(run_infersim, default_scenario_path, tmp_path):
    r = run_infersim("run", default_scenario_path, *FAST, "--out", tmp_path / "a.json", "--out-dir", tmp_path)
    assert r.returncode == 2
    assert "excludes" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_sighup_stops_like_sigterm_and_leaves_nothing(infersim_bin, default_scenario_path, tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    p = subprocess.Popen([infersim_bin, "run", default_scenario_path, "--paths", "1e9", "-q", "-j", "1", "--out", target],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_handler(p, signal.SIGHUP)
    time.sleep(1.0)
    p.send_signal(signal.SIGHUP)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert target.read_text() == "old"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["r.json"]


def test_sigkill_leaves_no_temporary(infersim_bin, default_scenario_path, tmp_path):
    target = tmp_path / "r.json"
    p = subprocess.Popen([infersim_bin, "run", default_scenario_path, "--paths", "1e9", "-q", "-j", "1", "--out", target],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    p.kill()
    p.wait(timeout=60)
    assert list(tmp_path.iterdir()) == []
