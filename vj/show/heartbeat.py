"""The render loop's heartbeat to its supervisor (vj.supervisor): a byte down a pipe
every :data:`EVERY` seconds of frames drawn.  No beat for a while is a hang; the
first beat is the first frame.  Without ``$VJ_HEARTBEAT_FD`` (no supervisor) it does
nothing.  Never blocks: a full pipe or a supervisor gone only skips the beat."""
from __future__ import annotations

import os

EVERY = 0.25          # s
ENV = "VJ_HEARTBEAT_FD"


class Heartbeat:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.next = 0.0
        os.set_blocking(fd, False)

    @classmethod
    def from_env(cls) -> "Heartbeat | None":
        fd = os.environ.get(ENV)
        if not fd:
            return None
        try:
            return cls(int(fd))
        except (ValueError, OSError):
            return None

    def beat(self, now: float) -> None:
        if now < self.next or self.fd < 0:
            return
        self.next = now + EVERY
        try:
            os.write(self.fd, b".")
        except BlockingIOError:
            pass
        except OSError:            # the supervisor is gone: the show goes on alone
            self.fd = -1
