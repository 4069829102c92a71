"""Regenerate the style-transfer figures in this folder by running the solution notebook.

Run from the repository root:  python docs/figures/make_style_figures.py

Copies ``solutions/dl`` to a scratch directory, executes ``6_style_transfer.ipynb``
there with a Jupyter kernel (nbclient, as the autograder does), and copies the PNG
files the notebook saves under ``style_transfer_output/`` into ``docs/figures/``.
The figures are therefore exactly what the solution produces with its fixed seed;
about a minute on an idle 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "6_style_transfer.ipynb"
HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="style-figures-") as tmp:
        work = Path(tmp) / "dl"
        shutil.copytree(ROOT / "solutions" / "dl", work)
        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        # The kernel imports `starter` from this checkout (as the course's test runs do).
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
        figures = sorted((work / "style_transfer_output").glob("*.png"))
        if not figures:
            print(f"{NOTEBOOK} ran but saved no figure under style_transfer_output/", file=sys.stderr)
            return 1
        for fig in figures:
            shutil.copy2(fig, HERE / fig.name)
            print(f"wrote {(HERE / fig.name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
