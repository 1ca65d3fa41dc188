"""Walking the set list without timecode (``--advance on-silence``): when the music that
played for a while stops for ``silence`` seconds and starts again, the next song
begins.  Pure: it is told the input level once per frame."""
from __future__ import annotations

#: dBFS under which the input counts as quiet (a room's noise on a line input is
#: -70 to -60; the quiet end of a song's fade is above -45)
QUIET_DB = -50.0
#: Seconds of music the song must have had before a silence can end it: the quiet
#: before the first song and a short break inside one do not count
MIN_MUSIC = 10.0


class SilenceAdvance:
    def __init__(self, silence: float = 4.0, *, quiet_db: float = QUIET_DB,
                 min_music: float = MIN_MUSIC) -> None:
        self.silence, self.quiet_db, self.min_music = silence, quiet_db, min_music
        self.music = 0.0           # seconds of music in this song so far
        self.quiet_since: float | None = None
        self.last: float | None = None
        self.advances = 0

    def reset(self) -> None:
        """A new song (by GO, a jump or an advance): its music is counted anew."""
        self.music, self.quiet_since = 0.0, None

    def update(self, now: float, level_db: float, stale: bool) -> bool:
        """One frame; True when the music comes back after a long enough silence."""
        dt = 0.0 if self.last is None else max(0.0, now - self.last)
        self.last = now
        quiet = stale or not level_db > self.quiet_db
        if quiet:
            if self.quiet_since is None:
                self.quiet_since = now
            return False
        ended = (self.quiet_since is not None and now - self.quiet_since >= self.silence
                 and self.music >= self.min_music)
        self.quiet_since = None
        if ended:
            self.reset()
            self.advances += 1
            return True
        self.music += dt
        return False
