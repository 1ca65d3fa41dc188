"""The spare audio process, for vj.engine.host.

A spare is an audio process started ahead of need (vj.engine.launch): it has done its
imports, decoded a file input and built its analysis, and waits for ``go`` on its
stdin, touching nothing of the show's.  When the running process dies or hangs the
show wakes the spare in its place, which hears the music again in a few hops instead
of a cold start's imports.  A spare that leaves by itself is not trusted again:
restarts are cold from then on, as they were before there were spares.
"""
from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable

from vj.engine import launch

log = logging.getLogger("vj.engine")


class Spare:
    """``Spare(launch, listen)``: :meth:`start` one, :meth:`heard` its messages,
    :meth:`take` it when needed, :meth:`watch` it meanwhile."""

    def __init__(self, how: launch.Launch,
                 listen: Callable[[subprocess.Popen], None]) -> None:
        self.launch, self._listen = how, listen
        self.proc: subprocess.Popen | None = None
        #: it has done its imports and waits
        self.ready = False
        #: none is started again (one left by itself, or none could be started)
        self.off = False
        #: spares woken so far
        self.used = 0

    def start(self) -> None:
        try:
            self.proc = self.launch.spawn(self.launch.command(spare=True))
            self._listen(self.proc)
        except Exception as e:   # no spare: a restart is cold, as before
            log.warning("cannot start a spare audio process (%s); restarts start a "
                        "fresh one", e)
            self.proc, self.off = None, True

    def heard(self, p: subprocess.Popen, message: dict) -> bool:
        """Whether ``message`` came from the spare (not woken yet: nothing else it says
        is the show's)."""
        if p is not self.proc:
            return False
        self.ready = message.get("t") == "spare"
        return True

    def take(self) -> subprocess.Popen | None:
        """The spare, to be woken in a dead process's place; None when there is none
        ready (one still preparing at its low priority could be slower than a fresh
        one; it is closed)."""
        p, ready = self.proc, self.ready
        self.proc, self.ready = None, False
        if p is None or not ready or p.poll() is not None:
            launch.close(p)
            return None
        return p

    def watch(self, wanted: bool) -> None:
        """Note a spare that left by itself; start one when there is none and it is
        ``wanted`` (the running process has run long enough)."""
        p = self.proc
        if p is not None:
            if p.poll() is not None:   # it left by itself: restarts are cold from now
                log.warning("the spare audio process left (exit %s); restarts start a fresh "
                            "one", p.returncode)
                self.proc, self.off, self.ready = None, True, False
        elif wanted and not self.off:
            self.start()
