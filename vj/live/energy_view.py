"""The render loop's view of the audio engine's board (vj.engine.board): per frame,
the mean energy and the largest onset of the audio analysed since the last frame
(so no hit falls between two frames, however many hops were published meanwhile),
the onset held with :data:`ONSET_HOLD`; decaying to stillness by elapsed time when no
new audio arrives.  Reads without locks and allocates nothing per frame."""
from __future__ import annotations

import math

import numpy as np

from vj.engine import board as B

#: Peak-hold time constant of the onset (s): a hit lasts one hop (11.6 ms), and the
#: flash should outlast the frame it lands on.
ONSET_HOLD = 0.06
#: Seconds without newly analysed audio after which the energy decays to stillness.
STALE = 0.25
#: Time constant of that decay (s): 0.9 a frame at 60 Hz, as before it was by time.
STILL_TIME = 1.0 / (60.0 * math.log(1 / 0.9))


class EnergyView:
    def __init__(self, board: B.Board) -> None:
        self.board = board
        #: the newest record read (fields of vj.engine.board: P, H, E, LEVEL, ADC, ...)
        self.rec = np.zeros(B.FIELDS)
        self._tmp = np.zeros(B.FIELDS)
        self.seen_hops = board.hops
        self.seen_time = self.seen_integral = None
        self.energy = 0.0
        self.hold = 0.0
        self._last = None

    @property
    def adc(self) -> float:
        """Wall time the newest analysed sample entered the ADC (0: none yet)."""
        return float(self.rec[B.ADC])

    def _onset(self, h: int, dt: float) -> float:
        board, peak = self.board, 0.0
        # the oldest entries may be being overwritten after a stall of about 3 s
        for i in range(max(self.seen_hops, h - B.SLOTS + 8), h):
            v = board.value(i, B.ONSET)
            if v is not None and v > peak:
                peak = v
        held = self.hold * math.exp(-dt / ONSET_HOLD)
        self.hold = peak if peak > held else held
        return self.hold

    def read(self, now: float) -> tuple[float, float, bool]:
        """``(energy, onset, stale)`` for this frame."""
        dt = 0.0 if self._last is None else max(now - self._last, 0.0)
        self._last = now
        h = self.board.hops
        if h > self.seen_hops and self.board.read(h - 1, self._tmp):
            np.copyto(self.rec, self._tmp)
        onset = self._onset(h, dt)
        self.seen_hops = h
        rec = self.rec
        t, integral = float(rec[B.AUDIO_TIME]), float(rec[B.INTEGRAL])
        if self.seen_time is not None and t > self.seen_time:
            e = (integral - self.seen_integral) / (t - self.seen_time)
        else:
            e = float(rec[B.E])
        self.seen_time, self.seen_integral = t, integral
        adc = float(rec[B.ADC])
        if not adc or now - adc > STALE:
            self.energy *= math.exp(-dt / STILL_TIME)
            return self.energy, 0.0, True
        self.energy = e
        return e, onset, False
