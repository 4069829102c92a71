"""The rlimits of every kernel (memory, CPU, tasks, file size), from DL_GRADING_KERNEL_* settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# Settings, each overridable by an environment variable of the grading process.
MEMORY_ENV = "DL_GRADING_KERNEL_MEMORY"  # bytes, or with a K/M/G suffix
CPU_ENV = "DL_GRADING_KERNEL_CPU"  # CPU seconds per kernel (one kernel per notebook)
NPROC_ENV = "DL_GRADING_KERNEL_NPROC"  # processes + threads of the kernel's uid
FSIZE_ENV = "DL_GRADING_KERNEL_FSIZE"  # largest file the kernel may write

# Parts 3-6 of the course train conv nets and RNNs: about 2-3 GiB of address space
# with OpenBLAS' per-thread buffers; 6 GiB leaves room and still stops a memory bomb
# long before the machine (24 GiB) swaps.
DEFAULT_MEMORY = 6 * 2**30
DEFAULT_CPU_SECONDS = 3600  # the wall-clock limit of a notebook is 1200 s; 2 BLAS threads
DEFAULT_NPROC = 128  # threads count: ipykernel ~10, OpenBLAS one per core, plus headroom
DEFAULT_FSIZE = 1 * 2**30


class SettingError(ValueError):
    """A DL_GRADING_KERNEL_* setting that cannot be read."""



def parse_size(text: str, name: str) -> int:
    """``6G`` / ``512M`` / ``1048576`` -> bytes; a clear error otherwise."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = 1
    if value and value[-1] in units:
        value, scale = value[:-1], units[value[-1]]
    try:
        number = float(value)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not a size; write bytes or e.g. 6G, 512M") from None
    if number <= 0:
        raise SettingError(f"{name}={text!r} must be positive")
    return int(number * scale)


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not a whole number") from None
    if value <= 0:
        raise SettingError(f"{name}={text!r} must be positive")
    return value


@dataclass
class KernelLimits:
    """rlimits of every kernel of a job."""

    memory: int = DEFAULT_MEMORY
    cpu_seconds: int = DEFAULT_CPU_SECONDS
    nproc: int = DEFAULT_NPROC
    fsize: int = DEFAULT_FSIZE

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> KernelLimits:
        memory = env.get(MEMORY_ENV, "").strip()
        fsize = env.get(FSIZE_ENV, "").strip()
        return cls(
            memory=parse_size(memory, MEMORY_ENV) if memory else DEFAULT_MEMORY,
            cpu_seconds=_int_setting(env, CPU_ENV, DEFAULT_CPU_SECONDS),
            nproc=_int_setting(env, NPROC_ENV, DEFAULT_NPROC),
            fsize=parse_size(fsize, FSIZE_ENV) if fsize else DEFAULT_FSIZE,
        )

    def describe(self) -> str:
        return (f"memory {self.memory / 2**30:g} GiB, CPU {self.cpu_seconds} s, {self.nproc} tasks, "
                f"files {self.fsize / 2**20:g} MiB, no core")
