#!/usr/bin/env python3
"""A bounded load test of `infersim serve` on loopback: N clients send a fixed number of
requests (runs and dashboard views of the bundled scenarios with a few seeds and overrides),
check every answer against the package's own result for the same request, and report
throughput, latency percentiles and the server's peak memory.

    PYTHONPATH=build/python /usr/bin/python3 bench/load_test.py --clients 16 --requests 400

The server is started here (`python3 -m infersim serve --port 0`) unless --url is given.
tests/server/test_load.py runs a small version of it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def requests_mix(count: int, paths: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` requests cycling through 8 distinct ones: runs and dashboard views."""
    distinct = []
    for k, (scenario, overrides) in enumerate([
        ("default", {}), ("default", {"market.price_decline": 0.5}),
        ("meta_8pct_uncertain", {}), ("meta_8pct_uncertain", {"player.share_end": 0.1}),
    ]):
        body = {"scenario": scenario, "overrides": overrides, "paths": paths, "seed": k + 1}
        distinct += [("/api/run", body), ("/api/dashboard", body)]
    return [distinct[i % len(distinct)] for i in range(count)]


def expected(body: dict[str, Any]) -> tuple[float, float]:
    """(P(NPV > 0), median NPV) computed in this process by the package itself."""
    import infersim

    sc = infersim.Scenario.from_json(ROOT / "scenarios" / f"{body['scenario']}.json").with_overrides(body["overrides"])
    npv = infersim.run(sc, paths=body["paths"], seed=body["seed"], progress=False).summary().loc["npv_usd"]
    return float(npv["prob_positive"]), float(npv["p50"])


def observed(endpoint: str, answer: dict[str, Any]) -> tuple[float, float]:
    if endpoint == "/api/run":
        npv = answer["scalars"]["npv_usd"]
    else:
        npv = answer["distribution"]
    return npv["prob_positive"], npv["p50"]


def post(url: str, body: dict[str, Any], timeout: float = 60) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) / 1024


class Server:
    def __init__(self, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infersim", "serve", "--port", "0", "--scenarios", str(ROOT / "scenarios"),
             "--data", str(ROOT / "data"), *options], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        port = re.search(r":(\d+)/", line)
        if not port:
            self.process.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{port.group(1)}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def load(url: str, clients: int, count: int, paths: int) -> dict[str, Any]:
    """Send `count` requests from `clients` threads; every answer checked. Returns the figures;
    `lost` and `wrong` list the requests without a 200 or with a wrong answer."""
    mix = requests_mix(count, paths)
    truth: dict[str, tuple[float, float]] = {}
    for _, body in mix:
        key = json.dumps(body, sort_keys=True)
        if key not in truth:
            truth[key] = expected(body)
    latencies: list[float] = []
    lost: list[str] = []
    wrong: list[str] = []
    lock = threading.Lock()

    def one(item: tuple[str, dict[str, Any]]) -> None:
        endpoint, body = item
        t0 = time.perf_counter()
        status, answer = post(url + endpoint, body)
        dt = time.perf_counter() - t0
        with lock:
            latencies.append(dt)
            if status != 200:
                lost.append(f"{endpoint} {body}: HTTP {status} {answer}")
            elif observed(endpoint, answer) != truth[json.dumps(body, sort_keys=True)]:
                wrong.append(f"{endpoint} {body}: {observed(endpoint, answer)}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, mix))
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {"clients": clients, "requests": count, "paths": paths, "answered": len(latencies),
            "wall_s": wall, "throughput_rps": count / wall, "p50_ms": 1000 * pct(0.5), "p99_ms": 1000 * pct(0.99),
            "max_ms": 1000 * latencies[-1], "lost": lost, "wrong": wrong}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--paths", type=int, default=20000, help="paths of each run (the page's 20000)")
    parser.add_argument("--url", help="a running server (default: start one here)")
    a = parser.parse_args()
    server = None if a.url else Server()
    url = a.url or server.url
    try:
        figures = load(url, a.clients, a.requests, a.paths)
        if server:
            figures["server_peak_rss_mb"] = peak_rss_mb(server.process.pid)
    finally:
        if server:
            server.stop()
    print(json.dumps({k: v for k, v in figures.items() if k not in ("lost", "wrong")}, indent=1))
    for line in figures["lost"] + figures["wrong"]:
        print("FAIL", line, file=sys.stderr)
    return 1 if figures["lost"] or figures["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
