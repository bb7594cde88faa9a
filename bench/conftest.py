"""pytest options for the bench tests."""
from pathlib import Path


def pytest_addoption(parser):
    parser.addoption("--infersim", default=str(Path(__file__).resolve().parents[1] / "build" / "engine" / "infersim"),
                     help="the infersim binary to compare with the NumPy twin")
