"""Background threads yield the CPU to the render loop.

Decoding, bank loading, genre tagging and frame outputs all run on their own
threads; on a machine where they share cores with the render loop (a laptop, or
a software GL renderer), the scheduler should give the display its time slice
first.  On Linux each thread has its own nice value, so a background thread
lowers its own priority when it starts (threads it creates, such as a decoder
runtime's worker pool, inherit it).  Elsewhere this is a no-op.  Never raises:
a priority that cannot be changed leaves the thread as it was.
"""
from __future__ import annotations

import os
import sys
import threading

#: How far below the render loop background work runs (nice +5: under contention
#: the render loop gets about three times its share of a core).
BACKGROUND_NICE = 5


def background(nice: int = BACKGROUND_NICE) -> bool:
    """Lower the calling thread's priority by ``nice``; True where it took effect."""
    tid = getattr(threading, "get_native_id", lambda: None)()
    setp, getp = getattr(os, "setpriority", None), getattr(os, "getpriority", None)
    if tid is None or setp is None or getp is None or not sys.platform.startswith("linux"):
        return False
    try:
        setp(os.PRIO_PROCESS, tid, min(19, getp(os.PRIO_PROCESS, tid) + int(nice)))
    except OSError:
        return False
    return True


def thread_nice() -> int | None:
    """The calling thread's nice value (None where it cannot be read)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (AttributeError, OSError):
        return None
