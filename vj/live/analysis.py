"""The analysis thread: hops from the input's ring -> streaming energy -> the newest
:class:`Published` value (one reference assignment, read by the render loop)."""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from vj.audio.energy import SILENT_FRAME, EnergyFrame, EnergyParams
from vj.audio.streaming import StreamingEnergy
from vj.live import chaos
from vj.live.faults import Faults

log = logging.getLogger("vj.live")

#: Peak-hold time constant of the onset for the render loop (s): a hit lasts one hop
#: (11.6 ms), and the flash should outlast the frame it lands on.
ONSET_HOLD = 0.06
#: Hops of onsets kept for the render loop (about 3 s at the live hop): it takes the
#: largest since its last frame, so no hit is missed when the analysis, behind after
#: a stall, publishes several hops between two frames.
ONSET_RING = 256
#: Seconds of analysed audio kept for the genre tagger.
HISTORY_SECONDS = 4.0


@dataclass(frozen=True)
class Published:
    """What the analysis thread publishes after each hop."""

    frame: EnergyFrame
    adc: float              # wall time the newest analysed sample entered the ADC
    energy_integral: float  # sum of energy x hop duration since the start
    audio_time: float       # seconds of audio analysed since the start
    hops: int = 0           # hops analysed since the start (their onsets: Analysis.onsets)


NOTHING = Published(SILENT_FRAME, 0.0, 0.0, 0.0)


class Analysis(threading.Thread):
    def __init__(self, source, params: EnergyParams, faults: Faults) -> None:
        super().__init__(name="vj-analysis", daemon=True)
        self.source, self.params, self.faults = source, params, faults
        self.engine = StreamingEnergy(params)
        self.latest = NOTHING
        self.hops = 0
        self.overruns = 0           # ring overruns over every ring this show had
        self.history = np.zeros(params.hop * math.ceil(HISTORY_SECONDS * params.sr / params.hop),
                                np.float32)
        self.history_pos = 0
        #: onset of hop h at [h % ONSET_RING], written before the hop is published
        self.onsets = [0.0] * ONSET_RING
        self._integral = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._follow(self.source.generation)
            except Exception as e:  # report, start again on a clean engine
                self.faults.report("analysis", f"analysis failed ({e}); restarted")
                self.engine.reset()
                self._halt.wait(0.1)

    def _follow(self, generation: int) -> None:
        """Analyse the current ring until the input hands over a new one."""
        src, p = self.source, self.params
        ring, rate = src.ring, src.rate
        hop = p.hop
        chunk = hop if rate == p.sr else max(64, int(hop * rate / p.sr))
        raw = np.zeros((chunk, ring.channels), np.float32)
        mono = np.zeros(chunk, np.float32)
        acc = np.zeros(hop * 4, np.float32)
        filled = 0
        resampler = None
        if rate != p.sr:
            import soxr

            resampler = soxr.ResampleStream(rate, p.sr, 1, dtype="float32", quality="LQ")
        hop_s = hop / p.sr
        overruns0 = ring.overruns
        recovered = False
        while not self._halt.is_set() and src.generation == generation:
            chaos.check("analysis")
            if not ring.read(raw):
                time.sleep(0.001)
                continue
            if not recovered and self.faults.active("analysis"):
                self.faults.clear("analysis", "analysis running again")
            recovered = True
            self.overruns += ring.overruns - overruns0
            overruns0 = ring.overruns
            np.mean(raw, axis=1, out=mono)
            x = mono if resampler is None else resampler.resample_chunk(mono)
            m = len(x)
            acc[filled:filled + m] = x
            filled += m
            adc = src.time_of(ring.consumed - 1)
            while filled >= hop:
                hp = self.history_pos
                self.history[hp:hp + hop] = acc[:hop]
                self.history_pos = (hp + hop) % len(self.history)
                frame = self.engine.process(acc[:hop])
                acc[: filled - hop] = acc[hop:filled]
                filled -= hop
                self.onsets[self.hops % ONSET_RING] = frame.onset
                self.hops += 1
                self._integral += frame.energy * hop_s
                self.latest = Published(frame, adc, self._integral, self.hops * hop_s,
                                        self.hops)

    def recent_audio(self, seconds: float) -> np.ndarray:
        """A copy of the last ``seconds`` of analysed audio (the genre tagger's input)."""
        h, pos = self.history, self.history_pos
        return np.concatenate([h[pos:], h[:pos]])[-int(seconds * self.params.sr):]

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=2.0)


#: Seconds without newly analysed audio after which the energy decays to stillness.
STALE = 0.25


class EnergyView:
    """The render loop's view of the analysis: the mean energy and the largest onset
    of the audio analysed since the last frame (so no hit falls between two frames,
    however many hops the analysis published meanwhile), the onset held with the time
    constant ``ONSET_HOLD``; decaying to stillness when no new audio arrives.
    ``onsets``: the analysis's ring of per-hop onsets (:attr:`Analysis.onsets`)."""

    def __init__(self, onsets: list) -> None:
        self.seen_time = self.seen_integral = 0.0
        self.energy = 0.0
        self.onsets = onsets
        self.seen_hops = 0
        self.hold = 0.0
        self._last = None

    def _onset(self, pub: Published, now: float) -> float:
        ring, h = self.onsets, pub.hops
        peak = 0.0
        # the oldest entries may be being overwritten after a stall of about 3 s
        for i in range(max(self.seen_hops, h - len(ring) + 8), h):
            v = ring[i % len(ring)]
            if v > peak:
                peak = v
        self.seen_hops = h
        dt = 0.0 if self._last is None else max(now - self._last, 0.0)
        self._last = now
        held = self.hold * math.exp(-dt / ONSET_HOLD)
        self.hold = peak if peak > held else held
        return self.hold

    def read(self, pub: Published, now: float) -> tuple[float, float, bool]:
        """``(energy, onset, stale)`` for this frame."""
        onset = self._onset(pub, now)
        if pub.audio_time > self.seen_time:
            e = (pub.energy_integral - self.seen_integral) / (pub.audio_time - self.seen_time)
            self.seen_time, self.seen_integral = pub.audio_time, pub.energy_integral
        else:
            e = pub.frame.energy
        if not pub.adc or now - pub.adc > STALE:
            self.energy *= 0.9
            return self.energy, 0.0, True
        self.energy = e
        return e, onset, False
