"""ShowState and the commands that change it (docs/design.md, section 6).

The OSC thread and the keyboard produce :class:`Command` objects; the render
loop applies them with :func:`apply` between two frames.  ``apply`` is pure
apart from mutating the state it is given, so every address can be tested
without sockets or GL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from vj.render.fit import FITS  # noqa: F401  (how the picture fills the output)

FX_NAMES = ("flash", "trail", "hue", "strobe")


@dataclass(frozen=True)
class Command:
    action: str               # see ACTIONS
    value: object = None
    source: str = "osc"


ACTIONS = ("preset", "preset_next", "preset_prev", "bank", "intensity", "speed", "master",
           "blackout", "cut", "fx", "auto", "tap", "bpm", "hud", "status", "crossfade", "fit",
           "refine", "go", "back", "song", "cue", "cue_store")
#: What the set list answers (vj.show.runner): GO, BACK, song N, cue N, store a cue
SET_ACTIONS = frozenset(("go", "back", "song", "cue", "cue_store"))
#: The live refinement's levels (docs/refine.md): /vj/refine/strength, /vj/refine/gain
REFINE_LEVELS = ("strength", "gain")


def speed_multiplier(v: float) -> float:
    """OSC speed 0..1 -> motion speed: 0.5 is 1x, 0 is 1/4x, 1 is 4x."""
    return 4.0 ** (2.0 * v - 1.0)


@dataclass
class ShowState:
    presets: list[str] = field(default_factory=list)   # names, in the order of the number keys
    banks: list[str] = field(default_factory=list)
    preset: str | None = None
    bank: str | None = None
    intensity: float = 0.5
    speed: float = 0.5          # OSC value; speed_multiplier() gives the factor
    master: float = 1.0
    blackout: bool = False
    auto: bool = False
    bpm: float | None = None
    tempo_source: str | None = None     # what set the bpm last: tap, osc, midi clock, link
    hud: bool = False
    crossfade: float | None = None   # seconds a preset change fades (None: the show's default)
    fit: str = "auto"           # how the picture fills the output (FITS)
    fx: dict = field(default_factory=dict)   # overrides of the preset's fx amounts
    refine: dict = field(default_factory=dict)   # overrides of the preset's [refine]
    cuts: int = 0               # cut requests not yet taken by the driver
    taps: list = field(default_factory=list)
    changed_look: int = 0       # bumps when preset or bank change (start a crossfade)
    changed_fx: int = 0         # bumps when the effect amounts may have changed

    def snapshot(self) -> dict:
        return {"preset": self.preset, "bank": self.bank, "intensity": self.intensity,
                "speed": self.speed, "master": self.master, "blackout": self.blackout,
                "auto": self.auto, "bpm": self.bpm, "tempo_source": self.tempo_source,
                "hud": self.hud, "crossfade": self.crossfade, "fit": self.fit,
                "fx": dict(self.fx), "refine": dict(self.refine)}


def apply(state: ShowState, cmd: Command, now: float = 0.0) -> bool:
    """Apply one command; returns False (and changes nothing) if it does not fit the state."""
    a, v = cmd.action, cmd.value
    if a == "preset":
        if v not in state.presets:
            return False
        if v != state.preset:
            state.preset, state.fx, state.refine = v, {}, {}
            state.changed_look += 1
            state.changed_fx += 1
    elif a in ("preset_next", "preset_prev"):
        if not state.presets:
            return False
        i = state.presets.index(state.preset) if state.preset in state.presets else -1
        step = 1 if a == "preset_next" else -1
        state.preset = state.presets[(i + step) % len(state.presets)]
        state.fx, state.refine = {}, {}
        state.changed_look += 1
        state.changed_fx += 1
    elif a == "bank":
        if v not in state.banks:
            return False
        if v != state.bank:
            state.bank = v
            state.changed_look += 1
    elif a in ("intensity", "speed", "master"):
        setattr(state, a, float(v))
    elif a == "blackout":
        state.blackout = bool(v)
    elif a == "auto":
        state.auto = bool(v)
    elif a == "hud":
        state.hud = bool(v) if v is not None else not state.hud
    elif a == "cut":
        state.cuts += 1
    elif a == "fx":
        name, amount = v
        if name not in FX_NAMES:
            return False
        state.fx[name] = float(amount)
        state.changed_fx += 1
    elif a == "refine":
        name, amount = v
        if name not in REFINE_LEVELS or not 0.0 <= float(amount) <= 1.0:
            return False
        state.refine[name] = float(amount)
    elif a == "fit":
        if v not in FITS:
            return False
        state.fit = v
    elif a == "crossfade":
        if v is not None and not 0.0 <= float(v) <= 60.0:
            return False
        state.crossfade = None if v is None else float(v)
    elif a == "bpm":
        state.bpm = float(v)
        state.tempo_source = cmd.source
    elif a == "tap":
        state.taps = [t for t in state.taps if now - t < 3.0] + [now]
        if len(state.taps) >= 2:
            gaps = [b - a_ for a_, b in zip(state.taps, state.taps[1:])]
            mean = sum(gaps) / len(gaps)
            if mean > 0 and math.isfinite(mean):
                state.bpm = round(60.0 / mean, 1)
                state.tempo_source = "tap"
    elif a == "status":
        pass  # answered by the OSC thread
    else:
        return False
    return True
