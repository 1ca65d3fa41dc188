"""The faults of a show's parts: each reported once (log), the current ones shown in
the HUD and /vj/status, all of them listed in the summary.  Bounded: a show that
faults for hours keeps at most ``keep`` distinct messages and counts the rest."""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("vj.live")


class Faults:
    def __init__(self, keep: int = 64) -> None:
        self.keep = keep
        self.t0 = time.perf_counter()     # the show sets it to its start
        #: (seconds since t0, part, message, "fault" | "clear"), at most 4 * keep kept
        self.events: list[tuple[float, str, str, str]] = []
        self._lock = threading.Lock()
        self._active: dict[str, str] = {}        # part -> its current fault
        self._seen: dict[tuple[str, str], int] = {}  # (part, message) -> times reported
        self.dropped = 0                          # distinct messages past ``keep``

    def report(self, part: str, message: str, *, level: int = logging.ERROR) -> None:
        """``part`` has a fault (logged the first time this message is seen)."""
        key = (part, message)
        with self._lock:
            if self._active.get(part) != message:   # a new fault, or one come back
                self._event(part, message, "fault")
            self._active[part] = message
            n = self._seen.get(key)
            if n is None and len(self._seen) >= self.keep:
                self.dropped += 1
                return
            self._seen[key] = (n or 0) + 1
        if n is None:
            log.log(level, "%s: %s", part, message)

    def clear(self, part: str, message: str | None = None) -> None:
        """``part`` works again (``message`` is logged once, if given)."""
        with self._lock:
            was = self._active.pop(part, None)
            if was is not None:
                self._event(part, message or "", "clear")
        if was is not None and message:
            log.info("%s: %s", part, message)

    def _event(self, part: str, message: str, kind: str) -> None:
        if len(self.events) < 4 * self.keep:
            self.events.append((time.perf_counter() - self.t0, part, message, kind))

    def active(self, part: str | None = None) -> str | None:
        with self._lock:
            if part is not None:
                return self._active.get(part)
            return next((f"{p}: {m}" for p, m in self._active.items()), None)

    def current(self) -> list[tuple[str, str]]:
        """Every current fault: (part, message)."""
        with self._lock:
            return list(self._active.items())

    def listing(self) -> list[str]:
        """Every fault seen, once each, in order: ``part: message``."""
        with self._lock:
            out = [f"{p}: {m}" for p, m in self._seen]
        if self.dropped:
            out.append(f"... and {self.dropped} more")
        return out

    def __contains__(self, text: str) -> bool:
        return any(text in f for f in self.listing())


def quietly(what: str, fn):
    """A teardown step that logs its failure instead of stopping the others."""
    def run():
        try:
            fn()
        except Exception as e:
            log.warning("stopping %s: %s", what, e)
    return run
