"""Many scenarios at once: one tidy table of every statistic across them (``infersim run
DIR --summary`` on the command line)."""

from __future__ import annotations

import os
import tempfile
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
    summary: Union[str, os.PathLike[str], None] = None,
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

    `summary` also writes the table to a file, whole or not at all: CSV (the columns and
    quoting of ``infersim run --summary``) or, for a ``.parquet`` name, Parquet, which needs
    pyarrow or fastparquet (ValueError before anything runs when neither is installed).

    >>> df = run_many("scenarios/", statistics=["p50", "prob_positive"], paths=2_000, seed=1)
    >>> npv = df.query("metric == 'npv_usd' and statistic == 'p50'").set_index("scenario")["value"]
    >>> "default" in npv.index and bool(npv.loc["meta-8pct-base"] > 0)
    True
    """
    if "keep_samples" in run_options:
        raise TypeError("run_many: keep_samples is not taken (the table holds statistics only)")
    if summary is not None:
        _check_summary_path(summary)
    outcomes: list[tuple[str, Union[Result, str]]] = []
    for source in _expand(scenarios):
        where = "<Scenario>" if isinstance(source, Scenario) else os.fspath(source)
        try:
            outcomes.append((where, run(source, **run_options)))
        except ValueError as err:
            if not keep_going:
                raise
            outcomes.append((where, str(err)))
    table = _table(outcomes, statistics)
    if summary is not None:
        _write_summary(table, summary)
    return table


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


def _parquet_engine() -> Union[str, None]:
    """The Parquet writer pandas can use here, if any."""
    for engine in ("pyarrow", "fastparquet"):
        try:
            __import__(engine)
            return engine
        except ImportError:
            continue
    return None


def _check_summary_path(path: Union[str, os.PathLike[str]]) -> None:
    target = Path(path)
    if target.suffix in (".parquet", ".pq") and _parquet_engine() is None:
        raise _core.InputError(
            f"summary: {os.fspath(path)}: writing Parquet needs pyarrow or fastparquet, and neither is installed "
            "(Debian bookworm packages neither); write a .csv, or install one of them"
        )
    if not target.parent.is_dir():
        raise _core.InputError(f"summary: {os.fspath(path)}: directory {os.fspath(target.parent)} does not exist")


def _write_summary(table: pd.DataFrame, path: Union[str, os.PathLike[str]]) -> None:
    """The table into `path` through a temporary beside it: the file is whole or untouched."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".infersim-", dir=target.parent)
    os.close(fd)
    try:
        frame = pd.DataFrame(table)
        if target.suffix in (".parquet", ".pq"):
            frame.to_parquet(tmp, engine=_parquet_engine(), index=False)
        else:
            frame.to_csv(tmp, index=False, lineterminator="\r\n")  # RFC 4180, as the command line
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
