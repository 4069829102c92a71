"""Print an HTML file to PDF with headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from grading.errors import GradingError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# No sandbox (we run as root in a container), no network side traffic, no profile reuse.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_SECONDS = 120


class PdfError(GradingError, RuntimeError):
    pass


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        "no Chromium to print the PDF with; install it with "
        "`apt-get update && apt-get install -y chromium`"
    )


def html_to_pdf(html_path: Path, pdf_path: Path) -> None:
    """Render ``html_path`` (a self-contained page) to ``pdf_path``."""
    chromium = find_chromium()
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="grading-chromium-") as profile:
        try:
            done = subprocess.run(
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri()],
                capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise PdfError(f"Chromium did not print {html_path} within {PRINT_TIMEOUT_SECONDS} s") from error
    if not pdf_path.exists() or not pdf_path.read_bytes().startswith(b"%PDF"):
        log = (done.stdout + done.stderr).strip().splitlines()[-10:]
        raise PdfError(f"Chromium wrote no PDF for {html_path} (exit {done.returncode}):\n" + "\n".join(log))
