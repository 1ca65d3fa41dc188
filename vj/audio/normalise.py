"""Running normalisation of the live energy (docs/energy.md): the offline
reference min-max normalises each part over the analysed span; the live engine
cannot see the span, so it keeps a running peak and floor.  Pure computation,
bounded state, no allocation per call."""
from __future__ import annotations

import math


def release(params) -> float:
    """The followers' decay per hop: time constant ``params.norm_time`` seconds."""
    return math.exp(-params.hop / (params.sr * params.norm_time))


class Follower:
    """Running peak and floor of one part, and the value scaled into [0, 1].

    The peak is either the largest value of the last ``window_blocks`` blocks of
    ``block_hops`` values (a sliding window: the gain stays constant between the
    loud passages, as the reference's does over its span, and a loud passage is
    forgotten after the window) or, with ``window_blocks=0``, a peak with
    exponential release ``decay`` per value.  The floor drops at once to a quieter
    value and rises towards the signal at the rate ``decay``, never above the peak.
    The span never falls below the ``min_peak`` given with each value.

    Examples
    --------
    >>> f = Follower(decay=0.999, window_blocks=2, block_hops=3)
    >>> [round(f(x), 2) for x in (0.0, 4.0, 2.0)]
    [0.0, 1.0, 0.5]
    """

    __slots__ = ("decay", "peak", "floor", "_ring", "_ring_max", "_block_max", "_n",
                 "_block")

    def __init__(self, decay: float, min_peak: float = 0.0, *, window_blocks: int = 0,
                 block_hops: int = 1) -> None:
        if window_blocks < 0 or block_hops < 1:
            raise ValueError("window_blocks must be >= 0 and block_hops >= 1")
        self.decay = decay
        self.peak = min_peak
        self.floor = math.inf
        self._ring = [0.0] * window_blocks       # block maxima, oldest overwritten
        self._ring_max = 0.0
        self._block_max = 0.0
        self._n = 0
        self._block = block_hops

    def _windowed_peak(self, x: float) -> float:
        if x > self._block_max:
            self._block_max = x
        peak = self._ring_max if self._ring_max > self._block_max else self._block_max
        self._n += 1
        if self._n % self._block == 0:            # the block is complete: into the ring
            ring = self._ring
            ring[(self._n // self._block) % len(ring)] = self._block_max
            self._block_max = 0.0
            self._ring_max = max(ring)
        return peak

    def __call__(self, x: float, min_peak: float = 0.0) -> float:
        if self._ring:
            peak = self._windowed_peak(x)
            self.peak = peak if peak > min_peak else min_peak
        else:
            self.peak = x if x > self.peak else max(self.peak * self.decay, min_peak)
        if self.floor == math.inf or x < self.floor:
            self.floor = x
        else:
            self.floor = min(self.floor + (x - self.floor) * (1.0 - self.decay), self.peak)
        span = self.peak - self.floor
        if span <= 1e-12 * max(1.0, self.peak):
            return 0.0
        v = (x - self.floor) / span
        return 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)


class PartNormaliser:
    """The live engine's normalisation stage: the percussive and the harmonic power
    of one frame in, each scaled into [0, 1] by its own :class:`Follower`, out.

    Each part's span is at least the absolute floor (``peak_floor_db`` below a
    full-scale sine, ``full_scale`` the mel power of that sine) and at least the
    other part's running peak less ``cross_floor_db``; the peaks are those of the
    last ``peak_window`` seconds (or release with ``norm_time``).  ``params`` is a
    :class:`vj.audio.energy.EnergyParams`.

    Examples
    --------
    >>> from vj.audio.energy import EnergyParams
    >>> n = PartNormaliser(EnergyParams(peak_window=60.0, cross_floor_db=5.0), full_scale=1.0)
    >>> [tuple(round(v, 2) for v in n(p, h)) for p, h in [(0, 0), (0.5, 0.05), (0.5, 0.05)]]
    [(0.0, 0.0), (1.0, 1.0), (1.0, 0.32)]

    (once the drums' peak of 0.5 is known, the harmonic span is at least 0.5 less 5 dB)
    """

    __slots__ = ("percussive", "harmonic", "_floor", "_cross")

    def __init__(self, params, full_scale: float) -> None:
        p = params
        decay = release(p)
        floor = full_scale * 10 ** (p.peak_floor_db / 10)
        block = max(1, round(p.sr / p.hop))        # the peak window's blocks: 1 s
        blocks = 0 if p.peak_window is None else max(1, round(p.peak_window))
        self.percussive, self.harmonic = (Follower(decay, floor, window_blocks=blocks,
                                                   block_hops=block) for _ in range(2))
        self._floor = floor
        self._cross = 0.0 if p.cross_floor_db is None else 10 ** (-p.cross_floor_db / 10)

    def __call__(self, perc: float, harm: float) -> tuple[float, float]:
        fp, fh, f, c = self.percussive, self.harmonic, self._floor, self._cross
        min_p, min_h = max(f, fh.peak * c), max(f, fp.peak * c)
        return fp(perc, min_p), fh(harm, min_h)
