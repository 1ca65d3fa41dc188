"""Where the show's audio comes from: a live input through PortAudio, watched and
reconnected, or a file played in real time (rehearsal, tests).

Both give the analysis thread the same things: ``ring`` (the current ring buffer),
``rate`` and ``channels``, a ``generation`` that changes when a reconnection hands
over a new ring, and :meth:`time_of`: the wall time (``time.perf_counter``) at which a
sample entered the converter, so latency is measured from the ADC.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from vj.audio.energy import ANALYSIS_SR
from vj.audio.ring import RingBuffer
from vj.errors import AudioError
from vj.live import chaos
from vj.live.faults import Faults

log = logging.getLogger("vj.live")

#: No callback for this long counts as a lost input, whatever PortAudio's ``active``.
STALL_SECONDS = 0.5
#: A new stream may take this long to deliver its first callback (the ALSA pulse
#: plugin took 1.5-2 s here) before it counts as lost.
START_GRACE = 3.0
#: Longest pause between two reconnection attempts (they start at 0.5 s and double):
#: a device that comes back is found within about this long.
RETRY_MAX = 1.0


class FileInput(threading.Thread):
    """Plays decoded samples into the ring at the pace of the wall clock, in blocks of
    ``block`` samples: what the PortAudio callback does with a live input."""

    channels = 1
    generation = 1
    status_flags = 0

    def __init__(self, samples: np.ndarray, *, sr: int = ANALYSIS_SR, block: int = 128,
                 loop: bool = False, faults: Faults | None = None) -> None:
        super().__init__(name="vj-file-audio", daemon=True)
        self.faults = faults
        self.samples, self.rate, self.block, self.loop = samples, sr, block, loop
        self.ring = RingBuffer(sr * 2)
        self.start_wall: float | None = None
        self.finished = False
        self._halt = threading.Event()

    def run(self) -> None:
        self.start_wall = time.perf_counter()
        n, pos, written = len(self.samples), 0, 0
        while not self._halt.is_set():
            delay = self.start_wall + (written + self.block) / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if pos >= n:
                if not self.loop:
                    self.finished = True
                    return
                pos = 0
            blk = self.samples[pos:pos + self.block]
            try:
                chaos.check("input")
                self.ring.write(blk)
            except Exception as e:  # this block is lost; the next one is played
                if self.faults is not None:
                    self.faults.report("input", f"file input failed ({str(e)[:120]})")
            pos += len(blk)
            written += len(blk)

    def time_of(self, count: int) -> float:
        """Wall time at which stream sample ``count`` was fed."""
        return (self.start_wall or 0.0) + count / self.rate

    wall_of = time_of

    def fault(self) -> str | None:
        return "no audio (the file ended)" if self.finished else None

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=1.0)


class AudioInput(threading.Thread):
    """A PortAudio input stream and its watchdog thread.

    The callback copies the block into the ring, notes the ADC time of its last
    sample and returns.  The watchdog (this thread) counts a stream that has sent no
    callback for :data:`STALL_SECONDS` as lost, re-initialises PortAudio so that a
    device that came back (a restarted sound server, a USB interface plugged in
    again) is listed again, opens it by name and hands a new ring to the analysis.
    """

    #: Channels to listen to (0-based), mixed to mono; None: the first two.
    pick: list[int] | None = None

    def __init__(self, device: str | int | None, faults: Faults, *, blocksize: int = 256,
                 ring_seconds: float = 2.0, pick: list[int] | None = None) -> None:
        super().__init__(name="vj-audio-input", daemon=True)
        from vj.audio.sources import resolve_input

        self.faults = faults
        self.blocksize, self.ring_seconds = blocksize, ring_seconds
        self.info = resolve_input(device)  # an unknown name fails here, before the show
        self.name = self.info["name"]
        self.pick = list(pick) if pick else None   # --input-channels 3,4 -> [2, 3]
        if self.pick and max(self.pick) >= int(self.info["channels"]):
            raise AudioError(f"--input-channels: {self.name!r} has {self.info['channels']} "
                             f"input channels, not {max(self.pick) + 1}")
        self.generation = 0
        self.status_flags = 0
        self.reconnects = 0
        self.stamp = (0, 0.0)   # (frames written, wall time of the last one's ADC)
        self.last_callback = 0.0
        self.opened_at = 0.0
        self._stream = None
        self._halt = threading.Event()
        self._open()            # the first stream: errors reach the caller

    # -- PortAudio thread ------------------------------------------------------------------
    def callback(self, indata, frames, t, status) -> None:
        now = time.perf_counter()
        if status:
            self.status_flags += 1
        ring = self.ring
        if self.pick is not None:   # the chosen channels, without allocating
            n = min(frames, len(self._picked))
            np.take(indata[:n], self.pick, axis=1, out=self._picked[:n])
            indata = self._picked[:n]
        ring.write(indata)
        adc = t.inputBufferAdcTime if t is not None else 0.0
        if adc > 0.0 and t.currentTime > 0.0:
            last = now - (t.currentTime - adc) + (frames - 1) / self.rate
        else:
            last = now - 1.0 / self.rate
        self.stamp = (ring.written, last)
        self.last_callback = now

    # -- analysis thread ---------------------------------------------------------------------
    def time_of(self, count: int) -> float:
        written, wall = self.stamp
        return wall - (written - 1 - count) / self.rate

    def fault(self) -> str | None:
        return self.faults.active("input")

    # -- watchdog ----------------------------------------------------------------------------------
    def _open(self, reinit: bool = False) -> None:
        from vj.audio.sources import _sounddevice, resolve_input

        sd = _sounddevice()
        if reinit:
            try:  # refresh PortAudio's device list (a private but stable sounddevice call)
                sd._terminate()
                sd._initialize()
            except Exception as e:
                log.debug("PortAudio re-initialisation: %s", e)
            self.info = resolve_input(self.name)
        info = self.info
        self.rate = int(info["samplerate"])
        opened = int(min(2, info["channels"])) if self.pick is None else max(self.pick) + 1
        self.channels = opened if self.pick is None else len(self.pick)
        self._picked = np.zeros((4 * self.blocksize, self.channels), np.float32)
        ring = RingBuffer(int(self.rate * self.ring_seconds), self.channels)
        self.ring = ring
        self.stamp = (0, time.perf_counter())
        stream = sd.InputStream(device=info["index"], channels=opened,
                                samplerate=self.rate, blocksize=self.blocksize,
                                dtype="float32", callback=self.callback)
        self.last_callback = 0.0
        self.opened_at = time.perf_counter()
        stream.start()
        self._stream = stream
        self.generation += 1   # last: the analysis switches to the new ring now

    def _close(self) -> None:
        s, self._stream = self._stream, None
        if s is not None:
            try:
                s.stop()
                s.close()
            except Exception as e:
                log.debug("closing the lost stream: %s", e)

    def _lost(self, now: float) -> str | None:
        if self.last_callback == 0.0:
            if now - self.opened_at > START_GRACE:
                return f"no audio from {self.name!r} since it was opened"
            return None
        if now - self.last_callback > STALL_SECONDS:
            return f"audio input {self.name!r} lost (no audio for {STALL_SECONDS:g} s)"
        return None

    def run(self) -> None:
        retry_at, backoff = 0.0, 0.5
        while not self._halt.wait(0.1):
            now = time.perf_counter()
            try:
                chaos.check("input")
                why = self._lost(now)
            except Exception as e:  # the watchdog itself failed: treat as lost
                why = f"audio input check failed: {e}"
            if why is None:
                if self.faults.active("input"):
                    self.faults.clear("input", f"audio input {self.name!r} reconnected")
                backoff = 0.5
                continue
            self.faults.report("input", why + "; reconnecting")
            if now < retry_at:
                continue
            self._close()
            try:
                self._open(reinit=True)
                self.reconnects += 1
            except Exception as e:
                self.faults.report("input", f"audio input {self.name!r} unavailable "
                                   f"({str(e).splitlines()[0][:100]}); retrying")
                backoff = min(backoff * 2, RETRY_MAX)
            retry_at = time.perf_counter() + backoff

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=2.0)
        self._close()


def open_input(audio_file: str | None, device, faults: Faults, *, sr: int, loop: bool,
               pick: list[int] | None = None):
    """The show's audio: ``audio_file`` played in real time, or the live ``device``
    (``pick``: its channels to listen to, 0-based)."""
    if audio_file:
        from vj.audio.sources import FileSource

        return FileInput(FileSource(audio_file, sr=sr).samples, sr=sr, loop=loop, faults=faults)
    try:
        return AudioInput(device, faults, pick=pick)
    except AudioError:
        raise
    except Exception as e:
        raise AudioError(f"audio input {device!r}: cannot start ({e})") from None
