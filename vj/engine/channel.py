"""The audio process's two pipes (vj.engine.child): JSON lines to the show on
stdout, and the show's words on stdin (``play T``, ``go [T]``; its end of file
means the show is gone)."""
from __future__ import annotations

import json
import os
import sys
import threading

#: Exit codes the show reads.
EXIT_DONE, EXIT_ERROR, EXIT_LOST = 0, 2, 3


class Channel:
    """JSON lines to the show.  Never blocks: stdout is non-blocking, and a message
    that does not fit in the pipe is dropped (the show reads it all the time; a show
    that does not is hung and will not miss it)."""

    def __init__(self) -> None:
        self.fd = sys.stdout.fileno()
        try:
            os.set_blocking(self.fd, False)
        except (AttributeError, OSError):   # a platform without it: writes may block
            pass
        self.active: dict[str, str] = {}
        self.dropped = 0

    def send(self, _type: str, **kw) -> None:
        data = (json.dumps({"t": _type, **kw}) + "\n").encode()
        try:
            os.write(self.fd, data)
        except BlockingIOError:
            self.dropped += 1
        except OSError:          # the show is gone
            os._exit(EXIT_DONE)

    # the small part of vj.live.faults.Faults the capture and analysis use
    def report(self, part: str, message: str) -> None:
        if self.active.get(part) != message:
            self.active[part] = message
            self.send("fault", part=part, msg=message)

    def clear(self, part: str, message: str | None = None) -> None:
        if self.active.pop(part, None) is not None:
            self.send("clear", part=part, msg=message or "")


def watch_parent(ppid: int) -> None:
    """Leave when the show closes stdin or dies (even by kill -9: the pipe closes)."""
    if sys.platform.startswith("linux"):
        try:   # and the kernel kills us if the show's thread that started us dies
            import ctypes
            import signal

            ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
        except Exception:
            pass
    if os.getppid() != ppid:
        os._exit(EXIT_DONE)
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            os._exit(EXIT_DONE)
        cmd = line.decode(errors="replace").split()
        if cmd[:1] == ["play"] and len(cmd) == 2:
            PLAY.append(float(cmd[1]))
            STARTED.set()
        elif cmd[:1] == ["go"]:        # a spare is woken (vj.engine.launch)
            if len(cmd) == 2:
                PLAY.append(float(cmd[1]))
                STARTED.set()
            GO.set()


PLAY: list[float] = []
STARTED = threading.Event()
GO = threading.Event()
