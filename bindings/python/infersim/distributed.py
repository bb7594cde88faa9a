"""Runs on a Dask cluster, bit-identical to a local run (docs/distributed.md).

A run's paths fall in blocks of 4096. The first blocks, the pilot, run here and calibrate
the quantile bins; the blocks after it are cut into chunks of whole blocks, each a Dask
task that runs them against the pilot's calibration and returns their statistics as bytes
(every block's, not their sum); the chunks are merged here in block order, as a local run
merges its blocks. Draws depend only on (seed, path, input), so the Result has the same
bits as :func:`infersim.run` with the same settings, for any chunk size and any number of
workers; only ``elapsed_s`` differs.

>>> from distributed import Client, LocalCluster            # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2))             # doctest: +SKIP
>>> result = run("scenarios/default.json", paths=1_000_000, seed=1, client=client)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any, Optional, Union

import pandas as pd

from . import _core
from .batch import ScenarioSource, _expand, _table
from .result import Result
from .scenario import Scenario, as_scenario

__all__ = ["run", "run_many", "BLOCK_PATHS"]

#: Paths of one block: chunks are whole blocks.
BLOCK_PATHS = 4096

#: Chunk size when none is given: 64 blocks (262,144 paths, a few seconds of work a task).
DEFAULT_CHUNK_BLOCKS = 64


def run(
    scenario: Union[Scenario, str, os.PathLike[str]],
    paths: Optional[int] = None,
    *,
    client: Any = None,
    chunk_paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    keep_samples: Union[str, Iterable[str]] = (),
    threads: Optional[int] = None,
    task_threads: int = 1,
    progress: bool = False,
) -> Result:
    """Run a scenario on a Dask cluster: the same :class:`Result` as :func:`infersim.run`.

    `client` is a ``distributed.Client`` (None: the current default client). `chunk_paths`
    is the paths of one task, rounded up to whole blocks of 4096 (None: 64 blocks).
    Options left as None take the scenario's values, as in :func:`infersim.run`. The pilot
    (the first at most 32,768 paths) runs here on `threads` threads (None: every core);
    each task runs on `task_threads` threads of its worker. ``progress=True`` shows Dask's
    progress bar. A bad option raises ValueError here, with :func:`infersim.run`'s message;
    a task's error is raised here as the engine raised it on the worker; a lost worker's
    tasks are run again by Dask, with the same result.
    """
    scenario = as_scenario(scenario)
    if isinstance(keep_samples, str):
        keep_samples = [keep_samples]
    settings = dict(paths=paths, seed=seed, sampler=sampler, antithetic=antithetic, keep_samples=list(keep_samples))
    if chunk_paths is not None and (isinstance(chunk_paths, bool) or not isinstance(chunk_paths, int) or chunk_paths < 1):
        raise ValueError(f"chunk_paths: {chunk_paths!r} is not a whole number >= 1")
    if not isinstance(task_threads, int) or task_threads < 0:
        raise ValueError(f"task_threads: {task_threads!r} is not a whole number >= 0")
    _, blocks, pilot_blocks = _core.run_layout(scenario._core, **settings)
    calibration, pilot = _core.run_pilot(scenario._core, threads=threads or 0, **settings)
    parts = [pilot]
    if pilot_blocks < blocks:
        client = _client(client)
        step = DEFAULT_CHUNK_BLOCKS if chunk_paths is None else math.ceil(chunk_paths / BLOCK_PATHS)
        ranges = [(b, min(blocks, b + step)) for b in range(pilot_blocks, blocks, step)]
        # Sent once to every worker, not once a task.
        scenario_dict = scenario.to_dict()
        scenario_f, calibration_f = client.scatter([scenario_dict, calibration], broadcast=True, hash=True)
        token = _token(scenario_dict, calibration, settings)  # once: the calibration is ~1 MB
        futures = [
            client.submit(_run_chunk, scenario_f, calibration_f, first, last, settings, task_threads,
                          key=f"infersim-chunk-{token}-{first}-{last}")
            for first, last in ranges
        ]
        if progress:
            from distributed import progress as dask_progress

            dask_progress(futures)
        parts += client.gather(futures)
    return Result(_core.merge_partials(scenario._core, calibration, parts, **settings))


def run_many(
    scenarios: Union[ScenarioSource, Iterable[ScenarioSource]],
    statistics: Union[Iterable[str], None] = None,
    keep_going: bool = False,
    *,
    client: Any = None,
    **run_options: Any,
) -> pd.DataFrame:
    """:func:`infersim.run_many` with one Dask task a scenario: the same table. Scenario
    files are read here; workers need only the data catalog they refer to."""
    if "keep_samples" in run_options:
        raise TypeError("run_many: keep_samples is not taken (the table holds statistics only)")
    if "progress" in run_options:
        raise TypeError("run_many: progress is not taken by the distributed run_many")
    client = _client(client)
    loaded: list[tuple[str, Union[Scenario, str]]] = []
    for source in _expand(scenarios):
        where = "<Scenario>" if isinstance(source, Scenario) else os.fspath(source)
        try:
            loaded.append((where, as_scenario(source)))
        except ValueError as err:
            if not keep_going:
                raise
            loaded.append((where, str(err)))
    futures = {
        i: client.submit(_run_one, sc.to_dict(), run_options, pure=False)
        for i, (_, sc) in enumerate(loaded)
        if isinstance(sc, Scenario)
    }
    outcomes: list[tuple[str, Union[Result, str]]] = []
    for i, (where, sc) in enumerate(loaded):
        if i not in futures:
            outcomes.append((where, sc))
            continue
        try:
            outcomes.append((where, futures[i].result()))
        except ValueError as err:
            if not keep_going:
                raise
            outcomes.append((where, str(err)))
    return _table(outcomes, statistics)


def _client(client: Any) -> Any:
    if client is not None:
        return client
    from distributed import get_client

    return get_client()


def _token(*args: Any) -> str:
    from dask.base import tokenize

    return tokenize(*args)


def _run_chunk(scenario: dict, calibration: bytes, first: int, last: int, settings: dict, threads: int) -> bytes:
    """One task: blocks [first, last) of the run, as partial-run bytes."""
    core = _core.Scenario.from_dict(scenario)
    return _core.run_blocks(core, calibration, first, last, threads=threads, **settings)


def _run_one(scenario: dict, run_options: dict) -> Result:
    from .result import run as run_local

    return run_local(Scenario.from_dict(scenario), progress=False, **run_options)
