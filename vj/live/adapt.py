"""Degrade, do not starve: the render scale the show draws at.

When the render loop's frames take longer than the display's period for a couple of
seconds, :class:`RenderScale` lowers the presentation's resolution a step (and at
the last steps the bicubic upscale goes too); when frames have taken well under the
period for several seconds it raises it again.  A level it had to leave is tried
again only after a pause that doubles each time, so it does not see-saw.  Pure: it
is fed each frame's work time and decides; the stage applies what it decides.
"""
from __future__ import annotations

#: (scale of the presentation's resolution, bicubic upscale) from best to cheapest
LEVELS = ((1.0, True), (0.75, True), (0.5, True), (0.5, False), (0.35, False))
#: A one-second block is late when this share of its frames took longer than the period.
LATE_SHARE = 0.25
#: Late blocks in a row before a step down.
LATE_BLOCKS = 2
#: A block is easy when 95 % of its frames took under this share of the period: the
#: next level up costs up to 2.25 times as much (0.5 -> 0.75 of the width and height).
EASY_SHARE = 0.4
#: Easy blocks in a row before a step up.
EASY_BLOCKS = 5
#: Seconds before a level that was left for being too slow is tried again (doubles).
RETRY_AFTER = 20.0


class RenderScale:
    """``fixed``: a scale set by hand (``--render-scale``): no adaptation."""

    def __init__(self, fixed: float | None = None) -> None:
        self.fixed = fixed
        self.level = 0
        self.changes: list[tuple[float, float]] = []   # (time, scale), at most 64 kept
        self.lowest = 1.0 if fixed is None else fixed
        self._block_end = None
        self._frames = self._late = self._easy = 0
        self._late_run = self._easy_run = 0
        self._banned: dict[int, tuple[float, float]] = {}   # level -> (until, pause)

    @property
    def scale(self) -> float:
        return self.fixed if self.fixed is not None else LEVELS[self.level][0]

    @property
    def bicubic(self) -> bool:
        return True if self.fixed is not None else LEVELS[self.level][1]

    def describe(self) -> str:
        how = "fixed" if self.fixed is not None else "adaptive"
        cubic = "" if self.bicubic else ", bilinear"
        return f"render scale {self.scale:g} ({how}{cubic})"

    def update(self, now: float, busy: float, period: float) -> bool:
        """One frame that took ``busy`` seconds of work against the display ``period``;
        True when the level changed."""
        if self.fixed is not None:
            return False
        if self._block_end is None:
            self._block_end = now + 1.0
        self._frames += 1
        self._late += busy > period
        self._easy += busy < EASY_SHARE * period
        if now < self._block_end:
            return False
        late = self._late >= LATE_SHARE * self._frames
        easy = self._easy >= 0.95 * self._frames
        self._block_end, self._frames, self._late, self._easy = now + 1.0, 0, 0, 0
        self._late_run = self._late_run + 1 if late else 0
        self._easy_run = self._easy_run + 1 if easy else 0
        if self._late_run >= LATE_BLOCKS and self.level < len(LEVELS) - 1:
            until, pause = self._banned.get(self.level, (0.0, RETRY_AFTER / 2))
            self._banned[self.level] = (now + 2 * pause, 2 * pause)
            return self._go(self.level + 1, now)
        if self._easy_run >= EASY_BLOCKS and self.level > 0:
            if now >= self._banned.get(self.level - 1, (0.0, 0.0))[0]:
                return self._go(self.level - 1, now)
        return False

    def _go(self, level: int, now: float) -> bool:
        self.level = level
        self._late_run = self._easy_run = 0
        self.lowest = min(self.lowest, self.scale)
        if len(self.changes) < 64:
            self.changes.append((now, self.scale))
        return True
