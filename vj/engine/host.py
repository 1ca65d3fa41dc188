"""The show's side of the audio engine: it starts the audio process, reads its board
and watches it.

The process (vj.engine.child) is a fresh interpreter (spawned, not forked), started
before the show loads GL, torch or any model, so nothing the show does can hold it
up: not a long GL call holding the interpreter lock, not a shader compile, not a
bank being prepared.  If it dies, or stops beating (a PortAudio call that never
returns, a lost device it cannot close), :class:`AudioEngine` kills it and starts a
fresh one, which initialises PortAudio anew and finds the device again by name;
meanwhile the show moves on decaying energy.  The fresh one is a *spare*, started
while the show loads, that has done its imports and waits (vj.engine.launch).  The
show's exit never waits on PortAudio: it closes each process's stdin and kills it
if it has not left in 0.5 s.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import threading
import time

from vj.audio.energy import EnergyParams
from vj.engine import board as B
from vj.engine import launch
from vj.engine.channel import EXIT_LOST
from vj.engine.spare import Spare
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
#: The first spare is started as soon as the first process is ready, and prepares
#: while the show loads; after a restart the next one waits until the replacement has
#: run this long (not while it opens its input).
SPARE_AFTER = 1.0


class AudioEngine:
    """``AudioEngine(faults, audio_file=... | device=...)``; :meth:`open` (raises
    :class:`AudioError` for the user's errors), :meth:`start`, then read :attr:`board`
    (vj.engine.board) and the counters; :meth:`stop` at the end."""

    def __init__(self, faults, *, audio_file: str | None = None, device=None,
                 pick: list[int] | None = None, loop: bool = False,
                 params: EnergyParams | None = None, chaos_t0: float | None = None,
                 ltc: int | None = None) -> None:
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
        self.launch = launch.Launch(self.history, self.params, self._fd,
                                    None if self._fd is not None else self._path,
                                    audio_file=audio_file, loop=loop,
                                    device=None if device is None else str(device),
                                    pick=tuple(pick) if pick else None, ltc=ltc,
                                    chaos_t0=chaos_t0)
        self.name, self.rate, self.channels, self.kind = str(device or audio_file), 0, 1, ""
        self.nice = 0      # the audio process's nice value (vj.engine.child.NICE)
        self.start_wall: float | None = None
        self.finished = False
        self.restarts = 0
        self._proc: subprocess.Popen | None = None
        self._spare = Spare(self.launch, self._listen)
        self._spawned = 0.0
        self._ready = threading.Event()
        self._error: str | None = None
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="vj-audio-engine",
                                        daemon=True)

    # -- the process ---------------------------------------------------------------------
    def _spawn(self, strict: bool) -> None:
        """A process started cold (the first, or when there is no live spare)."""
        cmd = self.launch.command(strict=strict, start_wall=self.start_wall)
        self._adopt(self.launch.spawn(cmd))

    def _adopt(self, p: subprocess.Popen, read: bool = True) -> None:
        self._ready.clear()
        self._error = None
        self._spawned = time.perf_counter()
        self.board.ints[B.I_PHASE] = B.STARTING
        self._proc = p
        if read:    # a spare's messages are read from its start
            self._listen(p)

    def _use_spare(self) -> bool:
        """Wake the spare in the dead one's place; False when there is none ready."""
        p = self._spare.take()
        if p is None:
            return False
        self._adopt(p, read=False)
        if launch.send(p, launch.go_line(self.start_wall)):
            self._spare.used += 1
        return True       # if it died meanwhile, the watcher sees it and starts another

    def _listen(self, p: subprocess.Popen) -> None:
        threading.Thread(target=self._read, args=(p,), name="vj-audio-messages",
                         daemon=True).start()

    def _read(self, p: subprocess.Popen) -> None:
        """The process's messages, until it closes its stdout."""
        for line in p.stdout:
            try:
                m = json.loads(line)
                if not self._spare.heard(p, m):
                    self._message(m)
            except Exception as e:     # a garbled line: say so, read on
                log.debug("audio process message %r: %s", line[:100], e)

    def _message(self, m: dict) -> None:
        kind = m.get("t")
        if kind == "ready":
            self.name, self.rate, self.channels = m["name"], m["rate"], m["channels"]
            self.kind, self.nice = m["kind"], int(m.get("nice", 0))
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
                launch.kill(p)
                raise AudioError(f"the audio input did not open within {timeout:g} s")
        if self._error is not None:
            p.wait(timeout=5.0)
            raise AudioError(self._error)
        self._spare.start()   # it prepares while the show loads GL, banks and models
        return self

    def start(self) -> None:
        """Files start playing now (in :data:`PLAY_LEAD`: the process gets the word
        first, so the song starts at its first sample); then the process is watched."""
        if self.audio_file:
            self.start_wall = time.perf_counter() + PLAY_LEAD
            launch.send(self._proc, f"play {self.start_wall!r}")
        self._thread.start()

    def _supervise(self) -> None:
        quick = 0
        while not self._halt.wait(0.05):
            p = self._proc
            now = time.perf_counter()
            code = p.poll()
            why = None
            if chaos.due("engine"):
                code = launch.kill(p)
                why = "the audio process was killed"
            elif code is None:
                phase = int(self.board.ints[B.I_PHASE])
                beat = max(float(self.board.floats[B.F_HEARTBEAT]), self._spawned)
                if now - beat > HANG.get(phase, 2.0):
                    why = f"the audio process hung (no heartbeat for {now - beat:.1f} s)"
                    launch.kill(p)
                else:    # the next spare once the running one has run SPARE_AFTER
                    self._spare.watch(not self._halt.is_set() and phase == B.RUNNING
                                      and now - self._spawned > SPARE_AFTER)
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
                if not self._use_spare():
                    self._spawn(strict=False)
            except Exception as e:   # cannot even start a process: try again soon
                self.faults.report("engine", f"cannot start the audio process ({e})")

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        launch.close(self._proc, self._spare.proc)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        elif self._path:
            with contextlib.suppress(OSError):
                os.unlink(self._path)

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
    def spare_pid(self) -> int | None:
        return self._spare.proc.pid if self._spare.proc is not None else None

    @property
    def spare_ready(self) -> bool:
        """A spare has done its imports and waits (vj.engine.spare)."""
        return self._spare.ready

    @property
    def spares_used(self) -> int:
        return self._spare.used

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
