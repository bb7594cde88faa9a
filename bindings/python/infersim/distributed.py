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
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

import pandas as pd

from . import _args, _core
from .batch import ScenarioSource, _expand, _table
from .result import Result, _threshold_list
from .scenario import Scenario, as_scenario

__all__ = ["run", "run_many", "sweep", "stress", "compare", "sobol", "BLOCK_PATHS"]

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
    quantiles: Iterable[float] = (),
    thresholds: Optional[Mapping[str, Union[float, Iterable[float]]]] = None,
    target_se: Union[str, Iterable[str], Mapping[str, Union[float, str]], None] = None,
    target_step: Optional[int] = None,
    max_paths: Optional[int] = None,
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

    `quantiles`, `thresholds` and the run to a target precision (`target_se`, `target_step`,
    `max_paths`) are those of :func:`infersim.run`, with the same result: each checkpoint
    of a target_se run is a whole run of its paths on the cluster, judged by the same rule.
    """
    scenario = as_scenario(scenario)
    if isinstance(keep_samples, str):
        keep_samples = [keep_samples]
    _args.precision_only(target_se, target_step, max_paths)
    settings = dict(
        paths=_args.cap(paths, max_paths) if target_se is not None else _args.paths(paths),
        seed=_args.seed(seed),
        sampler=sampler,
        antithetic=antithetic,
        keep_samples=list(keep_samples),
        quantiles=[float(q) for q in quantiles],
        thresholds=_threshold_list(thresholds),
    )
    if chunk_paths is not None and (isinstance(chunk_paths, bool) or not isinstance(chunk_paths, int) or chunk_paths < 1):
        raise ValueError(f"chunk_paths: {chunk_paths!r} is not a whole number >= 1")
    if not isinstance(task_threads, int) or task_threads < 0:
        raise ValueError(f"task_threads: {task_threads!r} is not a whole number >= 0")
    if target_se is None:
        return _run(scenario, settings, client, chunk_paths, threads, task_threads, progress)
    # Checkpoints step, 2 step, ... up to the cap, as run_to_precision() takes them.
    specs = _args.target_se(target_se)
    step = _core.precision_step(scenario._core, target_se=specs, target_step=_args.whole(target_step, "target_step", 1, 2**63))
    cap, _, _ = _core.run_layout(scenario._core, **settings)
    n = min(step, cap)
    while True:
        result = _run(scenario, {**settings, "paths": n}, client, chunk_paths, threads, task_threads, progress)
        met, core = _core.assess_precision(scenario._core, result._core, target_se=specs, target_step=step, max_paths=cap)
        if met or n == cap:
            return Result(core)
        n = min(cap, n + step)


def _run(scenario: Scenario, settings: dict, client: Any, chunk_paths: Optional[int], threads: Optional[int],
         task_threads: int, progress: bool) -> Result:
    """One run of fixed paths: the pilot here, the chunks after it as tasks, merged here."""
    _, blocks, pilot_blocks = _core.run_layout(scenario._core, **settings)
    calibration, pilot = _core.run_pilot(scenario._core, threads=threads or 0, **settings)
    parts = [pilot]
    if pilot_blocks < blocks:
        client = _client(client)
        step = DEFAULT_CHUNK_BLOCKS if chunk_paths is None else math.ceil(chunk_paths / BLOCK_PATHS)
        ranges = [(b, min(blocks, b + step)) for b in range(pilot_blocks, blocks, step)]
        # The scenario and the calibration (~1 MB) are sent once, as tasks that return them,
        # not once a chunk. Not scattered: a scattered value whose workers die is lost for
        # good, and the chunks that need it are cancelled; a task's result is recomputed
        # from the graph, so a killed worker costs time, never the run. Fresh keys each call
        # (pure=False): nothing depends on an earlier call's copy, which Dask may be releasing.
        scenario_dict = scenario.to_dict()
        token = _token(scenario_dict, calibration, settings)  # once: the calibration is ~1 MB
        with warnings.catch_warnings():  # Dask's advice to scatter a large argument, declined above
            warnings.filterwarnings("ignore", message="Large object of size", category=UserWarning)
            scenario_f = client.submit(_held, scenario_dict, pure=False)
            calibration_f = client.submit(_held, calibration, pure=False)
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


def sweep(
    scenario: Union[Scenario, str, os.PathLike[str]],
    grid: Mapping[str, Iterable[float]],
    statistics: Union[str, Iterable[str]] = ("npv_usd:p50", "npv_usd:prob_positive"),
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: bool = False,
    *,
    client: Any = None,
) -> pd.DataFrame:
    """:func:`infersim.sweep` with one Dask task a grid point (a whole run on `threads`
    threads of its worker, 0 or None: 1): the same table, bit for bit."""
    import numpy as np

    from ._display import by_column, formatted

    scenario = as_scenario(scenario)
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid: expected a dict input path -> values, got {type(grid).__name__}")
    statistics = [statistics] if isinstance(statistics, str) else list(statistics)
    axes = [(str(name), [float(x) for x in np.atleast_1d(values)]) for name, values in grid.items()]
    options = dict(paths=_args.paths(paths), seed=_args.seed(seed), sampler=sampler, antithetic=antithetic, threads=threads or 1)
    # Checked here, with the local sweep's messages: the grid and statistics by a sweep of
    # one path at the first point, the run's options without running it.
    if not (len(axes) in (1, 2) and all(values for _, values in axes)):
        _core.sweep(scenario._core, axes, statistics, **options)  # raises the local error
    first = [(name, values[:1]) for name, values in axes]
    _core.sweep(scenario._core, first, statistics, paths=1, seed=options["seed"], sampler="random", antithetic=False, threads=1)
    _core.run_layout(scenario._core, **{k: v for k, v in options.items() if k != "threads"})
    points = [[(axes[0][0], [x])] for x in axes[0][1]]
    if len(axes) == 2:
        points = [[*p, (axes[1][0], [y])] for p in points for y in axes[1][1]]
    client = _client(client)
    # The scenario goes with each task (a few kB). A scattered copy was reported as "lost
    # data" by the scheduler when a Sobol call followed a failed one (cause inside Dask not
    # found); a grid has few points, so the copies cost nothing that matters.
    scenario_d = scenario.to_dict()
    futures = [client.submit(_sweep_point, scenario_d, point, statistics, options, pure=False) for point in points]
    if progress:
        from distributed import progress as dask_progress

        dask_progress(futures)
    rows = client.gather(futures)
    inputs, names = rows[0][0], rows[0][1]
    frame = pd.DataFrame(np.vstack([row for _, _, row in rows]), columns=[*inputs, *names])
    stat_columns = set(names)
    return formatted(frame, by_column(lambda column: column if column in stat_columns else None))


def stress(
    scenario: Union[Scenario, str, os.PathLike[str]],
    names: Union[str, Iterable[str], None] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: bool = False,
    *,
    client: Any = None,
) -> Any:
    """:func:`infersim.stress` as one Dask task on `threads` threads of a worker (None: every
    core): the same :class:`~infersim.Comparison`, bit for bit. The stresses share every
    path with the base, so a comparison runs whole on one worker; many comparisons (one
    call each, or :func:`compare` of other scenarios) spread over the cluster."""
    from .analysis import stress as local_stress

    scenario = as_scenario(scenario)
    names = [] if names is None else [names] if isinstance(names, str) else list(names)
    return _one_task(client, progress, local_stress, scenario.to_dict(), names,
                     dict(paths=paths, seed=seed, sampler=sampler, antithetic=antithetic, threads=threads))


def compare(
    base: Union[Scenario, str, os.PathLike[str]],
    others: Union[Iterable[Any], Mapping[str, Any]],
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: bool = False,
    *,
    client: Any = None,
) -> Any:
    """:func:`infersim.compare` as one Dask task (see :func:`stress`): the same Comparison."""
    from .analysis import compare as local_compare

    base = as_scenario(base, "base")
    if isinstance(others, Mapping):
        variants: Any = {str(name): as_scenario(sc, f"others[{name!r}]").to_dict() for name, sc in others.items()}
    elif isinstance(others, (Scenario, str, os.PathLike)):
        raise TypeError("others: expected a list of scenarios or a dict name -> scenario, got a single scenario")
    else:
        variants = [as_scenario(o, f"others[{i}]").to_dict() for i, o in enumerate(others)]
    return _one_task(client, progress, local_compare, base.to_dict(), variants,
                     dict(paths=paths, seed=seed, sampler=sampler, antithetic=antithetic, threads=threads))


def sobol(
    scenario: Union[Scenario, str, os.PathLike[str]],
    metric: str = "npv_usd",
    base_rows: int = 8192,
    seed: Optional[int] = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    threads: Optional[int] = None,
    *,
    client: Any = None,
    block_rows: int = 1024,
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`infersim.sobol` with the design in blocks of `block_rows` rows, one Dask task
    each (``block_rows * (inputs + 2)`` model evaluations; a row is a pure function of
    (seed, row)); the rows are gathered here in order and the indices and bootstrap
    intervals computed here on `threads` threads: the same table, bit for bit."""
    from .sensitivity import _frame, _shares_of_variance
    from ._display import formatted

    scenario = as_scenario(scenario)
    if isinstance(block_rows, bool) or not isinstance(block_rows, int) or block_rows < 1:
        raise ValueError(f"block_rows: {block_rows!r} is not a whole number >= 1")
    options = dict(base_rows=base_rows, seed=_args.seed(seed))
    # Checked here, with the local messages, by the design's first two rows.
    _core.sobol_design_rows(scenario._core, metric, 0, 2, bootstrap=bootstrap, confidence=confidence, threads=1, **options)
    client = _client(client)
    scenario_d = scenario.to_dict()  # with each task, as in sweep()
    futures = [
        client.submit(_sobol_rows, scenario_d, metric, first, min(base_rows, first + block_rows), options, pure=False)
        for first in range(0, base_rows, block_rows)
    ]
    if progress:
        from distributed import progress as dask_progress

        dask_progress(futures)
    import numpy as np

    rows = np.concatenate(client.gather(futures))
    doc = _core.sobol_from_rows(scenario._core, metric, rows, bootstrap=bootstrap, confidence=confidence,
                                threads=threads or 0, **options)
    frame = _frame(doc)
    return formatted(frame, _shares_of_variance({c for c in frame.columns if c.startswith(("first_order", "total"))}))


def _sobol_rows(scenario: dict, metric: str, first: int, last: int, options: dict) -> Any:
    """One task: rows [first, last) of the Sobol design."""
    return _core.sobol_design_rows(_core.Scenario.from_dict(scenario), metric, first, last, threads=1, **options)


def _one_task(client: Any, progress: bool, function: Any, scenario: dict, second: Any, options: dict) -> Any:
    future = _client(client).submit(_analysis_task, function, scenario, second, options, pure=False)
    if progress:
        from distributed import progress as dask_progress

        dask_progress([future])
    return future.result()


def _analysis_task(function: Any, scenario: dict, second: Any, options: dict) -> Any:
    """stress() or compare() on a worker, the scenarios rebuilt from their dicts."""
    if isinstance(second, Mapping):
        second = {name: Scenario.from_dict(d) for name, d in second.items()}
    elif second and isinstance(second[0], dict):
        second = [Scenario.from_dict(d) for d in second]
    return function(Scenario.from_dict(scenario), second, progress=False, **options)


def _sweep_point(scenario: dict, point: list, statistics: list, options: dict) -> tuple:
    """One task: the run at one grid point, as (inputs, statistics, its row)."""
    core = _core.sweep(_core.Scenario.from_dict(scenario), point, statistics, **options)
    return core.inputs, core.statistics, core.points[0]


def _client(client: Any) -> Any:
    if client is not None:
        return client
    from distributed import get_client

    return get_client()


def _token(*args: Any) -> str:
    from dask.base import tokenize

    return tokenize(*args)


def _held(value: Any) -> Any:
    """A task that returns its argument: data the workers share, recomputable if lost."""
    return value


def _run_chunk(scenario: dict, calibration: bytes, first: int, last: int, settings: dict, threads: int) -> bytes:
    """One task: blocks [first, last) of the run, as partial-run bytes."""
    core = _core.Scenario.from_dict(scenario)
    return _core.run_blocks(core, calibration, first, last, threads=threads, **settings)


def _run_one(scenario: dict, run_options: dict) -> Result:
    from .result import run as run_local

    return run_local(Scenario.from_dict(scenario), progress=False, **run_options)
