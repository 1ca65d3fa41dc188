"""A preallocated single-producer / single-consumer ring buffer of audio frames.

The producer is the PortAudio callback: :meth:`RingBuffer.write` copies the
block into the preallocated array and publishes the new write count; it takes
no lock, allocates nothing and never waits.  The consumer is the analysis
thread: :meth:`RingBuffer.read` copies exactly ``len(out)`` frames when they
are available.  Counters only grow (Python ints), so "available" is
``written - read``.  When the consumer falls so far behind that the producer may
be overwriting what it would read, it skips to the newest ``len(out)`` frames,
counts an overrun and the frames it skipped: live visuals want the present, not
a backlog.
"""
from __future__ import annotations

import numpy as np

from vj.errors import ParameterError


class RingBuffer:
    def __init__(self, capacity: int, channels: int = 1, dtype=np.float32) -> None:
        if capacity < 2:
            raise ParameterError(f"capacity={capacity!r}: must be at least 2 frames")
        if channels < 1:
            raise ParameterError(f"channels={channels!r}: must be at least 1")
        self.capacity = int(capacity)
        self.channels = int(channels)
        self._data = np.zeros((self.capacity, self.channels), dtype=dtype)
        self._written = 0  # frames ever written (published after the copy)
        self._read = 0     # frames ever consumed (owned by the consumer)
        self.overruns = 0  # times the consumer had to skip ahead
        self.dropped = 0   # frames skipped because of overruns
        self.too_big = 0   # producer blocks larger than the buffer (truncated)

    # -- producer side (audio callback): copy, publish, return -----------------
    def write(self, block: np.ndarray) -> None:
        """Copy ``block`` (frames x channels, or 1-D for one channel) in."""
        n = block.shape[0]
        cap = self.capacity
        if n > cap:
            self.too_big += 1
            block = block[n - cap:]
            n = cap
        w = self._written
        start = w % cap
        first = min(n, cap - start)
        data = self._data
        if block.ndim == 1:
            data[start:start + first, 0] = block[:first]
            data[:n - first, 0] = block[first:]
        else:
            data[start:start + first] = block[:first]
            data[:n - first] = block[first:]
        self._written = w + n  # one reference assignment: atomic under the GIL

    # -- consumer side (analysis thread) ---------------------------------------
    @property
    def available(self) -> int:
        return min(self._written - self._read, self.capacity)

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
        w = self._written
        if w - self._read > cap - n:  # the producer is lapping us: jump to the newest audio
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

    @property
    def written(self) -> int:
        """Frames ever written (the producer's count)."""
        return self._written

    @property
    def consumed(self) -> int:
        """Frames ever read or skipped (the consumer's count)."""
        return self._read

    def clear(self) -> None:
        self._read = self._written
