"""Soft takeover: a physical control (a MIDI fader, a desk's DMX channel, a web
fader) moves a level only once it has reached the level's current value, so a
fader left low does not jump the show to black when it is touched after another
source (OSC, the keyboard, another controller) set the level.  Pure: no I/O."""
from __future__ import annotations

from vj.control.state import Command

#: A control picks its level up within this distance of it (or by crossing it).
PICKUP = 2.5 / 127


class SoftTakeover:
    """One per input.  :meth:`level` turns a control's new value into a Command, or
    None while the control has not picked the level up."""

    def __init__(self, source: str, *, soft: bool = True, pickup: float = PICKUP) -> None:
        self.source, self.soft, self.pickup = source, soft, pickup
        self._last: dict = {}        # target -> the control's previous value
        self._held: dict = {}        # target -> whether it follows the control now

    def level(self, target: str, v: float, now_value: float) -> Command | None:
        """``target``: master, intensity, speed, fx/NAME or refine/NAME; ``now_value``:
        the show's."""
        prev = self._last.get(target)
        self._last[target] = v
        if self.soft:
            held = self._held.get(target, False) and abs(prev - now_value) < 1e-6 \
                if prev is not None else False
            crossed = prev is not None and (prev - now_value) * (v - now_value) <= 0
            if not (held or crossed or abs(v - now_value) <= self.pickup):
                self._held[target] = False
                return None
            self._held[target] = True
        return self.command(target, v)

    def seed(self, target: str, v: float) -> None:
        """The control stands at ``v`` now (a web fader that shows the show's value)."""
        self._last[target] = v

    def take(self, target: str, v: float) -> Command:
        """Set the level now, whatever the show has (a desk asserting its look)."""
        self._last[target] = v
        self._held[target] = True
        return self.command(target, v)

    def command(self, target: str, v: float) -> Command:
        if target.startswith(("fx/", "refine/")):
            kind, name = target.split("/", 1)
            return Command(kind, (name, v), self.source)
        return Command(target, v, self.source)
