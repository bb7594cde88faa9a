"""``python3 -m infersim serve|report|run``: the dashboard server, the HTML report, and a
run on a Dask cluster.

    python3 -m infersim serve [--host 127.0.0.1] [--port 8765] [--scenarios DIR] [--data DIR]
    python3 -m infersim report SCENARIO.json -o report.html [--paths N] [--seed S]
    python3 -m infersim run SCENARIO.json --scheduler tcp://HOST:PORT -o result.json [--paths N] [--seed S]
                           [--target-se METRIC:mean=SE|PCT% ... [--target-step N] [--max-paths N]]

Exit codes as the command line's: 0 success, 2 bad input (one line naming the JSON path
and the value), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional


def report(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m infersim report",
                                     description="Run a scenario and write a self-contained HTML report.")
    parser.add_argument("scenario", help="scenario file")
    parser.add_argument("-o", "--out", required=True, help="the HTML file to write (atomically)")
    parser.add_argument("--paths", type=float, help="paths (200000 or 2e5; default: the scenario's)")
    parser.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    parser.add_argument("--data", help="reference catalog directory (default: $INFERSIM_DATA, else data/)")
    a = parser.parse_args(argv)
    if a.paths is not None and (a.paths != int(a.paths) or a.paths < 1):
        parser.exit(2, f"infersim: error: --paths: must be a whole number >= 1, got {a.paths:g}\n")
    if a.data:
        os.environ["INFERSIM_DATA"] = a.data
    from .report import write_report

    try:
        result = write_report(a.scenario, a.out, paths=None if a.paths is None else int(a.paths), seed=a.seed)
    except ValueError as err:  # InputError: the scenario's JSON path and value
        print(f"infersim: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"infersim: error: {a.out}: {err.strerror}", file=sys.stderr)
        return 2
    print(f"{a.out}: {result.scenario}, {result.paths:,} paths, seed {result.seed}")
    return 0


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m infersim run",
        description="Run a scenario on a Dask cluster (docs/distributed.md) and write the result JSON "
        "that `infersim run --out` writes, with the same bits.")
    parser.add_argument("scenario", help="scenario file")
    parser.add_argument("--scheduler", required=True, help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("-o", "--out", required=True, help="the result JSON to write (atomically)")
    parser.add_argument("--paths", type=float, help="paths (200000 or 2e5; default: the scenario's)")
    parser.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    parser.add_argument("--chunk-paths", type=int, help="paths of one task (default: 64 blocks of 4096)")
    parser.add_argument("--target-se", action="append",
                        help="METRIC[@YEAR]:mean=SE or =PERCENT%%: run to this se of the mean (repeatable)")
    parser.add_argument("--target-step", type=int, help="with --target-se: paths between checkpoints (default 65536)")
    parser.add_argument("--max-paths", type=float, help="with --target-se: at most this many paths")
    a = parser.parse_args(argv)
    if a.paths is not None and (a.paths != int(a.paths) or a.paths < 1):
        parser.exit(2, f"infersim: error: --paths: must be a whole number >= 1, got {a.paths:g}\n")
    from distributed import Client  # imported here: only this command needs Dask

    from . import distributed

    try:
        with Client(a.scheduler, timeout="10s") as client:
            result = distributed.run(a.scenario, None if a.paths is None else int(a.paths), client=client,
                                     seed=a.seed, chunk_paths=a.chunk_paths, target_se=a.target_se,
                                     target_step=a.target_step, max_paths=a.max_paths)
        result.save(a.out)
    except ValueError as err:  # InputError: the scenario's JSON path and value
        print(f"infersim: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # no scheduler at the address, or the output not writable
        print(f"infersim: error: {err}", file=sys.stderr)
        return 2
    print(f"{a.out}: {result.scenario}, {result.paths:,} paths, seed {result.seed}")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "serve":
        from .server import main as serve  # imported here: only serve needs FastAPI

        return serve(argv[1:])
    if argv and argv[0] == "report":
        return report(argv[1:])
    if argv and argv[0] == "run":
        return run(argv[1:])
    print("usage:" + __doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
