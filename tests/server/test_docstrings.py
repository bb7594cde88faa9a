"""The docstring examples of the serving modules, run from the repository root (they name
scenarios/default.json)."""

from __future__ import annotations

import doctest

import pytest

from conftest import ROOT

import infersim.report
import infersim.schema
import infersim.views


@pytest.mark.parametrize("module", [infersim.schema, infersim.views, infersim.report], ids=lambda m: m.__name__)
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(ROOT)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
