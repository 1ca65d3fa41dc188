"""Hysteresis for the automatic genre: switch only after a new genre has held."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GenreHold:
    """Feed (time, genre) observations; :meth:`update` returns the genre to show.

    A different genre replaces the current one only after it has been observed
    continuously for ``hold`` seconds (and with at least ``min_confidence``), so
    one odd bar does not change the look.
    """

    hold: float = 16.0
    min_confidence: float = 0.2
    current: str | None = None
    _candidate: str | None = field(default=None, repr=False)
    _since: float = field(default=0.0, repr=False)

    def update(self, t: float, genre: str | None, confidence: float = 1.0) -> str | None:
        if genre is None or confidence < self.min_confidence:
            self._candidate = None
            return self.current
        if self.current is None:
            self.current = genre
            return genre
        if genre == self.current:
            self._candidate = None
            return self.current
        if genre != self._candidate:
            self._candidate, self._since = genre, t
        elif t - self._since >= self.hold:
            self.current, self._candidate = genre, None
        return self.current
