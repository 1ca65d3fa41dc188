"""Measurements in fixed-size rings: nothing grows with the length of a show.
Percentiles come from the newest ``capacity`` values (10 minutes at 60 fps)."""
from __future__ import annotations

import numpy as np

CAPACITY = 36_000


class Ring:
    """The newest ``capacity`` floats; ``push`` writes into a preallocated array."""

    __slots__ = ("data", "count")

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.data = np.zeros(capacity, np.float64)
        self.count = 0

    def push(self, x: float) -> None:
        self.data[self.count % len(self.data)] = x
        self.count += 1

    def values(self) -> np.ndarray:
        """The stored values, oldest first (a copy)."""
        n, cap = self.count, len(self.data)
        if n <= cap:
            return self.data[:n].copy()
        i = n % cap
        return np.concatenate([self.data[i:], self.data[:i]])

    def last(self, default: float = 0.0) -> float:
        return float(self.data[(self.count - 1) % len(self.data)]) if self.count else default

    def percentile(self, q: float, default: float = 0.0) -> float:
        v = self.values()
        return float(np.percentile(v, q)) if len(v) else default

    def summary(self) -> dict:
        """Median, p90, p99 and largest of the stored values (rounded: for reports)."""
        v = self.values()
        if not len(v):
            return {"p50": None, "p90": None, "p99": None, "max": None, "count": 0}
        p50, p90, p99 = np.percentile(v, [50, 90, 99])
        return {"p50": round(float(p50), 3), "p90": round(float(p90), 3),
                "p99": round(float(p99), 3), "max": round(float(v.max()), 3),
                "count": int(self.count)}

    def __len__(self) -> int:
        return min(self.count, len(self.data))

    def __array__(self, dtype=None, copy=None):
        v = self.values()
        return v if dtype is None else v.astype(dtype)

    def __getitem__(self, i):
        return self.values()[i]

    def __iter__(self):
        return iter(self.values())


class Rate:
    """Events per second over the last ``window`` seconds, from a ring of their times."""

    def __init__(self, capacity: int = 512) -> None:
        self.times = Ring(capacity)

    def tick(self, now: float) -> None:
        self.times.push(now)

    def per_second(self, now: float, window: float = 1.0) -> float:
        t = self.times.values()
        n = int(np.count_nonzero(t >= now - window))
        return n / window


class Telemetry:
    """What the render loop measures per frame; ``probe`` adds picture measurements
    (a readback every frame: tests and ``vj bench latency`` only)."""

    def __init__(self, probe: bool = False, capacity: int = CAPACITY) -> None:
        self.wall = Ring(capacity)          # swap time, s since the loop started
        self.frame_ms = Ring(capacity)
        self.busy_ms = Ring(capacity)       # a frame's work, GPU included, before the swap
        self.latency_ms = Ring(capacity)
        self.energy_age_ms = Ring(capacity)  # the newest energy's age (from its ADC time)
        self.frames = 0
        self.drops = 0
        self.longest_ms = 0.0               # after the first second
        self.fps = Rate(256)
        self.probe = probe
        if probe:
            self.brightness = Ring(capacity)
            self.change = Ring(capacity)

    def frame(self, wall: float, dt: float, period: float, latency_ms: float | None,
              busy_ms: float = 0.0, age_ms: float | None = None) -> None:
        self.wall.push(wall)
        self.busy_ms.push(busy_ms)
        if age_ms is not None:
            self.energy_age_ms.push(age_ms)
        self.fps.tick(wall)
        if self.frames:  # the first frame has no interval
            ms = dt * 1000.0
            self.frame_ms.push(ms)
            if dt > 1.5 * period:
                self.drops += 1
            if wall > 1.0 and ms > self.longest_ms:
                self.longest_ms = ms
        if latency_ms is not None:
            self.latency_ms.push(latency_ms)
        self.frames += 1
