"""Fixtures of the server tests: real `python3 -m infersim serve` processes on 127.0.0.1
with a free port (--port 0), started here and stopped at the end, and a small JSON client.

The package comes from PYTHONPATH (CTest sets it to the build's python/ directory)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """A running server and a client for it."""

    def __init__(self, *options: str, env: Optional[dict[str, str]] = None) -> None:
        env = {**os.environ, **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infersim", "serve", "--port", "0", "--scenarios", str(ROOT / "scenarios"),
             "--data", str(ROOT / "data"), *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the server did not start: {line!r} {self.process.stderr.read()}")
        self.url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/api/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def request(self, method: str, path: str, body: Any = None, raw: Optional[bytes] = None,
                timeout: float = 60) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body or text) of one request; HTTP errors are returned, not raised."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, headers, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as err:
            status, headers, text = err.code, dict(err.headers), err.read().decode()
        try:
            return status, headers, json.loads(text)
        except json.JSONDecodeError:
            return status, headers, text

    def get(self, path: str) -> Any:
        status, _, body = self.request("GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: Any) -> Any:
        status, _, answer = self.request("POST", path, body)
        assert status == 200, (path, status, answer)
        return answer

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("the server did not stop within 15 s of SIGTERM")


@pytest.fixture(scope="session")
def server():
    s = Server("--max-body-bytes", "200000", "--max-paths", "300000", "--max-jobs", "2")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def build_dir() -> Path:
    """Where screenshots go: the build tree when CTest runs (INFERSIM_BUILD_DIR), else /tmp."""
    path = Path(os.environ.get("INFERSIM_BUILD_DIR", "/tmp")) / "server-test"
    path.mkdir(parents=True, exist_ok=True)
    return path
