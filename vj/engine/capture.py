"""Where the audio process gets its audio: a live input through PortAudio, or a file
played in real time (rehearsal, tests).  Both fill a preallocated ring with the
samples and give :meth:`time_of`: the wall time (``time.perf_counter``) at which a
sample entered the converter, so latency is measured from the ADC.

Only the audio process imports this module: a PortAudio call that hangs (a sound
server that died under the stream) can stop this process, never the show, which
kills it and starts another.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from vj.audio.energy import ANALYSIS_SR
from vj.audio.ring import RingBuffer
from vj.errors import AudioError
from vj.runtime import chaos

log = logging.getLogger("vj.engine")

#: No callback for this long counts as a lost input, whatever PortAudio's ``active``.
STALL_SECONDS = 0.5
#: A new stream may take this long to deliver its first callback (the ALSA pulse
#: plugin took 1.5-2 s here) before it counts as lost.
START_GRACE = 3.0


class FileInput(threading.Thread):
    """Plays decoded samples into the ring at the pace of the wall clock, in blocks of
    ``block`` samples, as the PortAudio callback does with a live input.  Sample ``i``
    is fed at ``start_wall + i / sr``: an audio process started again mid-show goes on
    where the song is."""

    status_flags = 0

    def __init__(self, samples: np.ndarray, *, sr: int = ANALYSIS_SR, block: int = 128,
                 loop: bool = False, report=None) -> None:
        super().__init__(name="vj-file-audio", daemon=True)
        self.report = report
        self.samples, self.rate, self.block, self.loop = samples, sr, block, loop
        #: a mono song, or (samples, 2): the song and its LTC channel (--timecode ltc)
        self.channels = 1 if samples.ndim == 1 else samples.shape[1]
        self.ring = RingBuffer(sr * 2, self.channels)
        self.start_wall: float | None = None
        self.first = 0              # the song's sample that went into the ring first
        self.finished = False
        self.name = "file"
        self._halt = threading.Event()

    def play(self, start_wall: float) -> None:
        """Play as if sample 0 had been fed at ``start_wall`` (in the past: from there)."""
        self.start_wall = start_wall
        first = max(0, int((time.perf_counter() - start_wall) * self.rate))
        self.first = first - first % self.block
        self.start()

    def run(self) -> None:
        n = len(self.samples)
        written = self.first
        while not self._halt.is_set():
            delay = self.start_wall + (written + self.block) / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pos = written % n if self.loop else written
            if pos >= n:
                self.finished = True
                return
            blk = self.samples[pos:pos + self.block]
            try:
                chaos.check("input")
                self.ring.write(blk)
            except Exception as e:  # this block is lost; the next one is played
                if self.report is not None:
                    self.report("input", f"file input failed ({str(e)[:120]})")
            written += len(blk)

    def time_of(self, count: int) -> float:
        """Wall time at which the ring's sample ``count`` was fed."""
        return (self.start_wall or 0.0) + (self.first + count) / self.rate

    def lost(self, now: float) -> str | None:
        return None

    def stop(self) -> None:
        self._halt.set()


class DeviceInput:
    """A PortAudio input stream.  The callback copies the block into the ring, notes
    the ADC time of its last sample and returns; :meth:`lost` says when it has stopped
    calling back.  ``pick``: channels to listen to (0-based), mixed to mono; None: the
    first two."""

    def __init__(self, device: str | int | None, *, blocksize: int = 256,
                 ring_seconds: float = 2.0, pick: list[int] | None = None) -> None:
        from vj.audio.sources import resolve_input

        self.blocksize, self.ring_seconds = blocksize, ring_seconds
        self.info = resolve_input(device)  # an unknown name fails here
        self.name = self.info["name"]
        self.pick = list(pick) if pick else None   # --input-channels 3,4 -> [2, 3]
        if self.pick and max(self.pick) >= int(self.info["channels"]):
            raise AudioError(f"--input-channels: {self.name!r} has {self.info['channels']} "
                             f"input channels, not {max(self.pick) + 1}")
        self.status_flags = 0
        self.stamp = (0, 0.0)   # (frames written, wall time of the last one's ADC)
        self.last_callback = 0.0
        self.opened_at = 0.0
        self._stream = None
        self._open()

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

    # -- the audio process's main thread ------------------------------------------------------
    def time_of(self, count: int) -> float:
        written, wall = self.stamp
        return wall - (written - 1 - count) / self.rate

    def _open(self) -> None:
        from vj.audio.sources import _sounddevice

        sd = _sounddevice()
        info = self.info
        self.rate = int(info["samplerate"])
        opened = int(min(2, info["channels"])) if self.pick is None else max(self.pick) + 1
        self.channels = opened if self.pick is None else len(self.pick)
        self._picked = np.zeros((4 * self.blocksize, self.channels), np.float32)
        self.ring = RingBuffer(int(self.rate * self.ring_seconds), self.channels)
        self.stamp = (0, time.perf_counter())
        # PortAudio's low latency: with its default ('high') the ALSA pulse plugin handed
        # over blocks up to 80 ms apart here, against 15-19 ms with 'low'
        stream = sd.InputStream(device=info["index"], channels=opened,
                                samplerate=self.rate, blocksize=self.blocksize,
                                dtype="float32", latency="low", callback=self.callback)
        self.opened_at = time.perf_counter()
        stream.start()
        self._stream = stream

    def lost(self, now: float) -> str | None:
        """Why the input counts as lost now, or None while it calls back."""
        chaos.check("input")
        if self.last_callback == 0.0:
            if now - self.opened_at > START_GRACE:
                return f"no audio from {self.name!r} since it was opened"
            return None
        if now - self.last_callback > STALL_SECONDS:
            return f"audio input {self.name!r} lost (no audio for {STALL_SECONDS:g} s)"
        return None

    def stop(self) -> None:
        """Nothing: a lost stream's stop() can hang inside PortAudio for good, so the
        audio process leaves without closing it (os._exit) and the show starts another."""


def reinit_portaudio() -> None:
    """Make PortAudio list its devices again (a sound server that restarted, a USB
    interface plugged in again); only while no stream is open."""
    from vj.audio.sources import _sounddevice

    sd = _sounddevice()
    try:  # a private but stable sounddevice call
        sd._terminate()
        sd._initialize()
    except Exception as e:
        log.debug("PortAudio re-initialisation: %s", e)
