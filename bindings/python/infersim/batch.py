"""Many scenarios at once: one tidy table of every statistic across them (``infersim run
DIR --summary`` on the command line)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union

import pandas as pd

from . import _core
from ._display import tidy_formatted
from .result import Result, run
from .scenario import Scenario

__all__ = ["run_many"]

#: What run_many() takes: scenario files, folders of them, and Scenario objects.
ScenarioSource = Union[Scenario, str, os.PathLike[str]]


def run_many(
    scenarios: Union[ScenarioSource, Iterable[ScenarioSource]],
    statistics: Union[Iterable[str], None] = None,
    keep_going: bool = False,
    **run_options: Any,
) -> pd.DataFrame:
    """Run each scenario and return one tidy table of their statistics: the rows of
    :meth:`Result.to_frame` (scenario, metric, year, statistic, value, unit), scenario by
    scenario, with a ``source`` column (the file, or ``"<Scenario>"`` for an object).

    `scenarios` is a scenario file, a folder (its ``*.json`` files, in name order), a
    :class:`Scenario`, or a list of any of these. `run_options` are :func:`infersim.run`'s
    (paths, seed, sampler, antithetic, threads, progress); `statistics` keeps only those
    named. A bad file raises ValueError naming it, unless ``keep_going=True``: then every
    other scenario still runs and ``attrs["errors"]`` maps each bad file to its message.

    >>> df = run_many("scenarios/", statistics=["p50", "prob_positive"], paths=2_000, seed=1)
    >>> npv = df.query("metric == 'npv_usd' and statistic == 'p50'").set_index("scenario")["value"]
    >>> "default" in npv.index and bool(npv.loc["meta-8pct-base"] > 0)
    True
    """
    if "keep_samples" in run_options:
        raise TypeError("run_many: keep_samples is not taken (the table holds statistics only)")
    outcomes: list[tuple[str, Union[Result, str]]] = []
    for source in _expand(scenarios):
        where = "<Scenario>" if isinstance(source, Scenario) else os.fspath(source)
        try:
            outcomes.append((where, run(source, **run_options)))
        except ValueError as err:
            if not keep_going:
                raise
            outcomes.append((where, str(err)))
    return _table(outcomes, statistics)


def _table(outcomes: list[tuple[str, Union[Result, str]]], statistics: Union[Iterable[str], None]) -> pd.DataFrame:
    """The tidy table of (source, Result or error message) pairs, in order (also the
    distributed run_many's)."""
    frames, errors = [], {}
    for where, outcome in outcomes:
        if isinstance(outcome, str):
            errors[where] = outcome
            continue
        frame = outcome.to_frame(statistics)
        frame.insert(1, "source", where)
        frames.append(frame)
    columns = ["scenario", "source", "metric", "year", "statistic", "value", "unit"]
    table = tidy_formatted(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns))
    table.attrs["errors"] = errors
    return table


def _expand(scenarios: Union[ScenarioSource, Iterable[ScenarioSource]]) -> list[ScenarioSource]:
    """Scenario objects and files, with each folder replaced by its *.json files in name order."""
    items = [scenarios] if isinstance(scenarios, (Scenario, str, os.PathLike)) else list(scenarios)
    out: list[ScenarioSource] = []
    for item in items:
        if isinstance(item, Scenario):
            out.append(item)
        elif isinstance(item, (str, os.PathLike)):
            path = Path(item)
            if path.is_dir():
                files = sorted(path.glob("*.json"))
                if not files:
                    raise _core.InputError(f"{os.fspath(item)}: a folder without *.json scenario files")
                out.extend(files)
            else:
                out.append(path)
        else:
            raise TypeError(
                f"run_many: expected scenario files, folders or Scenario objects, got {type(item).__name__}"
            )
    if not out:
        raise _core.InputError("run_many: no scenarios given")
    return out
