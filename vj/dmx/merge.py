"""One universe merged from every source that sends it (docs/live.md, "DMX").

* The sources of the highest priority win (sACN's 0-200; Art-Net has none: 100).
  Among several of that priority, the master dimmer is merged highest-takes-
  precedence (16-bit: the larger 16-bit value, coarse and fine from one source)
  and every other slot latest-takes-precedence: the source that changed it last.
* A source that sends nothing for its protocol's timeout (sACN 2.5 s, E1.31 6.7.1;
  Art-Net 10 s) is dropped, and an sACN stream-terminated packet drops its source
  at once, so the next priority takes over.
* sACN packets out of sequence (E1.31 6.7.2) are discarded.

At most :data:`MAX_SOURCES` sources are tracked; the buffers are allocated once.
Called from the receiver's thread only.
"""
from __future__ import annotations

import numpy as np

from vj.dmx.packets import Dmx, sequence_ok

MAX_SOURCES = 8
TIMEOUT = {"sacn": 2.5, "artnet": 10.0}


class Merger:
    def __init__(self, protocol: str, htp: list[tuple[int, ...]] = ()) -> None:
        self.timeout = TIMEOUT[protocol]
        self.htp = [tuple(g) for g in htp]
        n = MAX_SOURCES
        self.data = np.zeros((n, 512), np.uint8)
        self.prev = np.zeros((n, 512), np.uint8)
        self.changed_at = np.full((n, 512), -np.inf)
        self.keys: list = [None] * n          # the source of each row, or None (free)
        self.seen = np.zeros(n)               # when each row's source last sent
        self.priority = np.zeros(n, np.int16)
        self.sequence: list = [None] * n
        self.names = [""] * n
        self.out = bytearray(512)
        self._mask = np.zeros((n, 512), bool)
        self._ages = np.zeros((n, 512))
        self.dropped_sequence = 0

    # -- per packet --------------------------------------------------------------------------
    def feed(self, key, dmx: Dmx, now: float) -> bool:
        """Take one packet of the universe; False if it was discarded (out of order)."""
        row = self._row(key, now)
        if dmx.sequence and not sequence_ok(self.sequence[row], dmx.sequence):
            self.dropped_sequence += 1
            return False
        if dmx.terminated:
            self._free(row)
            return True
        self.sequence[row] = dmx.sequence or None
        n = len(dmx.slots)
        self.data[row, :n] = np.frombuffer(dmx.slots, np.uint8)
        self.data[row, n:] = 0
        self.seen[row] = now
        self.priority[row] = dmx.priority
        self.names[row] = dmx.name or (key[0] if isinstance(key, tuple) else str(key))
        return True

    def _row(self, key, now: float) -> int:
        if key in self.keys:
            return self.keys.index(key)
        free = [i for i, k in enumerate(self.keys) if k is None]
        row = free[0] if free else int(np.argmin(self.seen))   # full: the stalest goes
        self._free(row)
        self.keys[row] = key
        self.seen[row] = now
        self.changed_at[row] = -1e18      # a source's slots count as set long ago
        return row

    def _free(self, row: int) -> None:
        self.keys[row] = None
        self.sequence[row] = None
        self.data[row] = 0
        self.prev[row] = 0
        self.changed_at[row] = -np.inf
        self.names[row] = ""

    # -- a few hundred times a second at most ----------------------------------------------------
    def merge(self, now: float) -> int:
        """Recompute :attr:`out`; returns how many sources are live."""
        for row, k in enumerate(self.keys):
            if k is not None and now - self.seen[row] > self.timeout:
                self._free(row)
        live = np.array([k is not None for k in self.keys])
        if not live.any():
            return 0
        # when each slot of each source last changed (measured at merge time)
        np.not_equal(self.data, self.prev, out=self._mask)
        self.changed_at[self._mask] = now
        self.prev[...] = self.data
        top = self.priority[live].max()
        win = live & (self.priority == top)
        ages = self._ages
        ages[...] = self.changed_at
        ages[~win] = -np.inf
        # LTP: the winning source that changed the slot last (never-changed: the first)
        who = np.argmax(ages, axis=0)
        merged = self.data[who, np.arange(512)]
        rows = np.nonzero(win)[0]
        for group in self.htp:              # HTP: the largest value of the group
            vals = [int.from_bytes(bytes(self.data[r, list(group)]), "big") for r in rows]
            best = rows[int(np.argmax(vals))]
            merged[list(group)] = self.data[best, list(group)]
        self.out[:] = merged.tobytes()
        return int(live.sum())

    def sources(self) -> list[tuple[str, int]]:
        """(name, priority) of the live sources."""
        return [(self.names[i] or str(k), int(self.priority[i]))
                for i, k in enumerate(self.keys) if k is not None]
