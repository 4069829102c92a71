"""Shared helpers for the dataset build scripts: deterministic archives and checksums.

Build scripts run from the repository (``python datasets/<name>/build.py``); they
import this file by path-relative import (``sys.path`` gets ``datasets/``).
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

# Any fixed date works; zip cannot store dates before 1980.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
SHARED_SOURCES = Path(__file__).resolve().parent.parent.parent / "shared" / "data-sources"


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Serialise ``arrays`` as a deterministic, deflate-compressed ``.npz`` archive.

    ``np.savez_compressed`` stamps the current time into the zip, so rebuilding
    would change the sha256; members here are sorted and dated ``FIXED_DATE``.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the building OS
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def write_or_check(folder: Path, files: dict[str, bytes], check: bool) -> int:
    """Write ``files`` and ``SHA256SUMS`` into ``folder``, or with ``check`` compare.

    Returns a process exit code: with ``check``, 1 when a committed file is
    missing or differs from the rebuild.
    """
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    if check:
        status = 0
        for name, digest in digests.items():
            target = folder / name
            if not target.is_file():
                print(f"{target} is missing; run without --check to build it", file=sys.stderr)
                status = 1
                continue
            found = hashlib.sha256(target.read_bytes()).hexdigest()
            if found != digest:
                print(f"{target}: sha256 {found}, a rebuild gives {digest}", file=sys.stderr)
                status = 1
            else:
                print(f"{target}: matches a rebuild ({digest})")
        return status
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        print(f"wrote {folder / name} ({len(data)} bytes, sha256 {digests[name]})")
    (folder / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in digests.items()))
    return 0
