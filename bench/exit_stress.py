#!/usr/bin/env python3
"""Interpreter exit with engine calls in flight, many times over (issue 17).

Each trial starts a fresh interpreter whose daemon threads run short runs, tornados and one
10^9-path run, and lets the main thread end after a few tenths of a second. A trial fails
when the process does not end with status 0 and "exiting" printed (an abort was "pure virtual
method called" or "terminate called without an active exception", status -6). The test suite
runs three such trials (bindings/tests/test_hardening.py); this runs hundreds, spread over
the exit times, optionally against the ASan build, where the windows are widest:

    /usr/bin/python3 bench/exit_stress.py --python-dir build-asan/python --asan --trials 300
    /usr/bin/python3 bench/exit_stress.py --python-dir build/python --trials 300 --jobs 2
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import pathlib
import subprocess
import sys
import textwrap
import time

REPO = pathlib.Path(__file__).resolve().parent.parent

TRIAL = textwrap.dedent("""
    import sys, threading, time, infersim
    sc = infersim.Scenario.from_json(sys.argv[1])
    def runs():
        while True:
            infersim.run(sc, paths=3000, progress=False, threads=1)
    def tornados():
        while True:
            infersim.tornado(sc, "npv_usd")
    for f in (runs, runs, tornados):
        threading.Thread(target=f, daemon=True).start()
    threading.Thread(target=lambda: infersim.run(sc, paths=10**9, progress=False), daemon=True).start()
    time.sleep(float(sys.argv[2]))
    print("exiting", flush=True)
""")


def compiler_file(name: str) -> str:
    return subprocess.run(["g++", f"-print-file-name={name}"], check=True, capture_output=True,
                          text=True).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python-dir", default=str(REPO / "build" / "python"),
                    help="the built package's directory (default: build/python)")
    ap.add_argument("--asan", action="store_true", help="preload ASan's runtime (for build-asan/python)")
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=1, help="trials run side by side")
    ap.add_argument("--scenario", default=str(REPO / "scenarios" / "default.json"))
    args = ap.parse_args()
    if args.trials < 1 or args.jobs < 1:
        ap.error("--trials and --jobs must be at least 1")

    env = {**os.environ, "PYTHONPATH": args.python_dir}
    if args.asan:
        env["LD_PRELOAD"] = f"{compiler_file('libasan.so')} {compiler_file('libstdc++.so')}"
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    exit_times = [0.2, 0.5, 0.9]

    def trial(i: int) -> tuple[float, bool, str, float]:
        after = exit_times[i % len(exit_times)]
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/python3", "-c", TRIAL, args.scenario, str(after)], env=env,
                           capture_output=True, text=True, timeout=120)
        ok = p.returncode == 0 and "exiting" in p.stdout
        tail = "" if ok else f"status {p.returncode}: {p.stderr.strip().splitlines()[-2:]}"
        return after, ok, tail, time.perf_counter() - start - after

    failures: collections.Counter[float] = collections.Counter()
    overhead = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for after, ok, tail, extra in pool.map(trial, range(args.trials)):
            overhead.append(extra)
            if not ok:
                failures[after] += 1
                print(f"  exit after {after} s: {tail}", flush=True)
    overhead.sort()
    print(f"{args.trials} trials, {sum(failures.values())} failed "
          f"({', '.join(f'{t} s: {failures[t]}' for t in exit_times)}); "
          f"process time beyond the sleep: median {overhead[len(overhead) // 2]:.2f} s, max {overhead[-1]:.2f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
