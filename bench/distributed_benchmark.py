#!/usr/bin/env python3
"""The cost of running on Dask: a local run vs infersim.distributed.run on a LocalCluster
of this machine, the bytes of a calibration and of a partial run, and the merge time.

    PYTHONPATH=build/python /usr/bin/python3 bench/distributed_benchmark.py --paths 1e6

Every distributed result is checked to be byte-identical to the local one (elapsed_s apart).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default=str(ROOT / "bench" / "fixtures" / "bench-2cluster.json"))
    ap.add_argument("--paths", type=float, default=1e6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunks", default="16,64,244", help="chunk sizes in blocks of 4096 paths")
    ap.add_argument("--repeat", type=int, default=3, help="keep the fastest of this many runs")
    args = ap.parse_args()

    import infersim
    from distributed import Client, LocalCluster
    from infersim import _core
    from infersim import distributed as dist

    scenario = infersim.Scenario.from_json(args.scenario)
    paths = int(args.paths)
    strip = lambda text: re.sub(r'"elapsed_s": [^,\n]+', "", text)  # noqa: E731

    def fastest(f):
        best, out = float("inf"), None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = f()
            best = min(best, time.perf_counter() - t0)
        return best, out

    t_local, local = fastest(lambda: infersim.run(scenario, paths=paths, seed=1, threads=args.workers, progress=False))
    print(f"scenario {Path(args.scenario).name}, {paths:,} paths, {os.cpu_count()} cores")
    print(f"local run ({args.workers} threads): {t_local:.3f} s")

    settings = dict(paths=paths, seed=1, sampler=None, antithetic=None, keep_samples=[])
    _, blocks, pilot_blocks = _core.run_layout(scenario._core, **settings)
    t_pilot, (calibration, pilot) = fastest(lambda: _core.run_pilot(scenario._core, **settings))
    part = _core.run_blocks(scenario._core, calibration, pilot_blocks, pilot_blocks + 16, **settings)
    print(f"blocks {blocks}, pilot {pilot_blocks} blocks ({t_pilot:.3f} s)")
    print(f"calibration: {len(calibration):,} bytes; pilot part: {len(pilot):,} bytes")
    print(f"partial run of 16 blocks: {len(part):,} bytes ({len(part) / 16:,.0f} bytes a block)")

    env = {"PYTHONPATH": os.pathsep.join([str(Path(infersim.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, env=env) as cluster, Client(cluster) as client:
        dist.run(scenario, paths=200_000, seed=1, client=client)  # workers import infersim once
        for chunk_blocks in (int(c) for c in args.chunks.split(",")):
            t, result = fastest(lambda: dist.run(scenario, paths=paths, seed=1, client=client,
                                                 chunk_paths=chunk_blocks * 4096))
            assert strip(result.to_json()) == strip(local.to_json()), "not byte-identical"
            tasks = -(-(blocks - pilot_blocks) // chunk_blocks)
            print(f"distributed, {args.workers} workers, chunks of {chunk_blocks} blocks ({tasks} tasks): "
                  f"{t:.3f} s = {t / t_local:.2f}x local (+{t - t_local:.3f} s); identical")

    # The merge alone (the client's serial share): every part's bytes into the Result, at
    # `paths` and at twice as many; the difference gives the cost of one more block.
    merges = []
    for n in (paths, 2 * paths):
        opts = dict(settings, paths=n)
        _, nb, pb = _core.run_layout(scenario._core, **opts)
        cal, first = _core.run_pilot(scenario._core, **opts)
        parts = [first] + [
            _core.run_blocks(scenario._core, cal, b, min(nb, b + 64), **opts) for b in range(pb, nb, 64)
        ]
        t, _ = fastest(lambda: _core.merge_partials(scenario._core, cal, parts, **opts))
        merges.append((nb, t))
        print(f"merge of {len(parts)} parts ({sum(len(p) for p in parts):,} bytes, {nb} blocks): {t * 1e3:.1f} ms")
    (b1, t1), (b2, t2) = merges
    print(f"merge cost of one more block: {(t2 - t1) / (b2 - b1) * 1e6:.1f} us; "
          f"fixed cost (plan, bins, statistics): {(t1 - (t2 - t1) / (b2 - b1) * b1) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
