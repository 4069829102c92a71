"""Shared pytest set-up: a non-interactive matplotlib backend; thorough runs on request."""

import os

import pytest

# Before anything imports pyplot: tests must never open windows or need a display.
os.environ["MPLBACKEND"] = "Agg"


def thorough() -> bool:
    """DL_THOROUGH=1 asks for the exhaustive runs CI's time budget leaves out."""
    return os.environ.get("DL_THOROUGH", "") not in ("", "0")


def pytest_collection_modifyitems(config, items):
    if thorough():
        return
    skip = pytest.mark.skip(reason="exhaustive run: set DL_THOROUGH=1 (covered in CI by a faster test)")
    for item in items:
        if "thorough" in item.keywords:
            item.add_marker(skip)
