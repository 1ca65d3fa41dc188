"""Measurements in fixed-size rings (vj.audio.ring): nothing grows with the length of
a show.  Percentiles come from the newest ``capacity`` values (10 minutes at 60 fps)."""
from __future__ import annotations

import numpy as np

from vj.audio.ring import ValueRing as Ring

CAPACITY = 36_000


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
            self.position = Ring(capacity)   # the driver's keyframe position, k + s
            self.strength = Ring(capacity)   # the refinement's strength (--refine)
            self.onset = Ring(capacity)      # the onset each frame was drawn with

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
