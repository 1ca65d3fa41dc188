"""SMPTE timecode arithmetic, shared by LTC (:mod:`vj.audio.ltc`), MTC
(:mod:`vj.midi.mtc`) and the chase (:mod:`vj.show.timecode`).  Pure."""
from __future__ import annotations

DROP_FPS = 30000 / 1001


def tc_seconds(h: int, m: int, s: int, f: int, fps: float, drop: bool) -> float:
    """Seconds from 00:00:00:00 of a timecode (29.97 drop-frame: frame numbers 0 and 1
    are skipped at the start of each minute but every tenth)."""
    nominal = round(fps)
    frames = (h * 3600 + m * 60 + s) * nominal + f
    if drop:
        minutes = h * 60 + m
        frames -= 2 * (minutes - minutes // 10)
    return frames / fps


def tc_text(seconds: float, fps: float, drop: bool) -> str:
    """HH:MM:SS:FF (;FF for drop-frame) of a time in seconds."""
    nominal = round(fps)
    n = int(round(seconds * fps))
    if drop:                       # the dropped frame numbers added back (SMPTE 12M)
        tens, rest = divmod(n, 17982)            # frames in ten minutes at 29.97 DF
        n += 18 * tens + (2 * ((rest - 2) // 1798) if rest > 1 else 0)
    f = n % nominal
    s = n // nominal
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{';' if drop else ':'}{f:02d}"
