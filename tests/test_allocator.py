"""starter keeps freed memory in the process: repeated training-step temporaries do not page-fault."""

import subprocess
import sys

import pytest

# A training step in miniature: temporaries of 4 to 12 MiB, allocated and freed
# in an interleaved order. Prints the minor page faults of 20 warm steps.
STEP_FAULTS = """
import resource
import numpy as np
import starter

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def step():
    a = np.ones(2**19); b = a * 2; c = np.ones(2**20); del a
    d = b + 1; e = np.ones(3 * 2**19); del c, b
    f = d * e[:2**19]; del d, e, f

for _ in range(5):
    step()
before = faults()
for _ in range(20):
    step()
print(starter.allocator.keep_freed_memory(), faults() - before)
"""


def warm_step_faults(keep: str) -> tuple[bool, int]:
    env = {"DL_KEEP_FREED_MEMORY": keep, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", STEP_FAULTS], env=env, capture_output=True, text=True, check=True)
    applied, faults = out.stdout.split()
    return applied == "True", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_warm_steps_reuse_memory_instead_of_faulting_it_in():
    applied, faults = warm_step_faults("1")
    assert applied, "keep_freed_memory() did not take effect on this glibc system"
    assert faults < 500, f"{faults} page faults in 20 warm steps: freed memory went back to the OS"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_opting_out_leaves_malloc_alone_and_the_faults_come_back():
    # The control: without the settings the same steps fault their pages in
    # again, so the first test measures what it claims to.
    applied, faults = warm_step_faults("0")
    assert not applied
    assert faults > 10_000, f"only {faults} page faults without the settings: the probe no longer tells them apart"
