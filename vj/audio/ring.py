"""vj's one ring type: a preallocated buffer of frames (x channels) with one writer.

The writer (the PortAudio callback, the hop loop, the render loop's telemetry)
copies a block in with :meth:`RingBuffer.write` and publishes the new count of
frames written; it takes no lock, allocates nothing and never waits.  Readers
either consume (:meth:`read`: exactly ``len(out)`` frames, oldest unread first,
for the one consumer) or look (:meth:`newest`: the newest frames, for anyone).
When the consumer falls so far behind that the writer may be overwriting what it
would read, it skips to the newest ``len(out)`` frames and counts an overrun and
the frames it skipped: live visuals want the present, not a backlog.

``data`` and ``counter`` may be given (views on shared memory: the audio board's
history, written by the audio process and read by the show).  Rings of records
that readers must get whole (the board's per-hop records) carry a sequence
number per slot instead (vj.engine.board).
"""
from __future__ import annotations

import numpy as np

from vj.errors import ParameterError


class RingBuffer:
    def __init__(self, capacity: int, channels: int = 1, dtype=np.float32, *, data=None,
                 counter=None) -> None:
        if capacity < 2:
            raise ParameterError(f"capacity={capacity!r}: must be at least 2 frames")
        if channels < 1:
            raise ParameterError(f"channels={channels!r}: must be at least 1")
        self.capacity = int(capacity)
        self.channels = int(channels)
        if data is None:
            data = np.zeros((self.capacity, self.channels), dtype=dtype)
        elif data.ndim == 1:
            data = data[:, None]           # a view: the caller's memory
        if data.shape != (self.capacity, self.channels):
            raise ParameterError(f"data of shape {data.shape}: want ({capacity}, {channels})")
        self._data = data
        #: frames ever written, published after the copy (one int64: may be shared)
        self._count = np.zeros(1, np.int64) if counter is None else counter
        self._read = 0     # frames ever consumed (owned by the one consumer)
        self.overruns = 0  # times the consumer had to skip ahead
        self.dropped = 0   # frames skipped because of overruns
        self.too_big = 0   # writer blocks larger than the buffer (truncated)

    # -- the writer: copy, publish, return ----------------------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Copy ``block`` (frames x channels, or 1-D for one channel) in."""
        n = block.shape[0]
        cap = self.capacity
        if n > cap:
            self.too_big += 1
            block = block[n - cap:]
            n = cap
        w = int(self._count[0])
        start = w % cap
        first = min(n, cap - start)
        data = self._data
        if block.ndim == 1:
            data[start:start + first, 0] = block[:first]
            data[:n - first, 0] = block[first:]
        else:
            data[start:start + first] = block[:first]
            data[:n - first] = block[first:]
        self._count[0] = w + n  # one aligned 8-byte store: what readers see last

    # -- the consumer --------------------------------------------------------------------------
    @property
    def available(self) -> int:
        return min(self.written - self._read, self.capacity)

    def read(self, out: np.ndarray) -> bool:
        """Fill ``out`` (frames x channels) with the oldest unread frames.

        Returns False, leaving ``out`` untouched, when fewer than ``len(out)``
        frames are available.
        """
        n = out.shape[0]
        cap = self.capacity
        if 2 * n > cap:
            raise ParameterError(f"read of {n} frames: the capacity ({cap}) must be at least "
                                 "twice the read size")
        w = self.written
        if w - self._read > cap - n:  # the writer is lapping us: jump to the newest audio
            # (not to a buffer behind it: a consumer that stays a buffer late after one
            # stall, and overruns at every read while it is slower, never catches up)
            skip = (w - self._read) - n
            self._read += skip
            self.overruns += 1
            self.dropped += skip
        if w - self._read < n:
            return False
        start = self._read % cap
        first = min(n, cap - start)
        out[:first] = self._data[start:start + first]
        out[first:] = self._data[:n - first]
        self._read += n
        return True

    # -- anyone ---------------------------------------------------------------------------------
    def newest(self, n: int | None = None) -> np.ndarray:
        """A copy of the newest ``n`` frames (all that are held when None or more),
        oldest first: frames x channels."""
        w, cap = self.written, self.capacity
        n = min(cap, w) if n is None else min(int(n), cap, w)
        out = np.empty((n, self.channels), self._data.dtype)
        start = (w - n) % cap
        first = min(n, cap - start)
        out[:first] = self._data[start:start + first]
        out[first:] = self._data[:n - first]
        return out

    @property
    def written(self) -> int:
        """Frames ever written (the writer's count)."""
        return int(self._count[0])

    @property
    def consumed(self) -> int:
        """Frames ever read or skipped (the consumer's count)."""
        return self._read

    def clear(self) -> None:
        self._read = self.written


class ValueRing(RingBuffer):
    """The newest ``capacity`` floats (measurements): ``push`` one at a time into the
    preallocated array; percentiles and summaries of what is held."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, 1, np.float64)

    def push(self, x: float) -> None:
        w = int(self._count[0])
        self._data[w % self.capacity, 0] = x
        self._count[0] = w + 1

    @property
    def count(self) -> int:
        return self.written

    def values(self) -> np.ndarray:
        """The stored values, oldest first (a copy)."""
        return self.newest()[:, 0]

    def last(self, default: float = 0.0) -> float:
        w = self.written
        return float(self._data[(w - 1) % self.capacity, 0]) if w else default

    def percentile(self, q: float, default: float = 0.0) -> float:
        v = self.values()
        return float(np.percentile(v, q)) if len(v) else default

    def summary(self) -> dict:
        """Median, p90, p99 and largest of the stored values (rounded: for reports)."""
        v = self.values()
        if not len(v):
            return {"p50": None, "p90": None, "p99": None, "max": None, "count": 0}
        p50, p90, p99 = np.percentile(v, [50, 90, 99])
        return {"p50": round(float(p50), 3), "p90": round(float(p90), 3),
                "p99": round(float(p99), 3), "max": round(float(v.max()), 3),
                "count": self.written}

    def __len__(self) -> int:
        return min(self.written, self.capacity)

    def __array__(self, dtype=None, copy=None):
        v = self.values()
        return v if dtype is None else v.astype(dtype)

    def __getitem__(self, i):
        return self.values()[i]

    def __iter__(self):
        return iter(self.values())
