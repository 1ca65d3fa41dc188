"""Starting and stopping audio processes (vj.engine.child), for vj.engine.host.

A *spare* is a process started ahead of need: it has imported its modules (and
decoded a file input) and then waits, touching nothing, until the show sends it
``go``.  Replacing a dead or hung process with it costs no imports, which on a busy
2-core machine take seconds: the show hears its music again in a few hops instead.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import time

from vj.audio.energy import EnergyParams


@dataclasses.dataclass(frozen=True)
class Launch:
    """What every audio process of one show is started with."""
    history: int
    params: EnergyParams
    board_fd: int | None
    board_path: str | None
    audio_file: str | None = None
    loop: bool = False
    device: str | None = None
    pick: tuple[int, ...] | None = None
    ltc: int | None = None               # 0-based channel with LTC (--timecode ltc)
    chaos_t0: float | None = None

    def command(self, *, strict: bool = False, spare: bool = False,
                start_wall: float | None = None) -> list[str]:
        cmd = [sys.executable, "-m", "vj.engine.child", "--history", str(self.history),
               "--params", json.dumps(dataclasses.asdict(self.params)),
               "--ppid", str(os.getpid())]
        cmd += ["--board-fd", str(self.board_fd)] if self.board_fd is not None else \
            ["--board-path", str(self.board_path)]
        if self.audio_file:
            cmd += ["--file", str(self.audio_file)] + (["--loop"] if self.loop else [])
            if start_wall is not None:
                cmd += ["--start-wall", repr(start_wall)]
        else:
            if self.device is not None:
                cmd += ["--device", str(self.device)]
            if self.pick:
                cmd += ["--pick", ",".join(map(str, self.pick))]
        if self.ltc is not None:
            cmd += ["--ltc-channel", str(self.ltc)]
        if strict:
            cmd.append("--strict")
        if spare:
            cmd.append("--spare")
        if self.chaos_t0 is not None:
            cmd += ["--chaos-t0", repr(self.chaos_t0)]
        return cmd

    def spawn(self, cmd: list[str]) -> subprocess.Popen:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}     # a hop's matrices are small: one core is enough
        return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                pass_fds=(self.board_fd,) if self.board_fd is not None else ())


def go_line(start_wall: float | None) -> str:
    """The word that wakes a spare: ``go T`` (a file's sample 0 was fed at T) or ``go``."""
    return "go" if start_wall is None else f"go {start_wall!r}"


def send(p: subprocess.Popen | None, line: str) -> bool:
    """One line on a process's stdin; False when it is gone."""
    if p is None:
        return False
    try:
        p.stdin.write((line + "\n").encode())
        p.stdin.flush()
        return True
    except (OSError, ValueError):
        return False


def kill(p: subprocess.Popen | None) -> int | None:
    """Kill and reap; None when it cannot be reaped yet (a device in the kernel)."""
    if p is None:
        return None
    try:
        p.kill()
        return p.wait(timeout=1.0)
    except Exception:
        return None


def close(*procs: subprocess.Popen | None, wait: float = 0.5) -> None:
    """Close their stdins (each leaves at once: os._exit, no PortAudio); kill those that
    have not left ``wait`` seconds later (one deadline for all)."""
    procs = [p for p in procs if p is not None and p.poll() is None]
    for p in procs:
        with contextlib.suppress(Exception):
            p.stdin.close()
    end = time.perf_counter() + wait
    for p in procs:
        try:
            p.wait(timeout=max(0.0, end - time.perf_counter()))
        except Exception:
            kill(p)
