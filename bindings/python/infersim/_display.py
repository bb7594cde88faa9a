"""DataFrames that Jupyter shows in their units ($13.0B, 85.0%) while holding plain numbers."""

from __future__ import annotations

from typing import Any, Callable, Optional

import pandas as pd

from .metrics import format_value

#: (row label, column label) -> how to write that cell's number, or None to leave it as pandas would.
CellFormat = Callable[[Any, Any], Optional[Callable[[float], str]]]


class FormattedFrame(pd.DataFrame):
    """A DataFrame whose notebook display writes each number in its unit (a pandas Styler);
    its values are the plain float64 numbers, and every frame derived from it (a slice, a
    copy, arithmetic) is a plain ``pandas.DataFrame``."""

    _metadata = ["_cell_format"]

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # a derived frame's numbers may no longer be in the same units

    def _repr_html_(self) -> Optional[str]:
        cell_format = getattr(self, "_cell_format", None)
        if cell_format is None or len(self) > pd.get_option("display.max_rows"):
            return super()._repr_html_()
        try:
            styler = self.style  # ImportError without jinja2
            for row in self.index:
                for column in self.columns:
                    fmt = cell_format(row, column)
                    if fmt is not None:
                        styler = styler.format(fmt, subset=pd.IndexSlice[[row], [column]], na_rep="n/a")
            return styler.to_html()
        except (ImportError, ValueError):  # a display never fails: pandas' own instead
            return super()._repr_html_()


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
