"""The levels and effects of a step, glided to from where they are over its fade time
(linear in time); a level that another surface moves meanwhile is left to it.  Pure
apart from the controls it is given."""
from __future__ import annotations

from vj.control.state import Command

LEVELS = ("master", "intensity", "speed")


#: "fx/trail" -> ("fx", "trail"): split once, not per frame
_PARTS = {t: tuple(t.partition("/")[::2]) for t in LEVELS + tuple(
    f"{k}/{n}" for k, ns in (("fx", ("flash", "trail", "hue", "strobe")),
                             ("refine", ("strength", "gain"))) for n in ns)}


def current_level(controls, target: str) -> float:
    kind, name = _PARTS[target]
    st = controls.state
    if name:
        own = controls.preset.fx if kind == "fx" else controls.preset.refine
        return float(getattr(st, kind).get(name, own.get(name, 0.0)))
    return float(getattr(st, target))


def level_command(target: str, v: float) -> Command:
    kind, name = _PARTS[target]
    return Command(kind, (name, v), "cue") if name else Command(target, v, "cue")


class LevelFade:
    """Levels gliding from where they were to a step's values (linear in time)."""

    def __init__(self) -> None:
        self.moves: dict = {}       # target -> (from, to, start, seconds, last value set)

    def start(self, controls, targets: dict, now: float, seconds: float) -> None:
        for t, to in targets.items():
            self.moves[t] = (current_level(controls, t), float(to), now, max(seconds, 0.0), None)

    def apply(self, controls, now: float) -> None:
        for t, (a, b, t0, secs, last) in list(self.moves.items()):
            if last is not None and abs(current_level(controls, t) - last) > 1e-6:
                del self.moves[t]            # someone else moved it: theirs now
                continue
            k = 1.0 if secs <= 0 else min(1.0, (now - t0) / secs)
            v = a + (b - a) * k
            controls.apply(level_command(t, v), now)
            if k >= 1.0:
                del self.moves[t]
            else:
                self.moves[t] = (a, b, t0, secs, current_level(controls, t))

    @property
    def active(self) -> bool:
        return bool(self.moves)
