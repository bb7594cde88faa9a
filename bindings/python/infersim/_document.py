"""The JSON trio shared by Result, Comparison and SolveResult: ``to_json``, ``to_dict``
and ``save``. Each of them is its engine JSON document; a subclass has ``_core`` (the
engine object, or None when loaded from a file) and may cache the text in ``_text``."""
from __future__ import annotations

import json
import os
from typing import Any, Union

__all__ = ["JsonDocument"]


class JsonDocument:
    __slots__ = ()

    def to_json(self) -> str:
        """The JSON text, exactly what the matching ``infersim ... --out`` writes (for a
        document loaded from a file, the text of that file).

        >>> import infersim
        >>> json.loads(infersim.run("scenarios/default.json", paths=2_000).to_json())["paths"]
        2000
        """
        text = getattr(self, "_text", None)
        if text is None:
            text = self._core.to_json()
            try:
                self._text = text
            except AttributeError:  # frozen or without a cache: made again when asked
                pass
        return text

    def to_dict(self) -> dict[str, Any]:
        """The JSON as a dict (undefined numbers are None); a new dict each call.

        >>> import infersim
        >>> infersim.run("scenarios/default.json", paths=2_000).to_dict()["scalars"]["npv_usd"]["p50"] < 0
        True
        """
        return json.loads(self.to_json())

    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write the JSON to `path` atomically: the file is complete or untouched.

        As the command line's ``--out``: a symlink is followed (the link stays), a device or
        FIFO is written in place, ``"-"`` is stdout, an existing file keeps its mode, and the
        scenario file or a catalog file is never replaced (ValueError).

        >>> import infersim
        >>> infersim.run("scenarios/default.json", paths=2_000).save("default.result.json")  # doctest: +SKIP
        """
        from .result import write_atomically

        write_atomically(os.fspath(path), self.to_json(), getattr(self, "_inputs", ()))
