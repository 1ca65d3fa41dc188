"""The show's side of the audio engine: it starts the audio process, reads its board
and watches it.

The process (vj.engine.child) is a fresh interpreter (spawned, not forked), started
before the show loads GL, torch or any model, so nothing the show does can hold it
up: not a long GL call holding the interpreter lock, not a shader compile, not a
bank being prepared.  If it dies, or stops beating (a PortAudio call that never
returns, a lost device it cannot close), :class:`AudioEngine` kills it and starts a
fresh one, which initialises PortAudio anew and finds the device again by name;
meanwhile the show moves on decaying energy.  The show's own exit never waits on
PortAudio: it closes the process's stdin and kills it if it has not left in 0.5 s.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import threading
import time

from vj.audio.energy import EnergyParams
from vj.engine import board as B
from vj.engine.child import EXIT_LOST
from vj.errors import AudioError
from vj.runtime import chaos

log = logging.getLogger("vj.engine")

#: Seconds without a heartbeat after which the audio process counts as hung, by its
#: phase: importing and decoding a file, opening a device (the ALSA pulse plugin
#: takes up to 2 s), waiting for a device or the show, analysing.
HANG = {B.STARTING: 20.0, B.OPENING: 8.0, B.WAITING: 2.0, B.RUNNING: 1.5}
#: The first start, which must say "ready" or why not (a file is decoded meanwhile).
OPEN_TIMEOUT = 120.0
#: A file starts this long after the show asks: the audio process hears of it first,
#: and plays the song from its first sample on the show's clock.
PLAY_LEAD = 0.03
#: Longest pause before starting the process again after it died quickly again.
RESTART_MAX = 1.0


class AudioEngine:
    """``AudioEngine(faults, audio_file=... | device=...)``; :meth:`open` (raises
    :class:`AudioError` for the user's errors), :meth:`start`, then read :attr:`board`
    (vj.engine.board) and the counters; :meth:`stop` at the end."""

    def __init__(self, faults, *, audio_file: str | None = None, device=None,
                 pick: list[int] | None = None, loop: bool = False,
                 params: EnergyParams | None = None, chaos_t0: float | None = None) -> None:
        import mmap

        from vj.audio.streaming import LIVE_PARAMS

        self.faults = faults
        self.audio_file, self.device, self.pick, self.loop = audio_file, device, pick, loop
        self.params = params or LIVE_PARAMS
        self.chaos_t0 = chaos_t0
        self.history = B.history_length(self.params.sr, self.params.hop)
        size = B.board_size(self.history)
        self._fd, self._path = B.board_memory(size)
        if self._fd is not None:
            self._mm = mmap.mmap(self._fd, size)
        else:
            with open(self._path, "r+b") as f:
                self._mm = mmap.mmap(f.fileno(), size)
        self.board = B.Board(self._mm, self.history)
        self.board.init()
        self.name, self.rate, self.channels, self.kind = str(device or audio_file), 0, 1, ""
        self.start_wall: float | None = None
        self.finished = False
        self.restarts = 0
        self._proc: subprocess.Popen | None = None
        self._spawned = 0.0
        self._ready = threading.Event()
        self._error: str | None = None
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="vj-audio-engine",
                                        daemon=True)

    # -- the process ---------------------------------------------------------------------
    def _command(self, strict: bool) -> list[str]:
        cmd = [sys.executable, "-m", "vj.engine.child", "--history", str(self.history),
               "--params", json.dumps(dataclasses.asdict(self.params)),
               "--ppid", str(os.getpid())]
        cmd += ["--board-fd", str(self._fd)] if self._fd is not None else \
            ["--board-path", self._path]
        if self.audio_file:
            cmd += ["--file", str(self.audio_file)] + (["--loop"] if self.loop else [])
            if self.start_wall is not None:
                cmd += ["--start-wall", repr(self.start_wall)]
        else:
            if self.device is not None:
                cmd += ["--device", str(self.device)]
            if self.pick:
                cmd += ["--pick", ",".join(map(str, self.pick))]
        if strict:
            cmd.append("--strict")
        if self.chaos_t0 is not None:
            cmd += ["--chaos-t0", repr(self.chaos_t0)]
        return cmd

    def _spawn(self, strict: bool) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}     # a hop's matrices are small: one core is enough
        self._ready.clear()
        self._error = None
        self._spawned = time.perf_counter()
        self.board.ints[B.I_PHASE] = B.STARTING
        p = subprocess.Popen(self._command(strict), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env,
                             pass_fds=(self._fd,) if self._fd is not None else ())
        self._proc = p
        threading.Thread(target=self._read, args=(p,), name="vj-audio-messages",
                         daemon=True).start()

    def _read(self, p: subprocess.Popen) -> None:
        """The process's messages, until it closes its stdout."""
        for line in p.stdout:
            try:
                m = json.loads(line)
                self._message(m)
            except Exception as e:     # a garbled line: say so, read on
                log.debug("audio process message %r: %s", line[:100], e)

    def _message(self, m: dict) -> None:
        kind = m.get("t")
        if kind == "ready":
            self.name, self.rate, self.channels = m["name"], m["rate"], m["channels"]
            self.kind = m["kind"]
            self._ready.set()
        elif kind == "error":
            self._error = m["msg"]
            self._ready.set()
        elif kind == "fault":
            self.faults.report(m["part"], m["msg"])
        elif kind == "clear":
            self.faults.clear(m["part"], m["msg"] or None)
        elif kind == "heard":
            if self.faults.active("input"):
                self.faults.clear("input", f"audio input {self.name!r} reconnected")
            if self.faults.active("engine"):
                self.faults.clear("engine", "the audio process runs again")
        elif kind == "ended":
            self.finished = True

    def _kill(self, p: subprocess.Popen | None) -> int | None:
        if p is None:
            return None
        try:
            p.kill()
            return p.wait(timeout=1.0)
        except Exception:      # unkillable for now (a device in the kernel): let it be
            return None

    # -- the show ----------------------------------------------------------------------------
    def open(self, timeout: float = OPEN_TIMEOUT) -> "AudioEngine":
        """Start the process and wait until its input is open; the user's errors (an
        unknown device, a channel it does not have, a file that cannot be read) raise
        :class:`AudioError` with the process's one line."""
        self._spawn(strict=True)
        p = self._proc
        end = time.perf_counter() + timeout
        while not self._ready.wait(0.05):
            if p.poll() is not None and not self._ready.wait(0.5):
                raise AudioError(f"the audio process could not start (exit {p.returncode}); "
                                 "run with VJ_DEBUG=1 for details")
            if time.perf_counter() > end:
                self._kill(p)
                raise AudioError(f"the audio input did not open within {timeout:g} s")
        if self._error is not None:
            p.wait(timeout=5.0)
            raise AudioError(self._error)
        return self

    def start(self) -> None:
        """Files start playing now (in :data:`PLAY_LEAD`: the process gets the word
        first, so the song starts at its first sample); then the process is watched."""
        if self.audio_file:
            self.start_wall = time.perf_counter() + PLAY_LEAD
            self._send(f"play {self.start_wall!r}")
        self._thread.start()

    def _send(self, line: str) -> None:
        try:
            self._proc.stdin.write((line + "\n").encode())
            self._proc.stdin.flush()
        except (OSError, ValueError):   # it died meanwhile: the watcher starts another
            pass

    def _supervise(self) -> None:
        quick = 0
        while not self._halt.wait(0.05):
            p = self._proc
            now = time.perf_counter()
            code = p.poll()
            why = None
            if chaos.due("engine"):
                code = self._kill(p)
                why = "the audio process was killed"
            elif code is None:
                phase = int(self.board.ints[B.I_PHASE])
                beat = max(float(self.board.floats[B.F_HEARTBEAT]), self._spawned)
                if now - beat > HANG.get(phase, 2.0):
                    why = f"the audio process hung (no heartbeat for {now - beat:.1f} s)"
                    self._kill(p)
                else:
                    continue
            elif code != EXIT_LOST:   # a lost input is reported by the process itself
                why = f"the audio process stopped (exit {code})"
            if why is not None:
                self.faults.report("engine", why + "; starting another")
            if self._halt.is_set():
                break
            quick = quick + 1 if now - self._spawned < 2.0 else 0
            if quick and self._halt.wait(min(0.25 * 2 ** (quick - 1), RESTART_MAX)):
                break
            self.restarts += 1
            try:
                self._spawn(strict=False)
            except Exception as e:   # cannot even start a process: try again soon
                self.faults.report("engine", f"cannot start the audio process ({e})")

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        p = self._proc
        if p is not None and p.poll() is None:
            try:
                p.stdin.close()          # it leaves at once (os._exit: no PortAudio)
                p.wait(timeout=0.5)
            except Exception:
                self._kill(p)
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
        elif self._path:
            try:
                os.unlink(self._path)
            except OSError:
                pass

    close = stop

    # -- what the show reads -----------------------------------------------------------------
    def wall_of(self, count: int) -> float:
        """Files: the wall time at which the song's sample ``count`` was fed."""
        return (self.start_wall or 0.0) + count / self.params.sr

    def recent_audio(self, seconds: float):
        """The last ``seconds`` of analysed audio (the genre tagger's input)."""
        return self.board.recent_audio(int(seconds * self.params.sr))

    def fault(self) -> str | None:
        if self.finished:
            return "no audio (the file ended)"
        return self.faults.active("input") or self.faults.active("engine")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def hops(self) -> int:
        return self.board.hops

    @property
    def overruns(self) -> int:
        return int(self.board.ints[B.I_OVERRUNS])

    @property
    def status_flags(self) -> int:
        return int(self.board.ints[B.I_STATUS])

    def published(self) -> tuple[float, float]:
        """Wall times of the first and the newest publication (0.0: none yet)."""
        f = self.board.floats
        return float(f[B.F_FIRST_PUBLISHED]), float(f[B.F_LAST_PUBLISHED])

    @property
    def max_gap_at(self) -> float:
        """Wall time at which the longest gap between two publications ended."""
        return float(self.board.floats[B.F_MAX_GAP_AT])

    @property
    def max_gap_ms(self) -> float:
        return float(self.board.floats[B.F_MAX_GAP]) * 1000.0
