"""Where in the keyframe sequence each moment of the music sits (docs/design.md, section 5).

A position is a keyframe index ``k`` and a fraction ``s`` in [0, 1]: the frame
shows ``slerp(z[k], z[k+1], s)``.  Offline drivers see the whole song; the
online driver only the past.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vj.audio.energy import EnergyCurve
from vj.errors import ParameterError

#: The method's segment length: one keyframe per 10 seconds of music.
SEGMENT_SECONDS = 10.0


def fixed_segments(duration: float, length: float = SEGMENT_SECONDS) -> np.ndarray:
    """Segment boundaries ``[0, L, 2L, ..., duration]``; a last segment shorter
    than a quarter of ``length`` is merged into the one before."""
    if duration <= 0:
        raise ParameterError(f"duration={duration!r}: must be > 0 seconds")
    if length <= 0:
        raise ParameterError(f"segment length={length!r}: must be > 0 seconds")
    edges = list(np.arange(0.0, duration, length))
    if len(edges) > 1 and duration - edges[-1] < 0.25 * length:
        edges.pop()
    return np.asarray(edges + [duration], dtype=np.float64)


def beat_segments(beat_times: np.ndarray, duration: float, beats: int = 16) -> np.ndarray:
    """Boundaries every ``beats`` beats (from a beat tracker), plus 0 and the end."""
    if beats < 1:
        raise ParameterError(f"beats={beats!r}: must be >= 1")
    cuts = [float(t) for t in np.asarray(beat_times)[::beats] if 0 < t < duration]
    return np.asarray([0.0] + cuts + [duration], dtype=np.float64)


def _segment_index(t: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(bounds) - 2)


def linear_positions(t: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The linear driver: ``s(t) = (t - start) / T`` inside each segment."""
    t = np.asarray(t, dtype=np.float64)
    k = _segment_index(t, bounds)
    start, end = bounds[k], bounds[k + 1]
    s = np.clip((t - start) / (end - start), 0.0, 1.0)
    return k, s


def energy_positions(t: np.ndarray, curve: EnergyCurve, bounds: np.ndarray, *,
                     smooth: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The energy driver: ``s(t) = C(t) / C(T)`` with C the cumulative energy
    since the segment start.

    The energy is integrated on the analysis grid (trapezoids) and C is
    interpolated at ``t``, so no hit between two video frames is lost.
    ``smooth`` in [0, 1] mixes in the linear driver (nateraw's option).  A
    segment with no energy at all (silence) stays still at s = 0.
    """
    if not 0.0 <= smooth <= 1.0:
        raise ParameterError(f"smooth={smooth!r}: must be in [0, 1]")
    t = np.asarray(t, dtype=np.float64)
    grid = np.asarray(curve.times, dtype=np.float64)
    e = np.clip(np.nan_to_num(np.asarray(curve.energy, dtype=np.float64)), 0.0, None)
    if len(grid) < 2:
        raise ParameterError("curve: needs at least two frames of energy")
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (e[1:] + e[:-1]) * np.diff(grid))])

    def C(x):
        return np.interp(x, grid, cum)

    k = _segment_index(t, bounds)
    start, end = bounds[k], bounds[k + 1]
    total = C(end) - C(start)
    done = C(np.clip(t, start, end)) - C(start)
    tiny = 1e-9 * max(1.0, float(cum[-1]))
    s = np.where(total > tiny, done / np.where(total > tiny, total, 1.0), 0.0)
    s = np.clip(s, 0.0, 1.0)
    if smooth:
        _, lin = linear_positions(t, bounds)
        s = (1.0 - smooth) * s + smooth * lin
    return k, s


@dataclass
class OnlineDriver:
    """The live driver: the future is unknown, so the position advances at a
    rate proportional to ``e / mean_e``, where ``mean_e`` is a running mean over
    one segment length.  On average one transition takes one segment; the
    motion lands on the hits; silence is stillness.

    The running mean is bias-corrected: it starts as the plain mean of what has
    been heard so far (the first second's energy), not from 0, so there is no
    lurch at the start.  A quiet passage longer than ``restart_after`` is a
    break: the mean is frozen during it and starts again when the music
    returns, so there is no sprint after a break either.

    ``speed`` multiplies the rate.  ``intensity`` in [0, 1] sets how strongly
    the motion follows the energy: the rate is ``(e / mean_e) ** (2 * intensity)``,
    so 0.5 (the default) is the method, 0 is steady motion while there is
    sound, and 1 exaggerates the hits.
    """

    segment: float = SEGMENT_SECONDS
    speed: float = 1.0
    intensity: float = 0.5
    #: Energy below this counts as silence.
    gate: float = 0.02
    #: Seconds of silence that make a break (the running mean starts again after it).
    restart_after: float = 2.0
    position: float = 0.0
    rate: float = 0.0           # keyframes per second at the last step
    _ema: float = 0.0
    _weight: float = 0.0        # 1 - (1 - a)^n: the bias correction of the running mean
    _quiet: float = math.inf    # seconds of silence so far (the start counts as a break)

    def __post_init__(self) -> None:
        if self.segment <= 0:
            raise ParameterError(f"segment={self.segment!r}: must be > 0 seconds")

    @property
    def mean_energy(self) -> float:
        return self._ema / self._weight if self._weight > 0 else 0.0

    def step(self, dt: float, energy: float) -> tuple[int, float]:
        """Advance by ``dt`` seconds at the current ``energy`` (0..1); return (k, s)."""
        if not (dt >= 0.0 and math.isfinite(dt)):
            dt = 0.0
        e = energy if math.isfinite(energy) and energy > 0.0 else 0.0
        if e > self.gate:
            if self._quiet >= self.restart_after:   # music (again): a fresh mean
                self._ema = self._weight = 0.0
            self._quiet = 0.0
        else:
            self._quiet += dt
        self.rate = 0.0
        if self._quiet < self.restart_after:        # not in a break: follow the music
            a = min(1.0, dt / self.segment)
            self._ema += (e - self._ema) * a
            self._weight += (1.0 - self._weight) * a
            mean = self.mean_energy
            if e > self.gate and mean > 1e-6:
                ratio = min(e / mean, 50.0)
                self.rate = ratio ** (2.0 * self.intensity) * max(self.speed, 0.0) / self.segment
                self.position += self.rate * dt
        return self.where()

    def where(self) -> tuple[int, float]:
        k = math.floor(self.position)
        return k, self.position - k

    def ahead(self, dt: float) -> tuple[int, float]:
        """Where the position will be in ``dt`` seconds at the current rate (the
        decode worker decodes one frame ahead)."""
        p = self.position + self.rate * max(dt, 0.0)
        k = math.floor(p)
        return k, p - k

    def cut(self) -> tuple[int, float]:
        """Jump to the start of the next keyframe."""
        self.position = math.floor(self.position) + 1.0
        return self.where()
