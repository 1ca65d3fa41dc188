"""Chasing timecode (``--timecode mtc``): when to trust what the decoder reads, where the
show is between two readings, and which step of the set list that is.  Pure.

A small state machine, as MTC receivers keep it apart from decoding:

* ``idle``: no timecode (yet, or it stopped); the set list is the operator's;
* ``sync``: readings arrive and follow each other; the position runs on the show's
  clock from the newest one;
* ``freewheel``: no reading for a moment: the position runs on for up to
  ``freewheel`` frames, then the chase is idle again (the position holds).

A reading that differs from where the position should be by more than
:data:`JUMP` is a jump (a rewind or a locate in rehearsal): the step at the new
position is entered, not every step in between.  Moving forward, the step whose
timecode was passed is entered.
"""
from __future__ import annotations

import bisect
import re

JUMP = 1.0            # s between a reading and the running position that makes a jump
LOCK = 2              # readings in a row that agree before the chase is in sync


def parse_tc(text: str, fps: float = 25.0) -> float:
    """The show file's ``HH:MM:SS:FF`` (``;FF``: 29.97 drop-frame) in seconds, at the
    frame rate of the source (frames are counted at ``fps``)."""
    from vj.audio.timecode import tc_seconds

    m = re.match(r"^(\d{2}):(\d{2}):(\d{2})([:;.])(\d{2})$", text)
    if not m:
        raise ValueError(f"{text!r}: HH:MM:SS:FF")
    h, mi, s, sep, f = m.groups()
    drop = sep == ";"
    return tc_seconds(int(h), int(mi), int(s), int(f), 30000 / 1001 if drop else fps, drop)


class Chase:
    def __init__(self, marks: list[tuple[str, int]], *, freewheel: int = 30) -> None:
        """``marks``: (timecode text, step index) of every song and cue that has one."""
        self.marks_text = sorted(marks, key=lambda m: parse_tc(m[0]))
        self.freewheel = freewheel
        self.state = "idle"
        self.position: float | None = None
        self.fps = 25.0
        self.drop = False
        self._seq = 0
        self._at = 0.0          # when the newest reading arrived
        self._agree = 0
        self.jumps = 0
        self._times: list[float] = []
        self._steps: list[int] = []
        self._rate(25.0, False)

    def set_marks(self, marks: list[tuple[str, int]]) -> None:
        """New marks (a cue was stored: the steps after it moved)."""
        self.marks_text = sorted(marks, key=lambda m: parse_tc(m[0]))
        self._rate(self.fps, self.drop)

    def _rate(self, fps: float, drop: bool) -> None:
        self.fps, self.drop = fps, drop
        pairs = sorted((parse_tc(t, fps), i) for t, i in self.marks_text)
        self._times, self._steps = [t for t, _ in pairs], [i for _, i in pairs]

    def step_at(self, position: float | None) -> int | None:
        """The step whose timecode is the last at or before ``position``."""
        if position is None:
            return None
        k = bisect.bisect_right(self._times, position + 1e-6) - 1
        return self._steps[k] if k >= 0 else None

    def update(self, reading, now: float) -> tuple[int | None, bool]:
        """One frame with the decoder's newest reading ``(seconds, at, fps, drop, seq)``
        or None; returns (the step to enter, or None; whether it is a jump)."""
        before, was = self.position, self.state
        if reading is not None and reading[4] != self._seq:
            t, at, fps, drop, self._seq = reading
            if (fps, drop) != (self.fps, self.drop):
                self._rate(fps, drop)
            expected = None if before is None else before + (now - self._last_now)
            here = t + max(0.0, now - at)
            jumped = expected is not None and abs(here - expected) > JUMP
            self._agree = 1 if jumped or expected is None else self._agree + 1
            self.position, self._at = here, at
            if self._agree >= LOCK or self.state in ("sync", "freewheel"):
                self.state = "sync"
            self._last_now = now
            if jumped and was != "idle":
                self.jumps += 1
                return self.step_at(here), True
            if self.state == "sync" and was == "idle":       # locked: where it is
                return self.step_at(here), True
            if self.state == "sync" and self.step_at(before) != self.step_at(here):
                return self.step_at(here), False
            return None, False
        if self.position is not None and self.state in ("sync", "freewheel"):
            if now - self._at > self.freewheel / self.fps:
                self.state = "idle"          # stopped: the position holds
            else:
                if now - self._at > 2.5 / self.fps:
                    self.state = "freewheel"
                self.position += now - self._last_now
                step_then, step_now = self.step_at(before), self.step_at(self.position)
                self._last_now = now
                if step_now != step_then:
                    return step_now, False
        self._last_now = now
        return None, False

    _last_now = 0.0

    def text(self) -> str:
        from vj.audio.timecode import tc_text

        if self.position is None:
            return "no timecode"
        return f"{tc_text(self.position, self.fps, self.drop)} ({self.state})"
