"""Waiting for the GPU without holding Python's interpreter lock.

moderngl holds the lock in every call (its C code has no ``Py_BEGIN_ALLOW_THREADS``),
so ``ctx.finish()``, and any draw that must wait for an earlier one, keeps every
other Python thread of the show (decode, OSC, MIDI, the loader) waiting as long as
the GPU takes: on a software renderer, most of each frame.  :class:`GpuWait` calls
the same context's ``glFinish`` through ctypes, which releases the lock for the call.
"""
from __future__ import annotations

import ctypes
import logging

log = logging.getLogger("vj.render")

#: Renderer names (GL_RENDERER) of software rasterisers, where a draw that samples
#: what the draw before it rendered waits for it inside the call.
SOFTWARE = ("llvmpipe", "softpipe", "swiftshader", "software", "swrast")


#: Niceness added to a software renderer's rasteriser threads (Linux) where they cannot
#: be made idle-priority (SCHED_IDLE): they use every core while a frame is drawn, and
#: the audio (vj's audio process, the sound server) must get a core the moment it
#: wakes.  Lowering one's own threads needs no privilege.
RASTER_NICE = 10


def yield_to_audio(ctx) -> int:
    """On a software renderer, lower the priority of its rasteriser threads (named
    ``llvmpipe-N`` by Mesa) to idle; returns how many.  The show's own threads keep
    theirs, and the rasterisers still get every moment the CPU has to spare."""
    import os
    import sys

    renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
    if not sys.platform.startswith("linux") or not any(s in renderer for s in SOFTWARE):
        return 0
    done = 0
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            if name.startswith(("llvmpipe", "lp:", "softpipe")):
                try:   # run only on time nothing else wants (no privilege needed)
                    os.sched_setscheduler(int(tid), os.SCHED_IDLE, os.sched_param(0))
                except (OSError, AttributeError):
                    nice = os.getpriority(os.PRIO_PROCESS, int(tid))
                    os.setpriority(os.PRIO_PROCESS, int(tid), min(19, nice + RASTER_NICE))
                done += 1
    except OSError as e:   # another platform's layout: the show goes on as it is
        log.debug("rasteriser threads: %s", e)
    return done


class GpuWait:
    """``wait()``: glFinish on the current context, with the lock released.

    ``address``: the address of the context's ``glFinish`` (from ``eglGetProcAddress``
    or ``glfwGetProcAddress``); without one, ``ctx.finish()`` (holding the lock)."""

    def __init__(self, ctx, address: int | None) -> None:
        self.ctx = ctx
        self.free = bool(address)
        self._finish = ctypes.CFUNCTYPE(None)(address) if address else None
        renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
        #: on a software renderer the passes of a frame are waited for one by one
        self.software = any(s in renderer for s in SOFTWARE)

    def wait(self) -> None:
        if self._finish is not None:
            self._finish()          # ctypes releases the interpreter lock here
        else:
            self.ctx.finish()

    def between_passes(self):
        """The wait to make between two passes (None where a GPU pipelines them)."""
        return self.wait if self.software else None
