"""What a control thread (OSC, MIDI) hands to the render loop: bounded whatever the
sender does.  A level keeps only its newest value, at the place of its newest
message, so order between kinds is kept; other items (cuts, taps, buttons) are kept
up to ``max_discrete`` per drain and counted as dropped beyond."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class LatestBuffer:
    def __init__(self, max_discrete: int = 256) -> None:
        self.max_discrete = max_discrete
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()
        self._seq = 0
        self._discrete = 0
        self.dropped = 0

    def put(self, item, level: Hashable | None = None) -> None:
        """``level``: the key of the level ``item`` sets (its newest value wins); None
        for a discrete item."""
        with self._lock:
            if level is not None:
                key = ("level", level)
                self._items.pop(key, None)
            elif self._discrete >= self.max_discrete:
                self.dropped += 1
                return
            else:
                self._seq += 1
                self._discrete += 1
                key = self._seq
            self._items[key] = item

    def drain(self) -> list:
        with self._lock:
            items, self._items = self._items, OrderedDict()
            self._discrete = 0
        return list(items.values())
