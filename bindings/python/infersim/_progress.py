"""Progress display for run(): a tqdm bar (tqdm.auto, so it renders in notebooks) shown
only for long runs, like the command line's bar."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Callable, Optional

ProgressCallback = Callable[[int, int], None]

# A bar appears once a run is expected to take longer than this.
_SHOW_AFTER_S = 2.0


class TqdmProgress:
    """A progress(done, total) callable that opens a tqdm bar once a run proves long."""

    def __init__(self, always: bool = False) -> None:
        from tqdm.auto import tqdm  # ImportError is handled by progress_callback

        self._tqdm = tqdm
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
