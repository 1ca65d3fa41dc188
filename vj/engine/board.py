"""The audio engine's shared-memory board: what the audio process publishes and the
show reads, without locks (one writer, sequence counters).

Layout of one buffer (native byte order), all arrays preallocated:

* ``ints`` (int64) and ``floats`` (float64): counters and clocks (:data:`I_HOPS`...);
* ``seq`` (int64, one per slot) and ``rec`` (float64, :data:`SLOTS` x :data:`FIELDS`):
  the per-hop records, hop ``h`` in slot ``h % SLOTS``;
* ``history`` (float32): the newest analysed audio, for the genre tagger.

Writing hop ``h``: ``seq[slot] = -1``, the record, ``seq[slot] = h + 1``, then
``ints[I_HOPS] = h + 1``.  A reader copies a slot and keeps it only if ``seq`` said
``h + 1`` before and after the copy, so it never uses a record half written.  An
aligned 8-byte store is atomic on the machines vj runs on (x86-64, arm64).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from vj.audio.ring import RingBuffer

MAGIC = 0x766A_6175_6469_6F31          # "vjaudio1"
#: Hops kept (about 3 s at the live hop): the render loop takes the largest onset of
#: those since its last frame, however many the engine published meanwhile.
SLOTS = 256
#: Seconds of analysed audio kept for the genre tagger (it reads the last 3 s).
HISTORY_SECONDS = 4.0

# fields of a per-hop record
P, H, E, ONSET, LEVEL, ADC, INTEGRAL, AUDIO_TIME, PUBLISHED = range(9)
FIELDS = 9

# ints
I_MAGIC, I_HOPS, I_HISTORY, I_OVERRUNS, I_DROPPED, I_STATUS, I_PHASE, I_PID, I_LTC_SEQ = range(9)
# floats
(F_HEARTBEAT, F_MAX_GAP, F_RATE, F_START_WALL, F_LAST_PUBLISHED, F_FIRST_PUBLISHED,
 F_MAX_GAP_AT, F_LTC_TC, F_LTC_AT, F_LTC_FPS, F_LTC_DROP) = range(11)
N_INTS = N_FLOATS = 16

#: phases of the engine (ints[I_PHASE]): how long the show lets its heartbeat pause
STARTING, OPENING, RUNNING, WAITING = range(4)


def board_memory(size: int):
    """``(fd, path)`` of shared memory of ``size`` bytes: an anonymous file handed to
    the child by descriptor where the platform can (nothing to clean up, even after
    kill -9), else a temporary file by path."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("vj-audio-board")
    elif os.name == "posix":
        with tempfile.TemporaryFile() as f:
            fd = os.dup(f.fileno())
    else:
        fd_, path = tempfile.mkstemp(prefix="vj-audio-board-")
        os.ftruncate(fd_, size)
        os.close(fd_)
        return None, path
    os.ftruncate(fd, size)
    return fd, None


def board_size(history: int) -> int:
    return 8 * (N_INTS + N_FLOATS + SLOTS + SLOTS * FIELDS) + 4 * history


def history_length(sr: int, hop: int) -> int:
    """Samples of history: whole hops covering :data:`HISTORY_SECONDS`."""
    return hop * -(-int(HISTORY_SECONDS * sr) // hop)


class Board:
    """Views on ``buffer`` (an mmap, or a bytearray in tests) of ``board_size(history)``
    bytes."""

    def __init__(self, buffer, history: int) -> None:
        off = 0

        def view(dtype, shape):
            nonlocal off
            a = np.ndarray(shape, dtype, buffer=buffer, offset=off)
            off += a.nbytes
            return a

        self.buffer = buffer
        self.ints = view(np.int64, (N_INTS,))
        self.floats = view(np.float64, (N_FLOATS,))
        self.seq = view(np.int64, (SLOTS,))
        self.rec = view(np.float64, (SLOTS, FIELDS))
        self.history = view(np.float32, (history,))
        #: the history as the one ring type, its count in ints[I_HISTORY]
        self.history_ring = RingBuffer(history, data=self.history,
                                       counter=self.ints[I_HISTORY:I_HISTORY + 1])

    # -- writer (the audio process) -----------------------------------------------------------
    def init(self) -> None:
        """A new board: everything zero, then the magic."""
        for a in (self.ints, self.floats, self.seq, self.rec, self.history):
            a[...] = 0
        self.ints[I_MAGIC] = MAGIC

    def publish(self, frame, adc: float, integral: float, audio_time: float,
                now: float) -> int:
        """Write the next hop's record (``frame``: an EnergyFrame); returns its number."""
        h = int(self.ints[I_HOPS])
        slot = h % SLOTS
        self.seq[slot] = -1
        r = self.rec
        r[slot, P] = frame.percussive
        r[slot, H] = frame.harmonic
        r[slot, E] = frame.energy
        r[slot, ONSET] = frame.onset
        r[slot, LEVEL] = frame.level
        r[slot, ADC] = adc
        r[slot, INTEGRAL] = integral
        r[slot, AUDIO_TIME] = audio_time
        r[slot, PUBLISHED] = now
        self.seq[slot] = h + 1
        self.ints[I_HOPS] = h + 1
        f = self.floats
        if f[F_FIRST_PUBLISHED] == 0.0:
            f[F_FIRST_PUBLISHED] = now
        f[F_LAST_PUBLISHED] = now
        return h

    def publish_ltc(self, seconds: float, at: float, fps: float, drop: bool) -> None:
        """The newest LTC frame (vj.audio.ltc): its timecode and when its first sample
        entered the converter; the sequence goes odd while it is written."""
        i, f = self.ints, self.floats
        i[I_LTC_SEQ] += 1
        f[F_LTC_TC], f[F_LTC_AT], f[F_LTC_FPS], f[F_LTC_DROP] = seconds, at, fps, float(drop)
        i[I_LTC_SEQ] += 1

    def ltc_reading(self) -> tuple | None:
        """(seconds, at, fps, drop, sequence) of the newest LTC frame, or None."""
        i, f = self.ints, self.floats
        for _ in range(4):
            seq = int(i[I_LTC_SEQ])
            if seq == 0:
                return None
            if seq % 2:
                continue
            out = (float(f[F_LTC_TC]), float(f[F_LTC_AT]), float(f[F_LTC_FPS]),
                   bool(f[F_LTC_DROP]), seq)
            if int(i[I_LTC_SEQ]) == seq:
                return out
        return None

    def add_history(self, block: np.ndarray) -> None:
        """Append analysed samples (a hop; shorter than the history) to the history."""
        self.history_ring.write(block)

    # -- readers (the show) ---------------------------------------------------------------------
    @property
    def hops(self) -> int:
        return int(self.ints[I_HOPS])

    def read(self, hop: int, out: np.ndarray, tries: int = 4) -> bool:
        """Copy hop ``hop``'s record into ``out`` (FIELDS floats); False when that hop is
        not (or no longer) in its slot."""
        slot = hop % SLOTS
        for _ in range(tries):
            if self.seq[slot] != hop + 1:
                return False
            np.copyto(out, self.rec[slot])
            if self.seq[slot] == hop + 1:
                return True
        return False

    def value(self, hop: int, field: int) -> float | None:
        """One field of hop ``hop`` (None when it is not in its slot)."""
        slot = hop % SLOTS
        v = float(self.rec[slot, field])
        return v if self.seq[slot] == hop + 1 else None

    def recent_audio(self, n: int) -> np.ndarray:
        """A copy of the newest ``n`` analysed samples (fewer at the start)."""
        return self.history_ring.newest(n)[:, 0]
