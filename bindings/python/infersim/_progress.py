"""Progress display for run(): a tqdm bar shown only for long runs, like the command line's
bar. In a notebook it is tqdm's widget when ipywidgets 7 or later is installed, else tqdm's
text bar (which Jupyter renders too), never tqdm's "IProgress not found" warning."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Callable, Optional

ProgressCallback = Callable[[int, int], None]

# A bar appears once a run is expected to take longer than this.
_SHOW_AFTER_S = 2.0


class TqdmProgress:
    """A progress(done, total) callable that opens a tqdm bar once a run proves long."""

    def __init__(self, always: bool = False) -> None:
        self._tqdm = _bar_class()  # ImportError is handled by progress_callback
        self._always = always
        self._start = time.monotonic()
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            elapsed = time.monotonic() - self._start
            expected = elapsed * total / done if done else float("inf")
            if not self._always and (done >= total or expected <= _SHOW_AFTER_S):
                return
            self._bar = self._tqdm(total=total, unit="path", unit_scale=True, desc="infersim", leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _bar_class() -> type:
    """tqdm's notebook widget in a Jupyter kernel with ipywidgets >= 7, else its text bar.

    ipywidgets 6 (Debian bookworm's python3-ipywidgets) speaks an older widget protocol that
    JupyterLab and nbclient (nbconvert --execute) cannot read: nbclient fails the cell."""
    from tqdm import tqdm

    if not _in_jupyter_kernel():
        return tqdm
    try:
        import ipywidgets

        if int(ipywidgets.__version__.split(".")[0]) >= 7:
            from tqdm.notebook import tqdm as widget

            return widget
    except (ImportError, ValueError):
        pass
    return tqdm


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


@contextlib.contextmanager
def progress_callback(progress: bool | ProgressCallback | None) -> Iterator[Optional[ProgressCallback]]:
    """The callable to pass to the engine for run()'s `progress` argument (see run()),
    with any bar it opens closed on exit."""
    if progress is False:
        yield None
    elif callable(progress):
        yield progress
    elif progress is None or progress is True:
        try:
            bar = TqdmProgress(always=progress is True)
        except ImportError:
            if progress is True:
                raise ImportError("progress=True needs the tqdm package (apt install python3-tqdm)") from None
            yield None
            return
        try:
            yield bar
        finally:
            bar.close()
    else:
        raise TypeError(f"progress: expected None, True, False or a callable (done, total), got {progress!r}")
