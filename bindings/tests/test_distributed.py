"""infersim.distributed on a real Dask cluster (two worker processes on 127.0.0.1): the same
bytes as a local run for any chunking and every sampler, a killed worker, errors."""

from __future__ import annotations

import os
import re
import sys

import cloudpickle
import pytest
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

import infersim
from infersim import distributed as dist

from conftest import DEFAULT_SCENARIO, REPO_ROOT

B = dist.BLOCK_PATHS
# The pilot is 8 blocks (32,768 paths) for the default scenario; then 5 blocks and a part one.
PATHS = 32768 + 5 * B + 1000


@pytest.fixture(scope="module")
def client():
    package_root = os.path.dirname(os.path.dirname(infersim.__file__))
    env = {"PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, env=env)
    with Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def scenario() -> infersim.Scenario:
    return infersim.Scenario.from_json(DEFAULT_SCENARIO)


def without_elapsed(text: str) -> str:
    return re.sub(r'"elapsed_s": [^,\n]+', '"elapsed_s": 0', text)


def same_json(a: infersim.Result, b: infersim.Result) -> None:
    assert without_elapsed(a.to_json()) == without_elapsed(b.to_json())


@pytest.mark.parametrize(
    "sampler, antithetic, chunk_paths",
    [
        ("random", False, B),  # one block a task
        ("random", False, 3 * B),  # an uneven last chunk
        ("random", True, 10**9),  # one chunk for every block after the pilot
        ("random", True, 2 * B + 1),  # rounded up to 3 blocks: antithetic pairs stay whole
        ("lhs", False, 2 * B),
        ("sobol", False, 4 * B),
    ],
)
def test_same_bytes_as_a_local_run(client, scenario, sampler, antithetic, chunk_paths):
    opts = dict(paths=PATHS, seed=11, sampler=sampler, antithetic=antithetic)
    local = infersim.run(scenario, **opts)
    assert local.quantile_method == "binned"  # the bins, not only the pilot, are compared
    same_json(dist.run(scenario, client=client, chunk_paths=chunk_paths, **opts), local)


def test_kept_samples_and_an_exact_run(client, scenario):
    opts = dict(seed=5, keep_samples=["npv_usd", "revenue_usd"])
    local = infersim.run(scenario, paths=PATHS, **opts)
    remote = dist.run(scenario, paths=PATHS, client=client, chunk_paths=2 * B, **opts)
    same_json(remote, local)
    for name in ("npv_usd", "revenue_usd"):
        assert remote.samples(name).tobytes() == local.samples(name).tobytes()
    # At most the pilot's paths: no task, exact quantiles, the same bytes.
    same_json(dist.run(scenario, paths=20_000, client=client, seed=5), infersim.run(scenario, paths=20_000, seed=5))


class KillOnce(WorkerPlugin):
    """Ends its worker's process when the first chunk task starts, once over the cluster."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and str(key).startswith("infersim-chunk"):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.close(fd)
            os._exit(1)


def test_a_killed_worker_changes_nothing(client, scenario, tmp_path):
    marker = tmp_path / "killed"
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this file
    try:
        client.register_worker_plugin(KillOnce(str(marker)), name="kill-once")
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    try:
        opts = dict(paths=PATHS, seed=23, sampler="lhs")
        remote = dist.run(scenario, client=client, chunk_paths=B, **opts)
        assert marker.exists()  # a worker did die
        same_json(remote, infersim.run(scenario, **opts))
    finally:
        client.unregister_worker_plugin("kill-once")
    client.wait_for_workers(2, timeout=60)


def test_errors_are_the_local_ones(client, scenario):
    with pytest.raises(ValueError) as local:
        infersim.run(scenario, paths=PATHS + 1, antithetic=True)
    with pytest.raises(ValueError) as remote:
        dist.run(scenario, paths=PATHS + 1, antithetic=True, client=client)
    assert str(remote.value) == str(local.value)

    # An engine error inside a task comes back with the engine's message.
    settings = dict(paths=PATHS, seed=1, sampler=None, antithetic=None, keep_samples=[])
    calibration, pilot = infersim._core.run_pilot(scenario._core, **settings)
    with pytest.raises(ValueError) as local:
        dist._run_chunk(scenario.to_dict(), calibration, 0, 9, settings, 1)
    with pytest.raises(ValueError) as remote:
        scenario_f, calibration_f = client.scatter([scenario.to_dict(), calibration])
        client.submit(dist._run_chunk, scenario_f, calibration_f, 0, 9, settings, 1).result()
    assert str(remote.value) == str(local.value)
    assert "is not a range of blocks after the pilot" in str(local.value)

    # Parts that do not fit together are refused, naming what is wrong.
    part = infersim._core.run_blocks(scenario._core, calibration, 8, 14, **settings)

    def merge(parts, **kw):
        return infersim._core.merge_partials(scenario._core, calibration, parts, **{**settings, **kw})

    same_json(infersim.Result(merge([pilot, part])), infersim.run(scenario, paths=PATHS, seed=1))
    with pytest.raises(ValueError, match=r"blocks \[8, 14\) are missing"):
        merge([pilot])
    with pytest.raises(ValueError, match="partial run: truncated"):
        merge([pilot, part[:-3]])
    with pytest.raises(ValueError, match="where block 14 comes next"):
        merge([pilot, part, part])
    with pytest.raises(ValueError, match="made for another run"):
        merge([pilot, part], seed=2)
    with pytest.raises(ValueError, match="partial run: not one"):
        merge([pilot, b"garbage" * 10])


def test_run_many_over_the_bundled_scenarios(client):
    opts = dict(statistics=["mean", "p50"], paths=3000, seed=2)
    local = infersim.run_many(REPO_ROOT / "scenarios", **opts)
    remote = dist.run_many(REPO_ROOT / "scenarios", client=client, **opts)
    assert remote.equals(local)
    assert remote.attrs["errors"] == local.attrs["errors"] == {}


def test_the_command_line_front_end(client, tmp_path):
    """``python3 -m infersim run --scheduler``: the local run's result JSON, bit for bit; a bad
    scenario is exit 2 naming the field, and no file is written."""
    import json
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(infersim.__file__))}
    out = tmp_path / "result.json"
    cmd = [sys.executable, "-m", "infersim", "run", DEFAULT_SCENARIO, "--scheduler", client.scheduler.address,
           "-o", str(out), "--paths", str(PATHS), "--seed", "11", "--chunk-paths", str(2 * B)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    local = infersim.run(DEFAULT_SCENARIO, paths=PATHS, seed=11)
    strip = lambda text: re.sub(r'"elapsed_s": [^,\n]+', '"elapsed_s": 0', text)  # noqa: E731
    assert strip(out.read_text()) == strip(local.to_json())

    bad = tmp_path / "bad.json"
    doc = json.loads(open(DEFAULT_SCENARIO).read())
    doc["player"]["wacc"] = -3
    bad.write_text(json.dumps(doc))
    out2 = tmp_path / "bad.result.json"
    cmd[4], cmd[8] = str(bad), str(out2)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "player.wacc" in done.stderr, done.stderr
    assert not out2.exists()


def test_quantiles_and_thresholds(client, scenario):
    opts = dict(paths=PATHS, seed=3, quantiles=[0.025, 0.975], thresholds={"npv_usd": [0, 1e10], "revenue_usd": 5e10})
    local = infersim.run(scenario, **opts)
    assert "p97.5" in local.summary().columns and len(local.thresholds()) == 2 + 10  # revenue: every year
    same_json(dist.run(scenario, client=client, chunk_paths=2 * B, **opts), local)


@pytest.mark.parametrize("sampler, target", [("random", "0.45%"), ("lhs", "0.15%")])
def test_a_run_to_a_target_precision(client, scenario, sampler, target):
    """The same checkpoints, the same stop and the same bytes as the local run (whose random
    paths are judged in one pass, the cluster's by a run a checkpoint)."""
    step = 4 * B
    opts = dict(max_paths=20 * B, seed=6, sampler=sampler, target_se={"npv_usd": target}, target_step=step)
    local = infersim.run(scenario, **opts)
    assert local.target_se["met"] and 8 * B < local.paths < 20 * B  # past the pilot: chunks ran
    remote = dist.run(scenario, client=client, chunk_paths=3 * B, **opts)
    same_json(remote, local)
    assert remote.target_se == local.target_se


def test_sweep_and_stress(client, scenario):
    grid = {"market.price_decline": [0.3, 0.5], "player.share_end": [0.05, 0.1, 0.2]}
    opts = dict(paths=3000, seed=1)
    local = infersim.sweep(scenario, grid, ["npv_usd:p50", "revenue_usd@2030:mean"], **opts)
    remote = dist.sweep(scenario, grid, ["npv_usd:p50", "revenue_usd@2030:mean"], client=client, **opts)
    assert remote.equals(local) and remote.shape == (6, 4)
    with pytest.raises(ValueError, match="market.nope"):
        dist.sweep(scenario, {"market.nope": [1]}, client=client, **opts)

    local_c = infersim.stress(scenario, ["capex-overrun", "price-war"], **opts)
    remote_c = dist.stress(scenario, ["capex-overrun", "price-war"], client=client, **opts)
    assert without_elapsed(remote_c.to_json()) == without_elapsed(local_c.to_json())
    cheap = scenario.with_overrides({"player.price_ratio": 0.6})
    local_c = infersim.compare(scenario, {"cheaper": cheap}, **opts)
    remote_c = dist.compare(scenario, {"cheaper": cheap}, client=client, **opts)
    assert without_elapsed(remote_c.to_json()) == without_elapsed(local_c.to_json())


def test_sobol_design_blocks_as_tasks(client, scenario):
    opts = dict(base_rows=600, seed=2, bootstrap=50)
    local = infersim.sobol(scenario, "npv_usd", **opts)
    remote = dist.sobol(scenario, "npv_usd", client=client, block_rows=256, **opts)  # an uneven last block
    assert remote.equals(local) and remote.attrs == local.attrs
    with pytest.raises(ValueError, match="base rows"):
        dist.sobol(scenario, "npv_usd", base_rows=1, client=client)
    with pytest.raises(ValueError, match="undefined on"):
        dist.sobol(scenario, "irr", base_rows=64, client=client, block_rows=32)
