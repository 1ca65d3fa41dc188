"""MIDI Time Code in: quarter-frame messages (and the full-frame SysEx a DAW sends when
it locates) assembled into timecode, on rtmidi's thread; the newest reading is one
tuple the render loop takes (:meth:`MtcDecoder.latest`).  Decoding only: when to
trust it (lock, freewheel, jumps) is :mod:`vj.show.timecode`'s.

Eight quarter frames carry one timecode, two frames long; the value they assemble is
the time of the first of them, so the time when the eighth arrives is that plus two
frames (MIDI 1.0, MTC).  Rates: 24, 25, 29.97 drop-frame and 30 fps.
"""
from __future__ import annotations

from vj.audio.timecode import DROP_FPS, tc_seconds, tc_text  # noqa: F401  (tc_text: here too)

#: rate code (bits 5-6 of the hours) -> (frames per second, drop-frame)
RATES = {0: (24.0, False), 1: (25.0, False), 2: (DROP_FPS, True), 3: (30.0, False)}


class MtcDecoder:
    def __init__(self) -> None:
        self.pieces = [0] * 8
        self.seen = 0                   # bit i: piece i since the last 0
        self.reading: tuple | None = None   # (seconds, at, fps, drop, sequence)
        self.seq = 0
        self.messages = 0
        self.bad = 0

    def quarter(self, kind: int, value: int, at: float) -> None:
        """One quarter frame (mido: ``frame_type``, ``frame_value``) received at ``at``."""
        self.messages += 1
        if not (0 <= kind <= 7 and 0 <= value <= 15):
            self.bad += 1
            return
        if kind == 0:
            self.seen = 0
        self.pieces[kind] = value
        self.seen |= 1 << kind
        if kind == 7 and self.seen == 0xFF:
            p = self.pieces
            frames, secs = p[0] | (p[1] & 1) << 4, p[2] | (p[3] & 3) << 4
            mins, hours = p[4] | (p[5] & 3) << 4, p[6] | (p[7] & 1) << 4
            fps, drop = RATES[(p[7] >> 1) & 3]
            if frames >= round(fps) or secs > 59 or mins > 59 or hours > 23:
                self.bad += 1
                return
            t = tc_seconds(hours, mins, secs, frames, fps, drop) + 2.0 / fps
            self._publish(t, at, fps, drop)

    def sysex(self, data, at: float) -> None:
        """A full-frame message (F0 7F dev 01 01 hr mn sc fr F7; mido gives the data
        between F0 and F7): a locate."""
        d = list(data)
        if len(d) != 8 or d[0] != 0x7F or d[2:4] != [1, 1]:
            return
        self.messages += 1
        hr, mn, sc, fr = d[4:8]
        fps, drop = RATES[(hr >> 5) & 3]
        if fr >= round(fps) or sc > 59 or mn > 59 or (hr & 0x1F) > 23:
            self.bad += 1
            return
        self.seen = 0
        self._publish(tc_seconds(hr & 0x1F, mn, sc, fr, fps, drop), at, fps, drop)

    def _publish(self, t: float, at: float, fps: float, drop: bool) -> None:
        self.seq += 1
        self.reading = (t, at, fps, drop, self.seq)     # one reference: read whole

    def latest(self) -> tuple | None:
        return self.reading
