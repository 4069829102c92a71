"""Shared pytest set-up: a non-interactive matplotlib backend for every test."""

import os

# Before anything imports pyplot: tests must never open windows or need a display.
os.environ["MPLBACKEND"] = "Agg"
