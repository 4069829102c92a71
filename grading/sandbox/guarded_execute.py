"""nbgrader's Execute, hardened for grading untrusted notebooks (named in the autograde config).

:class:`GuardedExecute` runs a notebook like nbgrader's ``Execute`` and adds:

* **the sandboxed kernel**: :class:`SandboxedKernelManager` starts the kernel
  through :mod:`grading.sandbox.kernel_launcher` whenever the grading job prepared a
  sandbox;
* **a dead or stuck kernel costs only its cell**: when the kernel dies
  (``os._exit``, a segfault, the CPU limit), its channels fail (any exception
  while the cell runs, e.g. a corrupt message from a fork bomb's children) or it
  ignores the interrupt at the cell's time limit, that cell gets an error output
  with the reason, a new kernel (new ports, connection file and key) is started,
  the cells that ran before are replayed in it (their
  outputs are kept from the first run), and grading goes on with the next
  cell; after :data:`MAX_RESTARTS` the remaining cells are not run;
* **guards** (:mod:`grading.sandbox.guards`): a cell before any student code captures
  the pristine numpy/starter/IPython state; a guard cell before each graded
  test cell restores it;
* **a per-run token**, appended to every graded test cell and checked from
  outside the kernel: a test cell whose output lacks it did not run to its end
  (its failure was hidden: a silenced traceback, ``sys.exit``, a swallowed
  exception) and gets an error output, so it scores 0;
* **no stray processes**: after each cell every other process of the kernel's
  uid is killed (background daemons); while a cell runs, more than
  :data:`FORK_BOMB_PROCESSES` processes of that uid kill the uid's processes,
  kernel included: a fork bomb costs its cell and a kernel restart, seconds.

The inserted cells and the token are removed before nbgrader saves the
notebook, so neither the autograded notebook nor the feedback shows them.
What happened (kernel restarts, restored functions, unfinished tests) is
written to ``$DL_GRADING_EVENTS/<notebook>.json`` for the grading log.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute

from grading.sandbox.guards import CAPTURE_SOURCE, GUARD_MARKER, GUARD_SOURCE
from grading.sandbox.isolation import SANDBOX_ENV, KernelSandbox
from grading.sandbox.kernel_processes import KernelProcesses

EVENTS_ENV = "DL_GRADING_EVENTS"
MAX_RESTARTS = 3
# Processes (not threads) of the kernel's uid beyond which a running cell counts as a fork bomb.
FORK_BOMB_PROCESSES = 32
REAP_WAIT_SECONDS = 5.0  # for the grading job (a subreaper) to reap a killed fork bomb's zombies
# Output kept per cell; more is dropped as it arrives (a print loop must not fill the grader's memory).
# Text (streams, tracebacks) and rich display data (a figure's PNG is ~100 KB of base64) are
# counted apart, so that a correct cell showing a grid of images is never truncated.
MAX_OUTPUT_CHARS = 1_000_000
MAX_DISPLAY_CHARS = 20_000_000
_ROLE = "dl_grading_role"
UNFINISHED = "TestDidNotFinish"
KERNEL_DIED = "KernelDied"
# Errors of a test cell that need no explanation in the grading log (the feedback shows them).
_PLAIN_FAILURES = {"AssertionError", "NameError", "NotImplementedError", UNFINISHED, KERNEL_DIED,
                   "CellTimeoutError", "KeyboardInterrupt"}


class SandboxedKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, with the kernel command behind the sandbox's launcher."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if not os.environ.get(SANDBOX_ENV):
            return command
        return [sys.executable, "-m", "grading.sandbox.kernel_launcher", "--", *command]


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _label(cell: NotebookNode, index: int) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def _is_test(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class GuardedExecute(Execute):
    """Execute with the sandboxed kernel, kernel restarts, guards and the completion token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    # -- the notebook ------------------------------------------------------

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._token = "dl-grading-done-" + secrets.token_hex(16)
        self._events: list[str] = []
        self._restored: dict[str, set[str]] = {}
        self._completed: list[int] = []
        self._dead: set[int] = set()
        self._restarts = 0
        self._gave_up = False
        self._guard_ok: dict[int, bool] = {}
        self._output_chars: dict[int, tuple[int, int]] = {}  # cell -> (text, display) characters
        self._fork_bomb = False
        sandbox_text = os.environ.get(SANDBOX_ENV)
        self._processes = KernelProcesses.of_sandbox(KernelSandbox.from_env(sandbox_text) if sandbox_text else None)
        originals = self._insert_guards(nb)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            self._remove_guards(nb, originals)
            self._write_events(resources)
        return nb, resources

    def _insert_guards(self, nb: NotebookNode) -> dict[int, str]:
        """Capture cell first, a guard before each test cell, the token at each test's end."""
        originals: dict[int, str] = {}
        cells = []
        capture = new_code_cell(CAPTURE_SOURCE)
        capture.metadata[_ROLE] = "capture"
        cells.append(capture)
        for cell in nb.cells:
            if _is_test(cell):
                guard = new_code_cell(GUARD_SOURCE)
                guard.metadata[_ROLE] = "guard"
                cells.append(guard)
                originals[id(cell)] = cell.source
                cell.source = cell.source.rstrip() + f"\nprint({self._token!r})"
            cells.append(cell)
        if nb.get("nbformat_minor", 0) < 5:  # no cell ids in this notebook format
            for cell in cells:
                cell.pop("id", None)
        nb.cells = cells
        return originals

    def _remove_guards(self, nb: NotebookNode, originals: dict[int, str]) -> None:
        kept = []
        guard_ok = True
        for index, cell in enumerate(nb.cells):
            role = cell.metadata.get(_ROLE)
            if role == "guard":
                guard_ok = self._guard_ok.get(index, False)
                continue
            if role == "capture":
                continue
            if id(cell) in originals:
                cell.source = originals[id(cell)]
                self._check_token(cell, index, guard_ok)
            elif cell.cell_type == "code":
                for output in cell.get("outputs", []):
                    if output.output_type == "error" and output.ename not in _PLAIN_FAILURES:
                        self._events.append(f"{_label(cell, len(kept))} (not a test): {output.ename}: "
                                            f"{str(output.evalue)[:120]}")
                        break
            kept.append(cell)
        nb.cells = kept

    def _check_token(self, cell: NotebookNode, index: int, guard_ok: bool) -> None:
        """Strip the token from the outputs; no token (and no error shown): the test did not finish."""
        found = False
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and self._token in output.text:
                found = True
                output.text = output.text.replace(self._token + "\n", "").replace(self._token, "")
                if not output.text:
                    continue
            outputs.append(output)
        for output in outputs:  # a traceback quotes the cell's lines, the token's among them
            if output.output_type == "error":
                output.traceback = ["\n".join(line for line in entry.split("\n") if self._token not in line)
                                    for entry in output.get("traceback", [])]
        cell.outputs = outputs
        # A cell skipped after the kernel's last death carries only the "not run" error: it did not run.
        ran = cell.get("execution_count") is not None or any(
            output.output_type != "error" or output.get("ename") != KERNEL_DIED for output in outputs)
        has_error = any(output.output_type == "error" for output in outputs)
        name = _label(cell, index)
        if not guard_ok and ran:
            cell.outputs.append(_error(UNFINISHED, "the grader's check before this test was "
                                       "tampered with; the test does not count"))
            self._events.append(f"{name}: grading guard tampered with (0 points)")
        elif ran and not found and not has_error:
            cell.outputs.append(_error(UNFINISHED, "this test did not run to its end (its failure "
                                       "was hidden or the code exited early)"))
            self._events.append(f"{name}: did not run to its end, failure hidden (0 points)")
        for output in outputs:
            # Resource limits and the sandbox show up as errors other than a failed assert.
            if output.output_type == "error" and output.ename not in _PLAIN_FAILURES:
                self._events.append(f"{name}: {output.ename}: {str(output.evalue)[:120]}")
                break

    def _write_events(self, resources: Any) -> None:
        folder = os.environ.get(EVENTS_ENV)
        notebook = (resources or {}).get("nbgrader", {}).get("notebook")
        if not folder or not notebook:
            return
        events = list(self._events)
        for name, where in sorted(self._restored.items()):
            events.append(f"{name} changed by the student's code, restored before "
                          f"{', '.join(sorted(where))}")
        path = Path(folder) / f"{notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"events": events}, indent=1))

    def on_cell_executed(self, **kwargs: Any) -> None:
        """nbgrader adds the reply's error when the kernel displayed none: say that it was hidden."""
        cell = kwargs["cell"]
        before = sum(1 for output in cell.outputs if output.output_type == "error")
        super().on_cell_executed(**kwargs)
        after = sum(1 for output in cell.outputs if output.output_type == "error")
        if after > before and kwargs["execute_reply"]["content"].get("ename") != "CellTimeoutError":
            ename = kwargs["execute_reply"]["content"].get("ename", "an error")
            self._events.append(f"{_label(cell, kwargs['cell_index'])}: its {ename} was not displayed "
                                "(traceback silenced); counted as a failure")

    # -- output --------------------------------------------------------------

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        """nbclient's output handler, but at most MAX_OUTPUT_CHARS per cell (the token always passes)."""
        content = msg.get("content", {})
        text_size = len(content.get("text", "")) + sum(len(line) for line in content.get("traceback", []))
        display_size = sum(len(str(value)) for value in content.get("data", {}).values())
        used_text, used_display = self._output_chars.get(cell_index, (0, 0))
        self._output_chars[cell_index] = (used_text + text_size, used_display + display_size)
        within = (used_text + text_size <= MAX_OUTPUT_CHARS, used_display + display_size <= MAX_DISPLAY_CHARS)
        if all(within):
            return super().output(outs, msg, display_id, cell_index)
        if used_text <= MAX_OUTPUT_CHARS and used_display <= MAX_DISPLAY_CHARS:  # the first message over
            kind, limit = ("characters", MAX_OUTPUT_CHARS) if not within[0] else ("characters of images", MAX_DISPLAY_CHARS)
            outs.append(new_output("stream", name="stdout", text=(
                f"\n... output truncated by the grader: more than {limit:,} {kind} ...\n")))
            self._events.append(f"cell {cell_index + 1}: output over {limit:,} {kind}, truncated")
        text = content.get("text", "") if msg.get("msg_type") == "stream" else ""
        if self._token in text:  # the end of a test cell still counts
            outs.append(new_output("stream", name="stdout", text=self._token + "\n"))
        return None

    # -- one cell ----------------------------------------------------------

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        self._check_assign_resources(resources)
        if cell.cell_type != "code":
            return cell, self.resources
        if self._gave_up:
            if cell.metadata.get(_ROLE) is None and cell.source.strip():
                cell.outputs = [_error(KERNEL_DIED, f"not run: the kernel died {MAX_RESTARTS + 1} times "
                                       "in this notebook")]
            return cell, self.resources
        role = cell.metadata.get(_ROLE)
        self._output_chars[index] = (0, 0)
        try:
            cell = self.execute_cell(cell, index, store_history=role is None)
        except DeadKernelError:
            self._lost_kernel(cell, index, self._death_reason(
                "the kernel died while running this cell (os._exit, a crash, or a resource "
                "limit: memory, CPU time, processes)"))
        except CellTimeoutError:
            self._lost_kernel(cell, index, "the cell did not stop when interrupted at its time limit; "
                              "the kernel was restarted")
        except Exception as error:  # noqa: BLE001 - any failure of the kernel's channels costs this cell only
            # A fork bomb's children write to the kernel's sockets at once: nbclient then reads a
            # corrupt message (ValueError: Invalid Signature) instead of noticing a dead kernel.
            self._lost_kernel(cell, index, self._death_reason(
                "the connection to the kernel failed while running this cell "
                f"({type(error).__name__}: {str(error)[:120]}); the kernel was restarted"))
        else:
            self._completed.append(index)
            if role == "guard":
                self._read_guard(cell, index)
        self._kill_strays()
        return cell, self.resources

    def _death_reason(self, otherwise: str) -> str:
        """The fork bomb's reason when the poller caught one (or its processes are still there)."""
        fork_bomb = self._fork_bomb or (
            self._processes.known and len(self._processes.pids()) > FORK_BOMB_PROCESSES)
        self._fork_bomb = False
        if fork_bomb:
            return (f"the cell started more than {FORK_BOMB_PROCESSES} processes (a fork bomb); "
                    "they and the kernel were killed")
        return otherwise

    def _read_guard(self, cell: NotebookNode, index: int) -> None:
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
        lines = [line for line in text.splitlines() if line.startswith(GUARD_MARKER)]
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        self._guard_ok[index] = bool(lines) and not errors
        next_cell = self.nb.cells[index + 1] if index + 1 < len(self.nb.cells) else None
        where = _label(next_cell, index + 1) if next_cell is not None else "the end"
        for line in lines:
            for name in filter(None, line[len(GUARD_MARKER):].strip().split(",")):
                self._restored.setdefault(name, set()).add(where)

    async def _async_poll_kernel_alive(self) -> None:
        """nbclient's once-a-second liveness check, which also stops a fork bomb.

        More than FORK_BOMB_PROCESSES processes of the student (the kernel's uid, or
        its PID namespace) while a cell runs: they are all killed at once (the kernel
        too), so the cell ends as a dead kernel within seconds instead of spinning
        until its time limit.
        """
        self._alive_poller = asyncio.current_task()
        while True:
            await asyncio.sleep(1)
            if self._processes.known and len(self._processes.pids()) > FORK_BOMB_PROCESSES:
                self._fork_bomb = True
                self._processes.kill()
            try:
                await self._async_check_alive()
            except DeadKernelError:
                assert self.task_poll_for_reply is not None
                self.task_poll_for_reply.cancel()
                return

    def _kill_strays(self) -> None:
        if not self._processes.known or self.km is None:
            return
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        killed = self._processes.kill(spare=[pid] if pid else [])
        if killed and pid is not None:
            self._events.append(f"{len(killed)} stray process(es) of the student's code killed")

    def _lost_kernel(self, cell: NotebookNode, index: int, reason: str) -> None:
        name = _label(cell, index)
        cell.outputs = list(cell.get("outputs", [])) + [_error(KERNEL_DIED, reason)]
        self.nb.cells[index] = cell
        self._dead.add(index)
        self._events.append(f"{name}: {reason}")
        self._restart_and_replay()

    def _restart_and_replay(self) -> None:
        """A fresh kernel with the state of the cells that completed before (outputs discarded)."""
        while True:
            if self._restarts >= MAX_RESTARTS:
                self._gave_up = True
                self._events.append(f"kernel died {MAX_RESTARTS + 1} times: the remaining cells were not run")
                return
            self._restarts += 1
            try:
                self._new_kernel()
            except Exception as error:  # noqa: BLE001 - e.g. the old kernel's processes still hold a limit
                self._events.append(f"a new kernel did not start ({type(error).__name__}: {str(error)[:120]})")
                continue
            try:
                for index in self._completed:
                    original = self.nb.cells[index]
                    if original.metadata.get(_ROLE) == "guard":
                        continue
                    self.execute_cell(copy.deepcopy(original), index, store_history=False)
                    self.nb.cells[index] = original
                return
            except Exception:  # noqa: BLE001 - dead kernel, time limit or broken channels, as in preprocess_cell
                self.nb.cells[index] = original
                self._events.append(f"replaying {_label(original, index)} after a restart lost the kernel "
                                    "again; it is left out of the replay")
                self._completed.remove(index)
                self._kill_strays()

    def _new_kernel(self) -> None:
        """A new kernel manager: new ports, connection file and signing key, so nothing the old
        kernel's processes still send can reach the new client."""
        poller = getattr(self, "_alive_poller", None)
        if poller is not None:  # nbclient leaves it running when a channel raised
            poller.cancel()
        if self._processes.known:
            self._processes.kill()  # a dead kernel needs no graceful shutdown
        try:
            self._cleanup_kernel()
        except Exception as error:  # the old kernel may be half gone; a new one is what matters
            self.log.warning("cleaning up the dead kernel: %s", error)
        self.km = None
        self.kc = None
        if self._processes.known:
            self._processes.kill()
            # Unreaped zombies count against the process limit: wait for the job to reap them.
            deadline = time.monotonic() + REAP_WAIT_SECONDS
            while self._processes.pids(zombies=True) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
