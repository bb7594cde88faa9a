"""DataFrames that Jupyter shows in their units ($13.0B, 85.0%) while holding plain numbers."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import pandas as pd

from .metrics import format_value

#: (row label, column label) -> how to write that cell's number, or None to leave it as pandas
#: would. It reads labels only, so it stays right for any selection of rows and columns.
CellFormat = Callable[[Any, Any], Optional[Callable[[float], str]]]


class FormattedFrame(pd.DataFrame):
    """A DataFrame whose notebook display writes each number in its unit (a pandas Styler).

    Its values are the plain float64 numbers. A selection of its rows and columns (``[]``,
    ``.loc``, ``.iloc``, ``head``, ``drop``, ``sort_values``, ...) displays the same way;
    every other frame derived from it (arithmetic such as ``frame / 1e9``, ``apply``, ...)
    is a plain ``pandas.DataFrame``, since its numbers may no longer be in those units.
    """

    _metadata = ["_cell_format"]

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @property
    def loc(self) -> _Selection:  # type: ignore[override]
        return _Selection(self, pd.DataFrame.loc.fget(self))

    @property
    def iloc(self) -> _Selection:  # type: ignore[override]
        return _Selection(self, pd.DataFrame.iloc.fget(self))

    def __reduce_ex__(self, protocol: Any) -> Any:  # the formatter is no data: pickled as a DataFrame
        plain = pd.DataFrame(self, copy=False)
        plain.attrs = self.attrs
        return (_as_is, (plain,))

    def _repr_html_(self) -> Optional[str]:
        cell_format = getattr(self, "_cell_format", None)
        if cell_format is None or len(self) > pd.get_option("display.max_rows"):
            return super()._repr_html_()
        try:
            # ImportError without jinja2. Numbers without a unit (an input's values in a sweep)
            # are written as pandas writes them (0.05), not with the Styler's six decimals.
            styler = self.style.format(_plain).format_index(_plain)
            for row in self.index:
                for column in self.columns:
                    fmt = cell_format(row, column)
                    if fmt is not None:
                        styler = styler.format(fmt, subset=pd.IndexSlice[[row], [column]], na_rep="n/a")
            return styler.to_html()
        except Exception:  # a display never fails: pandas' own instead
            return super()._repr_html_()


def _plain(x: Any) -> Any:
    return f"{x:.6g}" if isinstance(x, float) else x


def _as_is(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def _keep(source: FormattedFrame, result: Any) -> Any:
    """`result` displayed like `source` when it is a selection of its cells (a DataFrame)."""
    if isinstance(result, pd.DataFrame) and not isinstance(result, FormattedFrame):
        return formatted(result, source._cell_format)
    return result


def _selecting(name: str) -> Callable[..., Any]:
    method = getattr(pd.DataFrame, name)

    @functools.wraps(method)
    def select(self: FormattedFrame, *args: Any, **kwargs: Any) -> Any:
        return _keep(self, method(self, *args, **kwargs))

    return select


# Methods that select, reorder or relabel cells without changing a number. (A relabelled frame
# whose labels no longer name metrics falls back to pandas' display.)
for _name in ("__getitem__", "head", "tail", "drop", "filter", "sort_values", "sort_index", "reindex", "copy",
              "nlargest", "nsmallest", "dropna", "take", "set_index", "rename_axis"):
    setattr(FormattedFrame, _name, _selecting(_name))


class _Selection:
    """``.loc`` / ``.iloc`` of a FormattedFrame: what they select displays like the frame."""

    __slots__ = ("_frame", "_indexer")

    def __init__(self, frame: FormattedFrame, indexer: Any) -> None:
        self._frame, self._indexer = frame, indexer

    def __getitem__(self, key: Any) -> Any:
        return _keep(self._frame, self._indexer[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._indexer[key] = value

    def __call__(self, *args: Any, **kwargs: Any) -> _Selection:
        return _Selection(self._frame, self._indexer(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:  # pandas' own use of its indexers
        return getattr(self._indexer, name)


def formatted(frame: pd.DataFrame, cell_format: CellFormat) -> FormattedFrame:
    """`frame` (its values, index, columns and attrs, not copied) displayed with `cell_format`."""
    out = FormattedFrame(frame, copy=False)
    out.attrs = frame.attrs
    out._cell_format = cell_format
    return out


def by_column(metric_of: Callable[[Any], Optional[str]]) -> CellFormat:
    """Cells written by :func:`format_value` with the name ``metric_of(column)`` (None: as is)."""

    def cell(_row: Any, column: Any) -> Optional[Callable[[float], str]]:
        name = metric_of(column)
        return None if name is None else (lambda x: format_value(name, x))

    return cell


def statistics_by_row() -> CellFormat:
    """Rows are metrics and columns their statistics (Result.summary())."""
    return lambda row, column: lambda x: format_value(str(row), x, statistic=str(column))


def statistics_of(metric: str) -> CellFormat:
    """Columns are statistics of one metric (Result.series(), Comparison.table())."""
    return lambda _row, column: lambda x: format_value(metric, x, statistic=str(column))


def tidy_formatted(frame: pd.DataFrame) -> FormattedFrame:
    """A tidy table (metric, statistic, value, ...) whose value column is written in each
    row's unit."""

    def cell(row: Any, column: Any) -> Optional[Callable[[float], str]]:
        if column != "value":
            return None
        metric, statistic = frame.at[row, "metric"], frame.at[row, "statistic"]
        return lambda x: format_value(metric, x, statistic=statistic)

    return formatted(frame, cell)
