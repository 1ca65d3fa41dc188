"""From show state, energy and time to the shaders' uniforms (pure functions)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Uniforms:
    crossfade: float = 0.0
    hue: float = 0.0
    trail: float = 0.0
    zoom: float = 0.0
    flash: float = 0.0
    strobe: float = 0.0
    master: float = 1.0
    blackout: float = 0.0


@dataclass
class FxSettings:
    """0..1 amounts of each effect (a genre preset's [fx], or OSC /vj/fx/<name>)."""

    flash: float = 0.0
    trail: float = 0.0
    hue: float = 0.0
    strobe: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> "FxSettings":
        return cls(**{k: float(d.get(k, 0.0)) for k in ("flash", "trail", "hue", "strobe")})


#: Strobe rate at full amount (Hz); kept under 3 Hz-ish flashes per second would be
#: gentler, but lighting desks expect a real strobe.  Photosensitivity: see docs/live.md.
STROBE_HZ = 8.0


#: The frame rate at which a trail amount is the share kept per frame.
TRAIL_RATE = 60.0


def compute(out: Uniforms, fx: FxSettings, *, time: float, onset: float, energy: float,
            intensity: float, master: float, blackout: bool, crossfade: float,
            dt: float = 1.0 / TRAIL_RATE) -> Uniforms:
    """Fill ``out`` (reused every frame) with the uniforms for this frame.  ``dt`` is
    the time since the last frame: the trail decays by elapsed time, so it lasts as
    long at 144 Hz as at 60 Hz."""
    k = max(0.0, min(1.0, intensity)) * 2.0  # intensity 0.5 = the preset as written
    out.flash = min(1.0, fx.flash * k * max(0.0, onset - 0.3) / 0.7) * 0.8
    trail = min(0.97, fx.trail * (0.6 + 0.4 * energy) * min(k, 1.2))
    dt = dt if 0.0 < dt < 1.0 else 1.0 / TRAIL_RATE
    out.trail = trail ** (dt * TRAIL_RATE) if trail > 0.0 else 0.0
    out.zoom = 0.02 * fx.trail * energy * dt * TRAIL_RATE
    out.hue = (fx.hue * time * 0.05) % 1.0 if fx.hue > 0 else 0.0
    if fx.strobe > 0:
        rate = STROBE_HZ * (0.5 + fx.strobe)
        on = (time * rate) % 1.0 < 0.5
        out.strobe = fx.strobe * min(k, 1.0) if on and energy > 0.5 else 0.0
    else:
        out.strobe = 0.0
    out.master = max(0.0, min(1.0, master))
    out.blackout = 1.0 if blackout else 0.0
    out.crossfade = max(0.0, min(1.0, crossfade))
    return out


def crossfade_level(elapsed: float, length: float) -> float:
    """1 at the start of a crossfade, 0 after ``length`` seconds (smoothstep)."""
    if length <= 0 or elapsed >= length:
        return 0.0
    x = 1.0 - max(0.0, elapsed) / length
    return x * x * (3 - 2 * x)

