"""Long workflow runs of the reliability suite: run in the background, interrupt, compare outputs.

The suite's slow part is a handful of Snakemake runs (a run interrupted twice and resumed, a
second clean run, one short run per damaged raw file). They are independent, so they run on a
small thread pool started with the module (each is a subprocess; the threads only wait) while
the quick tests run in the foreground; each slow test then waits for its own run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from support.project import snakemake_command, snakemake_env


class Background:
    """Named tasks on a thread pool: ``start`` once (later calls are ignored), ``result`` waits."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reliability")
        self._futures: dict[str, Future] = {}
        self._tasks: dict[str, Callable[[], Any]] = {}

    def define(self, name: str, task: Callable[[], Any]) -> None:
        self._tasks[name] = task

    def start(self, name: str) -> None:
        if name not in self._futures:
            self._futures[name] = self._pool.submit(self._tasks[name])

    def result(self, name: str) -> Any:
        """The task's return value (its exception is raised here, in the test that waits)."""
        self.start(name)
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------- interruption


def wait_for_group_to_exit(pgid: int, timeout: float = 60) -> bool:
    """Wait until no process of group ``pgid`` is left; False (after killing them) on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            return False
        time.sleep(0.05)


def run_and_kill(
    workdir: Path,
    sig: signal.Signals,
    *,
    snakefile: Path,
    configfile: Path,
    started: str,
    delay: float,
    timeout: float = 600,
) -> dict[str, Any]:
    """Start Snakemake in ``workdir``; once file ``started`` has been written by this run (the
    chosen job has begun: its log, which a job opens once its imports are done) and ``delay``
    seconds more have passed, send ``sig`` to Snakemake's whole process group.

    Returns ``code`` (Snakemake's exit status), ``output``, ``killed_running`` (Snakemake was
    still running when the signal went out) and ``group_exited`` (no process of the group
    survived), once the group is gone.
    """
    out_path = workdir.parent / f"{workdir.name}.out"
    cmd = snakemake_command(workdir, snakefile=snakefile, configfile=configfile)
    with open(out_path, "w", encoding="utf-8") as out:
        launched = time.time()
        proc = subprocess.Popen(
            cmd, cwd=workdir, env=snakemake_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while (
                not _written_since(workdir / started, launched) and proc.poll() is None and time.monotonic() < deadline
            ):
                time.sleep(0.02)
            time.sleep(delay)
            running = proc.poll() is None
            if running:
                os.killpg(proc.pid, sig)
            code = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    exited = wait_for_group_to_exit(proc.pid)
    return {
        "code": code,
        "output": out_path.read_text(encoding="utf-8"),
        "killed_running": running,
        "group_exited": exited,
    }


def _written_since(path: Path, since: float) -> bool:
    """True when ``path`` exists and was written at or after time ``since`` (a log of an earlier run does not count)."""
    try:
        return path.stat().st_mtime >= since - 0.01
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------------- comparing runs


def compared_outputs(workdir: Path) -> dict[str, Path]:
    """Every file under ``workdir``/results except logs/ and benchmarks/ (these hold timings)."""
    results = workdir / "results"
    if not results.exists():
        return {}
    return {
        p.relative_to(results).as_posix(): p
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.relative_to(results).parts[0] not in ("logs", "benchmarks")
    }


def differing_outputs(a: Path, b: Path) -> list[str]:
    """Outputs present in only one of two working directories, or with different bytes."""
    fa, fb = compared_outputs(a), compared_outputs(b)
    only = [f"{f} (only in {a if f in fa else b})" for f in sorted(set(fa) ^ set(fb))]
    return only + [f for f in sorted(set(fa) & set(fb)) if fa[f].read_bytes() != fb[f].read_bytes()]
